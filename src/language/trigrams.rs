//! whatlang's combined method (alphabet and trigram scores) for the scripts that several
//! languages share — Latin, Cyrillic, Arabic, Devanagari, Hebrew — with the same model, the
//! same arithmetic and the same answers, but scored through an inverted index.
//!
//! whatlang compares a text with every profile of its script: 37 Latin profiles × 300
//! trigrams, one hash lookup each, about 11,000 lookups per article whatever its length, which
//! was most of the detection time. A profile's distance is
//! `Σ over its 300 trigrams (text rank found ? |text rank − profile rank| : 300)`, which is
//! `300 × 300 − Σ over the trigrams it shares with the text (300 − |text rank − profile rank|)`,
//! so looking up each of the text's (at most 600) trigrams once, in an index from trigram to
//! (language, rank), gives every distance exactly. The profiles and alphabets are whatlang's
//! own, extracted into `whatlang_model.txt` by `tools/extract_whatlang_model.py`, in
//! whatlang's order (the order in which languages are listed decides ties). The tests check
//! the language and the confidence, bit for bit, against whatlang on real news in 32
//! languages and on random text.

use std::cmp::{Ordering, Reverse};
use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use whatlang::{Lang, Script};

const MAX_TRIGRAM_DISTANCE: u32 = 300;
const MAX_TOTAL_DISTANCE: u32 = MAX_TRIGRAM_DISTANCE * MAX_TRIGRAM_DISTANCE;
/// How many of the text's most frequent trigrams are ranked (twice the profile length).
const TEXT_TRIGRAMS_SIZE: usize = 600;

const MODEL: &str = include_str!("whatlang_model.txt");

/// One script's languages and their profiles and alphabets.
pub(super) struct ScriptModel {
    /// `Script::langs()` order: alphabet scores are listed in it.
    script_langs: Vec<Lang>,
    /// Profile order (whatlang's `profiles.rs`): trigram distances are listed in it.
    profile_langs: Vec<Lang>,
    /// Trigram → its run of `postings`: one flat array rather than a vector per trigram,
    /// because the lookups are cache misses and a second pointer to chase doubles them.
    index: FxHashMap<u64, (u32, u32)>,
    /// (index into `profile_langs`, rank in that profile), grouped by trigram.
    postings: Vec<(u8, u16)>,
    profile_len: Vec<u32>,
    /// `None` for the scripts whatlang gives every language the same alphabet score.
    alphabet: Option<Alphabet>,
}

/// Letters → the languages (indices into `script_langs`) whose alphabet has them.
struct Alphabet {
    /// Per letter, in code point order: the languages whose alphabet has it.
    langs: Vec<Vec<usize>>,
    /// Code point → 1 + the letter's index in `langs`, 0 for none, up to the highest letter:
    /// one load per character where a binary search took a dozen.
    letter_at: Vec<u16>,
}

impl Alphabet {
    fn new(letters: Vec<char>, langs: Vec<Vec<usize>>) -> Alphabet {
        let highest = letters.iter().map(|&c| c as usize).max().unwrap_or(0);
        let mut letter_at = vec![0u16; highest + 1];
        for (at, &c) in letters.iter().enumerate() {
            letter_at[c as usize] =
                u16::try_from(at + 1).expect("an alphabet under 65,535 letters");
        }
        Alphabet { langs, letter_at }
    }

    fn position(&self, ch: char) -> Option<usize> {
        match self.letter_at.get(ch as usize) {
            Some(&at) if at > 0 => Some(usize::from(at) - 1),
            _ => None,
        }
    }
}

static MODELS: LazyLock<Vec<(Script, ScriptModel)>> = LazyLock::new(load);

/// The model for `script`, if whatlang scores trigrams for it.
pub(super) fn model_for(script: Script) -> Option<&'static ScriptModel> {
    MODELS.iter().find(|(s, _)| *s == script).map(|(_, m)| m)
}

fn script_named(name: &str) -> Script {
    match name {
        "latin" => Script::Latin,
        "cyrillic" => Script::Cyrillic,
        "arabic" => Script::Arabic,
        "devanagari" => Script::Devanagari,
        "hebrew" => Script::Hebrew,
        other => panic!("whatlang_model.txt: unknown script {other}"),
    }
}

/// Parses the embedded model; a malformed line is a build defect, caught by the tests.
fn load() -> Vec<(Script, ScriptModel)> {
    let mut models: Vec<(Script, ScriptModel)> = Vec::new();
    let mut alphabets: Vec<(Script, Lang, &str)> = Vec::new();
    let mut postings: FxHashMap<usize, FxHashMap<u64, Vec<(u8, u16)>>> = FxHashMap::default();
    for line in MODEL.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = line.split('\t');
        let (kind, script, code, data) = (
            fields.next().unwrap_or(""),
            fields.next().unwrap_or(""),
            fields.next().unwrap_or(""),
            fields.next().unwrap_or(""),
        );
        let script = script_named(script);
        let lang = Lang::from_code(code)
            .unwrap_or_else(|| panic!("whatlang_model.txt: unknown language {code}"));
        if kind == "alphabet" {
            alphabets.push((script, lang, data));
            continue;
        }
        let at = match models.iter().position(|(s, _)| *s == script) {
            Some(at) => at,
            None => {
                models.push((
                    script,
                    ScriptModel {
                        script_langs: script.langs().to_vec(),
                        profile_langs: Vec::new(),
                        index: FxHashMap::default(),
                        postings: Vec::new(),
                        profile_len: Vec::new(),
                        alphabet: None,
                    },
                ));
                models.len() - 1
            }
        };
        let model = &mut models[at].1;
        let lang_index = model.profile_langs.len() as u8;
        model.profile_langs.push(lang);
        let chars: Vec<char> = data.chars().collect();
        for (rank, t) in chars.chunks_exact(3).enumerate() {
            postings
                .entry(at)
                .or_default()
                .entry(pack(t[0], t[1], t[2]))
                .or_default()
                .push((lang_index, rank as u16));
        }
        model.profile_len.push((chars.len() / 3) as u32);
    }
    for (at, by_trigram) in postings {
        let model = &mut models[at].1;
        let mut trigrams: Vec<(u64, Vec<(u8, u16)>)> = by_trigram.into_iter().collect();
        trigrams.sort_unstable_by_key(|(t, _)| *t);
        for (trigram, entries) in trigrams {
            let start = model.postings.len() as u32;
            model.postings.extend(entries);
            model
                .index
                .insert(trigram, (start, model.postings.len() as u32));
        }
    }
    for (script, model) in &mut models {
        let mut letters: FxHashMap<char, Vec<usize>> = FxHashMap::default();
        for (s, lang, data) in &alphabets {
            if s != script {
                continue;
            }
            let Some(at) = model.script_langs.iter().position(|l| l == lang) else {
                continue;
            };
            for c in data.chars() {
                letters.entry(c).or_default().push(at);
            }
        }
        if !letters.is_empty() {
            let mut sorted: Vec<(char, Vec<usize>)> = letters.into_iter().collect();
            sorted.sort_unstable_by_key(|(c, _)| *c);
            let (letters, langs) = sorted.into_iter().unzip();
            model.alphabet = Some(Alphabet::new(letters, langs));
        }
    }
    models
}

/// A trigram as one integer; the order of integers is the order of (char, char, char).
fn pack(a: char, b: char, c: char) -> u64 {
    (u64::from(a) << 42) | (u64::from(b) << 21) | u64::from(c)
}

/// whatlang's separators: ASCII control characters, digits, punctuation and symbols.
fn is_stop_char(ch: char) -> bool {
    matches!(ch, '\u{0000}'..='\u{0040}' | '\u{005B}'..='\u{0060}' | '\u{007B}'..='\u{007E}')
}

/// What [`ScriptModel::tally`] counts in a text.
struct Tally {
    /// Characters that are not separators.
    letters: usize,
    /// Twice the occurrences of each alphabet letter, by its index in `Alphabet::langs`.
    letter_scores: Vec<usize>,
    /// Trigram → occurrences.
    occurrences: FxHashMap<u64, u32>,
}

/// The characters of `text.to_lowercase()`, without building the string. Only a capital
/// sigma lowercases differently by context (final ς), so a text with one takes the standard
/// library's own path.
fn for_each_lowercase(text: &str, mut each: impl FnMut(char)) {
    if text.contains('\u{03A3}') {
        text.to_lowercase().chars().for_each(each);
        return;
    }
    for ch in text.chars() {
        if ch.is_ascii() {
            each(ch.to_ascii_lowercase());
        } else {
            ch.to_lowercase().for_each(&mut each);
        }
    }
}

impl ScriptModel {
    /// whatlang's answer for `text` written in this model's script: (language, confidence),
    /// or `None` when no allowed language is left.
    pub(super) fn detect(&self, text: &str, allowed: impl Fn(Lang) -> bool) -> Option<(Lang, f64)> {
        let tally = self.tally(text);
        let (alphabet_count, alphabet_scores) = self.alphabet_scores(&tally, &allowed);
        let (trigram_count, trigram_scores) = self.trigram_scores(tally.occurrences, &allowed);

        let mut langs: Vec<Lang> = alphabet_scores.iter().map(|x| x.0).collect();
        for (lang, _) in &trigram_scores {
            if !langs.contains(lang) {
                langs.push(*lang);
            }
        }
        let alphabet_weight =
            (-(alphabet_count as f64 / 300.0) + 2.0 / 3.0).clamp(1.0 / 3.0, 2.0 / 3.0);
        let trigram_weight = 1.0 - alphabet_weight;
        let score_of = |scores: &[(Lang, f64)], lang: Lang| {
            scores.iter().find(|(l, _)| *l == lang).map_or(0.0, |x| x.1)
        };
        let mut scores: Vec<(Lang, f64)> = langs
            .into_iter()
            .map(|lang| {
                let a = score_of(&alphabet_scores, lang);
                let t = score_of(&trigram_scores, lang);
                (lang, a * alphabet_weight + t * trigram_weight)
            })
            .collect();
        scores.sort_unstable_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(Ordering::Less));

        let (lang, first) = *scores.first()?;
        let confidence = match scores.get(1) {
            Some(&(_, second)) => confidence(first, second, trigram_count),
            None => 1.0,
        };
        Some((lang, confidence))
    }

    /// One pass over the lowercased text for both of whatlang's scores: the alphabet's letter
    /// counts and the trigram occurrences (whatlang lowercases into a new string and reads it
    /// twice).
    fn tally(&self, text: &str) -> Tally {
        let mut tally = Tally {
            letters: 0,
            letter_scores: vec![0; self.alphabet.as_ref().map_or(0, |a| a.langs.len())],
            occurrences: FxHashMap::with_capacity_and_hasher(
                text.len().min(2048),
                Default::default(),
            ),
        };
        // whatlang's trigrams of the text with separators as spaces and one space after it
        let (mut c1, mut c2, mut started) = (' ', ' ', false);
        let mut step = |ch: char| {
            let c3 = if is_stop_char(ch) {
                ' '
            } else {
                tally.letters += 1;
                if let Some(at) = self.alphabet.as_ref().and_then(|a| a.position(ch)) {
                    tally.letter_scores[at] += 2;
                }
                ch
            };
            if !started {
                c2 = c3;
                started = true;
                return;
            }
            if !(c2 == ' ' && (c1 == ' ' || c3 == ' ')) {
                *tally.occurrences.entry(pack(c1, c2, c3)).or_insert(0) += 1;
            }
            c1 = c2;
            c2 = c3;
        };
        for_each_lowercase(text, &mut step);
        step(' ');
        tally
    }

    /// (letters counted, score per allowed language, best first).
    fn alphabet_scores(
        &self,
        tally: &Tally,
        allowed: &impl Fn(Lang) -> bool,
    ) -> (usize, Vec<(Lang, f64)>) {
        let Some(alphabet) = &self.alphabet else {
            let scores = self
                .script_langs
                .iter()
                .filter(|&&l| allowed(l))
                .map(|&l| (l, 1.0))
                .collect();
            return (1, scores);
        };
        let count = tally.letters;
        let mut lang_scores = vec![0usize; self.script_langs.len()];
        let mut common = 0;
        for (at, &score) in tally.letter_scores.iter().enumerate() {
            if score == 0 {
                continue;
            }
            let langs = &alphabet.langs[at];
            if langs.len() == self.script_langs.len() {
                common += score;
            } else {
                for &l in langs {
                    lang_scores[l] += score;
                }
            }
        }
        let mut raw: Vec<(Lang, usize)> = self
            .script_langs
            .iter()
            .enumerate()
            .filter(|(_, &l)| allowed(l))
            .map(|(at, &l)| (l, (lang_scores[at] + common).saturating_sub(count)))
            .collect();
        raw.sort_unstable_by_key(|(_, score)| Reverse(*score));
        let scores = raw
            .into_iter()
            .map(|(l, score)| (l, score as f64 / count as f64))
            .collect();
        (count, scores)
    }

    /// (distinct trigrams ranked, score per allowed language, best first).
    fn trigram_scores(
        &self,
        occurrences: FxHashMap<u64, u32>,
        allowed: &impl Fn(Lang) -> bool,
    ) -> (usize, Vec<(Lang, f64)>) {
        // (occurrences, trigram) as one integer, most frequent first, ties by the higher
        // trigram: sorting plain integers is what the standard library does fastest. Most
        // of a sample's trigrams occur once: those are ranked after the others as trigrams
        // alone, 64-bit integers, and only as many as the ranking has room for (the sorts
        // were 4 % of a run's instructions, callgrind).
        let mut repeated: Vec<u128> = Vec::new();
        let mut once: Vec<u64> = Vec::with_capacity(occurrences.len());
        for (t, n) in occurrences {
            if n == 1 {
                once.push(t);
            } else {
                repeated.push((u128::from(n) << 64) | u128::from(t));
            }
        }
        repeated.sort_unstable_by(|a, b| b.cmp(a));
        repeated.truncate(TEXT_TRIGRAMS_SIZE);
        let room = TEXT_TRIGRAMS_SIZE - repeated.len();
        if once.len() > room {
            once.select_nth_unstable_by(room, |a, b| b.cmp(a));
            once.truncate(room);
        }
        once.sort_unstable_by(|a, b| b.cmp(a));
        let count = (repeated.len() + once.len()) as u32;
        let ranked = repeated.iter().map(|&key| key as u64).chain(once);

        // Σ (300 − |text rank − profile rank|) over the trigrams each profile shares
        let mut shared = vec![0i64; self.profile_langs.len()];
        for (text_rank, key) in ranked.enumerate() {
            if let Some(&(start, end)) = self.index.get(&key) {
                for &(lang, rank) in &self.postings[start as usize..end as usize] {
                    let gap = (text_rank as i64 - i64::from(rank)).abs();
                    shared[lang as usize] += i64::from(MAX_TRIGRAM_DISTANCE) - gap;
                }
            }
        }
        let mut distances: Vec<(Lang, u32)> = Vec::with_capacity(self.profile_langs.len());
        for (at, &lang) in self.profile_langs.iter().enumerate() {
            if !allowed(lang) {
                continue;
            }
            let total = i64::from(self.profile_len[at] * MAX_TRIGRAM_DISTANCE) - shared[at];
            // whatlang subtracts in u32: an underflow wraps and is then clamped to the maximum
            let mut total = total as u32;
            if MAX_TRIGRAM_DISTANCE > count {
                let delta = (MAX_TRIGRAM_DISTANCE - count) * MAX_TRIGRAM_DISTANCE;
                total = total.checked_sub(delta).unwrap_or(MAX_TOTAL_DISTANCE);
            }
            distances.push((lang, total.min(MAX_TOTAL_DISTANCE)));
        }
        distances.sort_unstable_by_key(|(_, d)| *d);
        let max_distance = count * MAX_TRIGRAM_DISTANCE;
        let scores = distances
            .into_iter()
            .map(|(lang, d)| {
                (
                    lang,
                    max_distance.wrapping_sub(d) as f64 / max_distance as f64,
                )
            })
            .collect();
        (count as usize, scores)
    }
}

/// whatlang's confidence: how far the best score is ahead of the second, relative to what the
/// text's length makes significant.
fn confidence(highest: f64, second: f64, count: usize) -> f64 {
    if highest == 0.0 {
        return 0.0;
    }
    if second == 0.0 {
        return highest;
    }
    let confident_rate = (3.0 / count as f64) + 0.015;
    let rate = (highest - second) / second;
    if rate > confident_rate {
        1.0
    } else {
        rate / confident_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use whatlang::Detector;

    /// Ours against whatlang's, for `detector` with `allow` (empty = all).
    fn same_as_whatlang(text: &str, allow: &[Lang]) -> std::result::Result<(), String> {
        let theirs = if allow.is_empty() {
            Detector::new().detect(text)
        } else {
            Detector::with_allowlist(allow.to_vec()).detect(text)
        };
        let Some(script) = whatlang::detect_script(text) else {
            return match theirs {
                None => Ok(()),
                Some(i) => Err(format!("no script, whatlang says {i:?}")),
            };
        };
        let Some(model) = model_for(script) else {
            return Ok(()); // whatlang itself answers for these scripts
        };
        let ours = model.detect(text, |l| allow.is_empty() || allow.contains(&l));
        let theirs = theirs.map(|i| (i.lang(), i.confidence().to_bits()));
        let ours = ours.map(|(l, c)| (l, c.to_bits()));
        if ours == theirs {
            Ok(())
        } else {
            Err(format!("ours {ours:?}, whatlang {theirs:?} for {text:?}"))
        }
    }

    #[test]
    fn the_model_is_whatlang_s() {
        for (script, model) in MODELS.iter() {
            assert_eq!(
                model.profile_langs.len(),
                script.langs().len(),
                "{script:?}"
            );
            assert!(model.profile_len.iter().all(|&n| n == 300), "{script:?}");
            let mut profiled = model.profile_langs.clone();
            let mut listed = script.langs().to_vec();
            profiled.sort_by_key(|l| l.code());
            listed.sort_by_key(|l| l.code());
            assert_eq!(profiled, listed, "{script:?}");
        }
        let latin = model_for(Script::Latin).unwrap();
        assert_eq!(latin.profile_langs[0], Lang::Spa);
        assert_eq!(
            latin
                .alphabet
                .as_ref()
                .unwrap()
                .langs
                .iter()
                .flatten()
                .max(),
            Some(&36)
        );
        assert!(model_for(Script::Greek).is_none());
    }

    #[test]
    fn answers_like_whatlang_on_real_news_in_every_language() {
        use std::io::Read;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ntrex");
        let files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
            .collect();
        assert_eq!(files.len(), 32);
        let close = [Lang::Spa, Lang::Por, Lang::Cat, Lang::Ita];
        let mut checked = 0;
        for path in files {
            let mut body = String::new();
            flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
                .read_to_string(&mut body)
                .unwrap();
            for line in body.lines() {
                let doc: serde_json::Value = serde_json::from_str(line).unwrap();
                let text = doc["text"].as_str().unwrap();
                for chars in [12, 60, 200, 600, usize::MAX] {
                    let prefix = match text.char_indices().nth(chars) {
                        Some((end, _)) => &text[..end],
                        None => text,
                    };
                    for allow in [&[][..], &close[..]] {
                        same_as_whatlang(prefix, allow).unwrap();
                        checked += 1;
                    }
                }
            }
        }
        // 32 languages × 40 documents × 5 prefixes × 2 allowlists
        assert_eq!(checked, 12_800);
    }

    #[test]
    fn answers_like_whatlang_where_lowercasing_changes_length_or_context() {
        // İ lowercases to two characters, Σ to σ or final ς by context, K (Kelvin) to k
        for text in [
            "İstanbul'da İçişleri Bakanlığı açıklama yaptı, İzmir'de de toplantı var",
            "Die Partei ΣΥΡΙΖΑ und der Ökonom ΒΑΡΟΥΦΑΚΗΣ sprachen über Schulden",
            "ΟΔΟΣ Σ ΣΑΣ: la strada greca, ΣΟΦΟΣ e la temperatura di 300 K in Italia",
            "Подписано соглашение ΣΑΣ между сторонами в Москве и Киеве",
        ] {
            same_as_whatlang(text, &[]).unwrap();
        }
    }

    proptest! {
        #[test]
        fn answers_like_whatlang_on_any_text(
            text in "[a-zA-ZàéèçñßäöüąłśžčšđăâțїієґЀ-ӿ؀-ۿऀ-ॿא-ת .,'!0-9\n-]{0,300}",
        ) {
            same_as_whatlang(&text, &[]).map_err(TestCaseError::fail)?;
            same_as_whatlang(&text, &[Lang::Ukr, Lang::Rus, Lang::Pol, Lang::Ara, Lang::Hin])
                .map_err(TestCaseError::fail)?;
        }

        #[test]
        fn answers_like_whatlang_on_arbitrary_unicode(text in "\\PC{0,200}") {
            same_as_whatlang(&text, &[]).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn lowercases_like_the_standard_library(text in "(\\PC|[ΣσİK])*") {
            let mut ours = String::new();
            for_each_lowercase(&text, |c| ours.push(c));
            prop_assert_eq!(ours, text.to_lowercase());
        }
    }
}
