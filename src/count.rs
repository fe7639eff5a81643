//! The one parallel stage's driver: records stream in from the reader in batches, one worker
//! per pool thread pulls them, orders each by language, runs each article through the
//! per-article step ([`crate::article`]), stores its analysis for the next run
//! ([`crate::cache`]) and folds it into [`Counts`]; all counts are merged at the end. What
//! leaves this stage is sized by the vocabulary and the number of groups, plus one small row
//! per article.
//!
//! [`count`] is the rayon version; [`count_sequential`] is the plain loop it is tested against.
//! Both give identical [`Counts`]: every number is an integer sum, so the order articles
//! arrive in cannot change a result.

use std::sync::Mutex;

use rustc_hash::FxHashMap;

use crate::article::{ArticleStep, Scratch};
use crate::article_rows::ArticleRow;
use crate::cache::{CacheWriter, Segment};
use crate::counts::Counts;
use crate::ingest::Record;
use crate::language::Detection;

/// What an article is analysed and counted with: the memos and vocabulary its words are
/// looked up and interned in, and the counts their ids are summed into.
#[derive(Default)]
struct Shelf {
    scratch: Scratch,
    counts: Counts,
}

impl Shelf {
    fn into_counts(self) -> Counts {
        let Shelf {
            mut counts,
            scratch,
        } = self;
        counts.vocabulary = scratch.into_vocabulary();
        counts
    }
}

/// One [`Shelf`] per language, which the workers take in turn, so that each word type of a
/// language is lowercased, stemmed, interned and filed in a memo once in the run rather than
/// once per worker: with two workers, the second one's first sights were about 5 % of a
/// 20,000-article run's CPU time (callgrind: 3.8 % fewer instructions with shelves). A
/// worker that finds its language's shelf taken folds its other languages first and makes a
/// second shelf only when the shelf is still taken at the end of its batch: 34-38 shelves
/// for the benchmark's 33 languages (20k and 100k articles, 2 threads, three runs each),
/// where a second shelf at once made 51-65 in the first version of this design.
#[derive(Default)]
struct Shelves {
    free: Mutex<FxHashMap<&'static str, Vec<Shelf>>>,
}

impl Shelves {
    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<&'static str, Vec<Shelf>>> {
        self.free.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A free shelf of `language`, when there is one.
    fn try_take(&self, language: &'static str) -> Option<Shelf> {
        self.lock().get_mut(language).and_then(Vec::pop)
    }

    /// A free shelf of `language`, or a new one.
    fn take(&self, language: &'static str) -> Shelf {
        self.try_take(language).unwrap_or_default()
    }

    fn put(&self, language: &'static str, shelf: Shelf) {
        self.lock().entry(language).or_default().push(shelf);
    }

    fn into_counts(self) -> impl Iterator<Item = Counts> {
        let free = self.free.into_inner().unwrap_or_else(|p| p.into_inner());
        free.into_values().flatten().map(Shelf::into_counts)
    }
}

/// Where a worker stores analyses for the next run.
struct CacheSink<'w> {
    /// Opened on first use, so a worker that gets no article leaves no empty segment.
    segment: Option<Segment<'w>>,
    out: Option<&'w CacheWriter>,
}

/// What one worker carries through its fold.
struct Worker<'w> {
    /// The shelf of the articles whose language is not known before they are analysed (their
    /// language comes from the cache), of rejections, and of every article when there are no
    /// shared shelves; and the one list of rows of all articles this worker folded.
    own: Shelf,
    shelves: Option<&'w Shelves>,
    cache: CacheSink<'w>,
}

impl<'w> Worker<'w> {
    fn new(cache_out: Option<&'w CacheWriter>, shelves: Option<&'w Shelves>) -> Worker<'w> {
        Worker {
            own: Shelf::default(),
            shelves,
            cache: CacheSink {
                segment: None,
                out: cache_out,
            },
        }
    }

    /// Folds a batch with the articles of each language one after another, in the order read
    /// within a language, when their languages can be known first (no cache to read them
    /// from): one language's memo, vocabulary and group counts then stay in the CPU's caches
    /// from one article to the next. The 20,000-article benchmark corpus, its 32 languages
    /// interleaved, analysed 12-15 % faster with every 256 lines sorted by language (4
    /// alternating runs). The order cannot change a count: every number is an integer sum.
    /// Gives the batch back, for the thread that read it to free (see [`count`]).
    fn fold_batch(&mut self, step: &ArticleStep, mut batch: Vec<Record>) -> Vec<Record> {
        let mut order: Vec<(Option<Detection>, usize)> = batch
            .iter_mut()
            .enumerate()
            .map(|(at, record)| {
                resolve_in_place(record);
                let detected = match record {
                    Record::Article(raw) => step.detect_ahead(raw),
                    _ => None,
                };
                (detected, at)
            })
            .collect();
        order.sort_by_key(|(detected, _)| detected.map(|d| d.code));
        let mut deferred = Vec::new();
        for run in order.chunk_by(|a, b| a.0.map(|d| d.code) == b.0.map(|d| d.code)) {
            let language = run[0].0.map(|d| d.code);
            let (Some(shelves), Some(language)) = (self.shelves, language) else {
                for &(detected, at) in run {
                    let row = fold(
                        step,
                        &mut self.own,
                        &mut self.cache,
                        &mut batch[at],
                        detected,
                    );
                    self.own.counts.articles.extend(row);
                }
                continue;
            };
            match shelves.try_take(language) {
                Some(shelf) => self.fold_run(step, shelves, language, shelf, run, &mut batch),
                None => deferred.push((shelves, language, run)),
            }
        }
        for (shelves, language, run) in deferred {
            let shelf = shelves.take(language);
            self.fold_run(step, shelves, language, shelf, run, &mut batch);
        }
        batch
    }

    /// Folds the articles of one `language` with its `shelf`, then puts the shelf back in
    /// `shelves`; their rows join this worker's own.
    fn fold_run(
        &mut self,
        step: &ArticleStep,
        shelves: &Shelves,
        language: &'static str,
        mut shelf: Shelf,
        run: &[(Option<Detection>, usize)],
        batch: &mut [Record],
    ) {
        for &(detected, at) in run {
            let row = fold(step, &mut shelf, &mut self.cache, &mut batch[at], detected);
            self.own.counts.articles.extend(row);
        }
        shelves.put(language, shelf);
    }

    /// The worker's counts, with the vocabulary their ids refer to.
    fn finish(self) -> Counts {
        drop(self.cache); // flushes the worker's cache segment
        self.own.into_counts()
    }
}

/// Runs `record` through the per-article step with the memos and vocabulary of `shelf`, and
/// adds it to the shelf's counts; returns its row, for the worker's one list of rows.
fn fold(
    step: &ArticleStep,
    shelf: &mut Shelf,
    cache: &mut CacheSink,
    record: &mut Record,
    detected: Option<Detection>,
) -> Option<ArticleRow> {
    resolve_in_place(record);
    let raw = match record {
        Record::Article(raw) => raw,
        Record::Rejected(_) => {
            if let Record::Rejected(r) = std::mem::replace(record, spent_record()) {
                shelf.counts.rejected.push(r);
            }
            return None;
        }
        Record::Page(_) | Record::Skipped(_) => return None,
    };
    let Shelf { scratch, counts } = shelf;
    let article = step.process_detected(raw, detected, scratch);
    if let (Some(out), Some(key)) = (cache.out, &article.cache_key) {
        if cache.segment.is_none() {
            cache.segment = out.segment();
        }
        if let Some(segment) = cache.segment.as_mut() {
            let record = scratch.tally().to_record(scratch.vocabulary());
            segment.append(key, &record);
        }
    }
    let topics = step.lexicon.topics().len();
    let contexts = step.contexts.map_or(0, |(_, per_topic)| per_topic);
    counts.add(article, scratch.tally(), topics, contexts)
}

/// What a record that has been taken out of its batch leaves behind (allocates nothing).
fn spent_record() -> Record {
    Record::Skipped(String::new())
}

/// [`Record::resolve`] where the record lies: a page becomes its article.
fn resolve_in_place(record: &mut Record) {
    if matches!(record, Record::Page(_)) {
        let page = std::mem::replace(record, spent_record());
        *record = page.resolve();
    }
}

/// Counts every record of `batches` on the current rayon pool: one worker per pool thread,
/// each pulling batches and folding them, with more than one thread on the shared
/// [`Shelves`]; everything is merged at the end. Memory stays at the vocabulary (twice at
/// most, for a language whose shelf was taken) whatever the corpus size, plus one row per
/// article. `progress` is called with the size of each finished batch, and
/// `spent` with the batch itself, its articles' text still in it: the pipeline hands it back
/// to the reader thread that allocated it. glibc's allocator lets a thread keep what it frees
/// for its own next allocations, so a worker freeing the reader's strings came to allocate
/// from the reader's arena and the two contended for its lock: 20,000 futex calls in a
/// 20,000-article run, about 1,000 when the reader frees its own.
pub fn count<I>(
    step: &ArticleStep,
    cache_out: Option<&CacheWriter>,
    batches: I,
    progress: &(dyn Fn(u64) + Sync),
    spent: &(dyn Fn(Vec<Record>) + Sync),
) -> Counts
where
    I: Iterator<Item = Vec<Record>> + Send,
{
    let batches = Mutex::new(batches);
    let finished: Mutex<Vec<Counts>> = Mutex::new(Vec::new());
    let threads = rayon::current_num_threads();
    let shelves = (threads > 1).then(Shelves::default);
    rayon::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|_| {
                crate::error::panic_if_testing("worker");
                let mut worker = Worker::new(cache_out, shelves.as_ref());
                loop {
                    // the lock is held only to take the next batch
                    let next = batches.lock().unwrap_or_else(|p| p.into_inner()).next();
                    let Some(batch) = next else { break };
                    let n = batch.len() as u64;
                    spent(worker.fold_batch(step, batch));
                    progress(n);
                }
                let counts = worker.finish();
                finished
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(counts);
            });
        }
    });
    let mut parts = finished.into_inner().unwrap_or_else(|p| p.into_inner());
    parts.extend(shelves.into_iter().flat_map(Shelves::into_counts));
    Counts::merge_all(parts)
}

/// The plain, single-threaded reference for [`count`].
pub fn count_sequential(
    step: &ArticleStep,
    cache_out: Option<&CacheWriter>,
    records: impl Iterator<Item = Record>,
) -> Counts {
    let mut worker = Worker::new(cache_out, None);
    for mut record in records {
        let row = fold(step, &mut worker.own, &mut worker.cache, &mut record, None);
        worker.own.counts.articles.extend(row);
    }
    worker.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analyzers;
    use crate::config::{GroupColumn, TextSection, TopicKind, TopicSpec};
    use crate::ingest::{RawArticle, Rejection, Sources};
    use crate::language::LanguageDetector;
    use crate::topics::Lexicon;
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

    /// `f` with the per-article step of a run with `topics` and no cache.
    fn with_step<R>(topics: Vec<TopicSpec>, f: impl FnOnce(&ArticleStep) -> R) -> R {
        let detector = LanguageDetector::new(&[], 0.0, 1000);
        let analyzers = Analyzers::new(&TextSection::default());
        let lexicon = Lexicon::compile(&topics, &analyzers).unwrap();
        let sources = Sources::default();
        let step = ArticleStep::new(
            &detector,
            &analyzers,
            &lexicon,
            &sources,
            &[GroupColumn::Outlet],
        );
        f(&step)
    }

    fn batches_of(records: Vec<Record>, per_batch: usize) -> Vec<Vec<Record>> {
        let mut batches: Vec<Vec<Record>> = Vec::new();
        for record in records {
            match batches.last_mut() {
                Some(batch) if batch.len() < per_batch => batch.push(record),
                _ => batches.push(vec![record]),
            }
        }
        batches
    }

    /// [`count`] on `threads` threads, the records handed on `per_batch` at a time.
    fn count_in_batches(
        step: &ArticleStep,
        records: Vec<Record>,
        per_batch: usize,
        threads: usize,
    ) -> Counts {
        let batches = batches_of(records, per_batch);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| count(step, None, batches.into_iter(), &|_| {}, &drop))
    }

    #[test]
    fn parallel_equals_sequential_and_counts_are_right() {
        let spec = TopicSpec {
            id: "sanctions".into(),
            label: "Sanctions".into(),
            kind: TopicKind::Topic,
            terms: [("en".to_string(), vec!["sanction".to_string()])].into(),
        };
        with_step(vec![spec], |step| {
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
            let seq = count_sequential(step, None, make());
            let par = count_in_batches(step, make().collect(), 7, 3);
            assert_eq!(canonical(&seq), canonical(&par));
            let wire = &seq.groups[&vec!["wire".to_string()]];
            assert_eq!(wire.articles, 200);
            assert_eq!(wire.topic_hits, [200]);
            assert_eq!(wire.topic_articles, [200]);
            let en = wire.slice("en").unwrap();
            let sanction = en
                .term_counts
                .get(seq.vocabulary.find("sanction").unwrap())
                .unwrap();
            assert_eq!((sanction.count, sanction.articles), (200, 200));
            let sanctions = seq.vocabulary.find("sanctions").unwrap();
            assert_eq!(*en.term_counts.surfaces(sanction), [(sanctions, 200)]);
            // "New", "sanctions", "were", "announced", … : 12 words, 'by the on were' are stopwords
            assert_eq!(
                seq.articles
                    .iter()
                    .find(|a| a.id() == "a0")
                    .unwrap()
                    .words(),
                12
            );
            assert_eq!((wire.languages.len(), en.articles), (1, 200));
        });
    }

    #[test]
    fn every_batch_comes_back_with_its_articles_for_the_reader_to_free() {
        with_step(Vec::new(), |step| {
            let mut records: Vec<Record> = (0..40)
                .map(|i| article(i, "wire", "The ministers met in New York on Sunday."))
                .collect();
            records.insert(
                7,
                Record::Rejected(Rejection::article("t.jsonl", Some(8), "bad", b"")),
            );
            records.insert(
                30,
                Record::Rejected(Rejection::article("t.jsonl", Some(31), "bad", b"")),
            );
            let batches = batches_of(records, 5);
            let spent = Mutex::new(Vec::new());
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .unwrap();
            let counts = pool.install(|| {
                count(step, None, batches.into_iter(), &|_| {}, &|batch| {
                    spent.lock().unwrap().push(batch)
                })
            });
            let spent: Vec<Record> = spent.into_inner().unwrap().into_iter().flatten().collect();
            assert_eq!(spent.len(), 42);
            let texts = spent
                .iter()
                .filter(|r| matches!(r, Record::Article(a) if a.text.starts_with("The ministers")))
                .count();
            assert_eq!(texts, 40);
            // the rejections were taken out into the counts
            assert_eq!(counts.rejected.len(), 2);
            assert_eq!(counts.articles.len(), 40);
        });
    }

    #[test]
    fn batches_folded_language_by_language_count_as_read() {
        with_step(Vec::new(), |step| {
            // one outlet writing in three languages, interleaved: every batch is reordered
            let texts = [
            "The foreign ministers met in New York on Sunday to discuss the sanctions.",
            "Les ministres des affaires étrangères se sont rencontrés à New York dimanche.",
            "Die Außenminister trafen sich am Sonntag in New York, um über Sanktionen zu sprechen.",
        ];
            let make = || (0..90).map(|i| article(i, "wire", texts[i % 3]));
            let seq = count_sequential(step, None, make());
            let par = count_in_batches(step, make().collect(), 8, 2);
            assert_eq!(canonical(&seq), canonical(&par));
            let wire = &par.groups[&vec!["wire".to_string()]];
            for language in ["de", "en", "fr"] {
                assert_eq!(wire.slice(language).unwrap().articles, 30, "{language}");
            }
            let mut ids: Vec<&str> = par.articles.iter().map(|a| a.id()).collect();
            ids.sort_unstable();
            let mut expected: Vec<String> = (0..90).map(|i| format!("a{i}")).collect();
            expected.sort_unstable();
            assert_eq!(ids, expected);
            let language_of = |c: &Counts, id: &str| {
                c.articles
                    .iter()
                    .find(|a| a.id() == id)
                    .map(|a| a.language())
            };
            for i in 0..90 {
                let id = format!("a{i}");
                assert_eq!(language_of(&par, &id), language_of(&seq, &id), "{id}");
            }
        });
    }

    #[test]
    fn a_taken_shelf_is_handed_out_once_and_every_shelf_is_merged() {
        let shelves = Shelves::default();
        let first = shelves.take("en");
        // taken: a worker that asks again is told to wait, or makes a second
        assert!(shelves.try_take("en").is_none());
        let second = shelves.take("en");
        shelves.put("en", first);
        shelves.put("en", second);
        shelves.put("fr", Shelf::default());
        assert!(shelves.try_take("de").is_none());
        let again = shelves.try_take("en").expect("a free shelf of en");
        shelves.put("en", again);
        assert_eq!(shelves.into_counts().count(), 3);
    }

    /// (group, language, term) → (count, articles, surface → count)
    type CanonicalTerms =
        BTreeMap<(Vec<String>, &'static str, String), (u64, u64, BTreeMap<String, u64>)>;
    /// group → (articles, words, terms, topic hits, topic articles)
    type CanonicalGroups = BTreeMap<Vec<String>, (u64, u64, u64, Vec<u64>, Vec<u64>)>;

    #[test]
    fn merged_counts_equal_the_counts_of_all_articles_at_once() {
        with_step(Vec::new(), |step| {
            // the smaller side (merged into the larger) has a group the other lacks, and words
            // the other never saw
            let first = || {
                (0..30).map(|i| {
                    article(
                        i,
                        "wire",
                        "Sanctions were discussed in New York by the ministers.",
                    )
                })
            };
            let second = || {
                (30..50).map(|i| match i % 3 {
                    0 => article(
                        i,
                        "wire",
                        "Ministers met diplomats at the General Assembly.",
                    ),
                    _ => article(i, "daily", "Diplomats discussed new sanctions in Geneva."),
                })
            };
            let all = count_sequential(step, None, first().chain(second()));
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .unwrap();
            for swapped in [false, true] {
                let (a, b) = (
                    count_sequential(step, None, first()),
                    count_sequential(step, None, second()),
                );
                let parts = if swapped { vec![b, a] } else { vec![a, b] };
                let merged = pool.install(|| Counts::merge_all(parts));
                assert_eq!(canonical(&merged), canonical(&all), "swapped: {swapped}");
                assert_eq!(merged.groups.len(), 2);
                assert_eq!(merged.vocabulary.len(), all.vocabulary.len());
                let daily = &merged.groups[&vec!["daily".to_string()]];
                assert_eq!(daily.articles, 13);
            }
        });
    }

    #[test]
    fn counts_merged_all_at_once_equal_the_counts_of_all_articles() {
        with_step(Vec::new(), |step| {
            let texts = [
                (
                    "wire",
                    "Sanctions were discussed in New York by the ministers.",
                ),
                (
                    "daily",
                    "Les ministres ont discuté des sanctions à New York.",
                ),
                ("wire", "Die Minister sprachen in New York über Sanktionen."),
                ("daily", "Diplomats discussed new sanctions in Geneva."),
                // two forms of one term: a list of surfaces, translated when it is merged
                (
                    "wire",
                    "The minister and the ministers discussed a sanction.",
                ),
            ];
            let make = |range: std::ops::Range<usize>| {
                range.map(|i| {
                    let (outlet, text) = texts[i % texts.len()];
                    article(i, outlet, text)
                })
            };
            let all = count_sequential(step, None, make(0..60));
            // parts of every size, the largest (which takes the others' rows) in the middle
            let parts = vec![
                count_sequential(step, None, make(0..7)),
                count_sequential(step, None, make(7..40)),
                Counts::default(),
                count_sequential(step, None, make(40..60)),
            ];
            let merged = Counts::merge_all(parts);
            assert_eq!(canonical(&merged), canonical(&all));
            assert_eq!(merged.articles.len(), 60);
            assert_eq!(merged.vocabulary.len(), all.vocabulary.len());
            assert_eq!(merged.groups[&vec!["daily".to_string()]].articles, 24);
            let wire = merged.groups[&vec!["wire".to_string()]]
                .slice("en")
                .unwrap();
            let minist = merged.vocabulary.find("minist").unwrap();
            let forms: Vec<(&str, u64)> = wire
                .term_counts
                .surfaces(wire.term_counts.get(minist).unwrap())
                .iter()
                .map(|&(s, n)| (merged.vocabulary.get(s), n))
                .collect();
            assert_eq!(forms, [("ministers", 24), ("minister", 12)]);
        });
    }

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
            for slice in &g.languages {
                for tc in slice.term_counts.iter() {
                    let t = tc.term();
                    let surfaces = slice
                        .term_counts
                        .surfaces(tc)
                        .iter()
                        .map(|&(s, n)| (c.vocabulary.get(s).to_string(), n))
                        .collect();
                    terms.insert(
                        (key.clone(), slice.language, c.vocabulary.get(t).to_string()),
                        (tc.count, tc.articles, surfaces),
                    );
                }
            }
        }
        (terms, groups)
    }
}
