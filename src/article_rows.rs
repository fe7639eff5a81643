//! The rows of `articles.csv` as a run keeps them from the analysis to the tables: one per
//! article, the one thing a run holds per article, so their bytes are what makes its memory
//! grow with the corpus.
//!
//! A row is made as an [`ArticleRow`] and kept in [`ArticleRows`]: its numbers in a fixed
//! 56-byte slot, its text fields and topic hits encoded back to back in large shared chunks
//! (no allocation of its own), the file name of its source (`name.jsonl:12`) once per file.
//! Readers see each row through an [`Article`], which decodes a field when asked. Held as
//! structs with their own strings, rows were some 265 bytes an article beside 110 here,
//! most of the growth of a run's peak memory from 20,000 to 100,000 articles.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::article_source::file_and_place;
pub use crate::article_source::Source;
use crate::config::GroupColumn;
use crate::duplicates::SketchSlot;
use crate::ingest::RawArticle;
use crate::row_text::{RowText, RowTextSpill, SpilledText};

/// The text fields of a row: the article's own fields but its text, plus where it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowField {
    Id,
    Source,
    Outlet,
    Country,
    Published,
    /// `published` as read (ISO 8601, see `dates`), empty when unreadable: read once, in the
    /// parallel stage, for the tables, the groups and publication order.
    PublishedUtc,
    Url,
    Title,
    DeclaredLanguage,
}

impl RowField {
    pub const COUNT: usize = 9;
    pub const ALL: [RowField; RowField::COUNT] = [
        RowField::Id,
        RowField::Source,
        RowField::Outlet,
        RowField::Country,
        RowField::Published,
        RowField::PublishedUtc,
        RowField::Url,
        RowField::Title,
        RowField::DeclaredLanguage,
    ];

    fn of<'a>(self, raw: &'a RawArticle, published_utc: &'a str) -> &'a str {
        match self {
            RowField::PublishedUtc => published_utc,
            RowField::Id => &raw.id,
            RowField::Source => &raw.source,
            RowField::Outlet => &raw.outlet,
            RowField::Country => &raw.country,
            RowField::Published => &raw.published,
            RowField::Url => &raw.url,
            RowField::Title => &raw.title,
            RowField::DeclaredLanguage => &raw.declared_language,
        }
    }
}

/// One row as it is made (by the per-article step, or read back from partial counts), before
/// it joins [`ArticleRows`]; [`ArticleRow::view`] reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleRow {
    pub language: &'static str,
    pub language_confidence: f64,
    /// At most 2^32 − 1: an article is at most `max_article_bytes` (≤ 1 GiB).
    pub words: u32,
    pub terms: u32,
    /// The body's shingles, for duplicate detection (empty when it is off).
    pub sketch: SketchSlot,
    /// Whether the id came from the input (and so must be unique per outlet).
    pub id_from_input: bool,
    /// The text fields, topic hits and spilled text's place (see [`encode`]).
    data: String,
}

impl ArticleRow {
    /// The row of an article with these topic hits ((topic index, hits), for the topics
    /// with at least one); with a `text_spill`, its title and URL go there. Its numbers are
    /// left for the caller to set from the article's analysis.
    pub fn new(
        raw: &RawArticle,
        topic_hits: &[(usize, u32)],
        text_spill: Option<&RowTextSpill>,
    ) -> ArticleRow {
        let published_utc = crate::dates::read(&raw.published)
            .map(crate::dates::Published::iso)
            .unwrap_or_default();
        let spilled = text_spill.and_then(|spill| spill.keep(&raw.title, &raw.url));
        let field = |f: RowField| match f {
            RowField::Title | RowField::Url if spilled.is_some() => "",
            _ => f.of(raw, &published_utc),
        };
        ArticleRow {
            id_from_input: raw.id_from_input,
            ..ArticleRow::from_fields(RowField::ALL.map(field), topic_hits, spilled)
        }
    }

    /// A row whose text fields are `fields` (in [`RowField::ALL`]'s order), with these topic
    /// hits ((topic index, hits), for the topics with at least one) and, when its title and
    /// URL wait on disk, their place; its other fields are left empty for the caller to set.
    pub fn from_fields(
        fields: [&str; RowField::COUNT],
        topic_hits: &[(usize, u32)],
        spilled: Option<SpilledText>,
    ) -> ArticleRow {
        let mut data = String::new();
        encode(&mut data, fields, None, spilled, topic_hits);
        ArticleRow {
            language: "",
            language_confidence: 0.0,
            words: 0,
            terms: 0,
            sketch: SketchSlot::default(),
            id_from_input: false,
            data,
        }
    }

    pub fn view(&self) -> Article<'_> {
        Article {
            data: &self.data,
            files: &[],
            language: self.language,
            language_confidence: self.language_confidence,
            words: self.words,
            terms: self.terms,
            sketch: &self.sketch,
            id_from_input: self.id_from_input,
        }
    }
}

/// Every row of a run (or of a worker's share of it), in the order pushed until sorted.
#[derive(Debug, Default)]
pub struct ArticleRows {
    rows: Vec<Stored>,
    chunks: Vec<Chunk>,
    /// The file names of the rows' sources (see [`file_and_place`]).
    files: Vec<Box<str>>,
    /// Where each file name is in `files`, for the rows pushed here (not those appended).
    file_numbers: FxHashMap<Box<str>, u32>,
    languages: Vec<&'static str>,
}

impl Extend<ArticleRow> for ArticleRows {
    fn extend<I: IntoIterator<Item = ArticleRow>>(&mut self, rows: I) {
        for row in rows {
            self.push(row);
        }
    }
}

/// A row's numbers, and where its encoded part is.
#[derive(Debug, Clone)]
struct Stored {
    chunk: u32,
    at: u32,
    language_confidence: f64,
    sketch: SketchSlot,
    words: u32,
    terms: u32,
    /// Index into [`ArticleRows::languages`].
    language: u16,
    id_from_input: bool,
}

/// Encoded rows, back to back; never grown past the capacity it was made with, so that rows
/// are not moved and no chunk is ever a doubled copy of itself.
#[derive(Debug)]
struct Chunk {
    text: String,
    /// Where the file numbers its rows were encoded with start in [`ArticleRows::files`]
    /// (rows appended from other rows keep their numbers).
    files_from: u32,
}

/// Large enough that a chunk holds thousands of rows, small enough that the last one's
/// unused room is nothing beside them.
const CHUNK_BYTES: usize = 1 << 18;

/// The first chunk of a set of rows.
const MIN_CHUNK_BYTES: usize = 1 << 12;

impl ArticleRows {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Adds a row at the end.
    pub fn push(&mut self, mut row: ArticleRow) {
        let sketch = std::mem::take(&mut row.sketch);
        let row = row.view();
        // a row made alone keeps its source whole
        let mut fields = RowField::ALL.map(|f| row.field(f));
        let file = file_and_place(fields[RowField::Source as usize]).map(|(file, place)| {
            fields[RowField::Source as usize] = place;
            self.file_number(file)
        });
        let hits: Vec<(usize, u32)> = row.topic_hits().collect();
        let bound = encoded_bound(&fields, hits.len());
        let chunk = self.chunk_with_room(bound);
        let at = self.chunks[chunk].text.len();
        encode(
            &mut self.chunks[chunk].text,
            fields,
            file,
            row.spilled(),
            &hits,
        );
        let language = self.language_number(row.language);
        // Rows grow by an eighth (at least 4096), not by doubling, so that a long fold ends
        // with at most an eighth of its slots empty rather than up to half; the growth stays
        // geometric, so a row is moved at most eight times whatever the corpus size.
        if self.rows.len() == self.rows.capacity() {
            self.rows.reserve_exact((self.rows.len() / 8).max(4096));
        }
        self.rows.push(Stored {
            chunk: index_u32(chunk),
            at: index_u32(at),
            language_confidence: row.language_confidence,
            sketch,
            words: row.words,
            terms: row.terms,
            language,
            id_from_input: row.id_from_input,
        });
    }

    /// Room for `more` rows without moving them again.
    pub fn reserve_exact(&mut self, more: usize) {
        self.rows.reserve_exact(more);
    }

    /// Moves every row of `other` to the end of these rows.
    pub fn append(&mut self, other: ArticleRows) {
        let ArticleRows {
            rows,
            chunks,
            files,
            languages,
            ..
        } = other;
        let chunks_from = index_u32(self.chunks.len());
        let files_from = index_u32(self.files.len());
        self.files.extend(files);
        self.chunks.extend(chunks.into_iter().map(|c| Chunk {
            text: c.text,
            files_from: c.files_from + files_from,
        }));
        let language_numbers: Vec<u16> =
            languages.iter().map(|&l| self.language_number(l)).collect();
        self.rows.reserve_exact(rows.len());
        self.rows.extend(rows.into_iter().map(|mut r| {
            r.chunk += chunks_from;
            r.language = language_numbers[r.language as usize];
            r
        }));
    }

    pub fn at(&self, i: usize) -> Article<'_> {
        view(&self.rows[i], &self.chunks, &self.files, &self.languages)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Article<'_>> + '_ {
        (0..self.len()).map(|i| self.at(i))
    }

    /// Sorts the rows by article id, then source (as `articles.csv` lists them), on the run's
    /// threads, stably. Each row's id and source are decoded once, not at every comparison.
    pub fn sort_by_id_and_source(&mut self) {
        let mut order: Vec<(&str, Source, usize)> = (0..self.len())
            .into_par_iter()
            .map(|i| {
                let a = self.at(i);
                (a.id(), a.source(), i)
            })
            .collect();
        // the index makes every key distinct: the stable order
        order.par_sort_unstable();
        let order: Vec<usize> = order.into_iter().map(|(_, _, i)| i).collect();
        let mut rows: Vec<Option<Stored>> = std::mem::take(&mut self.rows)
            .into_iter()
            .map(Some)
            .collect();
        self.rows = order.iter().filter_map(|&i| rows[i].take()).collect();
    }

    /// Keeps the rows for which `keep` is true, in their order (their encoded parts stay
    /// until the rows are dropped).
    pub fn retain(&mut self, keep: impl Fn(Article) -> bool) {
        let keeps: Vec<bool> = self.iter().map(&keep).collect();
        let mut next = keeps.iter();
        self.rows.retain(|_| *next.next().unwrap_or(&false));
    }

    /// The chunk to encode a row of at most `bound` bytes into.
    fn chunk_with_room(&mut self, bound: usize) -> usize {
        let fits = self.chunks.last().is_some_and(|c| {
            // a chunk appended from other rows numbers its files apart
            c.files_from == 0 && c.text.capacity() - c.text.len() >= bound
        });
        if !fits {
            // as large as the chunks before it together: a shelf of a few rows stays small
            let held: usize = self.chunks.iter().map(|c| c.text.len()).sum();
            let size = held.clamp(MIN_CHUNK_BYTES, CHUNK_BYTES).max(bound);
            self.chunks.push(Chunk {
                text: String::with_capacity(size),
                files_from: 0,
            });
        }
        self.chunks.len() - 1
    }

    fn file_number(&mut self, file: &str) -> u32 {
        if let Some(&n) = self.file_numbers.get(file) {
            return n;
        }
        let n = index_u32(self.files.len());
        self.files.push(file.into());
        self.file_numbers.insert(file.into(), n);
        n
    }

    fn language_number(&mut self, language: &'static str) -> u16 {
        // the codes are the detector's static strings: the same pointer, without comparing
        let same =
            |l: &&str| std::ptr::eq(l.as_ptr(), language.as_ptr()) && l.len() == language.len();
        let at = match (self.languages.iter().position(same))
            .or_else(|| self.languages.iter().position(|&l| l == language))
        {
            Some(at) => at,
            None => {
                self.languages.push(language);
                self.languages.len() - 1
            }
        };
        u16::try_from(at).expect("fewer than 65,536 language codes (they are ISO 639-1 codes)")
    }
}

fn view<'a>(
    r: &'a Stored,
    chunks: &'a [Chunk],
    files: &'a [Box<str>],
    languages: &[&'static str],
) -> Article<'a> {
    let chunk = &chunks[r.chunk as usize];
    Article {
        data: chunk.text.get(r.at as usize..).unwrap_or_default(),
        files: files.get(chunk.files_from as usize..).unwrap_or_default(),
        language: languages[r.language as usize],
        language_confidence: r.language_confidence,
        words: r.words,
        terms: r.terms,
        sketch: &r.sketch,
        id_from_input: r.id_from_input,
    }
}

/// `i` as 32 bits: a chunk offset (chunks are far smaller), or a chunk or file number of a
/// corpus that fits in memory.
fn index_u32(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 chunks, files and bytes per chunk")
}

/// A row as its readers see it: the numbers, and the text fields decoded on demand.
#[derive(Debug, Clone, Copy)]
pub struct Article<'a> {
    /// The encoded part (and whatever follows it in its chunk).
    data: &'a str,
    /// The file names its source's file number counts from.
    files: &'a [Box<str>],
    language: &'static str,
    language_confidence: f64,
    words: u32,
    terms: u32,
    sketch: &'a SketchSlot,
    id_from_input: bool,
}

impl<'a> Article<'a> {
    pub fn language(&self) -> &'static str {
        self.language
    }

    pub fn language_confidence(&self) -> f64 {
        self.language_confidence
    }

    pub fn words(&self) -> u64 {
        u64::from(self.words)
    }

    pub fn terms(&self) -> u64 {
        u64::from(self.terms)
    }

    pub fn sketch(&self) -> &'a SketchSlot {
        self.sketch
    }

    pub fn id_from_input(&self) -> bool {
        self.id_from_input
    }

    pub fn id(&self) -> &'a str {
        self.get(RowField::Id)
    }

    /// Where the article was read: `name.jsonl:12`, or a page's file name.
    pub fn source(&self) -> Source<'a> {
        let layout = Layout::of(self.data);
        let place = layout.field(self.data, RowField::Source);
        match layout.file(self.data.as_bytes()) {
            Some(n) => Source::split(self.files.get(n as usize).map_or("", |f| f), place),
            None => Source::whole(place),
        }
    }

    /// A field's value. The title and URL of a row whose text was spilled are empty here
    /// (see [`Article::text`]); the source is [`Article::source`].
    pub fn get(&self, field: RowField) -> &'a str {
        debug_assert!(field != RowField::Source, "the source is Article::source");
        self.field(field)
    }

    /// A field as encoded: the source is its place alone when its file is kept apart.
    fn field(&self, field: RowField) -> &'a str {
        let layout = Layout::of(self.data);
        match field {
            RowField::PublishedUtc if layout.flags & SAME_UTC != 0 => {
                layout.field(self.data, RowField::Published)
            }
            _ => layout.field(self.data, field),
        }
    }

    /// (topic index, hits) for the topics with at least one hit, in the order the analysis
    /// gave them.
    pub fn topic_hits(&self) -> TopicHits<'a> {
        let layout = Layout::of(self.data);
        let data = self.data.as_bytes();
        let mut at = layout.numbers(data);
        if layout.flags & SPILLED != 0 {
            for _ in 0..3 {
                read_varint(data, &mut at);
            }
        }
        let left = if layout.flags & HITS != 0 {
            read_varint(data, &mut at)
        } else {
            0
        };
        TopicHits { data, at, left }
    }

    /// The title and URL, or where they wait on disk: what
    /// [`crate::row_text::RowTexts::read`] reads them back from.
    pub fn text(&self) -> RowText<'a> {
        match self.spilled() {
            Some(spilled) => RowText::Spilled(spilled),
            None => RowText::Held {
                title: self.get(RowField::Title),
                url: self.get(RowField::Url),
            },
        }
    }

    /// Where the title and URL wait on disk, when they do.
    pub fn spilled(&self) -> Option<SpilledText> {
        let layout = Layout::of(self.data);
        if layout.flags & SPILLED == 0 {
            return None;
        }
        let data = self.data.as_bytes();
        let mut at = layout.numbers(data);
        let start = read_varint(data, &mut at);
        let title = read_varint(data, &mut at);
        let url = read_varint(data, &mut at);
        Some(SpilledText::new(
            start,
            u32::try_from(title).unwrap_or_default(),
            u32::try_from(url).unwrap_or_default(),
        ))
    }

    /// The group the article belongs to: its values of the `group_by` columns, in order
    /// (`published` by day).
    pub fn group_key(&self, group_by: &[GroupColumn]) -> Vec<String> {
        group_by
            .iter()
            .map(|col| match col {
                GroupColumn::Outlet => self.get(RowField::Outlet).to_string(),
                GroupColumn::Language => self.language.to_string(),
                GroupColumn::Country => self.get(RowField::Country).to_string(),
                GroupColumn::Published(zone) => {
                    // the day at the run's zone; a date newsprism cannot read stays as written
                    match crate::dates::read(self.get(RowField::PublishedUtc)) {
                        Some(date) => date.day(*zone).to_string(),
                        None => self.get(RowField::Published).to_string(),
                    }
                }
            })
            .collect()
    }
}

/// The topic hits of a row, decoded as read.
#[derive(Debug, Clone)]
pub struct TopicHits<'a> {
    data: &'a [u8],
    at: usize,
    left: u64,
}

impl Iterator for TopicHits<'_> {
    type Item = (usize, u32);

    fn next(&mut self) -> Option<(usize, u32)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let topic = read_varint(self.data, &mut self.at);
        let hits = read_varint(self.data, &mut self.at);
        Some((
            usize::try_from(topic).unwrap_or(usize::MAX),
            u32::try_from(hits).unwrap_or(u32::MAX),
        ))
    }
}

// The encoded part of a row, a string: its text fields as they are, every number in bytes
// below 0x80 (ASCII), so that a field is a slice of the chunk's string, with no UTF-8 check
// when read. In order:
// - a flags byte: the width of the field ends (bits 0–1: 1, 2, 3 or 5 bytes of 7 bits), then
//   the flags below;
// - the end of each field (from the first field's start), in that width, low bits first;
// - the fields, back to back (published_utc empty with SAME_UTC);
// - with FILE, the file number of its source; the source field is then its place;
// - with SPILLED, the title and URL's place in the spill: offset, title and URL lengths;
// - with HITS, the number of topics with hits, then (topic index, hits) per topic.
// The numbers after the fields are varints of 6 bits a byte, 0x40 marking that more follow.
const WIDTH: u8 = 0b11;
const SAME_UTC: u8 = 1 << 2;
const SPILLED: u8 = 1 << 3;
const HITS: u8 = 1 << 4;
const FILE: u8 = 1 << 5;

/// The bytes of a field end for each value of the WIDTH bits.
const WIDTHS: [usize; 4] = [1, 2, 3, 5];

/// More bytes than [`encode`] writes for these fields and hits.
fn encoded_bound(fields: &[&str; RowField::COUNT], hits: usize) -> usize {
    let text: usize = fields.iter().map(|f| f.len()).sum();
    // a varint of 64 bits takes 11 bytes: flags, ends, file number, spilled place, hit count,
    // hits
    1 + 5 * RowField::COUNT + text + 11 + 3 * 11 + 11 + 2 * 11 * hits
}

fn encode(
    out: &mut String,
    mut fields: [&str; RowField::COUNT],
    file: Option<u32>,
    spilled: Option<SpilledText>,
    topic_hits: &[(usize, u32)],
) {
    let mut flags = 0;
    let (published, utc) = (
        RowField::Published as usize,
        RowField::PublishedUtc as usize,
    );
    if !fields[utc].is_empty() && fields[utc] == fields[published] {
        flags |= SAME_UTC;
        fields[utc] = "";
    }
    // fields are at most max_article_bytes (validated ≤ 1 GiB): 35 bits are plenty
    let total = fields.iter().map(|f| f.len() as u64).sum::<u64>();
    let code = WIDTHS
        .iter()
        .position(|&w| total < 1 << (7 * w))
        .unwrap_or(WIDTHS.len() - 1);
    let width = WIDTHS[code];
    flags |= code as u8;
    if spilled.is_some() {
        flags |= SPILLED;
    }
    if !topic_hits.is_empty() {
        flags |= HITS;
    }
    if file.is_some() {
        flags |= FILE;
    }
    push_ascii(out, flags);
    let mut end = 0u64;
    for f in &fields {
        end += f.len() as u64;
        for k in 0..width {
            push_ascii(out, ((end >> (7 * k)) & 0x7f) as u8);
        }
    }
    for f in &fields {
        out.push_str(f);
    }
    if let Some(n) = file {
        write_varint(out, u64::from(n));
    }
    if let Some(s) = spilled {
        let (at, title, url) = s.parts();
        write_varint(out, at);
        write_varint(out, u64::from(title));
        write_varint(out, u64::from(url));
    }
    if !topic_hits.is_empty() {
        write_varint(out, topic_hits.len() as u64);
        for &(topic, hits) in topic_hits {
            write_varint(out, topic as u64);
            write_varint(out, u64::from(hits));
        }
    }
}

/// A byte below 0x80, as the one-byte character it is.
fn push_ascii(out: &mut String, byte: u8) {
    debug_assert!(byte < 0x80);
    out.push(char::from(byte & 0x7f));
}

/// Where the parts of an encoded row are.
struct Layout {
    flags: u8,
    /// The width of the field ends.
    width: usize,
    /// Where the fields start.
    fields: usize,
}

/// Where the field ends start: after the flags.
const ENDS: usize = 1;

impl Layout {
    fn of(data: &str) -> Layout {
        let flags = data.as_bytes().first().copied().unwrap_or_default();
        let width = WIDTHS[usize::from(flags & WIDTH)];
        Layout {
            flags,
            width,
            fields: ENDS + RowField::COUNT * width,
        }
    }

    /// The file number of the row's source, when its file is kept apart.
    fn file(&self, data: &[u8]) -> Option<u32> {
        let mut at = self.fields_end(data);
        (self.flags & FILE != 0)
            .then(|| u32::try_from(read_varint(data, &mut at)).unwrap_or(u32::MAX))
    }

    /// Where the spilled text's place and the topic hits start: after the file number.
    fn numbers(&self, data: &[u8]) -> usize {
        let mut at = self.fields_end(data);
        if self.flags & FILE != 0 {
            read_varint(data, &mut at);
        }
        at
    }

    /// The end of field `i` (from the first field's start).
    fn end(&self, data: &[u8], i: usize) -> usize {
        let at = ENDS + i * self.width;
        let bytes = data.get(at..at + self.width).unwrap_or_default();
        let end = bytes
            .iter()
            .rev()
            .fold(0u64, |n, &b| (n << 7) | u64::from(b & 0x7f));
        usize::try_from(end).unwrap_or(usize::MAX)
    }

    fn field<'a>(&self, data: &'a str, field: RowField) -> &'a str {
        let i = field as usize;
        let bytes = data.as_bytes();
        let start = if i == 0 { 0 } else { self.end(bytes, i - 1) };
        let end = self.end(bytes, i);
        // on the chunk's string: only the two ends are checked to be character boundaries
        data.get(self.fields + start..self.fields + end)
            .unwrap_or_default()
    }

    /// Where what follows the fields starts.
    fn fields_end(&self, data: &[u8]) -> usize {
        self.fields + self.end(data, RowField::COUNT - 1)
    }
}

fn write_varint(out: &mut String, mut n: u64) {
    while n >= 0x40 {
        push_ascii(out, (n & 0x3f) as u8 | 0x40);
        n >>= 6;
    }
    push_ascii(out, n as u8);
}

/// The varint at `*at`, moving `*at` past it; 0 past the end of `data` (never, for the
/// bytes [`encode`] wrote).
fn read_varint(data: &[u8], at: &mut usize) -> u64 {
    let mut n = 0u64;
    let mut shift = 0;
    while let Some(&b) = data.get(*at) {
        *at += 1;
        if shift < 64 {
            n |= u64::from(b & 0x3f) << shift;
        }
        if b & 0x40 == 0 {
            break;
        }
        shift += 6;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fields: [&str; RowField::COUNT], hits: &[(usize, u32)]) -> ArticleRow {
        let mut row = ArticleRow::from_fields(fields, hits, None);
        row.language = "fr";
        row.language_confidence = 0.75;
        row.words = 120;
        row.terms = 80;
        row
    }

    fn fields_of(a: Article) -> Vec<String> {
        RowField::ALL
            .iter()
            .map(|&f| match f {
                RowField::Source => a.source().to_string(),
                f => a.get(f).to_string(),
            })
            .collect()
    }

    #[test]
    fn a_row_reads_back_as_made_alone_or_kept_among_others() {
        let long_title = "Лавров и Тиллерсон ".repeat(40);
        let made = [
            (
                [
                    "a1",
                    "feeds/rt.jsonl:12",
                    "Daily Wire",
                    "FR",
                    "2017-09-17",
                    "2017-09-17",
                    "",
                    "",
                    "",
                ],
                vec![(2, 3), (130, 70_000)],
            ),
            (
                [
                    "b2",
                    "pages/tass.html",
                    "Paper",
                    "",
                    "17 Sept",
                    "",
                    "https://paper.example/1",
                    long_title.as_str(),
                    "ru",
                ],
                vec![],
            ),
            (
                [
                    "c3",
                    "feeds/rt.jsonl:13",
                    "Daily Wire",
                    "FR",
                    "2017-09-17T20:15:00+03:00",
                    "2017-09-17T17:15:00Z",
                    "u",
                    "t",
                    "",
                ],
                vec![(0, 1)],
            ),
            (["", "C:a", "", "", "", "", "", "", ""], vec![]),
        ];
        let mut kept = ArticleRows::default();
        let mut other = ArticleRows::default();
        for (i, (fields, hits)) in made.iter().enumerate() {
            let r = row(*fields, hits);
            let alone = r.view();
            let want: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
            assert_eq!(fields_of(alone), want);
            assert_eq!(alone.topic_hits().collect::<Vec<_>>(), *hits);
            if i % 2 == 0 {
                kept.push(r);
            } else {
                other.push(r);
            }
        }
        kept.append(other);
        assert_eq!(kept.len(), 4);
        let order = [0, 2, 1, 3];
        for (k, &m) in order.iter().enumerate() {
            let a = kept.at(k);
            let (fields, hits) = &made[m];
            let want: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
            assert_eq!(fields_of(a), want, "row {m}");
            assert_eq!(a.topic_hits().collect::<Vec<_>>(), *hits);
            assert_eq!(a.source().to_cow(), fields[1]);
            assert!(a.source() == *fields[1]);
            assert_eq!(
                (a.language(), a.language_confidence(), a.words(), a.terms()),
                ("fr", 0.75, 120, 80)
            );
        }
    }

    #[test]
    fn a_kept_row_takes_56_bytes_beside_its_encoded_part() {
        // the slot is what every article costs whatever its text: the figure the module doc
        // and the README give
        assert_eq!(std::mem::size_of::<Stored>(), 56);
    }

    #[test]
    fn fields_of_every_length_read_back() {
        // ends of 1, 2, 3 and 5 bytes: fields of less than 128 bytes, 16 KiB, 2 MiB, and more
        for len in [10, 1_000, 70_000, 5_000_000] {
            let title = "é".repeat(len / 2);
            let fields = ["a", "f.jsonl:3", "o", "", "", "", "u", &title, "de"];
            let mut rows = ArticleRows::default();
            rows.push(row(fields, &[(4, 1)]));
            let a = rows.at(0);
            assert_eq!(a.get(RowField::Title), title);
            assert_eq!(a.get(RowField::DeclaredLanguage), "de");
            assert_eq!(a.source().to_string(), "f.jsonl:3");
            assert_eq!(a.topic_hits().collect::<Vec<_>>(), [(4, 1)]);
        }
    }

    #[test]
    fn sources_sort_as_the_strings_they_stand_for() {
        let names = [
            "a.jsonl:12",
            "a.jsonl:2",
            "a.jsonl2:1",
            "a.jsonl",
            "b.html",
            "a.jsonl:12x",
            "a:1",
            "w.warc.gz@4096",
            "w.warc.gz@512",
            "w.warc.gz:1",
        ];
        let mut rows = ArticleRows::default();
        for name in names {
            rows.push(row(["x", name, "", "", "", "", "", "", ""], &[]));
        }
        rows.sort_by_id_and_source();
        let sorted: Vec<String> = rows.iter().map(|a| a.source().to_string()).collect();
        let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(sorted, want);
    }

    #[test]
    fn a_spilled_text_place_reads_back() {
        let spilled = SpilledText::new(1 << 40, 300, 7);
        let mut r = ArticleRow::from_fields(
            ["a", "f:1", "", "", "", "", "", "", ""],
            &[(1, 2)],
            Some(spilled),
        );
        r.language = "en";
        let mut rows = ArticleRows::default();
        rows.push(r);
        let a = rows.at(0);
        assert_eq!(a.text(), RowText::Spilled(spilled));
        assert_eq!(a.topic_hits().collect::<Vec<_>>(), [(1, 2)]);
    }

    #[test]
    fn retain_keeps_the_order_of_the_rows_kept() {
        let mut rows = ArticleRows::default();
        for id in ["a", "b", "c", "d"] {
            rows.push(row([id, "f:1", "", "", "", "", "", "", ""], &[]));
        }
        rows.retain(|a| a.id() != "b");
        let ids: Vec<&str> = rows.iter().map(|a| a.id()).collect();
        assert_eq!(ids, ["a", "c", "d"]);
    }
}
