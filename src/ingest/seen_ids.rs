//! The input ids read so far, per outlet, with where each was first read: what the reader
//! checks every article with an id of its own against.

use std::fmt::Write;

use crate::vocabulary::Vocabulary;

/// Every (outlet, id) once, with the source of the article that first had it. The pairs are
/// strings of a [`Vocabulary`] (the outlet's number, a NUL, the id: unambiguous, as a number
/// has no NUL), and the sources lie one after another in one String, by the pair's id. A map
/// of (outlet, id) → source held two strings of their own per article: 9 MB of a
/// 100,000-article run's 152 MB peak, which comes at the end of the reading.
#[derive(Default)]
pub struct SeenIds {
    /// The outlets, numbered in the order first read.
    outlets: Vocabulary,
    keys: Vocabulary,
    sources: String,
    /// Where each key's source ends in `sources` (it starts where the one before ends).
    source_ends: Vec<usize>,
    /// The key being looked up, reused.
    key: String,
}

impl SeenIds {
    /// The source that first had `id` for `outlet`, if one did; otherwise `id` is recorded
    /// as first read at `source`.
    pub fn first_read(&mut self, outlet: &str, id: &str, source: &str) -> Option<&str> {
        let outlet = self.outlets.intern(outlet);
        self.key.clear();
        let _ = write!(self.key, "{outlet}\0{id}");
        let known = self.keys.len();
        let at = self.keys.intern(&self.key) as usize;
        if at < known {
            let start = at
                .checked_sub(1)
                .map_or(0, |before| self.source_ends[before]);
            return Some(&self.sources[start..self.source_ends[at]]);
        }
        self.sources.push_str(source);
        self.source_ends.push(self.sources.len());
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_repeats_within_its_outlet_only() {
        let mut seen = SeenIds::default();
        assert_eq!(seen.first_read("wire", "a1", "one.jsonl:1"), None);
        assert_eq!(seen.first_read("daily", "a1", "one.jsonl:2"), None);
        assert_eq!(seen.first_read("wire", "a2", "two.jsonl:1"), None);
        assert_eq!(
            seen.first_read("wire", "a1", "two.jsonl:9"),
            Some("one.jsonl:1")
        );
        assert_eq!(
            seen.first_read("daily", "a1", "three.jsonl:4"),
            Some("one.jsonl:2")
        );
        // an id that is another's prefix, or whose source makes up the rest, is its own
        assert_eq!(seen.first_read("wire", "a", "1one.jsonl:1"), None);
        assert_eq!(seen.first_read("wire", "a1o", "ne.jsonl:1"), None);
    }

    #[test]
    fn the_first_source_is_kept_as_the_table_grows() {
        let mut seen = SeenIds::default();
        for i in 0..10_000 {
            let outlet = format!("outlet-{}", i % 7);
            assert_eq!(
                seen.first_read(&outlet, &format!("id-{i}"), &format!("f:{i}")),
                None
            );
        }
        for i in (0..10_000).step_by(37) {
            let outlet = format!("outlet-{}", i % 7);
            let first = seen.first_read(&outlet, &format!("id-{i}"), "later:1");
            assert_eq!(first, Some(format!("f:{i}").as_str()));
        }
    }
}
