//! Splits text into word pieces, before any normalization.
//!
//! Rules, in order:
//! 1. Whitespace separates chunks. A chunk that is a URL (`scheme://…`, `www.…`) or an e-mail
//!    address is dropped whole: its pieces are not words of the article.
//! 2. Runs of characters from scripts written without spaces (Han, Hiragana, Katakana, Hangul,
//!    Thai, Lao, Khmer, Myanmar) become overlapping character bigrams (`東京都` → `東京`,
//!    `京都`); a run of one character is kept as it is.
//! 3. Everything else is split into words by Unicode word boundaries (UAX #29), which drops
//!    punctuation and symbols, so `#Syria` and `@Lavrov` come out as `Syria` and `Lavrov`,
//!    and hyphenated compounds split (`nord-coréennes` → `nord`, `coréennes`).
//!
//! The tokenizer neither lowercases nor strips elisions: those are filters further down the
//! chain (see `analyze`).

use std::sync::LazyLock;

use unicode_segmentation::UnicodeSegmentation;

/// Calls `emit` for every word piece of `text`, in order.
pub fn segment<'t>(text: &'t str, mut emit: impl FnMut(&'t str)) {
    for_each_chunk(text, |chunk| {
        if let Some(word) = plain_ascii_word(chunk) {
            // without '/' or '@', only a "www." start makes a plain chunk a link
            if !starts_www(chunk.as_bytes()) {
                emit(word);
            }
            return;
        }
        if chunk.is_empty() || is_link(chunk) {
            return;
        }
        if chunk.is_ascii() {
            chunk.unicode_words().for_each(&mut emit);
        } else {
            segment_mixed(chunk, &mut emit);
        }
    });
}

/// `text.split(char::is_whitespace)`, with ASCII bytes tested as bytes rather than decoded as
/// characters one by one (most of the text of most languages' news is ASCII spaces and
/// punctuation between words).
fn for_each_chunk<'t>(text: &'t str, mut each: impl FnMut(&'t str)) {
    let bytes = text.as_bytes();
    let (mut start, mut at) = (0, 0);
    while at < bytes.len() {
        let b = bytes[at];
        let (width, space) = if b.is_ascii() {
            (1, matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' '))
        } else {
            match text[at..].chars().next() {
                Some(c) => (c.len_utf8(), c.is_whitespace()),
                None => break,
            }
        };
        if space {
            each(&text[start..at]);
            start = at + width;
        }
        at += width;
    }
    each(&text[start..]);
}

/// The word of a chunk that is ASCII letters between simple punctuation — `(Lavrov`, `said,`,
/// `"Syria".` — which is the one word UAX #29 finds in it: no rule joins a letter to a
/// bracket, a quote, `!` or `?`, nor to `,` `.` `;` `:` without a letter or digit after them.
/// Half the chunks of the benchmark corpus are such, and they skip the segmenter's
/// per-character table lookups. `None` for any other chunk (digits, apostrophes, hyphens,
/// inner punctuation, non-ASCII), which the full rules split.
fn plain_ascii_word(chunk: &str) -> Option<&str> {
    let b = chunk.as_bytes();
    let opening = |c: u8| matches!(c, b'(' | b'[' | b'"');
    let closing = |c: u8| {
        matches!(
            c,
            b')' | b']' | b'"' | b',' | b'.' | b';' | b':' | b'!' | b'?'
        )
    };
    let mut at = 0;
    while at < b.len() && opening(b[at]) {
        at += 1;
    }
    let start = at;
    while at < b.len() && b[at].is_ascii_alphabetic() {
        at += 1;
    }
    let end = at;
    while at < b.len() && closing(b[at]) {
        at += 1;
    }
    (start < end && at == b.len()).then(|| &chunk[start..end])
}

fn segment_mixed<'t>(chunk: &'t str, emit: &mut impl FnMut(&'t str)) {
    let mut run_start = 0;
    let mut in_unspaced = false;
    for (at, c) in chunk.char_indices() {
        let unspaced = is_unspaced_script(c);
        if unspaced != in_unspaced {
            flush(&chunk[run_start..at], in_unspaced, emit);
            run_start = at;
            in_unspaced = unspaced;
        }
    }
    flush(&chunk[run_start..], in_unspaced, emit);
}

fn flush<'t>(run: &'t str, unspaced: bool, emit: &mut impl FnMut(&'t str)) {
    if run.is_empty() {
        return;
    }
    if !unspaced {
        if run.is_ascii() {
            run.unicode_words().for_each(emit);
        } else {
            // `unicode_words`, with its letter-or-digit test read from a table
            run.split_word_bounds()
                .filter(|w| w.chars().any(is_word_char))
                .for_each(emit);
        }
        return;
    }
    let mut chars = run.char_indices().peekable();
    let mut count = 0;
    while let Some((start, _)) = chars.next() {
        count += 1;
        match chars.peek() {
            Some(&(next, next_char)) => emit(&run[start..next + next_char.len_utf8()]),
            None if count == 1 => emit(run),
            None => {}
        }
    }
}

fn starts_www(bytes: &[u8]) -> bool {
    bytes.len() >= 4 && bytes[..4].eq_ignore_ascii_case(b"www.")
}

/// Code points below this have their [`is_word_char`] answer in a table: the letters and
/// digits of every script written with spaces (Latin, Greek, Cyrillic, Armenian, Hebrew,
/// Arabic, the Indic scripts, Georgian, …).
const WORD_CHAR_TABLE: u32 = 0x3000;

/// Whether `c` makes a UAX #29 segment a word in `unicode_words`: a letter or digit by the
/// segmenter's own tables. Asked of the segmenter itself, one character at a time, so the
/// answer is its answer; kept in a table for the code points below [`WORD_CHAR_TABLE`]
/// because its check (a binary search per character) was 2 % of a run's CPU.
fn is_word_char(c: char) -> bool {
    static TABLE: LazyLock<Vec<u64>> = LazyLock::new(|| {
        (0..WORD_CHAR_TABLE / 64)
            .map(|block| {
                (0..64).fold(0u64, |bits, i| {
                    let is_word = char::from_u32(block * 64 + i).is_some_and(segmenter_word_char);
                    bits | u64::from(is_word) << i
                })
            })
            .collect()
    });
    let code = c as u32;
    if code < WORD_CHAR_TABLE {
        TABLE[(code / 64) as usize] >> (code % 64) & 1 == 1
    } else {
        segmenter_word_char(c)
    }
}

/// The segmenter's own answer for [`is_word_char`]: a one-character text is one segment, a
/// word exactly when that character counts as a letter or digit.
fn segmenter_word_char(c: char) -> bool {
    let mut buf = [0u8; 4];
    c.encode_utf8(&mut buf).unicode_words().next().is_some()
}

fn is_link(chunk: &str) -> bool {
    let bytes = chunk.as_bytes();
    if starts_www(bytes) {
        return true;
    }
    // a scheme's "://" and an address's '@' both need one of these: one scan rules out most
    if !bytes.iter().any(|&b| b == b':' || b == b'@') {
        return false;
    }
    if chunk.contains("://") {
        return true;
    }
    // an e-mail address: something@something.tld (a leading @ is a handle, kept)
    match chunk.find('@') {
        Some(at) if at > 0 => chunk[at..].contains('.'),
        _ => false,
    }
}

/// Scripts whose text is written without spaces between words.
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1100..=0x11FF    // Hangul Jamo
        | 0x1780..=0x17FF    // Khmer
        | 0x3005 | 0x3007    // 々 〇
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3130..=0x318F    // Hangul compatibility Jamo
        | 0x31F0..=0x31FF    // Katakana extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xA960..=0xA97F    // Hangul Jamo extended A
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9D    // halfwidth Katakana
        | 0x20000..=0x3134F  // CJK extensions B–G
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chunks(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for_each_chunk(text, |c| out.push(c));
        out
    }

    #[test]
    fn ascii_whitespace_is_char_whitespace() {
        for b in 0u8..128 {
            let text = format!("a{}b", b as char);
            let expected: Vec<&str> = text.split(char::is_whitespace).collect();
            assert_eq!(chunks(&text), expected, "byte {b:#04x}");
        }
    }

    /// The straightforward form of [`is_link`], as it was before the byte scan.
    fn is_link_reference(chunk: &str) -> bool {
        if chunk.contains("://") {
            return true;
        }
        if chunk.get(..4).map(|p| p.eq_ignore_ascii_case("www.")) == Some(true) {
            return true;
        }
        match chunk.find('@') {
            Some(at) if at > 0 => chunk[at..].contains('.'),
            _ => false,
        }
    }

    proptest! {
        #[test]
        fn chunks_are_split_on_char_whitespace(text in "(\\PC|\\s|\u{85}|\u{a0}|\u{2028}|\u{3000}){0,60}") {
            let expected: Vec<&str> = text.split(char::is_whitespace).collect();
            prop_assert_eq!(chunks(&text), expected);
        }

        #[test]
        fn plain_ascii_words_are_what_uax29_finds(chunk in "[a-zA-Z0-9()\\[\\]\",.;:!?'_\\-]{0,10}") {
            if let Some(word) = plain_ascii_word(&chunk) {
                prop_assert_eq!(chunk.unicode_words().collect::<Vec<_>>(), [word]);
            }
        }

        #[test]
        fn segmentation_is_unchanged_by_the_ascii_shortcut(text in "(www\\.|WwW\\.|[a-zA-Z0-9()\\[\\]\",.;:!?'_\\-]|\\PC|\\s){0,40}") {
            prop_assert_eq!(pieces(&text), pieces_without_shortcut(&text));
        }

        #[test]
        fn word_pieces_of_mixed_text_are_unicode_words(text in "([a-z0-9.,'_\\-]|\\PC|\\s){0,30}") {
            let mut ours = Vec::new();
            flush(&text, false, &mut |w| ours.push(w));
            prop_assert_eq!(ours, text.unicode_words().collect::<Vec<_>>());
        }

        #[test]
        fn link_test_is_unchanged(chunk in "(w|W|\\.|:|/|@|a|é|\\PC){0,12}") {
            prop_assert_eq!(is_link(&chunk), is_link_reference(&chunk));
        }
    }

    /// [`segment`] as it was before [`plain_ascii_word`].
    fn pieces_without_shortcut(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for_each_chunk(text, |chunk| {
            if chunk.is_empty() || is_link(chunk) {
                return;
            }
            if chunk.is_ascii() {
                out.extend(chunk.unicode_words());
            } else {
                segment_mixed(chunk, &mut |p| out.push(p));
            }
        });
        out
    }

    #[test]
    fn the_word_char_table_is_the_segmenter_s_answer() {
        for code in 0..WORD_CHAR_TABLE {
            if let Some(c) = char::from_u32(code) {
                assert_eq!(is_word_char(c), segmenter_word_char(c), "{code:#06x}");
            }
        }
        assert!(is_word_char('é') && is_word_char('ж') && is_word_char('٣'));
        assert!(!is_word_char('«') && !is_word_char('—') && !is_word_char(' '));
    }

    #[test]
    fn plain_ascii_words() {
        assert_eq!(plain_ascii_word("(Lavrov"), Some("Lavrov"));
        assert_eq!(plain_ascii_word("\"Syria\"."), Some("Syria"));
        assert_eq!(plain_ascii_word("said,"), Some("said"));
        for full_rules in [
            "e.g.",
            "don't",
            "U.N.",
            "G7",
            "Lavrov-Tillerson",
            "_x",
            "",
            "?!",
            "été",
        ] {
            assert_eq!(plain_ascii_word(full_rules), None, "{full_rules}");
        }
    }

    fn pieces(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        segment(text, |p| out.push(p));
        out
    }

    #[test]
    fn words_punctuation_hashtags_handles() {
        assert_eq!(
            pieces("#CoreeduNord : selon @RTenfrancais, l'Assemblée «parité»."),
            [
                "CoreeduNord",
                "selon",
                "RTenfrancais",
                "l'Assemblée",
                "parité"
            ]
        );
    }

    #[test]
    fn drops_urls_and_emails() {
        assert_eq!(
            pieces("➡️ https://t.co/CkPheifY1Opic.twitter.com/vykAPQTnt7 see www.example.org or desk@example.org now"),
            ["see", "or", "now"]
        );
    }

    #[test]
    fn splits_hyphenated_compounds() {
        assert_eq!(
            pieces("nord-coréennes Lavrov-Tillerson"),
            ["nord", "coréennes", "Lavrov", "Tillerson"]
        );
    }

    #[test]
    fn han_and_kana_become_overlapping_bigrams() {
        assert_eq!(pieces("东京都。"), ["东京", "京都"]);
        assert_eq!(pieces("ロシア外相"), ["ロシ", "シア", "ア外", "外相"]);
        assert_eq!(pieces("联合国UN大会"), ["联合", "合国", "UN", "大会"]);
        assert_eq!(pieces("俄"), ["俄"]);
    }

    #[test]
    fn thai_and_hangul_are_bigrammed() {
        assert_eq!(pieces("รัสเซีย").len(), "รัสเซีย".chars().count() - 1);
        assert_eq!(
            pieces("러시아 외무장관"),
            ["러시", "시아", "외무", "무장", "장관"]
        );
    }
}
