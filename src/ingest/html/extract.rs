//! An article's main text and metadata from a parsed HTML page.
//!
//! The heuristics follow those published by trafilatura (Barbaresi 2021) and Readability:
//! boilerplate is dropped by element (navigation, forms, asides, footers …) and by the names
//! sites give it in `class` / `id` (share, related, comments, cookie, newsletter …); the
//! article body is the element a known body name marks (`itemprop="articleBody"`,
//! `article-body`, `entry-content`, `<article>` …, the tiers tried in order, within a tier
//! the one with most paragraph text and its same-class parts); its text is kept block by
//! block, leaving out blocks that are mostly links. When no such element holds enough text,
//! a Readability-style score (text and commas of each paragraph, credited to its parent)
//! finds the densest container instead. The lead before the body and long paragraphs
//! elsewhere on the page are added.

use ego_tree::NodeRef;
use scraper::{Html, Node};

/// What a page says about itself, and its main text (empty when none was found).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Page {
    pub title: String,
    pub published: String,
    pub url: String,
    pub language: String,
    pub text: String,
}

/// Extracts the article from a page.
pub fn extract(html: &str) -> Page {
    let doc = Html::parse_document(html);
    let root = doc.tree.root();
    let mut page = Page::default();
    let h1 = read_meta(root, &mut page);
    let titles = [page.title.clone(), h1];
    page.text = main_text(root, &titles);
    page
}

// ---------------------------------------------------------------------------------------
// Metadata

/// Names under which pages give their publication date, most specific first.
const DATE_NAMES: &[&str] = &[
    "article:published_time",
    "datepublished",
    "og:published_time",
    "pubdate",
    "publishdate",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.date",
    "parsely-pub-date",
    "sailthru.date",
];

/// Fills the page's fields from its markup; returns the text of its first `<h1>`.
fn read_meta(root: NodeRef<Node>, page: &mut Page) -> String {
    let mut og_title = String::new();
    let mut title_tag = String::new();
    let mut h1 = String::new();
    let mut canonical = String::new();
    let mut og_url = String::new();
    // by rank in DATE_NAMES
    let mut meta_date: Option<(usize, String)> = None;
    let mut json_ld_date = String::new();
    let mut json_ld_headline = String::new();
    let mut time_date = String::new();
    let mut lang = String::new();
    let mut meta_lang = String::new();
    for node in root.descendants() {
        let Node::Element(el) = node.value() else {
            continue;
        };
        match el.name() {
            "html" if lang.is_empty() => lang = el.attr("lang").unwrap_or("").trim().to_string(),
            "title" if title_tag.is_empty() => title_tag = collapsed_text(node),
            "h1" if h1.is_empty() => h1 = collapsed_text(node),
            "link" if canonical.is_empty() && attr_has_word(el.attr("rel"), "canonical") => {
                canonical = el.attr("href").unwrap_or("").trim().to_string();
            }
            "time" if time_date.is_empty() => {
                time_date = el.attr("datetime").unwrap_or("").trim().to_string()
            }
            "meta" => {
                let key = el
                    .attr("property")
                    .or_else(|| el.attr("name"))
                    .or_else(|| el.attr("itemprop"))
                    .or_else(|| el.attr("http-equiv"))
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let content = el.attr("content").unwrap_or("").trim();
                if content.is_empty() {
                    continue;
                }
                if let Some(rank) = DATE_NAMES.iter().position(|n| *n == key) {
                    if meta_date.as_ref().is_none_or(|(best, _)| rank < *best) {
                        meta_date = Some((rank, content.to_string()));
                    }
                    continue;
                }
                let slot = match key.as_str() {
                    "og:title" => &mut og_title,
                    "og:url" => &mut og_url,
                    "content-language" | "og:locale" | "language" | "dc.language" => &mut meta_lang,
                    _ => continue,
                };
                if slot.is_empty() {
                    slot.push_str(content);
                }
            }
            "script"
                if (json_ld_date.is_empty() || json_ld_headline.is_empty())
                    && el
                        .attr("type")
                        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json")) =>
            {
                let source = collapsed_text_raw(node);
                if let Ok(value) = serde_json::from_str::<serde_json::Value>(&source) {
                    json_ld_find(&value, "datePublished", &mut json_ld_date, 0);
                    json_ld_find(&value, "headline", &mut json_ld_headline, 0);
                }
            }
            _ => {}
        }
    }
    let meta_date = meta_date.map(|(_, d)| d).unwrap_or_default();
    page.title = first_non_empty([og_title, h1.clone(), json_ld_headline, title_tag]);
    page.published = first_non_empty([meta_date, json_ld_date, time_date]);
    page.url = first_non_empty([canonical, og_url]);
    let lang = first_non_empty([lang, meta_lang]);
    // `en-US`, `en_US` → `en`: the language, not the region
    page.language = lang
        .split(['-', '_', ','])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    h1
}

fn first_non_empty<const N: usize>(values: [String; N]) -> String {
    values
        .into_iter()
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_default()
}

fn attr_has_word(value: Option<&str>, word: &str) -> bool {
    value.is_some_and(|v| {
        v.split_ascii_whitespace()
            .any(|w| w.eq_ignore_ascii_case(word))
    })
}

/// The first string value of `key` in a JSON-LD tree (objects, arrays, `@graph`).
fn json_ld_find(value: &serde_json::Value, key: &str, out: &mut String, depth: usize) {
    if !out.is_empty() || depth > 8 {
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(s)) = map.get(key) {
                out.push_str(s.trim());
                return;
            }
            for v in map.values() {
                json_ld_find(v, key, out, depth + 1);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                json_ld_find(v, key, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn collapsed_text_raw(node: NodeRef<Node>) -> String {
    let mut out = String::new();
    for d in node.descendants() {
        if let Node::Text(t) = d.value() {
            out.push_str(t);
        }
    }
    out
}

fn collapsed_text(node: NodeRef<Node>) -> String {
    let mut out = String::new();
    push_collapsed(&mut out, &collapsed_text_raw(node));
    out.trim().to_string()
}

/// Appends `text` with runs of whitespace as one space.
fn push_collapsed(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with([' ', '\n']) {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The page as a flat tree

/// One node of the page, in document order; a node's descendants are the nodes after it up
/// to `end`, so a subtree is a range and sums over it are computed once, bottom up.
struct Flat<'a> {
    /// `None` for text.
    element: Option<&'a scraper::node::Element>,
    /// Collapsed text of a text node.
    text: String,
    parent: u32,
    end: u32,
    /// Visible characters in the subtree, and those inside links.
    chars: u32,
    link_chars: u32,
    /// Characters of text whose nearest block is this node (a paragraph's own text), the
    /// commas in it, and the subtree's sum of such text in paragraphs of 25+ characters.
    own_chars: u32,
    own_commas: u32,
    para_chars: u32,
    fate: Fate,
}

impl<'a> Flat<'a> {
    /// A node at `index` with nothing summed yet.
    fn new(
        element: Option<&'a scraper::node::Element>,
        text: String,
        parent: u32,
        index: u32,
        fate: Fate,
    ) -> Self {
        Flat {
            element,
            text,
            parent,
            end: index + 1,
            chars: 0,
            link_chars: 0,
            own_chars: 0,
            own_commas: 0,
            para_chars: 0,
            fate,
        }
    }
}

/// What becomes of an element's text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Keep,
    /// Never text (scripts, styles, forms' controls, comment threads …).
    Drop,
    /// Boilerplate by element or name, unless it holds most of the paragraphs around it (a
    /// wrapper that a site named `l-outer--nav` or put in an `<aside>`).
    DropUnlessWrapper,
}

/// Elements never part of an article's text.
fn is_never_text(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "head"
            | "title"
            | "button"
            | "select"
            | "option"
            | "textarea"
            | "input"
            | "label"
            | "iframe"
            | "object"
            | "embed"
            | "svg"
            | "canvas"
            | "video"
            | "audio"
            | "map"
            | "dialog"
            | "math"
    )
}

/// Elements that are boilerplate unless they hold most of the page.
fn is_boilerplate_tag(name: &str) -> bool {
    matches!(
        name,
        "nav"
            | "aside"
            | "footer"
            | "form"
            | "fieldset"
            | "menu"
            | "figure"
            | "figcaption"
            | "picture"
            | "time"
            | "address"
    )
}

/// Words of `class` / `id` names that sites give boilerplate. Names are split into words at
/// punctuation and camelCase (`APageRoot__SectionWrapper` → a, page, root, section, wrapper),
/// so `commentary` or `apageroot` do not match `comment` or `pager`.
const BOILERPLATE_WORDS: &[&str] = &[
    "ad",
    "ads",
    "advert",
    "advertisement",
    "adverts",
    "attachment",
    "author",
    "authors",
    "banner",
    "breadcrumb",
    "breadcrumbs",
    "byline",
    "caption",
    "consent",
    "cookie",
    "cookies",
    "copyright",
    "credit",
    "credits",
    "criteo",
    "date",
    "dateline",
    "footer",
    "legend",
    "menu",
    "menubar",
    "meta",
    "metadata",
    "modal",
    "mostread",
    "nav",
    "navbar",
    "navi",
    "navigation",
    "newsletter",
    "outbrain",
    "pager",
    "pagination",
    "paywall",
    "popular",
    "popup",
    "print",
    "promo",
    "rating",
    "ratings",
    "recommend",
    "recommendations",
    "recommended",
    "related",
    "respond",
    "share",
    "shares",
    "sharing",
    "sidebar",
    "signup",
    "skip",
    "sociable",
    "social",
    "subnav",
    "subscribe",
    "subscription",
    "syndication",
    "taboola",
    "tagcloud",
    "tags",
    "teasers",
    "timestamp",
    "toolbar",
    "tools",
    "viral",
];

/// Word prefixes of boilerplate names (`sharethis`, `shariff`, `widgetarea`, `advertorial`).
const BOILERPLATE_PREFIXES: &[&str] = &[
    "shar",
    "advert",
    "newsletter",
    "cookie",
    "related",
    "sidebar",
    "footer",
    "social",
    "promotion",
    "flyout",
];

/// Pairs of words that are boilerplate together.
const BOILERPLATE_PAIRS: &[(&str, &str)] = &[
    ("read", "more"),
    ("most", "read"),
    ("most", "popular"),
    ("user", "info"),
    ("user", "profile"),
    ("sr", "only"),
    ("screen", "reader"),
    ("visually", "hidden"),
    ("next", "post"),
    ("prev", "post"),
    ("bread", "crumb"),
    ("sign", "up"),
    ("side", "bar"),
    ("tag", "list"),
    ("article", "infos"),
    ("paid", "content"),
    ("info", "line"),
];

/// The words of a class or id value, lowercased: split at anything not a letter or digit and
/// where a lowercase letter meets an uppercase one.
fn name_words(value: &str, out: &mut Vec<String>) {
    out.clear();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in value.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
}

fn is_boilerplate_name(words: &[String]) -> bool {
    words.iter().any(|w| {
        BOILERPLATE_WORDS.binary_search(&w.as_str()).is_ok()
            || BOILERPLATE_PREFIXES.iter().any(|p| w.starts_with(p))
    }) || words
        .windows(2)
        .any(|pair| BOILERPLATE_PAIRS.contains(&(pair[0].as_str(), pair[1].as_str())))
}

/// Whether an element is boilerplate by its attributes. Names count on containers only: a
/// heading `id="nav_…"` (a table of contents' anchor) is still text.
fn is_boilerplate(el: &scraper::node::Element) -> bool {
    if !matches!(
        el.name(),
        "div"
            | "section"
            | "span"
            | "p"
            | "ul"
            | "ol"
            | "li"
            | "dl"
            | "table"
            | "aside"
            | "header"
            | "footer"
            | "nav"
            | "figure"
            | "form"
            | "center"
            | "font"
    ) {
        return false;
    }
    if el.attr("hidden").is_some()
        || el
            .attr("aria-hidden")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return true;
    }
    if let Some(style) = el.attr("style") {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if style.contains("display:none") || style.contains("visibility:hidden") {
            return true;
        }
    }
    if let Some(role) = el.attr("role") {
        let role = role.to_ascii_lowercase();
        if matches!(
            role.as_str(),
            "navigation"
                | "complementary"
                | "contentinfo"
                | "banner"
                | "menu"
                | "menubar"
                | "dialog"
        ) {
            return true;
        }
    }
    // a sidebar's `widget widget_text`, not Elementor's `elementor-widget-wrap` around the text
    if el
        .attr("class")
        .is_some_and(|c| c.trim_start().to_ascii_lowercase().starts_with("widget"))
    {
        return true;
    }
    let mut words = Vec::new();
    for value in [el.attr("class"), el.attr("id")].into_iter().flatten() {
        if value.len() > 300 {
            continue;
        }
        name_words(value, &mut words);
        if is_boilerplate_name(&words) {
            return true;
        }
    }
    false
}

/// Comment threads: dropped even when they are most of the page.
fn is_comments(el: &scraper::node::Element) -> bool {
    if matches!(el.name(), "article" | "main" | "body" | "html") {
        return false;
    }
    let mut words = Vec::new();
    [el.attr("class"), el.attr("id")]
        .into_iter()
        .flatten()
        .filter(|v| v.len() <= 300)
        .any(|v| {
            name_words(v, &mut words);
            words.iter().any(|w| {
                matches!(
                    w.as_str(),
                    "comment" | "comments" | "commentlist" | "disqus" | "akismet"
                )
            })
        })
}

/// A block with less text than this is not a paragraph (a label, a button, a date).
const MIN_PARAGRAPH_CHARS: u32 = 25;

/// Nesting deeper than this is cut off (malformed pages nest thousands of unclosed tags).
const MAX_DEPTH: usize = 400;

fn flatten<'a>(root: NodeRef<'a, Node>) -> Vec<Flat<'a>> {
    let mut nodes: Vec<Flat<'a>> = Vec::new();
    // (node, index of its flat parent, depth, inside a link, nearest block)
    let mut stack: Vec<(NodeRef<'a, Node>, u32, usize, bool, u32)> =
        vec![(root, u32::MAX, 0, false, 0)];
    let mut open: Vec<u32> = Vec::new();
    while let Some((node, parent, depth, in_link, block)) = stack.pop() {
        // close the nodes whose subtrees ended before this one
        while let Some(&top) = open.last() {
            if top == parent {
                break;
            }
            open.pop();
            nodes[top as usize].end = nodes.len() as u32;
        }
        let index = nodes.len() as u32;
        match node.value() {
            Node::Text(t) => {
                // runs of whitespace as one space, a leading one kept: it separates this
                // text from the element before (`<strong>Natales</strong> y visitará`)
                let mut text = String::new();
                if t.starts_with(char::is_whitespace) {
                    text.push(' ');
                }
                push_collapsed(&mut text, t);
                let chars = text.chars().filter(|c| *c != ' ').count() as u32;
                let commas = text.matches([',', '，', '،', '、']).count() as u32;
                if let Some(owner) = nodes.get_mut(block as usize) {
                    owner.own_chars += chars;
                    owner.own_commas += commas;
                }
                nodes.push(Flat {
                    chars,
                    link_chars: if in_link { chars } else { 0 },
                    ..Flat::new(None, text, parent, index, Fate::Keep)
                });
            }
            Node::Element(el) if depth < MAX_DEPTH => {
                let name = el.name();
                let fate = if is_never_text(name) || is_comments(el) {
                    Fate::Drop
                } else if is_boilerplate_tag(name) || is_boilerplate(el) {
                    Fate::DropUnlessWrapper
                } else {
                    Fate::Keep
                };
                nodes.push(Flat::new(Some(el), String::new(), parent, index, fate));
                open.push(index);
                if fate != Fate::Drop {
                    let link = in_link || name == "a";
                    let block = if is_block(name) { index } else { block };
                    let children: Vec<_> = node.children().collect();
                    for child in children.into_iter().rev() {
                        stack.push((child, index, depth + 1, link, block));
                    }
                }
            }
            Node::Document | Node::Fragment => {
                nodes.push(Flat::new(None, String::new(), parent, index, Fate::Keep));
                open.push(index);
                let children: Vec<_> = node.children().collect();
                for child in children.into_iter().rev() {
                    stack.push((child, index, depth + 1, in_link, index));
                }
            }
            _ => {}
        }
    }
    let len = nodes.len() as u32;
    for top in open {
        nodes[top as usize].end = len;
    }
    for i in (1..nodes.len()).rev() {
        if nodes[i].own_chars >= MIN_PARAGRAPH_CHARS {
            nodes[i].para_chars += nodes[i].own_chars;
        }
        let parent = nodes[i].parent;
        if parent != u32::MAX && nodes[i].fate != Fate::Drop {
            let (chars, links, para) = (nodes[i].chars, nodes[i].link_chars, nodes[i].para_chars);
            let parent = &mut nodes[parent as usize];
            parent.chars += chars;
            parent.link_chars += links;
            parent.para_chars += para;
        }
    }
    nodes
}

struct Flattened<'a> {
    nodes: Vec<Flat<'a>>,
    /// A `DropUnlessWrapper` element holding more than this many paragraph characters is a
    /// wrapper, kept.
    wrapper_chars: u32,
    /// The page's headline as its metadata and its first `<h1>` give it: a line that
    /// repeats it at the start of the text is left out (the title is a field of its own).
    titles: Vec<String>,
}

impl<'a> Flattened<'a> {
    fn name(&self, i: usize) -> &str {
        self.nodes[i].element.map(|e| e.name()).unwrap_or("")
    }

    fn dropped(&self, i: usize) -> bool {
        self.dropped_within(i, self.wrapper_chars)
    }

    /// Whether node `i` is left out of a container whose wrappers hold more than
    /// `wrapper_chars` paragraph characters.
    fn dropped_within(&self, i: usize, wrapper_chars: u32) -> bool {
        let n = &self.nodes[i];
        match n.fate {
            Fate::Keep => false,
            Fate::Drop => true,
            Fate::DropUnlessWrapper => n.para_chars <= wrapper_chars,
        }
    }

    /// The children of node `i`.
    fn children(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.nodes[i].end as usize;
        let mut next = i + 1;
        std::iter::from_fn(move || {
            if next >= end {
                return None;
            }
            let child = next;
            next = self.nodes[child].end as usize;
            Some(child)
        })
    }

    fn link_density(&self, i: usize) -> f64 {
        let n = &self.nodes[i];
        n.link_chars as f64 / n.chars.max(1) as f64
    }
}

// ---------------------------------------------------------------------------------------
// The article body

/// How sites name their article body, most specific first (after trafilatura's BODY_XPATH).
/// Each tier is tried in turn; the first element of a tier that yields enough text wins.
const BODY_TIERS: &[&[&str]] = &[
    &[
        "post-text",
        "post_text",
        "post-body",
        "post-entry",
        "postentry",
        "post-content",
        "post_content",
        "postcontent",
        "article-text",
        "articletext",
        "entry-content",
        "article-content",
        "article__content",
        "article-body",
        "article__body",
        "articlebody",
        "page-content",
        "text-content",
        "body-text",
        "article__container",
        "art-content",
        "story-body",
        "storybody",
    ],
    &["<article>"],
    &[
        "post-bodycopy",
        "storycontent",
        "story-content",
        "postarea",
        "art-postcontent",
        "theme-content",
        "blog-content",
        "section-content",
        "single-content",
        "single-post",
        "main-column",
        "wpb_text_column",
        "field-body",
        "fulltext",
        "=text",
        "=article",
        "=story",
        "=cell",
    ],
    &[
        "content-main",
        "content_main",
        "content-body",
        "contentbody",
        "content__body",
        "main-content",
        "maincontent",
        "=content",
    ],
    &["<main>", "^main"],
];

/// Whether an element carries one of a tier's body names.
fn has_body_name(el: &scraper::node::Element, tier: &[&str]) -> bool {
    let named = matches!(el.name(), "div" | "article" | "main" | "section" | "td");
    // lowercased once per element, not once per name
    let values: Vec<String> = if named {
        [el.attr("class"), el.attr("id")]
            .into_iter()
            .flatten()
            .map(str::to_ascii_lowercase)
            .collect()
    } else {
        Vec::new()
    };
    tier.iter().any(|name| {
        if let Some(tag) = name.strip_prefix('<') {
            return el.name() == tag.trim_end_matches('>');
        }
        if !named {
            return false;
        }
        if *name == "articlebody"
            && el
                .attr("itemprop")
                .is_some_and(|v| v.eq_ignore_ascii_case("articlebody"))
        {
            return true;
        }
        values.iter().any(|lower| {
            if let Some(exact) = name.strip_prefix('=') {
                lower.split_ascii_whitespace().any(|w| w == exact)
            } else if let Some(start) = name.strip_prefix('^') {
                lower.starts_with(start)
            } else {
                lower.contains(name)
            }
        })
    })
}

/// From this tier on, names are generic (`content`, `main`): the scored container inside
/// them is the article when it holds a good part of their text.
const GENERIC_TIER: usize = 3;

/// Text shorter than this from a named body sends us to the scored fallback.
const MIN_BODY_CHARS: usize = 250;

fn main_text(root: NodeRef<Node>, titles: &[String]) -> String {
    let nodes = flatten(root);
    let body = (0..nodes.len())
        .find(|&i| nodes[i].element.is_some_and(|e| e.name() == "body"))
        .unwrap_or(0);
    let wrapper_chars = nodes[body].para_chars / 2;
    let page = Flattened {
        nodes,
        wrapper_chars,
        titles: titles.iter().filter(|t| !t.is_empty()).cloned().collect(),
    };
    let (named, named_rank) = named_body(&page, body);
    let named_chars = chars_of(&named);
    let scored = scored_body(&page, body);
    let scored_chars = chars_of(&scored);
    // A named body much shorter than the best-scored container is a teaser box or a
    // caption; under a generic name (`content`, `main`) the scored container, when it holds
    // a good part of the text, leaves out the boilerplate the generic one carries.
    let generic = named_rank >= GENERIC_TIER && scored_chars * 2 >= named_chars;
    let named_wins = (named_chars >= MIN_BODY_CHARS && scored_chars <= 2 * named_chars)
        || scored_chars <= named_chars;
    let mut chosen = if named_wins && !generic {
        named
    } else {
        scored
    };
    let wild = lines(&page, body);
    let chosen_chars = chars_of(&chosen);
    if chosen_chars < SHORT_CHARS && chars_of(&wild) > WILD_FACTOR * chosen_chars.max(50) {
        // too little for an article while the page says much more: every paragraph of
        // the page outside boilerplate, trafilatura's last resort
        chosen = wild;
    } else {
        // Long, link-poor paragraphs elsewhere on the page are the article's too: bodies
        // cut into parts around pictures and ads, a lead above the headline's block.
        let mut seen: Vec<usize> = chosen.iter().map(|l| l.start).collect();
        seen.sort_unstable();
        for line in wild {
            if line.chars >= MIN_STRAY_CHARS && seen.binary_search(&line.start).is_err() {
                let text = &line.text;
                if !chosen.iter().any(|c| c.text.contains(text.as_str())) {
                    chosen.push(line);
                }
            }
        }
        chosen.sort_by_key(|l| l.start);
    }
    let mut out = String::new();
    for line in chosen {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line.text);
    }
    out
}

/// Below this many characters, an extraction is checked against all the page's paragraphs.
const SHORT_CHARS: usize = 1000;
const WILD_FACTOR: usize = 2;

/// A paragraph outside the chosen container with this many characters is added to it.
const MIN_STRAY_CHARS: usize = 150;

/// One line of extracted text and where it starts in the page (for document order).
struct Line {
    start: usize,
    text: String,
    chars: usize,
}

fn chars_of(lines: &[Line]) -> usize {
    lines.iter().map(|l| l.chars).sum()
}

/// The body by its name: the first tier with a candidate of enough text, and that tier's
/// rank (`usize::MAX` when none had enough).
fn named_body(page: &Flattened, body: usize) -> (Vec<Line>, usize) {
    let mut best: Vec<Line> = Vec::new();
    for (rank, tier) in BODY_TIERS.iter().enumerate() {
        let found = candidates(page, body, tier, rank == 0);
        // the one with most paragraph text (a listing's teasers come before the article on
        // many pages; ties to the first) …
        let Some(&candidate) = found
            .iter()
            .max_by_key(|&&c| (page.nodes[c].para_chars, std::cmp::Reverse(c)))
        else {
            continue;
        };
        // … with the others of the same class: sites cut long bodies into several
        // `article__body` parts around ads and pictures
        let class_of = |c: usize| page.nodes[c].element.and_then(|e| e.attr("class"));
        let class = class_of(candidate);
        let first = found
            .iter()
            .copied()
            .find(|&c| c == candidate || (class.is_some() && class_of(c) == class))
            .unwrap_or(candidate);
        let mut text = lead(page, first);
        for &c in &found {
            if c == candidate || (class.is_some() && class_of(c) == class) {
                text.extend(lines(page, c));
            }
        }
        if chars_of(&text) >= MIN_BODY_CHARS {
            return (text, rank);
        }
        if chars_of(&text) > chars_of(&best) {
            best = text;
        }
    }
    (best, usize::MAX)
}

/// The lead paragraph that many sites set before the body element (`field-perex`,
/// `intro-text`, a standfirst under the headline): paragraph-rich, link-poor elements just
/// before the body, or before its parent.
fn lead(page: &Flattened, body: usize) -> Vec<Line> {
    let mut lead: Vec<Line> = Vec::new();
    let mut node = body;
    for _ in 0..2 {
        let parent = page.nodes[node].parent;
        if parent == u32::MAX {
            break;
        }
        let mut before = Vec::new();
        for sibling in page.children(parent as usize) {
            if sibling == node {
                break;
            }
            let n = &page.nodes[sibling];
            if n.element.is_some()
                && !page.dropped(sibling)
                && n.para_chars >= MIN_LEAD_CHARS
                && page.link_density(sibling) < 0.2
            {
                before.extend(lines(page, sibling));
            } else if n.para_chars >= MIN_LEAD_CHARS {
                // something else of substance between: not a lead
                before.clear();
            }
        }
        before.append(&mut lead);
        lead = before;
        node = parent as usize;
    }
    lead
}

/// A lead holds at least this many characters of paragraphs.
const MIN_LEAD_CHARS: u32 = 80;

/// Elements matching one tier's names, in document order, outside boilerplate. The most
/// specific names (the first tier) are looked for inside boilerplate too: a body named
/// `entry-content entry-content-read-more` or placed in a `c-fixed-sidebar-layout` is still
/// the body.
fn candidates(page: &Flattened, body: usize, tier: &[&str], specific: bool) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = body + 1;
    let end = page.nodes[body].end as usize;
    while i < end && out.len() < 32 {
        let node = &page.nodes[i];
        let Some(el) = node.element else {
            i += 1;
            continue;
        };
        if node.fate == Fate::Drop || (!specific && page.dropped(i)) {
            i = node.end as usize;
            continue;
        }
        if has_body_name(el, tier) {
            out.push(i);
            i = node.end as usize;
            continue;
        }
        i += 1;
    }
    out
}

/// Elements that end a line of text.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "section"
            | "article"
            | "main"
            | "header"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "ul"
            | "ol"
            | "li"
            | "dl"
            | "dt"
            | "dd"
            | "blockquote"
            | "pre"
            | "table"
            | "tr"
            | "td"
            | "th"
            | "br"
            | "hr"
            | "center"
            | "form"
            | "fieldset"
            | "aside"
            | "nav"
            | "footer"
    )
}

/// A line of text as it is collected, with what it is made of.
#[derive(Default)]
struct Block {
    start: usize,
    text: String,
    chars: usize,
    link_chars: usize,
    /// Inside a list item, whose links are judged with the list's.
    in_list: bool,
    heading: bool,
}

/// The text of `container` line by line, without boilerplate and link lists.
fn lines(page: &Flattened, container: usize) -> Vec<Line> {
    // inside the article, a "boilerplate" element holding most of its paragraphs is a
    // wrapper (`documentContent__sharingContainer` around the whole text)
    let wrappers = page
        .wrapper_chars
        .min(page.nodes[container].para_chars * 4 / 5)
        .max(MIN_PARAGRAPH_CHARS);
    let mut walk = Walk {
        page,
        wrappers,
        blocks: Vec::new(),
        current: Block::default(),
    };
    walk.walk(container, false, false);
    walk.finish();
    keep_blocks(walk.blocks, &page.titles)
}

struct Walk<'p, 'a> {
    page: &'p Flattened<'a>,
    wrappers: u32,
    blocks: Vec<Block>,
    current: Block,
}

impl Walk<'_, '_> {
    fn finish(&mut self) {
        let current = std::mem::take(&mut self.current);
        let text = current.text.trim();
        if !text.is_empty() {
            self.blocks.push(Block {
                text: text.to_string(),
                ..current
            });
        }
    }

    fn walk(&mut self, node: usize, in_link: bool, in_list: bool) {
        let page = self.page;
        for child in page.children(node) {
            let flat = &page.nodes[child];
            match flat.element {
                None => {
                    if flat.text.is_empty() {
                        continue;
                    }
                    let current = &mut self.current;
                    if current.text.is_empty() {
                        current.start = child;
                    }
                    if flat.text.starts_with(' ') && current.text.ends_with(' ') {
                        current.text.push_str(&flat.text[1..]);
                    } else {
                        current.text.push_str(&flat.text);
                    }
                    current.chars += flat.chars as usize;
                    if in_link {
                        current.link_chars += flat.chars as usize;
                    }
                    current.in_list |= in_list;
                }
                Some(el) => {
                    if page.dropped_within(child, self.wrappers) {
                        continue;
                    }
                    let name = el.name();
                    let block = is_block(name);
                    if block {
                        self.finish();
                    }
                    self.walk(child, in_link || name == "a", in_list || name == "li");
                    if block {
                        self.current.heading =
                            matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
                        self.finish();
                    }
                }
            }
        }
    }
}

/// Leaves out lines that are mostly links (menus, "read also" lists), short lines at the
/// edges (bylines, "Foto: …", "Anzeige"), and headings over nothing that was kept.
fn keep_blocks(blocks: Vec<Block>, titles: &[String]) -> Vec<Line> {
    // the start is the first line of some length that is not the headline (the page's
    // title, which its metadata gives)
    let first = blocks
        .iter()
        .position(|b| b.chars >= MIN_EDGE_CHARS && !titles.contains(&b.text))
        .unwrap_or(blocks.len());
    let last = blocks
        .iter()
        .rposition(|b| b.chars >= MIN_EDGE_CHARS)
        .map_or(0, |i| i + 1);
    let kept: Vec<Block> = blocks
        .into_iter()
        .take(last)
        .skip(first)
        .filter(|block| {
            let density = block.link_chars as f64 / block.chars.max(1) as f64;
            let linky = if block.in_list {
                density > 0.5
            } else {
                density > 0.8 || (density > 0.5 && block.chars < 200)
            };
            !linky
        })
        .collect();
    let last_text = kept.iter().rposition(|b| !b.heading);
    kept.into_iter()
        .enumerate()
        .filter(|(i, b)| !b.heading || last_text.is_some_and(|last| *i < last))
        .map(|(_, b)| Line {
            start: b.start,
            chars: b.chars,
            text: b.text,
        })
        .collect()
}

/// Lines shorter than this at the start or end of a container are left out.
const MIN_EDGE_CHARS: usize = 30;

// ---------------------------------------------------------------------------------------
// The scored fallback

/// Readability's idea: each paragraph credits its text (length and commas) to its parent
/// and, by half, its grandparent; the best-credited container, discounted by its link
/// density, is the article, with those of its siblings that scored well.
fn scored_body(page: &Flattened, body: usize) -> Vec<Line> {
    let mut scores = vec![0f64; page.nodes.len()];
    let end = page.nodes[body].end as usize;
    let mut i = body + 1;
    while i < end {
        let node = &page.nodes[i];
        if node.element.is_none() {
            i += 1;
            continue;
        }
        if page.dropped(i) {
            i = node.end as usize;
            continue;
        }
        if node.own_chars >= MIN_PARAGRAPH_CHARS && node.link_chars * 2 < node.chars {
            let score = 1.0 + node.own_commas as f64 + (node.own_chars as f64 / 100.0).min(3.0);
            let parent = node.parent;
            if parent != u32::MAX {
                scores[parent as usize] += score;
                let grand = page.nodes[parent as usize].parent;
                if grand != u32::MAX {
                    scores[grand as usize] += score / 2.0;
                }
            }
        }
        i += 1;
    }
    let mut ranked: Vec<(usize, f64)> = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| **s > 0.0)
        .map(|(i, s)| (i, s * (1.0 - page.link_density(i))))
        .collect();
    // best first; ties to the first in the document
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let Some(&(mut best, best_score)) = ranked.first() else {
        return Vec::new();
    };
    // Readability's check: when three of the five runners-up that score near the top sit
    // under one ancestor, the article is that ancestor (a body cut into sections)
    let close: Vec<usize> = ranked
        .iter()
        .skip(1)
        .take(5)
        .filter(|(_, s)| *s >= best_score * 0.75)
        .map(|(i, _)| *i)
        .collect();
    if close.len() >= 3 {
        let mut ancestor = page.nodes[best].parent;
        while ancestor != u32::MAX && ancestor as usize != body {
            let a = ancestor as usize;
            let end = page.nodes[a].end as usize;
            if close.iter().filter(|&&c| c > a && c < end).count() >= 3 {
                best = a;
                break;
            }
            ancestor = page.nodes[a].parent;
        }
    }
    let threshold = (best_score * 0.2).max(10.0);
    let parent = page.nodes[best].parent;
    if parent == u32::MAX {
        return lines(page, best);
    }
    // a lead set before the container's parent (its siblings are looked at below)
    let mut out = lead(page, parent as usize);
    for sibling in page.children(parent as usize) {
        if sibling != best {
            if page.nodes[sibling].element.is_none() || page.dropped(sibling) {
                continue;
            }
            let density = page.link_density(sibling);
            let scored = scores[sibling] * (1.0 - density) >= threshold;
            let paragraph =
                page.name(sibling) == "p" && page.nodes[sibling].chars > 80 && density < 0.25;
            if !scored && !paragraph {
                continue;
            }
        }
        out.extend(lines(page, sibling));
    }
    out
}
