//! The one parallel stage: every per-article step (language, analysis, topic matching) runs
//! here, and counts are folded per group inside the workers, so what leaves this stage is
//! sized by the vocabulary and the number of groups, plus one small row per article.
//!
//! [`count`] is the rayon version (fold per worker, then reduce); [`count_sequential`] is the
//! plain loop it is tested against. Both give identical [`Counts`]: every number is an
//! integer sum, so the order articles arrive in cannot change a result.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::analyze::Analyzers;
use crate::config::GroupColumn;
use crate::ingest::{RawArticle, Record, Rejection, Sources};
use crate::language::LanguageDetector;
use crate::topics::Lexicon;

/// What the per-article work needs, built once per run.
pub struct Stage<'a> {
    pub detector: &'a LanguageDetector,
    pub analyzers: &'a Analyzers,
    pub lexicon: &'a Lexicon,
    pub sources: &'a Sources,
    pub group_by: &'a [GroupColumn],
}

/// One row of `articles.csv`, plus the article's topic hits.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleRow {
    pub id: String,
    pub source: String,
    pub outlet: String,
    pub country: String,
    pub published: String,
    pub url: String,
    pub title: String,
    pub language: &'static str,
    pub language_confidence: f64,
    pub declared_language: String,
    pub words: u64,
    pub terms: u64,
    /// (topic index, hits) for the topics with at least one hit.
    pub topic_hits: Vec<(usize, u32)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermCount {
    pub count: u64,
    /// Articles of the group that contain the term at least once.
    pub articles: u64,
    /// How often each surface form (lowercase, before stemming) was seen.
    pub surfaces: FxHashMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
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
    pub term_counts: FxHashMap<String, TermCount>,
}

#[derive(Debug, Default, PartialEq)]
pub struct Counts {
    /// By group key: the values of the `group_by` columns, in their order.
    pub groups: FxHashMap<Vec<String>, GroupCounts>,
    pub articles: Vec<ArticleRow>,
    pub rejected: Vec<Rejection>,
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
        for (key, group) in small.groups {
            match big.groups.get_mut(&key) {
                Some(mine) => mine.merge(group),
                None => {
                    big.groups.insert(key, group);
                }
            }
        }
        big
    }
}

impl GroupCounts {
    fn new(topics: usize) -> GroupCounts {
        GroupCounts {
            topic_hits: vec![0; topics],
            topic_articles: vec![0; topics],
            ..GroupCounts::default()
        }
    }

    fn merge(&mut self, other: GroupCounts) {
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
            match self.term_counts.get_mut(&term) {
                Some(mine) => {
                    mine.count += theirs.count;
                    mine.articles += theirs.articles;
                    for (surface, n) in theirs.surfaces {
                        *mine.surfaces.entry(surface).or_default() += n;
                    }
                }
                None => {
                    self.term_counts.insert(term, theirs);
                }
            }
        }
    }
}

/// Reused buffers for one worker: the article's tokens as spans into two strings.
#[derive(Default)]
struct Scratch {
    terms: String,
    surfaces: String,
    spans: Vec<(u32, u32, u32, u32)>,
}

impl Stage<'_> {
    fn fold(&self, mut counts: Counts, scratch: &mut Scratch, record: Record) -> Counts {
        match record {
            Record::Rejected(r) => counts.rejected.push(r),
            Record::Article(raw) => self.add_article(&mut counts, scratch, raw),
        }
        counts
    }

    fn add_article(&self, counts: &mut Counts, scratch: &mut Scratch, raw: RawArticle) {
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
        } = raw;
        let country = if country.is_empty() {
            self.sources
                .country(&outlet)
                .unwrap_or_default()
                .to_string()
        } else {
            country
        };
        let detection = self.detector.detect(&title, &text);
        let analyzer = self.analyzers.get(detection.code);

        scratch.terms.clear();
        scratch.surfaces.clear();
        scratch.spans.clear();
        let mut push = |surface: &str, term: &str| {
            let t0 = scratch.terms.len() as u32;
            scratch.terms.push_str(term);
            let s0 = scratch.surfaces.len() as u32;
            scratch.surfaces.push_str(surface);
            scratch.spans.push((
                t0,
                scratch.terms.len() as u32,
                s0,
                scratch.surfaces.len() as u32,
            ));
        };
        let words = analyzer.analyze(&title, &mut push) + analyzer.analyze(&text, &mut push);
        let terms: Vec<&str> = scratch
            .spans
            .iter()
            .map(|&(a, b, _, _)| &scratch.terms[a as usize..b as usize])
            .collect();

        let topics = self.lexicon.topics().len();
        let mut hits = vec![0u32; topics];
        self.lexicon.count_hits(detection.code, &terms, &mut hits);

        let key: Vec<String> = self
            .group_by
            .iter()
            .map(|col| match col {
                GroupColumn::Outlet => outlet.clone(),
                GroupColumn::Language => detection.code.to_string(),
                GroupColumn::Country => country.clone(),
                GroupColumn::Published => published_day(&published).to_string(),
            })
            .collect();
        let group = match counts.groups.get_mut(&key) {
            Some(g) => g,
            None => counts
                .groups
                .entry(key)
                .or_insert_with(|| GroupCounts::new(topics)),
        };
        group.articles += 1;
        group.words += words;
        group.terms += terms.len() as u64;
        *group.languages.entry(detection.code).or_default() += 1;
        for (i, &h) in hits.iter().enumerate() {
            group.topic_hits[i] += u64::from(h);
            group.topic_articles[i] += u64::from(h > 0);
        }
        let mut in_article: FxHashMap<&str, u64> = FxHashMap::default();
        for (term, &(_, _, s0, s1)) in terms.iter().zip(&scratch.spans) {
            *in_article.entry(term).or_default() += 1;
            let surface = &scratch.surfaces[s0 as usize..s1 as usize];
            let entry = match group.term_counts.get_mut(*term) {
                Some(e) => e,
                None => group.term_counts.entry(term.to_string()).or_default(),
            };
            match entry.surfaces.get_mut(surface) {
                Some(n) => *n += 1,
                None => {
                    entry.surfaces.insert(surface.to_string(), 1);
                }
            }
        }
        for (term, n) in in_article {
            let entry = group.term_counts.get_mut(term).expect("inserted above");
            entry.count += n;
            entry.articles += 1;
        }

        counts.articles.push(ArticleRow {
            id,
            source,
            outlet,
            country,
            published,
            url,
            title,
            language: detection.code,
            language_confidence: detection.confidence,
            declared_language,
            words,
            terms: terms.len() as u64,
            topic_hits: hits
                .iter()
                .enumerate()
                .filter(|(_, &h)| h > 0)
                .map(|(i, &h)| (i, h))
                .collect(),
        });
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

/// Counts every record of `batches` on the current rayon pool. `progress` is called with the
/// number of records of each finished batch.
pub fn count<I>(stage: &Stage, batches: I, progress: &(dyn Fn(u64) + Sync)) -> Counts
where
    I: Iterator<Item = Vec<Record>> + Send,
{
    batches
        .par_bridge()
        .fold(
            || (Counts::default(), Scratch::default()),
            |(mut counts, mut scratch), batch| {
                let n = batch.len() as u64;
                for record in batch {
                    counts = stage.fold(counts, &mut scratch, record);
                }
                progress(n);
                (counts, scratch)
            },
        )
        .map(|(counts, _)| counts)
        .reduce(Counts::default, Counts::merge)
}

/// The plain, single-threaded reference for [`count`].
pub fn count_sequential(stage: &Stage, records: impl Iterator<Item = Record>) -> Counts {
    let mut scratch = Scratch::default();
    records.fold(Counts::default(), |counts, record| {
        stage.fold(counts, &mut scratch, record)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{TextSection, TopicKind, TopicSpec};

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
        assert_eq!(seq.groups, par.groups);
        let wire = &seq.groups[&vec!["wire".to_string()]];
        assert_eq!(wire.articles, 200);
        assert_eq!(wire.topic_hits, [200]);
        assert_eq!(wire.topic_articles, [200]);
        let sanction = &wire.term_counts["sanction"];
        assert_eq!((sanction.count, sanction.articles), (200, 200));
        assert_eq!(sanction.surfaces["sanctions"], 200);
        // "New", "sanctions", "were", "announced", … : 12 words, 'by the on were' are stopwords
        assert_eq!(
            seq.articles.iter().find(|a| a.id == "a0").unwrap().words,
            12
        );
        assert_eq!(wire.languages[&"en"], 200);
    }

    #[test]
    fn published_day_takes_the_date_of_a_timestamp() {
        assert_eq!(published_day("2017-09-17T20:15:00Z"), "2017-09-17");
        assert_eq!(published_day("2017-09-17 20:15:00"), "2017-09-17");
        assert_eq!(published_day("Sept 17"), "Sept 17");
    }
}
