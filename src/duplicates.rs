//! Near-duplicates and wire copy: articles of one language whose body texts overlap.
//!
//! Similarity is the **containment** of word 5-shingles, |A ∩ B| / min(|A|, |B|): an excerpt
//! or a truncated republication of a longer text scores 1.0. Words are lowercased runs of word
//! characters (letters, digits, combining marks, `_`); Chinese and Japanese, which do not
//! separate words, use characters.
//!
//! Each article keeps a bounded **sketch** of its shingles instead of its text: the 32-bit
//! hashes whose number of trailing zero bits reaches the article's level, the level being the
//! smallest that keeps at most about 2 × [`SKETCH_TARGET`] hashes (all of them for a short
//! article). Hashes are uniform, so for a pair compared at the higher of their two levels the
//! kept shingles are a uniform sample of both sets, and the share of common ones estimates
//! the containment without bias; with at least 100 sampled shingles its standard error is
//! below 0.05, and a pair of short articles (both kept whole) is measured exactly.
//!
//! Clusters are built per language in publication order (`published`, then article id, then
//! source): an
//! article whose containment with an earlier article reaches the threshold is a `copy` and
//! joins the cluster of the best-matching earlier article (ties: the earliest); otherwise it
//! starts a cluster as its `first`. Candidate pairs come from an index of each article's
//! coarser hashes (two levels above its own), so an article is compared only with earlier
//! articles that share some of its text, and at most with the [`MAX_MEASURED`] that share
//! the most.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Shingles kept per article, about (between this and twice as many for a long text).
pub const SKETCH_TARGET: usize = 100;
const SHINGLE: usize = 5;
/// Extra levels above an article's own at which it is indexed for candidate pairs: an
/// article is found through about a quarter of its sampled shingles.
const INDEX_LEVELS: u32 = 2;
/// Candidates measured per article at most, those sharing the largest share of coarse hashes:
/// in a dense news day an article overlaps dozens of earlier ones (the same story retold),
/// and the best match is among those that share the most.
const MAX_MEASURED: usize = 12;
/// A hash shared by more earlier articles than this (boilerplate, a standard sign-off) finds
/// no candidates: real copies share many other shingles.
const MAX_POSTINGS: usize = 2000;

/// A bounded sample of an article's shingles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sketch {
    /// Sampling level: the kept hashes have at least this many trailing zero bits.
    level: u32,
    /// Kept shingle hashes, sorted, distinct.
    hashes: Box<[u32]>,
}

/// The sketch of a body text in `language`.
pub fn sketch(text: &str, language: &str) -> Sketch {
    WORDS.with_borrow_mut(|words| {
        word_hashes(text, language, words);
        let shingles = words.len().saturating_sub(SHINGLE - 1);
        // the level from the number of shingles (repeats included), so that only the kept
        // hashes need sorting
        let mut level = 0;
        while shingles >> level > 2 * SKETCH_TARGET {
            level += 1;
        }
        let mut hashes: Vec<u32> = words
            .windows(SHINGLE)
            .map(shingle_hash)
            .filter(|h| h.trailing_zeros() >= level)
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        Sketch {
            level,
            hashes: hashes.into(),
        }
    })
}

thread_local! {
    /// The word hashes of the article being sketched, reused from one article to the next.
    static WORDS: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Sketch {
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

/// The estimated containment of two sketches, |A ∩ B| / min(|A|, |B|), in [0, 1].
pub fn containment(a: &Sketch, b: &Sketch) -> f64 {
    let level = a.level.max(b.level);
    // the sketch at the lower level is thinned to the common one (the rarer case)
    let (a, b) = (thinned(a, level), thinned(b, level));
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    common_count(&a, &b) as f64 / smaller as f64
}

fn thinned(s: &Sketch, level: u32) -> std::borrow::Cow<'_, [u32]> {
    if s.level == level {
        std::borrow::Cow::Borrowed(&s.hashes[..])
    } else {
        s.hashes
            .iter()
            .copied()
            .filter(|h| h.trailing_zeros() >= level)
            .collect()
    }
}

/// How many values two sorted, distinct lists share: a merge without unpredictable branches,
/// the inner loop of duplicate detection.
fn common_count(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        common += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    common
}

/// The hashes of the text's words, in order, into `words`. A word is a run of word
/// characters (letters, digits, combining marks, `_`), lowercased; in Chinese and Japanese
/// every word character is a word. One pass over the text, no allocation per word:
/// this runs on every article of a run.
fn word_hashes(text: &str, language: &str, words: &mut Vec<u64>) {
    words.clear();
    let by_character = matches!(language, "zh" | "ja");
    let bytes = text.as_bytes();
    // the hash of the word being read; `in_word` says whether there is one
    let (mut h, mut in_word) = (WORD_SEED, false);
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if b < 0x80 {
            // ASCII, most of the bytes of most news: one table lookup, no char decoding
            let lower = ASCII_WORD[b as usize];
            at += 1;
            if lower == 0 {
                if in_word {
                    words.push(mix(h));
                    (h, in_word) = (WORD_SEED, false);
                }
                continue;
            }
            h = feed(h, u32::from(lower));
            in_word = true;
            if by_character {
                words.push(mix(h));
                (h, in_word) = (WORD_SEED, false);
            }
            continue;
        }
        let c = text[at..].chars().next().unwrap_or(' ');
        at += c.len_utf8();
        let is_word = if is_common_letter(c) || is_mark(c) {
            true
        } else if is_common_punctuation(c) {
            false
        } else {
            c.is_alphanumeric()
        };
        if !is_word {
            if in_word {
                words.push(mix(h));
                (h, in_word) = (WORD_SEED, false);
            }
            continue;
        }
        match lowercase(c) {
            Lower::One(l) => h = feed(h, l as u32),
            Lower::Many(c) => {
                for l in c.to_lowercase() {
                    h = feed(h, l as u32);
                }
            }
        }
        in_word = true;
        if by_character {
            words.push(mix(h));
            (h, in_word) = (WORD_SEED, false);
        }
    }
    if in_word {
        words.push(mix(h));
    }
}

/// Per ASCII byte: its lowercase if it is a word character (letter, digit, `_`), else 0.
const ASCII_WORD: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// A character's lowercase form: one character, or the table's answer (which may be several).
enum Lower {
    One(char),
    Many(char),
}

/// The lowercase of the Latin-1, Greek and Cyrillic capitals by offset (the same as
/// `char::to_lowercase` there); other characters go through the table.
fn lowercase(c: char) -> Lower {
    let n = c as u32;
    let shifted = match n {
        0x00C0..=0x00DE if n != 0x00D7 => n + 0x20,
        0x0391..=0x03A9 if n != 0x03A2 => n + 0x20,
        0x0410..=0x042F => n + 0x20,
        0x0400..=0x040F => n + 0x50,
        // already lowercase: Latin-1, Greek and Cyrillic small letters, and scripts without case
        0x00DF..=0x00FF
        | 0x03AC..=0x03CE
        | 0x0430..=0x045F
        | 0x0590..=0x06FF
        | 0x0900..=0x0DFF
        | 0x3040..=0x30FF
        | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7A3 => n,
        _ => return Lower::Many(c),
    };
    char::from_u32(shifted).map_or(Lower::Many(c), Lower::One)
}

/// Five word hashes, in order, as one 32-bit shingle hash.
fn shingle_hash(words: &[u64]) -> u32 {
    let h = words.iter().fold(0u64, |h, &x| {
        h.wrapping_mul(0x100_0000_01B3).wrapping_add(x)
    });
    (mix(h) >> 32) as u32
}

const WORD_SEED: u64 = 0xCBF2_9CE4_8422_2325;

/// FNV-1a over the characters of a word (mixed when the word ends).
fn feed(h: u64, c: u32) -> u64 {
    (h ^ u64::from(c)).wrapping_mul(0x100_0000_01B3)
}

/// Letters of the scripts most news is written in, without the Unicode table lookup (the same
/// answer as `char::is_alphabetic` on these ranges, cheaper).
fn is_common_letter(c: char) -> bool {
    matches!(c as u32,
        0x00C0..=0x00D6 | 0x00D8..=0x00F6 | 0x00F8..=0x024F // Latin-1 and Latin Extended letters
        | 0x0400..=0x0481 | 0x048A..=0x04FF // Cyrillic letters
        | 0x0388..=0x038A | 0x038C | 0x038E..=0x03A1 | 0x03A3..=0x03F5 | 0x03F7..=0x03FF // Greek
        | 0x05D0..=0x05EA // Hebrew letters
        | 0x0620..=0x064A // Arabic letters
        | 0x0671..=0x06D3 // Arabic and Persian letters
        | 0x1E00..=0x1EFF // Latin Extended Additional (Vietnamese)
        | 0x3041..=0x3096 | 0x30A1..=0x30FA | 0x30FC // Hiragana, Katakana, the long vowel mark
        | 0x4E00..=0x9FFF // CJK ideographs
        | 0xAC00..=0xD7A3 // Hangul syllables
    )
}

/// Punctuation common in news text (quotes, dashes, CJK commas and brackets), known not to be
/// word characters without the table lookup.
fn is_common_punctuation(c: char) -> bool {
    matches!(c as u32, 0x00A0..=0x00A9 | 0x00AB..=0x00B1 | 0x00B4 | 0x00B6..=0x00B8 | 0x00BB | 0x00BF | 0x2000..=0x206F | 0x3000..=0x3004 | 0x3008..=0x3020 | 0x0964 | 0x0965)
}

/// Combining marks belong to the word they are written on: Hindi and Tamil vowel signs,
/// accents written as separate code points (Python's `\w` would split a Hindi word at them).
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0900..=0x0963 | 0x0966..=0x0DFF | 0x0E31..=0x0E4E | 0x1AB0..=0x1AFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// SplitMix64's finalizer: every input bit reaches every output bit, so the low bits that
/// decide a hash's level are uniform.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An article as duplicate detection sees it.
pub struct Candidate<'a> {
    pub language: &'a str,
    /// Publication order: `published`, then article id, then source (the file and line,
    /// unique).
    pub published: &'a str,
    pub id: &'a str,
    pub source: &'a str,
    pub sketch: &'a Sketch,
}

/// What detection found for one article.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Index (into the slice given to [`detect`]) of the cluster's first article.
    pub cluster_first: usize,
    /// The earlier article this one matched, with the containment; `None` for a first.
    pub matched: Option<(usize, f64)>,
}

/// Clusters `articles` (see the module doc); one entry per article, in the same order.
/// `None` for an article in no cluster of two or more.
pub fn detect(articles: &[Candidate], min_containment: f64) -> Vec<Option<Found>> {
    let mut by_language: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (i, a) in articles.iter().enumerate() {
        if !a.sketch.is_empty() {
            by_language.entry(a.language).or_default().push(i);
        }
    }
    let mut languages: Vec<(&str, Vec<usize>)> = by_language.into_iter().collect();
    languages.sort_by(|a, b| a.0.cmp(b.0));
    let found: Vec<Vec<(usize, Found)>> = languages
        .into_par_iter()
        .map(|(_, mut members)| {
            members.sort_by(|&x, &y| {
                let (a, b) = (&articles[x], &articles[y]);
                (a.published, a.id, a.source, x).cmp(&(b.published, b.id, b.source, y))
            });
            cluster_language(articles, &members, min_containment)
        })
        .collect();
    let mut out: Vec<Option<Found>> = vec![None; articles.len()];
    for (i, f) in found.into_iter().flatten() {
        out[i] = Some(f);
    }
    // a first is only reported when something copied it
    let mut copied = vec![false; articles.len()];
    for f in out.iter().flatten() {
        if f.matched.is_some() {
            copied[f.cluster_first] = true;
        }
    }
    for (i, slot) in out.iter_mut().enumerate() {
        if slot
            .as_ref()
            .is_some_and(|f| f.matched.is_none() && !copied[i])
        {
            *slot = None;
        }
    }
    out
}

/// One language's articles, in publication order.
fn cluster_language(
    articles: &[Candidate],
    order: &[usize],
    min_containment: f64,
) -> Vec<(usize, Found)> {
    let sketches: Vec<&Sketch> = order.iter().map(|&i| articles[i].sketch).collect();
    let mut index = EarlierIndex::new(order.len());
    let mut cluster_of: Vec<usize> = Vec::with_capacity(order.len());
    let mut out = Vec::with_capacity(order.len());
    for (pos, &i) in order.iter().enumerate() {
        let sketch = sketches[pos];
        // the best earlier match among the most promising candidates; ties: the earliest
        let mut best: Option<(usize, f64)> = None;
        for p in index.candidates(&sketches, pos, min_containment) {
            let c = containment(sketch, sketches[p]);
            if c >= min_containment && best.is_none_or(|(_, b)| c > b) {
                best = Some((p, c));
            }
        }
        let found = match best {
            Some((p, c)) => Found {
                cluster_first: order[cluster_of[p]],
                matched: Some((order[p], c)),
            },
            None => Found {
                cluster_first: i,
                matched: None,
            },
        };
        cluster_of.push(match best {
            Some((p, _)) => cluster_of[p],
            None => pos,
        });
        out.push((i, found));
        index.add(sketch, pos);
    }
    out
}

/// The coarse hashes of the articles seen so far (positions in publication order), and the
/// scratch space to count what an article shares with each of them.
struct EarlierIndex {
    postings: FxHashMap<u32, Vec<u32>>,
    /// Per earlier article: coarse hashes shared with the current one.
    shared: Vec<u32>,
    touched: Vec<u32>,
    candidates: Vec<(f64, u32)>,
}

impl EarlierIndex {
    fn new(articles: usize) -> EarlierIndex {
        EarlierIndex {
            postings: FxHashMap::default(),
            shared: vec![0; articles],
            touched: Vec::new(),
            candidates: Vec::new(),
        }
    }

    fn coarse(sketch: &Sketch) -> impl Iterator<Item = u32> + '_ {
        let level = sketch.level + INDEX_LEVELS;
        sketch
            .hashes
            .iter()
            .copied()
            .filter(move |h| h.trailing_zeros() >= level)
    }

    fn add(&mut self, sketch: &Sketch, pos: usize) {
        for h in Self::coarse(sketch) {
            self.postings.entry(h).or_default().push(pos as u32);
        }
    }

    /// The earlier articles worth measuring against `sketches[pos]`, at most
    /// [`MAX_MEASURED`], in publication order.
    fn candidates(&mut self, sketches: &[&Sketch], pos: usize, min_containment: f64) -> Vec<usize> {
        let sketch = sketches[pos];
        let size = |s: &Sketch| (s.hashes.len() as u64) << s.level;
        for h in Self::coarse(sketch) {
            let Some(postings) = self.postings.get(&h) else {
                continue;
            };
            if postings.len() > MAX_POSTINGS {
                continue;
            }
            for &p in postings {
                if self.shared[p as usize] == 0 {
                    self.touched.push(p);
                }
                self.shared[p as usize] += 1;
            }
        }
        self.candidates.clear();
        for &p in &self.touched {
            let hits = std::mem::take(&mut self.shared[p as usize]);
            // a pair at the threshold shares about min_containment × the smaller text's
            // shingles, of which one in 2^level is indexed by both; a pair sharing under a
            // half of that is not measured (articles that merely quote a common sentence)
            let earlier = sketches[p as usize];
            let level = sketch.level.max(earlier.level) + INDEX_LEVELS;
            let expected = (size(sketch).min(size(earlier)) >> level).max(1) as f64;
            let rough = f64::from(hits) / expected;
            if rough >= min_containment / 2.0 {
                self.candidates.push((rough, p));
            }
        }
        self.touched.clear();
        if self.candidates.len() > MAX_MEASURED {
            self.candidates
                .select_nth_unstable_by(MAX_MEASURED, |a, b| {
                    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
                });
            self.candidates.truncate(MAX_MEASURED);
        }
        let mut chosen: Vec<usize> = self.candidates.iter().map(|&(_, p)| p as usize).collect();
        chosen.sort_unstable();
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(words: std::ops::Range<usize>) -> String {
        words.map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn an_excerpt_is_contained_whole_and_unrelated_texts_not_at_all() {
        let long = sketch(&text(0..2000), "en");
        let excerpt = sketch(&text(500..900), "en");
        assert!(long.hashes.len() <= 2 * SKETCH_TARGET + 1 && long.level > 0);
        assert_eq!(containment(&long, &excerpt), 1.0);
        assert_eq!(containment(&excerpt, &long), 1.0);
        let other = sketch(&text(5000..6000), "en");
        assert_eq!(containment(&long, &other), 0.0);
        // case and punctuation do not matter; word order does
        let a = sketch("The Talks, in New York. On Sunday the ministers met", "en");
        let b = sketch("the talks in new york on sunday the ministers met", "en");
        assert_eq!(containment(&a, &b), 1.0);
    }

    #[test]
    fn short_texts_are_measured_exactly() {
        // 40 words: 36 shingles; the second shares its first 25 words (21 shingles)
        let a = sketch(&text(0..40), "en");
        let b = sketch(&format!("{} {}", text(0..25), text(100..115)), "en");
        assert_eq!(a.level, 0);
        assert_eq!(containment(&a, &b), 21.0 / 36.0);
    }

    #[test]
    fn the_estimate_is_close_on_long_texts() {
        // 3,000 words against a text sharing 1,500 of them: containment 1,496 / 2,996
        let a = sketch(&text(0..3000), "en");
        let b = sketch(&format!("{} {}", text(0..1500), text(9000..10500)), "en");
        let c = containment(&a, &b);
        assert!((c - 1496.0 / 2996.0).abs() < 0.1, "{c}");
    }

    #[test]
    fn chinese_is_shingled_by_characters() {
        let a = sketch(
            "俄罗斯外长拉夫罗夫与美国国务卿蒂勒森在纽约会晤讨论叙利亚问题",
            "zh",
        );
        let b = sketch("拉夫罗夫与美国国务卿蒂勒森在纽约会晤", "zh");
        assert_eq!(containment(&a, &b), 1.0);
        assert!(!a.is_empty());
    }

    #[test]
    fn clusters_follow_publication_order_and_the_best_match() {
        let story = text(0..300);
        let sketches = [
            sketch(&story, "en"), // 0: the wire story
            sketch(&format!("{} {}", text(0..200), text(900..1000)), "en"), // 1: a re-cut copy
            sketch(&text(0..150), "en"), // 2: an excerpt
            sketch(&text(2000..2300), "en"), // 3: unrelated
            sketch(&story, "fr"), // 4: same words, other language
        ];
        let published = [
            "2017-09-17",
            "2017-09-18",
            "2017-09-18",
            "2017-09-16",
            "2017-09-19",
        ];
        let ids = ["a", "c", "b", "d", "e"];
        let candidates: Vec<Candidate> = (0..5)
            .map(|i| Candidate {
                language: if i == 4 { "fr" } else { "en" },
                published: published[i],
                id: ids[i],
                source: ids[i],
                sketch: &sketches[i],
            })
            .collect();
        let found = detect(&candidates, 0.5);
        assert_eq!(
            found[0],
            Some(Found {
                cluster_first: 0,
                matched: None
            })
        );
        // "b" (index 2) comes before "c" on the same day; both copy the story, the excerpt
        // wholly
        assert_eq!(found[2].as_ref().unwrap().matched, Some((0, 1.0)));
        let c = found[1].as_ref().unwrap();
        assert_eq!(c.cluster_first, 0);
        let (matched, containment) = c.matched.unwrap();
        assert!(matched == 0 || matched == 2);
        assert!(containment > 0.6);
        assert_eq!(found[3], None);
        assert_eq!(found[4], None, "another language is never a copy");
    }

    #[test]
    fn fast_lowercase_agrees_with_the_table() {
        for n in (0x00C0..=0x00FF)
            .chain(0x0386..=0x03CE)
            .chain(0x0400..=0x045F)
            .chain(0x0590..=0x06FF)
            .chain(0x0900..=0x0DFF)
            .chain(0x3040..=0x30FF)
        {
            let Some(c) = char::from_u32(n) else { continue };
            let want: Vec<char> = c.to_lowercase().collect();
            let got: Vec<char> = match lowercase(c) {
                Lower::One(l) => vec![l],
                Lower::Many(m) => m.to_lowercase().collect(),
            };
            assert_eq!(got, want, "U+{n:04X}");
        }
    }
}
