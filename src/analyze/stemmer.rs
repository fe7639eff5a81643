//! Snowball stemmers (rust-stemmers) per language, with panics contained.
//!
//! rust-stemmers 1.2 panics on some Greek words (a slice at a non-character boundary). A
//! panic there must not take down a nightly run: the word is kept unstemmed and counted, and
//! the panic message is not printed (the count goes into the manifest instead).

use std::borrow::Cow;
use std::cell::Cell;
use std::panic;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use rust_stemmers::Algorithm;

pub struct Stemmer {
    inner: rust_stemmers::Stemmer,
    panics: AtomicU64,
}

thread_local! {
    static STEMMING: Cell<bool> = const { Cell::new(false) };
}

static QUIET_HOOK: Once = Once::new();

impl Stemmer {
    /// The Snowball stemmer for an ISO 639-1 code, if rust-stemmers has one.
    pub fn for_language(code: &str) -> Option<Stemmer> {
        algorithm(code).map(|alg| Stemmer {
            inner: rust_stemmers::Stemmer::create(alg),
            panics: AtomicU64::new(0),
        })
    }

    /// Stems a lowercase word; a word the stemmer panics on comes back unchanged.
    pub fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        contained(word, &self.panics, |w| self.inner.stem(w))
    }

    /// How many words the stemmer panicked on so far.
    pub fn panics(&self) -> u64 {
        self.panics.load(Ordering::Relaxed)
    }
}

/// Runs `stem` on `word`; if it panics, counts the panic and returns the word unchanged.
fn contained<'a>(
    word: &'a str,
    panics: &AtomicU64,
    stem: impl Fn(&'a str) -> Cow<'a, str>,
) -> Cow<'a, str> {
    install_quiet_hook();
    STEMMING.with(|s| s.set(true));
    let result = panic::catch_unwind(panic::AssertUnwindSafe(|| stem(word)));
    STEMMING.with(|s| s.set(false));
    result.unwrap_or_else(|_| {
        panics.fetch_add(1, Ordering::Relaxed);
        Cow::Borrowed(word)
    })
}

/// Silences the default panic message for panics raised inside a stemmer call, and only those.
fn install_quiet_hook() {
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !STEMMING.with(|s| s.get()) {
                previous(info);
            }
        }));
    });
}

/// ISO 639-1 code → Snowball algorithm; the only place that names rust-stemmers' languages.
fn algorithm(code: &str) -> Option<Algorithm> {
    Some(match code {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "nb" | "no" | "nn" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_per_language() {
        let fr = Stemmer::for_language("fr").unwrap();
        assert_eq!(fr.stem("sanctions"), "sanction");
        assert_eq!(fr.stem("négociations"), fr.stem("négociation"));
        let ru = Stemmer::for_language("ru").unwrap();
        assert_eq!(ru.stem("сирии"), ru.stem("сирию"));
        assert!(Stemmer::for_language("uk").is_none());
        assert!(Stemmer::for_language("pl").is_none());
    }

    /// No word we tried makes rust-stemmers 1.2 panic (NTREX's Greek, and millions of random
    /// words over 18 alphabets), so containment is shown with a stemmer that does.
    #[test]
    fn a_panicking_stemmer_leaves_the_word_unstemmed_and_is_counted() {
        let panics = AtomicU64::new(0);
        let out = contained("λέξη", &panics, |w| {
            if w.len() > 2 {
                panic!("slice out of bounds")
            } else {
                Cow::Borrowed(w)
            }
        });
        assert_eq!(out, "λέξη");
        assert_eq!(panics.load(Ordering::Relaxed), 1);
        // and the thread goes on working normally
        let el = Stemmer::for_language("el").unwrap();
        assert!(!el.stem("συνάντηση").is_empty());
        assert_eq!(el.panics(), 0);
    }
}
