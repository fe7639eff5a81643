//! Bytes of a web page to text, by the charset the page declares.
//!
//! The order is the HTML standard's: a byte-order mark, then the transport's declaration
//! (the HTTP `Content-Type` of a WARC record), then a `<meta charset>` or
//! `<meta http-equiv="Content-Type">` near the start of the page. A page that declares
//! nothing is read as UTF-8 when it is valid UTF-8 and rejected otherwise: guessing would
//! turn a windows-1251 page into Latin-1 gibberish that is then analysed as some language.

use encoding_rs::{Encoding, UTF_8};

use super::find;

/// How far into a page a `<meta charset>` is looked for (the standard says 1024 bytes;
/// real pages put long comments and scripts first).
const PRESCAN_BYTES: usize = 4096;

/// Share of undecodable bytes above which a page is rejected rather than read with
/// replacement characters.
const MAX_BAD_SHARE: f64 = 0.01;

/// The page as text, or why it cannot be read.
pub fn decode(bytes: &[u8], transport_charset: Option<&str>) -> Result<String, String> {
    let (encoding, declared) = if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        (encoding, true)
    } else if let Some(label) = transport_charset.filter(|l| !l.trim().is_empty()) {
        (encoding_for(label)?, true)
    } else if let Some(label) = meta_charset(&bytes[..bytes.len().min(PRESCAN_BYTES)]) {
        // a page cannot declare itself UTF-16 from inside: its bytes would not spell `<meta`
        let encoding = encoding_for(&label)?.output_encoding();
        (encoding, true)
    } else {
        (UTF_8, false)
    };
    let (text, had_errors) = encoding.decode_with_bom_removal(bytes);
    if had_errors {
        if !declared {
            return Err(
                "not UTF-8 and no charset declared (meta charset or HTTP Content-Type)".into(),
            );
        }
        let bad = text.chars().filter(|&c| c == '\u{fffd}').count();
        let share = bad as f64 / text.chars().count().max(1) as f64;
        if share > MAX_BAD_SHARE {
            return Err(format!(
                "undecodable as its declared charset {} ({bad} bad bytes)",
                encoding.name()
            ));
        }
    }
    Ok(text.into_owned())
}

fn encoding_for(label: &str) -> Result<&'static Encoding, String> {
    Encoding::for_label(label.trim().as_bytes())
        .ok_or_else(|| format!("unknown charset `{}`", label.trim()))
}

/// The charset a `<meta>` tag in `head` declares, if any.
fn meta_charset(head: &[u8]) -> Option<String> {
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let start = from + at + 5;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(pos) = find(tag, b"charset") {
            let rest = &tag[pos + 7..];
            let rest = trim_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_start(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let label: Vec<u8> = rest
                    .iter()
                    .copied()
                    .take_while(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
                    .collect();
                if !label.is_empty() {
                    return Some(String::from_utf8_lossy(&label).into_owned());
                }
            }
        }
        from = end;
    }
    None
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[skip..]
}

/// The `charset` parameter of a `Content-Type` value (`text/html; charset=windows-1251`).
pub fn of_content_type(value: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1251_by_meta() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251
            .encode("<html><head><meta charset=\"windows-1251\"></head><body>Лавров и Тиллерсон</body></html>");
        let text = decode(&bytes, None).unwrap();
        assert!(text.contains("Лавров и Тиллерсон"), "{text}");
    }

    #[test]
    fn koi8_r_by_http_equiv_and_transport_wins() {
        let page =
            "<meta http-equiv='Content-Type' content='text/html; charset=koi8-r'><p>Москва</p>";
        let (bytes, _, _) = encoding_rs::KOI8_R.encode(page);
        assert!(decode(&bytes, None).unwrap().contains("Москва"));
        // the HTTP header is believed over the page
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("<meta charset=koi8-r><p>Москва</p>");
        assert!(decode(&bytes, Some("windows-1251"))
            .unwrap()
            .contains("Москва"));
    }

    #[test]
    fn shift_jis_and_gbk() {
        let (bytes, _, _) =
            encoding_rs::SHIFT_JIS.encode("<meta charset=Shift_JIS><p>外相会談</p>");
        assert!(decode(&bytes, None).unwrap().contains("外相会談"));
        let (bytes, _, _) = encoding_rs::GBK.encode("<meta charset=gbk><p>叙利亚</p>");
        assert!(decode(&bytes, None).unwrap().contains("叙利亚"));
    }

    #[test]
    fn undeclared_non_utf8_and_unknown_labels_are_rejected() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("<p>Лавров</p>");
        let err = decode(&bytes, None).unwrap_err();
        assert!(err.contains("no charset declared"), "{err}");
        let err = decode(b"<meta charset=klingon-8><p>x</p>", None).unwrap_err();
        assert_eq!(err, "unknown charset `klingon-8`");
    }

    #[test]
    fn utf8_with_bom_and_undeclared_utf8() {
        let text = decode("\u{feff}<p>Écho</p>".as_bytes(), Some("iso-8859-1")).unwrap();
        assert_eq!(text, "<p>Écho</p>");
        assert_eq!(
            decode("<p>Écho</p>".as_bytes(), None).unwrap(),
            "<p>Écho</p>"
        );
    }

    #[test]
    fn content_type_parameter() {
        assert_eq!(
            of_content_type("text/html; charset=\"Windows-1251\"").as_deref(),
            Some("Windows-1251")
        );
        assert_eq!(of_content_type("text/html"), None);
    }
}
