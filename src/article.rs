//! The per-article step: one article in, its analysis out. [`ArticleStep::process`] joins the
//! outlet's country, asks the cache, detects the language, runs the analyzer chain and the
//! topic matcher, and hands back the group the article belongs to and its `articles.csv` row;
//! the analysis itself is left in the worker's [`Scratch`] as an [`ArticleTally`] (term and
//! surface ids of the worker's [`Vocabulary`]), which [`crate::counts`] folds into the group.
//!
//! Everything here is per worker and allocation-free per term: the hot path of a run.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::analyze::{Analyzers, TokenMemo};
use crate::article_rows::ArticleRow;
use crate::cache::{self, CacheReader, Lookup, Record, RecordTerm};
use crate::config::GroupColumn;
use crate::duplicates::{self, SketchSlot, SketchSpill};
use crate::ingest::{RawArticle, Sources};
use crate::language::{Detection, LanguageDetector};
use crate::row_text::RowTextSpill;
use crate::select::Selection;
use crate::topics::{Globs, HitSpan, Lexicon, Patterns, TokenGlobs};
use crate::vocabulary::Vocabulary;

/// What the per-article work needs, built once per run and shared by the workers.
pub struct ArticleStep<'a> {
    pub detector: &'a LanguageDetector,
    pub analyzers: &'a Analyzers,
    pub lexicon: &'a Lexicon,
    pub sources: &'a Sources,
    pub group_by: &'a [GroupColumn],
    /// The previous run's analyses, to reuse.
    pub cache: Option<&'a CacheReader>,
    /// Whether this run stores its analyses for the next (so each article needs its key).
    pub keep_analyses: bool,
    /// Whether each article's shingles are sketched for duplicate detection.
    pub sketch_duplicates: bool,
    /// Where the sketches wait for copy detection; `None`: with their rows.
    pub sketch_spill: Option<&'a SketchSpill>,
    /// Where the titles and URLs wait for the tables; `None`: with their rows.
    pub text_spill: Option<&'a RowTextSpill>,
    /// Sources of the articles that are listed but left out of the counts (the copies, with
    /// `[duplicates] count = "first"`).
    pub left_out: Option<&'a FxHashSet<String>>,
    /// `[select]`: articles outside it are analysed but go to excluded.csv only.
    pub selection: Option<&'a Selection>,
    /// Key words in context: (words either side, contexts kept per group and topic); `None`
    /// when contexts.csv is off.
    pub contexts: Option<(usize, usize)>,
}

impl<'a> ArticleStep<'a> {
    /// The step with no cache, no duplicate sketches and every article counted; a run sets
    /// those fields from its settings.
    pub fn new(
        detector: &'a LanguageDetector,
        analyzers: &'a Analyzers,
        lexicon: &'a Lexicon,
        sources: &'a Sources,
        group_by: &'a [GroupColumn],
    ) -> ArticleStep<'a> {
        ArticleStep {
            detector,
            analyzers,
            lexicon,
            sources,
            group_by,
            cache: None,
            keep_analyses: false,
            sketch_duplicates: false,
            sketch_spill: None,
            text_spill: None,
            left_out: None,
            selection: None,
            contexts: None,
        }
    }
}

/// Where an article's analysis came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    Analysed,
    /// The language came from the cache; the text was analysed again.
    LanguageFromCache,
    /// The whole analysis came from the cache.
    Cached,
}

/// One processed article: its group and row. Its analysis is [`Scratch::tally`].
pub struct Processed {
    /// The values of the `group_by` columns, in their order.
    pub group: Vec<String>,
    pub row: ArticleRow,
    pub provenance: Provenance,
    /// The article's content key, when a cache is read or written.
    pub cache_key: Option<cache::Key>,
    /// Whether the article is folded into the counts (it may be only listed).
    pub counted: bool,
    /// Why the article is outside `[select]`, if it is: then it is in no table.
    pub excluded: Option<String>,
    /// Its topic matches in context, at most the kept number per topic.
    pub contexts: Vec<Context>,
}

/// One topic match with the words around it, as written, for contexts.csv.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Context {
    /// Selection order within a group and topic: the article's n-th match of the topic
    /// first, then a hash of the article (spread over articles, the same in every run).
    pub rank: u32,
    pub spread: u64,
    pub article_id: String,
    pub source: String,
    /// Where the match is: 0 title, 1 text; byte offset.
    pub part: u8,
    pub start: u32,
    pub topic: u32,
    pub language: &'static str,
    pub left: String,
    pub matched: String,
    pub right: String,
}

impl ArticleStep<'_> {
    /// The language of `raw` when [`ArticleStep::process`] would detect it (there is no
    /// cache to find it in), for a worker that orders a batch by language first.
    pub fn detect_ahead(&self, raw: &RawArticle) -> Option<Detection> {
        self.cache
            .is_none()
            .then(|| self.detector.detect(&raw.title, &raw.text))
    }

    /// Runs the per-article step on `raw`; the analysis is left in `scratch.tally()`.
    pub fn process(&self, raw: &mut RawArticle, scratch: &mut Scratch) -> Processed {
        self.process_detected(raw, None, scratch)
    }

    /// [`ArticleStep::process`], with the language [`ArticleStep::detect_ahead`] found, if it
    /// did.
    pub fn process_detected(
        &self,
        raw: &mut RawArticle,
        detected: Option<Detection>,
        scratch: &mut Scratch,
    ) -> Processed {
        if raw.country.is_empty() {
            if let Some(country) = self.sources.country(&raw.outlet) {
                raw.country = country.to_string();
            }
        }
        let cache_key =
            (self.cache.is_some() || self.keep_analyses).then(|| cache::key(&raw.title, &raw.text));
        let topics = self.lexicon.topics().len();
        // taken out of the scratch while a cached record borrows it
        let mut buffer = std::mem::take(&mut scratch.cache_buffer);
        let lookup = match (self.cache, &cache_key) {
            (Some(reader), Some(key)) => reader.lookup(key, topics, &mut buffer),
            _ => Lookup::Miss,
        };
        let provenance = match lookup {
            Lookup::Whole(record) => {
                scratch.load(&record);
                Provenance::Cached
            }
            Lookup::Language(detection) => {
                self.analyse(detection, &raw.title, &raw.text, scratch);
                Provenance::LanguageFromCache
            }
            Lookup::Miss => {
                let detection =
                    detected.unwrap_or_else(|| self.detector.detect(&raw.title, &raw.text));
                self.analyse(detection, &raw.title, &raw.text, scratch);
                Provenance::Analysed
            }
        };
        scratch.cache_buffer = buffer;
        let tally = &scratch.tally;
        let mut row = ArticleRow::new(raw, &tally.hits, self.text_spill);
        row.language = tally.language;
        row.language_confidence = tally.confidence;
        // an article is at most max_article_bytes (≤ 1 GiB): fewer than 2^32 words
        row.words = u32::try_from(tally.words).unwrap_or(u32::MAX);
        row.terms = u32::try_from(tally.terms).unwrap_or(u32::MAX);
        let group = row.view().group_key(self.group_by);
        if self.sketch_duplicates {
            if provenance == Provenance::Cached {
                // not analysed: the words are read again
                let analyzer = self.analyzers.get(tally.language);
                analyzer.word_hashes(&raw.text, &mut scratch.words);
            }
            let sketch = duplicates::sketch(&scratch.words, tally.language);
            row.sketch = match self.sketch_spill {
                Some(spill) => spill.keep(tally.language, sketch),
                None => SketchSlot::Held(sketch),
            };
        }
        let counted = self.left_out.is_none_or(|l| !l.contains(&raw.source));
        let excluded = self.selection.and_then(|selection| {
            let mentions = |topic: usize| tally.hits.iter().any(|&(t, _)| t == topic);
            selection.exclusion(&raw.published, tally.language, &mentions)
        });
        let contexts = match self.contexts {
            Some((words, per_topic)) if excluded.is_none() => {
                // an analysed article's words were located as it was read; a cached one's
                // are found again
                let located = (provenance != Provenance::Cached).then_some(&scratch.word_spans[..]);
                contexts(raw, &scratch.tally, words, per_topic, located)
            }
            _ => Vec::new(),
        };
        Processed {
            group,
            row,
            provenance,
            cache_key,
            counted,
            excluded,
            contexts,
        }
    }

    /// Runs the analyzer chain and the topic matcher over an article in the detected
    /// language; the result is `scratch.tally()`, in ids of the scratch's vocabulary.
    pub fn analyse(&self, detection: Detection, title: &str, text: &str, scratch: &mut Scratch) {
        let words = scratch.tokenize(
            self.analyzers,
            detection.code,
            title,
            text,
            self.sketch_duplicates,
            self.contexts.is_some(),
        );
        scratch.match_topics(self.lexicon, detection.code);
        scratch.tally_tokens(detection, words);
    }
}

/// The article's topic matches in context: `words` word pieces either side, as written (runs
/// of whitespace made one space), at most `per_topic` per topic (its first matches).
/// `located`: where every word is, when the article was just analysed.
fn contexts(
    raw: &RawArticle,
    tally: &ArticleTally,
    words: usize,
    per_topic: usize,
    located: Option<&[Span]>,
) -> Vec<Context> {
    if tally.spans.is_empty() || per_topic == 0 {
        return Vec::new();
    }
    let spread = {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write(raw.id.as_bytes());
        h.write_u8(0xff);
        h.write(raw.source.as_bytes());
        h.finish()
    };
    let mut pieces: [Option<Vec<(u32, u32)>>; 2] = [None, None];
    let mut ranks: FxHashMap<u32, u32> = FxHashMap::default();
    let mut out = Vec::new();
    for span in &tally.spans {
        let rank = ranks.entry(span.topic).or_insert(0);
        *rank += 1;
        if *rank as usize > per_topic {
            continue;
        }
        let text = if span.part == 0 {
            &raw.title
        } else {
            &raw.text
        };
        let pieces = pieces[usize::from(span.part.min(1))].get_or_insert_with(|| match located {
            Some(all) => {
                // sized once: collected from a filter, the vector grew by reallocation
                let mut pieces = Vec::with_capacity(all.len());
                pieces.extend(
                    all.iter()
                        .filter(|w| w.part == span.part)
                        .map(|w| (w.start, w.end)),
                );
                pieces
            }
            None => word_pieces(text),
        });
        // the match's first word, and the first word after it
        let first = pieces.partition_point(|p| p.0 < span.start);
        let after = pieces.partition_point(|p| p.1 <= span.end);
        let slice = |from: u32, to: u32| text.get(from as usize..to as usize).unwrap_or("");
        let left = match first.checked_sub(words.min(first)) {
            Some(from) if from < first => slice(pieces[from].0, span.start),
            _ => "",
        };
        let until = (after + words).min(pieces.len());
        let right = if after < until {
            slice(span.end, pieces[until - 1].1)
        } else {
            ""
        };
        out.push(Context {
            rank: *rank - 1,
            spread,
            article_id: raw.id.clone(),
            source: raw.source.clone(),
            part: span.part,
            start: span.start,
            topic: span.topic,
            language: tally.language,
            left: tidy(left),
            matched: tidy(slice(span.start, span.end)),
            right: tidy(right),
        });
    }
    out
}

/// Where each word piece of `text` is (byte ranges, in order).
fn word_pieces(text: &str) -> Vec<(u32, u32)> {
    let base = text.as_ptr() as usize;
    let mut out = Vec::new();
    crate::analyze::tokenizer::segment(text, |piece| {
        let start = piece.as_ptr() as usize - base;
        out.push((start as u32, (start + piece.len()) as u32));
    });
    out
}

/// Whitespace runs (line breaks included) as one space: a context is one line of a table.
fn tidy(s: &str) -> String {
    // written into one string: collecting the words first and joining them took two
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
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

/// The globs each surface word (by vocabulary id) matches, for one language: a trie walk the
/// first time a word is seen, a lookup after.
#[derive(Default)]
struct GlobMemo {
    /// Per surface id: its range of `pool`, or `UNSEEN`.
    ranges: Vec<(u32, u32)>,
    pool: Vec<u32>,
}

impl GlobMemo {
    const UNSEEN: (u32, u32) = (u32::MAX, u32::MAX);

    fn globs_of(&mut self, surface: u32, globs: &Globs, vocabulary: &Vocabulary) -> (u32, u32) {
        let at = surface as usize;
        if at >= self.ranges.len() {
            self.ranges.resize(at + 1, Self::UNSEEN);
        }
        if self.ranges[at] == Self::UNSEEN {
            let start = self.pool.len() as u32;
            globs.matches(vocabulary.get(surface), &mut self.pool);
            self.ranges[at] = (start, self.pool.len() as u32);
        }
        self.ranges[at]
    }
}

/// A counted token as the worker's vocabulary ids.
#[derive(Debug, Clone, Copy, Default)]
struct Token {
    term: u32,
    surface: u32,
}

/// The end of a surface list in [`ArticleTally`].
const NO_SURFACE: u32 = u32::MAX;

/// One article's analysis as ids in the worker's [`Vocabulary`], without a string or an
/// allocation per term.
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
    /// Where each topic match is, when contexts are on.
    pub spans: Vec<HitSpan>,
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
    /// Each distinct term (id, count) with its surface forms (id, count).
    pub fn terms(&self) -> impl Iterator<Item = (u32, u64, impl Iterator<Item = (u32, u64)> + '_)> {
        self.term_counts.iter().map(move |t| {
            let mut at = t.first_surface;
            let surfaces = std::iter::from_fn(move || {
                (at != NO_SURFACE).then(|| {
                    let s = self.surfaces[at as usize];
                    at = s.next;
                    (s.surface, u64::from(s.count))
                })
            });
            (t.term, u64::from(t.count), surfaces)
        })
    }

    /// The string form, for the cache.
    pub fn to_record<'v>(&self, vocabulary: &'v Vocabulary) -> Record<'v> {
        Record {
            language: self.language,
            confidence: self.confidence,
            words: self.words,
            terms: self.terms,
            hits: self.hits.clone(),
            spans: self.spans.clone(),
            term_counts: self
                .terms()
                .map(|(term, count, surfaces)| RecordTerm {
                    term: vocabulary.get(term),
                    count,
                    surfaces: surfaces.map(|(s, n)| (vocabulary.get(s), n)).collect(),
                })
                .collect(),
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
    /// Per language with globs: each surface id's matching globs, found once.
    glob_memos: FxHashMap<&'static str, GlobMemo>,
    /// The current article's tokens' globs, as ranges into its language's memo.
    token_globs: Vec<(u32, u32)>,
    terms: Vec<u32>,
    surfaces: Vec<u32>,
    hits: Vec<u32>,
    /// Per vocabulary id: (article serial, slot in the tally), for terms and for surfaces.
    term_marks: Vec<(u32, u32)>,
    surface_marks: Vec<(u32, u32)>,
    serial: u32,
    tally: ArticleTally,
    /// The bytes of the last cache entry read.
    cache_buffer: Vec<u8>,
    /// The word hashes of the last article's body text, when sketched.
    words: Vec<u64>,
    /// Where each of `terms` is in the title or text, when contexts are on.
    token_spans: Vec<Span>,
    /// Where every word piece is, stopwords included, when contexts are on.
    word_spans: Vec<Span>,
    /// The last article's topic matches, when contexts are on.
    hit_spans: Vec<HitSpan>,
}

/// Where a word piece is: part (0 title, 1 text) and byte range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    part: u8,
    start: u32,
    end: u32,
}

impl Scratch {
    /// The last article processed.
    pub fn tally(&self) -> &ArticleTally {
        &self.tally
    }

    /// The strings behind the tally's ids.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    pub fn into_vocabulary(self) -> Vocabulary {
        self.vocabulary
    }

    /// Step 1: the analyzer chain, one memo lookup per token; fills `terms` and `surfaces`
    /// (with `body_words`, `words` with the body text's word hashes, for duplicate
    /// detection; with `spans`, `token_spans` with where each counted token is, for contexts)
    /// and returns the number of words before stopwords.
    fn tokenize(
        &mut self,
        analyzers: &Analyzers,
        code: &'static str,
        title: &str,
        text: &str,
        body_words: bool,
        spans: bool,
    ) -> u64 {
        let analyzer = analyzers.get(code);
        let Scratch {
            vocabulary,
            memos,
            terms,
            surfaces,
            token_spans,
            word_spans,
            words: body,
            ..
        } = self;
        terms.clear();
        surfaces.clear();
        token_spans.clear();
        word_spans.clear();
        body.clear();
        let memo = memos.entry(code).or_default();
        let mut words = 0;
        // where the last word piece is: set for every word, read for a counted one
        let last = std::cell::Cell::new(Span::default());
        for (index, (part, is_body)) in [(title, false), (text, body_words)].into_iter().enumerate()
        {
            let base = part.as_ptr() as usize;
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
                    if spans {
                        token_spans.push(last.get());
                    }
                },
                |piece, word| {
                    if is_body {
                        body.push(word);
                    }
                    if spans {
                        let start = piece.as_ptr() as usize - base;
                        let span = Span {
                            part: index as u8,
                            start: start as u32,
                            end: (start + piece.len()) as u32,
                        };
                        last.set(span);
                        word_spans.push(span);
                    }
                },
            );
        }
        words
    }

    /// Step 2: the topic hits of the term sequence, through the language's patterns resolved
    /// to this worker's ids (and its globs, through each surface word's remembered matches).
    fn match_topics(&mut self, lexicon: &Lexicon, code: &'static str) {
        let Scratch {
            vocabulary,
            patterns,
            glob_memos,
            token_globs,
            terms,
            surfaces,
            token_spans,
            hits,
            hit_spans,
            ..
        } = self;
        let patterns = patterns
            .entry(code)
            .or_insert_with(|| lexicon.resolve(code, |t| vocabulary.intern(t)));
        hits.clear();
        hits.resize(lexicon.topics().len(), 0);
        hit_spans.clear();
        // with contexts on, where each match is: from its first token to its last, when
        // both are in the same part (a phrase does not run from the title into the text)
        let mut on_hit = |topic: usize, at: usize, len: usize| {
            if let (Some(first), Some(last)) = (token_spans.get(at), token_spans.get(at + len - 1))
            {
                if first.part == last.part {
                    hit_spans.push(HitSpan {
                        topic: topic as u32,
                        part: first.part,
                        start: first.start,
                        end: last.end,
                    });
                }
            }
        };
        if patterns.globs().is_empty() {
            patterns.count_hits_with(terms, TokenGlobs::NONE, hits, &mut on_hit);
            return;
        }
        let memo = glob_memos.entry(code).or_default();
        token_globs.clear();
        for &surface in surfaces.iter() {
            token_globs.push(memo.globs_of(surface, patterns.globs(), vocabulary));
        }
        let globs = TokenGlobs {
            ranges: token_globs,
            pool: &memo.pool,
        };
        patterns.count_hits_with(terms, globs, hits, &mut on_hit);
    }

    /// Step 3: the tally of distinct terms and surface forms.
    fn tally_tokens(&mut self, detection: Detection, words: u64) {
        self.start_tally(detection, words, self.terms.len() as u64);
        let Scratch {
            vocabulary,
            terms,
            surfaces,
            hits,
            hit_spans,
            term_marks,
            surface_marks,
            serial,
            tally,
            ..
        } = self;
        tally.spans.extend_from_slice(hit_spans);
        tally.hits.extend(
            hits.iter()
                .enumerate()
                .filter(|(_, &h)| h > 0)
                .map(|(i, &h)| (i, h)),
        );
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

    fn start_tally(&mut self, detection: Detection, words: u64, terms: u64) {
        let tally = &mut self.tally;
        tally.language = detection.code;
        tally.confidence = detection.confidence;
        tally.words = words;
        tally.terms = terms;
        tally.hits.clear();
        tally.term_counts.clear();
        tally.surfaces.clear();
        tally.spans.clear();
    }

    /// The tally of a cached analysis, its strings interned into this worker's vocabulary;
    /// [`ArticleTally::to_record`] gives the record back unchanged.
    fn load(&mut self, record: &Record) {
        let detection = Detection {
            code: record.language,
            confidence: record.confidence,
        };
        self.start_tally(detection, record.words, record.terms);
        let Scratch {
            vocabulary, tally, ..
        } = self;
        tally.hits.extend_from_slice(&record.hits);
        tally.spans.extend_from_slice(&record.spans);
        let mut ids = Vec::new();
        for t in &record.term_counts {
            let term = vocabulary.intern(t.term);
            ids.clear();
            ids.extend(t.surfaces.iter().map(|&(s, n)| (vocabulary.intern(s), n)));
            // chains are walked from their last-pushed surface, so push in reverse
            let mut first_surface = NO_SURFACE;
            for &(surface, n) in ids.iter().rev() {
                tally.surfaces.push(SurfaceTally {
                    surface,
                    count: u32::try_from(n).unwrap_or(u32::MAX),
                    next: first_surface,
                });
                first_surface = (tally.surfaces.len() - 1) as u32;
            }
            tally.term_counts.push(TermTally {
                term,
                count: u32::try_from(t.count).unwrap_or(u32::MAX),
                first_surface,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_makes_one_line_with_single_spaces() {
        for (raw, one_line) in [
            ("", ""),
            ("  \n ", ""),
            ("Lavrov", "Lavrov"),
            (
                " said\n\n Lavrov\u{a0}and  Tillerson ",
                "said Lavrov and Tillerson",
            ),
        ] {
            assert_eq!(tidy(raw), one_line, "{raw:?}");
        }
    }

    #[test]
    fn published_day_takes_the_date_of_a_timestamp() {
        assert_eq!(published_day("2017-09-17T20:15:00Z"), "2017-09-17");
        assert_eq!(published_day("2017-09-17 20:15:00"), "2017-09-17");
        assert_eq!(published_day("Sept 17"), "Sept 17");
    }

    #[test]
    fn a_cached_record_loads_into_the_tally_it_came_from() {
        let analyzers = Analyzers::new(&crate::config::TextSection::default());
        let lexicon = Lexicon::compile(&[], &analyzers).unwrap();
        let detector = LanguageDetector::new(&[], 0.0, 400);
        let sources = Sources::default();
        let step = ArticleStep::new(
            &detector,
            &analyzers,
            &lexicon,
            &sources,
            &[GroupColumn::Outlet],
        );
        let mut fresh = Scratch::default();
        let text = "Les négociations ont repris. La négociation sur la Syrie, négocier encore.";
        step.analyse(detector.detect("", text), "", text, &mut fresh);
        let record = fresh.tally().to_record(fresh.vocabulary());
        assert!(record.term_counts.iter().any(|t| t.surfaces.len() > 1));

        let mut other = Scratch::default();
        other
            .vocabulary
            .intern("an unrelated word first, so that ids differ");
        other.load(&record);
        assert_eq!(other.tally().to_record(other.vocabulary()), record);
    }
}
