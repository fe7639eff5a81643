//! `config.toml` → [`Settings`], in two stages (as ripgrep does with its flags):
//! [`ConfigFile`] is plain serde data that mirrors the file, every key with a default and
//! unknown keys rejected; [`Settings::resolve`] validates it, applies command-line overrides
//! and resolves paths against the config file's folder, so a rerun works from any directory.
//! Every error names the file, the line and the key or value at fault.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::language;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfigFile {
    pub run: RunSection,
    pub input: InputSection,
    pub language: LanguageSection,
    pub text: TextSection,
    pub compare: CompareSection,
    pub duplicates: DuplicatesSection,
    pub select: SelectSection,
    pub output: OutputSection,
    pub topics: Vec<TopicSpec>,
}

/// What a run writes besides its CSV tables.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSection {
    /// `report.html`: the tables as charts, one self-contained page.
    pub report: bool,
    /// The tables' formats: CSV always; `"parquet"` adds `<table>.parquet` beside each.
    pub formats: Vec<TableFormat>,
}

impl Default for OutputSection {
    fn default() -> Self {
        OutputSection {
            report: true,
            formats: vec![TableFormat::Csv],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    Csv,
    Parquet,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunSection {
    /// Names the run; its tables go to `<output>/<name>/`.
    pub name: String,
    /// Files or folders (walked recursively) to read.
    pub inputs: Vec<PathBuf>,
    /// Optional CSV with `outlet` and `country` columns, joined onto articles by outlet.
    pub sources: Option<PathBuf>,
    /// Columns that define a group: any of outlet, language, country, published.
    pub group_by: Vec<String>,
    /// Folder under which each run gets its own folder.
    pub output: PathBuf,
    /// Keep each article's analysis in the output folder (`cache/`) so that the next run
    /// analyses only new or changed articles.
    pub cache: bool,
    /// Where a day starts, for grouping by `published` and `[select]` dates: `UTC` or a fixed
    /// offset (`+03:00`).
    pub day_zone: String,
}

impl Default for RunSection {
    fn default() -> Self {
        RunSection {
            name: "newsprism".into(),
            inputs: Vec::new(),
            sources: None,
            group_by: vec!["outlet".into()],
            output: PathBuf::from("output"),
            cache: true,
            day_zone: "UTC".into(),
        }
    }
}

/// Bounds of `[input] max_article_bytes`: a smaller limit rejects ordinary articles; a larger
/// one exceeds what an article row can address (32-bit offsets) and what a machine should
/// hold for one article.
pub const MIN_ARTICLE_BYTES: u64 = 1024;
pub const MAX_ARTICLE_BYTES: u64 = 1 << 30;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputSection {
    /// A crawler's field names in one line (`"news-please"`); `[input.fields]` entries that
    /// differ from the default names still win.
    pub preset: Option<Preset>,
    /// Presets for the files under some paths (relative to the config file), so one run
    /// reads a news-please folder beside files with the default names.
    pub presets: BTreeMap<String, Preset>,
    pub fields: FieldNames,
    /// Articles (or JSONL lines) larger than this are rejected, not read into memory.
    pub max_article_bytes: u64,
}

impl Default for InputSection {
    fn default() -> Self {
        InputSection {
            preset: None,
            presets: BTreeMap::new(),
            fields: FieldNames::default(),
            max_article_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Field mappings of the tools researchers collect news with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Preset {
    /// news-please (one `.json` object per article): `maintext`, `date_publish`,
    /// `source_domain`, `title`, `url`, `language`.
    #[serde(rename = "news-please")]
    NewsPlease,
}

impl Preset {
    /// The preset's name for `field`, if it renames it.
    fn name(self, field: Field) -> Option<&'static str> {
        match (self, field) {
            (Preset::NewsPlease, Field::Text) => Some("maintext"),
            (Preset::NewsPlease, Field::Published) => Some("date_publish"),
            (Preset::NewsPlease, Field::Outlet) => Some("source_domain"),
            _ => None,
        }
    }
}

impl InputSection {
    /// `preset`'s names for the fields `[input.fields]` left at their defaults.
    fn apply_preset(&mut self) {
        if let Some(preset) = self.preset {
            self.fields = preset.applied_to(&self.fields);
        }
    }
}

impl Preset {
    /// `fields` with the preset's names for those left at their defaults.
    fn applied_to(self, fields: &FieldNames) -> FieldNames {
        let mut fields = fields.clone();
        for field in Field::ALL {
            if let Some(name) = self.name(field) {
                if fields.get(field) == field.default_name() {
                    *fields.slot_mut(field) = name.to_string();
                }
            }
        }
        fields
    }
}

/// An article field that inputs carry. The one list of them: readers, the `.txt` header
/// and `[input.fields]` all go through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Outlet,
    Country,
    Published,
    Url,
    Title,
    Text,
    /// The language the input declares (kept beside the detected one).
    Language,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::Id,
        Field::Outlet,
        Field::Country,
        Field::Published,
        Field::Url,
        Field::Title,
        Field::Text,
        Field::Language,
    ];

    /// The field's name in an input unless `[input.fields]` renames it.
    pub fn default_name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Outlet => "outlet",
            Field::Country => "country",
            Field::Published => "published",
            Field::Url => "url",
            Field::Title => "title",
            Field::Text => "text",
            Field::Language => "language",
        }
    }
}

/// The name of each article field in JSONL objects and CSV headers (`[input.fields]`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FieldNames {
    pub id: String,
    pub outlet: String,
    pub country: String,
    pub published: String,
    pub url: String,
    pub title: String,
    pub text: String,
    pub language: String,
}

impl FieldNames {
    pub fn get(&self, field: Field) -> &str {
        match field {
            Field::Id => &self.id,
            Field::Outlet => &self.outlet,
            Field::Country => &self.country,
            Field::Published => &self.published,
            Field::Url => &self.url,
            Field::Title => &self.title,
            Field::Text => &self.text,
            Field::Language => &self.language,
        }
    }

    fn slot_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::Id => &mut self.id,
            Field::Outlet => &mut self.outlet,
            Field::Country => &mut self.country,
            Field::Published => &mut self.published,
            Field::Url => &mut self.url,
            Field::Title => &mut self.title,
            Field::Text => &mut self.text,
            Field::Language => &mut self.language,
        }
    }

    /// The field an input key or column names.
    pub fn field_of(&self, key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|&f| self.get(f) == key)
    }
}

impl Default for FieldNames {
    fn default() -> Self {
        let name = |f: Field| f.default_name().to_string();
        FieldNames {
            id: name(Field::Id),
            outlet: name(Field::Outlet),
            country: name(Field::Country),
            published: name(Field::Published),
            url: name(Field::Url),
            title: name(Field::Title),
            text: name(Field::Text),
            language: name(Field::Language),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LanguageSection {
    /// ISO 639-1 codes to choose from; empty means every language the detector knows.
    pub allow: Vec<String>,
    /// Below this confidence (0..1) an article's language is `und`.
    pub min_confidence: f64,
    /// Characters of the body read for detection; the whole text is read when that is not
    /// enough for a reliable answer.
    pub prefix_chars: usize,
}

impl Default for LanguageSection {
    fn default() -> Self {
        LanguageSection {
            allow: Vec::new(),
            min_confidence: 0.0,
            // agreement with truth.csv on the 10k / 100k make_corpus corpora: 99.91 / 99.90 %
            // at 400 characters, 99.89 / 99.89 % at 600 and on whole articles, 99.85 % (100k)
            // at 200; the cost of detection grows with the characters read
            prefix_chars: 400,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TextSection {
    pub stopwords: bool,
    pub stem: bool,
    /// Fold Traditional Chinese characters to Simplified, in Chinese text and terms alike.
    pub fold_chinese: bool,
    /// Extra stopwords per language code.
    pub stopwords_add: BTreeMap<String, Vec<String>>,
    /// Words to keep although the built-in list has them, per language code.
    pub stopwords_remove: BTreeMap<String, Vec<String>>,
}

impl Default for TextSection {
    fn default() -> Self {
        TextSection {
            stopwords: true,
            stem: true,
            fold_chinese: true,
            stopwords_add: BTreeMap::new(),
            stopwords_remove: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompareSection {
    /// Fewest occurrences (group + rest) for a term to get a keyness row.
    pub min_count: u64,
    /// Terms listed per group in terms_by_group.csv.
    pub top_terms: usize,
    /// What `topic_comparison.csv` shows for each group and topic.
    pub topic_measure: TopicMeasure,
    /// Fewest counted terms a group needs in a language for keyness rows in that language
    /// (a stray article in another language is too little to characterize an outlet).
    pub min_slice_terms: u64,
    /// Words either side of a match in contexts.csv.
    pub context_words: usize,
    /// Contexts kept per group and topic (0: no contexts.csv rows).
    pub contexts_per_topic: usize,
}

impl Default for CompareSection {
    fn default() -> Self {
        CompareSection {
            min_count: 5,
            top_terms: 50,
            topic_measure: TopicMeasure::ShareArticles,
            min_slice_terms: 100,
            context_words: 8,
            contexts_per_topic: 20,
        }
    }
}

/// Which articles the run compares (see `select`); every key left out selects everything.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SelectSection {
    /// First published day kept (`YYYY-MM-DD`), inclusive.
    pub published_from: Option<String>,
    /// Last published day kept (`YYYY-MM-DD`), inclusive.
    pub published_to: Option<String>,
    /// Detected languages kept.
    pub languages: Vec<String>,
    /// A boolean expression over topic and actor ids.
    pub query: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DuplicatesSection {
    /// Find near-duplicates and wire copy (duplicates.csv, copy_of in articles.csv).
    pub enabled: bool,
    /// Containment of word 5-shingles from which an article is a copy of an earlier one.
    pub min_containment: f64,
    /// Whether copies count in the tables' counts and statistics.
    pub count: CountCopies,
}

/// What the counts and statistics make of near-duplicate copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CountCopies {
    /// Every article counts, copies too.
    All,
    /// Only the first of each cluster counts; copies are still listed in articles.csv and
    /// duplicates.csv.
    First,
}

impl Default for DuplicatesSection {
    fn default() -> Self {
        DuplicatesSection {
            enabled: true,
            // real republications of one wire story by different sites overlap far less than
            // textbook near-duplicates (0.52–0.97 measured on real coverage of the meeting)
            min_containment: 0.5,
            count: CountCopies::All,
        }
    }
}

/// A group's attention to a topic, as `topic_comparison.csv` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicMeasure {
    /// The share of the group's articles that mention the topic: the same whatever the
    /// language's tokenization, so comparable across languages.
    ShareArticles,
    /// Hits per 1,000 words: depends on how a language makes words (compounds, bigrams),
    /// so comparable within one language only.
    #[serde(rename = "per_1k_words")]
    Per1kWords,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TopicKind {
    Topic,
    Actor,
}

impl TopicKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TopicKind::Topic => "topic",
            TopicKind::Actor => "actor",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default = "default_kind")]
    pub kind: TopicKind,
    /// Terms per ISO 639-1 code; a term may be a phrase.
    #[serde(default)]
    pub terms: BTreeMap<String, Vec<String>>,
}

fn default_kind() -> TopicKind {
    TopicKind::Topic
}

/// A column that defines groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupColumn {
    Outlet,
    Language,
    Country,
    /// The day of publication, at `[run] day_zone`.
    Published(chrono::FixedOffset),
}

impl GroupColumn {
    pub const ALL: [GroupColumn; 4] = [
        GroupColumn::Outlet,
        GroupColumn::Language,
        GroupColumn::Country,
        GroupColumn::Published(UTC),
    ];

    pub fn name(self) -> &'static str {
        match self {
            GroupColumn::Outlet => "outlet",
            GroupColumn::Language => "language",
            GroupColumn::Country => "country",
            GroupColumn::Published(_) => "published",
        }
    }
}

const UTC: chrono::FixedOffset = match chrono::FixedOffset::east_opt(0) {
    Some(utc) => utc,
    None => panic!("0 is a valid offset"),
};

/// Command-line values that replace the config's.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub inputs: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    /// The command reads no input (`compare --partials`): `[run] inputs` need not exist here.
    pub inputs_unused: bool,
}

/// The validated configuration of one run, paths resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The config as loaded, overrides applied; recorded in the manifest.
    pub file: ConfigFile,
    pub config_path: Option<PathBuf>,
    pub inputs: Vec<PathBuf>,
    pub sources: Option<PathBuf>,
    pub group_by: Vec<GroupColumn>,
    /// The run's own output folder (`<output>/<name>` unless `--output` names it).
    pub output_dir: PathBuf,
    /// `[input.presets]`: field names for the files under each path (canonical).
    pub fields_by_path: Vec<(PathBuf, FieldNames)>,
}

impl Settings {
    /// Reads and validates a config file.
    pub fn load(path: &Path, overrides: &Overrides) -> Result<Settings> {
        let source = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("{}: cannot read config: {e}", path.display())))?;
        let file = parse(&source, path)?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            base
        };
        Settings::resolve(file, &source, path, &base, overrides)
    }

    /// Validates a parsed config; `source` is its text, used to point errors at a line.
    pub fn resolve(
        mut file: ConfigFile,
        source: &str,
        path: &Path,
        base: &Path,
        overrides: &Overrides,
    ) -> Result<Settings> {
        let src = ConfigSource { text: source, path };
        file.input.apply_preset();
        check_run_name(&file.run, &src)?;
        day_zone(&file.run, &src)?;
        let group_by = resolve_group_by(&file.run, &src)?;
        check_languages_and_bounds(&file, &src)?;
        check_topics(&mut file.topics, &src)?;
        check_select(&file, &src)?;
        let (inputs, sources, output_dir) = resolve_paths(&mut file, &src, base, overrides)?;
        let fields_by_path = resolve_presets(&file.input, &src, base)?;
        Ok(Settings {
            file,
            config_path: Some(path.to_path_buf()),
            inputs,
            sources,
            group_by,
            output_dir,
            fields_by_path,
        })
    }
}

/// The config's text and path, to point an error at the line where a key or value is.
struct ConfigSource<'s> {
    text: &'s str,
    path: &'s Path,
}

impl ConfigSource<'_> {
    /// A config error at the first line holding `needle` (or the file, if none does).
    fn at(&self, needle: &str, msg: String) -> Error {
        match line_of(self.text, needle) {
            Some(line) => Error::config(format!("{}:{line}: {msg}", self.path.display())),
            None => Error::config(format!("{}: {msg}", self.path.display())),
        }
    }

    /// An error unless `code` is a language code newsprism knows; `needle` is how the code is
    /// written in the file, to find its line.
    fn check_code(&self, code: &str, needle: String, key: &str) -> Result<()> {
        if language::is_known_code(code) {
            return Ok(());
        }
        let known = language::known_codes();
        Err(self.at(
            &needle,
            format!(
                "{key}: unknown language code {code:?}{}",
                suggest(code, &known)
            ),
        ))
    }
}

fn check_run_name(run: &RunSection, src: &ConfigSource) -> Result<()> {
    let name = &run.name;
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(src.at(
            "name",
            format!("[run] name = {name:?} must be a plain folder name"),
        ));
    }
    Ok(())
}

/// `[run] day_zone`: the offset at which an instant falls on a day.
fn day_zone(run: &RunSection, src: &ConfigSource) -> Result<chrono::FixedOffset> {
    crate::dates::zone(&run.day_zone).ok_or_else(|| {
        src.at(
            "day_zone",
            format!(
                "[run] day_zone = {:?}: expected \"UTC\" or an offset such as \"+03:00\"",
                run.day_zone
            ),
        )
    })
}

fn resolve_group_by(run: &RunSection, src: &ConfigSource) -> Result<Vec<GroupColumn>> {
    let mut group_by = Vec::new();
    for col in &run.group_by {
        let Some(g) = GroupColumn::ALL.iter().find(|g| g.name() == col) else {
            let names: Vec<&str> = GroupColumn::ALL.iter().map(|g| g.name()).collect();
            return Err(src.at(
                "group_by",
                format!(
                    "[run] group_by: unknown column {col:?}{}",
                    suggest(col, &names)
                ),
            ));
        };
        if group_by
            .iter()
            .any(|have: &GroupColumn| have.name() == g.name())
        {
            return Err(src.at("group_by", format!("[run] group_by lists {col:?} twice")));
        }
        group_by.push(match g {
            GroupColumn::Published(_) => GroupColumn::Published(day_zone(run, src)?),
            other => *other,
        });
    }
    if group_by.is_empty() {
        return Err(src.at(
            "group_by",
            "[run] group_by must name at least one column".into(),
        ));
    }
    Ok(group_by)
}

/// Language codes in `[language]` and `[text.*]`, and the numeric settings' bounds.
fn check_languages_and_bounds(file: &ConfigFile, src: &ConfigSource) -> Result<()> {
    for code in &file.language.allow {
        src.check_code(code, format!("\"{code}\""), "[language] allow")?;
    }
    if !(0.0..=1.0).contains(&file.language.min_confidence) {
        return Err(src.at(
            "min_confidence",
            "[language] min_confidence must be between 0 and 1".into(),
        ));
    }
    if file.language.prefix_chars == 0 {
        return Err(src.at(
            "prefix_chars",
            "[language] prefix_chars must be at least 1".into(),
        ));
    }
    for (key, map) in [
        ("stopwords_add", &file.text.stopwords_add),
        ("stopwords_remove", &file.text.stopwords_remove),
    ] {
        for code in map.keys() {
            src.check_code(code, format!("{code} ="), &format!("[text.{key}]"))?;
        }
    }
    let max_article_bytes = file.input.max_article_bytes;
    if !(MIN_ARTICLE_BYTES..=MAX_ARTICLE_BYTES).contains(&max_article_bytes) {
        return Err(src.at(
            "max_article_bytes",
            format!(
                "[input] max_article_bytes = {max_article_bytes} must be between {MIN_ARTICLE_BYTES} and {MAX_ARTICLE_BYTES}"
            ),
        ));
    }
    let min_containment = file.duplicates.min_containment;
    if !(min_containment > 0.0 && min_containment <= 1.0) {
        return Err(src.at(
            "min_containment",
            format!(
                "[duplicates] min_containment = {min_containment} must be above 0 and at most 1"
            ),
        ));
    }
    if file.compare.top_terms == 0 {
        return Err(src.at("top_terms", "[compare] top_terms must be at least 1".into()));
    }
    Ok(())
}

/// `[select]`: dates as `YYYY-MM-DD`, known language codes, a query that parses and names
/// only topics and actors of the config.
fn check_select(file: &ConfigFile, src: &ConfigSource) -> Result<()> {
    let select = &file.select;
    for (key, value) in [
        ("published_from", &select.published_from),
        ("published_to", &select.published_to),
    ] {
        if let Some(day) = value {
            if crate::article::published_day(day).len() != 10 || day.len() != 10 {
                return Err(src.at(
                    key,
                    format!("[select] {key} = {day:?} must be a date, YYYY-MM-DD"),
                ));
            }
        }
    }
    if let (Some(from), Some(to)) = (&select.published_from, &select.published_to) {
        if from > to {
            return Err(src.at(
                "published_from",
                format!("[select] published_from {from} is after published_to {to}"),
            ));
        }
    }
    for code in &select.languages {
        src.check_code(code, format!("\"{code}\""), "[select] languages")?;
    }
    let Some(text) = &select.query else {
        return Ok(());
    };
    let query = crate::select::parse(text).map_err(|e| {
        src.at(
            "query",
            format!(
                "[select] query, at character {}: {} (in {text:?})",
                e.position, e.message
            ),
        )
    })?;
    let ids: Vec<String> = file.topics.iter().map(|t| t.id.clone()).collect();
    for (id, position) in query.ids() {
        if !ids.contains(id) {
            return Err(src.at(
                "query",
                format!(
                    "[select] query, at character {position}: unknown topic or actor id {id:?}{}",
                    suggest(id, &ids)
                ),
            ));
        }
    }
    Ok(())
}

/// Topic ids are unique and plain, every topic has terms in known languages; a missing label
/// becomes the id.
fn check_topics(topics: &mut [TopicSpec], src: &ConfigSource) -> Result<()> {
    let mut ids = BTreeSet::new();
    for topic in topics {
        let id = topic.id.clone();
        let quoted = format!("\"{id}\"");
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return Err(src.at(
                &quoted,
                format!("[[topics]] id {id:?}: use letters, digits, _ or -"),
            ));
        }
        if !ids.insert(id.clone()) {
            let second =
                nth_line_of(src.text, &quoted, 2).map(|l| format!("{}:{l}", src.path.display()));
            let place = second.unwrap_or_else(|| src.path.display().to_string());
            return Err(Error::config(format!(
                "{place}: [[topics]] id {id:?} is used twice"
            )));
        }
        for (code, terms) in &topic.terms {
            src.check_code(
                code,
                format!("terms.{code}"),
                &format!("topic {id:?} terms"),
            )?;
            if terms.iter().any(|t| t.trim().is_empty()) {
                return Err(src.at(
                    &quoted,
                    format!("topic {id:?}: an empty term in terms.{code}"),
                ));
            }
        }
        if topic.terms.values().all(Vec::is_empty) {
            return Err(src.at(&quoted, format!("topic {id:?} has no terms")));
        }
        if topic.label.is_empty() {
            topic.label = id;
        }
    }
    Ok(())
}

/// Inputs, sources and the output folder, relative paths resolved against the config's
/// folder (command-line paths are taken as given) and checked to exist.
/// `[input.presets]`, each path resolved against the config's folder and checked to exist.
fn resolve_presets(
    input: &InputSection,
    src: &ConfigSource,
    base: &Path,
) -> Result<Vec<(PathBuf, FieldNames)>> {
    let mut out = Vec::new();
    for (path, preset) in &input.presets {
        let full = base.join(path);
        let canonical = full.canonicalize().map_err(|e| {
            src.at(
                path,
                format!("[input.presets] \"{path}\": {} ({e})", full.display()),
            )
        })?;
        out.push((canonical, preset.applied_to(&input.fields)));
    }
    Ok(out)
}

fn resolve_paths(
    file: &mut ConfigFile,
    src: &ConfigSource,
    base: &Path,
    overrides: &Overrides,
) -> Result<(Vec<PathBuf>, Option<PathBuf>, PathBuf)> {
    let from_config = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        }
    };
    // The order inputs are listed in changes nothing (files are read in sorted order), so it
    // is normalized here too: the manifest stays the same for any order.
    if !overrides.inputs.is_empty() {
        file.run.inputs = overrides.inputs.clone();
    }
    file.run.inputs.sort();
    file.run.inputs.dedup();
    let inputs: Vec<PathBuf> = if overrides.inputs.is_empty() {
        file.run.inputs.iter().map(|p| from_config(p)).collect()
    } else {
        file.run.inputs.clone()
    };
    if inputs.is_empty() && !overrides.inputs_unused {
        return Err(src.at(
            "inputs",
            "[run] inputs is empty and no --input was given".into(),
        ));
    }
    for input in inputs.iter().filter(|_| !overrides.inputs_unused) {
        if std::fs::symlink_metadata(input).is_err() {
            return Err(src.at(
                "inputs",
                format!("input {} does not exist", input.display()),
            ));
        }
    }
    let sources = file.run.sources.as_deref().map(from_config);
    if let Some(s) = &sources {
        if !s.is_file() {
            return Err(src.at(
                "sources",
                format!("[run] sources: {} is not a file", s.display()),
            ));
        }
    }
    let output_dir = match &overrides.output {
        Some(dir) => dir.clone(),
        None => from_config(&file.run.output).join(&file.run.name),
    };
    Ok((inputs, sources, output_dir))
}

/// Parses config text; errors carry the line and, for a mistyped key, the nearest valid one.
pub fn parse(source: &str, path: &Path) -> Result<ConfigFile> {
    toml::from_str(source).map_err(|err| {
        let message = err.message().trim().to_string();
        let mut out = path.display().to_string();
        let mut key_at = None;
        if let Some(span) = err.span() {
            let line = source[..span.start.min(source.len())].matches('\n').count() + 1;
            let _ = write!(out, ":{line}");
            key_at = key_on_line(source, line);
        }
        let _ = write!(out, ": {message}");
        if let Some((unknown, expected)) = unknown_field(&message) {
            out.push_str(&suggest(&unknown, &expected));
        } else if let Some((key, section)) = key_at {
            // serde names the value's problem, not where it is: say which key holds it
            let _ = write!(out, " (key `{key}`{section})");
        }
        Error::config(out)
    })
}

/// The key assigned on a line of the config (`key = value`) and the section it is in.
fn key_on_line(source: &str, line: usize) -> Option<(String, String)> {
    let lines: Vec<&str> = source.lines().collect();
    let text = lines.get(line.checked_sub(1)?)?;
    let (key, _) = text.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || key.starts_with('[') {
        return None;
    }
    let section = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|l| format!(" in {l}"))
        .unwrap_or_default();
    Some((key.to_string(), section))
}

/// Pulls the key and the valid keys out of serde's "unknown field `x`, expected one of …".
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((unknown.to_string(), expected))
}

/// "; did you mean `x`?" when candidates are close enough to be likely typos (all of the
/// nearest, up to three).
fn suggest<S: AsRef<str>>(word: &str, candidates: &[S]) -> String {
    let scored: Vec<(usize, &str)> = candidates
        .iter()
        .map(|c| (strsim::levenshtein(word, c.as_ref()), c.as_ref()))
        .collect();
    let Some(best) = scored.iter().map(|s| s.0).min() else {
        return String::new();
    };
    if best > 2.max(word.chars().count() / 3) {
        return String::new();
    }
    let nearest: Vec<String> = scored
        .iter()
        .filter(|s| s.0 == best)
        .take(3)
        .map(|s| format!("`{}`", s.1))
        .collect();
    format!("; did you mean {}?", nearest.join(" or "))
}

fn line_of(source: &str, needle: &str) -> Option<usize> {
    nth_line_of(source, needle, 1)
}

fn nth_line_of(source: &str, needle: &str, n: usize) -> Option<usize> {
    source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(n - 1)
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(text: &str) -> Result<Settings> {
        let dir = std::env::temp_dir();
        let file = parse(text, Path::new("test.toml"))?;
        Settings::resolve(
            file,
            text,
            Path::new("test.toml"),
            &dir,
            &Overrides::default(),
        )
    }

    #[test]
    fn a_few_lines_are_enough() {
        let s = resolve("[run]\ninputs = [\".\"]\n").unwrap();
        assert_eq!(s.group_by, [GroupColumn::Outlet]);
        assert!(s.file.text.stem && s.file.text.stopwords);
        assert_eq!(s.file.compare.min_count, 5);
        assert!(s.output_dir.ends_with("output/newsprism"));
    }

    #[test]
    fn max_article_bytes_out_of_bounds_names_key_and_line() {
        let err =
            resolve("[run]\ninputs = [\".\"]\n[input]\nmax_article_bytes = 100\n").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(
            msg.starts_with("test.toml:4:") && msg.contains("[input] max_article_bytes = 100"),
            "{msg}"
        );
        let ok = resolve("[run]\ninputs = [\".\"]\n[input]\nmax_article_bytes = 1024\n");
        assert_eq!(ok.unwrap().file.input.max_article_bytes, 1024);
    }

    #[test]
    fn typo_names_key_line_and_suggestion() {
        let err = resolve("[run]\ninputs = [\".\"]\ngruop_by = [\"outlet\"]\n").unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.exit_code(), 2);
        assert!(msg.starts_with("test.toml:3:"), "{msg}");
        assert!(
            msg.contains("gruop_by") && msg.contains("did you mean `group_by`?"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_type_names_line() {
        let msg = resolve("[run]\ninputs = [\".\"]\n[text]\nstem = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("test.toml:4:"), "{msg}");
    }

    #[test]
    fn topic_errors() {
        let base = "[run]\ninputs = [\".\"]\n";
        let msg = resolve(&format!(
            "{base}[[topics]]\nid = \"a\"\nterms.xx = [\"b\"]\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            msg.contains("unknown language code \"xx\"") && msg.contains(":5:"),
            "{msg}"
        );
        let msg = resolve(&format!("{base}[[topics]]\nid = \"a\"\n"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("has no terms"), "{msg}");
        let dup = "[[topics]]\nid = \"a\"\nterms.en = [\"b\"]\n";
        let msg = resolve(&format!("{base}{dup}{dup}"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("used twice") && msg.contains(":7:"), "{msg}");
    }

    #[test]
    fn missing_input_and_bad_group() {
        let msg = resolve("[run]\ninputs = [\"/no/such/place\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("/no/such/place") && msg.contains(":2:"),
            "{msg}"
        );
        let msg = resolve("[run]\ninputs = [\".\"]\ngroup_by = [\"outlett\"]\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("did you mean `outlet`?"), "{msg}");
    }

    #[test]
    fn relative_paths_follow_the_config_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("articles")).unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, "[run]\nname = \"x\"\ninputs = [\"articles\"]\n").unwrap();
        let s = Settings::load(&cfg, &Overrides::default()).unwrap();
        assert_eq!(s.inputs, [dir.path().join("articles")]);
        assert_eq!(s.output_dir, dir.path().join("output").join("x"));
    }
}
