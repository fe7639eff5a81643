//! Plain text: one article per file. The first non-empty line is the title, the rest the
//! body; the outlet is the parent folder's name. An optional header between two `---` lines
//! (`key: value`, keys as in `[input.fields]`' defaults: id, outlet, country, published, url,
//! title, language) overrides those.

use std::io::{self, BufRead};

use super::{as_text, read_whole, IngestOptions, InputFile, RawArticle, Record, Rejection};
use crate::config::Field;

pub fn read(
    file: &InputFile,
    opts: &IngestOptions,
    reader: &mut dyn BufRead,
    emit: &mut dyn FnMut(Record),
) -> io::Result<()> {
    let reject = |reason: String, bytes: &[u8]| {
        Record::Rejected(Rejection::article(&file.display, None, reason, bytes))
    };
    let Some(bytes) = read_whole(file, reader, opts.max_article_bytes, "article", emit)? else {
        return Ok(());
    };
    let text = match as_text(&bytes, opts.max_article_bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}'),
        Err(reason) => {
            emit(reject(reason, &bytes));
            return Ok(());
        }
    };
    let outlet = file.folder_name();
    let mut article = RawArticle {
        source: file.display.clone(),
        id: file.display.clone(),
        outlet,
        ..RawArticle::default()
    };
    let body = match split_header(text) {
        Some((header, body)) => {
            for line in header.lines() {
                let Some((key, value)) = line.split_once(':') else {
                    continue;
                };
                let key = key.trim();
                // the body is the text: a `text:` line is not a field of the header
                let field = Field::ALL
                    .into_iter()
                    .find(|f| *f != Field::Text && f.default_name() == key);
                if let Some(field) = field {
                    article.set(field, value.trim().to_string());
                }
            }
            body
        }
        None => text,
    };
    let body = body.trim();
    let body = if article.title.is_empty() {
        let (title, rest) = body.split_once('\n').unwrap_or((body, ""));
        article.title = title.trim().to_string();
        rest.trim()
    } else {
        body
    };
    if body.is_empty() {
        emit(reject("empty text".into(), text.as_bytes()));
        return Ok(());
    }
    article.text = body.to_string();
    emit(Record::Article(article));
    Ok(())
}

fn split_header(text: &str) -> Option<(&str, &str)> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let end = rest.find("\n---")?;
    let after = &rest[end + 4..];
    let after = after.strip_prefix('\r').unwrap_or(after);
    Some((&rest[..end], after.strip_prefix('\n').unwrap_or(after)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FieldNames;
    use crate::ingest::{parse_for_test, Format};

    fn read_one(path: &str, text: &str) -> Record {
        let mut out = parse_for_test(
            path,
            "data/x.txt",
            Format::Txt,
            text.as_bytes(),
            &FieldNames::default(),
            1000,
        );
        assert_eq!(out.len(), 1);
        out.pop().unwrap()
    }

    #[test]
    fn title_body_and_outlet_from_folder() {
        let Record::Article(a) = read_one(
            "data/daily-wire/x.txt",
            "\n\nThe title\nBody one.\nBody two.\n",
        ) else {
            panic!()
        };
        assert_eq!(a.title, "The title");
        assert_eq!(a.text, "Body one.\nBody two.");
        assert_eq!(a.outlet, "daily-wire");
        assert_eq!(a.id, "data/x.txt");
    }

    #[test]
    fn header_overrides() {
        let text =
            "---\nid: k1\noutlet: Other\npublished: 2017-09-18\nnote: ignored\n---\nTitle\nBody";
        let Record::Article(a) = read_one("data/daily/x.txt", text) else {
            panic!()
        };
        assert_eq!(
            (a.id.as_str(), a.outlet.as_str(), a.published.as_str()),
            ("k1", "Other", "2017-09-18")
        );
        assert_eq!((a.title.as_str(), a.text.as_str()), ("Title", "Body"));
    }

    #[test]
    fn title_only_is_empty_text() {
        let Record::Rejected(r) = read_one("x.txt", "Only a title\n\n") else {
            panic!()
        };
        assert_eq!(r.reason, "empty text");
    }

    #[test]
    fn an_oversized_file_under_a_tiny_limit_is_rejected_not_a_panic() {
        // the limit is validated to be at least 1 KiB, but the reader must not rely on it
        for limit in [0, 10, 199, 200] {
            let out = parse_for_test(
                "x.txt",
                "x.txt",
                Format::Txt,
                "Title\nA body longer than the limit.".repeat(10).as_bytes(),
                &FieldNames::default(),
                limit,
            );
            let [Record::Rejected(r)] = &out[..] else {
                panic!("limit {limit}")
            };
            assert!(r.reason.contains("over size limit"), "{}", r.reason);
        }
    }
}
