//! CSV with a header row; columns are mapped through `[input.fields]`, others ignored.

use std::io::{self, BufRead};

use super::{as_text, FieldValues, IngestOptions, InputFile, Record, Rejection};

pub fn read(
    file: &InputFile,
    opts: &IngestOptions,
    reader: &mut dyn BufRead,
    emit: &mut dyn FnMut(Record),
) -> io::Result<()> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let headers = match rdr.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => return read_error(e, file, emit),
    };
    let slots: Vec<Option<usize>> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = String::from_utf8_lossy(h);
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                &h
            };
            FieldValues::slot(opts.fields, h.trim())
        })
        .collect();
    if !slots.contains(&Some(FieldValues::TEXT)) {
        let cols: Vec<String> = headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        let cols = cols.join(", ");
        emit(Record::Rejected(Rejection::file(
            &file.display,
            Some(1),
            format!(
                "no `{}` column in the header (columns: {cols})",
                opts.fields.text
            ),
        )));
        return Ok(());
    }
    let mut record = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => return read_error(e, file, emit),
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let reject = |reason: String| {
            Record::Rejected(Rejection::article(
                &file.display,
                Some(line),
                reason,
                record.as_slice(),
            ))
        };
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if record.len() != headers.len() {
            emit(reject(format!(
                "{} fields where the header has {}",
                record.len(),
                headers.len()
            )));
            continue;
        }
        let mut values = FieldValues::default();
        let mut bad = None;
        for (field, slot) in record.iter().zip(&slots) {
            let Some(slot) = slot else { continue };
            match as_text(field, opts.max_article_bytes) {
                Ok(text) => values.values[*slot] = Some(text.to_string()),
                Err(reason) => {
                    bad = Some(reason);
                    break;
                }
            }
        }
        let out = match bad {
            Some(reason) => reject(reason),
            None => match values.into_article(format!("{}:{line}", file.display), opts.fields) {
                Ok(article) => Record::Article(article),
                Err(reason) => reject(reason),
            },
        };
        emit(out);
    }
}

/// A CSV error that stops the file: an I/O error is passed up (it names the gzip or disk
/// problem); anything else becomes a rejection at its line.
fn read_error(e: csv::Error, file: &InputFile, emit: &mut dyn FnMut(Record)) -> io::Result<()> {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Err(io),
        other => {
            emit(Record::Rejected(Rejection::file(
                &file.display,
                line,
                format!("unreadable CSV, the rest of the file is skipped: {other:?}"),
            )));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FieldNames;
    use crate::ingest::{parse_for_test, Format};

    fn read_all(text: &str) -> Vec<Record> {
        parse_for_test(
            "x.csv",
            "x.csv",
            Format::Csv,
            text.as_bytes(),
            &FieldNames::default(),
            1000,
        )
    }

    #[test]
    fn rows_with_wrong_field_count_are_rejected_alone() {
        let records = read_all("\u{feff}id,outlet,text\n1,a,\"multi\nline\"\n2,b\n3,c,ok\n");
        let lines: Vec<String> = records
            .iter()
            .map(|r| match r {
                Record::Article(a) => format!("{} {}", a.source, a.text),
                Record::Rejected(r) => format!("{:?} {}", r.line, r.reason),
                _ => unreachable!("a CSV holds articles"),
            })
            .collect();
        assert_eq!(
            lines,
            [
                "x.csv:2 multi\nline",
                "Some(4) 2 fields where the header has 3",
                "x.csv:5 ok"
            ]
        );
    }

    #[test]
    fn missing_text_column_rejects_the_file_once() {
        let records = read_all("id,body\n1,x\n");
        assert_eq!(records.len(), 1);
        let Record::Rejected(r) = &records[0] else {
            panic!()
        };
        assert!(
            r.reason.contains("no `text` column") && r.reason.contains("id, body"),
            "{}",
            r.reason
        );
    }
}
