//! Web pages: `.html` / `.htm` files (optionally gzipped) and the HTML responses of WARC
//! archives. The reader only collects a page's bytes and what its container says about it
//! (a [`PageRecord`]); decoding and main-text extraction run in the parallel stage
//! ([`PageRecord::into_record`]), so extraction scales with the workers.

mod charset;
mod extract;

use std::io::{self, BufRead};

use super::{IngestOptions, InputFile, RawArticle, Record, Rejection};

pub use charset::of_content_type as charset_of_content_type;
pub use extract::{extract, Page};

/// A page read but not yet extracted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageRecord {
    /// The file, as shown in tables.
    pub file: String,
    /// Where the page came from: the file, or `file@offset` for a WARC record.
    pub source: String,
    /// Byte offset of the WARC record (of its gzip member in a `.warc.gz`).
    pub offset: Option<u64>,
    pub bytes: Vec<u8>,
    /// The charset the HTTP `Content-Type` of a WARC record declares.
    pub transport_charset: Option<String>,
    /// The WARC record's target URI (empty for a file).
    pub url: String,
    /// When the crawler fetched the page (`WARC-Date`), the date of last resort.
    pub fetched: String,
    /// The name of the folder holding the file, the outlet of last resort.
    pub folder: String,
}

impl PageRecord {
    /// The article in the page, or why there is none.
    pub fn into_record(self) -> Record {
        let at = |reason: String| match self.offset {
            Some(offset) => format!("record at byte {offset}: {reason}"),
            None => reason,
        };
        let text = match charset::decode(&self.bytes, self.transport_charset.as_deref()) {
            Ok(text) => text,
            Err(reason) => {
                return Record::Rejected(Rejection::page(&self.file, at(reason), &self.bytes))
            }
        };
        let depth = nesting_depth(&text);
        if depth > MAX_NESTING {
            return Record::Rejected(Rejection::page(
                &self.file,
                at(format!(
                    "markup nested {depth} elements deep (over {MAX_NESTING}): broken or hostile page"
                )),
                &self.bytes,
            ));
        }
        let page = extract(&text);
        if page.text.trim().is_empty() {
            return Record::Rejected(Rejection::page(
                &self.file,
                at("no article text found".into()),
                page.title.as_bytes(),
            ));
        }
        // the crawler's address is where the page was; a canonical link may point elsewhere
        let url = if self.url.is_empty() {
            page.url
        } else {
            self.url
        };
        let outlet = host_of(&url).unwrap_or(self.folder);
        let published = if page.published.is_empty() {
            self.fetched
        } else {
            page.published
        };
        Record::Article(RawArticle {
            id: self.source.clone(),
            source: self.source,
            id_from_input: false,
            outlet,
            country: String::new(),
            published,
            url,
            title: page.title,
            text: page.text,
            declared_language: page.language,
        })
    }
}

/// Pages nested deeper than this are not parsed. The HTML standard's tree building checks
/// the stack of open elements at each tag, so time grows with depth × tags: 200,000 unclosed
/// `<div>`s take minutes. Real pages nest a few dozen deep (browsers stop nesting at 512).
const MAX_NESTING: usize = 2_000;

/// How deep a page's elements nest, estimated in one pass over the text: elements opened and
/// not closed, leaving out void elements, those whose end tag is optional (`<p>`, `<li>`,
/// `<td>` …, closed by the next one), comments and the insides of scripts and styles. It
/// never underestimates a page made of explicit open tags, which is what costs time.
fn nesting_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while let Some(at) = bytes[i..].iter().position(|&b| b == b'<') {
        i += at + 1;
        let rest = &bytes[i..];
        if rest.starts_with(b"!--") {
            i += find(rest, b"-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = usize::from(closing);
        let name: Vec<u8> = rest[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .map(u8::to_ascii_lowercase)
            .collect();
        if name.is_empty() || !rest[name_start].is_ascii_alphabetic() {
            continue;
        }
        let tag_end = find(rest, b">").map_or(rest.len(), |e| e + 1);
        let self_closing = rest[..tag_end].ends_with(b"/>");
        if closing {
            depth = depth.saturating_sub(1);
        } else if matches!(
            name.as_slice(),
            b"script" | b"style" | b"textarea" | b"title"
        ) {
            // their text is not markup: skip to the end tag
            let mut end = b"</".to_vec();
            end.extend_from_slice(&name);
            let inside = &rest[tag_end..];
            let skip = inside
                .windows(end.len())
                .position(|w| w.eq_ignore_ascii_case(&end))
                .unwrap_or(inside.len());
            i += tag_end + skip;
            continue;
        } else if !self_closing && !is_void_or_optional(&name) {
            depth += 1;
            deepest = deepest.max(depth);
        }
        i += tag_end;
    }
    deepest
}

fn is_void_or_optional(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
            | b"p"
            | b"li"
            | b"dt"
            | b"dd"
            | b"tr"
            | b"td"
            | b"th"
            | b"option"
            | b"optgroup"
            | b"tbody"
            | b"thead"
            | b"tfoot"
            | b"colgroup"
            | b"rb"
            | b"rt"
            | b"rp"
            | b"html"
            | b"head"
            | b"body"
    )
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The host of an absolute http(s) URL, lowercased, without `www.`.
fn host_of(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("//"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?.trim().to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty()).then_some(host)
}

/// A `.html` file: one page.
pub fn read(
    file: &InputFile,
    opts: &IngestOptions,
    reader: &mut dyn BufRead,
    emit: &mut dyn FnMut(Record),
) -> io::Result<()> {
    let Some(bytes) = super::read_whole(file, reader, opts.max_article_bytes, "page", emit)? else {
        return Ok(());
    };
    emit(Record::Page(Box::new(PageRecord {
        file: file.display.clone(),
        source: file.display.clone(),
        bytes,
        folder: file.folder_name(),
        ..PageRecord::default()
    })));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> PageRecord {
        PageRecord {
            file: "f/p.html".into(),
            source: "f/p.html".into(),
            bytes: html.as_bytes().to_vec(),
            folder: "f".into(),
            ..PageRecord::default()
        }
    }

    #[test]
    fn nesting_is_estimated_without_parsing() {
        assert_eq!(nesting_depth("<div><div><p>a<p>b</div></div>"), 2);
        assert_eq!(nesting_depth(&"<div>".repeat(5000)), 5000);
        assert_eq!(nesting_depth(&"<li>x".repeat(5000)), 0);
        assert_eq!(
            nesting_depth("<script>if (a<b) { x = '<div>'; }</script><div></div>"),
            1
        );
        assert_eq!(
            nesting_depth("<!-- <div><div> --><br/><img src=x><span/>"),
            0
        );
    }

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("https://www.Example.org:8080/a?b").as_deref(),
            Some("example.org")
        );
        assert_eq!(
            host_of("http://user@news.example/x").as_deref(),
            Some("news.example")
        );
        assert_eq!(host_of("/relative/path"), None);
        assert_eq!(host_of("javascript:alert(1)"), None);
    }

    #[test]
    fn an_empty_page_is_rejected_with_its_reason() {
        let Record::Rejected(r) =
            page("<html><body><nav><a href=/>Home</a></nav></body></html>").into_record()
        else {
            panic!("a page of menus is not an article")
        };
        assert_eq!(r.reason, "no article text found");
        assert_eq!(r.file, "f/p.html");
    }

    #[test]
    fn fields_fall_back_to_the_container() {
        let mut p = page("<html><body><article><p>Sergei Lavrov met Rex Tillerson in New York on Monday, the ministry said in a statement.</p></article></body></html>");
        p.url = "https://www.wire.example/2017/09/18/a".into();
        p.fetched = "2017-09-18T10:00:00Z".into();
        let Record::Article(a) = p.into_record() else {
            panic!("an article")
        };
        assert_eq!(a.outlet, "wire.example");
        assert_eq!(a.published, "2017-09-18T10:00:00Z");
        assert_eq!(a.url, "https://www.wire.example/2017/09/18/a");
        assert!(a.text.starts_with("Sergei Lavrov met"), "{}", a.text);
    }
}
