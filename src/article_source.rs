//! An article's source (where it was read: `name.jsonl:12`, or a page's file name) as the
//! rows keep it, its file name apart from its place in the file, so that a file's name is
//! kept once (see [`crate::article_rows`]).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

/// A source as its file's name and its place in the file: `name.jsonl:12` (a line) and
/// `name.warc.gz@4096` (an offset), as the readers write them, are (`name.jsonl`, `:12`) and
/// (`name.warc.gz`, `@4096`); `None` for any other form (a page's source is its file's name
/// alone), which is kept whole.
pub fn file_and_place(source: &str) -> Option<(&str, &str)> {
    let at = source.rfind([':', '@'])?;
    let (file, place) = source.split_at(at);
    let digits = &place[1..];
    (!file.is_empty() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some((file, place))
}

/// An article's source, kept as its file name and its place in the file: `head` then `tail`.
/// Compares and prints as the one string.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    head: &'a str,
    tail: &'a str,
}

impl<'a> Source<'a> {
    /// A source kept as its file name and its place in the file (`:12`).
    pub fn split(file: &'a str, place: &'a str) -> Source<'a> {
        Source {
            head: file,
            tail: place,
        }
    }

    /// A source given as one string.
    pub fn whole(source: &'a str) -> Source<'a> {
        Source {
            head: source,
            tail: "",
        }
    }

    pub fn to_cow(self) -> Cow<'a, str> {
        if self.tail.is_empty() {
            Cow::Borrowed(self.head)
        } else {
            Cow::Owned(format!("{}{}", self.head, self.tail))
        }
    }

    fn bytes(self) -> impl Iterator<Item = u8> + 'a {
        self.head.bytes().chain(self.tail.bytes())
    }
}

impl fmt::Display for Source<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.head)?;
        f.write_str(self.tail)
    }
}

impl Ord for Source<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.head == other.head {
            // the common case, two places in one file
            return self.tail.cmp(other.tail);
        }
        self.bytes().cmp(other.bytes())
    }
}

impl PartialOrd for Source<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Source<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Source<'_> {}

impl PartialEq<str> for Source<'_> {
    fn eq(&self, other: &str) -> bool {
        other.len() == self.head.len() + self.tail.len()
            && other.starts_with(self.head)
            && other.ends_with(self.tail)
    }
}
