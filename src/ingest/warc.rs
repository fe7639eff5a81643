//! WARC archives (WARC 1.0 / 1.1), plain or gzipped one member per record as Common Crawl
//! writes them. Every `response` record whose HTTP payload is an HTML page becomes a
//! [`PageRecord`] (url from `WARC-Target-URI`, fallback date from `WARC-Date`, charset from
//! the HTTP `Content-Type`); other records are skipped and counted. A truncated or corrupt
//! record is rejected with its byte offset (of its gzip member in a `.warc.gz`, as CDX
//! indexes count) and the rest of the archive is still read.
//!
//! Written here rather than with the `warc` crate: it reads whole records into memory and
//! stops at the first bad one, where a crawl needs per-record size limits in constant memory,
//! offsets for every rejection and resynchronisation after a corrupt gzip member.

use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::GzDecoder;

use super::html::PageRecord;
use super::{IngestOptions, InputFile, Record, Rejection};

/// WARC and HTTP headers larger than this are not headers.
const MAX_HEADER_BYTES: u64 = 64 * 1024;

pub fn read(
    file: &InputFile,
    opts: &IngestOptions,
    reader: &mut dyn BufRead,
    emit: &mut dyn FnMut(Record),
) -> io::Result<()> {
    let mut input = Counted {
        inner: reader,
        position: 0,
    };
    let archive = Archive {
        file,
        opts,
        folder: file.folder_name(),
    };
    if !file.gzip {
        return archive.read_plain(&mut input, emit);
    }
    loop {
        if input.fill_buf()?.is_empty() {
            return Ok(());
        }
        let start = input.position;
        // A member's bytes are checked (CRC) only at its end: what it held is handed on once
        // it proved sound, so a damaged member is one rejection, not garbage pages. Past
        // MAX_PENDING_BYTES (an archive written as one huge member) records go on as they
        // come, to keep memory flat.
        let mut pending: Vec<Record> = Vec::new();
        let mut pending_bytes = 0usize;
        let mut hold = |record: Record| {
            pending_bytes += match &record {
                Record::Page(p) => p.bytes.len(),
                _ => 64,
            };
            pending.push(record);
            if pending_bytes > MAX_PENDING_BYTES {
                pending.drain(..).for_each(&mut *emit);
                pending_bytes = 0;
            }
        };
        let outcome = {
            let mut member = BufReader::new(GzDecoder::new(&mut input));
            let mut counted = Counted {
                inner: &mut member,
                position: 0,
            };
            match archive.read_records(&mut counted, Some(start), &mut hold) {
                // a broken record in a sound member: the next member is the next record
                Err(e) if is_rejected(&e) => io::copy(&mut member, &mut io::sink()).map(drop),
                other => other,
            }
        };
        match outcome {
            Ok(()) => pending.into_iter().for_each(&mut *emit),
            Err(e) => {
                emit(Record::Rejected(Rejection::article(
                    &file.display,
                    None,
                    format!("corrupt gzip member at byte {start}, skipped to the next member: {e}"),
                    &[],
                )));
                if input.position == start {
                    input.consume(1); // never look at the same bad bytes twice
                }
                skip_to_gzip_member(&mut input)?;
            }
        }
    }
}

/// Bytes of records held back until their gzip member proves sound.
const MAX_PENDING_BYTES: usize = 64 << 20;

/// The error that ends reading after a broken record was rejected: the caller only has to
/// find where the next record starts.
#[derive(Debug)]
struct AlreadyRejected;

impl std::fmt::Display for AlreadyRejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("broken WARC record")
    }
}

impl std::error::Error for AlreadyRejected {}

fn is_rejected(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<AlreadyRejected>())
}

struct Archive<'a> {
    file: &'a InputFile,
    opts: &'a IngestOptions<'a>,
    folder: String,
}

/// What a record's WARC header says.
#[derive(Default)]
struct Header {
    kind: String,
    content_length: u64,
    target_uri: String,
    date: String,
    content_type: String,
}

/// What a record's block holds.
enum Block {
    Page(Box<PageRecord>),
    /// Not an HTML page: what it is.
    Skipped(String),
}

/// Why a record could not be read.
enum Bad {
    /// The record is broken; reading may go on after it.
    Record(String),
    /// The input itself failed (a corrupt gzip stream, a read error).
    Io(io::Error),
}

impl From<io::Error> for Bad {
    fn from(e: io::Error) -> Self {
        Bad::Io(e)
    }
}

impl Archive<'_> {
    fn reject(&self, offset: u64, reason: impl std::fmt::Display, emit: &mut dyn FnMut(Record)) {
        emit(Record::Rejected(Rejection::article(
            &self.file.display,
            None,
            format!("bad WARC record at byte {offset}: {reason}"),
            &[],
        )));
    }

    /// An uncompressed archive: records one after the other; after a broken one, reading
    /// goes on at the next line that starts a record.
    fn read_plain(&self, input: &mut Counted, emit: &mut dyn FnMut(Record)) -> io::Result<()> {
        loop {
            match self.read_records(input, None, emit) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    if !is_rejected(&e) {
                        return Err(e);
                    }
                    if !skip_to_record_line(input)? {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Reads records until the end of `reader`; their offset is the gzip member's, or their
    /// own in a plain archive. A record whose header is broken is rejected and ends the
    /// reading with [`AlreadyRejected`], for the caller to resynchronise.
    fn read_records(
        &self,
        reader: &mut Counted,
        member: Option<u64>,
        emit: &mut dyn FnMut(Record),
    ) -> io::Result<()> {
        loop {
            skip_blank_lines(reader)?;
            let offset = member.unwrap_or(reader.position);
            let header = match read_header(reader) {
                Ok(Some(h)) => h,
                Ok(None) => return Ok(()),
                Err(Bad::Io(e)) => return Err(e),
                Err(Bad::Record(reason)) => {
                    self.reject(offset, reason, emit);
                    return Err(io::Error::other(AlreadyRejected));
                }
            };
            let mut block = (&mut *reader).take(header.content_length);
            let outcome = self.read_block(&header, &mut block, offset);
            // whatever the payload was, the record ends where its Content-Length says
            io::copy(&mut block, &mut io::sink())?;
            let missing = block.limit();
            match outcome {
                Err(Bad::Io(e)) => return Err(e),
                Err(Bad::Record(reason)) if missing == 0 => self.reject(offset, reason, emit),
                // a page is handed on only once its whole record was there
                Ok(Block::Page(page)) if missing == 0 => emit(Record::Page(page)),
                Ok(Block::Skipped(what)) if missing == 0 => emit(Record::Skipped(what)),
                _ => {
                    self.reject(
                        offset,
                        format!(
                            "truncated: Content-Length {} but {missing} bytes missing",
                            header.content_length
                        ),
                        emit,
                    );
                    return Ok(());
                }
            }
        }
    }

    /// The HTML page of a response record; everything else is skipped.
    fn read_block(
        &self,
        header: &Header,
        block: &mut dyn BufRead,
        offset: u64,
    ) -> Result<Block, Bad> {
        let skip = |what: String| Ok(Block::Skipped(what));
        if !header.kind.eq_ignore_ascii_case("response") {
            return skip(format!("{} record", header.kind));
        }
        if !header
            .content_type
            .to_ascii_lowercase()
            .starts_with("application/http")
        {
            return skip("response record that is not HTTP".into());
        }
        let http = read_http_head(block)?;
        if !(200..300).contains(&http.status) {
            return skip(format!("HTTP {} response", http.status));
        }
        let mime = http
            .content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !(mime.is_empty() || mime == "text/html" || mime == "application/xhtml+xml") {
            return skip(format!("{mime} response"));
        }
        let max = self.opts.max_article_bytes;
        let mut body = Vec::new();
        let mut chunked;
        let payload: &mut dyn Read = if http.chunked {
            chunked = Chunked {
                inner: block,
                left: 0,
                done: false,
            };
            &mut chunked
        } else {
            block
        };
        let read = match http.encoding.as_str() {
            "" | "identity" => payload.take(max + 1).read_to_end(&mut body),
            "gzip" | "x-gzip" => flate2::read::GzDecoder::new(payload)
                .take(max + 1)
                .read_to_end(&mut body),
            "deflate" => flate2::read::ZlibDecoder::new(payload)
                .take(max + 1)
                .read_to_end(&mut body),
            other => {
                return Err(Bad::Record(format!(
                    "unsupported Content-Encoding `{other}`"
                )))
            }
        };
        if let Err(e) = read {
            return Err(Bad::Record(format!("unreadable payload: {e}")));
        }
        if body.len() as u64 > max {
            return Err(Bad::Record(format!(
                "page over size limit (more than {max} bytes)"
            )));
        }
        Ok(Block::Page(Box::new(PageRecord {
            file: self.file.display.clone(),
            source: format!("{}@{offset}", self.file.display),
            offset: Some(offset),
            bytes: body,
            transport_charset: super::html::charset_of_content_type(&http.content_type),
            url: header.target_uri.clone(),
            fetched: header.date.clone(),
            folder: self.folder.clone(),
        })))
    }
}

/// Reads one header line (without its line end) of at most `MAX_HEADER_BYTES`; `None` at
/// the end of the input.
fn read_line(reader: &mut dyn BufRead, budget: &mut u64) -> Result<Option<String>, Bad> {
    let mut line = Vec::new();
    let n = reader.take(*budget + 1).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if n as u64 > *budget {
        return Err(Bad::Record(format!(
            "header longer than {MAX_HEADER_BYTES} bytes"
        )));
    }
    *budget -= n as u64;
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

fn skip_blank_lines(reader: &mut dyn BufRead) -> io::Result<()> {
    loop {
        let buf = reader.fill_buf()?;
        match buf.first() {
            Some(b'\r') | Some(b'\n') => reader.consume(1),
            _ => return Ok(()),
        }
    }
}

fn read_header(reader: &mut dyn BufRead) -> Result<Option<Header>, Bad> {
    let mut budget = MAX_HEADER_BYTES;
    let Some(version) = read_line(reader, &mut budget)? else {
        return Ok(None);
    };
    if !version.starts_with("WARC/") {
        let shown: String = version.chars().take(40).collect();
        return Err(Bad::Record(format!(
            "expected a `WARC/1.x` line, found `{shown}`"
        )));
    }
    let mut header = Header::default();
    let mut length = None;
    loop {
        let Some(line) = read_line(reader, &mut budget)? else {
            return Err(Bad::Record("header cut short".into()));
        };
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "warc-type" => header.kind = value.to_string(),
            "content-length" => {
                length = Some(value.parse::<u64>().map_err(|_| {
                    Bad::Record(format!("Content-Length `{value}` is not a number"))
                })?)
            }
            // `<uri>` in WARC 1.0's examples
            "warc-target-uri" => header.target_uri = value.trim_matches(['<', '>']).to_string(),
            "warc-date" => header.date = value.to_string(),
            "content-type" => header.content_type = value.to_string(),
            _ => {}
        }
    }
    header.content_length =
        length.ok_or_else(|| Bad::Record("no Content-Length in the WARC header".into()))?;
    Ok(Some(header))
}

/// What the HTTP response head says.
struct HttpHead {
    status: u16,
    content_type: String,
    encoding: String,
    chunked: bool,
}

fn read_http_head(reader: &mut dyn BufRead) -> Result<HttpHead, Bad> {
    let mut budget = MAX_HEADER_BYTES;
    let status_line = read_line(reader, &mut budget)?.unwrap_or_default();
    let mut parts = status_line.split_whitespace();
    let status = match (
        parts.next(),
        parts.next().and_then(|s| s.parse::<u16>().ok()),
    ) {
        (Some(v), Some(status)) if v.starts_with("HTTP/") => status,
        _ => {
            let shown: String = status_line.chars().take(40).collect();
            return Err(Bad::Record(format!("not an HTTP response: `{shown}`")));
        }
    };
    let mut head = HttpHead {
        status,
        content_type: String::new(),
        encoding: String::new(),
        chunked: false,
    };
    loop {
        let Some(line) = read_line(reader, &mut budget)? else {
            return Err(Bad::Record("HTTP header cut short".into()));
        };
        if line.is_empty() {
            return Ok(head);
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => head.content_type = value.to_string(),
            "content-encoding" => head.encoding = value.to_ascii_lowercase(),
            "transfer-encoding" => head.chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
}

/// An HTTP body in chunked transfer encoding, as some crawlers store it.
struct Chunked<'a> {
    inner: &'a mut dyn BufRead,
    left: u64,
    done: bool,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let mut line = String::new();
            // the CRLF that ends the previous chunk, then the size line
            while line.trim().is_empty() {
                line.clear();
                if (&mut *self.inner).take(1024).read_line(&mut line)? == 0 {
                    self.done = true;
                    return Ok(0);
                }
            }
            let size = line.trim().split(';').next().unwrap_or("").trim();
            self.left = u64::from_str_radix(size, 16).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("bad chunk size `{size}`"),
                )
            })?;
            if self.left == 0 {
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf.len().min(self.left as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            self.done = true;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Skips to the next line that starts a record; false at the end of the input.
fn skip_to_record_line(input: &mut Counted) -> io::Result<bool> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(false);
        }
        if buf.starts_with(b"WARC/1.") {
            return Ok(true);
        }
        let line_end = buf.iter().position(|&b| b == b'\n');
        let n = line_end.map_or(buf.len(), |p| p + 1);
        input.consume(n);
    }
}

/// Skips to the next gzip member's magic bytes (`1f 8b 08`), or to the end.
fn skip_to_gzip_member(input: &mut Counted) -> io::Result<()> {
    loop {
        let buf = input.fill_buf()?;
        if buf.len() < 3 {
            // the last bytes: a member cannot start here
            let n = buf.len();
            if n == 0 {
                return Ok(());
            }
            input.consume(n);
            continue;
        }
        match buf.windows(3).position(|w| w == [0x1f, 0x8b, 0x08]) {
            Some(at) => {
                input.consume(at);
                return Ok(());
            }
            // keep the last two bytes: the magic may straddle two reads
            None => {
                let n = buf.len() - 2;
                input.consume(n);
            }
        }
    }
}

/// A reader that counts the bytes consumed from it.
struct Counted<'a> {
    inner: &'a mut dyn BufRead,
    position: u64,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.position += n as u64;
        Ok(n)
    }
}

impl BufRead for Counted<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.position += amount as u64;
        self.inner.consume(amount);
    }
}
