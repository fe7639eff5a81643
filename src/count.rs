//! The one parallel stage's driver: records stream in from the reader in batches, one worker
//! per pool thread pulls them, orders each by language, runs each article through the
//! per-article step ([`crate::article`]), stores its analysis for the next run
//! ([`crate::cache`]) and folds it into its own [`Counts`]; the workers' counts are merged at
//! the end. What leaves this stage
//! is sized by the vocabulary and the number of groups, plus one small row per article.
//!
//! [`count`] is the rayon version; [`count_sequential`] is the plain loop it is tested against.
//! Both give identical [`Counts`]: every number is an integer sum, so the order articles
//! arrive in cannot change a result.

use std::sync::Mutex;

use crate::article::{ArticleStep, Scratch};
use crate::cache::{CacheWriter, Segment};
use crate::counts::Counts;
use crate::ingest::Record;
use crate::language::Detection;

/// What one worker carries through its fold.
struct Worker<'w> {
    counts: Counts,
    scratch: Scratch,
    /// Where this worker stores analyses for the next run; opened on first use, so a worker
    /// that gets no article leaves no empty segment.
    segment: Option<Segment<'w>>,
    cache_out: Option<&'w CacheWriter>,
}

impl<'w> Worker<'w> {
    fn new(cache_out: Option<&'w CacheWriter>) -> Worker<'w> {
        Worker {
            counts: Counts::default(),
            scratch: Scratch::default(),
            segment: None,
            cache_out,
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
        for (detected, at) in order {
            self.fold(step, &mut batch[at], detected);
        }
        batch
    }

    fn fold(&mut self, step: &ArticleStep, record: &mut Record, detected: Option<Detection>) {
        resolve_in_place(record);
        let raw = match record {
            Record::Article(raw) => raw,
            Record::Rejected(_) => {
                if let Record::Rejected(r) = std::mem::replace(record, spent_record()) {
                    self.counts.rejected.push(r);
                }
                return;
            }
            Record::Page(_) | Record::Skipped(_) => return,
        };
        let article = step.process_detected(raw, detected, &mut self.scratch);
        if let (Some(out), Some(key)) = (self.cache_out, &article.cache_key) {
            if self.segment.is_none() {
                self.segment = out.segment();
            }
            if let Some(segment) = self.segment.as_mut() {
                let record = self.scratch.tally().to_record(self.scratch.vocabulary());
                segment.append(key, &record);
            }
        }
        let topics = step.lexicon.topics().len();
        let contexts = step.contexts.map_or(0, |(_, per_topic)| per_topic);
        self.counts
            .add(article, self.scratch.tally(), topics, contexts);
    }

    /// The worker's counts, with the vocabulary their ids refer to.
    fn finish(self) -> Counts {
        let Worker {
            mut counts,
            scratch,
            segment,
            ..
        } = self;
        drop(segment); // flushes the worker's cache segment
        counts.vocabulary = scratch.into_vocabulary();
        counts
    }
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
/// each pulling batches and folding them into its own [`Counts`], merged at the end. One
/// accumulator per thread (not per split of the work) keeps memory at threads × vocabulary
/// whatever the corpus size. `progress` is called with the size of each finished batch, and
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
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads() {
            scope.spawn(|_| {
                crate::error::panic_if_testing("worker");
                let mut worker = Worker::new(cache_out);
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
    let parts = finished.into_inner().unwrap_or_else(|p| p.into_inner());
    parts.into_iter().fold(Counts::default(), Counts::merge)
}

/// The plain, single-threaded reference for [`count`].
pub fn count_sequential(
    step: &ArticleStep,
    cache_out: Option<&CacheWriter>,
    records: impl Iterator<Item = Record>,
) -> Counts {
    let mut worker = Worker::new(cache_out);
    for mut record in records {
        worker.fold(step, &mut record, None);
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
                seq.articles.iter().find(|a| a.id() == "a0").unwrap().words,
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
            let language_of =
                |c: &Counts, id: &str| c.articles.iter().find(|a| a.id() == id).map(|a| a.language);
            for i in 0..90 {
                let id = format!("a{i}");
                assert_eq!(language_of(&par, &id), language_of(&seq, &id), "{id}");
            }
        });
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
                let merged = pool.install(|| if swapped { b.merge(a) } else { a.merge(b) });
                assert_eq!(canonical(&merged), canonical(&all), "swapped: {swapped}");
                assert_eq!(merged.groups.len(), 2);
                assert_eq!(merged.vocabulary.len(), all.vocabulary.len());
                let daily = &merged.groups[&vec!["daily".to_string()]];
                assert_eq!(daily.articles, 13);
            }
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
