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

use std::borrow::Cow;
use std::collections::BTreeMap;

use hashbrown::HashTable;
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
    /// Traditional Chinese characters folded to Simplified (zh, and the language-neutral
    /// chain that undetermined articles and every term also go through).
    fold_chinese: bool,
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
            fold_chinese: text.fold_chinese && matches!(language, "zh" | UNDETERMINED),
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
    pub(crate) fn analyze(&self, text: &str, mut sink: impl FnMut(&str, &str)) -> u64 {
        let mut lower = String::with_capacity(64);
        let mut words = 0;
        tokenizer::segment(text, |piece| {
            words += 1;
            let word = self.normalize(piece, &mut lower);
            if !self.is_stopword(word) {
                sink(word, &self.stem(word));
            }
        });
        words
    }

    /// [`Analyzer::analyze`] for the hot path: each distinct word piece goes through
    /// lowercasing, the stopword list and the stemmer once, and `resolve(surface, term)` turns
    /// it into a value (a worker's term and surface ids) that the memo keeps; `sink` then gets
    /// that value for every counted token. Most words of a corpus repeat, so one hash lookup
    /// per token replaces the filters, the stemmer and the caller's own lookups. One memo per
    /// language and per worker (see [`TokenMemo`]). `each_word` gets every word piece (a
    /// slice of `text`) and its [`word_hash`], stopwords included (the shingles of
    /// near-duplicate detection, the positions of contexts), before `sink` gets the piece's
    /// value if it counts.
    pub fn analyze_memo<V: Copy + Default>(
        &self,
        text: &str,
        memo: &mut TokenMemo<V>,
        mut resolve: impl FnMut(&str, &str) -> V,
        mut sink: impl FnMut(V),
        mut each_word: impl FnMut(&str, u64),
    ) -> u64 {
        let mut lower = String::with_capacity(64);
        let mut words = 0;
        tokenizer::segment(text, |piece| {
            words += 1;
            // keyed by the piece as written: the rest of the chain is a function of the piece
            // alone, so a repeated piece skips lowercasing too
            let hash = fx_hash(piece.as_bytes());
            if let Some(known) = memo.get(hash, piece.as_bytes()) {
                each_word(piece, known.word);
                if let Some(v) = known.value() {
                    sink(v);
                }
                return;
            }
            let word = self.normalize(piece, &mut lower);
            let value = (!self.is_stopword(word)).then(|| resolve(word, &self.stem(word)));
            let word = word_hash(word);
            memo.insert(hash, piece.as_bytes(), word, value);
            each_word(piece, word);
            if let Some(v) = value {
                sink(v);
            }
        });
        words
    }

    /// The [`word_hash`] of every word of `text`, in order, into `out`: what
    /// [`Analyzer::analyze_memo`] gives `each_word`, without a memo.
    pub fn word_hashes(&self, text: &str, out: &mut Vec<u64>) {
        out.clear();
        let mut lower = String::with_capacity(64);
        tokenizer::segment(text, |piece| {
            out.push(word_hash(self.normalize(piece, &mut lower)));
        });
    }

    /// Steps 2–3 for one piece: lowercased into `lower` (Chinese folded to Simplified),
    /// without its elision.
    fn normalize<'l>(&self, piece: &str, lower: &'l mut String) -> &'l str {
        lowercase_into(piece, lower);
        if self.fold_chinese && !lower.is_ascii() {
            // per piece (a bigram), so the same piece folds the same way in an article and in
            // a term; `convert` rather than the crate's in-place `replace`, whose unsafe
            // rewriting of the string we would rather not rely on
            *lower = fast2s::convert(lower);
        }
        let word = strip_elision(lower, self.elisions);
        match self.language {
            "tr" => strip_turkish_suffix(word),
            "ar" => strip_arabic_proclitic(word),
            _ => word,
        }
    }

    fn is_stopword(&self, word: &str) -> bool {
        self.stopwords.as_ref().is_some_and(|s| s.contains(word))
    }

    fn stem<'w>(&self, word: &'w str) -> Cow<'w, str> {
        match &self.stemmer {
            Some(stemmer) => stemmer.stem(word),
            None => Cow::Borrowed(word),
        }
    }

    /// The terms of a short text, in order; used to compile topic lexicons and in tests.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.analyze(text, |_, term| out.push(term.to_string()));
        out
    }

    /// The surface form a glob's prefix (the part before its `*`) is compared as: lowercased
    /// and without its elision, as the chain makes each word of a text. `None` when the
    /// prefix is not one word piece (`nord-coré`, which the tokenizer splits) or is empty.
    pub fn glob_prefix(&self, prefix: &str) -> Option<String> {
        let mut pieces = Vec::new();
        tokenizer::segment(prefix, |piece| pieces.push(piece));
        match pieces[..] {
            [piece] if piece == prefix => {
                let mut lower = String::new();
                let word = self.normalize(piece, &mut lower);
                (!word.is_empty()).then(|| word.to_string())
            }
            _ => None,
        }
    }
}

/// Word piece as segmented (before lowercasing) → what [`Analyzer::analyze_memo`]'s
/// `resolve` made of it (`None`: a stopword), for one language, owned by one worker thread (no locking on the hot path).
/// Bounded, so that a stream of unique junk tokens cannot grow it without limit; past the
/// bound, new forms are resolved every time they occur.
///
/// An entry is 32 bytes, two to a cache line: the key (a short piece inline, a longer one as
/// its place in `long_keys`), the word's hash and the value. Most lookups miss the CPU's
/// caches (a language's memo outgrows them), so the fewer lines the memo spans, the fewer
/// misses; with 48-byte entries (a 22-byte inline key beside an `Option`) it spanned half as
/// many again.
pub struct TokenMemo<V> {
    table: HashTable<MemoEntry<V>>,
    /// The bytes of keys longer than [`MemoKey::INLINE`], back to back.
    long_keys: Vec<u8>,
}

#[derive(Clone, Copy)]
struct MemoEntry<V> {
    key: MemoKey,
    word: u64,
    /// Meaningless for a stopword (see [`MemoKey::is_stopword`]).
    value: V,
}

impl<V: Copy> MemoEntry<V> {
    fn value(&self) -> Option<V> {
        (!self.key.is_stopword()).then_some(self.value)
    }
}

/// A memo key in 16 bytes: up to [`MemoKey::INLINE`] bytes of the piece inline, or where a
/// longer one lies in the memo's `long_keys`; then its length (or [`MemoKey::LONG`]) and
/// whether the piece is a stopword.
#[derive(Clone, Copy)]
struct MemoKey {
    bytes: [u8; 16],
}

impl MemoKey {
    const INLINE: usize = 14;
    /// Where the length (or [`MemoKey::LONG`]) is kept.
    const LEN_AT: usize = 14;
    /// Where the flags are kept.
    const FLAGS_AT: usize = 15;
    const LONG: u8 = u8::MAX;
    const STOPWORD: u8 = 1;

    fn bytes<'k>(&'k self, long_keys: &'k [u8]) -> &'k [u8] {
        let b = &self.bytes;
        if b[Self::LEN_AT] == Self::LONG {
            let start = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
            let len = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
            &long_keys[start..start + len]
        } else {
            &b[..usize::from(b[Self::LEN_AT])]
        }
    }

    fn is_stopword(&self) -> bool {
        self.bytes[Self::FLAGS_AT] & Self::STOPWORD != 0
    }
}

/// A word's 64-bit hash (the word lowercased and without its elision, as the chain makes it):
/// the unit of near-duplicate shingles. Fixed, so that sketches agree from run to run.
pub fn word_hash(word: &str) -> u64 {
    fx_hash(word.as_bytes())
}

/// FxHash of raw bytes: a word's hash, and the hash a memo files a piece under.
fn fx_hash(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(bytes);
    h.finish()
}

impl<V: Copy + Default> TokenMemo<V> {
    const CAPACITY: usize = 1 << 20;

    fn get(&self, hash: u64, piece: &[u8]) -> Option<&MemoEntry<V>> {
        let long_keys = &self.long_keys;
        self.table.find(hash, |e| e.key.bytes(long_keys) == piece)
    }

    /// Remembers `piece` (filed under `hash`), unless the memo is full.
    fn insert(&mut self, hash: u64, piece: &[u8], word: u64, value: Option<V>) {
        if self.table.len() >= Self::CAPACITY {
            return;
        }
        let mut bytes = [0u8; 16];
        if piece.len() <= MemoKey::INLINE {
            bytes[..piece.len()].copy_from_slice(piece);
            bytes[MemoKey::LEN_AT] = piece.len() as u8;
        } else {
            let (Ok(start), Ok(len)) = (
                u32::try_from(self.long_keys.len()),
                u32::try_from(piece.len()),
            ) else {
                return; // 4 GiB of long pieces: these are resolved every time
            };
            if start.checked_add(len).is_none() {
                return;
            }
            bytes[..4].copy_from_slice(&start.to_le_bytes());
            bytes[4..8].copy_from_slice(&len.to_le_bytes());
            bytes[MemoKey::LEN_AT] = MemoKey::LONG;
            self.long_keys.extend_from_slice(piece);
        }
        if value.is_none() {
            bytes[MemoKey::FLAGS_AT] = MemoKey::STOPWORD;
        }
        let entry = MemoEntry {
            key: MemoKey { bytes },
            word,
            value: value.unwrap_or_default(),
        };
        let long_keys = &self.long_keys;
        self.table
            .insert_unique(hash, entry, |e| fx_hash(e.key.bytes(long_keys)));
    }
}

impl<V> TokenMemo<V> {
    /// Distinct surface forms remembered.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

impl<V> Default for TokenMemo<V> {
    fn default() -> Self {
        TokenMemo {
            table: HashTable::new(),
            long_keys: Vec::new(),
        }
    }
}

/// Lowercases one word piece into `out` without allocating. A piece is one word, so the only
/// context rule of Unicode lowercasing that applies, Greek final sigma, is "a capital sigma
/// that ends a word of two or more letters becomes ς".
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

/// Turkish writes case and possessive suffixes after an apostrophe on proper names
/// (`Suriye'deki`, `Lavrov'un`, `New York'ta`): the name is the part before it.
fn strip_turkish_suffix(word: &str) -> &str {
    match word.find('\'') {
        Some(at) if at > 0 => &word[..at],
        _ => word,
    }
}

/// Arabic attaches conjunctions and prepositions to the next word, with the article:
/// `لسوريا` (to Syria), `والسورية` (and the Syrian). The Snowball stemmer strips some (و, ب,
/// ال) but not these, so they are split off first, only from words long enough that the rest
/// is still a word (a short word starting with ل is left alone). Text and terms go through the
/// same step, so a term matches whatever it does to a word.
fn strip_arabic_proclitic(word: &str) -> &str {
    const WITH_ARTICLE: [&str; 7] = ["وال", "فال", "بال", "كال", "لل", "ول", "فل"];
    let letters = |w: &str| w.chars().count();
    for prefix in WITH_ARTICLE {
        if let Some(rest) = word.strip_prefix(prefix) {
            if letters(rest) >= 3 {
                return rest;
            }
        }
    }
    match word.strip_prefix('ل') {
        Some(rest) if letters(rest) >= 4 => rest,
        _ => word,
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
    /// Set when Traditional Chinese is folded to Simplified before matching.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folds: Option<&'static str>,
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
                    folds: a
                        .fold_chinese
                        .then_some("Traditional Chinese to Simplified (fast2s 0.3.1)"),
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
    fn the_memo_finds_short_long_and_stopword_pieces_again() {
        assert_eq!(std::mem::size_of::<MemoEntry<(u32, u32)>>(), 32);
        let mut memo: TokenMemo<(u32, u32)> = TokenMemo::default();
        let pieces: Vec<String> = [
            "",
            "a",
            "Лавров",
            "fourteen bytes",
            "fifteen bytes!!",
            "проблема Сирии",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain((0..300).map(|i| format!("{}{i}", "x".repeat(i % 40))))
        .collect();
        for (i, piece) in pieces.iter().enumerate() {
            let value = (i % 3 != 0).then_some((i as u32, 7));
            memo.insert(fx_hash(piece.as_bytes()), piece.as_bytes(), i as u64, value);
        }
        assert_eq!(memo.len(), pieces.len());
        for (i, piece) in pieces.iter().enumerate() {
            let found = memo
                .get(fx_hash(piece.as_bytes()), piece.as_bytes())
                .unwrap();
            assert_eq!(found.word, i as u64, "{piece}");
            assert_eq!(
                found.value(),
                (i % 3 != 0).then_some((i as u32, 7)),
                "{piece}"
            );
        }
        assert!(memo
            .get(fx_hash(b"fifteen bytes!"), b"fifteen bytes!")
            .is_none());
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
    fn turkish_suffixes_after_an_apostrophe_and_arabic_proclitics_come_off() {
        let a = analyzers(true, true);
        let tr = a.get("tr");
        assert_eq!(tr.terms("Suriye'deki"), tr.terms("Suriye"));
        assert_eq!(tr.terms("Lavrov'un"), tr.terms("Lavrov"));
        assert_eq!(tr.terms("New York'ta"), tr.terms("New York"));
        assert_eq!(tr.terms("BM’nin"), tr.terms("BM"));
        let ar = a.get("ar");
        for form in ["وسوريا", "بسوريا", "لسوريا"] {
            assert_eq!(ar.terms(form), ar.terms("سوريا"), "{form}");
        }
        assert_eq!(ar.terms("والسورية"), ar.terms("سورية"));
        // a short word that starts with ل keeps it
        assert_eq!(ar.terms("لقاء"), ["لقاء"]);
    }

    #[test]
    fn the_token_memo_gives_the_chain_s_answers() {
        let a = analyzers(true, true);
        let fr = a.get("fr");
        let text = "Les négociations sur les sanctions : négociations, sanctions, Syrie et Syrie.";
        let mut memo = TokenMemo::default();
        let mut resolved = Vec::new();
        // every word's hash, stopwords included, the same from the memo as without it
        let mut expected_hashes = Vec::new();
        fr.word_hashes(text, &mut expected_hashes);
        assert_eq!(expected_hashes.len(), 10);
        assert_eq!(expected_hashes[0], word_hash("les"));
        assert_eq!(expected_hashes[0], expected_hashes[3]);
        assert_eq!(expected_hashes[1], expected_hashes[5]);
        assert_ne!(expected_hashes[1], expected_hashes[4]);
        for _ in 0..2 {
            let mut indices = Vec::new();
            let mut hashes = Vec::new();
            let words = fr.analyze_memo(
                text,
                &mut memo,
                |s, t| {
                    resolved.push((s.to_string(), t.to_string()));
                    resolved.len() - 1
                },
                |i| indices.push(i),
                |_, h| hashes.push(h),
            );
            assert_eq!(hashes, expected_hashes);
            let with: Vec<(String, String)> =
                indices.iter().map(|&i| resolved[i].clone()).collect();
            let mut without = Vec::new();
            let words_without =
                fr.analyze(text, |s, t| without.push((s.to_string(), t.to_string())));
            assert_eq!(with, without);
            assert_eq!(words, words_without);
        }
        // each distinct form resolved once: négociations, sanctions, syrie
        assert_eq!(resolved.len(), 3);
        // the pieces as written, stopwords (Les, les, sur, et) included
        assert_eq!(memo.len(), 7);
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
