//! Terms and surface forms, stored once per worker and referred to by id: a term used by a
//! hundred outlets is one string, not a hundred.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::FxBuildHasher;

/// A string ↔ id table; ids are dense and given in order of first use. Each string is stored
/// once, all of them one after another in one buffer: a worker interns a few hundred thousand
/// words, and a heap allocation each cost 48 bytes for an 8-byte word, and a cache miss on its
/// header whenever the table grew. The lookup table holds each id with half its string's hash,
/// which is all the table needs to grow.
#[derive(Clone)]
pub struct Vocabulary {
    ids: HashTable<Slot>,
    bytes: String,
    /// Where each id's string starts in `bytes`, and one more: where the next would.
    starts: Vec<usize>,
}

#[derive(Clone, Copy)]
struct Slot {
    id: u32,
    hash: u32,
}

impl Default for Vocabulary {
    fn default() -> Self {
        Vocabulary {
            ids: HashTable::new(),
            bytes: String::new(),
            starts: vec![0],
        }
    }
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.strings()).finish()
    }
}

/// The upper half of FxHash (its better-mixed bits), kept in the table.
fn half_hash(s: &str) -> u32 {
    (FxBuildHasher.hash_one(s) >> 32) as u32
}

/// The table's hash of a kept half: hashbrown places by the low bits and tags by the top 7.
fn table_hash(half: u32) -> u64 {
    (u64::from(half) << 32) | u64::from(half)
}

impl Vocabulary {
    /// The id of `s`, added if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        let hash = half_hash(s);
        if let Some(id) = self.find_hashed(s, hash) {
            return id;
        }
        self.add(s, hash)
    }

    /// Adds `s`, known to be missing, with its hash.
    fn add(&mut self, s: &str, hash: u32) -> u32 {
        let id = self.len() as u32;
        self.bytes.push_str(s);
        self.starts.push(self.bytes.len());
        self.ids
            .insert_unique(table_hash(hash), Slot { id, hash }, |slot| {
                table_hash(slot.hash)
            });
        id
    }

    /// The id in this vocabulary of each of `other`'s strings, by `other`'s id; those it lacks
    /// are added, in `other`'s order. The lookups, most of them hits when two workers read the
    /// same kind of text, run on the current rayon pool; only the additions are one after the
    /// other.
    ///
    /// With one vocabulary per language (see `count`), most strings are missing: they are
    /// added with the hash the lookup computed, into space reserved once, not looked up again.
    pub fn remap(&mut self, other: &Vocabulary) -> Vec<u32> {
        let found: Vec<(Option<u32>, u32)> = (0..other.len() as u32)
            .into_par_iter()
            .map(|id| {
                let s = other.get(id);
                let hash = half_hash(s);
                (self.find_hashed(s, hash), hash)
            })
            .collect();
        let (missing, bytes) = found
            .iter()
            .zip(other.strings())
            .filter(|((id, _), _)| id.is_none())
            .fold((0, 0), |(n, b), (_, s)| (n + 1, b + s.len()));
        self.bytes.reserve(bytes);
        self.starts.reserve(missing);
        self.ids.reserve(missing, |slot| table_hash(slot.hash));
        found
            .into_iter()
            .zip(other.strings())
            .map(|((id, hash), s)| id.unwrap_or_else(|| self.add(s, hash)))
            .collect()
    }

    #[inline]
    pub fn get(&self, id: u32) -> &str {
        let id = id as usize;
        &self.bytes[self.starts[id]..self.starts[id + 1]]
    }

    /// The id of `s`, if it was ever interned.
    pub fn find(&self, s: &str) -> Option<u32> {
        self.find_hashed(s, half_hash(s))
    }

    fn find_hashed(&self, s: &str, hash: u32) -> Option<u32> {
        self.ids
            .find(table_hash(hash), |slot| {
                slot.hash == hash && self.get(slot.id) == s
            })
            .map(|slot| slot.id)
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every string, by id.
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        self.starts.windows(2).map(|w| &self.bytes[w[0]..w[1]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_in_order_of_first_use_and_found_again() {
        let mut v = Vocabulary::default();
        let words = ["sanction", "lavrov", "sanction", "", "tillerson", "lavrov"];
        let ids: Vec<u32> = words.iter().map(|w| v.intern(w)).collect();
        assert_eq!(ids, [0, 1, 0, 2, 3, 1]);
        assert_eq!(v.len(), 4);
        for w in words {
            assert_eq!(v.get(v.find(w).unwrap()), w);
        }
        assert_eq!(v.find("syria"), None);
        // enough strings for the table to grow several times
        for i in 0..10_000 {
            assert_eq!(v.intern(&format!("w{i}")), 4 + i);
        }
        assert_eq!(v.find("w9999"), Some(10_003));
        // strings of several bytes a character, one after another in the buffer
        let (lavrov, tokyo) = (v.intern("лавров"), v.intern("東京"));
        assert_eq!((v.get(lavrov), v.get(tokyo)), ("лавров", "東京"));
        assert_eq!(v.find("лавро"), None);
        let all: Vec<&str> = v.strings().collect();
        assert_eq!(all.len(), v.len());
        assert_eq!(all[..4], ["sanction", "lavrov", "", "tillerson"]);
        assert_eq!(all[all.len() - 2..], ["лавров", "東京"]);
        assert_eq!(v.clone().find("tillerson"), Some(3));
    }

    #[test]
    fn remap_gives_each_string_its_id_here_adding_the_missing_in_order() {
        let mut mine = Vocabulary::default();
        for w in ["lavrov", "sanction", "syria"] {
            mine.intern(w);
        }
        let mut theirs = Vocabulary::default();
        for w in ["tillerson", "syria", "geneva", "lavrov"] {
            theirs.intern(w);
        }
        let mut by_intern = mine.clone();
        let expected: Vec<u32> = theirs.strings().map(|s| by_intern.intern(s)).collect();
        assert_eq!(mine.remap(&theirs), expected);
        assert_eq!(expected, [3, 2, 4, 0]);
        assert_eq!(
            mine.strings().collect::<Vec<_>>(),
            by_intern.strings().collect::<Vec<_>>()
        );
    }
}
