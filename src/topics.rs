//! The topic and actor lexicon, compiled through the analyzer and matched on term sequences.
//!
//! Each term of the config (a word or a phrase) is analyzed with its own language's chain,
//! so it becomes the same sequence of stems the article text becomes: "Сирию" and "Сирии"
//! both hit a topic whose term is "Сирия", and "Corée du Nord" matches across the dropped
//! stopword "du". An article is matched against the terms of its detected language; an
//! undetermined one against every term, analyzed with the language-neutral chain.
//!
//! Within one topic, matches do not overlap: at each position the longest term wins and the
//! scan resumes after it. Different topics are counted independently.

use std::hash::Hash;

use rustc_hash::FxHashMap;

use crate::analyze::Analyzers;
use crate::config::{TopicKind, TopicSpec};
use crate::error::{Error, Result};
use crate::language::UNDETERMINED;

#[derive(Debug, Clone)]
pub struct Topic {
    pub id: String,
    pub label: String,
    pub kind: TopicKind,
}

struct Pattern<K> {
    terms: Vec<K>,
    topic: usize,
}

/// One language's patterns, over terms as strings or as a worker's term ids.
pub struct Patterns<K> {
    /// Patterns by their first term, longest first.
    by_first: FxHashMap<K, Vec<Pattern<K>>>,
    topics: usize,
}

pub struct Lexicon {
    topics: Vec<Topic>,
    by_language: FxHashMap<String, Patterns<String>>,
    /// Per language, per topic (in [`Lexicon::topics`] order): the config's terms for it.
    defined: FxHashMap<String, Vec<u32>>,
}

impl Lexicon {
    pub fn compile(specs: &[TopicSpec], analyzers: &Analyzers) -> Result<Lexicon> {
        let mut topics: Vec<(usize, &TopicSpec)> = specs.iter().enumerate().collect();
        topics.sort_by(|a, b| a.1.id.cmp(&b.1.id));
        let mut by_language: FxHashMap<String, Patterns<String>> = FxHashMap::default();
        let mut out_topics = Vec::new();
        let mut defined: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (index, (_, spec)) in topics.iter().enumerate() {
            out_topics.push(Topic {
                id: spec.id.clone(),
                label: spec.label.clone(),
                kind: spec.kind,
            });
            for (code, terms) in &spec.terms {
                // an undetermined article is matched against every language's terms
                for language in [code.as_str(), UNDETERMINED] {
                    defined
                        .entry(language.to_string())
                        .or_insert_with(|| vec![0; specs.len()])[index] += terms.len() as u32;
                }
                for term in terms {
                    let analyzed = analyzers.get(code).terms(term);
                    if analyzed.is_empty() {
                        return Err(Error::config(format!(
                            "topic {:?}: term {term:?} (terms.{code}) is only stopwords or punctuation, so it can never match",
                            spec.id
                        )));
                    }
                    add(
                        by_language
                            .entry(code.clone())
                            .or_insert_with(|| Patterns::new(specs.len())),
                        analyzed,
                        index,
                    );
                    let neutral = analyzers.get(UNDETERMINED).terms(term);
                    add(
                        by_language
                            .entry(UNDETERMINED.to_string())
                            .or_insert_with(|| Patterns::new(specs.len())),
                        neutral,
                        index,
                    );
                }
            }
        }
        for lexicon in by_language.values_mut() {
            for patterns in lexicon.by_first.values_mut() {
                patterns.sort_by(|a, b| {
                    b.terms
                        .len()
                        .cmp(&a.terms.len())
                        .then(a.topic.cmp(&b.topic))
                });
                patterns.dedup_by(|a, b| a.terms == b.terms && a.topic == b.topic);
            }
        }
        Ok(Lexicon {
            topics: out_topics,
            by_language,
            defined,
        })
    }

    /// How many of the config's terms `topic` (an index into [`Lexicon::topics`]) has in
    /// `language`: 0 means an article in that language cannot mention it, whatever it says.
    pub fn terms_defined(&self, language: &str, topic: usize) -> u32 {
        self.defined.get(language).map_or(0, |counts| counts[topic])
    }

    /// Topics sorted by id; hit vectors are indexed in this order.
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    /// Adds the hits of each topic in `terms` (an article's term sequence) to `hits`: the
    /// string form that the tests check [`Lexicon::resolve`]'s id form against.
    #[cfg(test)]
    fn count_hits(&self, language: &str, terms: &[String], hits: &mut [u32]) {
        if let Some(patterns) = self.by_language.get(language) {
            patterns.count_hits(terms, hits);
        }
    }

    /// `language`'s patterns with each term replaced by `id(term)`: a worker matches its
    /// articles' term ids, not strings. Ids must be one-to-one with strings.
    pub fn resolve(&self, language: &str, mut id: impl FnMut(&str) -> u32) -> Patterns<u32> {
        let mut resolved = Patterns::new(self.topics.len());
        if let Some(patterns) = self.by_language.get(language) {
            for (first, list) in &patterns.by_first {
                let list = list
                    .iter()
                    .map(|p| Pattern {
                        terms: p.terms.iter().map(|t| id(t)).collect(),
                        topic: p.topic,
                    })
                    .collect();
                resolved.by_first.insert(id(first), list);
            }
        }
        resolved
    }
}

impl<K: Eq + Hash> Patterns<K> {
    fn new(topics: usize) -> Patterns<K> {
        Patterns {
            by_first: FxHashMap::default(),
            topics,
        }
    }

    /// Adds the hits of each topic in `terms` (an article's term sequence) to `hits`.
    pub fn count_hits(&self, terms: &[K], hits: &mut [u32]) {
        if self.by_first.is_empty() {
            return;
        }
        let mut next_free = vec![0usize; self.topics];
        for (at, term) in terms.iter().enumerate() {
            let Some(patterns) = self.by_first.get(term) else {
                continue;
            };
            for p in patterns {
                if next_free[p.topic] > at || at + p.terms.len() > terms.len() {
                    continue;
                }
                if p.terms[1..] == terms[at + 1..at + p.terms.len()] {
                    hits[p.topic] += 1;
                    next_free[p.topic] = at + p.terms.len();
                }
            }
        }
    }
}

fn add(lexicon: &mut Patterns<String>, terms: Vec<String>, topic: usize) {
    if terms.is_empty() {
        return;
    }
    lexicon
        .by_first
        .entry(terms[0].clone())
        .or_default()
        .push(Pattern { terms, topic });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TextSection;
    use std::collections::BTreeMap;

    fn spec(id: &str, terms: &[(&str, &[&str])]) -> TopicSpec {
        TopicSpec {
            id: id.into(),
            label: id.into(),
            kind: TopicKind::Topic,
            terms: terms
                .iter()
                .map(|(l, t)| (l.to_string(), t.iter().map(|s| s.to_string()).collect()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    /// Hits on strings; the run's path (patterns resolved to ids, matched on ids) must agree.
    fn hits(lexicon: &Lexicon, analyzers: &Analyzers, lang: &str, text: &str) -> Vec<u32> {
        let terms = analyzers.get(lang).terms(text);
        let mut hits = vec![0; lexicon.topics().len()];
        lexicon.count_hits(lang, &terms, &mut hits);

        let mut ids: FxHashMap<String, u32> = FxHashMap::default();
        let mut id = |t: &str| {
            let next = ids.len() as u32;
            *ids.entry(t.to_string()).or_insert(next)
        };
        let resolved = lexicon.resolve(lang, &mut id);
        let term_ids: Vec<u32> = terms.iter().map(|t| id(t)).collect();
        let mut by_id = vec![0; lexicon.topics().len()];
        resolved.count_hits(&term_ids, &mut by_id);
        assert_eq!(by_id, hits, "{lang}: {text}");
        hits
    }

    #[test]
    fn inflected_forms_and_phrases_match() {
        let analyzers = Analyzers::new(&TextSection::default());
        let lexicon = Lexicon::compile(
            &[
                spec(
                    "syria",
                    &[("ru", &["Сирия", "зона деэскалации"]), ("fr", &["Syrie"])],
                ),
                spec(
                    "north_korea",
                    &[("fr", &["Corée du Nord", "nord-coréen", "Pyongyang"])],
                ),
            ],
            &analyzers,
        )
        .unwrap();
        assert_eq!(lexicon.topics()[0].id, "north_korea");
        let ru = hits(
            &lexicon,
            &analyzers,
            "ru",
            "В Сирии и вокруг Сирию; зоны деэскалации работают.",
        );
        assert_eq!(ru, [0, 3]);
        let fr = hits(
            &lexicon,
            &analyzers,
            "fr",
            "La Corée du Nord, les essais nord-coréens et Pyongyang. Le nord de la Syrie.",
        );
        assert_eq!(fr, [3, 1]);
        // another language's terms do not apply
        assert_eq!(hits(&lexicon, &analyzers, "en", "Syrie Pyongyang"), [0, 0]);
        // an undetermined article is matched against every term, unstemmed
        assert_eq!(
            hits(&lexicon, &analyzers, UNDETERMINED, "syrie pyongyang сирия"),
            [1, 2]
        );
    }

    #[test]
    fn longest_match_wins_and_matches_do_not_overlap() {
        let analyzers = Analyzers::new(&TextSection {
            stopwords: false,
            stem: false,
            ..TextSection::default()
        });
        let lexicon = Lexicon::compile(
            &[spec("t", &[("en", &["north korea", "korea", "north"])])],
            &analyzers,
        )
        .unwrap();
        assert_eq!(
            hits(
                &lexicon,
                &analyzers,
                "en",
                "north korea and korea and north"
            ),
            [3]
        );
    }

    #[test]
    fn terms_are_counted_per_language_and_topic() {
        let analyzers = Analyzers::new(&TextSection::default());
        let lexicon = Lexicon::compile(
            &[
                spec(
                    "syria",
                    &[("ru", &["Сирия", "зона деэскалации"]), ("fr", &["Syrie"])],
                ),
                spec("korea", &[("fr", &["Corée du Nord", "Pyongyang"])]),
            ],
            &analyzers,
        )
        .unwrap();
        // topics are sorted by id: korea, syria
        assert_eq!(lexicon.terms_defined("fr", 0), 2);
        assert_eq!(lexicon.terms_defined("fr", 1), 1);
        assert_eq!(lexicon.terms_defined("ru", 0), 0);
        assert_eq!(lexicon.terms_defined("ru", 1), 2);
        assert_eq!(lexicon.terms_defined("tr", 1), 0);
        assert_eq!(lexicon.terms_defined(UNDETERMINED, 1), 3);
    }

    #[test]
    fn a_term_of_only_stopwords_is_an_error() {
        let analyzers = Analyzers::new(&TextSection::default());
        let err = Lexicon::compile(&[spec("t", &[("fr", &["de la"])])], &analyzers)
            .err()
            .unwrap();
        assert!(err.to_string().contains("\"de la\""), "{err}");
    }
}
