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

/// Panics at `place` when the environment variable `NEWSPRISM_TEST_PANIC` names it: how the
/// tests reach the code that turns a panic in the reader, a worker or the table writer into a
/// clean exit 1 (no input is known to cause one). Read once per reader, worker or run.
pub(crate) fn panic_if_testing(place: &str) {
    if std::env::var_os("NEWSPRISM_TEST_PANIC").is_some_and(|v| v == place) {
        panic!("NEWSPRISM_TEST_PANIC={place}");
    }
}

/// The message of a caught panic, for the error that replaces it.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".to_string()
    }
}
