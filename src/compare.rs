//! From folded counts to the rows of every table, each sorted explicitly so that a run's
//! output does not depend on thread count or input order.
//!
//! Rates are per 1,000 words, where words are the word tokens before stopwords were dropped
//! (the `words` column of `articles.csv`).

use crate::config::{CompareSection, GroupColumn};
use crate::count::{ArticleRow, Counts, GroupCounts, TermCount};
use crate::ingest::Rejection;
use crate::topics::Topic;

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
}

pub struct TermGroupRow {
    pub group: Vec<String>,
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

/// `topic_comparison.csv`: one row per topic, one column per group.
pub struct TopicComparison {
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<f64>)>,
}

/// Every table of a run, rows in their final order.
pub struct Tables {
    pub group_columns: Vec<&'static str>,
    pub articles: Vec<ArticleRow>,
    pub article_topics: Vec<ArticleTopicRow>,
    pub topics_by_group: Vec<TopicGroupRow>,
    pub topic_comparison: TopicComparison,
    pub terms_by_group: Vec<TermGroupRow>,
    pub languages: Vec<LanguageRow>,
    pub rejected: Vec<Rejection>,
}

pub fn tables(
    counts: Counts,
    topics: &[Topic],
    group_by: &[GroupColumn],
    compare: &CompareSection,
) -> Tables {
    let Counts {
        groups,
        mut articles,
        mut rejected,
    } = counts;
    articles.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.source.cmp(&b.source)));
    rejected.sort();
    let mut groups: Vec<(Vec<String>, GroupCounts)> = groups.into_iter().collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));

    let article_topics = articles
        .iter()
        .flat_map(|a| {
            a.topic_hits.iter().map(|&(t, hits)| ArticleTopicRow {
                article_id: a.id.clone(),
                source: a.source.clone(),
                topic: topics[t].id.clone(),
                kind: topics[t].kind.as_str(),
                hits: u64::from(hits),
            })
        })
        .collect();

    let mut topics_by_group = Vec::new();
    let mut comparison_rows: Vec<(String, Vec<f64>)> =
        topics.iter().map(|t| (t.id.clone(), Vec::new())).collect();
    for (key, g) in &groups {
        for (i, topic) in topics.iter().enumerate() {
            let per_1k_words = per_1k(g.topic_hits[i], g.words);
            topics_by_group.push(TopicGroupRow {
                group: key.clone(),
                topic: topic.id.clone(),
                kind: topic.kind.as_str(),
                hits: g.topic_hits[i],
                articles: g.articles,
                articles_mentioning: g.topic_articles[i],
                share_articles: ratio(g.topic_articles[i], g.articles),
                per_1k_words,
            });
            comparison_rows[i].1.push(per_1k_words);
        }
    }

    let mut terms_by_group = Vec::new();
    for (key, g) in &groups {
        let mut terms: Vec<(&String, &TermCount)> = g.term_counts.iter().collect();
        terms.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));
        for (term, tc) in terms.into_iter().take(compare.top_terms) {
            terms_by_group.push(TermGroupRow {
                group: key.clone(),
                term: term.clone(),
                display: display_form(tc).to_string(),
                count: tc.count,
                per_1k_words: per_1k(tc.count, g.words),
                articles_mentioning: tc.articles,
            });
        }
    }

    let mut languages = Vec::new();
    for (key, g) in &groups {
        let mut langs: Vec<(&&str, &u64)> = g.languages.iter().collect();
        langs.sort();
        languages.extend(langs.into_iter().map(|(l, n)| LanguageRow {
            group: key.clone(),
            language: l.to_string(),
            articles: *n,
        }));
    }

    Tables {
        group_columns: group_by.iter().map(|g| g.name()).collect(),
        articles,
        article_topics,
        topics_by_group,
        topic_comparison: TopicComparison {
            columns: groups.iter().map(|(k, _)| group_label(k)).collect(),
            rows: comparison_rows,
        },
        terms_by_group,
        languages,
        rejected,
    }
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

/// The most frequent surface form of a stem; ties go to the alphabetically first.
pub fn display_form(tc: &TermCount) -> &str {
    tc.surfaces
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(s, _)| s.as_str())
        .unwrap_or("")
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
        let mut tc = TermCount::default();
        tc.surfaces.insert("négociations".into(), 3);
        tc.surfaces.insert("négociation".into(), 3);
        tc.surfaces.insert("négocier".into(), 1);
        assert_eq!(display_form(&tc), "négociation");
        tc.surfaces.insert("négociations".into(), 4);
        assert_eq!(display_form(&tc), "négociations");
    }

    #[test]
    fn rates() {
        assert_eq!(per_1k(3, 1500), 2.0);
        assert_eq!(per_1k(3, 0), 0.0);
        assert_eq!(ratio(1, 4), 0.25);
        assert_eq!(group_label(&["rt".into(), "fr".into()]), "rt / fr");
    }
}
