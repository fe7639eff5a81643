//! Main-text extraction scored on the repository's labelled pages (tests/data/extraction:
//! pages written for the repository that imitate real layouts, and the sample's web pages),
//! the way trafilatura's evaluation scores extractors: each `with` snippet found in the
//! extracted text is a true positive, missing a false negative; each `without` snippet found
//! is a false positive. Whitespace differences are ignored.
//!
//!     cargo test --release --test extraction -- --nocapture   # prints the figures

mod common;

use common::repo;
use newsprism::ingest::html::PageRecord;
use newsprism::ingest::Record;

fn normalized(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn labelled_pages_are_extracted_with_their_text_and_without_their_boilerplate() {
    let labels: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/data/extraction/labels.json")).unwrap(),
    )
    .unwrap();
    let (mut tp, mut fn_, mut fp, mut tn) = (0u32, 0u32, 0u32, 0u32);
    let mut misses = Vec::new();
    for (path, label) in labels["pages"].as_object().unwrap() {
        let bytes = std::fs::read(repo().join(path)).unwrap();
        let page = PageRecord {
            file: path.clone(),
            source: path.clone(),
            bytes,
            transport_charset: label["http_charset"].as_str().map(str::to_string),
            ..PageRecord::default()
        };
        let Record::Article(article) = page.into_record() else {
            panic!("{path}: no article extracted");
        };
        let text = normalized(&article.text);
        for snippet in label["with"].as_array().unwrap() {
            if text.contains(&normalized(snippet.as_str().unwrap())) {
                tp += 1;
            } else {
                fn_ += 1;
                misses.push(format!("{path}: missing {snippet}"));
            }
        }
        for snippet in label["without"].as_array().unwrap() {
            if text.contains(&normalized(snippet.as_str().unwrap())) {
                fp += 1;
                misses.push(format!("{path}: kept {snippet}"));
            } else {
                tn += 1;
            }
        }
    }
    let precision = f64::from(tp) / f64::from(tp + fp);
    let recall = f64::from(tp) / f64::from(tp + fn_);
    let f1 = 2.0 * precision * recall / (precision + recall);
    println!(
        "{} pages, {} snippets: F1 {f1:.3}, precision {precision:.3}, recall {recall:.3}",
        labels["pages"].as_object().unwrap().len(),
        tp + fn_ + fp + tn
    );
    for miss in &misses {
        println!("  {miss}");
    }
    // every snippet of these pages is right today; a change that loses one says which
    assert!(misses.is_empty(), "{misses:#?}");
}
