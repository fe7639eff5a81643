//! `.json` files: one article object per file (news-please's layout), or an array of article
//! objects. The array is read element by element, never whole: each element may take at most
//! `max_article_bytes`, so memory follows one article, not the file.

use std::cell::Cell;
use std::fmt;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::jsonl::MappedObject;
use super::{FieldValues, IngestOptions, InputFile, Record, Rejection};
use crate::config::FieldNames;

pub fn read(
    file: &InputFile,
    opts: &IngestOptions,
    reader: &mut dyn BufRead,
    emit: &mut dyn FnMut(Record),
) -> io::Result<()> {
    // a byte order mark is not JSON
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    let budget = Rc::new(Cell::new(0u64));
    let limited = Limited {
        inner: reader,
        used: Rc::clone(&budget),
        limit: opts.max_article_bytes,
    };
    let mut de = serde_json::Deserializer::from_reader(limited);
    let mut emitted = 0u64;
    let top = Top {
        names: opts.fields,
        file,
        budget: &budget,
        emit: &mut |record| {
            emitted += 1;
            emit(record);
        },
    };
    let outcome = de::Deserializer::deserialize_any(&mut de, top).and_then(|()| de.end());
    if let Err(e) = outcome {
        let reason = if budget.get() > opts.max_article_bytes {
            format!(
                "article over size limit (more than {} bytes); the rest of the file is not read",
                opts.max_article_bytes
            )
        } else if e.is_io() {
            return Err(io::Error::other(e));
        } else {
            format!("malformed JSON: {e}")
        };
        // the next element's place, when the file is an array
        let line = (emitted > 0).then_some(emitted + 1);
        emit(Record::Rejected(Rejection::article(
            &file.display,
            line,
            reason,
            b"",
        )));
    }
    Ok(())
}

/// Counts the bytes read since the start of the current article and fails past the limit.
struct Limited<'r> {
    inner: &'r mut dyn BufRead,
    used: Rc<Cell<u64>>,
    limit: u64,
}

impl Read for Limited<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.used.set(self.used.get() + n as u64);
        if self.used.get() > self.limit {
            return Err(io::Error::other("article over size limit"));
        }
        Ok(n)
    }
}

/// The file's top value: an object (one article) or an array of them.
struct Top<'a, 'e> {
    names: &'a FieldNames,
    file: &'a InputFile,
    budget: &'a Rc<Cell<u64>>,
    emit: &'e mut dyn FnMut(Record),
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an article object or an array of article objects")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let values = MappedObject { names: self.names }.visit_map(map)?;
        (self.emit)(article(
            values,
            self.file.display.clone(),
            self.names,
            self.file,
            None,
        ));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut number = 0u64;
        loop {
            // each element gets the whole size limit
            self.budget.set(0);
            number += 1;
            let Some(element) = seq.next_element_seed(Element { names: self.names })? else {
                return Ok(());
            };
            let source = format!("{}:{number}", self.file.display);
            let record = match element {
                Some(values) => article(values, source, self.names, self.file, Some(number)),
                None => Record::Rejected(Rejection::article(
                    &self.file.display,
                    Some(number),
                    "array element is not a JSON object",
                    b"",
                )),
            };
            (self.emit)(record);
        }
    }
}

fn article(
    values: FieldValues,
    source: String,
    names: &FieldNames,
    file: &InputFile,
    number: Option<u64>,
) -> Record {
    match values.into_article(source, names) {
        Ok(article) => Record::Article(article),
        Err(reason) => Record::Rejected(Rejection::article(&file.display, number, reason, b"")),
    }
}

/// One array element: its fields if it is an object, `None` (consumed) otherwise.
struct Element<'f> {
    names: &'f FieldNames,
}

impl<'de> DeserializeSeed<'de> for Element<'_> {
    type Value = Option<FieldValues>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Element<'_> {
    type Value = Option<FieldValues>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an article object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        MappedObject { names: self.names }.visit_map(map).map(Some)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}
