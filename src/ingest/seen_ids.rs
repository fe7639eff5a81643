//! The input ids read so far, per outlet, with where each was first read: what the reader
//! checks every article with an id of its own against.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};

/// Every (outlet, id) once, with the source of the article that first had it. The ids and
/// sources lie one after another in one String, and the table holds where, with half the
/// entry's hash (all it needs to grow). A map of (outlet, id) → source held two strings of
/// their own per article: 9 MB of a 100,000-article run's 152 MB peak, which comes at the end
/// of the reading.
#[derive(Default)]
pub struct SeenIds {
    outlets: FxHashMap<String, u32>,
    table: HashTable<Seen>,
    text: String,
}

#[derive(Clone, Copy)]
struct Seen {
    /// Where the id starts in `text`; the source follows it.
    start: usize,
    id_len: u32,
    source_len: u32,
    outlet: u32,
    hash: u32,
}

impl Seen {
    fn id<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.start + self.id_len as usize]
    }

    fn source<'t>(&self, text: &'t str) -> &'t str {
        let start = self.start + self.id_len as usize;
        &text[start..start + self.source_len as usize]
    }
}

/// hashbrown places by the low bits and tags by the top 7: the kept half serves as both.
fn table_hash(half: u32) -> u64 {
    (u64::from(half) << 32) | u64::from(half)
}

impl SeenIds {
    /// The source that first had `id` for `outlet`, if one did; otherwise `id` is recorded
    /// as first read at `source`.
    pub fn first_read(&mut self, outlet: &str, id: &str, source: &str) -> Option<&str> {
        let outlet = match self.outlets.get(outlet) {
            Some(&n) => n,
            None => {
                let n = self.outlets.len() as u32;
                self.outlets.insert(outlet.to_string(), n);
                n
            }
        };
        let hash = (FxBuildHasher.hash_one((outlet, id)) >> 32) as u32;
        let text = &self.text;
        let found = self.table.find(table_hash(hash), |s| {
            s.hash == hash && s.outlet == outlet && s.id(text) == id
        });
        if let Some(seen) = found {
            return Some(seen.source(&self.text));
        }
        // an id or a source of 4 GiB is not an article's: it is not recorded
        let (Ok(id_len), Ok(source_len)) = (u32::try_from(id.len()), u32::try_from(source.len()))
        else {
            return None;
        };
        let seen = Seen {
            start: self.text.len(),
            id_len,
            source_len,
            outlet,
            hash,
        };
        self.text.push_str(id);
        self.text.push_str(source);
        self.table
            .insert_unique(table_hash(hash), seen, |s| table_hash(s.hash));
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
