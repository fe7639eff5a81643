//! The topic and actor lexicon, compiled through the analyzer and matched on term sequences.
//!
//! Each term of the config (a word or a phrase) is analyzed with its own language's chain,
//! so it becomes the same sequence of stems the article text becomes: "Сирию" and "Сирии"
//! both hit a topic whose term is "Сирия", and "Corée du Nord" matches across the dropped
//! stopword "du". An article is matched against the terms of its detected language; an
//! undetermined one against every term, analyzed with the language-neutral chain.
//!
//! A word of a term may end in `*` (`сирій*`, `зон* деескалац*`, `Syri*`): a **glob**, which
//! matches every lowercased surface word (not stem) that starts with the rest, as quanteda's
//! `valuetype = "glob"` does — for languages without a stemmer, where listing every
//! inflection by hand always misses one. Each language's glob prefixes are compiled once
//! into a trie; a worker walks it once per distinct surface word and remembers the answer,
//! so matching stays one lookup per token.
//!
//! Within one topic, matches do not overlap: at each position the longest term wins and the
//! scan resumes after it. Different topics are counted independently.

use std::hash::Hash;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::analyze::{Analyzer, Analyzers};
use crate::config::{TopicKind, TopicSpec};
use crate::error::{Error, Result};
use crate::language::UNDETERMINED;

#[derive(Debug, Clone)]
pub struct Topic {
    pub id: String,
    pub label: String,
    pub kind: TopicKind,
}

impl Topic {
    /// What to call the topic for people: its label, or its id when it has none.
    pub fn label_or_id(&self) -> String {
        if self.label.trim().is_empty() {
            self.id.clone()
        } else {
            self.label.clone()
        }
    }
}

/// One word of a compiled term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Element<K> {
    /// A term (stem), as the analyzer makes it.
    Term(K),
    /// A glob: an index into the language's [`Globs`].
    Glob(u32),
}

struct Pattern<K> {
    elements: Vec<Element<K>>,
    topic: usize,
}

/// One language's patterns, over terms as strings or as a worker's term ids.
pub struct Patterns<K> {
    /// Patterns by their first term, longest first (then by topic).
    by_first: FxHashMap<K, Vec<Pattern<K>>>,
    /// Patterns by their first glob (indexed as [`Globs`]), longest first (then by topic).
    by_first_glob: Vec<Vec<Pattern<K>>>,
    globs: Arc<Globs>,
    topics: usize,
}

/// Where a topic match is in an article: part (0 title, 1 text) and the byte range from its
/// first word to its last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HitSpan {
    pub topic: u32,
    pub part: u8,
    pub start: u32,
    pub end: u32,
}

/// The globs each token of an article matches: token `i`'s are
/// `pool[ranges[i].0..ranges[i].1]`. Empty `ranges`: no token matches any.
#[derive(Clone, Copy)]
pub struct TokenGlobs<'a> {
    pub ranges: &'a [(u32, u32)],
    pub pool: &'a [u32],
}

impl<'a> TokenGlobs<'a> {
    pub const NONE: TokenGlobs<'static> = TokenGlobs {
        ranges: &[],
        pool: &[],
    };

    fn at(&self, token: usize) -> &'a [u32] {
        match self.ranges.get(token) {
            Some(&(start, end)) => &self.pool[start as usize..end as usize],
            None => &[],
        }
    }
}

/// One language's glob prefixes, in a trie by character.
#[derive(Debug, Default)]
pub struct Globs {
    prefixes: Vec<String>,
    /// Node 0 is the root; each node: its children by character, sorted, and the globs whose
    /// prefix ends there.
    nodes: Vec<GlobNode>,
}

#[derive(Debug, Default)]
struct GlobNode {
    children: Vec<(char, u32)>,
    ends: Vec<u32>,
}

impl Globs {
    /// The glob of `prefix` (lowercase), added if new.
    fn add(&mut self, prefix: &str) -> u32 {
        if let Some(i) = self.prefixes.iter().position(|p| p == prefix) {
            return i as u32;
        }
        if self.nodes.is_empty() {
            self.nodes.push(GlobNode::default());
        }
        let glob = self.prefixes.len() as u32;
        self.prefixes.push(prefix.to_string());
        let mut node = 0usize;
        for c in prefix.chars() {
            node = match self.nodes[node]
                .children
                .binary_search_by_key(&c, |&(k, _)| k)
            {
                Ok(i) => self.nodes[node].children[i].1 as usize,
                Err(i) => {
                    let next = self.nodes.len() as u32;
                    self.nodes.push(GlobNode::default());
                    self.nodes[node].children.insert(i, (c, next));
                    next as usize
                }
            };
        }
        self.nodes[node].ends.push(glob);
        glob
    }

    pub fn is_empty(&self) -> bool {
        self.prefixes.is_empty()
    }

    /// Every glob that `word` (a lowercased surface form) matches, into `out`: one walk down
    /// the trie along the word.
    pub fn matches(&self, word: &str, out: &mut Vec<u32>) {
        let mut node = 0usize;
        if self.nodes.is_empty() {
            return;
        }
        for c in word.chars() {
            match self.nodes[node]
                .children
                .binary_search_by_key(&c, |&(k, _)| k)
            {
                Ok(i) => node = self.nodes[node].children[i].1 as usize,
                Err(_) => return,
            }
            out.extend_from_slice(&self.nodes[node].ends);
        }
    }
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
                    for language in [code.as_str(), UNDETERMINED] {
                        let patterns = by_language
                            .entry(language.to_string())
                            .or_insert_with(|| Patterns::new(specs.len()));
                        let globs = Arc::get_mut(&mut patterns.globs)
                            .expect("the lexicon's globs are not shared while it is compiled");
                        let elements =
                            compile_term(term, analyzers.get(language), globs).map_err(|why| {
                                Error::config(format!(
                                    "topic {:?}: term {term:?} (terms.{code}) {why}",
                                    spec.id
                                ))
                            })?;
                        patterns.add(elements, index);
                    }
                }
            }
        }
        for patterns in by_language.values_mut() {
            for list in patterns
                .by_first
                .values_mut()
                .chain(patterns.by_first_glob.iter_mut())
            {
                list.sort_by(|a, b| {
                    b.elements
                        .len()
                        .cmp(&a.elements.len())
                        .then(a.topic.cmp(&b.topic))
                });
                list.dedup_by(|a, b| a.elements == b.elements && a.topic == b.topic);
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

    /// For each language the config has terms in (sorted), the ids of the topics it has none
    /// for, when there are any: what `check` warns about before a run.
    pub fn gaps(&self) -> Vec<(String, Vec<&str>)> {
        let mut languages: Vec<&String> = self
            .defined
            .keys()
            .filter(|l| l.as_str() != UNDETERMINED)
            .collect();
        languages.sort();
        languages
            .into_iter()
            .filter_map(|language| {
                let missing: Vec<&str> = (0..self.topics.len())
                    .filter(|&t| self.terms_defined(language, t) == 0)
                    .map(|t| self.topics[t].id.as_str())
                    .collect();
                (!missing.is_empty()).then(|| (language.clone(), missing))
            })
            .collect()
    }

    /// Topics sorted by id; hit vectors are indexed in this order.
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    /// Adds the hits of each topic in `terms` (an article's term sequence) to `hits`: the
    /// string form that the tests check [`Lexicon::resolve`]'s id form against.
    #[cfg(test)]
    fn count_hits(&self, language: &str, terms: &[String], surfaces: &[String], hits: &mut [u32]) {
        if let Some(patterns) = self.by_language.get(language) {
            let (ranges, pool) = token_globs(&patterns.globs, surfaces);
            let globs = TokenGlobs {
                ranges: &ranges,
                pool: &pool,
            };
            patterns.count_hits(terms, globs, hits);
        }
    }

    /// `language`'s patterns with each term replaced by `id(term)`: a worker matches its
    /// articles' term ids, not strings. Ids must be one-to-one with strings.
    pub fn resolve(&self, language: &str, mut id: impl FnMut(&str) -> u32) -> Patterns<u32> {
        let mut resolved = Patterns::new(self.topics.len());
        let Some(patterns) = self.by_language.get(language) else {
            return resolved;
        };
        fn resolve_list(
            list: &[Pattern<String>],
            id: &mut impl FnMut(&str) -> u32,
        ) -> Vec<Pattern<u32>> {
            list.iter()
                .map(|p| Pattern {
                    elements: p
                        .elements
                        .iter()
                        .map(|e| match e {
                            Element::Term(t) => Element::Term(id(t)),
                            Element::Glob(g) => Element::Glob(*g),
                        })
                        .collect(),
                    topic: p.topic,
                })
                .collect()
        }
        for (first, list) in &patterns.by_first {
            let list = resolve_list(list, &mut id);
            resolved.by_first.insert(id(first), list);
        }
        resolved.by_first_glob = patterns
            .by_first_glob
            .iter()
            .map(|list| resolve_list(list, &mut id))
            .collect();
        resolved.globs = Arc::clone(&patterns.globs);
        resolved
    }
}

/// A config term as the words it matches: each plain word through the language's chain, each
/// word ending in `*` as a glob of its lowercased rest. `Err`: why it can never match.
fn compile_term(
    term: &str,
    analyzer: &Analyzer,
    globs: &mut Globs,
) -> std::result::Result<Vec<Element<String>>, String> {
    let mut elements = Vec::new();
    if !term.contains('*') {
        elements.extend(analyzer.terms(term).into_iter().map(Element::Term));
    }
    for word in term.split_whitespace().filter(|_| term.contains('*')) {
        match word.strip_suffix('*') {
            Some(prefix) if !prefix.contains('*') => match analyzer.glob_prefix(prefix) {
                Some(prefix) => elements.push(Element::Glob(globs.add(&prefix))),
                None => {
                    return Err(format!(
                        "has the glob {word:?}: a glob is one word and at least one letter before its `*`"
                    ))
                }
            },
            Some(_) | None if word.contains('*') => {
                return Err(format!(
                    "has {word:?}: `*` may only end a word (a glob)"
                ))
            }
            _ => elements.extend(analyzer.terms(word).into_iter().map(Element::Term)),
        }
    }
    if elements.is_empty() {
        return Err("is only stopwords or punctuation, so it can never match".into());
    }
    Ok(elements)
}

/// Each surface's globs, as [`TokenGlobs`] ranges into a pool: what a worker's memo gives, for
/// the tests' string path.
#[cfg(test)]
fn token_globs(globs: &Globs, surfaces: &[String]) -> (Vec<(u32, u32)>, Vec<u32>) {
    let mut pool = Vec::new();
    let ranges = surfaces
        .iter()
        .map(|s| {
            let start = pool.len() as u32;
            globs.matches(s, &mut pool);
            (start, pool.len() as u32)
        })
        .collect();
    (ranges, pool)
}

impl<K: Eq + Hash + Clone> Patterns<K> {
    fn new(topics: usize) -> Patterns<K> {
        Patterns {
            by_first: FxHashMap::default(),
            by_first_glob: Vec::new(),
            globs: Arc::new(Globs::default()),
            topics,
        }
    }

    fn add(&mut self, elements: Vec<Element<K>>, topic: usize) {
        let pattern = Pattern { elements, topic };
        match &pattern.elements[0] {
            Element::Glob(g) => {
                let g = *g as usize;
                if self.by_first_glob.len() <= g {
                    self.by_first_glob.resize_with(g + 1, Vec::new);
                }
                self.by_first_glob[g].push(pattern);
            }
            Element::Term(first) => {
                let first = first.clone();
                self.by_first.entry(first).or_default().push(pattern);
            }
        }
    }

    /// The language's globs: a worker resolves its surface words against them.
    pub fn globs(&self) -> &Globs {
        &self.globs
    }

    /// Adds the hits of each topic in `terms` (an article's term sequence, with the globs each
    /// token's surface word matches) to `hits`.
    pub fn count_hits(&self, terms: &[K], globs: TokenGlobs, hits: &mut [u32]) {
        self.count_hits_with(terms, globs, hits, &mut |_, _, _| {});
    }

    /// [`Patterns::count_hits`], telling `on_hit(topic, first token, tokens)` of each match.
    pub fn count_hits_with(
        &self,
        terms: &[K],
        globs: TokenGlobs,
        hits: &mut [u32],
        on_hit: &mut dyn FnMut(usize, usize, usize),
    ) {
        if self.by_first.is_empty() && self.by_first_glob.is_empty() {
            return;
        }
        let mut next_free = vec![0usize; self.topics];
        let mut candidates: Vec<&Pattern<K>> = Vec::new();
        let mut try_hit = |p: &Pattern<K>, at: usize| {
            if next_free[p.topic] > at || at + p.elements.len() > terms.len() {
                return;
            }
            let rest_matches = p.elements[1..].iter().enumerate().all(|(i, e)| match e {
                Element::Term(k) => *k == terms[at + 1 + i],
                Element::Glob(g) => globs.at(at + 1 + i).contains(g),
            });
            if rest_matches {
                hits[p.topic] += 1;
                next_free[p.topic] = at + p.elements.len();
                on_hit(p.topic, at, p.elements.len());
            }
        };
        for (at, term) in terms.iter().enumerate() {
            let by_term = self.by_first.get(term).map_or(&[][..], Vec::as_slice);
            let token_globs = globs.at(at);
            if token_globs.is_empty() {
                for p in by_term {
                    try_hit(p, at);
                }
                continue;
            }
            // patterns from the term and from each glob, in one longest-first order
            candidates.clear();
            candidates.extend(by_term);
            for &g in token_globs {
                if let Some(list) = self.by_first_glob.get(g as usize) {
                    candidates.extend(list);
                }
            }
            candidates.sort_by(|a, b| {
                b.elements
                    .len()
                    .cmp(&a.elements.len())
                    .then(a.topic.cmp(&b.topic))
            });
            for p in &candidates {
                try_hit(p, at);
            }
        }
    }
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
        let mut terms = Vec::new();
        let mut surfaces = Vec::new();
        analyzers.get(lang).analyze(text, |surface, term| {
            surfaces.push(surface.to_string());
            terms.push(term.to_string());
        });
        let mut hits = vec![0; lexicon.topics().len()];
        lexicon.count_hits(lang, &terms, &surfaces, &mut hits);

        let mut ids: FxHashMap<String, u32> = FxHashMap::default();
        let mut id = |t: &str| {
            let next = ids.len() as u32;
            *ids.entry(t.to_string()).or_insert(next)
        };
        let resolved = lexicon.resolve(lang, &mut id);
        let term_ids: Vec<u32> = terms.iter().map(|t| id(t)).collect();
        let (ranges, pool) = token_globs(resolved.globs(), &surfaces);
        let globs = TokenGlobs {
            ranges: &ranges,
            pool: &pool,
        };
        let mut by_id = vec![0; lexicon.topics().len()];
        resolved.count_hits(&term_ids, globs, &mut by_id);
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
        assert_eq!(lexicon.gaps(), [("ru".to_string(), vec!["korea"])]);
    }

    #[test]
    fn a_glob_hits_every_inflection_and_nothing_else() {
        let analyzers = Analyzers::new(&TextSection::default());
        let lexicon = Lexicon::compile(
            &[
                spec(
                    "syria",
                    &[
                        ("uk", &["Сирі*", "зон* деескалац*"]),
                        ("pl", &["Syri*", "stref* deeskalacj*"]),
                    ],
                ),
                spec("lavrov", &[("uk", &["Лавров*"]), ("pl", &["Ławrow*"])]),
            ],
            &analyzers,
        )
        .unwrap();
        // topics sorted by id: lavrov, syria
        for (lang, word, expected) in [
            ("uk", "Сирія", [0, 1]),
            ("uk", "Сирії", [0, 1]),
            ("uk", "Сирію", [0, 1]),
            ("uk", "Сирією", [0, 1]),
            ("uk", "сирійській", [0, 1]),
            ("uk", "сирійських", [0, 1]),
            ("uk", "Лаврова", [1, 0]),
            ("uk", "Лавровим", [1, 0]),
            ("uk", "Лаврову", [1, 0]),
            ("uk", "сир", [0, 0]),
            ("uk", "серія", [0, 0]),
            ("uk", "Лаврентій", [0, 0]),
            ("pl", "Syria", [0, 1]),
            ("pl", "Syrii", [0, 1]),
            ("pl", "Syrię", [0, 1]),
            ("pl", "Syrią", [0, 1]),
            ("pl", "Ławrow", [1, 0]),
            ("pl", "Ławrowa", [1, 0]),
            ("pl", "Ławrowem", [1, 0]),
            ("pl", "Ławrowowi", [1, 0]),
            ("pl", "syryjski", [0, 0]),
            ("pl", "Ława", [0, 0]),
            ("pl", "Syr", [0, 0]),
        ] {
            assert_eq!(
                hits(&lexicon, &analyzers, lang, word),
                expected,
                "{lang} {word}"
            );
        }
        // a phrase of globs, in order and side by side only
        assert_eq!(
            hits(
                &lexicon,
                &analyzers,
                "uk",
                "у зонах деескалації та зоні деескалації"
            ),
            [0, 2]
        );
        assert_eq!(
            hits(&lexicon, &analyzers, "uk", "деескалації зонах"),
            [0, 0]
        );
        assert_eq!(
            hits(
                &lexicon,
                &analyzers,
                "pl",
                "w strefach deeskalacji i strefie deeskalacji"
            ),
            [0, 2]
        );
        // another language's globs do not apply; an undetermined article sees them all
        assert_eq!(hits(&lexicon, &analyzers, "ru", "Сирия Сирії"), [0, 0]);
        assert_eq!(
            hits(&lexicon, &analyzers, UNDETERMINED, "Сирії Syrii Ławrowa"),
            [1, 2]
        );
    }

    #[test]
    fn a_glob_and_a_longer_term_on_one_word_count_once() {
        let analyzers = Analyzers::new(&TextSection::default());
        let lexicon = Lexicon::compile(
            &[spec("t", &[("pl", &["Syri*", "Syria Północna", "Syr*"])])],
            &analyzers,
        )
        .unwrap();
        assert_eq!(
            hits(&lexicon, &analyzers, "pl", "Syria Północna i Syria"),
            [2]
        );
    }

    #[test]
    fn traditional_and_simplified_chinese_hit_the_same_terms() {
        let specs = [
            spec("lavrov", &[("zh", &["拉夫罗夫"])]),
            spec("syria", &[("zh", &["叙利亚"])]),
            spec("unga", &[("zh", &["聯合國大會"])]),
        ];
        let analyzers = Analyzers::new(&TextSection::default());
        let lexicon = Lexicon::compile(&specs, &analyzers).unwrap();
        // Traditional text, Simplified terms
        let traditional = "俄羅斯外長拉夫羅夫在紐約與美國國務卿會晤，討論敘利亞問題。";
        assert_eq!(hits(&lexicon, &analyzers, "zh", traditional), [1, 1, 0]);
        // Simplified text, a Traditional term
        let simplified = "拉夫罗夫将在联合国大会上发言，叙利亚问题是重点。";
        assert_eq!(hits(&lexicon, &analyzers, "zh", simplified), [1, 1, 1]);
        // and an undetermined article as well
        assert_eq!(
            hits(&lexicon, &analyzers, UNDETERMINED, traditional),
            [1, 1, 0]
        );

        // without folding, the scripts do not meet
        let unfolded = Analyzers::new(&TextSection {
            fold_chinese: false,
            ..TextSection::default()
        });
        let lexicon = Lexicon::compile(&specs, &unfolded).unwrap();
        assert_eq!(hits(&lexicon, &unfolded, "zh", traditional), [0, 0, 0]);
        assert_eq!(hits(&lexicon, &unfolded, "zh", simplified), [1, 1, 0]);
    }

    #[test]
    fn a_misplaced_star_is_an_error_naming_the_term() {
        let analyzers = Analyzers::new(&TextSection::default());
        for term in ["*", "Sy*ria", "nord-coré*", "**"] {
            let err = Lexicon::compile(&[spec("t", &[("fr", &[term])])], &analyzers)
                .err()
                .unwrap_or_else(|| panic!("{term:?} compiled"));
            let message = err.to_string();
            assert!(message.contains(&format!("{term:?}")), "{message}");
        }
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
