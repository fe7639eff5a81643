//! The two kinds of failure the CLI distinguishes: a config or usage problem (exit 2) and
//! anything else that stops a run (exit 1). Problems with single articles are not errors:
//! they become rows of `rejected.csv`.

use std::fmt;
use std::path::Path;

#[derive(Debug)]
pub enum Error {
    /// The config (or a path it names) is wrong; the message names file, line and key.
    Config(String),
    /// The run could not finish, e.g. the output folder could not be written.
    Run(String),
}

impl Error {
    pub fn config(msg: impl Into<String>) -> Self {
        Error::Config(msg.into())
    }

    pub fn io(path: &Path, err: impl fmt::Display) -> Self {
        Error::Run(format!("{}: {err}", path.display()))
    }

    /// The process exit code the CLI maps this error to.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) => 2,
            Error::Run(_) => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(msg) | Error::Run(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
