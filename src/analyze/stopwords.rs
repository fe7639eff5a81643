//! Stopword lists per language: short, function-word lists that do not erase news signal.
//!
//! The lists come from NLTK (Snowball-derived, through the stop-words crate's `nltk`
//! feature) where it has one: they hold pronouns, articles, prepositions and auxiliaries, not
//! content words. The stop-words crate's default ISO lists are not used because they drop
//! words news analysis needs ("said", "new", "world", "year"). Ukrainian and Polish, which
//! NLTK lacks, use short lists written for newsprism (`stopwords/*.txt`). Languages written
//! without spaces get no list: their tokens are character bigrams, not words.
//! Config adds or removes words per language; the manifest records the effective list.

use std::collections::BTreeSet;

use rustc_hash::FxHashSet;

use crate::analyze::is_unspaced_language;

pub const SOURCE_NLTK: &str = "nltk (stop-words crate 0.10, feature nltk)";
pub const SOURCE_NEWSPRISM: &str = "newsprism (written for this repository)";

pub struct StopList {
    words: FxHashSet<String>,
    pub source: &'static str,
}

impl StopList {
    /// The built-in list for a language, with config additions and removals applied.
    /// `None` when the language has no list and nothing is added.
    pub fn build(code: &str, add: &[String], remove: &[String]) -> Option<StopList> {
        let (base, source): (Vec<&str>, &'static str) = match builtin(code) {
            Some((words, source)) => (words, source),
            None if add.is_empty() => return None,
            None => (Vec::new(), "config only"),
        };
        let removed: FxHashSet<String> = remove.iter().map(|w| w.to_lowercase()).collect();
        let words = base
            .into_iter()
            .map(str::to_string)
            .chain(add.iter().map(|w| w.to_lowercase()))
            .filter(|w| !removed.contains(w))
            .collect();
        Some(StopList { words, source })
    }

    pub fn contains(&self, lowercase_word: &str) -> bool {
        self.words.contains(lowercase_word)
    }

    /// The effective list, sorted, for the manifest.
    pub fn sorted(&self) -> Vec<String> {
        self.words
            .iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

fn builtin(code: &str) -> Option<(Vec<&'static str>, &'static str)> {
    if is_unspaced_language(code) {
        return None;
    }
    let own = match code {
        "uk" => Some(include_str!("stopwords/uk.txt")),
        "pl" => Some(include_str!("stopwords/pl.txt")),
        _ => None,
    };
    if let Some(text) = own {
        return Some((
            text.lines().filter(|l| !l.is_empty()).collect(),
            SOURCE_NEWSPRISM,
        ));
    }
    let nltk_code = match code {
        "nb" | "nn" => "no",
        other => other,
    };
    stop_words::lookup(nltk_code)
        .or_else(|| stop_words::lookup(code))
        .map(|words| (words.to_vec(), SOURCE_NLTK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn news_words_are_not_stopwords() {
        let en = StopList::build("en", &[], &[]).unwrap();
        for w in ["the", "of", "and", "was"] {
            assert!(en.contains(w), "{w}");
        }
        for w in ["said", "new", "world", "year", "president"] {
            assert!(!en.contains(w), "{w}");
        }
    }

    #[test]
    fn lists_for_our_languages() {
        for (code, word) in [
            ("fr", "les"),
            ("ru", "что"),
            ("de", "und"),
            ("uk", "що"),
            ("pl", "się"),
            ("nb", "og"),
        ] {
            let list = StopList::build(code, &[], &[]).unwrap_or_else(|| panic!("{code}"));
            assert!(list.contains(word), "{code}: {word}");
        }
        assert!(StopList::build("zh", &[], &[]).is_none());
    }

    #[test]
    fn config_adds_and_removes() {
        let list =
            StopList::build("en", &["Reuters".into()], &["us".into(), "The".into()]).unwrap();
        assert!(list.contains("reuters"));
        assert!(!list.contains("the"));
        assert!(list.sorted().windows(2).all(|w| w[0] < w[1]));
        assert!(StopList::build("zh", &["的".into()], &[])
            .unwrap()
            .contains("的"));
    }
}
