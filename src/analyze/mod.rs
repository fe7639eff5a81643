//! The analyzer chain: text in, counted terms out.
//!
//! Order is part of the contract:
//! 1. [`tokenizer::segment`] splits text into word pieces (and bigrams for Han, Kana, Hangul,
//!    Thai…), dropping URLs and punctuation;
//! 2. lowercase (Unicode; ASCII fast path), with typographic apostrophes folded to `'`;
//! 3. elisions split for French, Italian and Catalan (`l'assemblée` → `assemblée`);
//!    every token counts as a *word* from here on;
//! 4. stopwords dropped ([`stopwords`]); what survives counts as a *term*;
//! 5. Snowball stem ([`stemmer`]) for the languages rust-stemmers supports; the stemmer
//!    expects lowercase input, which is why lowercasing comes first.
//!
//! Each language's analyzer is looked up in [`Analyzers`], with the language-neutral analyzer
//! (steps 1–3 only) as the fallback for undetermined or unknown languages. Topic terms from
//! the config go through the same analyzer as article text, so inflected forms match.

pub mod stemmer;
pub mod stopwords;
pub mod tokenizer;

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::config::TextSection;
use crate::language::{self, UNDETERMINED};
use stemmer::Stemmer;
use stopwords::StopList;

/// Languages written without spaces: tokenized into character bigrams, no stopword list.
pub fn is_unspaced_language(code: &str) -> bool {
    matches!(code, "zh" | "ja" | "ko" | "th" | "lo" | "km" | "my")
}

fn elisions(code: &str) -> &'static [&'static str] {
    match code {
        "fr" => &[
            "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
            "presqu", "quelqu",
        ],
        "it" => &[
            "l", "un", "dell", "all", "dall", "nell", "sull", "coll", "quell", "quest", "d", "c",
            "m", "s", "t", "v", "n", "nessun", "buon",
        ],
        "ca" => &["l", "d", "s", "m", "n", "t"],
        _ => &[],
    }
}

/// The chain for one language.
pub struct Analyzer {
    language: &'static str,
    elisions: &'static [&'static str],
    stopwords: Option<StopList>,
    stemmer: Option<Stemmer>,
}

impl Analyzer {
    fn new(language: &'static str, text: &TextSection) -> Analyzer {
        let none = Vec::new();
        let stopwords = if text.stopwords && language != UNDETERMINED {
            StopList::build(
                language,
                text.stopwords_add.get(language).unwrap_or(&none),
                text.stopwords_remove.get(language).unwrap_or(&none),
            )
        } else {
            None
        };
        let stemmer = if text.stem {
            Stemmer::for_language(language)
        } else {
            None
        };
        Analyzer {
            language,
            elisions: elisions(language),
            stopwords,
            stemmer,
        }
    }

    pub fn language(&self) -> &'static str {
        self.language
    }

    /// Runs the chain over `text`, calling `sink(surface, term)` for each counted token
    /// (surface = lowercase form after elision, term = its stem). Returns the number of word
    /// tokens before stopwords were dropped.
    pub fn analyze(&self, text: &str, sink: impl FnMut(&str, &str)) -> u64 {
        self.analyze_with(text, &mut StemMemo::default(), sink)
    }

    /// [`Analyzer::analyze`] with a memo of this language's stems, kept by the caller across
    /// articles: most words of a corpus repeat, and a hash lookup costs far less than the
    /// stemmer. One memo per language and per thread (see [`StemMemo`]).
    pub fn analyze_with(
        &self,
        text: &str,
        memo: &mut StemMemo,
        mut sink: impl FnMut(&str, &str),
    ) -> u64 {
        let mut lower = String::with_capacity(64);
        let mut words = 0;
        tokenizer::segment(text, |piece| {
            lowercase_into(piece, &mut lower);
            let word = strip_elision(&lower, self.elisions);
            words += 1;
            if self.stopwords.as_ref().is_some_and(|s| s.contains(word)) {
                return;
            }
            let Some(stemmer) = &self.stemmer else {
                sink(word, word);
                return;
            };
            if let Some(stem) = memo.stems.get(word) {
                sink(word, stem);
                return;
            }
            let stem = stemmer.stem(word);
            if memo.stems.len() < StemMemo::CAPACITY {
                memo.stems.insert(word.into(), stem.as_ref().into());
            }
            sink(word, &stem);
        });
        words
    }

    /// The terms of a short text, in order; used to compile topic lexicons and in tests.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.analyze(text, |_, term| out.push(term.to_string()));
        out
    }
}

/// Lowercases one word piece into `out` without allocating. A piece is one word, so the only
/// context rule of Unicode lowercasing that applies, Greek final sigma, is "a capital sigma
/// that ends a word of two or more letters becomes ς".
/// Word → stem for one language, owned by one worker thread (no locking on the hot path).
/// Bounded, so that a stream of unique junk tokens cannot grow it without limit.
#[derive(Default)]
pub struct StemMemo {
    stems: FxHashMap<Box<str>, Box<str>>,
}

impl StemMemo {
    const CAPACITY: usize = 1 << 20;
}

fn lowercase_into(piece: &str, out: &mut String) {
    out.clear();
    if piece.is_ascii() {
        out.push_str(piece);
        out.make_ascii_lowercase();
        return;
    }
    for c in piece.chars() {
        match c {
            '\u{2019}' | '\u{02BC}' => out.push('\''),
            c => out.extend(c.to_lowercase()),
        }
    }
    if piece.ends_with('Σ') && piece.chars().nth(1).is_some() {
        out.pop();
        out.push('ς');
    }
}

fn strip_elision<'w>(word: &'w str, elisions: &[&str]) -> &'w str {
    if elisions.is_empty() {
        return word;
    }
    match word.find('\'') {
        Some(at) if at + 1 < word.len() && elisions.contains(&&word[..at]) => &word[at + 1..],
        _ => word,
    }
}

/// What the manifest records about one language's chain.
#[derive(Debug, Serialize)]
pub struct AnalyzerInfo {
    pub stemmer: Option<&'static str>,
    pub stopwords_source: Option<&'static str>,
    pub stopwords: Vec<String>,
}

/// The per-language registry: one analyzer per language code, built once per run.
pub struct Analyzers {
    by_code: FxHashMap<&'static str, Analyzer>,
    neutral: Analyzer,
}

impl Analyzers {
    pub fn new(text: &TextSection) -> Analyzers {
        let by_code = language::known_codes()
            .into_iter()
            .map(|code| (code, Analyzer::new(code, text)))
            .collect();
        Analyzers {
            by_code,
            neutral: Analyzer::new(UNDETERMINED, text),
        }
    }

    /// The analyzer for a language code; the language-neutral one for `und` or an unknown code.
    pub fn get(&self, code: &str) -> &Analyzer {
        self.by_code.get(code).unwrap_or(&self.neutral)
    }

    /// Words on which a stemmer panicked (kept unstemmed), over the whole run.
    pub fn stemmer_panics(&self) -> u64 {
        self.by_code
            .values()
            .filter_map(|a| a.stemmer.as_ref())
            .map(Stemmer::panics)
            .sum()
    }

    /// The chain of each listed language, for the manifest.
    pub fn describe<'c>(
        &self,
        codes: impl IntoIterator<Item = &'c str>,
    ) -> BTreeMap<String, AnalyzerInfo> {
        codes
            .into_iter()
            .map(|code| {
                let a = self.get(code);
                let info = AnalyzerInfo {
                    stemmer: a.stemmer.as_ref().map(|_| "snowball (rust-stemmers 1.2)"),
                    stopwords_source: a.stopwords.as_ref().map(|s| s.source),
                    stopwords: a
                        .stopwords
                        .as_ref()
                        .map(StopList::sorted)
                        .unwrap_or_default(),
                };
                (code.to_string(), info)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzers(stopwords: bool, stem: bool) -> Analyzers {
        Analyzers::new(&TextSection {
            stopwords,
            stem,
            ..TextSection::default()
        })
    }

    #[test]
    fn french_chain_splits_elisions_drops_stopwords_and_stems() {
        let a = analyzers(true, true);
        let fr = a.get("fr");
        assert_eq!(
            fr.terms("l'Assemblée générale de l’ONU"),
            ["assembl", "général", "onu"]
        );
        let mut surfaces = Vec::new();
        let words = fr.analyze("Les sanctions d'Idleb", |s, _| surfaces.push(s.to_string()));
        assert_eq!(words, 3);
        assert_eq!(surfaces, ["sanctions", "idleb"]);
    }

    #[test]
    fn the_stem_memo_gives_the_stemmer_s_answers() {
        let a = analyzers(true, true);
        let fr = a.get("fr");
        let text = "Les négociations sur les sanctions : négociations, sanctions, Syrie et Syrie.";
        let mut memo = StemMemo::default();
        for _ in 0..2 {
            let mut with = Vec::new();
            fr.analyze_with(text, &mut memo, |s, t| {
                with.push((s.to_string(), t.to_string()))
            });
            let mut without = Vec::new();
            fr.analyze(text, |s, t| without.push((s.to_string(), t.to_string())));
            assert_eq!(with, without);
        }
        assert_eq!(memo.stems.len(), 3);
    }

    #[test]
    fn switches_turn_off_stopwords_and_stemming() {
        let a = analyzers(false, false);
        assert_eq!(a.get("fr").terms("Les sanctions"), ["les", "sanctions"]);
        let a = analyzers(true, false);
        assert_eq!(a.get("fr").terms("Les sanctions"), ["sanctions"]);
    }

    #[test]
    fn inflected_russian_forms_share_a_stem() {
        let a = analyzers(true, true);
        let ru = a.get("ru");
        assert_eq!(ru.terms("Сирии"), ru.terms("Сирию"));
        assert_eq!(ru.terms("Сирии"), ru.terms("Сирия"));
    }

    #[test]
    fn unstemmed_languages_keep_lowercase_words() {
        let a = analyzers(true, true);
        assert_eq!(
            a.get("uk").terms("Зустріч у Нью-Йорку"),
            ["зустріч", "нью", "йорку"]
        );
        assert_eq!(a.get(UNDETERMINED).terms("The UN"), ["the", "un"]);
        assert_eq!(a.get("xx").language(), UNDETERMINED);
    }

    #[test]
    fn chinese_yields_bigram_terms() {
        let a = analyzers(true, true);
        assert_eq!(
            a.get("zh").terms("拉夫罗夫会见蒂勒森"),
            ["拉夫", "夫罗", "罗夫", "夫会", "会见", "见蒂", "蒂勒", "勒森"]
        );
    }

    #[test]
    fn lowercasing_matches_unicode_on_real_words() {
        let mut out = String::new();
        for word in [
            "ΣΥΡΙΑΣ",
            "Σ",
            "ΟΔΥΣΣΕΑΣ",
            "İstanbul",
            "ŁAWROW",
            "Straße",
            "ǅemal",
            "ΑΘΗΝΑ",
            "МИНСК",
        ] {
            lowercase_into(word, &mut out);
            assert_eq!(out, word.to_lowercase(), "{word}");
        }
        lowercase_into("l’ONU", &mut out);
        assert_eq!(out, "l'onu");
    }

    #[test]
    fn greek_sigma_lowercases_in_context() {
        let a = analyzers(false, false);
        assert_eq!(a.get("el").terms("ΛΑΒΡΟΦ ΣΥΡΙΑΣ"), ["λαβροφ", "συριας"]);
    }
}
