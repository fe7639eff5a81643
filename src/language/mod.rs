//! Language identification: whatlang behind a small interface that speaks ISO 639-1.
//!
//! No other module names whatlang's types. Detection runs on the title plus a prefix of the
//! body, and widens to the whole text only when the prefix gives no reliable answer: whatlang
//! scores the most frequent trigrams, so a prefix of a kilobyte or two decides almost every
//! news article at a fraction of the cost. For the scripts several languages share (Latin,
//! Cyrillic, Arabic, Devanagari, Hebrew) whatlang's scoring runs in [`trigrams`], which gives
//! whatlang's answers at a fraction of its cost; every other script goes to whatlang itself.

mod script;
mod trigrams;

use whatlang::{Detector, Lang};

/// The code of an article whose language is unknown or below the confidence threshold.
pub const UNDETERMINED: &str = "und";

/// whatlang's confidence above which it calls an answer reliable (`Info::is_reliable`).
const RELIABLE: f64 = 0.9;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// ISO 639-1 code, or [`UNDETERMINED`].
    pub code: &'static str,
    /// whatlang's confidence in 0..=1 (0 when nothing was detected).
    pub confidence: f64,
}

pub struct LanguageDetector {
    detector: Detector,
    allow: Vec<Lang>,
    min_confidence: f64,
    prefix_chars: usize,
}

impl LanguageDetector {
    /// `allow` holds ISO 639-1 codes (empty = every language whatlang knows); callers validate
    /// codes with [`is_known_code`] first, unknown ones are ignored here.
    pub fn new(allow: &[String], min_confidence: f64, prefix_chars: usize) -> Self {
        let allow: Vec<Lang> = allow.iter().filter_map(|c| lang_of_code(c)).collect();
        let detector = if allow.is_empty() {
            Detector::new()
        } else {
            Detector::with_allowlist(allow.clone())
        };
        LanguageDetector {
            detector,
            allow,
            min_confidence,
            prefix_chars: prefix_chars.max(1),
        }
    }

    /// Detects the language of an article from its title and body.
    pub fn detect(&self, title: &str, body: &str) -> Detection {
        let mut sample = String::with_capacity(title.len() + 1 + self.prefix_chars.min(body.len()));
        sample.push_str(title);
        sample.push('\n');
        let prefix = char_prefix(body, self.prefix_chars);
        sample.push_str(prefix);
        let mut found = self.whatlang(&sample);
        let unreliable = found.is_none_or(|(_, confidence)| confidence <= RELIABLE);
        if unreliable && prefix.len() < body.len() {
            sample.truncate(title.len() + 1);
            sample.push_str(body);
            found = self.whatlang(&sample);
        }
        match found {
            Some((lang, confidence))
                if confidence >= self.min_confidence
                    && (self.allow.is_empty() || self.allow.contains(&lang)) =>
            {
                Detection {
                    code: iso639_1(lang),
                    confidence,
                }
            }
            Some((_, confidence)) => Detection {
                code: UNDETERMINED,
                confidence,
            },
            None => Detection {
                code: UNDETERMINED,
                confidence: 0.0,
            },
        }
    }

    /// whatlang's (language, confidence) for `text`.
    fn whatlang(&self, text: &str) -> Option<(Lang, f64)> {
        let script = script::detect(text)?;
        match trigrams::model_for(script) {
            Some(model) => model.detect(text, |l| self.allow.is_empty() || self.allow.contains(&l)),
            None => self
                .detector
                .detect(text)
                .map(|info| (info.lang(), info.confidence())),
        }
    }
}

/// The longest prefix of `text` with at most `max_chars` characters.
fn char_prefix(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Every ISO 639-1 code the detector can produce, sorted.
pub fn known_codes() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = Lang::all().iter().map(|l| iso639_1(*l)).collect();
    codes.sort_unstable();
    codes
}

/// The `'static` form of a code read back from somewhere (the cache): a known code or `und`.
pub fn static_code(code: &str) -> Option<&'static str> {
    if code == UNDETERMINED {
        return Some(UNDETERMINED);
    }
    lang_of_code(code).map(iso639_1)
}

pub fn is_known_code(code: &str) -> bool {
    lang_of_code(code).is_some()
}

fn lang_of_code(code: &str) -> Option<Lang> {
    Lang::all().iter().copied().find(|l| iso639_1(*l) == code)
}

/// whatlang speaks ISO 639-3; researchers and our config speak ISO 639-1. The match is
/// exhaustive so that a whatlang upgrade adding a language breaks the build here.
fn iso639_1(lang: Lang) -> &'static str {
    match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
        Lang::Cym => "cy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> LanguageDetector {
        LanguageDetector::new(&[], 0.0, 1000)
    }

    #[test]
    fn codes_are_iso_639_1_and_unique() {
        let codes = known_codes();
        assert_eq!(codes.len(), 70);
        assert!(codes.iter().all(|c| c.len() == 2));
        let mut dedup = codes.clone();
        dedup.dedup();
        assert_eq!(dedup.len(), codes.len());
        for c in ["fr", "ru", "uk", "he", "nb", "zh", "fa", "ja"] {
            assert!(is_known_code(c), "{c}");
        }
        assert!(!is_known_code("xx"));
    }

    #[test]
    fn tells_russian_from_ukrainian() {
        let d = detector();
        let ru = d.detect(
            "Лавров и Тиллерсон встретились в Нью-Йорке",
            "Министр иностранных дел России Сергей Лавров и государственный секретарь США \
             обсудили ситуацию в Сирии и выполнение минских соглашений по Украине.",
        );
        let uk = d.detect(
            "Лавров і Тіллерсон зустрілися в Нью-Йорку",
            "Міністр закордонних справ Росії Сергій Лавров і державний секретар США \
             обговорили ситуацію в Сирії та виконання мінських домовленостей щодо України.",
        );
        assert_eq!(ru.code, "ru");
        assert_eq!(uk.code, "uk");
    }

    #[test]
    fn allowlist_is_enforced_even_for_single_script_languages() {
        // whatlang returns Greek for Greek script whatever the allowlist says.
        let d = LanguageDetector::new(&["en".into(), "fr".into()], 0.0, 1000);
        let det = d.detect(
            "Συνάντηση στη Νέα Υόρκη",
            "Ο υπουργός Εξωτερικών της Ρωσίας συναντήθηκε με τον Αμερικανό ομόλογό του.",
        );
        assert_eq!(det.code, UNDETERMINED);
    }

    #[test]
    fn below_min_confidence_is_undetermined() {
        let d = LanguageDetector::new(&[], 0.99, 1000);
        assert_eq!(d.detect("", "ok").code, UNDETERMINED);
        assert_eq!(detector().detect("", "").code, UNDETERMINED);
    }

    #[test]
    fn prefix_respects_char_boundaries() {
        assert_eq!(char_prefix("Сирия", 2), "Си");
        assert_eq!(char_prefix("ab", 5), "ab");
    }
}
