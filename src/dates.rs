//! Publication dates as news writes them, read into one form.
//!
//! Feeds and dumps mix ISO 8601 (`2017-09-18T08:12:00+03:00`), RFC 2822 from RSS
//! (`Mon, 18 Sep 2017 08:12:00 +0000`), numeric forms (`18.09.2017`, `09/18/2017`) and month
//! names (`September 18, 2017`, `18 septembre 2017`, `18 сентября 2017`, `18. September 2017`,
//! `2017年9月18日`). A value with a time and a zone is an instant; a time without a zone is
//! taken as UTC; a date alone is that day. What cannot be read unambiguously (`05/06/2017`,
//! `yesterday`) is not guessed: [`read`] gives `None`.

use std::sync::LazyLock;

use chrono::format::{parse, Item, ParseResult, Parsed, StrftimeItems};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// The formats [`read`] tries and [`Published::iso`] writes, parsed once: chrono's
/// `parse_from_str` and `format` parse their format string on every call, which cost more
/// than reading the date itself, once per article.
struct Formats {
    zoned: [Vec<Item<'static>>; 3],
    naive: [Vec<Item<'static>>; 4],
    day: Vec<Item<'static>>,
    iso_instant: Vec<Item<'static>>,
}

/// Instants with a zone, tried in this order after RFC 3339.
const ZONED: [&str; 3] = [
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.f%z",
];
/// Instants without a zone (taken as UTC), tried after RFC 2822.
const NAIVE: [&str; 4] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];
const DAY: &str = "%Y-%m-%d";
const ISO_INSTANT: &str = "%Y-%m-%dT%H:%M:%SZ";

static FORMATS: LazyLock<Formats> = LazyLock::new(|| Formats {
    zoned: ZONED.map(items),
    naive: NAIVE.map(items),
    day: items(DAY),
    iso_instant: items(ISO_INSTANT),
});

fn items(format: &'static str) -> Vec<Item<'static>> {
    StrftimeItems::new(format).collect()
}

/// What chrono's `parse_from_str` gives for `value` in the (parsed) format `items`.
fn parse_with<T>(
    value: &str,
    items: &[Item<'static>],
    finish: impl FnOnce(&Parsed) -> ParseResult<T>,
) -> Option<T> {
    let mut parsed = Parsed::new();
    parse(&mut parsed, value, items.iter()).ok()?;
    finish(&parsed).ok()
}

/// A publication date as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// A moment, in UTC.
    Instant(NaiveDateTime),
    /// A day, without a time.
    Day(NaiveDate),
}

impl Published {
    /// ISO 8601: `2017-09-17T19:15:00Z` for an instant, `2017-09-17` for a day.
    pub fn iso(self) -> String {
        match self {
            Published::Instant(t) => t.format_with_items(FORMATS.iso_instant.iter()).to_string(),
            Published::Day(d) => d.format_with_items(FORMATS.day.iter()).to_string(),
        }
    }

    /// The day it falls on at `offset` from UTC (a day stays itself).
    pub fn day(self, offset: FixedOffset) -> NaiveDate {
        match self {
            Published::Instant(t) => {
                (t + Duration::seconds(i64::from(offset.local_minus_utc()))).date()
            }
            Published::Day(d) => d,
        }
    }
}

/// The publication date in `value`, if it can be read without guessing.
pub fn read(value: &str) -> Option<Published> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(instant(t));
    }
    for items in &FORMATS.zoned {
        if let Some(t) = parse_with(v, items, Parsed::to_datetime) {
            return Some(instant(t));
        }
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(v) {
        return Some(instant(t));
    }
    for items in &FORMATS.naive {
        if let Some(t) = parse_with(v, items, |p| p.to_naive_datetime_with_offset(0)) {
            return Some(Published::Instant(t));
        }
    }
    if let Some(d) = parse_with(v, &FORMATS.day, Parsed::to_naive_date) {
        return Some(Published::Day(d));
    }
    numeric(v).or_else(|| named(v)).map(Published::Day)
}

fn instant(t: DateTime<FixedOffset>) -> Published {
    Published::Instant(t.with_timezone(&Utc).naive_utc())
}

/// `18.09.2017` (dots: day first), `18/09/2017` or `09/18/2017` (slashes: whichever order
/// is unambiguous; `05/06/2017` is not read), `18-09-2017`.
fn numeric(v: &str) -> Option<NaiveDate> {
    let sep = ['.', '/', '-'].into_iter().find(|&c| v.contains(c))?;
    let parts: Vec<&str> = v.trim_end_matches('.').split(sep).collect();
    let [a, b, y] = parts[..] else {
        return None;
    };
    let (a, b, y): (u32, u32, i32) = (a.parse().ok()?, b.parse().ok()?, y.parse().ok()?);
    if !(1000..=9999).contains(&y) {
        return None;
    }
    let (day, month) = match sep {
        '.' | '-' => (a, b),
        _ if a > 12 => (a, b),
        _ if b > 12 => (b, a),
        _ if a == b => (a, b),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y, month, day)
}

/// Month names in the shipped languages, as written (with or without a comma, a dot after the
/// day, a weekday in front): `September 18, 2017`, `18 septembre 2017`, `18. September 2017`,
/// `18 сентября 2017`, `18 Eylül 2017`, and `2017年9月18日`.
fn named(v: &str) -> Option<NaiveDate> {
    if let Some(d) = cjk(v) {
        return Some(d);
    }
    let lower = v.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .filter(|w| !w.is_empty())
        .collect();
    let mut day = None;
    let mut month = None;
    let mut year = None;
    for w in words {
        if let Ok(n) = w.parse::<u32>() {
            if (1000..=9999).contains(&n) && year.is_none() {
                year = Some(n as i32);
            } else if (1..=31).contains(&n) && day.is_none() {
                day = Some(n);
            } else {
                return None;
            }
        } else if let Some(m) = month_of(w) {
            if month.replace(m).is_some() {
                return None;
            }
        } else if !is_filler(w) {
            return None;
        }
    }
    NaiveDate::from_ymd_opt(year?, month?, day?)
}

fn cjk(v: &str) -> Option<NaiveDate> {
    let (y, rest) = v.split_once('年')?;
    let (m, rest) = rest.split_once('月')?;
    let d = rest.trim_end_matches(['日', '号']);
    NaiveDate::from_ymd_opt(
        y.trim().parse().ok()?,
        m.trim().parse().ok()?,
        d.trim().parse().ok()?,
    )
}

/// Words that may stand beside a date: weekdays, "de"/"del" (Spanish, Portuguese), "г"/"року".
fn is_filler(w: &str) -> bool {
    const WEEKDAYS: [&str; 12] = [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "lundi",
        "montag",
        "понедельник",
        "воскресенье",
        "неділя",
    ];
    matches!(w, "de" | "del" | "г" | "года" | "року" | "р" | "of" | "the")
        || WEEKDAYS.iter().any(|d| w.starts_with(d))
}

/// The month a word names (the longest matching stem wins), in en, fr, de, es, it, pt, pl,
/// ru, uk and tr.
fn month_of(word: &str) -> Option<u32> {
    const STEMS: &[(&str, u32)] = &[
        ("jan", 1),
        ("janv", 1),
        ("ene", 1),
        ("gen", 1),
        ("stycz", 1),
        ("январ", 1),
        ("січ", 1),
        ("ocak", 1),
        ("feb", 2),
        ("févr", 2),
        ("fevr", 2),
        ("fev", 2),
        ("lut", 2),
        ("феврал", 2),
        ("лют", 2),
        ("şubat", 2),
        ("mar", 3),
        ("märz", 3),
        ("marz", 3),
        ("mars", 3),
        ("марта", 3),
        ("март", 3),
        ("берез", 3),
        ("mart", 3),
        ("apr", 4),
        ("avr", 4),
        ("abr", 4),
        ("kwie", 4),
        ("апрел", 4),
        ("квіт", 4),
        ("nisan", 4),
        ("may", 5),
        ("mai", 5),
        ("mag", 5),
        ("maj", 5),
        ("мая", 5),
        ("май", 5),
        ("трав", 5),
        ("mayıs", 5),
        ("jun", 6),
        ("juin", 6),
        ("giu", 6),
        ("czerw", 6),
        ("июн", 6),
        ("черв", 6),
        ("haziran", 6),
        ("jul", 7),
        ("juil", 7),
        ("lug", 7),
        ("lip", 7),
        ("июл", 7),
        ("лип", 7),
        ("temmuz", 7),
        ("aug", 8),
        ("août", 8),
        ("aout", 8),
        ("ago", 8),
        ("sierp", 8),
        ("август", 8),
        ("серп", 8),
        ("ağustos", 8),
        ("sep", 9),
        ("sept", 9),
        ("set", 9),
        ("wrze", 9),
        ("сентябр", 9),
        ("верес", 9),
        ("eylül", 9),
        ("oct", 10),
        ("okt", 10),
        ("ott", 10),
        ("out", 10),
        ("paźdz", 10),
        ("октябр", 10),
        ("жовт", 10),
        ("ekim", 10),
        ("nov", 11),
        ("listop", 11),
        ("ноябр", 11),
        ("листопад", 11),
        ("kasım", 11),
        ("dec", 12),
        ("déc", 12),
        ("dez", 12),
        ("dic", 12),
        ("grud", 12),
        ("декабр", 12),
    ];
    // a month word is at least three letters and not a number
    if word.chars().count() < 3 {
        return None;
    }
    STEMS
        .iter()
        .filter(|(stem, _)| word.starts_with(stem))
        .max_by_key(|(stem, _)| stem.len())
        .map(|&(_, m)| m)
}

/// What publication order sorts by: the date read, in ISO 8601 (which sorts in time order),
/// or the text as written when it cannot be read.
pub fn order_key(value: &str) -> String {
    read(value).map_or_else(|| value.to_string(), Published::iso)
}

/// A `[run] day_zone` value: `UTC` or a fixed offset such as `+03:00`.
pub fn zone(value: &str) -> Option<FixedOffset> {
    if value.eq_ignore_ascii_case("utc") || value == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match value.as_bytes().first()? {
        b'+' => (1, &value[1..]),
        b'-' => (-1, &value[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(v: &str) -> Option<String> {
        read(v).map(Published::iso)
    }

    #[test]
    fn every_form_news_writes_is_read() {
        for (value, expected) in [
            ("2017-09-18T08:12:00+03:00", "2017-09-18T05:12:00Z"),
            ("2017-09-17T20:15:00Z", "2017-09-17T20:15:00Z"),
            ("2017-09-18 08:12:00", "2017-09-18T08:12:00Z"),
            ("2017-09-18 08:12:00+03:00", "2017-09-18T05:12:00Z"),
            ("Mon, 18 Sep 2017 08:12:00 +0000", "2017-09-18T08:12:00Z"),
            ("Mon, 18 Sep 2017 08:12:00 GMT", "2017-09-18T08:12:00Z"),
            ("2017-09-18", "2017-09-18"),
            ("18.09.2017", "2017-09-18"),
            ("18/09/2017", "2017-09-18"),
            ("09/18/2017", "2017-09-18"),
            ("September 18, 2017", "2017-09-18"),
            ("18 September 2017", "2017-09-18"),
            ("18 septembre 2017", "2017-09-18"),
            ("18. September 2017", "2017-09-18"),
            ("18 сентября 2017", "2017-09-18"),
            ("18 сентября 2017 г.", "2017-09-18"),
            ("18 вересня 2017", "2017-09-18"),
            ("18 września 2017", "2017-09-18"),
            ("18 de septiembre de 2017", "2017-09-18"),
            ("18 settembre 2017", "2017-09-18"),
            ("18 Eylül 2017", "2017-09-18"),
            ("2017年9月18日", "2017-09-18"),
            ("17 mars 2017", "2017-03-17"),
            ("17 juillet 2017", "2017-07-17"),
            ("17 juin 2017", "2017-06-17"),
        ] {
            assert_eq!(iso(value).as_deref(), Some(expected), "{value}");
        }
    }

    #[test]
    fn what_cannot_be_read_without_guessing_is_not() {
        for value in [
            "",
            "yesterday",
            "05/06/2017",
            "Sept 17",
            "32.09.2017",
            "18 foo 2017",
            "2017",
        ] {
            assert_eq!(iso(value), None, "{value}");
        }
    }

    #[test]
    fn the_meeting_evening_in_new_york_is_the_next_day_in_moscow() {
        // 17 September, 20:15 in New York (UTC−4) is 00:15 on the 18th UTC, 03:15 in Moscow
        let t = read("2017-09-17T20:15:00-04:00").unwrap();
        let day = |zone: &str| t.day(super::zone(zone).unwrap()).to_string();
        assert_eq!(day("UTC"), "2017-09-18");
        assert_eq!(day("-04:00"), "2017-09-17");
        assert_eq!(day("+03:00"), "2017-09-18");
        assert_eq!(super::zone("+3"), FixedOffset::east_opt(3 * 3600));
        assert_eq!(super::zone("Moscow"), None);
    }

    proptest::proptest! {
        /// The formats parsed once read and write what chrono's `parse_from_str` and
        /// `format` do with the format strings.
        #[test]
        fn formats_parsed_once_read_like_chrono(
            v in "[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,10})?)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?",
        ) {
            for (at, format) in ZONED.iter().enumerate() {
                let ours = parse_with(&v, &FORMATS.zoned[at], Parsed::to_datetime);
                proptest::prop_assert_eq!(ours, DateTime::parse_from_str(&v, format).ok());
            }
            for (at, format) in NAIVE.iter().enumerate() {
                let ours = parse_with(&v, &FORMATS.naive[at], |p| p.to_naive_datetime_with_offset(0));
                proptest::prop_assert_eq!(ours, NaiveDateTime::parse_from_str(&v, format).ok());
            }
            let day = NaiveDate::parse_from_str(&v, DAY).ok();
            proptest::prop_assert_eq!(parse_with(&v, &FORMATS.day, Parsed::to_naive_date), day);
            if let Some(d) = day {
                proptest::prop_assert_eq!(Published::Day(d).iso(), d.format(DAY).to_string());
                let t = d.and_hms_opt(23, 59, 7).unwrap();
                proptest::prop_assert_eq!(Published::Instant(t).iso(), t.format(ISO_INSTANT).to_string());
            }
        }
    }
}
