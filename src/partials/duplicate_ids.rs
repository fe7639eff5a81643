//! An id of the input names one article per outlet. One run keeps the first article of an
//! (outlet, id) in file order and rejects every later one as it reads it, before any analysis
//! (`ingest::read_all`). Shards do not see each other's articles, so each counted its own
//! first; `compare` settles it as one run would: each later one is read again from its file
//! (the path its shard's manifest names, checked against the file's SHA-256), analysed again
//! with the same config, taken out of the sums and the article rows, and listed as rejected
//! with the reason one run gives.
//!
//! Contexts are kept per group and topic, the first few by a fixed order; taking a later
//! article's context out can let in one its shard did not keep. When that may be so, the
//! partials are refused rather than give a contexts.csv one run would not.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::article::{ArticleStep, Context, Scratch};
use crate::article_rows::RowField;
use crate::counts::Counts;
use crate::error::{Error, Result};
use crate::ingest::{self, IngestOptions, Rejection};

use super::Read;

/// One (outlet, id) that more than one shard read, with every source it was read at.
#[derive(Debug)]
pub struct Clash {
    outlet: String,
    id: String,
    sources: Vec<String>,
}

/// The (outlet, id)s of the input that more than one article row (counted or excluded)
/// holds; within a shard that cannot happen, so each is an id read by more than one shard.
pub fn find(counts: &Counts) -> Vec<Clash> {
    let rows = counts
        .articles
        .iter()
        .filter(|a| a.id_from_input())
        .map(|a| (a.get(RowField::Outlet), a.id(), a.source().to_cow()))
        .chain(counts.excluded.iter().filter(|e| e.id_from_input).map(|e| {
            (
                e.outlet.as_str(),
                e.article_id.as_str(),
                Cow::Borrowed(e.source.as_str()),
            )
        }));
    let mut seen: FxHashMap<(&str, &str), Vec<Cow<str>>> = FxHashMap::default();
    for (outlet, id, source) in rows {
        seen.entry((outlet, id)).or_default().push(source);
    }
    let mut clashes: Vec<Clash> = seen
        .into_iter()
        .filter(|(_, sources)| sources.len() > 1)
        .map(|((outlet, id), sources)| Clash {
            outlet: outlet.to_string(),
            id: id.to_string(),
            sources: sources.into_iter().map(Cow::into_owned).collect(),
        })
        .collect();
    clashes.sort_by(|a, b| (&a.outlet, &a.id).cmp(&(&b.outlet, &b.id)));
    clashes
}

/// A later article to take out, and the first it repeats.
struct Later {
    source: String,
    first: String,
    outlet: String,
    id: String,
}

/// Where a file was read: its position in the run's order, its path on its shard's machine,
/// its digest, its shard.
struct FileAt {
    order: usize,
    path: PathBuf,
    sha256: String,
    shard: usize,
}

pub fn settle(read: &mut Read, step: &ArticleStep, opts: &IngestOptions) -> Result<()> {
    let files = files_of(read);
    let position = |source: &str| -> (usize, u64) {
        let (file, line) = file_of(source, &files);
        (file.map_or(usize::MAX, |f| files[f].order), line)
    };
    // the first in file order stays; each later one goes
    let mut later: Vec<Later> = Vec::new();
    for clash in std::mem::take(&mut read.clashes) {
        let mut sources = clash.sources;
        sources.sort_by_key(|s| position(s));
        for source in &sources[1..] {
            later.push(Later {
                source: source.clone(),
                first: sources[0].clone(),
                outlet: clash.outlet.clone(),
                id: clash.id.clone(),
            });
        }
    }
    let mut by_file: BTreeMap<&str, Vec<&Later>> = BTreeMap::new();
    for l in &later {
        let (file, _) = file_of(&l.source, &files);
        let file = file.ok_or_else(|| {
            Error::config(format!(
                "duplicate id `{}` of outlet `{}`: {} is in no shard's list of inputs",
                l.id, l.outlet, l.source
            ))
        })?;
        by_file.entry(file).or_default().push(l);
    }

    let counts = &mut read.partial.counts;
    let mut scratch = Scratch::default();
    // the later ones' sources, and the reasons naming them as a first that now name the first
    let mut gone: FxHashSet<&str> = FxHashSet::default();
    let mut renamed: FxHashMap<String, String> = FxHashMap::default();
    for (display, laters) in by_file {
        let file = &files[display];
        let wanted: FxHashSet<&str> = laters.iter().map(|l| l.source.as_str()).collect();
        let (articles, sha256) = ingest::reread(&file.path, display, opts, &|s| wanted.contains(s));
        if sha256 != file.sha256 || articles.len() != laters.len() {
            return Err(Error::config(format!(
                "duplicate id `{}` of outlet `{}` read by two shards: to take the later one out as one run would, {} must be readable here as its shard read it ({}); make it so, or remove the duplicate from the input",
                laters[0].id,
                laters[0].outlet,
                file.path.display(),
                if sha256.is_empty() { "it cannot be read" } else { "it has changed" }
            )));
        }
        for mut raw in articles {
            let l = laters
                .iter()
                .find(|l| l.source == raw.source)
                .expect("wanted");
            let reason = ingest::duplicate_id_reason(&l.id, &l.outlet, &l.first);
            let rejection = Rejection::article(display, raw.line(), &reason, raw.title.as_bytes());
            let processed = step.process(&mut raw, &mut scratch);
            if processed.excluded.is_none() {
                let vocabulary = scratch.vocabulary();
                let removed = counts.groups.get_mut(&processed.group).is_some_and(|g| {
                    g.remove_tally(scratch.tally(), &|id| {
                        counts.vocabulary.find(vocabulary.get(id))
                    })
                });
                if !removed {
                    return Err(Error::config(format!(
                        "{}: analysed here, the article differs from its shard's analysis (another newsprism build?)",
                        l.source
                    )));
                }
                if counts.groups[&processed.group].articles == 0 {
                    counts.groups.remove(&processed.group);
                }
            }
            // a third read of the id, rejected by the later one's shard, names the first too
            renamed.insert(
                ingest::duplicate_id_reason(&l.id, &l.outlet, &l.source),
                reason,
            );
            counts.rejected.push(rejection);
            if let Some(report) = read.partial.reports.get_mut(file.order) {
                report.articles -= 1;
                report.rejected_articles += 1;
            }
            gone.insert(&l.source);
        }
    }
    counts
        .articles
        .retain(|a| !gone.contains(&*a.source().to_cow()));
    counts
        .excluded
        .retain(|e| !gone.contains(e.source.as_str()));
    for r in &mut counts.rejected {
        if let Some(reason) = renamed.get(&r.reason) {
            r.reason = reason.clone();
        }
    }
    // the later ones' contexts go, noted with the shard that kept them
    let (taken, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut read.contexts)
        .into_iter()
        .partition(|(_, c)| gone.contains(c.source.as_str()));
    read.contexts = kept;
    let taken: Vec<(Vec<String>, Context, usize)> = taken
        .into_iter()
        .filter_map(|(key, c)| {
            let shard = file_of(&c.source, &files).0.map(|f| files[f].shard)?;
            Some((key, c, shard))
        })
        .collect();
    check_contexts(read, &files, &taken)
}

/// Each file of the shards, by its display name.
fn files_of(read: &Read) -> FxHashMap<String, FileAt> {
    let order: FxHashMap<&str, usize> = read
        .partial
        .reports
        .iter()
        .enumerate()
        .map(|(i, r)| (r.file.as_str(), i))
        .collect();
    let mut files = FxHashMap::default();
    for (shard, m) in read.manifests.iter().enumerate() {
        for input in &m.inputs {
            files.insert(
                input.report.file.clone(),
                FileAt {
                    order: order
                        .get(input.report.file.as_str())
                        .copied()
                        .unwrap_or(usize::MAX),
                    path: input.path.clone(),
                    sha256: input.report.sha256.clone(),
                    shard,
                },
            );
        }
    }
    files
}

/// The file (display name) of an article's source, `file` or `file:line`, and its line.
fn file_of<'a>(source: &str, files: &'a FxHashMap<String, FileAt>) -> (Option<&'a str>, u64) {
    if let Some((name, _)) = files.get_key_value(source) {
        return (Some(name), 0);
    }
    match source.rsplit_once(':') {
        Some((file, line)) => match (files.get_key_value(file), line.parse()) {
            (Some((name, _)), Ok(line)) => (Some(name), line),
            _ => (None, 0),
        },
        None => (None, 0),
    }
}

/// Whether the contexts left, cut to the run's number per group and topic, are those one run
/// keeps. A shard kept its first `keep` of each (by [`Context`]'s order) and dropped the rest,
/// all after its last kept. Where a taken-out context leaves a shard that had kept `keep`
/// short, one it dropped could belong among the first `keep` left, unless the shard's last
/// kept still ranks after the new `keep`-th: otherwise the partials are refused.
fn check_contexts(
    read: &Read,
    files: &FxHashMap<String, FileAt>,
    taken: &[(Vec<String>, Context, usize)],
) -> Result<()> {
    let keep = read.partial.counts.contexts_per_topic;
    let mut by_place: BTreeMap<(&Vec<String>, u32, usize), Vec<&Context>> = BTreeMap::new();
    for (key, c, shard) in taken {
        by_place.entry((key, c.topic, *shard)).or_default().push(c);
    }
    let shard_of = |c: &Context| file_of(&c.source, files).0.map(|f| files[f].shard);
    for ((key, topic, shard), removed) in by_place {
        let mut left: Vec<&Context> = read
            .contexts
            .iter()
            .filter(|(k, c)| k == key && c.topic == topic)
            .map(|(_, c)| c)
            .collect();
        left.sort();
        let mut kept_before: Vec<&Context> = left
            .iter()
            .copied()
            .filter(|c| shard_of(c) == Some(shard))
            .chain(removed)
            .collect();
        if !still_the_first(&left, &mut kept_before, keep) {
            return Err(Error::config(format!(
                "a duplicate id read by two shards was taken out, and contexts.csv for group {} could then need a context its shard did not keep: put the files of each outlet into one shard, or remove the duplicate from the input",
                key.join(" / ")
            )));
        }
    }
    Ok(())
}

/// Whether the first `keep` of `left` (sorted; every shard's kept contexts but those taken
/// out) are the first `keep` of all, given that one shard kept `kept_before` of its own (those
/// taken out included) and dropped only ones after them.
fn still_the_first(left: &[&Context], kept_before: &mut [&Context], keep: usize) -> bool {
    if kept_before.len() < keep {
        return true; // the shard dropped none
    }
    kept_before.sort();
    match (left.get(keep.wrapping_sub(1)), kept_before.last()) {
        (Some(new_last), Some(shard_last)) => shard_last >= new_last,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(rank: u32) -> Context {
        Context {
            rank,
            spread: 0,
            article_id: String::new(),
            source: format!("f.jsonl:{rank}"),
            part: 1,
            start: 0,
            topic: 0,
            language: "en",
            left: String::new(),
            matched: String::new(),
            right: String::new(),
        }
    }

    #[test]
    fn a_taken_out_context_is_replaced_only_when_the_shard_dropped_none_that_could_fill_in() {
        let c: Vec<Context> = (0..10).map(context).collect();
        // keep 2. Shard A kept 1 and 5 (dropped some after 5); 1 was taken out. B kept 2, 3.
        // Left: 2, 3, 5: the first two, 2 and 3, rank before A's last kept (5): exact.
        let left = [&c[2], &c[3], &c[5]];
        assert!(still_the_first(&left, &mut [&c[5], &c[1]], 2));
        // A kept 1 and 2 and dropped some after 2; 1 was taken out; B kept 4 and 6. Left 2, 4,
        // 6: A's dropped 3 would rank before 4: not provable, refused.
        let left = [&c[2], &c[4], &c[6]];
        assert!(!still_the_first(&left, &mut [&c[2], &c[1]], 2));
        // A kept only 1 (fewer than 2: it dropped none): whatever is left is exact
        assert!(still_the_first(&[&c[4]], &mut [&c[1]], 2));
        // fewer left than keep, and A may have dropped some: refused
        assert!(!still_the_first(&[&c[2]], &mut [&c[1], &c[2]], 2));
    }
}
