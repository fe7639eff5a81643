//! Every flag, defined and documented in one place.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "newsprism",
    version,
    about = "Compare how news outlets in many languages cover the same event",
    long_about = "Reads articles (txt, jsonl, json, csv, optionally gzipped), detects each one's language, \
                  counts topics, actors and terms per outlet, and writes comparison tables as CSV.\n\
                  Exit codes: 0 success, 2 usage or config error, 1 any other failure."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyse the inputs and write the tables into the run's output folder.
    Run {
        #[command(flatten)]
        tables: TableFlags,
        /// A file or folder to read instead of the config's [run] inputs (repeatable).
        #[arg(long = "input", short, value_name = "PATH")]
        inputs: Vec<PathBuf>,
        /// Like --input, for each line of FILE (a path; blank lines and `#` comments skipped):
        /// a shard's share of a long list of files.
        #[arg(long, value_name = "FILE")]
        inputs_from: Option<PathBuf>,
        /// Write this shard's partial counts into DIR instead of the tables, for `newsprism
        /// compare --partials` (see docs/scaling.md).
        #[arg(long, value_name = "DIR", conflicts_with = "output")]
        partials: Option<PathBuf>,
    },
    /// Sum the partial counts of `run --partials` (one folder per shard, or folders summed
    /// already, e.g. by the Spark job in scale/) and write the tables, report and manifest
    /// that `run` would write on all their inputs.
    Compare {
        /// Partial folders to sum (made with the same config: its fingerprint is compared).
        #[arg(long, required = true, num_args = 1.., value_name = "DIR")]
        partials: Vec<PathBuf>,
        #[command(flatten)]
        tables: TableFlags,
    },
    /// Write the articles of PATH… exactly as newsprism reads them (every field, the text
    /// included, and `source`), one JSON object a line on stdout; rejections on stderr.
    Extract {
        /// Files or folders to read.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// A config whose [input] (field mapping, preset, size limit) applies.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Validate the config, the topic terms and the inputs without analysing anything.
    Check {
        #[arg(long, short, default_value = "config.toml")]
        config: PathBuf,
    },
}

/// The flags of the commands that write the tables: `run` and `compare`.
#[derive(clap::Args, Debug)]
pub struct TableFlags {
    /// The config file; relative paths inside it are relative to its folder.
    #[arg(long, short, default_value = "config.toml")]
    pub config: PathBuf,
    /// Write the tables here instead of <[run] output>/<[run] name>.
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}
