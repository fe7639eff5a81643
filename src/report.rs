//! `report.html`: the run's tables as one page a researcher looks at before opening the CSVs.
//!
//! One self-contained file: inline SVG and CSS, no script, no font or image fetched from
//! anywhere (a Content-Security-Policy meta tag forbids both), readable offline and
//! printable. Charts are plain SVG written from the tables rather than through a plotting
//! crate: the charts are rectangles, dots, lines and text, and plain SVG keeps every mark's
//! `<title>` (its value, for a tooltip and for screen readers) and compiles in no time.
//! Everything that comes from the inputs — outlet names, titles, terms, URLs — goes through
//! [`esc`]; links are written only for http(s) URLs.
//!
//! Long lists are cut to what a page can show (the largest groups first) with a note saying
//! what was left out; the CSVs hold everything.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::article_rows::{Article, RowField};
use crate::compare::{group_label, DuplicateRow, Tables, TopicGroupRow};
use crate::config::GroupColumn;
use crate::error::Result;

/// What the report says about the run besides its tables.
pub struct RunFacts<'a> {
    pub name: &'a str,
    pub config_file: Option<String>,
    pub version: &'static str,
    /// SHA-256 over the input files' digests, in file order.
    pub inputs_hash: String,
    pub files_discovered: u64,
    pub files_analysed: u64,
    pub articles_analysed: u64,
    pub articles_excluded: u64,
    pub articles_rejected: u64,
    pub group_by: &'a [GroupColumn],
    pub warnings: &'a [String],
}

/// Groups shown in the charts that list groups: the largest, then a note.
const MAX_GROUPS: usize = 40;
/// Groups given their own line in the coverage-over-time chart; the rest are "others".
const TIME_GROUPS: usize = 8;
/// Terms per group and language in the keyness section.
const KEY_TERMS: usize = 10;
/// Near-duplicate clusters listed.
const CLUSTERS: usize = 10;

/// The report of a run; an error only when a title or URL waiting on disk cannot be read.
pub fn render(t: &Tables, facts: &RunFacts) -> Result<String> {
    let mut page = Page::default();
    let order = groups_by_size(t);
    page.head(facts.name);
    page.run(t, facts);
    page.heatmap(t, &order);
    page.intervals(t, &order);
    page.keyness(t, &order);
    page.over_time(t, &order, facts.group_by);
    page.side_by_side(t, &order)?;
    page.languages(t, facts);
    page.out.push_str("</main>\n</body>\n</html>\n");
    Ok(page.out)
}

/// Group indexes, most articles first (ties by label).
fn groups_by_size(t: &Tables) -> Vec<usize> {
    let mut order: Vec<usize> = (0..t.groups.len()).collect();
    order.sort_by(|&a, &b| {
        t.groups[b]
            .articles
            .cmp(&t.groups[a].articles)
            .then_with(|| group_label(&t.groups[a].group).cmp(&group_label(&t.groups[b].group)))
    });
    order
}

/// HTML-escapes text from the inputs (element content and attribute values alike).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A link to `url` when it is an http(s) URL, else the text alone (no `javascript:`).
fn link(url: &str, text: &str) -> String {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    if (lower.starts_with("http://") || lower.starts_with("https://"))
        && !trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            esc(trimmed),
            esc(text)
        )
    } else {
        esc(text)
    }
}

/// A number as the tables write it, short.
fn num(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// A colour for a share in [0, 1]: light yellow to dark blue (after viridis' ends), so a
/// cell's value reads in grey print as well.
fn shade(x: f64) -> String {
    const STOPS: [(f64, [u8; 3]); 5] = [
        (0.0, [253, 248, 225]),
        (0.25, [194, 230, 153]),
        (0.5, [65, 182, 196]),
        (0.75, [34, 94, 168]),
        (1.0, [12, 44, 132]),
    ];
    let x = if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let i = STOPS
        .iter()
        .rposition(|(at, _)| *at <= x)
        .unwrap_or(0)
        .min(3);
    let (a, ca) = STOPS[i];
    let (b, cb) = STOPS[i + 1];
    let f = (x - a) / (b - a);
    let mix = |k: usize| (ca[k] as f64 + (cb[k] as f64 - ca[k] as f64) * f).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(0), mix(1), mix(2))
}

/// Text to draw on a shade: white on the dark half.
fn ink(x: f64) -> &'static str {
    if x > 0.55 {
        "#fff"
    } else {
        "#111"
    }
}

/// A label cut to `n` characters for a chart's margin (the full one is in the mark's title).
fn short(label: &str, n: usize) -> String {
    if label.chars().count() <= n {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(n - 1).collect();
        s.push('…');
        s
    }
}

#[derive(Default)]
struct Page {
    out: String,
}

const CSS: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#111;margin:0;background:#fff}\
main{max-width:1100px;margin:0 auto;padding:1rem 1.5rem 3rem}\
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.2rem;margin:2rem 0 .3rem;border-bottom:1px solid #ccc}\
h3{font-size:1rem;margin:1rem 0 .2rem}p.how{color:#444;margin:.1rem 0 .6rem;font-style:italic}\
p.note{color:#7a4a00;font-size:.9rem}table{border-collapse:collapse;margin:.4rem 0}\
td,th{border-bottom:1px solid #e4e4e4;padding:.15rem .6rem;text-align:left;vertical-align:top}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
svg{display:block;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#111}\
.charts{display:flex;flex-wrap:wrap;gap:1rem}.charts>figure{margin:0}figcaption{font-weight:600}\
@media print{h2{break-after:avoid}figure,svg{break-inside:avoid}}";

impl Page {
    fn head(&mut self, name: &str) {
        let _ = write!(
            self.out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>newsprism report: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
             <h1>newsprism report: {}</h1>\n",
            esc(name),
            esc(name)
        );
    }

    fn section(&mut self, id: &str, title: &str, how: &str) {
        let _ = write!(
            self.out,
            "<section id=\"{id}\" class=\"section\">\n<h2>{title}</h2>\n<p class=\"how\">How to read this: {how}</p>\n"
        );
    }

    fn end_section(&mut self) {
        self.out.push_str("</section>\n");
    }

    fn note(&mut self, text: &str) {
        let _ = writeln!(self.out, "<p class=\"note\">{}</p>", esc(text));
    }

    /// Says what a chart left out, when it showed `shown` of `total` groups.
    fn note_cut(&mut self, shown: usize, total: usize, rest: &str) {
        if total > shown {
            self.note(&format!(
                "The {shown} largest of {total} groups are shown; {rest}."
            ));
        }
    }

    /// 1. The run.
    fn run(&mut self, t: &Tables, f: &RunFacts) {
        self.section(
            "run",
            "1. The run",
            "what was read and what became of it; every number is in manifest.json.",
        );
        let read = f.articles_analysed + f.articles_excluded + f.articles_rejected;
        let days: BTreeSet<&str> = t
            .articles
            .iter()
            .filter_map(|a| a.get(RowField::PublishedUtc).get(..10))
            .collect();
        let range = match (days.first(), days.last()) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a} to {b} (UTC)"),
            _ => "no readable dates".into(),
        };
        let copies = t.copy_count();
        let languages = articles_per_language(t)
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows: Vec<(&str, String)> = vec![
            ("articles read", read.to_string()),
            ("analysed", f.articles_analysed.to_string()),
            (
                "excluded (outside [select])",
                f.articles_excluded.to_string(),
            ),
            ("rejected", f.articles_rejected.to_string()),
            (
                "files",
                format!(
                    "{} found, {} analysed",
                    f.files_discovered, f.files_analysed
                ),
            ),
            ("groups", t.groups.len().to_string()),
            ("languages", languages),
            ("dates", range),
            ("copies found (near-duplicates)", copies.to_string()),
            (
                "config",
                f.config_file.clone().unwrap_or_else(|| "(defaults)".into()),
            ),
            ("newsprism", f.version.to_string()),
            (
                "inputs (SHA-256 of the files' digests)",
                f.inputs_hash.clone(),
            ),
        ];
        self.out.push_str("<table class=\"facts\">\n");
        for (k, v) in rows {
            let _ = writeln!(self.out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&v));
        }
        self.out.push_str("</table>\n");
        // the reasons articles were rejected, most frequent first
        let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
        for r in &t.rejected {
            // `bad WARC record at byte 123: …` and `… at byte 456: …` are one reason
            let reason: String = r
                .reason
                .split(|c: char| c.is_ascii_digit())
                .collect::<Vec<_>>()
                .join("N");
            *reasons.entry(reason).or_default() += 1;
        }
        if !reasons.is_empty() {
            let mut top: Vec<(String, u64)> = reasons.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            self.out
                .push_str("<h3>Top rejection reasons</h3>\n<table class=\"reasons\">\n");
            for (reason, n) in top.iter().take(5) {
                let _ = writeln!(
                    self.out,
                    "<tr><td class=\"n\">{n}</td><td>{}</td></tr>",
                    esc(reason)
                );
            }
            self.out.push_str("</table>\n");
            if top.len() > 5 {
                self.note(&format!(
                    "{} other reasons: see rejected.csv",
                    top.len() - 5
                ));
            }
        }
        self.end_section();
    }

    /// 2. Topic × group heatmap of share_articles.
    fn heatmap(&mut self, t: &Tables, order: &[usize]) {
        self.section(
            "heatmap",
            "2. Topics by group",
            "each cell is the share of a group's articles that mention a topic (darker = more; the number is written in the cell); hover a cell for its Wilson 95 % interval. Groups by number of articles, topics by id.",
        );
        let shown: Vec<usize> = order.iter().copied().take(MAX_GROUPS).collect();
        let rows = topic_rows(t);
        // cells narrow with many groups, so that the chart stays near the page's width
        let cell_w = (880.0 / shown.len().max(1) as f64).clamp(26.0, 46.0);
        let (cell_h, left, top) = (20.0, 190.0, 120.0);
        let value_font = if cell_w < 34.0 { 9 } else { 11 };
        // room on the right for the last labels, which lean right
        let width = left + cell_w * shown.len() as f64 + 110.0;
        let height = top + cell_h * t.topics.len() as f64 + 60.0;
        let _ = writeln!(
            self.out,
            "<svg class=\"chart heatmap\" data-groups=\"{}\" data-topics=\"{}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"share of articles mentioning each topic, by group\">",
            shown.len(),
            t.topics.len()
        );
        for (x, &g) in shown.iter().enumerate() {
            let label = group_label(&t.groups[g].group);
            let cx = left + cell_w * x as f64 + cell_w / 2.0;
            let _ = writeln!(
                self.out,
                "<text transform=\"translate({cx},{}) rotate(-50)\">{}<title>{}</title></text>",
                top - 6.0,
                esc(&short(&label, 24)),
                esc(&label)
            );
        }
        for (y, topic) in t.topics.iter().enumerate() {
            let cy = top + cell_h * y as f64;
            let _ = writeln!(
                self.out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}<title>{}</title></text>",
                left - 6.0,
                cy + 14.0,
                esc(&short(&topic.label_or_id(), 28)),
                esc(&topic.label_or_id())
            );
            for (x, &g) in shown.iter().enumerate() {
                let cx = left + cell_w * x as f64;
                let (value, title) = match rows.get(&(g, y)) {
                    Some(r) => (
                        r.share_articles,
                        format!(
                            "{} · {}: {} of {} articles = {} (95 % CI {}–{})",
                            group_label(&t.groups[g].group),
                            topic.id,
                            r.articles_mentioning,
                            r.articles,
                            num(r.share_articles),
                            num(r.ci_low),
                            num(r.ci_high)
                        ),
                    ),
                    None => (
                        0.0,
                        format!(
                            "{} · {}: no articles",
                            group_label(&t.groups[g].group),
                            topic.id
                        ),
                    ),
                };
                let _ = writeln!(
                    self.out,
                    "<g class=\"cell\"><rect x=\"{cx}\" y=\"{cy}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" style=\"fill:{};font-size:{value_font}px\">{}</text></g>",
                    cell_w - 1.0,
                    cell_h - 1.0,
                    shade(value),
                    esc(&title),
                    cx + cell_w / 2.0,
                    cy + 14.0,
                    ink(value),
                    num((value * 100.0).round() / 100.0)
                );
            }
        }
        // the legend: the scale with its ends named
        let ly = top + cell_h * t.topics.len() as f64 + 20.0;
        for i in 0..=10 {
            let v = i as f64 / 10.0;
            let _ = write!(
                self.out,
                "<rect x=\"{}\" y=\"{ly}\" width=\"20\" height=\"12\" fill=\"{}\"><title>{}</title></rect>",
                left + 20.0 * i as f64,
                shade(v),
                num(v)
            );
        }
        let _ = writeln!(
            self.out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">share 0</text><text x=\"{}\" y=\"{}\">1</text></svg>",
            left - 4.0,
            ly + 10.0,
            left + 224.0,
            ly + 10.0
        );
        self.note_cut(
            shown.len(),
            t.groups.len(),
            "topics_by_group.csv and topic_comparison.csv hold all",
        );
        self.end_section();
    }

    /// 3. Per topic, share with its Wilson interval per group.
    fn intervals(&mut self, t: &Tables, order: &[usize]) {
        self.section(
            "intervals",
            "3. Which differences are real",
            "per topic, each dot is the share of a group's articles that mention it and the bar its Wilson 95 % interval; where two bars overlap, the data do not tell the two groups apart.",
        );
        let rows = topic_rows(t);
        let shown: Vec<usize> = order.iter().copied().take(MAX_GROUPS).collect();
        let (left, width, row_h) = (190.0, 520.0, 16.0);
        let plot = width - left - 20.0;
        self.out.push_str("<div class=\"charts\">\n");
        for (ti, topic) in t.topics.iter().enumerate() {
            let height = 24.0 + row_h * shown.len() as f64 + 22.0;
            let _ = writeln!(
                self.out,
                "<figure><figcaption>{}</figcaption><svg class=\"chart interval\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}: share of articles with 95 % intervals\">",
                esc(&topic.label_or_id()),
                esc(&topic.id)
            );
            for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
                let x = left + plot * tick;
                let _ = write!(
                    self.out,
                    "<line x1=\"{x}\" x2=\"{x}\" y1=\"16\" y2=\"{}\" stroke=\"#ddd\"/><text x=\"{x}\" y=\"12\" text-anchor=\"middle\">{}</text>",
                    height - 20.0,
                    num(tick)
                );
            }
            for (y, &g) in shown.iter().enumerate() {
                let cy = 24.0 + row_h * y as f64 + row_h / 2.0;
                let label = group_label(&t.groups[g].group);
                let _ = write!(
                    self.out,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                    left - 6.0,
                    cy + 4.0,
                    esc(&short(&label, 28))
                );
                if let Some(r) = rows.get(&(g, ti)) {
                    let _ = writeln!(
                        self.out,
                        "<g class=\"mark\"><title>{}: {} of {} = {} (95 % CI {}–{})</title><line x1=\"{}\" x2=\"{}\" y1=\"{cy}\" y2=\"{cy}\" stroke=\"#225ea8\" stroke-width=\"2\"/><circle cx=\"{}\" cy=\"{cy}\" r=\"3.5\" fill=\"#0c2c84\"/></g>",
                        esc(&label),
                        r.articles_mentioning,
                        r.articles,
                        num(r.share_articles),
                        num(r.ci_low),
                        num(r.ci_high),
                        left + plot * r.ci_low,
                        left + plot * r.ci_high,
                        left + plot * r.share_articles
                    );
                }
            }
            self.out.push_str("</svg></figure>\n");
        }
        self.out.push_str("</div>\n");
        self.note_cut(shown.len(), t.groups.len(), "the same in each chart");
        self.end_section();
    }

    /// 4. Per group, its most distinctive terms within its language.
    fn keyness(&mut self, t: &Tables, order: &[usize]) {
        self.section(
            "keyness",
            "4. Distinctive terms",
            "per group and language, the terms it uses more than the other groups writing in the same language (G², log-likelihood; longer bar = more distinctive); a term is compared within its language only.",
        );
        let rank: BTreeMap<String, usize> = order
            .iter()
            .enumerate()
            .map(|(i, &g)| (group_label(&t.groups[g].group), i))
            .collect();
        let mut slices: Vec<(usize, String, Vec<KeyTerm>)> = Vec::new();
        for index in 0..t.keyness.slices() {
            // only the shown groups' rows are computed
            let label = group_label(t.keyness.slice_group(index));
            let Some(&r) = rank.get(&label) else { continue };
            if r >= MAX_GROUPS {
                continue;
            }
            let rows = t.keyness.rows(index);
            let Some(first) = rows.first() else { continue };
            let language = first.language.to_string();
            let top: Vec<KeyTerm> = rows
                .iter()
                .filter(|k| k.log_ratio.is_some_and(|l| l > 0.0) && k.g2 > 0.0)
                .take(KEY_TERMS)
                .map(|k| (k.display.to_string(), k.g2, k.count_group))
                .collect();
            if !top.is_empty() {
                slices.push((r, format!("{label} ({language})"), top));
            }
        }
        slices.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        if slices.is_empty() {
            self.note("No group had enough text in a language shared with another group.");
        }
        self.out.push_str("<div class=\"charts\">\n");
        let (left, width, row_h) = (150.0, 340.0, 16.0);
        for (_, title, terms) in &slices {
            let max = terms.iter().map(|t| t.1).fold(0.0, f64::max).max(1e-9);
            let height = 8.0 + row_h * terms.len() as f64;
            let _ = writeln!(
                self.out,
                "<figure><figcaption>{}</figcaption><svg class=\"chart bars\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"distinctive terms of {}\">",
                esc(title),
                esc(title)
            );
            for (y, (term, g2, count)) in terms.iter().enumerate() {
                let cy = 4.0 + row_h * y as f64;
                let w = (width - left - 50.0) * g2 / max;
                let _ = writeln!(
                    self.out,
                    "<g class=\"mark\"><title>{}: G² {}, {} occurrences</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{left}\" y=\"{cy}\" width=\"{}\" height=\"{}\" fill=\"#41b6c4\"/><text x=\"{}\" y=\"{}\">{}</text></g>",
                    esc(term),
                    num(*g2),
                    count,
                    left - 6.0,
                    cy + 11.0,
                    esc(&short(term, 22)),
                    w.max(1.0),
                    row_h - 3.0,
                    left + w + 4.0,
                    cy + 11.0,
                    num(*g2)
                );
            }
            self.out.push_str("</svg></figure>\n");
        }
        self.out.push_str("</div>\n");
        let compared: BTreeSet<usize> = slices.iter().map(|s| s.0).collect();
        if t.groups.len() > MAX_GROUPS && !compared.is_empty() {
            self.note(&format!(
                "Terms of the {MAX_GROUPS} largest groups; keyness.csv holds every group."
            ));
        }
        self.end_section();
    }

    /// 5. Articles and topics per day.
    fn over_time(&mut self, t: &Tables, order: &[usize], group_by: &[GroupColumn]) {
        self.section(
            "time",
            "5. Coverage over time",
            "articles per day (UTC) by group, the largest groups by name and the rest as \"others\"; below, the articles per day that mention each topic.",
        );
        let top: Vec<String> = order
            .iter()
            .take(TIME_GROUPS)
            .map(|&g| group_label(&t.groups[g].group))
            .collect();
        let mut per_day: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        let mut topic_days: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for a in t.articles.iter() {
            let Some(day) = a.get(RowField::PublishedUtc).get(..10) else {
                continue;
            };
            let label = group_label(&a.group_key(group_by));
            let slot = top.iter().position(|g| *g == label).unwrap_or(top.len());
            per_day.entry(day).or_insert_with(|| vec![0; top.len() + 1])[slot] += 1;
            let topics = topic_days
                .entry(day)
                .or_insert_with(|| vec![0; t.topics.len()]);
            for (topic, _) in a.topic_hits() {
                topics[topic] += 1;
            }
        }
        if per_day.is_empty() {
            self.note("No article has a readable published date.");
            self.end_section();
            return;
        }
        let days: Vec<&str> = per_day.keys().copied().collect();
        let mut names = top.clone();
        names.push("others".into());
        let palette = [
            "#0c2c84", "#225ea8", "#1d91c0", "#41b6c4", "#7fcdbb", "#c7a34a", "#d95f0e", "#993404",
            "#999999",
        ];
        let max = per_day
            .values()
            .map(|v| v.iter().sum::<u64>())
            .max()
            .unwrap_or(1)
            .max(1);
        let (left, bar_w, plot_h) = (50.0, 28.0_f64.min(800.0 / days.len() as f64), 160.0);
        let width = left + bar_w * days.len() as f64 + 180.0;
        let height = plot_h + 70.0;
        let _ = writeln!(
            self.out,
            "<svg class=\"chart stacked\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"articles per day by group\">"
        );
        let _ = write!(
            self.out,
            "<text x=\"{}\" y=\"14\" text-anchor=\"end\">{max}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
            left - 6.0,
            left - 6.0,
            plot_h + 14.0
        );
        for (x, day) in days.iter().enumerate() {
            let counts = &per_day[day];
            let mut y = plot_h + 10.0;
            let cx = left + bar_w * x as f64;
            for (slot, &n) in counts.iter().enumerate() {
                if n == 0 {
                    continue;
                }
                let h = plot_h * n as f64 / max as f64;
                y -= h;
                let _ = write!(
                    self.out,
                    "<rect class=\"mark\" x=\"{cx}\" y=\"{y}\" width=\"{}\" height=\"{h}\" fill=\"{}\"><title>{day} · {}: {n} articles</title></rect>",
                    bar_w - 2.0,
                    palette[slot.min(palette.len() - 1)],
                    esc(&names[slot])
                );
            }
            if days.len() <= 40 || x % (days.len() / 20 + 1) == 0 {
                let _ = write!(
                    self.out,
                    "<text transform=\"translate({},{}) rotate(-45)\" text-anchor=\"end\">{day}</text>",
                    cx + bar_w / 2.0,
                    plot_h + 24.0
                );
            }
        }
        for (i, name) in names.iter().enumerate() {
            let ly = 14.0 + 16.0 * i as f64;
            let lx = left + bar_w * days.len() as f64 + 16.0;
            let _ = write!(
                self.out,
                "<rect x=\"{lx}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{ly}\">{}</text>",
                ly - 9.0,
                palette[i.min(palette.len() - 1)],
                lx + 14.0,
                esc(&short(name, 24))
            );
        }
        self.out.push_str("</svg>\n");
        // topics per day, as a heatmap of article counts
        let tmax = topic_days
            .values()
            .flat_map(|v| v.iter().copied())
            .max()
            .unwrap_or(0)
            .max(1);
        let (left, cw, ch) = (190.0, bar_w.max(14.0), 16.0);
        let width = left + cw * days.len() as f64 + 20.0;
        let height = 70.0 + ch * t.topics.len() as f64;
        let _ = writeln!(
            self.out,
            "<h3>Topics per day</h3><svg class=\"chart topic-days\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"articles per day mentioning each topic\">"
        );
        for (y, topic) in t.topics.iter().enumerate() {
            let cy = 6.0 + ch * y as f64;
            let _ = write!(
                self.out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                left - 6.0,
                cy + 12.0,
                esc(&short(&topic.label_or_id(), 28))
            );
            for (x, day) in days.iter().enumerate() {
                let n = topic_days.get(day).map_or(0, |v| v[y]);
                let v = n as f64 / tmax as f64;
                let _ = write!(
                    self.out,
                    "<rect class=\"mark\" x=\"{}\" y=\"{cy}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{day} · {}: {n} articles</title></rect>",
                    left + cw * x as f64,
                    cw - 1.0,
                    ch - 1.0,
                    shade(v),
                    esc(&topic.id)
                );
            }
        }
        self.out.push_str("</svg>\n");
        self.end_section();
    }

    /// 6. Groups side by side: topic-profile similarity and wire copy.
    fn side_by_side(&mut self, t: &Tables, order: &[usize]) -> Result<()> {
        self.section(
            "similarity",
            "6. Groups side by side",
            "the cosine similarity of two groups' topic profiles (1 = the same mix of topics, 0 = none in common; darker = more alike), then how much of each group is wire copy and the largest clusters of copies.",
        );
        let shown: Vec<usize> = order.iter().copied().take(MAX_GROUPS.min(30)).collect();
        let position: BTreeMap<usize, usize> =
            shown.iter().enumerate().map(|(i, &g)| (g, i)).collect();
        let (left, top, cell) = (190.0, 130.0, 18.0);
        let size = left + cell * shown.len() as f64 + 110.0;
        let height = top + cell * shown.len() as f64 + 10.0;
        let _ = writeln!(
            self.out,
            "<svg class=\"chart similarity\" viewBox=\"0 0 {size} {height}\" width=\"{size}\" height=\"{height}\" role=\"img\" aria-label=\"topic-profile similarity between groups\">"
        );
        for (i, &g) in shown.iter().enumerate() {
            let label = esc(&short(&group_label(&t.groups[g].group), 24));
            let _ = write!(
                self.out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text><text transform=\"translate({},{}) rotate(-50)\">{label}</text>",
                left - 6.0,
                top + cell * i as f64 + 13.0,
                left + cell * i as f64 + cell / 2.0,
                top - 6.0
            );
        }
        for r in &t.group_similarity {
            let (Some(&a), Some(&b)) = (position.get(&r.a), position.get(&r.b)) else {
                continue;
            };
            let Some(cos) = r.cosine else { continue };
            for (x, y) in [(a, b), (b, a)] {
                let _ = write!(
                    self.out,
                    "<rect class=\"mark\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{} · {}: cosine {}, Jensen–Shannon {}, {} shared clusters of copies</title></rect>",
                    left + cell * x as f64,
                    top + cell * y as f64,
                    cell - 1.0,
                    cell - 1.0,
                    shade(cos),
                    esc(&group_label(&t.groups[r.a].group)),
                    esc(&group_label(&t.groups[r.b].group)),
                    num(cos),
                    r.jensen_shannon.map_or("–".into(), num),
                    r.shared_clusters
                );
            }
        }
        self.out.push_str("</svg>\n");
        self.note_cut(
            shown.len(),
            t.groups.len(),
            "group_similarity.csv holds every pair",
        );
        // wire copy per group: the groups with most copies first
        let mut copying: Vec<usize> = (0..t.groups.len())
            .filter(|&g| t.groups[g].copies > 0 || t.groups[g].copied_by_others > 0)
            .collect();
        copying.sort_by(|&a, &b| {
            t.groups[b]
                .share_copies
                .total_cmp(&t.groups[a].share_copies)
                .then_with(|| {
                    t.groups[b]
                        .copied_by_others
                        .cmp(&t.groups[a].copied_by_others)
                })
                .then_with(|| group_label(&t.groups[a].group).cmp(&group_label(&t.groups[b].group)))
        });
        self.out.push_str("<h3>Wire copy</h3>\n");
        if copying.is_empty() {
            self.note("No article copies another outlet's.");
        } else {
            let shown: Vec<usize> = copying.iter().copied().take(MAX_GROUPS).collect();
            let (left, width, row_h) = (190.0, 560.0, 16.0);
            let height = 6.0 + row_h * shown.len() as f64;
            let _ = writeln!(
                self.out,
                "<svg class=\"chart copies\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"share of each group's articles that are copies\">"
            );
            for (y, &g) in shown.iter().enumerate() {
                let row = &t.groups[g];
                let cy = 3.0 + row_h * y as f64;
                let w = (width - left - 170.0) * row.share_copies;
                let label = group_label(&row.group);
                let _ = writeln!(
                    self.out,
                    "<g class=\"mark\"><title>{}: {} of {} articles copy another outlet's; copied {} times by others</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{left}\" y=\"{cy}\" width=\"{}\" height=\"{}\" fill=\"#d95f0e\"/><text x=\"{}\" y=\"{}\">{} copies ({}), copied by others {}</text></g>",
                    esc(&label),
                    row.copies,
                    row.articles,
                    row.copied_by_others,
                    left - 6.0,
                    cy + 11.0,
                    esc(&short(&label, 28)),
                    w.max(1.0),
                    row_h - 3.0,
                    left + w + 4.0,
                    cy + 11.0,
                    row.copies,
                    num(row.share_copies),
                    row.copied_by_others
                );
            }
            self.out.push_str("</svg>\n");
        }
        // the largest clusters, with their outlets. duplicates.csv's rows are sorted by
        // cluster, so each cluster is one run of them: a list per cluster, made beside the
        // tables being written, was some 3 MB at 100,000 articles
        let mut clusters: Vec<&[DuplicateRow]> = t
            .duplicates
            .chunk_by(|a, b| a.cluster == b.cluster)
            .collect();
        clusters.sort_by(|a, b| {
            b.len()
                .cmp(&a.len())
                .then_with(|| a[0].cluster.cmp(&b[0].cluster))
        });
        if !clusters.is_empty() {
            self.out.push_str(
                "<table class=\"clusters\"><tr><th class=\"n\">cluster</th><th class=\"n\">articles</th><th>first published as</th><th>outlets</th></tr>\n",
            );
            let shown = &clusters[..clusters.len().min(CLUSTERS)];
            let firsts: Vec<Article> = shown
                .iter()
                .map(|m| t.articles.at(t.cluster_first(m[0].cluster)))
                .collect();
            let texts = t
                .texts
                .read(&firsts.iter().map(|r| r.text()).collect::<Vec<_>>())?;
            for (members, (first, (title, url))) in shown.iter().zip(firsts.iter().zip(&texts)) {
                let id = members[0].cluster;
                let outlets: BTreeSet<&str> = members
                    .iter()
                    .map(|d| t.articles.at(d.article()).get(RowField::Outlet))
                    .collect();
                let title = if title.is_empty() { first.id() } else { title };
                let _ = writeln!(
                    self.out,
                    "<tr><td class=\"n\">{id}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                    members.len(),
                    link(url, title),
                    esc(&outlets.into_iter().collect::<Vec<_>>().join(", "))
                );
            }
            self.out.push_str("</table>\n");
            if clusters.len() > CLUSTERS {
                self.note(&format!(
                    "{} of {} clusters; duplicates.csv lists every copy.",
                    CLUSTERS,
                    clusters.len()
                ));
            }
        }
        self.end_section();
        Ok(())
    }

    /// 7. Languages and what the lexicon can see in them.
    fn languages(&mut self, t: &Tables, f: &RunFacts) {
        self.section(
            "languages",
            "7. Languages and lexicon coverage",
            "articles per detected language, and the topics the lexicon has no terms for in a language: those count 0 there by construction, not because the outlets ignore them.",
        );
        let totals = articles_per_language(t);
        let max = totals.values().copied().max().unwrap_or(1).max(1);
        let (left, width, row_h) = (60.0, 420.0, 16.0);
        let height = 6.0 + row_h * totals.len() as f64;
        let _ = writeln!(
            self.out,
            "<svg class=\"chart languages\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"articles per language\">"
        );
        for (y, (language, n)) in totals.iter().enumerate() {
            let cy = 3.0 + row_h * y as f64;
            let w = (width - left - 60.0) * *n as f64 / max as f64;
            let _ = writeln!(
                self.out,
                "<g class=\"mark\"><title>{language}: {n} articles</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{language}</text><rect x=\"{left}\" y=\"{cy}\" width=\"{}\" height=\"{}\" fill=\"#225ea8\"/><text x=\"{}\" y=\"{}\">{n}</text></g>",
                left - 6.0,
                cy + 11.0,
                w.max(1.0),
                row_h - 3.0,
                left + w + 4.0,
                cy + 11.0
            );
        }
        self.out.push_str("</svg>\n");
        let warnings: Vec<&String> = t.coverage_warnings.iter().chain(f.warnings).collect();
        if warnings.is_empty() {
            self.out.push_str(
                "<p>The lexicon has terms for every topic in every language of the run.</p>\n",
            );
        } else {
            self.out.push_str("<ul class=\"warnings\">\n");
            for w in warnings {
                let _ = writeln!(self.out, "<li>{}</li>", esc(w));
            }
            self.out.push_str("</ul>\n");
        }
        self.end_section();
    }
}

/// Analysed articles by detected language (languages.csv summed over groups).
fn articles_per_language(t: &Tables) -> BTreeMap<String, u64> {
    let mut totals = BTreeMap::new();
    for row in &t.languages {
        *totals.entry(row.language.clone()).or_default() += row.articles;
    }
    totals
}

/// A distinctive term: its display form, G² and count in the group.
type KeyTerm = (String, f64, u64);

/// topics_by_group rows by (group index, topic index).
fn topic_rows(t: &Tables) -> BTreeMap<(usize, usize), &TopicGroupRow> {
    let group_index: BTreeMap<&[String], usize> = t
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.group.as_slice(), i))
        .collect();
    let topic_index: BTreeMap<&str, usize> = t
        .topics
        .iter()
        .enumerate()
        .map(|(i, topic)| (topic.id.as_str(), i))
        .collect();
    t.topics_by_group
        .iter()
        .filter_map(|r| {
            let g = *group_index.get(r.group.as_slice())?;
            let topic = *topic_index.get(r.topic.as_str())?;
            Some(((g, topic), r))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_text_cannot_become_markup() {
        assert_eq!(
            esc("<script>alert(1)</script>\" onmouseover=\"x' &"),
            "&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;x&#39; &amp;"
        );
        assert_eq!(link("javascript:alert(1)", "t"), "t");
        assert_eq!(link(" JAVASCRIPT:alert(1)", "<b>"), "&lt;b&gt;");
        assert_eq!(link("data:text/html,x", "t"), "t");
        assert_eq!(
            link("https://a.example/?q=\"><script>", "t"),
            "<a href=\"https://a.example/?q=&quot;&gt;&lt;script&gt;\" rel=\"noopener noreferrer\">t</a>"
        );
    }

    #[test]
    fn the_scale_runs_from_light_to_dark() {
        assert_eq!(shade(0.0), "#fdf8e1");
        assert_eq!(shade(1.0), "#0c2c84");
        assert_eq!(shade(f64::NAN), "#fdf8e1");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1234.5), "1234");
    }
}
