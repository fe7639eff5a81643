//! `make-corpus`: builds a multilingual news corpus of any size for the tests and benchmarks,
//! from the NTREX-128 documents the repository carries (`tests/data/ntrex`).
//!
//! Each article is a run of consecutive sentences of one real news document plus a few
//! sentences of another document in the same language, so articles differ while their word
//! statistics stay those of real news. The output is a function of the flags alone (a seeded
//! generator of our own, no system randomness), so a test or a benchmark can rebuild the same
//! corpus anywhere.
//!
//! ```text
//! make-corpus --out /tmp/corpus --articles 100000
//! make-corpus --out /tmp/corpus --articles 2000 --langs eng,fra,rus --format txt --copies 0.2
//! ```
//!
//! Writes under `--out`: `articles-NNNN.jsonl` (one article a line: id, outlet, country,
//! published, url, title, text; or `.csv` with the same columns, or one `.txt` per article in a
//! folder per outlet), `truth.csv` (id, language: the answer key for language detection),
//! `sources.csv` (outlet, country, language) and, with `--copies`, `copies.csv` (id, copy_of,
//! edits: which articles republish an earlier article of another outlet, and how).

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use flate2::read::GzDecoder;

/// NTREX code → (ISO 639-1 code, a country for the invented outlets).
const LANGUAGES: [(&str, &str, &str); 32] = [
    ("arb", "ar", "EG"),
    ("bul", "bg", "BG"),
    ("cat", "ca", "ES"),
    ("ces", "cs", "CZ"),
    ("dan", "da", "DK"),
    ("deu", "de", "DE"),
    ("ell", "el", "GR"),
    ("eng", "en", "US"),
    ("fas", "fa", "IR"),
    ("fin", "fi", "FI"),
    ("fra", "fr", "FR"),
    ("heb", "he", "IL"),
    ("hin", "hi", "IN"),
    ("hrv", "hr", "HR"),
    ("hun", "hu", "HU"),
    ("ind", "id", "ID"),
    ("ita", "it", "IT"),
    ("jpn", "ja", "JP"),
    ("kor", "ko", "KR"),
    ("nld", "nl", "NL"),
    ("nob", "nb", "NO"),
    ("pol", "pl", "PL"),
    ("por", "pt", "PT"),
    ("ron", "ro", "RO"),
    ("rus", "ru", "RU"),
    ("spa", "es", "ES"),
    ("swe", "sv", "SE"),
    ("tam", "ta", "IN"),
    ("tur", "tr", "TR"),
    ("ukr", "uk", "UA"),
    ("vie", "vi", "VN"),
    ("zho-CN", "zh", "CN"),
];
const KINDS: [&str; 3] = ["daily", "wire", "broadcaster"];
const COLUMNS: [&str; 7] = [
    "id",
    "outlet",
    "country",
    "published",
    "url",
    "title",
    "text",
];
/// Lines a syndicating outlet appends to a wire story.
const BOILERPLATE: [&str; 4] = [
    "(Reporting by staff correspondents; editing by the news desk)",
    "Follow us for more news.",
    "This article was republished from a news agency feed.",
    "All rights reserved.",
];

#[derive(Parser)]
#[command(
    name = "make-corpus",
    about = "Build a multilingual news corpus from NTREX-128 for tests and benchmarks"
)]
struct Flags {
    /// Folder to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 10_000)]
    articles: usize,
    /// NTREX codes, comma-separated (default: all 32).
    #[arg(long, value_delimiter = ',')]
    langs: Vec<String>,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = Layout::Jsonl)]
    format: Layout,
    /// Articles per JSONL or CSV file.
    #[arg(long, default_value_t = 10_000)]
    per_file: usize,
    /// Share of articles that republish an earlier article of another outlet (wire copy).
    #[arg(long, default_value_t = 0.0)]
    copies: f64,
    /// Outlets per language (a daily, a wire, a broadcaster, then numbered ones: 10 gives the
    /// 320 outlets of a national press corpus).
    #[arg(long, default_value_t = 3)]
    outlets_per_language: usize,
    /// The NTREX documents, one `<code>.jsonl.gz` (or `.jsonl`) a language.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ntrex"))]
    ntrex: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Layout {
    Jsonl,
    Csv,
    Txt,
}

fn main() -> ExitCode {
    let flags = Flags::parse();
    match generate(&flags) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("make-corpus: {e}");
            ExitCode::FAILURE
        }
    }
}

/// SplitMix64: small, fast and the same on every platform, which is all a corpus needs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A document as its sentences; the first is the headline.
type Document = Vec<String>;

struct Outlet {
    name: String,
    country: &'static str,
    /// Index into the languages in use.
    language: usize,
}

#[derive(Clone)]
struct Article {
    id: String,
    outlet: usize,
    published: String,
    title: String,
    text: String,
}

fn generate(flags: &Flags) -> io::Result<String> {
    let codes: Vec<&(&str, &str, &str)> = if flags.langs.is_empty() {
        LANGUAGES.iter().collect()
    } else {
        flags
            .langs
            .iter()
            .map(|c| {
                LANGUAGES.iter().find(|l| l.0 == c).ok_or_else(|| {
                    io::Error::other(format!("unknown NTREX code {c:?}; known: {:?}", codes()))
                })
            })
            .collect::<io::Result<_>>()?
    };
    let documents: Vec<Vec<Document>> = codes
        .iter()
        .map(|(code, _, _)| load_documents(&flags.ntrex, code))
        .collect::<io::Result<_>>()?;
    let outlets: Vec<Outlet> = codes
        .iter()
        .enumerate()
        .flat_map(|(language, (_, iso, country))| {
            (0..flags.outlets_per_language.max(1)).map(move |k| {
                let kind = KINDS[k % KINDS.len()];
                // the first of each kind keeps its plain name, so the default corpus is as before
                let name = if k < KINDS.len() {
                    format!("{iso}-{kind}")
                } else {
                    format!("{iso}-{kind}-{}", k / KINDS.len() + 1)
                };
                Outlet {
                    name,
                    country,
                    language,
                }
            })
        })
        .collect();

    fs::create_dir_all(&flags.out)?;
    write_sources(&flags.out, &outlets, &codes)?;
    let mut truth = csv_writer(&flags.out.join("truth.csv"), &["id", "language"])?;
    let mut copies = if flags.copies > 0.0 {
        Some(Syndication::new(flags, codes.len())?)
    } else {
        None
    };
    let mut sink = Sink::new(flags);
    let mut rng = Rng(flags.seed);
    let mut characters = 0usize;
    for i in 0..flags.articles {
        let outlet_index = rng.below(outlets.len());
        let outlet = &outlets[outlet_index];
        let (title, text) = compose(&mut rng, &documents[outlet.language]);
        let mut article = Article {
            id: format!("a{i:08}"),
            outlet: outlet_index,
            published: format!("2017-09-{:02}", rng.between(15, 21)),
            title,
            text,
        };
        if let Some(copies) = copies.as_mut() {
            copies.maybe_republish(&mut article, outlet)?;
        }
        truth.write_record([&article.id, codes[outlet.language].1])?;
        characters += article.title.chars().count() + article.text.chars().count();
        sink.write(i, &article, outlet)?;
    }
    sink.finish()?;
    truth.flush()?;
    if let Some(c) = copies {
        c.finish()?;
    }
    Ok(format!(
        "{} articles, {} outlets, {} languages, {:.1} M characters of title+text in {}",
        flags.articles,
        outlets.len(),
        codes.len(),
        characters as f64 / 1e6,
        flags.out.display()
    ))
}

/// Turns a share of the articles into republished copies of recent ones (`copies.csv`).
struct Syndication {
    out: csv::Writer<File>,
    /// A stream of its own, so that --copies 0 draws the same articles as without it.
    rng: Rng,
    share: f64,
    /// Per language, the most recent originals, which a later article may republish.
    recent: Vec<VecDeque<Article>>,
}

impl Syndication {
    /// How far back a copy may reach, in originals of its language.
    const WINDOW: usize = 200;

    fn new(flags: &Flags, languages: usize) -> io::Result<Syndication> {
        Ok(Syndication {
            out: csv_writer(&flags.out.join("copies.csv"), &["id", "copy_of", "edits"])?,
            rng: Rng(flags.seed.wrapping_mul(7919).wrapping_add(1)),
            share: flags.copies,
            recent: (0..languages).map(|_| VecDeque::new()).collect(),
        })
    }

    /// Makes `article` a copy of a recent original of another outlet (with the chance
    /// `share`), or remembers it as an original.
    fn maybe_republish(&mut self, article: &mut Article, outlet: &Outlet) -> io::Result<()> {
        let recent = &mut self.recent[outlet.language];
        let pool: Vec<&Article> = recent
            .iter()
            .filter(|o| o.outlet != article.outlet)
            .collect();
        if !pool.is_empty() && self.rng.unit() < self.share {
            let original = *self.rng.pick(&pool);
            let edits = republish(&mut self.rng, original, article, &outlet.name);
            return self
                .out
                .write_record([&article.id, &original.id, &edits.join("+")])
                .map_err(io::Error::from);
        }
        if recent.len() == Self::WINDOW {
            recent.pop_front();
        }
        recent.push_back(article.clone());
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn codes() -> Vec<&'static str> {
    LANGUAGES.iter().map(|l| l.0).collect()
}

fn load_documents(dir: &Path, code: &str) -> io::Result<Vec<Document>> {
    let gz = dir.join(format!("{code}.jsonl.gz"));
    let reader: Box<dyn BufRead> = if gz.is_file() {
        Box::new(BufReader::new(GzDecoder::new(File::open(&gz)?)))
    } else {
        let plain = dir.join(format!("{code}.jsonl"));
        Box::new(BufReader::new(File::open(&plain).map_err(|e| {
            io::Error::other(format!("{}: {e}", plain.display()))
        })?))
    };
    let mut documents = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let doc: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| io::Error::other(format!("{}:{}: {e}", gz.display(), n + 1)))?;
        let text = doc["text"].as_str().unwrap_or_default();
        let sentences: Document = text
            .split('\n')
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .collect();
        if !sentences.is_empty() {
            documents.push(sentences);
        }
    }
    if documents.is_empty() {
        return Err(io::Error::other(format!(
            "no documents for {code} in {}",
            dir.display()
        )));
    }
    Ok(documents)
}

/// An article: 6–24 consecutive sentences of one document and 1–4 of another, in paragraphs
/// of 2–4 sentences; the title is the first sentence taken.
fn compose(rng: &mut Rng, documents: &[Document]) -> (String, String) {
    let main = rng.pick(documents);
    let start = rng.below(main.len().saturating_sub(4).max(1));
    let take = rng.between(6, 24);
    let mut body: Vec<&str> = main[start..(start + take).min(main.len())]
        .iter()
        .map(String::as_str)
        .collect();
    let other = rng.pick(documents);
    let at = rng.below(other.len());
    let more = rng.between(1, 4);
    body.extend(
        other[at..(at + more).min(other.len())]
            .iter()
            .map(String::as_str),
    );
    let title = main[start].clone();
    let mut paragraphs = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    for sentence in body {
        paragraph.push(sentence);
        if paragraph.len() >= rng.between(2, 4) {
            paragraphs.push(paragraph.join(" "));
            paragraph.clear();
        }
    }
    if !paragraph.is_empty() {
        paragraphs.push(paragraph.join(" "));
    }
    (title, paragraphs.join("\n"))
}

/// Turns `article` into an edited copy of `original`, as syndication edits a story; returns
/// the edits made.
fn republish(
    rng: &mut Rng,
    original: &Article,
    article: &mut Article,
    outlet: &str,
) -> Vec<&'static str> {
    let mut edits = Vec::new();
    let mut title = original.title.clone();
    let mut paragraphs: Vec<String> = original.text.split('\n').map(str::to_string).collect();
    if rng.unit() < 0.6 {
        let words: Vec<&str> = title.split_whitespace().collect();
        let keep = words.len().saturating_sub(rng.between(1, 3)).max(3);
        title = words[..keep.min(words.len())].join(" ");
        edits.push("retitled");
    }
    if paragraphs.len() > 2 && rng.unit() < 0.4 {
        let cut = rng.between(1, 2.min(paragraphs.len() - 2));
        paragraphs.truncate(paragraphs.len() - cut);
        edits.push("truncated");
    }
    if rng.unit() < 0.4 {
        paragraphs.push(rng.pick(&BOILERPLATE).to_string());
        edits.push("boilerplate");
    }
    if rng.unit() < 0.3 {
        paragraphs[0] = format!("({outlet}) - {}", paragraphs[0]);
        edits.push("dateline");
    }
    if paragraphs.len() > 3 && rng.unit() < 0.2 {
        let i = rng.between(1, paragraphs.len() - 2);
        paragraphs.swap(i, i + 1);
        edits.push("reordered");
    }
    if edits.is_empty() {
        edits.push("verbatim");
    }
    article.title = title;
    article.text = paragraphs.join("\n");
    article.published = article.published.clone().max(original.published.clone());
    edits
}

fn csv_writer(path: &Path, header: &[&str]) -> io::Result<csv::Writer<File>> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(header)?;
    Ok(w)
}

fn write_sources(out: &Path, outlets: &[Outlet], codes: &[&(&str, &str, &str)]) -> io::Result<()> {
    let mut w = csv_writer(&out.join("sources.csv"), &["outlet", "country", "language"])?;
    for o in outlets {
        w.write_record([&o.name, o.country, codes[o.language].1])?;
    }
    w.flush()
}

#[derive(serde::Serialize)]
struct JsonArticle<'a> {
    id: &'a str,
    outlet: &'a str,
    country: &'a str,
    published: &'a str,
    url: &'a str,
    title: &'a str,
    text: &'a str,
}

/// Where articles go: numbered JSONL or CSV files, or a `.txt` per article.
struct Sink<'f> {
    flags: &'f Flags,
    jsonl: Option<BufWriter<File>>,
    csv: Option<csv::Writer<File>>,
}

impl<'f> Sink<'f> {
    fn new(flags: &'f Flags) -> Sink<'f> {
        Sink {
            flags,
            jsonl: None,
            csv: None,
        }
    }

    fn write(&mut self, i: usize, a: &Article, outlet: &Outlet) -> io::Result<()> {
        let out = &self.flags.out;
        if self.flags.format == Layout::Txt {
            let folder = out.join(&outlet.name);
            fs::create_dir_all(&folder)?;
            return fs::write(
                folder.join(format!("{}.txt", a.id)),
                format!("{}\n{}\n", a.title, a.text),
            );
        }
        let values = [
            a.id.as_str(),
            &outlet.name,
            outlet.country,
            &a.published,
            &format!("https://{}.example/news/{i}", outlet.name),
            &a.title,
            &a.text,
        ];
        if i.is_multiple_of(self.flags.per_file.max(1)) {
            self.finish()?;
            let n = i / self.flags.per_file.max(1);
            if self.flags.format == Layout::Jsonl {
                let path = out.join(format!("articles-{n:04}.jsonl"));
                self.jsonl = Some(BufWriter::new(File::create(path)?));
            } else {
                let path = out.join(format!("articles-{n:04}.csv"));
                self.csv = Some(csv_writer(&path, &COLUMNS)?);
            }
        }
        if let Some(w) = self.jsonl.as_mut() {
            // keys in COLUMNS order, as a crawler would write them
            let [id, outlet, country, published, url, title, text] = values;
            let object = JsonArticle {
                id,
                outlet,
                country,
                published,
                url,
                title,
                text,
            };
            serde_json::to_writer(&mut *w, &object)?;
            w.write_all(b"\n")?;
        }
        if let Some(w) = self.csv.as_mut() {
            w.write_record(values)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if let Some(mut w) = self.jsonl.take() {
            w.flush()?;
        }
        if let Some(mut w) = self.csv.take() {
            w.flush()?;
        }
        Ok(())
    }
}
