//! newsprism: compare how news outlets in many languages cover the same event.
//!
//! The pipeline, one module per stage:
//! [`ingest`] reads articles from files and folders → [`language`] detects each article's
//! language → [`analyze`] turns text into terms (tokenize, lowercase, stopwords, stem) →
//! [`topics`] matches the configured topic and actor lexicon; [`article`] is that chain for one
//! article (text in, its analysis and row out) → [`count`] drives the one parallel stage, which
//! folds each article into the per-group sums of [`counts`] → [`compare`] derives the
//! statistics → [`write`] builds the tables with polars and writes them as CSV. [`cache`]
//! keeps each article's analysis for the next nightly run; [`row_text`] keeps the articles'
//! titles and URLs on disk between reading and writing, in the append-only files of [`spill`].
//!
//! [`config`] turns `config.toml` into [`config::Settings`]; [`pipeline`] ties the stages
//! together for the `run`, `compare` and `check` commands. [`partials`] writes the sums of
//! [`counts`] as Parquet (`run --partials`) and reads them back (`compare --partials`), so
//! that a corpus can be split over machines.

pub mod analyze;
pub mod article;
pub mod article_rows;
pub mod article_source;
pub mod cache;
pub mod compare;
pub mod config;
pub mod count;
pub mod counts;
pub mod dates;
pub mod duplicates;
pub mod error;
pub mod ingest;
pub mod language;
pub mod partials;
pub mod pipeline;
pub mod report;
pub mod row_text;
pub mod select;
pub mod spill;
pub mod topics;
pub mod vocabulary;
pub mod write;

pub use error::Error;

/// The version written into every manifest, so a table can be traced to the code that made it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Bytes as lowercase hex: digests in the manifest and the cache fingerprints.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}
