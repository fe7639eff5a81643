//! The input ids read so far, per outlet, with where each was first read: what the reader
//! checks every article with an id of its own against.

use std::fmt::Write;

use crate::article_source::file_and_place;
use crate::vocabulary::Vocabulary;

/// Every (outlet, id) once, with the source of the article that first had it. The pairs are
/// strings of a [`Vocabulary`] (the outlet's number, a NUL, the id: unambiguous, as a number
/// has no NUL). A source is its file's name and a place in it (`name.jsonl:12`): the names
/// are kept once per file, the places one after another in one String, by the pair's id. A
/// map of (outlet, id) → source held two strings of their own per article: 9 MB of a
/// 100,000-article run's 152 MB peak, which comes at the end of the reading. The sources kept
/// whole in one String then took 4.4 MB at that peak, mostly their files' names.
#[derive(Default)]
pub struct SeenIds {
    /// The outlets, numbered in the order first read.
    outlets: Vocabulary,
    keys: Vocabulary,
    /// Each file with the first key read from it, in the order read: a key's file is the
    /// last one that starts at or before it.
    files: Vec<(u32, Box<str>)>,
    /// Each key's source without its file's name (all of it when it is of no form
    /// [`file_and_place`] knows).
    places: String,
    /// Where each key's place ends in `places` (it starts where the one before ends).
    place_ends: Vec<usize>,
    /// The key being looked up, reused.
    key: String,
}

impl SeenIds {
    /// The source that first had `id` for `outlet`, if one did; otherwise `id` is recorded
    /// as first read at `source`.
    pub fn first_read(&mut self, outlet: &str, id: &str, source: &str) -> Option<String> {
        let outlet = self.outlets.intern(outlet);
        self.key.clear();
        let _ = write!(self.key, "{outlet}\0{id}");
        let known = self.keys.len();
        let key = self.keys.intern(&self.key);
        if (key as usize) < known {
            return Some(self.source(key as usize));
        }
        // the file's name as the article rows keep it apart (see `article_source`)
        let place = match file_and_place(source) {
            Some((file, place)) => {
                if self.files.last().is_none_or(|(_, f)| **f != *file) {
                    self.files.push((key, file.into()));
                }
                place
            }
            None => {
                // a source of another form stands alone: a file of no name starts here
                self.files.push((key, "".into()));
                source
            }
        };
        self.places.push_str(place);
        self.place_ends.push(self.places.len());
        None
    }

    fn source(&self, at: usize) -> String {
        let start = at
            .checked_sub(1)
            .map_or(0, |before| self.place_ends[before]);
        let place = &self.places[start..self.place_ends[at]];
        let file = self
            .files
            .partition_point(|(first, _)| *first as usize <= at);
        let name = file.checked_sub(1).map_or("", |f| &*self.files[f].1);
        format!("{name}{place}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(seen: &mut SeenIds, outlet: &str, id: &str, source: &str) -> Option<String> {
        seen.first_read(outlet, id, source)
    }

    #[test]
    fn an_id_repeats_within_its_outlet_only() {
        let mut seen = SeenIds::default();
        assert_eq!(read(&mut seen, "wire", "a1", "one.jsonl:1"), None);
        assert_eq!(read(&mut seen, "daily", "a1", "one.jsonl:2"), None);
        assert_eq!(read(&mut seen, "wire", "a2", "two.jsonl:1"), None);
        assert_eq!(
            read(&mut seen, "wire", "a1", "two.jsonl:9").as_deref(),
            Some("one.jsonl:1")
        );
        assert_eq!(
            read(&mut seen, "daily", "a1", "three.jsonl:4").as_deref(),
            Some("one.jsonl:2")
        );
        // an id that is another's prefix, or whose source makes up the rest, is its own
        assert_eq!(read(&mut seen, "wire", "a", "1one.jsonl:1"), None);
        assert_eq!(read(&mut seen, "wire", "a1o", "ne.jsonl:1"), None);
        assert_eq!(
            read(&mut seen, "wire", "a2", "four.jsonl:3").as_deref(),
            Some("two.jsonl:1")
        );
    }

    #[test]
    fn the_first_source_is_kept_as_the_table_grows() {
        let mut seen = SeenIds::default();
        // files of a few articles each, one named again after another, and sources that
        // are the file's name alone (a page) or of another form
        let source = |i: usize| match i % 100 {
            0 => format!("page-{i}.html"),
            1 => format!("elsewhere-{i}#7"),
            2 => format!("w{}.warc.gz@{}", (i / 10) % 50, i * 512),
            _ => format!("f{}.jsonl:{i}", (i / 10) % 50),
        };
        for i in 0..10_000 {
            let outlet = format!("outlet-{}", i % 7);
            let first = seen.first_read(&outlet, &format!("id-{i}"), &source(i));
            assert_eq!(first, None);
        }
        for i in (0..10_000).step_by(37).chain([0, 1, 100, 101, 9_999]) {
            let outlet = format!("outlet-{}", i % 7);
            let first = read(&mut seen, &outlet, &format!("id-{i}"), "later.jsonl:1");
            assert_eq!(first, Some(source(i)), "article {i}");
        }
    }
}
