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
        // not a link: a '.' or ':' would end its letters, so it holds no "www.", "://" or
        // '@'; and an ASCII chunk that is not a plain ASCII word is not a plain word either
        if let Some(word) = plain_word(chunk) {
            emit(word);
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

/// Punctuation that can open a plain chunk: no rule joins it to a letter after it.
fn opening(c: u8) -> bool {
    matches!(c, b'(' | b'[' | b'"')
}

/// Punctuation that can close a plain chunk: no rule joins it to a letter before it when no
/// letter or digit follows.
fn closing(c: u8) -> bool {
    matches!(
        c,
        b')' | b']' | b'"' | b',' | b'.' | b';' | b':' | b'!' | b'?'
    )
}

/// [`plain_ascii_word`] for text in other scripts written with spaces: a chunk that is one
/// word between simple punctuation — `Лавров,`, `(été`, `सीरिया` — as UAX #29 finds
/// it. The word is a letter followed by letters and the marks that attach to the character
/// before them (accents, vowel signs, soft hyphens: WB4), which no rule breaks (WB5); the
/// class of each character is the segmenter's own answer (see [`word_class`]). `None` for
/// any other chunk, which the full rules split. Most chunks of Cyrillic, Greek, Arabic,
/// Hebrew and Indic news are such.
fn plain_word(chunk: &str) -> Option<&str> {
    let b = chunk.as_bytes();
    let start = b.iter().take_while(|&&c| opening(c)).count();
    let mut chars = chunk[start..].char_indices();
    let (_, first) = chars.next()?;
    if word_class(first) != WordClass::Letter {
        return None;
    }
    let end = chars
        .find(|&(_, c)| word_class(c) == WordClass::Other)
        .map_or(chunk.len(), |(at, _)| start + at);
    let word = &chunk[start..end];
    // a letter to the segmenter need not be a letter or digit (`¸`): such a word is dropped
    let kept = is_word_char(first) || word.chars().any(is_word_char);
    (kept && b[end..].iter().all(|&c| closing(c))).then_some(word)
}

/// What a character does inside a word, for [`plain_word`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WordClass {
    /// A letter (UAX #29 ALetter or Hebrew_Letter): a letter on either side joins it.
    Letter,
    /// A mark that belongs to the character before it (Extend, Format, ZWJ).
    Attached,
    /// Anything else, and every character of a script written without spaces.
    Other,
}

/// [`WordClass`] of `c`, read from a table for the code points below [`WORD_CHAR_TABLE`]
/// (every character above is `Other`, so its chunk takes the full rules).
fn word_class(c: char) -> WordClass {
    static TABLE: LazyLock<Vec<WordClass>> = LazyLock::new(|| {
        (0..WORD_CHAR_TABLE)
            .map(|code| char::from_u32(code).map_or(WordClass::Other, segmenter_word_class))
            .collect()
    });
    TABLE.get(c as usize).copied().unwrap_or(WordClass::Other)
}

/// The segmenter's own answer for [`word_class`]. A letter is what the segmenter keeps in one
/// word with `a.` before it (WB6–7 join a letter, `.` and a letter, and nothing else); an
/// attached mark is what stays with an `a` before it but not with one after it (WB4).
fn segmenter_word_class(c: char) -> WordClass {
    if is_unspaced_script(c) || (c.is_ascii() && !c.is_ascii_alphabetic()) {
        return WordClass::Other;
    }
    let one_segment = |text: String| text.split_word_bounds().nth(1).is_none();
    if one_segment(format!("a.{c}")) {
        WordClass::Letter
    } else if one_segment(format!("a{c}")) && !one_segment(format!("{c}a")) {
        WordClass::Attached
    } else {
        WordClass::Other
    }
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
        fn plain_words_are_what_uax29_finds(
            chunk in "([a-zа-яёα-ωé\u{0300}-\u{036F}\u{0900}-\u{097F}\u{05D0}-\u{05EA}\u{0600}-\u{065F}\u{00AD}\u{200D}\u{0E01}-\u{0E30}\u{1100}-\u{1112}\u{00B8}()\\[\\]\",.;:!?'_\\-0-9]|\\PC){0,10}",
        ) {
            if let Some(word) = plain_word(&chunk) {
                prop_assert_eq!(chunk.unicode_words().collect::<Vec<_>>(), [word]);
            }
        }

        #[test]
        fn segmentation_is_unchanged_by_the_shortcuts(
            text in "(www\\.|://|@|[a-zа-яёα-ωé\u{0300}-\u{036F}\u{0900}-\u{097F}\u{05D0}-\u{05EA}\u{0600}-\u{065F}\u{00AD}\u{200D}\u{0E01}-\u{0E30}\u{1100}-\u{1112}\u{00B8}()\\[\\]\",.;:!?'_\\-0-9]|\\PC|\\s){0,40}",
        ) {
            prop_assert_eq!(pieces(&text), pieces_without_shortcut(&text));
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

    /// [`segment`] as it was before [`plain_ascii_word`] and [`plain_word`].
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
    fn every_character_of_the_table_is_segmented_as_before() {
        for c in (0..WORD_CHAR_TABLE).filter_map(char::from_u32) {
            for text in [
                format!("{c}"),
                format!("ж{c}"),
                format!("{c}ж"),
                format!("(é{c}é)."),
                format!("{c}{c}"),
                format!("\u{915}\u{93f}{c}"),
            ] {
                assert_eq!(pieces(&text), pieces_without_shortcut(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn plain_words_in_other_scripts() {
        assert_eq!(plain_word("(été"), Some("été"));
        assert_eq!(plain_word("Лавров,"), Some("Лавров"));
        assert_eq!(plain_word("\"Тиллерсон\"."), Some("Тиллерсон"));
        // vowel signs and a virama attach to the letter before them
        assert_eq!(plain_word("सीरिया"), Some("सीरिया"));
        assert_eq!(plain_word("e\u{301}te\u{301}"), Some("e\u{301}te\u{301}"));
        for full_rules in [
            "«été»",
            "l'été",
            "nord-coréen",
            "\u{301}e",
            "Сирия2017",
            "東京",
            "ไทย",
            "été.e",
            "\u{b8}",
            "",
        ] {
            assert_eq!(plain_word(full_rules), None, "{full_rules}");
        }
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
