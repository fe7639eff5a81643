//! Terms and surface forms, stored once per worker and referred to by id: a term used by a
//! hundred outlets is one string, not a hundred.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::FxBuildHasher;

/// A string ↔ id table; ids are dense and given in order of first use. Each string is stored
/// once: the lookup table holds ids and compares through them.
#[derive(Clone, Default)]
pub struct Vocabulary {
    ids: HashTable<u32>,
    strings: Vec<Box<str>>,
}

impl std::fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.strings()).finish()
    }
}

fn hash(s: &str) -> u64 {
    FxBuildHasher.hash_one(s)
}

impl Vocabulary {
    /// The id of `s`, added if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        let hash = hash(s);
        let strings = &self.strings;
        if let Some(&id) = self.ids.find(hash, |&id| &*strings[id as usize] == s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        let strings = &self.strings;
        self.ids
            .insert_unique(hash, id, |&id| self::hash(&strings[id as usize]));
        id
    }

    /// The id in this vocabulary of each of `other`'s strings, by `other`'s id; those it lacks
    /// are added, in `other`'s order. The lookups, most of them hits when two workers read the
    /// same kind of text, run on the current rayon pool; only the additions are one after the
    /// other.
    pub fn remap(&mut self, other: &Vocabulary) -> Vec<u32> {
        let found: Vec<Option<u32>> = other.strings.par_iter().map(|s| self.find(s)).collect();
        found
            .into_iter()
            .zip(&other.strings)
            .map(|(id, s)| id.unwrap_or_else(|| self.intern(s)))
            .collect()
    }

    pub fn get(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    /// The id of `s`, if it was ever interned.
    pub fn find(&self, s: &str) -> Option<u32> {
        self.ids
            .find(hash(s), |&id| &*self.strings[id as usize] == s)
            .copied()
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// Every string, by id.
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        self.strings.iter().map(|s| &**s)
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
