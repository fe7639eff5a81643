//! Near-duplicates and wire copy: articles of one language whose body texts overlap.
//!
//! Similarity is the **containment** of word 5-shingles, |A ∩ B| / min(|A|, |B|): an excerpt
//! or a truncated republication of a longer text scores 1.0. Words are the analyzer's words
//! (Unicode word boundaries, UAX #29; links dropped), lowercased and without elisions, as
//! [`crate::analyze::word_hash`] hashes them, stopwords included; in languages written
//! without spaces (Chinese, Japanese…), where the analyzer's words are overlapping character
//! bigrams, a shingle is four bigrams: five characters. The hashes come from the analyzer's
//! memo, so a run reads each article's words once.
//!
//! Each article keeps a bounded **sketch** of its shingles instead of its text: the 32-bit
//! hashes whose number of leading zero bits reaches the article's level, the level being the
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

use std::path::PathBuf;
use std::sync::Mutex;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::analyze::is_unspaced_language;
use crate::article_source::Source;
use crate::error::{Error, Result};
use crate::spill::SpillFile;

/// Shingles kept per article, about (between this and twice as many for a long text).
pub const SKETCH_TARGET: usize = 100;
const SHINGLE: usize = 5;
/// Extra levels above an article's own at which it is indexed for candidate pairs: an
/// article is found through about a quarter of its sampled shingles.
const INDEX_LEVELS: u32 = 2;
/// Candidates measured per article at most, those sharing the largest share of coarse hashes:
/// in a dense news day an article overlaps dozens of earlier ones (the same story retold),
/// and the best match is among those that share the most.
const MAX_MEASURED: usize = 8;
/// A hash shared by more earlier articles than this (boilerplate, a standard sign-off) finds
/// no candidates: real copies share many other shingles.
const MAX_POSTINGS: usize = 2000;

/// A bounded sample of an article's shingles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sketch {
    /// Sampling level: the kept hashes have at least this many leading zero bits.
    level: u32,
    /// Kept shingle hashes, sorted, distinct: those of a higher level, below 2^(32 − level),
    /// are a prefix, so thinning a sketch to a higher level is a slice, not a copy.
    hashes: Box<[u32]>,
}

/// The sketch of a body text in `language`, from the hashes of its words, in order (see
/// [`crate::analyze::Analyzer::word_hashes`]).
pub fn sketch(words: &[u64], language: &str) -> Sketch {
    let size = if is_unspaced_language(language) {
        SHINGLE - 1
    } else {
        SHINGLE
    };
    let shingles = words.len().saturating_sub(size - 1);
    // the level from the number of shingles (repeats included), so that only the kept hashes
    // need sorting
    let mut level = 0;
    while shingles >> level > 2 * SKETCH_TARGET {
        level += 1;
    }
    KEPT.with_borrow_mut(|kept| {
        kept.clear();
        for_each_shingle(words, size, |h| {
            if h.leading_zeros() >= level {
                kept.push(h);
            }
        });
        kept.sort_unstable();
        kept.dedup();
        Sketch {
            level,
            hashes: kept[..].into(),
        }
    })
}

thread_local! {
    /// The kept hashes of the article being sketched, reused from one article to the next.
    static KEPT: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Sketch {
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The sampling level and the kept hashes, as stored in partial counts.
    pub fn parts(&self) -> (u32, &[u32]) {
        (self.level, &self.hashes)
    }

    /// A sketch stored by [`Sketch::parts`]; `None` unless the hashes are sorted, distinct
    /// and of the level (anything else was not written by [`sketch`]).
    pub fn from_parts(level: u32, hashes: Vec<u32>) -> Option<Sketch> {
        let ordered = hashes.windows(2).all(|w| w[0] < w[1]);
        let of_level = hashes.iter().all(|h| h.leading_zeros() >= level);
        (level < 32 && ordered && of_level).then(|| Sketch {
            level,
            hashes: hashes.into(),
        })
    }

    fn view(&self) -> View<'_> {
        View {
            level: self.level,
            hashes: &self.hashes,
            counts: level_counts(self.level, &self.hashes),
        }
    }
}

/// An article's sketch where its row keeps it: with the row, or in the run's [`SketchSpill`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SketchSlot {
    Held(Sketch),
    /// `count` hashes of level `level`, little-endian, at byte `at` of the spill file.
    Spilled {
        at: u64,
        level: u32,
        count: u32,
    },
}

impl Default for SketchSlot {
    fn default() -> Self {
        SketchSlot::Held(Sketch::default())
    }
}

impl SketchSlot {
    pub fn is_empty(&self) -> bool {
        match self {
            SketchSlot::Held(sketch) => sketch.is_empty(),
            SketchSlot::Spilled { count, .. } => *count == 0,
        }
    }

    /// The sketch, when it is held (always, in a run without a spill).
    pub fn held(&self) -> Option<&Sketch> {
        match self {
            SketchSlot::Held(sketch) => Some(sketch),
            SketchSlot::Spilled { .. } => None,
        }
    }
}

/// Where a run's sketches wait for copy detection: one file per language, written as the
/// articles are analysed and read back whole when that language's copies are looked for.
/// Held with their rows, the sketches were about half of a run's memory per article (some
/// 600 bytes), and what made its peak grow with the corpus; on disk they cost a sequential
/// write and one read per language.
pub struct SketchSpill {
    dir: PathBuf,
    /// One per language; one that cannot be made or written leaves its sketches with their
    /// rows.
    files: Mutex<FxHashMap<&'static str, SpillFile>>,
}

impl SketchSpill {
    /// A spill in the folder `dir`, created here (inside the run's staging folder, and
    /// removed before that is swapped in).
    pub fn create(dir: PathBuf) -> Result<SketchSpill> {
        std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(SketchSpill {
            dir,
            files: Mutex::new(FxHashMap::default()),
        })
    }

    fn path(&self, language: &str) -> PathBuf {
        self.dir.join(format!("{language}.u32"))
    }

    /// The slot of the sketch of an article in `language`: spilled, or held when it is
    /// empty or its language's file cannot be written (results are the same either way; only
    /// memory differs).
    pub fn keep(&self, language: &'static str, sketch: Sketch) -> SketchSlot {
        if sketch.is_empty() {
            return SketchSlot::Held(sketch);
        }
        let bytes: Vec<u8> = sketch.hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        let file = files
            .entry(language)
            .or_insert_with(|| SpillFile::create(&self.path(language)).unwrap_or_default());
        let Some(at) = file.append(&[&bytes]) else {
            return SketchSlot::Held(sketch);
        };
        SketchSlot::Spilled {
            at,
            level: sketch.level,
            count: sketch.hashes.len() as u32,
        }
    }

    /// Flushes every file, so that they can be read; the error names the file.
    pub fn finish(&self) -> Result<()> {
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        for (language, file) in files.iter_mut() {
            file.flush()
                .map_err(|e| Error::io(&self.path(language), e))?;
        }
        Ok(())
    }

    /// Removes the spill's folder, once detection has read it.
    pub fn remove(self) -> Result<()> {
        let SketchSpill { dir, files } = self;
        drop(files); // closes the files
        std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))
    }

    /// The spilled sketches of `language`, back to back.
    fn read(&self, language: &str) -> Result<Vec<u8>> {
        let path = self.path(language);
        std::fs::read(&path).map_err(|e| Error::io(&path, e))
    }
}

/// Levels above its own at which a packed sketch knows its number of hashes.
const COUNTED_LEVELS: usize = 4;

/// How many of the hashes (sorted, of level `level`) are of each level from `level` on.
fn level_counts(level: u32, hashes: &[u32]) -> [u32; COUNTED_LEVELS] {
    std::array::from_fn(|d| {
        hashes.partition_point(|&h| h.leading_zeros() >= level + d as u32) as u32
    })
}

/// A sketch where it is stored: its own, or a language's packed ones.
#[derive(Clone, Copy)]
struct View<'a> {
    level: u32,
    hashes: &'a [u32],
    /// `level_counts(level, hashes)`: a candidate's hashes at the level of a comparison
    /// without a binary search through memory not yet in cache.
    counts: [u32; COUNTED_LEVELS],
}

impl<'a> View<'a> {
    /// The kept hashes of level `level` or higher (at least the sketch's own level).
    fn at_level(self, level: u32) -> &'a [u32] {
        let end = match self.counts.get((level - self.level) as usize) {
            Some(&count) => count as usize,
            None => self.hashes.partition_point(|&h| h.leading_zeros() >= level),
        };
        &self.hashes[..end]
    }

    /// The number of distinct shingles the sketch stands for, about.
    fn size(self) -> u64 {
        (self.hashes.len() as u64) << self.level
    }
}

/// The estimated containment of two sketches, |A ∩ B| / min(|A|, |B|), in [0, 1].
pub fn containment(a: &Sketch, b: &Sketch) -> f64 {
    let mut measure = Measure::default();
    measure.set(a.view());
    measure.containment_reaching(b.view(), 0.0).unwrap_or(0.0)
}

/// One sketch held as a hash set of its hashes, to be measured against many others: a
/// lookup per hash of the other sketch has no dependency from one hash to the next, where a
/// merge of two sorted lists waits on every comparison.
#[derive(Default)]
struct Measure<'a> {
    sketch: Option<View<'a>>,
    /// Buckets of four slots, at the hash's low bits (which are uniform), about one hash per
    /// bucket: a lookup compares the four slots at once, with no branch on the answer (as
    /// often yes as no, a branch on it would be mispredicted). A slot holds the set's
    /// generation (high 32 bits) and a hash; a slot of an older generation is empty, so
    /// nothing is cleared from one sketch to the next.
    buckets: Vec<[u64; 4]>,
    /// Hashes that found their bucket full (rare).
    overflow: Vec<u32>,
    generation: u64,
    mask: usize,
}

impl<'a> Measure<'a> {
    fn set(&mut self, sketch: View<'a>) {
        let size = sketch.hashes.len().next_power_of_two().max(16);
        if size > self.buckets.len() {
            self.buckets = vec![[0; 4]; size];
            self.generation = 0;
        }
        self.generation += 1;
        self.mask = size - 1;
        self.overflow.clear();
        let current = self.generation << 32;
        for &h in sketch.hashes {
            let bucket = &mut self.buckets[h as usize & self.mask];
            match bucket
                .iter_mut()
                .find(|slot| **slot >> 32 != self.generation)
            {
                Some(slot) => *slot = current | u64::from(h),
                None => self.overflow.push(h),
            }
        }
        self.sketch = Some(sketch);
    }

    fn contains(&self, h: u32) -> bool {
        let wanted = (self.generation << 32) | u64::from(h);
        let bucket = &self.buckets[h as usize & self.mask];
        // the smallest difference is 0 if any slot holds the hash: four compares, no branch
        let nearest = (bucket[0] ^ wanted)
            .min(bucket[1] ^ wanted)
            .min(bucket[2] ^ wanted)
            .min(bucket[3] ^ wanted);
        let full = bucket[3] >> 32 == self.generation;
        if full && nearest != 0 {
            return self.overflow.contains(&h);
        }
        nearest == 0
    }

    /// The containment of the set sketch and `other`, compared at the higher of their
    /// levels, if it reaches `floor`; `None` as soon as the hashes left to look up could no
    /// longer bring it there: most candidates are left well behind by the best match so far
    /// and are dropped after a few lookups.
    fn containment_reaching(&self, other: View, floor: f64) -> Option<f64> {
        let sketch = self.sketch?;
        let level = sketch.level.max(other.level);
        let theirs = other.at_level(level);
        let smaller = sketch.at_level(level).len().min(theirs.len());
        if smaller == 0 {
            return (floor <= 0.0).then_some(0.0);
        }
        let smaller = smaller as f64;
        // every hash of `other` at this level that the set holds is in both at this level
        let mut common = 0;
        let mut left = theirs.len();
        for block in theirs.chunks(16) {
            common += block.iter().filter(|&&h| self.contains(h)).count();
            left -= block.len();
            if ((common + left) as f64 / smaller) < floor {
                return None;
            }
        }
        let c = common as f64 / smaller;
        (c >= floor).then_some(c)
    }
}

/// The hash of every shingle of `size` words, in order: the polynomial
/// Σ word[i + k] · P^(size − 1 − k) (mod 2^64), rolled from one window to the next (a few
/// operations per shingle, not a few per word of it), mixed, its high 32 bits.
fn for_each_shingle(words: &[u64], size: usize, mut each: impl FnMut(u32)) {
    const P: u64 = 0x100_0000_01B3;
    if words.len() < size {
        return;
    }
    let oldest = P.wrapping_pow(size as u32 - 1);
    let mut h = words[..size]
        .iter()
        .fold(0u64, |h, &w| h.wrapping_mul(P).wrapping_add(w));
    each((mix(h) >> 32) as u32);
    for (&gone, &new) in words.iter().zip(&words[size..]) {
        h = h
            .wrapping_sub(gone.wrapping_mul(oldest))
            .wrapping_mul(P)
            .wrapping_add(new);
        each((mix(h) >> 32) as u32);
    }
}

/// SplitMix64's finalizer: every input bit reaches every output bit, so the high bits that
/// decide a hash's level are uniform.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An article as duplicate detection sees it.
#[derive(Clone, Copy)]
pub struct Candidate<'a> {
    pub language: &'a str,
    /// Publication order: `published`, then article id, then source (the file and line,
    /// unique).
    pub published: &'a str,
    pub id: &'a str,
    pub source: Source<'a>,
    pub sketch: &'a SketchSlot,
}

/// What detection found for one article.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// Index (into the slice given to [`detect`]) of the cluster's first article.
    pub cluster_first: usize,
    /// The earlier article this one matched, with the containment; `None` for a first.
    pub matched: Option<(usize, f64)>,
}

/// Clusters the `count` articles that `article` gives by index (see the module doc); one
/// entry per article, in index order. `None` for an article in no cluster of two or more.
/// Spilled sketches are read from `spill`, one language at a time. The articles are asked
/// for by index, not given as a slice: a slice of them was 72 bytes an article, 7 MB at
/// 100,000 articles, made beside the rows it was read from.
pub fn detect<'a>(
    count: usize,
    article: impl Fn(usize) -> Candidate<'a> + Sync,
    min_containment: f64,
    spill: Option<&SketchSpill>,
) -> Result<Vec<Option<Found>>> {
    let mut by_language: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for i in 0..count {
        let a = article(i);
        if !a.sketch.is_empty() {
            by_language.entry(a.language).or_default().push(i);
        }
    }
    let mut languages: Vec<(&str, Vec<usize>)> = by_language.into_iter().collect();
    languages.sort_by(|a, b| a.0.cmp(b.0));
    let found: Vec<Vec<(usize, Found)>> = languages
        .into_par_iter()
        .map(|(language, mut members)| {
            // each key decoded once, not once per comparison (rows decode their fields when
            // asked); the index makes every key distinct, so the order is the stable one
            members.sort_by_cached_key(|&x| {
                let a = article(x);
                (a.published, a.id, a.source, x)
            });
            let any_spilled = members
                .iter()
                .any(|&i| matches!(article(i).sketch, SketchSlot::Spilled { .. }));
            let spilled = match spill {
                Some(spill) if any_spilled => spill.read(language)?,
                _ => Vec::new(),
            };
            let slots = members.iter().map(|&i| article(i).sketch);
            let packed = Packed::new(slots, &spilled)?;
            drop(spilled);
            Ok(cluster_language(&packed, &members, min_containment))
        })
        .collect::<Result<_>>()?;
    let mut out: Vec<Option<Found>> = vec![None; count];
    for (i, f) in found.into_iter().flatten() {
        out[i] = Some(f);
    }
    // a first is only reported when something copied it
    let mut copied = vec![false; count];
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
    Ok(out)
}

/// One language's articles, in publication order.
fn cluster_language(packed: &Packed, order: &[usize], min_containment: f64) -> Vec<(usize, Found)> {
    let index = EarlierIndex::new(packed);
    // An article's best earlier match depends on the sketches alone, not on the clusters
    // found before it: found on the run's threads, so that a corpus with one dominant
    // language does not cluster it on one core; the clusters then follow in order.
    let best: Vec<Option<(u32, f64)>> = (0..order.len())
        .into_par_iter()
        .with_min_len(256)
        .map_init(
            || (Candidates::new(packed.len()), Measure::default()),
            |(candidates, measure), pos| {
                measure.set(packed.get(pos));
                // the best earlier match among the most promising candidates; ties: the
                // earliest
                let mut best: Option<(u32, f64)> = None;
                for &(_, p) in index.candidates(candidates, packed, pos, min_containment) {
                    let floor = best.map_or(min_containment, |(_, b)| b);
                    let Some(c) = measure.containment_reaching(packed.get(p as usize), floor)
                    else {
                        continue;
                    };
                    if best.is_none_or(|(best_pos, b)| c > b || (c == b && p < best_pos)) {
                        best = Some((p, c));
                    }
                }
                best
            },
        )
        .collect();
    let mut cluster_of: Vec<usize> = Vec::with_capacity(order.len());
    let mut out = Vec::with_capacity(order.len());
    for (pos, (&i, best)) in order.iter().zip(best).enumerate() {
        let best = best.map(|(p, c)| (p as usize, c));
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
    }
    out
}

/// One language's sketches in publication order, packed together: detection reads the
/// earlier sketches it measures at random positions, and packed sketches share cache lines
/// where sketches scattered over the heap miss on every one.
struct Packed {
    hashes: Vec<u32>,
    /// `hashes[starts[pos]..starts[pos + 1]]` is the sketch at position `pos`.
    starts: Vec<u32>,
    levels: Vec<u32>,
    counts: Vec<[u32; COUNTED_LEVELS]>,
}

impl Packed {
    /// The sketches of `slots`, in order; spilled ones are cut from `spilled`, their
    /// language's spill file.
    fn new<'a>(
        slots: impl Iterator<Item = &'a SketchSlot> + Clone,
        spilled: &[u8],
    ) -> Result<Packed> {
        // sized exactly: grown by doubling, the hashes took up to twice their size, and three
        // times while they moved, beside the language's spill file (at 100,000 articles, 2
        // threads: 8-10 MB off the run's peak RSS, now in the writing of the tables)
        let (sketches, hashes) = slots.clone().fold((0, 0), |(n, h), slot| {
            let count = match slot {
                SketchSlot::Held(s) => s.hashes.len(),
                SketchSlot::Spilled { count, .. } => *count as usize,
            };
            (n + 1, h + count)
        });
        let mut packed = Packed {
            hashes: Vec::with_capacity(hashes),
            starts: Vec::with_capacity(sketches + 1),
            levels: Vec::with_capacity(sketches),
            counts: Vec::with_capacity(sketches),
        };
        packed.starts.push(0);
        for slot in slots {
            let start = packed.hashes.len();
            let level = match slot {
                SketchSlot::Held(s) => {
                    packed.hashes.extend_from_slice(&s.hashes);
                    s.level
                }
                &SketchSlot::Spilled { at, level, count } => {
                    let bytes = usize::try_from(at)
                        .ok()
                        .and_then(|at| spilled.get(at..at + count as usize * 4))
                        .ok_or_else(|| {
                            Error::Run(format!(
                                "internal error: a sketch at byte {at} past the end of its spill file ({} bytes)",
                                spilled.len()
                            ))
                        })?;
                    packed.hashes.extend(
                        bytes
                            .chunks_exact(4)
                            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    );
                    level
                }
            };
            packed.starts.push(packed.hashes.len() as u32);
            packed.levels.push(level);
            packed
                .counts
                .push(level_counts(level, &packed.hashes[start..]));
        }
        Ok(packed)
    }

    fn len(&self) -> usize {
        self.levels.len()
    }

    fn get(&self, pos: usize) -> View<'_> {
        View {
            level: self.levels[pos],
            hashes: &self.hashes[self.starts[pos] as usize..self.starts[pos + 1] as usize],
            counts: self.counts[pos],
        }
    }
}

/// Every article's coarse hashes (its hashes [`INDEX_LEVELS`] above its own level).
struct EarlierIndex {
    /// Per article, the range of `lists` naming its coarse hashes.
    starts: Vec<u32>,
    /// The coarse hashes of each article in turn, each as the range of `positions` listing
    /// the articles indexed under that hash: a lookup per hash when the index is built, none
    /// when it is read.
    lists: Vec<(u32, u32)>,
    /// Article positions, grouped by coarse hash, ascending within each: an article's
    /// earlier ones are a prefix of each of its lists.
    positions: Vec<u32>,
}

/// The scratch space of a thread that asks [`EarlierIndex::candidates`]: what an article
/// shares with each earlier one.
struct Candidates {
    /// Per earlier article: coarse hashes shared with the current one.
    shared: Vec<u32>,
    touched: Vec<u32>,
    found: Vec<(f64, u32)>,
}

impl Candidates {
    /// Room for a language of `articles` articles.
    fn new(articles: usize) -> Candidates {
        Candidates {
            shared: vec![0; articles],
            touched: vec![0; articles + 1],
            found: Vec::new(),
        }
    }
}

impl EarlierIndex {
    fn new(packed: &Packed) -> EarlierIndex {
        // a counting sort: number the distinct hashes, count their articles, then place
        // each article in its hashes' lists in publication order
        let mut numbers: FxHashMap<u32, u32> = FxHashMap::default();
        let mut sizes: Vec<u32> = Vec::new();
        let mut starts = Vec::with_capacity(packed.len() + 1);
        // sized exactly, like the packed sketches
        let coarse: usize = (0..packed.len())
            .map(|pos| Self::coarse(packed.get(pos)).len())
            .sum();
        let mut hash_numbers: Vec<u32> = Vec::with_capacity(coarse);
        starts.push(0);
        for pos in 0..packed.len() {
            for &h in Self::coarse(packed.get(pos)) {
                let next = sizes.len() as u32;
                let n = *numbers.entry(h).or_insert(next);
                if n == next {
                    sizes.push(0);
                }
                sizes[n as usize] += 1;
                hash_numbers.push(n);
            }
            starts.push(hash_numbers.len() as u32);
        }
        // each hash's list: positions[begin..end]
        let mut bounds: Vec<(u32, u32)> = Vec::with_capacity(sizes.len());
        let mut end = 0;
        for size in sizes {
            bounds.push((end, end + size));
            end += size;
        }
        let mut next: Vec<u32> = bounds.iter().map(|&(begin, _)| begin).collect();
        let mut positions = vec![0; hash_numbers.len()];
        for pos in 0..packed.len() {
            for &n in &hash_numbers[starts[pos] as usize..starts[pos + 1] as usize] {
                positions[next[n as usize] as usize] = pos as u32;
                next[n as usize] += 1;
            }
        }
        let lists = hash_numbers.iter().map(|&n| bounds[n as usize]).collect();
        EarlierIndex {
            starts,
            lists,
            positions,
        }
    }

    fn coarse(sketch: View<'_>) -> &[u32] {
        sketch.at_level(sketch.level + INDEX_LEVELS)
    }

    /// The earlier articles worth measuring against the one at `pos`, at most
    /// [`MAX_MEASURED`], with the share of coarse hashes they have in common with it: the
    /// most promising first, ties in publication order.
    fn candidates<'s>(
        &self,
        scratch: &'s mut Candidates,
        packed: &Packed,
        pos: usize,
        min_containment: f64,
    ) -> &'s [(f64, u32)] {
        let sketch = packed.get(pos);
        let current = pos as u32;
        let lists = &self.lists[self.starts[pos] as usize..self.starts[pos + 1] as usize];
        let mut touched = 0;
        for &(begin, end) in lists {
            let list = &self.positions[begin as usize..end as usize];
            if list.get(MAX_POSTINGS).is_some_and(|&p| p < current) {
                continue;
            }
            for &p in list.iter().take_while(|&&p| p < current) {
                // written every time, kept when first seen: no branch on a coin toss
                scratch.touched[touched] = p;
                touched += usize::from(scratch.shared[p as usize] == 0);
                scratch.shared[p as usize] += 1;
            }
        }
        scratch.found.clear();
        for &p in &scratch.touched[..touched] {
            let hits = std::mem::take(&mut scratch.shared[p as usize]);
            // a pair at the threshold shares about min_containment × the smaller text's
            // shingles, of which one in 2^level is indexed by both; a pair sharing under a
            // half of that is not measured (articles that merely quote a common sentence)
            let earlier = packed.get(p as usize);
            let level = sketch.level.max(earlier.level) + INDEX_LEVELS;
            let expected = (sketch.size().min(earlier.size()) >> level).max(1) as f64;
            let rough = f64::from(hits) / expected;
            if rough >= min_containment / 2.0 {
                scratch.found.push((rough, p));
            }
        }
        let by_promise = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if scratch.found.len() > MAX_MEASURED {
            scratch
                .found
                .select_nth_unstable_by(MAX_MEASURED, by_promise);
            scratch.found.truncate(MAX_MEASURED);
        }
        // the most promising first: the best match is usually met early, and the others are
        // dropped after a few lookups
        scratch.found.sort_unstable_by(by_promise);
        &scratch.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analyzers;
    use crate::config::TextSection;

    /// The sketch a run makes of `text` in `language`.
    fn sketch(text: &str, language: &str) -> Sketch {
        let analyzers = Analyzers::new(&TextSection::default());
        let mut words = Vec::new();
        analyzers.get(language).word_hashes(text, &mut words);
        super::sketch(&words, language)
    }

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
    fn rolled_shingle_hashes_are_those_of_each_window() {
        let words: Vec<u64> = (0..40u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let mut rolled = Vec::new();
        for_each_shingle(&words, SHINGLE, |h| rolled.push(h));
        let direct: Vec<u32> = words
            .windows(SHINGLE)
            .map(|w| {
                let h = w.iter().fold(0u64, |h, &x| {
                    h.wrapping_mul(0x100_0000_01B3).wrapping_add(x)
                });
                (mix(h) >> 32) as u32
            })
            .collect();
        assert_eq!(rolled, direct);
        assert_eq!(rolled.len(), 36);
    }

    #[test]
    fn chinese_is_shingled_by_characters() {
        let a = sketch(
            "俄罗斯外长拉夫罗夫与美国国务卿蒂勒森在纽约会晤讨论叙利亚问题",
            "zh",
        );
        let b = sketch("拉夫罗夫与美国国务卿蒂勒森在纽约会晤", "zh");
        assert_eq!(containment(&a, &b), 1.0);
        // a shingle is five characters: four character bigrams
        assert_eq!(sketch("拉夫罗夫与", "zh").hashes.len(), 1);
        assert!(sketch("拉夫罗夫", "zh").is_empty());
        assert_eq!(sketch("拉夫罗夫与美", "zh").hashes.len(), 2);
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
        let language = |i: usize| if i == 4 { "fr" } else { "en" };
        let held: Vec<SketchSlot> = sketches.iter().cloned().map(SketchSlot::Held).collect();
        let dir = tempfile::tempdir().unwrap();
        let spill = SketchSpill::create(dir.path().join("spill")).unwrap();
        // kept in another order than publication's, so that offsets matter
        let spilled: Vec<SketchSlot> = (0..5)
            .rev()
            .map(|i| spill.keep(language(i), sketches[i].clone()))
            .rev()
            .collect();
        spill.finish().unwrap();
        assert!(spilled
            .iter()
            .all(|s| matches!(s, SketchSlot::Spilled { .. })));
        fn candidates<'a>(
            slots: &'a [SketchSlot],
            published: &[&'a str; 5],
            ids: &[&'a str; 5],
        ) -> Vec<Candidate<'a>> {
            (0..5)
                .map(|i| Candidate {
                    language: if i == 4 { "fr" } else { "en" },
                    published: published[i],
                    id: ids[i],
                    source: Source::whole(ids[i]),
                    sketch: &slots[i],
                })
                .collect()
        }
        let held = candidates(&held, &published, &ids);
        let found = detect(5, |i| held[i], 0.5, None).unwrap();
        // sketches read back from the spill find the same, to the containment's last bit
        let from_spill = candidates(&spilled, &published, &ids);
        assert_eq!(
            detect(5, |i| from_spill[i], 0.5, Some(&spill)).unwrap(),
            found
        );
        // a spilled sketch without its spill is an error, not a silent miss
        assert!(detect(5, |i| from_spill[i], 0.5, None).is_err());
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
}
