//! From folded counts to the rows of every table, each sorted explicitly so that a run's
//! output does not depend on thread count or input order.
//!
//! Rates are per 1,000 words, where words are the word tokens before stopwords were dropped
//! (the `words` column of `articles.csv`); tokenization differs between languages, so they
//! compare within a language. The statistics of [`stats`] compare a group with all other
//! groups pooled: terms on counted terms (after stopwords), topics on articles.

pub mod stats;

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::article::Context;
use crate::article_rows::{ArticleRows, RowField};
use crate::config::{CompareSection, DuplicatesSection, GroupColumn, TopicMeasure};
use crate::counts::{self, Counts, Excluded, GroupCounts, LanguageSlice, TermCount};
use crate::duplicates;
use crate::error::Result;
use crate::ingest::Rejection;
use crate::row_text::RowTexts;
use crate::topics::{Lexicon, Topic};
use crate::vocabulary::Vocabulary;

pub struct ArticleTopicRow {
    pub article_id: String,
    pub source: String,
    pub topic: String,
    pub kind: &'static str,
    pub hits: u64,
}

pub struct TopicGroupRow {
    pub group: Vec<String>,
    pub topic: String,
    pub kind: &'static str,
    pub hits: u64,
    pub articles: u64,
    pub articles_mentioning: u64,
    pub share_articles: f64,
    pub per_1k_words: f64,
    /// Wilson 95 % interval of `share_articles`.
    pub ci_low: f64,
    pub ci_high: f64,
    /// The share of the group's articles that mention the topic against the same share in
    /// the rest (a 2×2 of article counts).
    pub g2: f64,
    pub p_value: f64,
    pub log_ratio: Option<f64>,
}

/// One row of `keyness.csv`: a term of one group in one language against the other groups'
/// words in that language.
pub struct KeynessRow<'k> {
    /// Shared by the group's rows: keyness can have millions of rows.
    pub group: Arc<[String]>,
    pub language: &'static str,
    /// Borrowed from the [`Keyness`] vocabulary, for the same reason.
    pub term: &'k str,
    pub display: &'k str,
    pub count_group: u64,
    pub count_rest: u64,
    pub words_group: u64,
    pub words_rest: u64,
    pub g2: f64,
    pub p_value: f64,
    pub log_ratio: Option<f64>,
    /// Only for terms the group uses (as tidylo, which has rows for observed pairs only).
    pub log_odds_z: Option<f64>,
}

pub struct TermGroupRow {
    pub group: Vec<String>,
    pub language: &'static str,
    pub term: String,
    pub display: String,
    pub count: u64,
    pub per_1k_words: f64,
    pub articles_mentioning: u64,
}

pub struct LanguageRow {
    pub group: Vec<String>,
    pub language: String,
    pub articles: u64,
}

/// `lexicon_coverage.csv`: for each language of the run and each topic, whether the lexicon
/// can see it at all.
pub struct CoverageRow {
    pub language: &'static str,
    pub topic: usize,
    /// The config's terms for the topic in the language.
    pub terms: u32,
    pub articles: u64,
    pub articles_mentioning: u64,
}

/// `topic_comparison.csv`: one row per topic, one column per group.
pub struct TopicComparison {
    /// One per group: its label ([`group_label`]).
    pub columns: Vec<String>,
    /// The group key behind each column, to name them in an error.
    pub keys: Vec<Vec<String>>,
    pub rows: Vec<(String, Vec<f64>)>,
}

/// One row of `duplicates.csv`: an article of a cluster of near-duplicates. There can be one
/// per article, held while the tables are written: 24 bytes, where `usize` indexes, an
/// optional pair and the role as a string took 56 (7.3 MB of the 100,000-article
/// benchmark's peak, against 2.4).
pub struct DuplicateRow {
    /// 1-based, numbered in the order of the clusters' first articles in `articles.csv`.
    pub cluster: u32,
    /// Index into [`Tables::articles`].
    article: u32,
    /// The earlier article a copy matched, [`NOT_A_COPY`] for the cluster's first.
    matched: u32,
    containment: f64,
}

const NOT_A_COPY: u32 = u32::MAX;

impl DuplicateRow {
    /// Index into [`Tables::articles`].
    pub fn article(&self) -> usize {
        self.article as usize
    }

    /// The earlier article a copy matched (an index into [`Tables::articles`]) and the
    /// containment; `None` for the cluster's first.
    pub fn matched(&self) -> Option<(usize, f64)> {
        (self.matched != NOT_A_COPY).then_some((self.matched as usize, self.containment))
    }

    pub fn role(&self) -> &'static str {
        if self.matched == NOT_A_COPY {
            "first"
        } else {
            "copy"
        }
    }
}

/// One row of `groups.csv`: a group at a glance, with its dependence on copied text.
pub struct GroupRow {
    pub group: Vec<String>,
    pub articles: u64,
    pub words: u64,
    pub terms: u64,
    /// Its languages, most articles first (ties alphabetical), joined by `;`.
    pub languages: String,
    /// Its articles that copy an earlier article of another outlet.
    pub copies: u64,
    /// Its articles that a later article of another outlet copied.
    pub copied_by_others: u64,
    pub share_copies: f64,
}

/// One row of `group_similarity.csv`: two groups' topic profiles compared.
pub struct SimilarityRow {
    /// Indexes into [`Tables::groups`], `a < b`.
    pub a: usize,
    pub b: usize,
    /// Cosine of the two vectors of `share_articles` over all topics; `None` when a group
    /// mentions no topic at all.
    pub cosine: Option<f64>,
    /// Jensen–Shannon divergence (base 2, 0 = same profile, 1 = nothing in common) of the
    /// two profiles normalized to sum to 1; `None` as for `cosine`.
    pub jensen_shannon: Option<f64>,
    pub topics: u64,
    /// Near-duplicate clusters both groups have an article in.
    pub shared_clusters: u64,
}

/// Every table of a run, rows in their final order.
pub struct Tables {
    /// contexts.csv: (group index, context), by group, topic, article, then position.
    pub contexts: Vec<(usize, Context)>,
    /// Articles outside `[select]`, sorted by article id, then source.
    pub excluded: Vec<Excluded>,
    /// The lexicon's topics, sorted by id: what topic indices refer to.
    pub topics: Vec<Topic>,
    pub lexicon_coverage: Vec<CoverageRow>,
    /// One per language whose articles have no terms for some topics, in language order.
    pub coverage_warnings: Vec<String>,
    pub group_similarity: Vec<SimilarityRow>,
    pub groups: Vec<GroupRow>,
    pub group_columns: Vec<&'static str>,
    pub articles: ArticleRows,
    /// Where the articles' titles and URLs are read from: the rows, or the run's spill.
    pub texts: RowTexts,
    pub duplicates: Vec<DuplicateRow>,
    /// Where each copy's row is in `duplicates` (see [`Tables::copy_of`]).
    copies: CopyIndex,
    pub article_topics: Vec<ArticleTopicRow>,
    pub topics_by_group: Vec<TopicGroupRow>,
    pub topic_comparison: TopicComparison,
    pub terms_by_group: Vec<TermGroupRow>,
    pub keyness: Keyness,
    pub languages: Vec<LanguageRow>,
    pub rejected: Vec<Rejection>,
}

impl Tables {
    /// For each article of `range` (of `articles`), the first of its cluster and the
    /// containment with the article it matched, when it is a copy.
    pub fn copy_of(&self, range: Range<usize>) -> Vec<Option<(usize, f64)>> {
        let by_article = &self.copies.by_article;
        let row = |r: &u32| &self.duplicates[*r as usize];
        let from = by_article.partition_point(|r| row(r).article() < range.start);
        let mut copy_of = vec![None; range.len()];
        for d in by_article[from..]
            .iter()
            .map(row)
            .take_while(|d| d.article() < range.end)
        {
            if let Some((_, containment)) = d.matched() {
                copy_of[d.article() - range.start] =
                    Some((self.cluster_first(d.cluster), containment));
            }
        }
        copy_of
    }

    /// The first article (the original) of near-duplicate cluster `cluster`, numbered from 1
    /// as in duplicates.csv.
    pub fn cluster_first(&self, cluster: u32) -> usize {
        self.copies.firsts[cluster as usize - 1] as usize
    }

    /// How many articles are copies of an earlier one.
    pub fn copy_count(&self) -> usize {
        self.copies.by_article.len()
    }
}

/// Where articles.csv finds each copy's cluster and containment in duplicates.csv's rows: 4
/// bytes a copy and 4 a cluster, where a column of them per article took 16 bytes an article
/// at the tables' peak.
#[derive(Default)]
struct CopyIndex {
    /// The rows of the copies (indices into [`Tables::duplicates`]), by article.
    by_article: Vec<u32>,
    /// Each cluster's first article (the row that matched nothing), by cluster number.
    firsts: Vec<u32>,
}

impl CopyIndex {
    fn new(duplicates: &[DuplicateRow]) -> CopyIndex {
        let clusters = duplicates.last().map_or(0, |d| d.cluster as usize);
        let mut firsts = vec![0; clusters];
        let mut by_article = Vec::with_capacity(duplicates.len().saturating_sub(clusters));
        for (r, d) in duplicates.iter().enumerate() {
            match d.matched() {
                None => firsts[d.cluster as usize - 1] = d.article,
                Some(_) => by_article.push(index_u32(r)),
            }
        }
        by_article.sort_unstable_by_key(|&r| duplicates[r as usize].article);
        CopyIndex { by_article, firsts }
    }
}

/// Every table of a run from its counts: rows sorted, statistics computed. Spilled sketches
/// are read from `spill`; the rows' titles and URLs are read through `texts` when written.
pub fn tables(
    counts: Counts,
    lexicon: &Lexicon,
    group_by: &[GroupColumn],
    compare: &CompareSection,
    duplicates: &DuplicatesSection,
    spill: Option<&duplicates::SketchSpill>,
    texts: RowTexts,
) -> Result<Tables> {
    let Counts {
        vocabulary,
        groups,
        mut articles,
        mut rejected,
        mut excluded,
        ..
    } = counts;
    excluded.sort();
    // on the run's threads, as the rest of this function waits for it: sorting 20,000 rows
    // on one core took 35 ms with the other idle
    articles.sort_by_id_and_source();
    rejected.sort();
    let mut groups: Vec<(Vec<String>, GroupCounts)> = groups.into_iter().collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let topics = lexicon.topics();
    let contexts = context_rows(&mut groups);
    let lexicon_coverage = coverage_rows(&articles, lexicon);
    let mut coverage_warnings = coverage_warnings(&lexicon_coverage, topics.len());
    coverage_warnings.extend(unreadable_dates(&articles));

    // copy detection is the largest part; the rows that do not depend on it are made meanwhile
    let (copies, (topic_tables, article_topics, terms_by_group, languages, keyness)) = rayon::join(
        || {
            let duplicates = duplicate_rows(&articles, duplicates, spill)?;
            let group_of = article_groups(&groups, &articles, &duplicates, group_by);
            // the other side is done by now: both cores again
            let (groups_table, similarity) = rayon::join(
                || group_rows(&groups, &articles, &duplicates, &group_of),
                || similarity_rows(&groups, topics.len(), &duplicates, &group_of),
            );
            Ok((duplicates, groups_table, similarity))
        },
        || {
            (
                topic_rows(&groups, topics, compare.topic_measure),
                article_topic_rows(&articles, topics),
                term_rows(&groups, &vocabulary, compare.top_terms),
                language_rows(&groups),
                KeynessPlan::new(&groups, compare, group_noun(group_by)),
            )
        },
    );
    let (duplicates, groups_table, group_similarity) = copies?;
    let copies = CopyIndex::new(&duplicates);
    let (topics_by_group, topic_comparison) = topic_tables;
    Ok(Tables {
        contexts,
        excluded,
        topics: topics.to_vec(),
        lexicon_coverage,
        coverage_warnings,
        group_similarity,
        groups: groups_table,
        group_columns: group_by.iter().map(|g| g.name()).collect(),
        duplicates,
        copies,
        article_topics,
        articles,
        texts,
        topics_by_group,
        topic_comparison,
        terms_by_group,
        languages,
        keyness: Keyness::from_plan(groups, vocabulary, compare, keyness),
        rejected,
    })
}

/// Each group's kept contexts, taken out of the groups: by group, topic, then article and
/// position in it.
fn context_rows(groups: &mut [(Vec<String>, GroupCounts)]) -> Vec<(usize, Context)> {
    let mut rows = Vec::new();
    for (index, (_, g)) in groups.iter_mut().enumerate() {
        for mut kept in std::mem::take(&mut g.contexts) {
            kept.sort_by(|a, b| {
                (&a.article_id, &a.source, a.part, a.start).cmp(&(
                    &b.article_id,
                    &b.source,
                    b.part,
                    b.start,
                ))
            });
            rows.extend(kept.into_iter().map(|c| (index, c)));
        }
    }
    rows
}

/// Per language of the articles (sorted) and topic: terms defined, articles, and articles
/// that mention the topic.
fn coverage_rows(articles: &ArticleRows, lexicon: &Lexicon) -> Vec<CoverageRow> {
    let topics = lexicon.topics().len();
    // per language: articles, then articles mentioning each topic
    let mut by_language: BTreeMap<&'static str, (u64, Vec<u64>)> = BTreeMap::new();
    for a in articles.iter() {
        let (count, mentioning) = by_language
            .entry(a.language())
            .or_insert_with(|| (0, vec![0; topics]));
        *count += 1;
        for (t, _) in a.topic_hits() {
            mentioning[t] += 1;
        }
    }
    by_language
        .into_iter()
        .flat_map(|(language, (count, mentioning))| {
            mentioning
                .into_iter()
                .enumerate()
                .map(move |(topic, articles_mentioning)| CoverageRow {
                    language,
                    topic,
                    terms: lexicon.terms_defined(language, topic),
                    articles: count,
                    articles_mentioning,
                })
        })
        .collect()
}

/// One warning for the published dates newsprism cannot read, with up to three of them: their
/// `published_utc` is empty and they group under the text as written, never a guess.
fn unreadable_dates(articles: &ArticleRows) -> Option<String> {
    let unreadable: Vec<&str> = articles
        .iter()
        .filter(|a| a.get(RowField::PublishedUtc).is_empty())
        .map(|a| a.get(RowField::Published))
        .filter(|p| !p.trim().is_empty())
        .collect();
    if unreadable.is_empty() {
        return None;
    }
    let examples: std::collections::BTreeSet<&str> = unreadable.iter().copied().collect();
    let examples: Vec<String> = examples
        .into_iter()
        .take(3)
        .map(|e| format!("{e:?}"))
        .collect();
    Some(format!(
        "published: {} article{} with a date newsprism cannot read (e.g. {}); published_utc is empty for them, and they group under the date as written",
        unreadable.len(),
        if unreadable.len() == 1 { "" } else { "s" },
        examples.join(", ")
    ))
}

/// One warning per language with topics it has no terms for: those topics' counts in its
/// articles are 0 by construction, not because the press left them out.
fn coverage_warnings(rows: &[CoverageRow], topics: usize) -> Vec<String> {
    rows.chunk_by(|a, b| a.language == b.language)
        .filter_map(|slice| {
            let with_terms = slice.iter().filter(|r| r.terms > 0).count();
            if with_terms == topics {
                return None;
            }
            let articles = slice[0].articles;
            let which = if with_terms == 0 { "their" } else { "the other topics'" };
            Some(format!(
                "{}: {articles} article{}, {with_terms} of {topics} topics have terms — {which} counts are 0 by construction (see lexicon_coverage.csv)",
                slice[0].language,
                if articles == 1 { "" } else { "s" },
            ))
        })
        .collect()
}

/// Near-duplicate clusters of the articles (sorted as `articles.csv`): the rows of
/// `duplicates.csv`, sorted by cluster, then article. An article's copy status in
/// `articles.csv` is read from them (see [`Tables::copy_of`]).
fn duplicate_rows(
    articles: &ArticleRows,
    settings: &DuplicatesSection,
    spill: Option<&duplicates::SketchSpill>,
) -> Result<Vec<DuplicateRow>> {
    if !settings.enabled {
        return Ok(Vec::new());
    }
    let candidate = |i: usize| {
        let a = articles.at(i);
        duplicates::Candidate {
            language: a.language(),
            // publication order by the date read, whatever form each feed wrote it in (as
            // `dates::order_key` does for the first pass of `count = "first"`)
            published: match a.get(RowField::PublishedUtc) {
                "" => a.get(RowField::Published),
                utc => utc,
            },
            id: a.id(),
            source: a.source(),
            sketch: a.sketch(),
        }
    };
    let found = duplicates::detect(articles.len(), candidate, settings.min_containment, spill)?;
    let mut cluster_number = vec![0u32; articles.len()];
    let mut clusters = 0;
    for (i, f) in found.iter().enumerate() {
        if f.as_ref().is_some_and(|f| f.matched.is_none()) {
            clusters += 1;
            cluster_number[i] = clusters;
        }
    }
    // counted first: a row per article is as large as these rows get, and collecting an
    // iterator of unknown length would leave up to as many slots again unused
    let mut rows: Vec<DuplicateRow> = Vec::with_capacity(found.iter().flatten().count());
    rows.extend(found.iter().enumerate().filter_map(|(i, f)| {
        let f = f.as_ref()?;
        let (matched, containment) = f
            .matched
            .map_or((NOT_A_COPY, 0.0), |(m, c)| (index_u32(m), c));
        Some(DuplicateRow {
            cluster: cluster_number[f.cluster_first],
            article: index_u32(i),
            matched,
            containment,
        })
    }));
    rows.sort_by_key(|r| (r.cluster, r.article));
    Ok(rows)
}

/// `i` as a row or group index of 32 bits: a corpus of more than 4 billion articles would
/// not fit in memory long before.
fn index_u32(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 articles")
}

/// The group (an index into `groups`) of each article in a near-duplicate cluster: what
/// groups.csv and group_similarity.csv count copies and clusters by. Found on the run's
/// threads: a group key per article of a cluster (nearly every article of the benchmark
/// corpus) took 38 ms on one core at 100,000 articles, the other idle.
fn article_groups(
    groups: &[(Vec<String>, GroupCounts)],
    articles: &ArticleRows,
    duplicates: &[DuplicateRow],
    group_by: &[GroupColumn],
) -> GroupOf {
    let index: FxHashMap<&[String], usize> = groups
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_slice(), i))
        .collect();
    let found: Vec<Option<u32>> = duplicates
        .par_iter()
        .map(|d| {
            let key = articles.at(d.article()).group_key(group_by);
            // an article left out of the counts (count = "first") may have no group
            index.get(key.as_slice()).map(|&g| index_u32(g))
        })
        .collect();
    let mut of = vec![NO_GROUP; articles.len()];
    for (d, g) in duplicates.iter().zip(found) {
        if let Some(g) = g {
            of[d.article()] = g;
        }
    }
    GroupOf(of)
}

/// Per article, its group when it is in a near-duplicate cluster and has one.
struct GroupOf(Vec<u32>);

const NO_GROUP: u32 = u32::MAX;

impl GroupOf {
    fn get(&self, article: usize) -> Option<usize> {
        let g = self.0[article];
        (g != NO_GROUP).then_some(g as usize)
    }
}

/// `groups.csv`, sorted by group. "Another outlet": a copy whose matched article has the same
/// outlet (a wire item sent twice, say) is neither a copy nor copied by others here.
fn group_rows(
    groups: &[(Vec<String>, GroupCounts)],
    articles: &ArticleRows,
    duplicates: &[DuplicateRow],
    group_of: &GroupOf,
) -> Vec<GroupRow> {
    let mut copies = vec![0u64; groups.len()];
    let mut copied: Vec<FxHashSet<usize>> = vec![FxHashSet::default(); groups.len()];
    let group_of = |a: usize| group_of.get(a);
    for d in duplicates {
        let Some((m, _)) = d.matched() else { continue };
        let outlet = |i: usize| articles.at(i).get(RowField::Outlet);
        if outlet(d.article()) == outlet(m) {
            continue;
        }
        if let Some(g) = group_of(d.article()) {
            copies[g] += 1;
        }
        if let Some(g) = group_of(m) {
            copied[g].insert(m);
        }
    }
    groups
        .iter()
        .enumerate()
        .map(|(i, (key, g))| {
            let mut langs: Vec<&LanguageSlice> = g.languages.iter().collect();
            langs.sort_by(|a, b| b.articles.cmp(&a.articles).then(a.language.cmp(b.language)));
            GroupRow {
                group: key.clone(),
                articles: g.articles,
                words: g.words,
                terms: g.terms,
                languages: langs
                    .iter()
                    .map(|s| s.language)
                    .collect::<Vec<_>>()
                    .join(";"),
                copies: copies[i],
                copied_by_others: copied[i].len() as u64,
                share_copies: ratio(copies[i], g.articles),
            }
        })
        .collect()
}

/// Every pair of groups: how alike their attention to the topics is (share of articles per
/// topic, which compares across languages), and how many near-duplicate clusters they share.
fn similarity_rows(
    groups: &[(Vec<String>, GroupCounts)],
    topics: usize,
    duplicates: &[DuplicateRow],
    group_of: &GroupOf,
) -> Vec<SimilarityRow> {
    let profiles: Vec<Vec<f64>> = groups
        .iter()
        .map(|(_, g)| {
            (0..topics)
                .map(|t| ratio(g.topic_articles[t], g.articles))
                .collect()
        })
        .collect();
    // per group, the clusters it has an article in
    let mut clusters: Vec<FxHashSet<u32>> = vec![FxHashSet::default(); groups.len()];
    for d in duplicates {
        if let Some(g) = group_of.get(d.article()) {
            clusters[g].insert(d.cluster);
        }
    }
    let mut rows = Vec::new();
    for a in 0..groups.len() {
        for b in a + 1..groups.len() {
            rows.push(SimilarityRow {
                a,
                b,
                cosine: stats::cosine(&profiles[a], &profiles[b]),
                jensen_shannon: stats::jensen_shannon(&profiles[a], &profiles[b]),
                topics: topics as u64,
                shared_clusters: clusters[a].intersection(&clusters[b]).count() as u64,
            });
        }
    }
    rows
}

fn article_topic_rows(articles: &ArticleRows, topics: &[Topic]) -> Vec<ArticleTopicRow> {
    articles
        .iter()
        .flat_map(|a| {
            a.topic_hits().map(move |(t, hits)| ArticleTopicRow {
                article_id: a.id().to_string(),
                source: a.source().to_string(),
                topic: topics[t].id.clone(),
                kind: topics[t].kind.as_str(),
                hits: u64::from(hits),
            })
        })
        .collect()
}

/// `topics_by_group.csv` (each group's topic counts with its interval and emphasis against
/// the rest) and the wide `topic_comparison.csv`.
///
/// The emphasis statistics (G², p, Log Ratio) compare the share of the group's articles that
/// mention the topic with the share among all other groups' articles: a 2×2 table of article
/// counts, which does not depend on how a language is split into words, so a French outlet
/// and a Chinese one compare on the same footing.
fn topic_rows(
    groups: &[(Vec<String>, GroupCounts)],
    topics: &[Topic],
    measure: TopicMeasure,
) -> (Vec<TopicGroupRow>, TopicComparison) {
    let total_articles: u64 = groups.iter().map(|(_, g)| g.articles).sum();
    let mentioning_totals: Vec<u64> = (0..topics.len())
        .map(|i| groups.iter().map(|(_, g)| g.topic_articles[i]).sum())
        .collect();
    let mut rows = Vec::new();
    let mut comparison_rows: Vec<(String, Vec<f64>)> =
        topics.iter().map(|t| (t.id.clone(), Vec::new())).collect();
    for (key, g) in groups {
        for (i, topic) in topics.iter().enumerate() {
            let per_1k_words = per_1k(g.topic_hits[i], g.words);
            let share_articles = ratio(g.topic_articles[i], g.articles);
            // articles mentioning the topic, in the group and in the rest, out of their articles
            let (a, b) = (
                g.topic_articles[i],
                mentioning_totals[i] - g.topic_articles[i],
            );
            let (ng, nr) = (g.articles, total_articles - g.articles);
            let g2 = stats::g2(a, b, ng - a, nr - b);
            let (ci_low, ci_high) = stats::wilson_95(a, ng);
            rows.push(TopicGroupRow {
                group: key.clone(),
                topic: topic.id.clone(),
                kind: topic.kind.as_str(),
                hits: g.topic_hits[i],
                articles: ng,
                articles_mentioning: a,
                share_articles,
                per_1k_words,
                ci_low,
                ci_high,
                g2,
                p_value: stats::p_chi2_1(g2),
                log_ratio: stats::log_ratio(a, ng, b, nr),
            });
            comparison_rows[i].1.push(match measure {
                TopicMeasure::ShareArticles => share_articles,
                TopicMeasure::Per1kWords => per_1k_words,
            });
        }
    }
    let comparison = TopicComparison {
        columns: groups.iter().map(|(k, _)| group_label(k)).collect(),
        keys: groups.iter().map(|(k, _)| k.clone()).collect(),
        rows: comparison_rows,
    };
    (rows, comparison)
}

/// Each group's `top_terms` most frequent terms in each of its languages (ties
/// alphabetical); rates per 1,000 of the group's words in that language.
fn term_rows(
    groups: &[(Vec<String>, GroupCounts)],
    vocabulary: &Vocabulary,
    top_terms: usize,
) -> Vec<TermGroupRow> {
    let mut rows = Vec::new();
    for (key, g) in groups {
        for slice in sorted_slices(g) {
            let mut terms: Vec<(&str, &TermCount)> = slice
                .term_counts
                .iter()
                .map(|tc| (vocabulary.get(tc.term()), tc))
                .collect();
            let by_count = |a: &(&str, &TermCount), b: &(&str, &TermCount)| {
                b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0))
            };
            // only the top of a long vocabulary needs ordering
            if terms.len() > top_terms {
                terms.select_nth_unstable_by(top_terms, by_count);
                terms.truncate(top_terms);
            }
            terms.sort_unstable_by(by_count);
            for (term, tc) in terms {
                rows.push(TermGroupRow {
                    group: key.clone(),
                    language: slice.language,
                    term: term.to_string(),
                    display: display_form(&slice.term_counts.surfaces(tc), vocabulary).to_string(),
                    count: tc.count,
                    per_1k_words: per_1k(tc.count, slice.words),
                    articles_mentioning: tc.articles,
                });
            }
        }
    }
    rows
}

/// A group's language slices in language order.
fn sorted_slices(g: &GroupCounts) -> Vec<&LanguageSlice> {
    let mut slices: Vec<&LanguageSlice> = g.languages.iter().collect();
    slices.sort_by_key(|s| s.language);
    slices
}

fn language_rows(groups: &[(Vec<String>, GroupCounts)]) -> Vec<LanguageRow> {
    let mut rows = Vec::new();
    for (key, g) in groups {
        rows.extend(sorted_slices(g).into_iter().map(|s| LanguageRow {
            group: key.clone(),
            language: s.language.to_string(),
            articles: s.articles,
        }));
    }
    rows
}

/// What a group is called in a message: "outlet" when grouping by outlet alone.
fn group_noun(group_by: &[GroupColumn]) -> &'static str {
    match group_by {
        [GroupColumn::Outlet] => "outlet",
        [GroupColumn::Country] => "country",
        _ => "group",
    }
}

/// Rows with p below this are written to keyness.csv whatever their rank.
const KEYNESS_ALPHA: f64 = 0.001;

/// Every group's words in a language against the other groups' words in the same language,
/// for every term of that language with at least `min_count` occurrences overall. A French
/// outlet's French is compared with the other outlets' French, never with their Russian:
/// against a reference in other languages, every French word would be "key". All statistics
/// use all terms; `min_count` and `top_terms` only pick the rows written: per (group,
/// language) the `top_terms` highest G² plus every row with p < 0.001. A (group, language)
/// slice gets rows when it has at least `min_slice_terms` counted terms; a language that only
/// one group writes in has no reference and no rows (said in [`Keyness::notes`]).
///
/// Rows are made one slice at a time ([`Keyness::rows`]) and written as they come: on a large
/// multilingual corpus keyness.csv has millions of rows, which need not all be in memory.
pub struct Keyness {
    groups: Vec<(Vec<String>, GroupCounts)>,
    vocabulary: Vocabulary,
    /// The compared slices, in output order (group, then language): (group, slice) indexes.
    slices: Vec<(usize, usize)>,
    /// tidylo's n_i per compared slice: the sum of the slice's pseudo-counts y = n + α
    set_totals: Vec<u64>,
    references: FxHashMap<&'static str, Reference>,
    min_count: u64,
    top_terms: usize,
    notes: Vec<String>,
}

/// Everything written in one language: the reference of each of its groups.
struct Reference {
    /// per term id: total count, and the number of groups that use it
    totals: FxHashMap<u32, (u64, u64)>,
    /// counted terms of every group in the language
    total_words: u64,
    grand_total: u64,
    /// terms with at least min_count occurrences, largest total first: the order in which
    /// terms a group never uses are tried
    candidates: Vec<(u32, u64)>,
    /// per candidate term, its display form over the language's groups, computed the first
    /// time a group that lacks the term writes a row for it (on a large corpus half of the
    /// rows are such absences)
    overall_display: FxHashMap<u32, OnceLock<Option<u32>>>,
    /// (group, slice) of every group with articles in the language, in order
    members: Vec<(usize, usize)>,
    /// per member, tidylo's n_i: the sum of its pseudo-counts y = n + α
    set_totals: Vec<u64>,
}

/// What keyness needs besides the groups and vocabulary it then owns: computed from the
/// groups borrowed, so that it runs beside copy detection and the other rows.
pub struct KeynessPlan {
    slices: Vec<(usize, usize)>,
    set_totals: Vec<u64>,
    references: FxHashMap<&'static str, Reference>,
    notes: Vec<String>,
}

impl KeynessPlan {
    pub fn new(
        groups: &[(Vec<String>, GroupCounts)],
        compare: &CompareSection,
        group_noun: &str,
    ) -> KeynessPlan {
        let mut members: BTreeMap<&'static str, Vec<(usize, usize)>> = BTreeMap::new();
        for (gi, (_, g)) in groups.iter().enumerate() {
            for (si, slice) in g.languages.iter().enumerate() {
                members.entry(slice.language).or_default().push((gi, si));
            }
        }
        let mut notes = Vec::new();
        let mut compared = Vec::new();
        for (language, members) in members {
            if members.len() < 2 {
                notes.push(format!(
                    "keyness: {language} has one {group_noun}, nothing to compare with"
                ));
                continue;
            }
            compared.push((language, members));
        }
        // one reference per language, each on its own: languages at once
        let references: FxHashMap<&'static str, Reference> = compared
            .into_par_iter()
            .map(|(language, members)| {
                let reference = Reference::new(groups, members, compare.min_count);
                (language, reference)
            })
            .collect();
        let mut slices = Vec::new();
        let mut set_totals = Vec::new();
        for (gi, (_, g)) in groups.iter().enumerate() {
            let mut own: Vec<(usize, &LanguageSlice)> = g.languages.iter().enumerate().collect();
            own.sort_by_key(|(_, s)| s.language);
            for (si, slice) in own {
                let Some(reference) = references.get(slice.language) else {
                    continue;
                };
                if slice.terms < compare.min_slice_terms {
                    continue;
                }
                // summed with the reference, each language on its own thread
                let member = reference
                    .members
                    .binary_search(&(gi, si))
                    .expect("every slice of a language is a member of its reference");
                set_totals.push(reference.set_totals[member]);
                slices.push((gi, si));
            }
        }
        KeynessPlan {
            slices,
            set_totals,
            references,
            notes,
        }
    }
}

impl Keyness {
    /// Plan and keyness at once, for tests; a run plans beside copy detection.
    #[cfg(test)]
    pub fn new(
        groups: Vec<(Vec<String>, GroupCounts)>,
        vocabulary: Vocabulary,
        compare: &CompareSection,
        group_noun: &str,
    ) -> Keyness {
        let plan = KeynessPlan::new(&groups, compare, group_noun);
        Keyness::from_plan(groups, vocabulary, compare, plan)
    }

    /// The keyness of `groups`, planned by [`KeynessPlan::new`] on the same groups and
    /// vocabulary.
    pub fn from_plan(
        groups: Vec<(Vec<String>, GroupCounts)>,
        vocabulary: Vocabulary,
        compare: &CompareSection,
        plan: KeynessPlan,
    ) -> Keyness {
        let KeynessPlan {
            slices,
            set_totals,
            references,
            notes,
        } = plan;
        Keyness {
            groups,
            vocabulary,
            slices,
            set_totals,
            references,
            min_count: compare.min_count,
            top_terms: compare.top_terms,
            notes,
        }
    }

    /// How many (group, language) slices get rows; [`Keyness::rows`] takes an index below
    /// this.
    pub fn slices(&self) -> usize {
        self.slices.len()
    }

    /// The group of slice `index`, without computing its rows.
    pub fn slice_group(&self, index: usize) -> &[String] {
        &self.groups[self.slices[index].0].0
    }

    /// What could not be compared, for the summary and the manifest.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The written rows of one slice, sorted by G² descending, then term.
    pub fn rows(&self, index: usize) -> Vec<KeynessRow<'_>> {
        let (gi, si) = self.slices[index];
        let (key, group) = &self.groups[gi];
        let slice = &group.languages[si];
        let reference = &self.references[slice.language];
        let key: Arc<[String]> = key.clone().into();
        let (wg, wr) = (slice.terms, reference.total_words - slice.terms);
        let vocabulary = &self.vocabulary;
        let total_of = |term: u32| reference.totals.get(&term).copied().unwrap_or((0, 0));
        let g2_of = |term: u32, a: u64| {
            let b = total_of(term).0 - a;
            stats::g2(a, b, wg - a, wr - b)
        };
        // (G², term, count in group) for every candidate; full rows only for those written
        let mut scored: Vec<(f64, u32, u64)> = slice
            .term_counts
            .iter()
            .filter(|tc| total_of(tc.term()).0 >= self.min_count)
            .map(|tc| (g2_of(tc.term(), tc.count), tc.term(), tc.count))
            .collect();
        // Terms the group never uses have G² ≤ 0, growing in size with their count elsewhere.
        // They are written when significant, or when fewer than top_terms rows are positive
        // (then they can rank among the top); only then are all of them computed.
        let positive = scored.iter().filter(|r| r.0 > 0.0).count();
        let smallest_significant = if positive < self.top_terms {
            0
        } else {
            smallest_significant_absent(wg, wr)
        };
        for &(term, total) in &reference.candidates {
            if total < smallest_significant {
                break;
            }
            if !slice.term_counts.contains(term) {
                scored.push((g2_of(term, 0), term, 0));
            }
        }
        let rank_order = |x: &(f64, u32, u64), y: &(f64, u32, u64)| {
            y.0.total_cmp(&x.0)
                .then_with(|| vocabulary.get(x.1).cmp(vocabulary.get(y.1)))
        };
        // Only the top_terms first and the significant rest are written: a slice has thousands
        // of terms, mostly once-used ones of equal G² that only the strings order. The top is
        // found without ordering the rest, and the rest is ordered once the rows that cannot
        // be significant (|G²| < 10, as p < 0.001 needs |G²| > 10.83) are gone.
        let top = self.top_terms.min(scored.len());
        if top < scored.len() {
            scored.select_nth_unstable_by(top, rank_order);
        }
        let (top_rows, rest) = scored.split_at_mut(top);
        top_rows.sort_unstable_by(rank_order);
        let mut rest: Vec<(f64, u32, u64)> =
            rest.iter().copied().filter(|r| r.0.abs() >= 10.0).collect();
        rest.sort_unstable_by(rank_order);
        let mut rows = Vec::new();
        for (rank, &(g2, term, a)) in top_rows.iter().chain(&rest).enumerate() {
            let beyond_top = rank >= self.top_terms;
            let p_value = stats::p_chi2_1(g2);
            if beyond_top && p_value >= KEYNESS_ALPHA {
                continue;
            }
            let (total, users) = total_of(term);
            let b = total - a;
            let log_odds_z = (a > 0).then(|| {
                stats::log_odds_z(
                    a + total,
                    self.set_totals[index],
                    total + users * total,
                    reference.grand_total,
                )
            });
            let display = match slice.term_counts.get(term) {
                Some(tc) => display_form(&slice.term_counts.surfaces(tc), vocabulary),
                None => {
                    let surface = reference.overall_display[&term].get_or_init(|| {
                        overall_display(&self.groups, &reference.members, vocabulary, term)
                    });
                    surface.map_or("", |s| vocabulary.get(s))
                }
            };
            rows.push(KeynessRow {
                group: key.clone(),
                language: slice.language,
                term: vocabulary.get(term),
                display,
                count_group: a,
                count_rest: b,
                words_group: wg,
                words_rest: wr,
                g2,
                p_value,
                log_ratio: stats::log_ratio(a, wg, b, wr),
                log_odds_z,
            });
        }
        rows
    }
}

impl Reference {
    fn new(
        groups: &[(Vec<String>, GroupCounts)],
        members: Vec<(usize, usize)>,
        min_count: u64,
    ) -> Reference {
        let mut totals: FxHashMap<u32, (u64, u64)> = FxHashMap::default();
        let mut total_words = 0;
        for &(gi, si) in &members {
            let slice = &groups[gi].1.languages[si];
            total_words += slice.terms;
            for tc in slice.term_counts.iter() {
                let total = totals.entry(tc.term()).or_default();
                total.0 += tc.count;
                total.1 += 1;
            }
        }
        let set_totals: Vec<u64> = members
            .iter()
            .map(|&(gi, si)| {
                groups[gi].1.languages[si]
                    .term_counts
                    .iter()
                    .map(|tc| tc.count + totals[&tc.term()].0)
                    .sum::<u64>()
            })
            .collect();
        let grand_total = set_totals.iter().sum();
        let mut candidates: Vec<(u32, u64)> = totals
            .iter()
            .filter(|(_, (count, _))| *count >= min_count)
            .map(|(&t, &(count, _))| (t, count))
            .collect();
        // ties in any fixed order: the rows taken from candidates are ranked with the strings
        candidates.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let overall_display = candidates
            .iter()
            .map(|&(t, _)| (t, OnceLock::new()))
            .collect();
        Reference {
            totals,
            total_words,
            grand_total,
            candidates,
            overall_display,
            members,
            set_totals,
        }
    }
}

/// The smallest count elsewhere at which a term the group never uses is significant
/// (p < 0.001); `u64::MAX` when none is.
fn smallest_significant_absent(words_group: u64, words_rest: u64) -> u64 {
    let significant =
        |b: u64| stats::p_chi2_1(stats::g2(0, b, words_group, words_rest - b)) < KEYNESS_ALPHA;
    if words_rest == 0 || !significant(words_rest) {
        return u64::MAX;
    }
    let (mut lo, mut hi) = (0, words_rest); // significant(hi), !significant(lo)
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if significant(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The most frequent surface form of a term over the slices of one language (for a group
/// that lacks it).
fn overall_display(
    groups: &[(Vec<String>, GroupCounts)],
    members: &[(usize, usize)],
    vocabulary: &Vocabulary,
    term: u32,
) -> Option<u32> {
    let mut merged = Vec::new();
    for &(gi, si) in members {
        let counts = &groups[gi].1.languages[si].term_counts;
        if let Some(tc) = counts.get(term) {
            for &(surface, n) in counts.surfaces(tc).iter() {
                counts::add_surface(&mut merged, surface, n);
            }
        }
    }
    display_surface(&merged, vocabulary)
}

/// A group's name as one column header: its values joined by " / ".
pub fn group_label(key: &[String]) -> String {
    let label = key.join(" / ");
    if label.is_empty() {
        "(none)".to_string()
    } else {
        label
    }
}

/// The most frequent of a stem's surface forms; ties go to the alphabetically first.
pub fn display_form<'v>(surfaces: &[(u32, u64)], vocabulary: &'v Vocabulary) -> &'v str {
    display_surface(surfaces, vocabulary).map_or("", |s| vocabulary.get(s))
}

/// The id of [`display_form`].
fn display_surface(surfaces: &[(u32, u64)], vocabulary: &Vocabulary) -> Option<u32> {
    surfaces
        .iter()
        .max_by(|a, b| {
            a.1.cmp(&b.1)
                .then_with(|| vocabulary.get(b.0).cmp(vocabulary.get(a.0)))
        })
        .map(|&(s, _)| s)
}

fn per_1k(count: u64, words: u64) -> f64 {
    if words == 0 {
        0.0
    } else {
        count as f64 * 1000.0 / words as f64
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_form_is_most_frequent_then_alphabetical() {
        let mut v = Vocabulary::default();
        let mut tc = crate::counts::TermCounts::default();
        let term = v.intern("négoci");
        tc.add(term, 3, 1, [(v.intern("négociations"), 3)]);
        tc.add(term, 3, 1, [(v.intern("négociation"), 3)]);
        tc.add(term, 1, 1, [(v.intern("négocier"), 1)]);
        let plural = v.intern("négociations");
        let shown = |tc: &crate::counts::TermCounts| {
            display_form(&tc.surfaces(tc.get(term).unwrap()), &v).to_string()
        };
        assert_eq!(shown(&tc), "négociation");
        tc.add(term, 1, 1, [(plural, 1)]);
        assert_eq!(shown(&tc), "négociations");
    }

    fn group(v: &mut Vocabulary, terms: &[(&str, u64)]) -> GroupCounts {
        let mut g = GroupCounts::default();
        add_language(&mut g, v, "en", terms);
        g
    }

    fn add_language(
        g: &mut GroupCounts,
        v: &mut Vocabulary,
        language: &'static str,
        terms: &[(&str, u64)],
    ) {
        let slice = g.slice_mut(language);
        for (t, n) in terms {
            let id = v.intern(t);
            slice.term_counts.add(id, *n, 1, [(id, *n)]);
            slice.terms += n;
        }
        g.terms = g.languages.iter().map(|s| s.terms).sum();
    }

    fn compare(min_count: u64, top_terms: usize) -> CompareSection {
        CompareSection {
            min_count,
            top_terms,
            min_slice_terms: 1,
            ..CompareSection::default()
        }
    }

    #[test]
    fn keyness_compares_within_a_language_only() {
        // two French outlets and one that writes in English and French; "the" and "of" exist
        // only in English, so no French slice may find them key, and the English slice has
        // no reference at all
        let mut v = Vocabulary::default();
        let mut fr1 = GroupCounts::default();
        add_language(
            &mut fr1,
            &mut v,
            "fr",
            &[("rencontr", 30), ("syr", 2), ("le", 60)],
        );
        let mut fr2 = GroupCounts::default();
        add_language(
            &mut fr2,
            &mut v,
            "fr",
            &[("rencontr", 3), ("syr", 40), ("le", 60)],
        );
        let mut mixed = GroupCounts::default();
        add_language(&mut mixed, &mut v, "en", &[("the", 500), ("of", 300)]);
        add_language(&mut mixed, &mut v, "fr", &[("rencontr", 10), ("le", 20)]);
        let groups = vec![
            (vec!["fr1".to_string()], fr1),
            (vec!["fr2".to_string()], fr2),
            (vec!["mixed".to_string()], mixed),
        ];
        let keyness = Keyness::new(groups, v, &compare(1, 10), "outlet");
        assert_eq!(
            keyness.notes(),
            ["keyness: en has one outlet, nothing to compare with"]
        );
        let rows: Vec<KeynessRow> = (0..keyness.slices())
            .flat_map(|i| keyness.rows(i))
            .collect();
        assert!(
            rows.iter().all(|r| r.language == "fr"),
            "only French is compared"
        );
        assert!(rows.iter().all(|r| r.term != "the" && r.term != "of"));
        let syr = rows
            .iter()
            .find(|r| r.group[0] == "fr1" && r.term == "syr")
            .unwrap();
        // against fr2's and mixed's French only: 42 + 30 + 60 + ... French terms
        assert_eq!((syr.count_group, syr.count_rest), (2, 40));
        assert_eq!((syr.words_group, syr.words_rest), (92, 103 + 30));
        // the same 2×2 table as a one-language corpus would give
        assert_eq!(syr.g2, stats::g2(2, 40, 90, 133 - 40));
        assert!(syr.g2 < 0.0);
    }

    #[test]
    fn keyness_writes_top_terms_plus_significant_rows_and_absent_terms() {
        // "common" is frequent in b and absent from a: significant under-use in a;
        // "filler" has the same share (82 %) in both groups: G² = 0
        let mut v = Vocabulary::default();
        let a = group(
            &mut v,
            &[("rare", 2), ("x", 6), ("y", 5), ("z", 5), ("filler", 82)],
        );
        let b = group(&mut v, &[("common", 80), ("x", 1), ("filler", 369)]);
        let groups = vec![(vec!["a".to_string()], a), (vec!["b".to_string()], b)];
        let keyness = Keyness::new(groups, v, &compare(5, 2), "outlet");
        let rows: Vec<KeynessRow> = (0..keyness.slices())
            .flat_map(|g| keyness.rows(g))
            .collect();
        let of_a: Vec<(&str, u64, bool)> = rows
            .iter()
            .filter(|r| r.group[0] == "a")
            .map(|r| (r.term, r.count_group, r.log_odds_z.is_some()))
            .collect();
        // the top 2 by G² (y and z tie: alphabetical), then every other row with p < 0.001:
        // x (G² 15.4), and "common" (G² −35.0) although a never uses it; not "filler"
        // (p = 1), nor "rare" (2 occurrences, under min_count)
        assert_eq!(
            of_a,
            [
                ("y", 5, true),
                ("z", 5, true),
                ("x", 6, true),
                ("common", 0, false)
            ]
        );
        let common = rows
            .iter()
            .find(|r| r.group[0] == "a" && r.term == "common")
            .unwrap();
        assert!(common.g2 < 0.0 && common.p_value < 0.001);
        assert_eq!(common.display, "common");
        assert!(rows
            .windows(2)
            .all(|w| w[0].group != w[1].group || w[0].g2 >= w[1].g2));
    }

    #[test]
    fn keyness_rows_rank_ties_by_term_across_the_top_terms_cut() {
        // a uses 40 terms 9 times each that b never uses: 40 equal G², the top 3 of which
        // are the alphabetically first, though interned in reverse (ids do not order them)
        let names: Vec<String> = (0..40).rev().map(|i| format!("t{i:02}")).collect();
        let mut v = Vocabulary::default();
        let mut terms: Vec<(&str, u64)> = names.iter().map(|n| (n.as_str(), 9)).collect();
        terms.push(("filler", 400));
        let a = group(&mut v, &terms);
        let b = group(&mut v, &[("filler", 4000), ("t05", 1)]);
        let groups = vec![(vec!["a".to_string()], a), (vec!["b".to_string()], b)];
        let keyness = Keyness::new(groups, v, &compare(5, 3), "outlet");
        let rows = keyness.rows(0);
        let of_a: Vec<&str> = rows.iter().map(|r| r.term).collect();
        let p = |a: u64, b: u64| stats::p_chi2_1(stats::g2(a, b, 760 - a, 4001 - b));
        // every tied term is significant, so all are written after the top 3, in order;
        // t05 (used once by b) has a smaller G² and comes last
        assert!(p(9, 0) < KEYNESS_ALPHA && p(9, 1) < KEYNESS_ALPHA);
        let mut expected: Vec<String> = (0..40)
            .filter(|&i| i != 5)
            .map(|i| format!("t{i:02}"))
            .collect();
        expected.push("t05".into());
        assert_eq!(of_a[..3], ["t00", "t01", "t02"]);
        assert_eq!(
            of_a[..40],
            expected.iter().map(|s| s.as_str()).collect::<Vec<_>>()[..]
        );
        assert!(rows
            .windows(2)
            .all(|w| w[0].g2 > w[1].g2 || (w[0].g2 == w[1].g2 && w[0].term < w[1].term)));
    }

    #[test]
    fn smallest_significant_absent_count_is_the_threshold() {
        let b = smallest_significant_absent(1000, 1000);
        let p = |b: u64| stats::p_chi2_1(stats::g2(0, b, 1000, 1000 - b));
        assert!(p(b) < KEYNESS_ALPHA && p(b - 1) >= KEYNESS_ALPHA);
        assert_eq!(smallest_significant_absent(1000, 0), u64::MAX);
    }

    #[test]
    fn rates() {
        assert_eq!(per_1k(3, 1500), 2.0);
        assert_eq!(per_1k(3, 0), 0.0);
        assert_eq!(ratio(1, 4), 0.25);
        assert_eq!(group_label(&["rt".into(), "fr".into()]), "rt / fr");
    }
}
