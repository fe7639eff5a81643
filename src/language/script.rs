//! Script detection as whatlang's `detect_script` does it, in one table-free pass.
//!
//! whatlang tries its 25 script checks in turn for every character, moving a script one place
//! forward each time it matches, and then sorts the counts; it took about 2 % of a run. This
//! keeps its answer exactly: the same character ranges (whatlang 0.18's `scripts/chars.rs`,
//! MIT), one `match` to find a character's script, and the same move-forward order, which
//! decides the two characters that are both Latin and Cyrillic (U+1D2B, U+1D78) and the ties
//! between scripts with equal counts. The tests compare it with whatlang on every code point
//! and on random text.

use std::cmp::Reverse;
use std::sync::LazyLock;

use whatlang::Script;

/// whatlang's scripts in the order `raw_detect_script` starts from.
const SCRIPTS: [Script; 25] = [
    Script::Latin,
    Script::Cyrillic,
    Script::Arabic,
    Script::Mandarin,
    Script::Devanagari,
    Script::Hebrew,
    Script::Ethiopic,
    Script::Georgian,
    Script::Bengali,
    Script::Hangul,
    Script::Hiragana,
    Script::Katakana,
    Script::Greek,
    Script::Kannada,
    Script::Tamil,
    Script::Thai,
    Script::Gujarati,
    Script::Gurmukhi,
    Script::Telugu,
    Script::Malayalam,
    Script::Oriya,
    Script::Myanmar,
    Script::Sinhala,
    Script::Khmer,
    Script::Armenian,
];

const LATIN: u8 = 0;
const CYRILLIC: u8 = 1;

/// A character both whatlang's Latin and Cyrillic checks accept.
const LATIN_OR_CYRILLIC: u8 = u8::MAX;

/// The index in [`SCRIPTS`] of the only script whose check accepts `ch`,
/// [`LATIN_OR_CYRILLIC`], or `None`.
fn script_of(ch: char) -> Option<u8> {
    Some(match ch {
        'a'..='z' | 'A'..='Z' => LATIN,
        '\u{1D2B}' | '\u{1D78}' => LATIN_OR_CYRILLIC,
        '\u{0080}'..='\u{00FF}'
        | '\u{0100}'..='\u{017F}'
        | '\u{0180}'..='\u{024F}'
        | '\u{0250}'..='\u{02AF}'
        | '\u{1D00}'..='\u{1D7F}'
        | '\u{1D80}'..='\u{1DBF}'
        | '\u{1E00}'..='\u{1EFF}'
        | '\u{2100}'..='\u{214F}'
        | '\u{2C60}'..='\u{2C7F}'
        | '\u{A720}'..='\u{A7FF}'
        | '\u{AB30}'..='\u{AB6F}' => LATIN,
        '\u{0400}'..='\u{0484}'
        | '\u{0487}'..='\u{052F}'
        | '\u{2DE0}'..='\u{2DFF}'
        | '\u{A640}'..='\u{A69D}'
        | '\u{A69F}' => CYRILLIC,
        '\u{0600}'..='\u{06FF}'
        | '\u{0750}'..='\u{07FF}'
        | '\u{08A0}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}'
        | '\u{10E60}'..='\u{10E7F}'
        | '\u{1EE00}'..='\u{1EEFF}' => 2, // Arabic
        '\u{2E80}'..='\u{2E99}'
        | '\u{2E9B}'..='\u{2EF3}'
        | '\u{2F00}'..='\u{2FD5}'
        | '\u{3005}'
        | '\u{3007}'
        | '\u{3021}'..='\u{3029}'
        | '\u{3038}'..='\u{303B}'
        | '\u{3400}'..='\u{4DB5}'
        | '\u{4E00}'..='\u{9FCC}'
        | '\u{F900}'..='\u{FA6D}'
        | '\u{FA70}'..='\u{FAD9}' => 3, // Mandarin
        '\u{0900}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}' | '\u{1CD0}'..='\u{1CFF}' => 4, // Devanagari
        '\u{0590}'..='\u{05FF}' => 5,                                                     // Hebrew
        '\u{1200}'..='\u{139F}' | '\u{2D80}'..='\u{2DDF}' | '\u{AB00}'..='\u{AB2F}' => 6, // Ethiopic
        '\u{10A0}'..='\u{10FF}' => 7, // Georgian
        '\u{0980}'..='\u{09FF}' => 8, // Bengali
        '\u{AC00}'..='\u{D7AF}'
        | '\u{1100}'..='\u{11FF}'
        | '\u{3130}'..='\u{318F}'
        | '\u{3200}'..='\u{32FF}'
        | '\u{A960}'..='\u{A97F}'
        | '\u{D7B0}'..='\u{D7FF}'
        | '\u{FF00}'..='\u{FFEF}' => 9, // Hangul
        '\u{3040}'..='\u{309F}' => 10, // Hiragana
        '\u{30A0}'..='\u{30FF}' => 11, // Katakana
        '\u{0370}'..='\u{03FF}' => 12, // Greek
        '\u{0C80}'..='\u{0CFF}' => 13, // Kannada
        '\u{0B80}'..='\u{0BFF}' => 14, // Tamil
        '\u{0E00}'..='\u{0E7F}' => 15, // Thai
        '\u{0A80}'..='\u{0AFF}' => 16, // Gujarati
        '\u{0A00}'..='\u{0A7F}' => 17, // Gurmukhi
        '\u{0C00}'..='\u{0C7F}' => 18, // Telugu
        '\u{0D00}'..='\u{0D7F}' => 19, // Malayalam
        '\u{0B00}'..='\u{0B7F}' => 20, // Oriya
        '\u{1000}'..='\u{109F}' => 21, // Myanmar
        '\u{0D80}'..='\u{0DFF}' => 22, // Sinhala
        '\u{1780}'..='\u{17FF}' | '\u{19E0}'..='\u{19FF}' => 23, // Khmer
        '\u{0530}'..='\u{058F}' | '\u{FB13}'..='\u{FB17}' => 24, // Armenian
        _ => return None,
    })
}

/// [`script_of`] for the Basic Multilingual Plane, by code point: one load per character where
/// the `match` took a tree of comparisons (about twice whatlang's own cost per character).
static BMP: LazyLock<Vec<u8>> = LazyLock::new(|| {
    (0..0x10000)
        .map(|c| encode(char::from_u32(c).and_then(script_of)))
        .collect()
});

/// No script in [`BMP`].
const NONE: u8 = 0;

/// [`script_of`] as one byte: [`NONE`], [`LATIN_OR_CYRILLIC`], or 1 + the script's index.
fn encode(script: Option<u8>) -> u8 {
    match script {
        None => NONE,
        Some(LATIN_OR_CYRILLIC) => LATIN_OR_CYRILLIC,
        Some(at) => at + 1,
    }
}

/// whatlang's `detect_script(text)`: the script with the most characters, `None` when no
/// character has one.
pub(super) fn detect(text: &str) -> Option<Script> {
    let table = &**BMP;
    let mut counts = [0usize; SCRIPTS.len()];
    // whatlang's order of checks (`order`) and each script's place in it (`place`)
    let mut order: [u8; SCRIPTS.len()] = std::array::from_fn(|i| i as u8);
    let mut place = order;
    for ch in text.chars() {
        let code = match table.get(ch as usize) {
            Some(&code) => code,
            None => encode(script_of(ch)),
        };
        let mut script = match code {
            NONE => continue,
            LATIN_OR_CYRILLIC => LATIN_OR_CYRILLIC,
            code => code - 1,
        };
        if script == LATIN_OR_CYRILLIC {
            script = if place[usize::from(LATIN)] < place[usize::from(CYRILLIC)] {
                LATIN
            } else {
                CYRILLIC
            };
        }
        let script = usize::from(script);
        counts[script] += 1;
        let at = usize::from(place[script]);
        if at > 0 {
            let ahead = usize::from(order[at - 1]);
            order.swap(at - 1, at);
            place[script] -= 1;
            place[ahead] += 1;
        }
    }
    // whatlang's counters in its final order, sorted as it sorts them: ties fall the same way
    let mut counters: [(Script, usize); SCRIPTS.len()] = std::array::from_fn(|at| {
        let script = usize::from(order[at]);
        (SCRIPTS[script], counts[script])
    });
    counters.sort_unstable_by_key(|(_, count)| Reverse(*count));
    let (script, count) = counters[0];
    (count > 0).then_some(script)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_character_has_whatlang_s_script() {
        for ch in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let text = ch.to_string();
            assert_eq!(
                detect(&text),
                whatlang::detect_script(&text),
                "U+{:04X}",
                ch as u32
            );
        }
    }

    #[test]
    fn a_character_of_two_scripts_goes_to_the_one_whatlang_checks_first() {
        // after ж, Cyrillic is checked before Latin, so ᴫ counts as Cyrillic: 3 to 1
        for text in [
            "ж\u{1D2B}\u{1D2B}a",
            "a\u{1D78}\u{1D78}ж",
            "жa\u{1D2B}",
            "aж\u{1D78}",
        ] {
            assert_eq!(detect(text), whatlang::detect_script(text), "{text}");
        }
        assert_eq!(detect("ж\u{1D2B}\u{1D2B}a"), Some(Script::Cyrillic));
    }

    proptest! {
        #[test]
        fn answers_like_whatlang_on_mixed_scripts(
            text in "[a-zA-Zж-яЖ-Яα-ωא-ת\u{0600}-\u{0620}\u{1D2B}\u{1D78}一-龥ぁ-んア-ン가-힣ก-ฮ .,0-9]{0,40}",
        ) {
            prop_assert_eq!(detect(&text), whatlang::detect_script(&text));
        }

        #[test]
        fn answers_like_whatlang_on_arbitrary_unicode(text in "\\PC{0,100}") {
            prop_assert_eq!(detect(&text), whatlang::detect_script(&text));
        }
    }
}
