//! The `run` and `check` commands as library functions: settings in, tables and a summary out.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::Serialize;

use crate::analyze::Analyzers;
use crate::article::ArticleStep;
use crate::article_source::Source;
use crate::cache::{self, CacheReader, CacheWriter, Opened};
use crate::compare;
use crate::config::{ConfigFile, CountCopies, DuplicatesSection, Settings};
use crate::count;
use crate::counts::Counts;
use crate::duplicates::{self, SketchSlot, SketchSpill};
use crate::error::{Error, Result};
use crate::ingest::{self, Format, IngestOptions, Record, Scope, Sources};
use crate::language::LanguageDetector;
use crate::partials;
use crate::report;
use crate::row_text::{RowTextSpill, RowTexts};
use crate::select::Selection;
use crate::topics::Lexicon;
use crate::write;

/// How a run executes; nothing here changes its results.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads (default: one per core).
    pub threads: Option<usize>,
    /// No progress bar.
    pub quiet: bool,
}

/// What a run did, for the closing message.
#[derive(Debug, Clone)]
pub struct Summary {
    pub output_dir: PathBuf,
    pub accounting: Accounting,
    pub cache: CacheUse,
    pub seconds: f64,
    pub languages: BTreeMap<String, u64>,
    /// Things to say about the run (e.g. an unusable cache), also in the manifest.
    pub warnings: Vec<String>,
    /// What the tables could not compare (e.g. keyness for a language with one outlet).
    pub notes: Vec<String>,
}

/// How many articles the previous run's cache spared from analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheUse {
    /// Articles folded from their stored analysis.
    pub whole: u64,
    /// Articles whose stored language was reused and whose text was analysed again.
    pub language_only: u64,
}

/// Where every file and article went: each was analysed or is listed in rejected.csv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accounting {
    /// Every path found under the inputs, readable or not.
    pub files_discovered: u64,
    /// Files that gave at least one analysed article.
    pub files_analysed: u64,
    pub articles_analysed: u64,
    /// Analysed, but outside `[select]`: in excluded.csv, in no table.
    pub articles_excluded: u64,
    pub articles_rejected: u64,
}

impl Accounting {
    /// Files with no analysed article; each has at least one row in rejected.csv.
    pub fn files_rejected(&self) -> u64 {
        self.files_discovered - self.files_analysed
    }

    pub fn articles_discovered(&self) -> u64 {
        self.articles_analysed + self.articles_excluded + self.articles_rejected
    }
}

/// What `check` found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub topics: usize,
    pub actors: usize,
    pub files_by_format: BTreeMap<String, usize>,
    /// Files that a run would list as rejected (unsupported, unreadable).
    pub problems: Vec<String>,
    /// Per language the lexicon has terms in, the topics it has none for.
    pub lexicon_gaps: Vec<String>,
}

/// Reads every input, analyses every article, and writes the tables and manifest into the
/// run's output folder, replacing the previous run's folder only once all are written.
pub fn run(settings: &Settings, options: &RunOptions) -> Result<Summary> {
    let clock = Clock::start();
    let tools = Tools::build(settings)?;
    // locked from the start, so a second run refuses at once rather than after its analysis
    let staging = write::Staging::new(&settings.output_dir)?;
    let pool = thread_pool(options.threads)?;
    let partial = read_and_count(settings, &tools, &staging, &pool, options, true)?;
    finish(settings, &tools, staging, &pool, partial, clock, true)
}

/// The folder, inside the staging folder, where a run's sketches wait for copy detection
/// (see [`SketchSpill`]); removed before the output is swapped in.
const SKETCH_SPILL: &str = "sketches.spill";

/// The file, inside the staging folder, where a run's titles and URLs wait for the tables
/// (see [`RowTextSpill`]); removed before the output is swapped in.
const TEXT_SPILL: &str = "texts.spill";

/// What `run --partials` did.
#[derive(Debug, Clone)]
pub struct PartialSummary {
    pub dir: PathBuf,
    pub accounting: Accounting,
    pub seconds: f64,
    pub warnings: Vec<String>,
}

/// `run --partials DIR`: the per-article work of `run` on this shard's inputs, its sums written
/// into `dir` as partial counts (see [`partials`]) instead of the tables.
pub fn run_partials(
    settings: &Settings,
    options: &RunOptions,
    dir: &Path,
) -> Result<PartialSummary> {
    let clock = Clock::start();
    let cfg = &settings.file;
    if cfg.duplicates.enabled && cfg.duplicates.count == CountCopies::First {
        return Err(Error::config(
            "[duplicates] count = \"first\" cannot be split into partials: which copy comes first is known only once every shard is read. Use count = \"all\" (copies are still found and listed in duplicates.csv)",
        ));
    }
    let fingerprint = partials::fingerprint(settings)?;
    let tools = Tools::build(settings)?;
    let staging = write::Staging::new(dir)?;
    let pool = thread_pool(options.threads)?;
    let Counted {
        sums: partial,
        paths,
        ..
    } = read_and_count(settings, &tools, &staging, &pool, options, false)?;
    let accounting = account(&partial.reports, &partial.unread, &partial.counts);
    let manifest = partials::ShardManifest {
        format: partials::FORMAT,
        newsprism_version: crate::VERSION.to_string(),
        config_fingerprint: fingerprint,
        run_inputs: partial.run_inputs.clone(),
        inputs: partial
            .reports
            .iter()
            .zip(&paths)
            .map(|(report, path)| partials::ShardInput {
                path: std::path::absolute(path).unwrap_or_else(|_| path.clone()),
                report: report.clone(),
            })
            .collect(),
        topics: tools.topic_ids(),
        group_by: group_names(settings),
        articles: partial.counts.articles.len() as u64,
        articles_from_cache: partial.counts.from_cache,
        articles_language_from_cache: partial.counts.language_from_cache,
        warnings: partial.warnings.clone(),
    };
    pool.install(|| partials::write(staging.dir(), &partial, &manifest))?;
    let dir = staging.commit()?;
    Ok(PartialSummary {
        dir,
        accounting,
        seconds: clock.started.elapsed().as_secs_f64(),
        warnings: partial.warnings,
    })
}

/// `compare --partials DIR…`: sums the partial counts of `dirs` and writes the tables, report
/// and manifest that `run` writes on the union of their inputs.
pub fn compare_partials(
    settings: &Settings,
    options: &RunOptions,
    dirs: &[PathBuf],
) -> Result<Summary> {
    let clock = Clock::start();
    let fingerprint = partials::fingerprint(settings)?;
    let tools = Tools::build(settings)?;
    let staging = write::Staging::new(&settings.output_dir)?;
    let pool = thread_pool(options.threads)?;
    let read = partials::read(
        dirs,
        &fingerprint,
        &tools.topic_ids(),
        &group_names(settings),
        settings.file.compare.contexts_per_topic,
    )?;
    let cfg = &settings.file;
    let ingest_options = IngestOptions {
        fields: &cfg.input.fields,
        max_article_bytes: cfg.input.max_article_bytes,
        fields_by_path: &settings.fields_by_path,
    };
    let counted = Counted {
        sums: read.settle(&tools.step(settings, None, None), &ingest_options)?,
        paths: Vec::new(),
        analysed_after: clock.started.elapsed().as_secs_f64(),
        spill: None,
        texts: RowTexts::held(),
    };
    finish(settings, &tools, staging, &pool, counted, clock, false)
}

/// When a command started.
struct Clock {
    started: Instant,
    started_at: SystemTime,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            started: Instant::now(),
            started_at: SystemTime::now(),
        }
    }
}

/// The parallel stage's result (or the partials' sum): the sums of every article read.
struct Counted {
    sums: partials::Partial,
    /// Each file's path, beside its report (empty when read back from partials).
    paths: Vec<PathBuf>,
    /// Seconds from the start to the end of the parallel stage.
    analysed_after: f64,
    /// Where `run` put the sketches (`None`: with the rows).
    spill: Option<SketchSpill>,
    /// Where the titles and URLs are read from.
    texts: RowTexts,
}

/// The names of the `group_by` columns.
fn group_names(settings: &Settings) -> Vec<String> {
    settings
        .group_by
        .iter()
        .map(|g| g.name().to_string())
        .collect()
}

/// Discovers the inputs, reads and analyses every article (the cache of the previous run in
/// `staging` reused, this run's written into it) and sums the counts.
fn read_and_count(
    settings: &Settings,
    tools: &Tools,
    staging: &write::Staging,
    pool: &rayon::ThreadPool,
    options: &RunOptions,
    spill_to_disk: bool,
) -> Result<Counted> {
    let started = Instant::now();
    let cfg = &settings.file;
    let exclude: Vec<PathBuf> = settings.sources.iter().cloned().collect();
    let (files, unread) = ingest::discover(&settings.inputs, &exclude);
    let cache = RunCache::open(cfg, staging)?;
    let ingest_options = IngestOptions {
        fields: &cfg.input.fields,
        max_article_bytes: cfg.input.max_article_bytes,
        fields_by_path: &settings.fields_by_path,
    };
    let left_out = (cfg.duplicates.enabled && cfg.duplicates.count == CountCopies::First)
        .then(|| {
            find_copies(
                tools,
                &files,
                &ingest_options,
                pool,
                &cfg.duplicates,
                staging,
            )
        })
        .transpose()?;

    // partials keep their sketches, titles and URLs with the rows: they are written out with
    // them
    let spill = (spill_to_disk && cfg.duplicates.enabled)
        .then(|| SketchSpill::create(staging.dir().join(SKETCH_SPILL)))
        .transpose()?;
    let text_spill = spill_to_disk
        .then(|| RowTextSpill::create(staging.dir().join(TEXT_SPILL)))
        .transpose()?;
    let step = ArticleStep {
        sketch_spill: spill.as_ref(),
        text_spill: text_spill.as_ref(),
        ..tools.step(settings, Some(&cache), left_out.as_ref())
    };
    let (counts, mut reports) = analyse_inputs(
        &step,
        cache.writer.as_ref(),
        &files,
        &ingest_options,
        pool,
        options.quiet,
    )?;
    ingest::settle_reports(&mut reports, &counts.rejected);
    release_freed_memory();
    let analysed_after = started.elapsed().as_secs_f64();
    let mut warnings = cache.warnings.clone();
    warnings.sort();
    cache.finish(staging)?;
    Ok(Counted {
        sums: partials::Partial {
            counts,
            reports,
            unread,
            run_inputs: cfg.run.inputs.clone(),
            warnings,
        },
        paths: files.into_iter().map(|f| f.path).collect(),
        analysed_after,
        spill,
        texts: match text_spill {
            Some(text_spill) => text_spill.finish()?,
            None => RowTexts::held(),
        },
    })
}

/// The serial tail of `run` and `compare`: statistics, tables, report and manifest, then the
/// output folder swapped in.
fn finish(
    settings: &Settings,
    tools: &Tools,
    staging: write::Staging,
    pool: &rayon::ThreadPool,
    counted: Counted,
    clock: Clock,
    cache_written: bool,
) -> Result<Summary> {
    let cfg = &settings.file;
    let Counted {
        sums:
            partials::Partial {
                mut counts,
                reports,
                unread,
                run_inputs,
                mut warnings,
            },
        analysed_after,
        spill,
        texts,
        ..
    } = counted;
    let accounting = account(&reports, &unread, &counts);
    let cache_report = ManifestCache::of(cfg, &counts, cache_written);
    counts.rejected.extend(unread);
    let languages = languages_of(&counts);
    let left_out = counts.left_out;
    // duplicate detection and the statistics use the run's --threads as well
    if let Some(spill) = &spill {
        spill.finish()?;
    }
    let mut tables = pool.install(|| {
        compare::tables(
            counts,
            &tools.lexicon,
            &settings.group_by,
            &cfg.compare,
            &cfg.duplicates,
            spill.as_ref(),
            texts,
        )
    })?;
    if let Some(spill) = spill {
        spill.remove()?;
    }
    crate::error::panic_if_testing("tables");
    // the tables' own parallel parts use the run's --threads as well
    let parquet = cfg
        .output
        .formats
        .contains(&crate::config::TableFormat::Parquet);
    let facts = report::RunFacts {
        name: &cfg.run.name,
        config_file: settings
            .config_path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned()),
        version: env!("CARGO_PKG_VERSION"),
        inputs_hash: inputs_hash(&reports),
        files_discovered: accounting.files_discovered,
        files_analysed: accounting.files_analysed,
        articles_analysed: accounting.articles_analysed,
        articles_excluded: accounting.articles_excluded,
        articles_rejected: accounting.articles_rejected,
        group_by: &settings.group_by,
        warnings: &warnings,
    };
    // the page is rendered while the tables are written: neither needs the other
    let (written, page) = pool.install(|| {
        rayon::join(
            || write::write_tables(staging.dir(), &tables, parquet),
            || cfg.output.report.then(|| report::render(&tables, &facts)),
        )
    });
    written?;
    let page = page.transpose()?;
    std::mem::take(&mut tables.texts).remove()?;
    let tables_after = clock.started.elapsed().as_secs_f64();
    if let Some(page) = page {
        write::write_report(staging.dir(), &page)?;
    }
    let report_after = clock.started.elapsed().as_secs_f64();
    warnings.extend(tables.coverage_warnings.iter().cloned());

    let outcome = Outcome {
        reports,
        accounting,
        languages,
        cache: cache_report,
        warnings,
        notes: tables.keyness.notes().to_vec(),
        left_out,
    };
    // Freeing the tables (every article's row and sketch, every group's term counts) took a
    // few percent of a run's wall time, with nothing left to wait for it; on its own thread
    // it overlaps the manifest and the swap, and a CLI run exits without waiting for it.
    let _ = std::thread::Builder::new()
        .name("free-tables".into())
        .spawn(move || drop(tables));
    let seconds = clock.started.elapsed().as_secs_f64();
    let timing = Phases {
        read_and_analyse: millis(analysed_after),
        statistics_and_tables: millis(tables_after - analysed_after),
        report: millis(report_after - tables_after),
    };
    // the manifest names the inputs of every shard, as one run on all of them would
    let mut config = cfg.clone();
    config.run.inputs = run_inputs;
    let manifest = Manifest::new(
        settings,
        &config,
        &tools.analyzers,
        &outcome,
        clock.started_at,
        timing,
    );
    write::write_manifest(staging.dir(), &manifest)?;
    let output_dir = staging.commit()?;
    Ok(Summary {
        output_dir,
        accounting: outcome.accounting,
        cache: CacheUse {
            whole: outcome.cache.articles_reused,
            language_only: outcome.cache.articles_language_reused,
        },
        seconds,
        languages: outcome.languages,
        warnings: outcome.warnings,
        notes: outcome.notes,
    })
}

/// One digest of the inputs: SHA-256 over the files' digests, in file order.
fn inputs_hash(reports: &[ingest::FileReport]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for r in reports {
        hasher.update(r.file.as_bytes());
        hasher.update([0]);
        hasher.update(r.sha256.as_bytes());
        hasher.update([b'\n']);
    }
    crate::hex(&hasher.finalize())
}

/// Articles per detected language.
fn languages_of(counts: &Counts) -> BTreeMap<String, u64> {
    let mut languages: BTreeMap<String, u64> = BTreeMap::new();
    for a in counts.articles.iter() {
        *languages.entry(a.language().to_string()).or_default() += 1;
    }
    languages
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Run(format!("cannot start {threads} worker threads: {e}")))
}

/// What a run found, for the manifest and the summary.
struct Outcome {
    reports: Vec<ingest::FileReport>,
    accounting: Accounting,
    languages: BTreeMap<String, u64>,
    cache: ManifestCache,
    warnings: Vec<String>,
    notes: Vec<String>,
    left_out: u64,
}

/// What the per-article step needs, built from the settings once per run.
struct Tools {
    analyzers: Analyzers,
    lexicon: Lexicon,
    detector: LanguageDetector,
    sources: Sources,
    selection: Option<Selection>,
}

impl Tools {
    /// The per-article step of this run: its cache, sketches and copies left out.
    fn step<'a>(
        &'a self,
        settings: &'a Settings,
        cache: Option<&'a RunCache>,
        left_out: Option<&'a FxHashSet<String>>,
    ) -> ArticleStep<'a> {
        ArticleStep {
            cache: cache.and_then(|c| c.previous.as_ref()),
            keep_analyses: cache.is_some_and(|c| c.writer.is_some()),
            sketch_duplicates: settings.file.duplicates.enabled,
            left_out,
            selection: self.selection.as_ref(),
            contexts: {
                let c = &settings.file.compare;
                (c.contexts_per_topic > 0).then_some((c.context_words, c.contexts_per_topic))
            },
            ..ArticleStep::new(
                &self.detector,
                &self.analyzers,
                &self.lexicon,
                &self.sources,
                &settings.group_by,
            )
        }
    }

    /// The topics' ids, in lexicon order.
    fn topic_ids(&self) -> Vec<String> {
        self.lexicon.topics().iter().map(|t| t.id.clone()).collect()
    }

    fn build(settings: &Settings) -> Result<Tools> {
        let cfg = &settings.file;
        let analyzers = Analyzers::new(&cfg.text);
        let lexicon = Lexicon::compile(&cfg.topics, &analyzers)?;
        let detector = LanguageDetector::new(
            &cfg.language.allow,
            cfg.language.min_confidence,
            cfg.language.prefix_chars,
        );
        let sources = match &settings.sources {
            Some(path) => Sources::load(path)?,
            None => Sources::default(),
        };
        let zone = crate::dates::zone(&cfg.run.day_zone)
            .ok_or_else(|| Error::config(format!("[run] day_zone = {:?}", cfg.run.day_zone)))?;
        let selection = Selection::new(&cfg.select, lexicon.topics(), zone);
        Ok(Tools {
            analyzers,
            lexicon,
            detector,
            sources,
            selection,
        })
    }
}

/// The previous run's cache to read, this run's to write, and what to say about them.
struct RunCache {
    fingerprints: cache::Fingerprints,
    previous: Option<CacheReader>,
    writer: Option<CacheWriter>,
    warnings: Vec<String>,
}

impl RunCache {
    fn open(cfg: &ConfigFile, staging: &write::Staging) -> Result<RunCache> {
        let fingerprints = cache::Fingerprints::of(cfg);
        let mut warnings = Vec::new();
        let mut previous = None;
        if cfg.run.cache {
            let opened = staging
                .previous()
                .map_or(Opened::Absent, |dir| CacheReader::open(dir, &fingerprints));
            match opened {
                Opened::Usable { reader, problems } => {
                    warnings.extend(problems.into_iter().map(|p| {
                        format!("cache partly unusable: {p}; those articles are analysed anew")
                    }));
                    previous = Some(reader);
                }
                Opened::Unusable(reason) => {
                    warnings.push(format!("cache unusable: {reason}; full run"))
                }
                Opened::Absent | Opened::Outdated => {}
            }
        }
        let writer = if cfg.run.cache {
            Some(CacheWriter::create(staging.dir()).map_err(|e| Error::io(staging.dir(), e))?)
        } else {
            None
        };
        Ok(RunCache {
            fingerprints,
            previous,
            writer,
            warnings,
        })
    }

    /// Seals this run's cache: its header makes it valid.
    fn finish(self, staging: &write::Staging) -> Result<()> {
        if let Some(writer) = self.writer {
            writer
                .finish(&self.fingerprints)
                .map_err(|e| Error::io(&staging.dir().join(cache::FOLDER), e))?;
        }
        Ok(())
    }
}

impl ManifestCache {
    /// The cache as the manifest reports it: whether this run wrote one, and what it reused.
    fn of(cfg: &ConfigFile, counts: &Counts, written: bool) -> ManifestCache {
        ManifestCache {
            enabled: cfg.run.cache && written,
            articles_reused: counts.from_cache,
            articles_language_reused: counts.language_from_cache,
            fingerprints: cache::Fingerprints::of(cfg),
            code: CodeHashes {
                language: cache::LANGUAGE_CODE,
                analysis: cache::ANALYSIS_CODE,
            },
        }
    }
}

/// The first pass of `[duplicates] count = "first"`: every article's language and sketch, then
/// the clusters, exactly as the tables will find them; returns the sources of the copies,
/// which the counting pass lists but leaves out of every sum.
fn find_copies(
    tools: &Tools,
    files: &[ingest::InputFile],
    ingest_options: &IngestOptions,
    pool: &rayon::ThreadPool,
    settings: &DuplicatesSection,
    staging: &write::Staging,
) -> Result<FxHashSet<String>> {
    // this pass's sketches wait on disk as the counting pass's do; its folder is gone before
    // that pass makes its own
    let spill = SketchSpill::create(staging.dir().join(SKETCH_SPILL))?;
    struct Seen {
        source: String,
        id: String,
        published: String,
        language: &'static str,
        sketch: SketchSlot,
    }
    let mut seen: Vec<Seen> = Vec::new();
    let bytes_read = AtomicU64::new(0);
    ingest::read_all(files, ingest_options, &bytes_read, &mut |batch| {
        let sketched: Vec<Seen> = pool.install(|| {
            batch
                .into_par_iter()
                .map_init(Vec::new, |words, record| match record.resolve() {
                    Record::Article(a) => {
                        let language = tools.detector.detect(&a.title, &a.text).code;
                        tools.analyzers.get(language).word_hashes(&a.text, words);
                        Some(Seen {
                            sketch: spill.keep(language, duplicates::sketch(words, language)),
                            source: a.source,
                            id: a.id,
                            published: crate::dates::order_key(&a.published),
                            language,
                        })
                    }
                    _ => None,
                })
                .flatten()
                .collect()
        });
        seen.extend(sketched);
    });
    spill.finish()?;
    let candidate = |i: usize| {
        let s = &seen[i];
        duplicates::Candidate {
            language: s.language,
            published: &s.published,
            id: &s.id,
            source: Source::whole(&s.source),
            sketch: &s.sketch,
        }
    };
    let found = pool.install(|| {
        duplicates::detect(
            seen.len(),
            candidate,
            settings.min_containment,
            Some(&spill),
        )
    })?;
    spill.remove()?;
    Ok(found
        .iter()
        .zip(&seen)
        .filter(|(f, _)| f.as_ref().is_some_and(|f| f.matched.is_some()))
        .map(|(_, s)| s.source.clone())
        .collect())
}

/// Hands the memory the workers freed (their memos and scratch) back to the system before
/// the tables are built. glibc keeps freed memory in the arena of the thread that freed it, for
/// that arena's next allocations; the tables' allocations did not reliably land there. Measured
/// at 100,000 articles, 2 threads: peak RSS 219–243 MB run to run without this, 213–214 MB
/// with it (the peak is then the end of the analysis, not the tables).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only returns free pages of glibc's own heaps to the kernel;
        // it takes no pointer of ours and is safe to call at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The parallel stage: a reader thread streams batches of records from `files` to the
/// workers of `pool`, which run the per-article step and fold the counts.
fn analyse_inputs(
    step: &ArticleStep,
    cache_out: Option<&CacheWriter>,
    files: &[ingest::InputFile],
    ingest_options: &IngestOptions,
    pool: &rayon::ThreadPool,
    quiet: bool,
) -> Result<(Counts, Vec<ingest::FileReport>)> {
    let started = Instant::now();
    let total_bytes: u64 = files.iter().map(|f| f.size).sum();
    let bar = progress_bar(total_bytes, quiet);
    let bytes_read = AtomicU64::new(0);
    let records_done = AtomicU64::new(0);
    let (counts, reports) = std::thread::scope(|scope| {
        // No batch waits in a queue: the reader fills one in about a tenth of the time a
        // worker takes to empty it (perf, 100,000 articles, 2 threads: 8 % of the samples
        // against 46 % for each worker), so the one it holds ready (blocked in `send`) keeps
        // two workers fed, and every batch queued besides is up to 4,096 articles' text held
        // for nothing (see `ingest::read_all`). Past about ten workers the reader could not
        // keep up, queue or not.
        let (tx, rx) = sync_channel::<Vec<Record>>(0);
        // batches the workers are done with, back to the reader, which frees them (see
        // `count::count`)
        let (spent_tx, spent_rx) = std::sync::mpsc::channel::<Vec<Record>>();
        let bytes_read = &bytes_read;
        let reader = scope.spawn(move || {
            crate::error::panic_if_testing("reader");
            let reports = ingest::read_all(files, ingest_options, bytes_read, &mut |batch| {
                spent_rx.try_iter().for_each(drop);
                // the workers stopping early (a panic) shows up at join; nothing to do here
                let _ = tx.send(batch);
                // the worker that took it gave its last batch back first: freed now, not
                // after the next batch is read
                spent_rx.try_iter().for_each(drop);
            });
            drop(tx);
            reports
        });
        let progress = |n: u64| {
            if bar.is_hidden() {
                return; // cron, --quiet: nothing to draw, nothing to format
            }
            let done = records_done.fetch_add(n, Ordering::Relaxed) + n;
            bar.set_position(bytes_read.load(Ordering::Relaxed));
            let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!("{done} articles, {rate:.0}/s"));
        };
        // a batch finished after the reader is done is freed where it was folded
        let spent = |batch: Vec<Record>| drop(spent_tx.send(batch));
        let counts =
            pool.install(|| count::count(step, cache_out, rx.into_iter(), &progress, &spent));
        (counts, reader.join())
    });
    bar.finish_and_clear();
    let reports = reports.map_err(|panic| {
        Error::Run(format!(
            "internal error: the input reader stopped ({}); nothing was written and the previous output is unchanged",
            crate::error::panic_message(panic.as_ref())
        ))
    })?;
    Ok((counts, reports))
}

/// Where every file and article went.
fn account(
    reports: &[ingest::FileReport],
    walk_rejections: &[ingest::Rejection],
    counts: &Counts,
) -> Accounting {
    let unread_paths: BTreeSet<&str> = walk_rejections.iter().map(|r| r.file.as_str()).collect();
    let accounting = Accounting {
        files_discovered: (reports.len() + unread_paths.len()) as u64,
        files_analysed: reports.iter().filter(|r| r.articles > 0).count() as u64,
        articles_analysed: counts.articles.len() as u64,
        articles_excluded: counts.excluded.len() as u64,
        articles_rejected: counts
            .rejected
            .iter()
            .chain(walk_rejections)
            .filter(|r| r.scope == Scope::Article)
            .count() as u64,
    };
    debug_assert_eq!(
        accounting.articles_analysed + accounting.articles_excluded,
        reports.iter().map(|r| r.articles).sum::<u64>()
    );
    accounting
}

/// `manifest.json`: what a run read, how, and what it made of it.
#[derive(Serialize)]
struct Manifest<'a> {
    newsprism_version: &'static str,
    config_file: Option<String>,
    config: &'a ConfigFile,
    inputs: &'a [ingest::FileReport],
    counts: ManifestCounts,
    languages: &'a BTreeMap<String, u64>,
    cache: &'a ManifestCache,
    duplicates: ManifestDuplicates,
    analysis: ManifestAnalysis,
    /// Things a researcher should know about this run (e.g. an unusable cache).
    warnings: &'a [String],
    /// What the tables could not compare, and why (e.g. a language only one outlet writes in).
    notes: &'a [String],
    tables: &'static [&'static str],
    started: String,
    finished: String,
    seconds: f64,
    /// Where a nightly run's time went: the parallel stage (reading, detection, analysis,
    /// counting), then merging, statistics and writing the tables.
    seconds_by_phase: Phases,
}

impl<'a> Manifest<'a> {
    fn new(
        settings: &'a Settings,
        config: &'a ConfigFile,
        analyzers: &Analyzers,
        outcome: &'a Outcome,
        started_at: SystemTime,
        seconds_by_phase: Phases,
    ) -> Manifest<'a> {
        let cfg = config;
        Manifest {
            newsprism_version: crate::VERSION,
            config_file: settings
                .config_path
                .as_ref()
                .map(|p| p.display().to_string()),
            config: cfg,
            inputs: &outcome.reports,
            counts: ManifestCounts::of(&outcome.accounting),
            languages: &outcome.languages,
            cache: &outcome.cache,
            duplicates: ManifestDuplicates {
                enabled: cfg.duplicates.enabled,
                count: cfg.duplicates.count,
                copies_left_out: outcome.left_out,
            },
            analysis: ManifestAnalysis {
                stopwords: cfg.text.stopwords,
                stem: cfg.text.stem,
                stemmer_panics: analyzers.stemmer_panics(),
                by_language: analyzers.describe(outcome.languages.keys().map(String::as_str)),
            },
            warnings: &outcome.warnings,
            notes: &outcome.notes,
            tables: &write::TABLE_FILES,
            started: rfc3339(started_at),
            finished: rfc3339(SystemTime::now()),
            seconds: millis(
                seconds_by_phase.read_and_analyse + seconds_by_phase.statistics_and_tables,
            ),
            seconds_by_phase,
        }
    }
}

#[derive(Serialize)]
struct ManifestCounts {
    files: Tally,
    articles: Tally,
}

#[derive(Serialize)]
struct Tally {
    discovered: u64,
    analysed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    excluded: Option<u64>,
    rejected: u64,
}

impl ManifestCounts {
    fn of(a: &Accounting) -> ManifestCounts {
        ManifestCounts {
            files: Tally {
                discovered: a.files_discovered,
                analysed: a.files_analysed,
                excluded: None,
                rejected: a.files_rejected(),
            },
            articles: Tally {
                discovered: a.articles_discovered(),
                analysed: a.articles_analysed,
                excluded: Some(a.articles_excluded),
                rejected: a.articles_rejected,
            },
        }
    }
}

#[derive(Serialize)]
struct ManifestDuplicates {
    enabled: bool,
    count: CountCopies,
    /// Copies listed in articles.csv and duplicates.csv but left out of every count and
    /// statistic (`count = "first"`); 0 with `count = "all"`.
    copies_left_out: u64,
}

#[derive(Serialize)]
struct ManifestCache {
    enabled: bool,
    articles_reused: u64,
    articles_language_reused: u64,
    fingerprints: cache::Fingerprints,
    /// The build-time hashes of the detection and analysis code and data behind them.
    code: CodeHashes,
}

#[derive(Serialize)]
struct CodeHashes {
    language: &'static str,
    analysis: &'static str,
}

#[derive(Serialize)]
struct ManifestAnalysis {
    stopwords: bool,
    stem: bool,
    stemmer_panics: u64,
    by_language: BTreeMap<String, crate::analyze::AnalyzerInfo>,
}

#[derive(Serialize)]
struct Phases {
    read_and_analyse: f64,
    statistics_and_tables: f64,
    /// Writing report.html, once the tables are written (it is rendered beside them, in
    /// `statistics_and_tables`; 0 when `[output] report = false`).
    report: f64,
}

/// One article as `newsprism extract` writes it: every field as read, and where it came from.
#[derive(Serialize)]
struct Extracted<'a> {
    id: &'a str,
    outlet: &'a str,
    country: &'a str,
    published: &'a str,
    url: &'a str,
    title: &'a str,
    text: &'a str,
    language: &'a str,
    source: &'a str,
}

/// What `newsprism extract` read.
pub struct ExtractReport {
    pub articles: u64,
    pub rejected: Vec<ingest::Rejection>,
}

/// Writes every article of `paths` as newsprism reads it (field mapping and limits of
/// `config`), one JSON object a line, to `out`; rejections come back in the report.
pub fn extract(
    config: &ConfigFile,
    fields_by_path: &[(PathBuf, crate::config::FieldNames)],
    paths: &[PathBuf],
    out: &mut dyn std::io::Write,
) -> Result<ExtractReport> {
    let (files, mut rejected) = ingest::discover(paths, &[]);
    let options = IngestOptions {
        fields: &config.input.fields,
        max_article_bytes: config.input.max_article_bytes,
        fields_by_path,
    };
    let mut articles = 0;
    let mut failure = None;
    let bytes_read = AtomicU64::new(0);
    ingest::read_all(&files, &options, &bytes_read, &mut |batch| {
        // pages are extracted in parallel, in the batch's order
        let batch: Vec<Record> = batch.into_par_iter().map(Record::resolve).collect();
        for record in batch {
            match record {
                Record::Article(a) => {
                    let line = Extracted {
                        id: &a.id,
                        outlet: &a.outlet,
                        country: &a.country,
                        published: &a.published,
                        url: &a.url,
                        title: &a.title,
                        text: &a.text,
                        language: &a.declared_language,
                        source: &a.source,
                    };
                    let written = serde_json::to_writer(&mut *out, &line)
                        .map_err(std::io::Error::other)
                        .and_then(|()| out.write_all(b"\n"));
                    match written {
                        Ok(()) => articles += 1,
                        Err(e) => failure = failure.take().or(Some(e)),
                    }
                }
                Record::Rejected(r) => rejected.push(r),
                Record::Page(_) | Record::Skipped(_) => {}
            }
        }
    });
    if let Some(e) = failure {
        // a closed pipe (`| head`) ends the output as the reader wanted
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(Error::Run(format!("writing the articles: {e}")));
        }
    }
    Ok(ExtractReport { articles, rejected })
}

/// Validates the config, the topic lexicon and the inputs without analysing anything.
pub fn check(settings: &Settings) -> Result<CheckReport> {
    let cfg = &settings.file;
    let analyzers = Analyzers::new(&cfg.text);
    let lexicon = Lexicon::compile(&cfg.topics, &analyzers)?;
    let lexicon_gaps = lexicon
        .gaps()
        .into_iter()
        .map(|(language, missing)| {
            format!(
                "{language}: {} of {} topics have terms (none for {}) — articles in {language} count 0 for those by construction",
                lexicon.topics().len() - missing.len(),
                lexicon.topics().len(),
                missing.join(", ")
            )
        })
        .collect();
    write::check_replaceable(&settings.output_dir)?;
    if let Some(path) = &settings.sources {
        Sources::load(path)?;
    }
    let exclude: Vec<PathBuf> = settings.sources.iter().cloned().collect();
    let (files, rejections) = ingest::discover(&settings.inputs, &exclude);
    let mut files_by_format = BTreeMap::new();
    let mut problems: Vec<String> = rejections
        .iter()
        .map(|r| format!("{}: {}", r.file, r.reason))
        .collect();
    for f in &files {
        let name = match f.format {
            Format::Txt => "txt",
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Html => "html",
            Format::Warc => "warc",
        };
        let name = if f.gzip {
            format!("{name}.gz")
        } else {
            name.to_string()
        };
        *files_by_format.entry(name).or_default() += 1;
        if let Err(e) = std::fs::File::open(&f.path) {
            problems.push(format!("{}: unreadable file: {e}", f.display));
        }
    }
    let actors = cfg
        .topics
        .iter()
        .filter(|t| t.kind == crate::config::TopicKind::Actor)
        .count();
    Ok(CheckReport {
        topics: cfg.topics.len() - actors,
        actors,
        files_by_format,
        problems,
        lexicon_gaps,
    })
}

fn progress_bar(total_bytes: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total_bytes);
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg} ETA {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

fn millis(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil-from-days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_505_676_600);
        assert_eq!(rfc3339(t), "2017-09-17T19:30:00Z");
    }
}
