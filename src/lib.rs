//! newsprism: compare how news outlets in many languages cover the same event.
//!
//! The pipeline, one module per stage:
//! [`ingest`] reads articles from files and folders → [`language`] detects each article's
//! language → [`analyze`] turns text into terms (tokenize, lowercase, stopwords, stem) →
//! [`topics`] matches the configured topic and actor lexicon → [`count`] runs all per-article
//! work in one parallel stage and folds counts per group → [`compare`] derives the statistics →
//! [`write`] builds the tables with polars and writes them as CSV.
//!
//! [`config`] turns `config.toml` into [`config::Settings`]; [`pipeline`] ties the stages
//! together for the `run` and `check` commands.

pub mod analyze;
pub mod cache;
pub mod compare;
pub mod config;
pub mod count;
pub mod error;
pub mod ingest;
pub mod language;
pub mod pipeline;
pub mod topics;
pub mod write;

pub use error::Error;

/// The version written into every manifest, so a table can be traced to the code that made it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
