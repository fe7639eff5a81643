//! The thin binary: parse flags, pick a command, run it, map the outcome to an exit code.

mod cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use newsprism::config::{Overrides, Settings};
use newsprism::pipeline::{self, RunOptions};
use newsprism::Error;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A panic is a bug, never a verdict on the input; it still ends the run like any other
    // failure (exit 1, a message, the previous output untouched: unwinding drops the staging
    // folder), not with Rust's exit 101.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(cli)));
    let result = outcome.unwrap_or_else(|payload| {
        Err(Error::Run(format!(
            "internal error: {}; nothing was written and the previous output is unchanged. \
             Please report this with the command and the input that caused it",
            newsprism::error::panic_message(payload.as_ref())
        )))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("newsprism: {err}");
            ExitCode::from(err.exit_code() as u8)
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run {
            tables,
            mut inputs,
            inputs_from,
            partials,
        } => {
            if let Some(list) = inputs_from {
                let listed = read_input_list(&list)?;
                // an empty share must not fall back to the config's inputs (all of them)
                if listed.is_empty() {
                    return Err(Error::config(format!(
                        "--inputs-from {}: lists no path",
                        list.display()
                    )));
                }
                inputs.extend(listed);
            }
            let overrides = Overrides {
                inputs,
                output: tables.output,
                inputs_unused: false,
            };
            let options = options(tables.threads, tables.quiet);
            match partials {
                Some(dir) => run_partials(&tables.config, overrides, options, &dir),
                None => run(&tables.config, overrides, options),
            }
        }
        Command::Compare { partials, tables } => compare(
            &tables.config,
            &partials,
            Overrides {
                inputs: Vec::new(),
                output: tables.output,
                inputs_unused: true,
            },
            options(tables.threads, tables.quiet),
        ),
        Command::Check { config } => check(&config),
        Command::Extract { paths, config } => extract(&paths, config.as_deref()),
    }
}

/// `newsprism extract`: the articles as read, as JSONL on stdout.
fn extract(paths: &[std::path::PathBuf], config: Option<&std::path::Path>) -> Result<(), Error> {
    let (file, fields_by_path) = match config {
        Some(path) => {
            let settings = Settings::load(path, &Overrides::default())?;
            (settings.file, settings.fields_by_path)
        }
        None => (newsprism::config::ConfigFile::default(), Vec::new()),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let report = pipeline::extract(&file, &fields_by_path, paths, &mut out)?;
    std::io::Write::flush(&mut out).ok();
    for r in &report.rejected {
        let at = r.line.map_or(String::new(), |l| format!(":{l}"));
        eprintln!("newsprism: rejected {}{at}: {}", r.file, r.reason);
    }
    eprintln!(
        "newsprism: {} articles extracted, {} rejected",
        report.articles,
        report.rejected.len()
    );
    Ok(())
}

fn options(threads: Option<u16>, quiet: bool) -> RunOptions {
    RunOptions {
        threads: threads.map(usize::from),
        quiet,
    }
}

/// The paths listed in `list`, one a line.
fn read_input_list(list: &Path) -> Result<Vec<PathBuf>, Error> {
    let text = std::fs::read_to_string(list)
        .map_err(|e| Error::config(format!("--inputs-from {}: {e}", list.display())))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(PathBuf::from)
        .collect())
}

/// `run --partials`: one shard's counts, and a line saying where they went.
fn run_partials(
    config: &Path,
    overrides: Overrides,
    options: RunOptions,
    dir: &Path,
) -> Result<(), Error> {
    let settings = Settings::load(config, &overrides)?;
    let summary = pipeline::run_partials(&settings, &options, dir)?;
    for warning in &summary.warnings {
        eprintln!("newsprism: warning: {warning}");
    }
    if !options.quiet {
        let a = summary.accounting;
        println!(
            "newsprism: {} articles read: {} analysed, {} rejected; {} files; {:.2} s",
            a.articles_discovered(),
            a.articles_analysed,
            a.articles_rejected,
            a.files_discovered,
            summary.seconds
        );
        println!("partial counts written to {}", summary.dir.display());
    }
    Ok(())
}

/// `compare --partials`: the tables from summed partial counts.
fn compare(
    config: &Path,
    dirs: &[PathBuf],
    overrides: Overrides,
    options: RunOptions,
) -> Result<(), Error> {
    let settings = Settings::load(config, &overrides)?;
    let summary = pipeline::compare_partials(&settings, &options, dirs)?;
    report_run(&settings, &summary, &options);
    Ok(())
}

/// Runs the pipeline and prints a one-paragraph summary (unless quiet). Articles that cannot
/// be read are not errors: they are counted and listed in rejected.csv.
fn run(config: &std::path::Path, overrides: Overrides, options: RunOptions) -> Result<(), Error> {
    let settings = Settings::load(config, &overrides)?;
    let summary = pipeline::run(&settings, &options)?;
    report_run(&settings, &summary, &options);
    Ok(())
}

/// The closing message of `run` and `compare`.
fn report_run(settings: &Settings, summary: &pipeline::Summary, options: &RunOptions) {
    // said even with --quiet: a nightly log must show them
    for warning in &summary.warnings {
        eprintln!("newsprism: warning: {warning}");
    }
    if summary.accounting.files_discovered == 0 {
        let inputs: Vec<String> = settings
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        eprintln!(
            "newsprism: warning: no files found under {}; newsprism reads .txt, .jsonl, .ndjson and .csv files, optionally gzipped",
            inputs.join(", ")
        );
    }
    if !options.quiet {
        let a = summary.accounting;
        let rate = a.articles_analysed as f64 / summary.seconds.max(1e-9);
        let langs: Vec<String> = summary
            .languages
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        let excluded = if a.articles_excluded > 0 {
            format!(", {} excluded (outside [select])", a.articles_excluded)
        } else {
            String::new()
        };
        println!(
            "newsprism: {} articles read: {} analysed{excluded}, {} rejected; {} files: {} analysed, {} rejected; {:.2} s ({:.0} articles/s)",
            a.articles_discovered(),
            a.articles_analysed,
            a.articles_rejected,
            a.files_discovered,
            a.files_analysed,
            a.files_rejected(),
            summary.seconds,
            rate
        );
        println!("languages: {}", langs.join(", "));
        let c = summary.cache;
        if c.whole + c.language_only > 0 {
            println!(
                "cache: {} articles reused from the previous run, {} analysed anew{}",
                c.whole,
                // excluded articles are analysed (and cached) too
                (a.articles_analysed + a.articles_excluded).saturating_sub(c.whole),
                if c.language_only > 0 {
                    format!(
                        " ({} of them kept their detected language)",
                        c.language_only
                    )
                } else {
                    String::new()
                }
            );
        }
        for note in &summary.notes {
            println!("{note}");
        }
        println!("tables written to {}", summary.output_dir.display());
        if a.articles_rejected + a.files_rejected() > 0 {
            println!("rejected.csv says what was not analysed and why");
        }
    }
}

/// Validates config and inputs; prints what a run would read. Reads no article.
fn check(config: &std::path::Path) -> Result<(), Error> {
    let settings = Settings::load(config, &Overrides::default())?;
    let report = pipeline::check(&settings)?;
    let formats: Vec<String> = report
        .files_by_format
        .iter()
        .map(|(f, n)| format!("{n} {f}"))
        .collect();
    println!(
        "{}: ok — {} topics, {} actors; inputs hold {} files ({})",
        config.display(),
        report.topics,
        report.actors,
        report.files_by_format.values().sum::<usize>(),
        if formats.is_empty() {
            "none".to_string()
        } else {
            formats.join(", ")
        }
    );
    for p in &report.problems {
        println!("warning: {p} (a run lists it in rejected.csv)");
    }
    for gap in &report.lexicon_gaps {
        println!("warning: {gap}");
    }
    Ok(())
}
