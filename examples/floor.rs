//! The floor of bench/run.sh: the least any tool does with a JSONL corpus before it can
//! count words — parse every line, split title and text into UAX #29 words and lowercase them —
//! in parallel, nothing else. newsprism's wall time is quoted as a multiple of this one's.
//!
//!     cargo run --release --example floor -- --threads 2 CORPUS_DIR
//!
//! Prints the articles and words it saw (so that none of the work can be optimized away).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::Deserialize;
use unicode_segmentation::UnicodeSegmentation;

#[derive(Deserialize)]
struct Article<'a> {
    #[serde(borrow, default)]
    title: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    text: std::borrow::Cow<'a, str>,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut threads = 1;
    let mut dir = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => threads = args.next().and_then(|n| n.parse().ok()).unwrap_or(1),
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let dir = dir.expect("usage: floor [--threads N] CORPUS_DIR");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("a folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("threads");
    let articles = AtomicU64::new(0);
    let words = AtomicU64::new(0);
    pool.install(|| {
        files.par_iter().for_each(|file| {
            let reader = BufReader::with_capacity(1 << 16, std::fs::File::open(file).unwrap());
            let lines: Vec<String> = reader.lines().map_while(Result::ok).collect();
            lines.par_chunks(256).for_each(|chunk| {
                let mut lower = String::new();
                let mut n = 0u64;
                for line in chunk {
                    let Ok(a) = serde_json::from_str::<Article>(line) else {
                        continue;
                    };
                    for word in a.title.unicode_words().chain(a.text.unicode_words()) {
                        lower.clear();
                        lower.extend(word.chars().flat_map(char::to_lowercase));
                        n += lower.len() as u64 & 1; // used, so kept
                        n += 1 << 32;
                    }
                }
                articles.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                words.fetch_add(n >> 32, Ordering::Relaxed);
            });
        });
    });
    println!(
        "floor: {} articles, {} words",
        articles.load(Ordering::Relaxed),
        words.load(Ordering::Relaxed)
    );
}
