//! The one parallel stage: every per-article step (language, analysis, topic matching) runs
//! here, and counts are folded per group inside the workers, so what leaves this stage is
//! sized by the vocabulary and the number of groups, plus one small row per article.
//!
//! [`count`] is the rayon version (one accumulator per thread, merged at the end);
//! [`count_sequential`] is the plain loop it is tested against. Both give identical [`Counts`]: every number is an
//! integer sum, so the order articles arrive in cannot change a result. An article found in
//! the [`crate::cache`] is folded from its stored analysis instead of being analysed again.

use std::sync::Mutex;

use rustc_hash::FxHashMap;

use crate::analyze::{Analyzers, TokenMemo};
use crate::cache::{self, CacheReader, CacheWriter, Reuse, Segment};
use crate::config::GroupColumn;
use crate::ingest::{RawArticle, Record, Rejection, Sources};
use crate::language::{Detection, LanguageDetector};
use crate::topics::{Lexicon, Patterns};

/// What the per-article work needs, built once per run.
pub struct Stage<'a> {
    pub detector: &'a LanguageDetector,
    pub analyzers: &'a Analyzers,
    pub lexicon: &'a Lexicon,
    pub sources: &'a Sources,
    pub group_by: &'a [GroupColumn],
    /// The previous run's analyses, to reuse.
    pub cache: Option<&'a CacheReader>,
    /// Where this run's analyses are stored for the next run.
    pub cache_out: Option<&'a CacheWriter>,
}

/// One row of `articles.csv`, plus the article's topic hits. Rows stay in memory until the
/// tables are sorted and written, one per article, so the eight text fields share one
/// allocation (about half the memory of eight strings).
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleRow {
    /// id, source, outlet, country, published, url, title, declared language, back to back
    fields: Box<str>,
    /// where each field ends in `fields`
    ends: [u32; 8],
    pub language: &'static str,
    pub language_confidence: f64,
    pub words: u64,
    pub terms: u64,
    /// (topic index, hits) for the topics with at least one hit.
    pub topic_hits: Vec<(usize, u32)>,
}

/// The text fields of an [`ArticleRow`].
pub struct ArticleFields<'a> {
    pub id: &'a str,
    pub source: &'a str,
    pub outlet: &'a str,
    pub country: &'a str,
    pub published: &'a str,
    pub url: &'a str,
    pub title: &'a str,
    pub declared_language: &'a str,
}

impl ArticleRow {
    pub fn new(
        text: ArticleFields,
        language: &'static str,
        language_confidence: f64,
        words: u64,
        terms: u64,
        topic_hits: Vec<(usize, u32)>,
    ) -> ArticleRow {
        let parts = [
            text.id,
            text.source,
            text.outlet,
            text.country,
            text.published,
            text.url,
            text.title,
            text.declared_language,
        ];
        let mut fields = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0u32; 8];
        for (end, part) in ends.iter_mut().zip(parts) {
            fields.push_str(part);
            // articles are at most max_article_bytes (far below 4 GB), so offsets fit in u32
            *end = u32::try_from(fields.len()).unwrap_or(u32::MAX);
        }
        ArticleRow {
            fields: fields.into(),
            ends,
            language,
            language_confidence,
            words,
            terms,
            topic_hits,
        }
    }

    fn field(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.fields
            .get(start..self.ends[i] as usize)
            .unwrap_or_default()
    }

    pub fn id(&self) -> &str {
        self.field(0)
    }
    pub fn source(&self) -> &str {
        self.field(1)
    }
    pub fn outlet(&self) -> &str {
        self.field(2)
    }
    pub fn country(&self) -> &str {
        self.field(3)
    }
    pub fn published(&self) -> &str {
        self.field(4)
    }
    pub fn url(&self) -> &str {
        self.field(5)
    }
    pub fn title(&self) -> &str {
        self.field(6)
    }
    pub fn declared_language(&self) -> &str {
        self.field(7)
    }
}

/// Terms and surface forms, stored once per worker and referred to by id in the count maps:
/// a term used by a hundred outlets is one string, not a hundred.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    ids: FxHashMap<Box<str>, u32>,
    strings: Vec<Box<str>>,
}

impl Vocabulary {
    /// The id of `s`, added if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    pub fn get(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    /// The id of `s`, if it was ever interned.
    pub fn find(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub struct TermCount {
    pub count: u64,
    /// Articles of the group that contain the term at least once.
    pub articles: u64,
    /// How often each surface form (lowercase, before stemming; a [`Vocabulary`] id) was
    /// seen; see [`TermCount::surfaces`].
    surfaces: Surfaces,
}

/// A term's surface forms. Most terms of a group (four in five on a 100k-article corpus) have
/// one form, kept inline; millions of one-element lists would each be a heap allocation.
#[derive(Debug, Clone)]
enum Surfaces {
    One([(u32, u64); 1]),
    Many(Vec<(u32, u64)>),
}

impl Default for Surfaces {
    fn default() -> Self {
        Surfaces::Many(Vec::new())
    }
}

#[derive(Debug, Clone, Default)]
pub struct GroupCounts {
    pub articles: u64,
    /// Word tokens before stopwords.
    pub words: u64,
    /// Tokens counted after stopwords.
    pub terms: u64,
    /// Per topic (lexicon order): total hits, and articles with at least one hit.
    pub topic_hits: Vec<u64>,
    pub topic_articles: Vec<u64>,
    pub languages: FxHashMap<&'static str, u64>,
    /// By term id in the [`Counts`]' vocabulary.
    pub term_counts: FxHashMap<u32, TermCount>,
}

#[derive(Debug, Default)]
pub struct Counts {
    /// The strings behind the term and surface ids of `groups`.
    pub vocabulary: Vocabulary,
    /// By group key: the values of the `group_by` columns, in their order.
    pub groups: FxHashMap<Vec<String>, GroupCounts>,
    pub articles: Vec<ArticleRow>,
    pub rejected: Vec<Rejection>,
    /// Articles whose whole analysis came from the cache.
    pub from_cache: u64,
    /// Articles whose language came from the cache (and analysis was redone).
    pub language_from_cache: u64,
}

impl Counts {
    fn merge(self, other: Counts) -> Counts {
        // Merge the smaller into the larger: the maps of a long fold are the expensive part.
        let (mut big, small) = if self.articles.len() >= other.articles.len() {
            (self, other)
        } else {
            (other, self)
        };
        big.articles.extend(small.articles);
        big.rejected.extend(small.rejected);
        big.from_cache += small.from_cache;
        big.language_from_cache += small.language_from_cache;
        // the small side's ids, in the big side's vocabulary
        let remap: Vec<u32> = small
            .vocabulary
            .strings
            .iter()
            .map(|s| big.vocabulary.intern(s))
            .collect();
        for (key, group) in small.groups {
            big.groups
                .entry(key)
                .or_insert_with(|| GroupCounts::new(group.topic_hits.len()))
                .merge(group, &remap);
        }
        big
    }
}

impl TermCount {
    pub fn add_surface(&mut self, surface: u32, n: u64) {
        match &mut self.surfaces {
            Surfaces::One([(s, m)]) if *s == surface => *m += n,
            Surfaces::One([first]) => self.surfaces = Surfaces::Many(vec![*first, (surface, n)]),
            Surfaces::Many(list) if list.is_empty() => {
                self.surfaces = Surfaces::One([(surface, n)])
            }
            Surfaces::Many(list) => match list.iter_mut().find(|(s, _)| *s == surface) {
                Some((_, m)) => *m += n,
                None => list.push((surface, n)),
            },
        }
    }

    /// (surface id, count) for each surface form, in the order they were first added.
    pub fn surfaces(&self) -> &[(u32, u64)] {
        match &self.surfaces {
            Surfaces::One(one) => one,
            Surfaces::Many(list) => list,
        }
    }
}

impl GroupCounts {
    pub fn new(topics: usize) -> GroupCounts {
        GroupCounts {
            topic_hits: vec![0; topics],
            topic_articles: vec![0; topics],
            ..GroupCounts::default()
        }
    }

    /// Adds `other`, whose ids `remap` translates into this group's vocabulary.
    fn merge(&mut self, other: GroupCounts, remap: &[u32]) {
        self.articles += other.articles;
        self.words += other.words;
        self.terms += other.terms;
        for (a, b) in self.topic_hits.iter_mut().zip(other.topic_hits) {
            *a += b;
        }
        for (a, b) in self.topic_articles.iter_mut().zip(other.topic_articles) {
            *a += b;
        }
        for (lang, n) in other.languages {
            *self.languages.entry(lang).or_default() += n;
        }
        for (term, theirs) in other.term_counts {
            let mine = self.term_counts.entry(remap[term as usize]).or_default();
            mine.count += theirs.count;
            mine.articles += theirs.articles;
            for &(surface, n) in theirs.surfaces() {
                mine.add_surface(remap[surface as usize], n);
            }
        }
    }
}

/// One article's analysis: what is folded into its group, and what the cache stores.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis<'a> {
    pub language: &'static str,
    pub confidence: f64,
    /// Word tokens before stopwords.
    pub words: u64,
    /// Tokens counted after stopwords.
    pub terms: u64,
    /// (topic index, hits) for the topics with at least one hit, in topic order.
    pub hits: Vec<(usize, u32)>,
    /// Each distinct term, in order of first appearance, with its count and surface forms.
    pub term_counts: Vec<TermEntry<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TermEntry<'a> {
    pub term: &'a str,
    pub count: u64,
    pub surfaces: Vec<(&'a str, u64)>,
}

/// A counted token as the worker's vocabulary ids.
#[derive(Debug, Clone, Copy)]
struct Token {
    term: u32,
    surface: u32,
}

/// The end of a surface list in [`ArticleTally`].
const NO_SURFACE: u32 = u32::MAX;

/// One article's analysis as ids in the worker's [`Vocabulary`]: what [`Stage::analyse`]
/// produces and [`GroupCounts::add_tally`] folds, without a string or an allocation per term.
#[derive(Debug, Default)]
pub struct ArticleTally {
    pub language: &'static str,
    pub confidence: f64,
    /// Word tokens before stopwords.
    pub words: u64,
    /// Tokens counted after stopwords.
    pub terms: u64,
    /// (topic index, hits) for the topics with at least one hit, in topic order.
    pub hits: Vec<(usize, u32)>,
    /// Each distinct term, in order of first appearance.
    term_counts: Vec<TermTally>,
    /// Each distinct surface form, chained per term from [`TermTally::first_surface`].
    surfaces: Vec<SurfaceTally>,
}

#[derive(Debug, Clone, Copy)]
struct TermTally {
    term: u32,
    count: u32,
    first_surface: u32,
}

#[derive(Debug, Clone, Copy)]
struct SurfaceTally {
    surface: u32,
    count: u32,
    next: u32,
}

impl ArticleTally {
    /// The string form, for the cache.
    pub fn to_analysis<'v>(&self, vocabulary: &'v Vocabulary) -> Analysis<'v> {
        let term_counts = self
            .term_counts
            .iter()
            .map(|t| {
                let mut surfaces = Vec::new();
                let mut at = t.first_surface;
                while at != NO_SURFACE {
                    let s = self.surfaces[at as usize];
                    surfaces.push((vocabulary.get(s.surface), u64::from(s.count)));
                    at = s.next;
                }
                TermEntry {
                    term: vocabulary.get(t.term),
                    count: u64::from(t.count),
                    surfaces,
                }
            })
            .collect();
        Analysis {
            language: self.language,
            confidence: self.confidence,
            words: self.words,
            terms: self.terms,
            hits: self.hits.clone(),
            term_counts,
        }
    }
}

/// Reused state of one worker: its vocabulary, the token memos and resolved topic patterns
/// per language (both hold ids of that vocabulary, which is why they live together), the
/// current article's tokens and the marks that tally them, and the last article's tally.
#[derive(Default)]
pub struct Scratch {
    vocabulary: Vocabulary,
    memos: FxHashMap<&'static str, TokenMemo<Token>>,
    patterns: FxHashMap<&'static str, Patterns<u32>>,
    terms: Vec<u32>,
    surfaces: Vec<u32>,
    hits: Vec<u32>,
    /// Per vocabulary id: (article serial, slot in the tally), for terms and for surfaces.
    term_marks: Vec<(u32, u32)>,
    surface_marks: Vec<(u32, u32)>,
    serial: u32,
    tally: ArticleTally,
}

impl Scratch {
    /// The last article [`Stage::analyse`] analysed.
    pub fn tally(&self) -> &ArticleTally {
        &self.tally
    }
}

/// What one worker carries through its fold.
struct Worker<'w> {
    counts: Counts,
    scratch: Scratch,
    segment: Option<Segment<'w>>,
}

impl Worker<'_> {
    /// The worker's counts, with the vocabulary their ids refer to.
    fn finish(self) -> Counts {
        let Worker {
            mut counts,
            scratch,
            segment,
        } = self;
        drop(segment);
        counts.vocabulary = scratch.vocabulary;
        counts
    }
}

impl<'a> Stage<'a> {
    fn worker(&self) -> Worker<'a> {
        Worker {
            counts: Counts::default(),
            scratch: Scratch::default(),
            segment: None,
        }
    }

    fn fold(&self, worker: &mut Worker<'a>, record: Record) {
        match record {
            Record::Rejected(r) => worker.counts.rejected.push(r),
            Record::Article(raw) => self.add_article(worker, raw),
        }
    }

    fn add_article(&self, worker: &mut Worker<'a>, raw: RawArticle) {
        let RawArticle {
            source,
            id,
            outlet,
            country,
            published,
            url,
            title,
            text,
            declared_language,
            ..
        } = raw;
        let country = if country.is_empty() {
            self.sources
                .country(&outlet)
                .unwrap_or_default()
                .to_string()
        } else {
            country
        };
        let topics = self.lexicon.topics().len();

        let key =
            (self.cache.is_some() || self.cache_out.is_some()).then(|| cache::key(&title, &text));
        let entry = key.as_ref().and_then(|k| self.cache?.get(k));
        let reused = match (&entry, self.cache.map(CacheReader::reuse)) {
            (Some(bytes), Some(Reuse::Everything)) => cache::decode(bytes, topics),
            _ => None,
        };
        let Worker {
            counts,
            scratch,
            segment,
        } = worker;
        let stored = match reused {
            Some(stored) => {
                counts.from_cache += 1;
                Some(stored)
            }
            None => {
                let detection = match entry.as_deref().and_then(cache::decode_language) {
                    Some((code, confidence)) => {
                        counts.language_from_cache += 1;
                        Detection { code, confidence }
                    }
                    None => self.detector.detect(&title, &text),
                };
                self.analyse(detection, &title, &text, scratch);
                None
            }
        };
        let Scratch {
            vocabulary, tally, ..
        } = scratch;
        if let (Some(out), Some(key)) = (self.cache_out, &key) {
            // opened on first use, so a worker that gets no article leaves no empty segment
            if segment.is_none() {
                *segment = out.segment();
            }
            if let Some(segment) = segment.as_mut() {
                match &stored {
                    Some(stored) => segment.append(key, stored),
                    None => segment.append(key, &tally.to_analysis(vocabulary)),
                }
            }
        }
        let (language, confidence, words, terms, hits) = match &stored {
            Some(a) => (a.language, a.confidence, a.words, a.terms, &a.hits),
            None => (
                tally.language,
                tally.confidence,
                tally.words,
                tally.terms,
                &tally.hits,
            ),
        };
        let hits = hits.clone();

        let group_key: Vec<String> = self
            .group_by
            .iter()
            .map(|col| match col {
                GroupColumn::Outlet => outlet.clone(),
                GroupColumn::Language => language.to_string(),
                GroupColumn::Country => country.clone(),
                GroupColumn::Published => published_day(&published).to_string(),
            })
            .collect();
        let group = match counts.groups.get_mut(&group_key) {
            Some(g) => g,
            None => counts
                .groups
                .entry(group_key)
                .or_insert_with(|| GroupCounts::new(topics)),
        };
        match &stored {
            Some(stored) => group.add(vocabulary, stored),
            None => group.add_tally(tally),
        }

        counts.articles.push(ArticleRow::new(
            ArticleFields {
                id: &id,
                source: &source,
                outlet: &outlet,
                country: &country,
                published: &published,
                url: &url,
                title: &title,
                declared_language: &declared_language,
            },
            language,
            confidence,
            words,
            terms,
            hits,
        ));
    }

    /// Runs the analyzer chain and the topic matcher over an article; the result is
    /// `scratch.tally()`, in ids of the scratch's vocabulary.
    pub fn analyse(&self, detection: Detection, title: &str, text: &str, scratch: &mut Scratch) {
        let analyzer = self.analyzers.get(detection.code);
        let Scratch {
            vocabulary,
            memos,
            patterns,
            terms,
            surfaces,
            hits,
            term_marks,
            surface_marks,
            serial,
            tally,
        } = scratch;
        terms.clear();
        surfaces.clear();
        let memo = memos.entry(detection.code).or_default();
        let mut words = 0;
        for part in [title, text] {
            words += analyzer.analyze_memo(
                part,
                memo,
                |surface, term| Token {
                    term: vocabulary.intern(term),
                    surface: vocabulary.intern(surface),
                },
                |token| {
                    terms.push(token.term);
                    surfaces.push(token.surface);
                },
            );
        }

        let patterns = patterns.entry(detection.code).or_insert_with(|| {
            self.lexicon
                .resolve(detection.code, |t| vocabulary.intern(t))
        });
        hits.clear();
        hits.resize(self.lexicon.topics().len(), 0);
        patterns.count_hits(terms, hits);

        tally.language = detection.code;
        tally.confidence = detection.confidence;
        tally.words = words;
        tally.terms = terms.len() as u64;
        tally.hits.clear();
        tally.hits.extend(
            hits.iter()
                .enumerate()
                .filter(|(_, &h)| h > 0)
                .map(|(i, &h)| (i, h)),
        );
        tally.term_counts.clear();
        tally.surfaces.clear();

        // marks indexed by id find an article's repeated terms without a hash lookup
        *serial = serial.wrapping_add(1);
        if *serial == 0 {
            term_marks.fill((0, 0));
            surface_marks.fill((0, 0));
            *serial = 1;
        }
        let ids = vocabulary.len();
        if term_marks.len() < ids {
            term_marks.resize(ids, (0, 0));
            surface_marks.resize(ids, (0, 0));
        }
        for (&term, &surface) in terms.iter().zip(surfaces.iter()) {
            let mark = &mut term_marks[term as usize];
            if mark.0 != *serial {
                *mark = (*serial, tally.term_counts.len() as u32);
                tally.term_counts.push(TermTally {
                    term,
                    count: 0,
                    first_surface: NO_SURFACE,
                });
            }
            let entry = &mut tally.term_counts[mark.1 as usize];
            entry.count += 1;
            // a surface form has one term within an article (one language, one chain)
            let mark = &mut surface_marks[surface as usize];
            if mark.0 != *serial {
                *mark = (*serial, tally.surfaces.len() as u32);
                tally.surfaces.push(SurfaceTally {
                    surface,
                    count: 0,
                    next: entry.first_surface,
                });
                entry.first_surface = mark.1;
            }
            tally.surfaces[mark.1 as usize].count += 1;
        }
    }
}

impl GroupCounts {
    fn add_article(
        &mut self,
        language: &'static str,
        words: u64,
        terms: u64,
        hits: &[(usize, u32)],
    ) {
        self.articles += 1;
        self.words += words;
        self.terms += terms;
        *self.languages.entry(language).or_default() += 1;
        for &(topic, n) in hits {
            self.topic_hits[topic] += u64::from(n);
            self.topic_articles[topic] += 1;
        }
    }

    /// Folds one analysed article into the group; its ids are in the worker's vocabulary.
    pub fn add_tally(&mut self, a: &ArticleTally) {
        self.add_article(a.language, a.words, a.terms, &a.hits);
        for t in &a.term_counts {
            let entry = self.term_counts.entry(t.term).or_default();
            entry.count += u64::from(t.count);
            entry.articles += 1;
            let mut at = t.first_surface;
            while at != NO_SURFACE {
                let s = a.surfaces[at as usize];
                entry.add_surface(s.surface, u64::from(s.count));
                at = s.next;
            }
        }
    }

    /// Folds one article's stored analysis into the group; its strings are interned into
    /// `vocabulary`.
    pub fn add(&mut self, vocabulary: &mut Vocabulary, a: &Analysis) {
        self.add_article(a.language, a.words, a.terms, &a.hits);
        for t in &a.term_counts {
            let entry = self
                .term_counts
                .entry(vocabulary.intern(t.term))
                .or_default();
            entry.count += t.count;
            entry.articles += 1;
            for &(surface, n) in &t.surfaces {
                entry.add_surface(vocabulary.intern(surface), n);
            }
        }
    }
}

/// The date part of an ISO timestamp (`2017-09-17T20:15:00Z` → `2017-09-17`), so grouping
/// by `published` groups by day; other values are kept as they are.
pub fn published_day(value: &str) -> &str {
    let b = value.as_bytes();
    let is_date = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    if is_date {
        &value[..10]
    } else {
        value
    }
}

/// Counts every record of `batches` on the current rayon pool: one worker per pool thread,
/// each pulling batches and folding them into its own [`Counts`], merged at the end. One
/// accumulator per thread (not per split of the work) keeps memory at threads × vocabulary
/// whatever the corpus size. `progress` is called with the size of each finished batch.
pub fn count<I>(stage: &Stage, batches: I, progress: &(dyn Fn(u64) + Sync)) -> Counts
where
    I: Iterator<Item = Vec<Record>> + Send,
{
    let batches = Mutex::new(batches);
    let finished: Mutex<Vec<Counts>> = Mutex::new(Vec::new());
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads() {
            scope.spawn(|_| {
                let mut worker = stage.worker();
                loop {
                    // the lock is held only to take the next batch
                    let next = batches.lock().unwrap_or_else(|p| p.into_inner()).next();
                    let Some(batch) = next else { break };
                    let n = batch.len() as u64;
                    for record in batch {
                        stage.fold(&mut worker, record);
                    }
                    progress(n);
                }
                let counts = worker.finish(); // also flushes the worker's cache segment
                finished
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(counts);
            });
        }
    });
    let parts = finished.into_inner().unwrap_or_else(|p| p.into_inner());
    parts.into_iter().fold(Counts::default(), Counts::merge)
}

/// The plain, single-threaded reference for [`count`].
pub fn count_sequential(stage: &Stage, records: impl Iterator<Item = Record>) -> Counts {
    let mut worker = stage.worker();
    for record in records {
        stage.fold(&mut worker, record);
    }
    worker.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{TextSection, TopicKind, TopicSpec};
    use std::collections::BTreeMap;

    fn article(i: usize, outlet: &str, text: &str) -> Record {
        Record::Article(RawArticle {
            source: format!("t.jsonl:{i}"),
            id: format!("a{i}"),
            outlet: outlet.into(),
            title: String::new(),
            text: text.into(),
            ..RawArticle::default()
        })
    }

    #[test]
    fn parallel_equals_sequential_and_counts_are_right() {
        let detector = LanguageDetector::new(&[], 0.0, 1000);
        let analyzers = Analyzers::new(&TextSection::default());
        let spec = TopicSpec {
            id: "sanctions".into(),
            label: "Sanctions".into(),
            kind: TopicKind::Topic,
            terms: [("en".to_string(), vec!["sanction".to_string()])].into(),
        };
        let lexicon = Lexicon::compile(&[spec], &analyzers).unwrap();
        let sources = Sources::default();
        let stage = Stage {
            detector: &detector,
            analyzers: &analyzers,
            lexicon: &lexicon,
            sources: &sources,
            group_by: &[GroupColumn::Outlet],
            cache: None,
            cache_out: None,
        };
        let texts = [
            (
                "wire",
                "New sanctions were announced by the ministers in New York on Sunday.",
            ),
            (
                "wire",
                "The sanctions against the country were discussed at length by the diplomats.",
            ),
            (
                "daily",
                "Diplomats met in New York before the General Assembly opened its session.",
            ),
        ];
        let make = || {
            (0..300).map(|i| {
                let (o, t) = texts[i % 3];
                article(i, o, t)
            })
        };
        let seq = count_sequential(&stage, make());
        let mut records: Vec<Record> = make().collect();
        let mut chunked = Vec::new();
        while !records.is_empty() {
            let rest = records.split_off(records.len().min(7));
            chunked.push(std::mem::replace(&mut records, rest));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let par = pool.install(|| count(&stage, chunked.into_iter(), &|_| {}));
        assert_eq!(canonical(&seq), canonical(&par));
        let wire = &seq.groups[&vec!["wire".to_string()]];
        assert_eq!(wire.articles, 200);
        assert_eq!(wire.topic_hits, [200]);
        assert_eq!(wire.topic_articles, [200]);
        let sanction = &wire.term_counts[&seq.vocabulary.find("sanction").unwrap()];
        assert_eq!((sanction.count, sanction.articles), (200, 200));
        let sanctions = seq.vocabulary.find("sanctions").unwrap();
        assert_eq!(sanction.surfaces(), [(sanctions, 200)]);
        // "New", "sanctions", "were", "announced", … : 12 words, 'by the on were' are stopwords
        assert_eq!(
            seq.articles.iter().find(|a| a.id() == "a0").unwrap().words,
            12
        );
        assert_eq!(wire.languages[&"en"], 200);
    }

    /// (group, term) → (count, articles, surface → count)
    type CanonicalTerms = BTreeMap<(Vec<String>, String), (u64, u64, BTreeMap<String, u64>)>;
    /// group → (articles, words, terms, topic hits, topic articles)
    type CanonicalGroups = BTreeMap<Vec<String>, (u64, u64, u64, Vec<u64>, Vec<u64>)>;

    /// Counts with ids replaced by their strings, so two runs' vocabularies compare.
    fn canonical(c: &Counts) -> (CanonicalTerms, CanonicalGroups) {
        let mut terms = CanonicalTerms::new();
        let mut groups = BTreeMap::new();
        for (key, g) in &c.groups {
            groups.insert(
                key.clone(),
                (
                    g.articles,
                    g.words,
                    g.terms,
                    g.topic_hits.clone(),
                    g.topic_articles.clone(),
                ),
            );
            for (&t, tc) in &g.term_counts {
                let surfaces = tc
                    .surfaces()
                    .iter()
                    .map(|&(s, n)| (c.vocabulary.get(s).to_string(), n))
                    .collect();
                terms.insert(
                    (key.clone(), c.vocabulary.get(t).to_string()),
                    (tc.count, tc.articles, surfaces),
                );
            }
        }
        (terms, groups)
    }

    #[test]
    fn published_day_takes_the_date_of_a_timestamp() {
        assert_eq!(published_day("2017-09-17T20:15:00Z"), "2017-09-17");
        assert_eq!(published_day("2017-09-17 20:15:00"), "2017-09-17");
        assert_eq!(published_day("Sept 17"), "Sept 17");
    }
}
