//! The sums a run is made of: per group, articles, words, terms, topic hits, languages and
//! each term with its surface forms; plus one row per article and the rejections. Every
//! number is an integer sum over articles, so [`Counts::merge`] of two workers' counts (or,
//! as `docs/scaling.md` describes, of two machines') equals the counts of all their articles
//! together, in any order.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::article::{ArticleRow, ArticleTally, Context, Processed, Provenance, RowField};
use crate::ingest::Rejection;
use crate::vocabulary::Vocabulary;

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

    /// Takes `n` of `surface` away, and the form with them when none are left.
    fn remove_surface(&mut self, surface: u32, n: u64) -> bool {
        let list = match &mut self.surfaces {
            Surfaces::One(one) => &mut one[..],
            Surfaces::Many(list) => &mut list[..],
        };
        let Some(at) = list.iter().position(|&(s, m)| s == surface && m >= n) else {
            return false;
        };
        list[at].1 -= n;
        if list[at].1 == 0 {
            let mut rest: Vec<(u32, u64)> = self.surfaces().to_vec();
            rest.remove(at);
            self.surfaces = Surfaces::default();
            for (s, m) in rest {
                self.add_surface(s, m);
            }
        }
        true
    }

    /// (surface id, count) for each surface form, in the order they were first added.
    pub fn surfaces(&self) -> &[(u32, u64)] {
        match &self.surfaces {
            Surfaces::One(one) => one,
            Surfaces::Many(list) => list,
        }
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
    /// The group's articles by detected language, each with its own term counts: a term is
    /// a word of one language (French `a` is not Spanish `a`), and term statistics compare
    /// within a language. Most groups write in one language, so this is a short list.
    pub languages: Vec<LanguageSlice>,
    /// Per topic (lexicon order), the kept contexts.csv rows: the smallest by
    /// [`Context`]'s order, at most the run's `contexts_per_topic`, so that the choice is the
    /// same whatever the order articles arrive in, and memory does not grow with the corpus.
    pub contexts: Vec<Vec<Context>>,
}

/// The articles of one group in one language.
#[derive(Debug, Clone, Default)]
pub struct LanguageSlice {
    pub language: &'static str,
    pub articles: u64,
    /// Word tokens before stopwords.
    pub words: u64,
    /// Tokens counted after stopwords.
    pub terms: u64,
    /// By term id in the [`Counts`]' vocabulary.
    pub term_counts: FxHashMap<u32, TermCount>,
}

impl LanguageSlice {
    fn new(language: &'static str) -> LanguageSlice {
        LanguageSlice {
            language,
            ..LanguageSlice::default()
        }
    }

    /// Adds `other` (same language), whose ids `remap` translates into this vocabulary.
    fn merge(&mut self, other: LanguageSlice, remap: &[u32]) {
        self.articles += other.articles;
        self.words += other.words;
        self.terms += other.terms;
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

impl GroupCounts {
    pub fn new(topics: usize) -> GroupCounts {
        GroupCounts {
            topic_hits: vec![0; topics],
            topic_articles: vec![0; topics],
            contexts: vec![Vec::new(); topics],
            ..GroupCounts::default()
        }
    }

    /// The group's slice of `language`, added if new.
    pub fn slice_mut(&mut self, language: &'static str) -> &mut LanguageSlice {
        match self.languages.iter().position(|s| s.language == language) {
            Some(at) => &mut self.languages[at],
            None => {
                self.languages.push(LanguageSlice::new(language));
                self.languages.last_mut().expect("just pushed")
            }
        }
    }

    /// The group's slice of `language`, if it has articles in it.
    #[cfg(test)]
    pub fn slice(&self, language: &str) -> Option<&LanguageSlice> {
        self.languages.iter().find(|s| s.language == language)
    }

    /// Folds one analysed article into the group; its ids are in the worker's vocabulary.
    pub fn add_tally(&mut self, a: &ArticleTally) {
        self.articles += 1;
        self.words += a.words;
        self.terms += a.terms;
        for &(topic, n) in &a.hits {
            self.topic_hits[topic] += u64::from(n);
            self.topic_articles[topic] += 1;
        }
        let slice = self.slice_mut(a.language);
        slice.articles += 1;
        slice.words += a.words;
        slice.terms += a.terms;
        for (term, count, surfaces) in a.terms() {
            let entry = slice.term_counts.entry(term).or_default();
            entry.count += count;
            entry.articles += 1;
            for (surface, n) in surfaces {
                entry.add_surface(surface, n);
            }
        }
    }

    /// Takes out one article that [`GroupCounts::add_tally`] folded in; `id` translates the
    /// tally's ids into this group's vocabulary. Entries left at zero go, as if the article
    /// had never been read. False if the group does not hold what the tally says.
    pub fn remove_tally(&mut self, a: &ArticleTally, id: &dyn Fn(u32) -> Option<u32>) -> bool {
        let Some(at) = self.languages.iter().position(|s| s.language == a.language) else {
            return false;
        };
        let slice = &mut self.languages[at];
        if self.articles == 0 || slice.articles == 0 || slice.words < a.words {
            return false;
        }
        self.articles -= 1;
        self.words -= a.words;
        self.terms -= a.terms;
        for &(topic, n) in &a.hits {
            self.topic_hits[topic] -= u64::from(n);
            self.topic_articles[topic] -= 1;
        }
        slice.articles -= 1;
        slice.words -= a.words;
        slice.terms -= a.terms;
        for (term, count, surfaces) in a.terms() {
            let Some(term) = id(term) else { return false };
            let Some(entry) = slice.term_counts.get_mut(&term) else {
                return false;
            };
            if entry.count < count || entry.articles == 0 {
                return false;
            }
            entry.count -= count;
            entry.articles -= 1;
            for (surface, n) in surfaces {
                if !id(surface).is_some_and(|s| entry.remove_surface(s, n)) {
                    return false;
                }
            }
            if entry.articles == 0 {
                slice.term_counts.remove(&term);
            }
        }
        if slice.articles == 0 {
            self.languages.remove(at);
        }
        true
    }

    /// Keeps `context` if it is among the `keep` first of its topic.
    pub fn keep_context(&mut self, context: Context, keep: usize) {
        let Some(kept) = self.contexts.get_mut(context.topic as usize) else {
            return;
        };
        if kept.len() >= keep && kept.last().is_none_or(|last| context >= *last) {
            return;
        }
        let at = kept.partition_point(|c| *c < context);
        kept.insert(at, context);
        kept.truncate(keep);
    }

    /// Adds `other`, whose ids `remap` translates into this group's vocabulary.
    fn merge(&mut self, other: GroupCounts, remap: &[u32], keep: usize) {
        for context in other.contexts.into_iter().flatten() {
            self.keep_context(context, keep);
        }
        self.articles += other.articles;
        self.words += other.words;
        self.terms += other.terms;
        for (a, b) in self.topic_hits.iter_mut().zip(other.topic_hits) {
            *a += b;
        }
        for (a, b) in self.topic_articles.iter_mut().zip(other.topic_articles) {
            *a += b;
        }
        for slice in other.languages {
            self.slice_mut(slice.language).merge(slice, remap);
        }
    }
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
    /// Articles listed but left out of the sums (copies, with `count = "first"`).
    pub left_out: u64,
    /// Articles outside `[select]`: in no table but excluded.csv.
    pub excluded: Vec<Excluded>,
    /// Contexts kept per group and topic.
    pub contexts_per_topic: usize,
}

/// A row of `excluded.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Excluded {
    pub article_id: String,
    pub source: String,
    pub reason: String,
    /// For duplicate ids across the shards of a partial run.
    pub outlet: String,
    pub id_from_input: bool,
}

impl Counts {
    /// Folds one processed article, whose analysis is `tally` (ids of the worker's
    /// vocabulary, which becomes `self.vocabulary` when the worker finishes).
    pub fn add(
        &mut self,
        article: Processed,
        tally: &ArticleTally,
        topics: usize,
        contexts_per_topic: usize,
    ) {
        self.contexts_per_topic = contexts_per_topic;
        match article.provenance {
            Provenance::Analysed => {}
            Provenance::LanguageFromCache => self.language_from_cache += 1,
            Provenance::Cached => self.from_cache += 1,
        }
        if let Some(reason) = article.excluded {
            self.excluded.push(Excluded {
                article_id: article.row.id().to_string(),
                source: article.row.source().to_string(),
                reason,
                outlet: article.row.get(RowField::Outlet).to_string(),
                id_from_input: article.row.id_from_input,
            });
            return;
        }
        if !article.counted {
            // listed in the per-article tables, left out of every sum
            self.left_out += 1;
            push_row(&mut self.articles, article.row);
            return;
        }
        let group = match self.groups.get_mut(&article.group) {
            Some(g) => g,
            None => self
                .groups
                .entry(article.group)
                .or_insert_with(|| GroupCounts::new(topics)),
        };
        group.add_tally(tally);
        for context in article.contexts {
            group.keep_context(context, contexts_per_topic);
        }
        push_row(&mut self.articles, article.row);
    }

    pub fn merge(self, other: Counts) -> Counts {
        // Merge the smaller into the larger: the maps of a long fold are the expensive part.
        let (mut big, small) = if self.articles.len() >= other.articles.len() {
            (self, other)
        } else {
            (other, self)
        };
        // exactly as many rows as there are: a doubled Vec would hold up to as many again
        big.articles.reserve_exact(small.articles.len());
        big.articles.extend(small.articles);
        big.rejected.extend(small.rejected);
        big.excluded.extend(small.excluded);
        big.from_cache += small.from_cache;
        big.language_from_cache += small.language_from_cache;
        big.left_out += small.left_out;
        big.contexts_per_topic = big.contexts_per_topic.max(small.contexts_per_topic);
        let keep = big.contexts_per_topic;
        let remap = big.vocabulary.remap(&small.vocabulary);
        // The merge of two workers' counts runs while every other thread waits for it (at
        // 20,000 articles and 2 threads, 50 ms on one core between the two parallel stages):
        // the groups are independent, so they merge on the run's threads, each group exactly
        // as it did one after the other.
        let mut small_groups = small.groups;
        let mut pairs: Vec<(&mut GroupCounts, GroupCounts)> = Vec::new();
        for (key, group) in big.groups.iter_mut() {
            if let Some(theirs) = small_groups.remove(key) {
                pairs.push((group, theirs));
            }
        }
        pairs
            .into_par_iter()
            .with_max_len(1)
            .for_each(|(mine, theirs)| mine.merge(theirs, &remap, keep));
        let only_small: Vec<(Vec<String>, GroupCounts)> = small_groups
            .into_iter()
            .collect::<Vec<_>>()
            .into_par_iter()
            .with_max_len(1)
            .map(|(key, theirs)| {
                let mut mine = GroupCounts::new(theirs.topic_hits.len());
                mine.merge(theirs, &remap, keep);
                (key, mine)
            })
            .collect();
        big.groups.extend(only_small);
        big
    }
}

/// Rows are the one thing a worker keeps per article: they grow by an eighth (at least 4096
/// rows), not by doubling, so that a long fold ends with at most an eighth of its row slots
/// empty rather than up to half; the growth stays geometric, so moving rows on growth costs
/// at most eight moves per row whatever the corpus size.
fn push_row(rows: &mut Vec<ArticleRow>, row: ArticleRow) {
    if rows.len() == rows.capacity() {
        rows.reserve_exact((rows.len() / 8).max(4096));
    }
    rows.push(row);
}
