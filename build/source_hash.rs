// The fingerprint of the code and data that decide an article's analysis, shared by build.rs
// (which compiles it into newsprism) and the test that checks it (src/cache.rs). Kept free of
// dependencies: build.rs would otherwise compile its own copy of a hashing crate.

/// Files and folders (walked recursively) whose bytes decide the detected language.
pub const LANGUAGE_SOURCES: &[&str] = &["src/language"];
/// Files and folders whose bytes decide the analysis of a text in a known language.
pub const ANALYSIS_SOURCES: &[&str] = &["src/analyze", "src/topics.rs", "src/article.rs"];
/// Crates whose code decides the same, by the version Cargo.lock pins.
pub const LANGUAGE_CRATES: &[&str] = &["whatlang"];
pub const ANALYSIS_CRATES: &[&str] = &["rust-stemmers", "stop-words", "unicode-segmentation"];

/// Every file under `roots` (relative to `base`), sorted, with its relative path.
pub fn source_files(base: &std::path::Path, roots: &[&str]) -> Vec<(String, std::path::PathBuf)> {
    fn walk(dir: &std::path::Path, rel: &str, out: &mut Vec<(String, std::path::PathBuf)>) {
        if dir.is_file() {
            out.push((rel.to_string(), dir.to_path_buf()));
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            walk(&entry.path(), &format!("{rel}/{name}"), out);
        }
    }
    let mut out = Vec::new();
    for root in roots {
        walk(&base.join(root), root, &mut out);
    }
    out.sort();
    out
}

/// FNV-1a over 128 bits of each file's path and bytes and of the crates' locked versions, as
/// hex: stable across Rust versions and platforms, unlike std's hasher.
pub fn source_hash(base: &std::path::Path, roots: &[&str], crates: &[&str]) -> String {
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    let mut feed = |bytes: &[u8]| {
        for b in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            h ^= u128::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for (rel, path) in source_files(base, roots) {
        feed(rel.as_bytes());
        feed(&std::fs::read(path).unwrap_or_default());
    }
    let lock = std::fs::read_to_string(base.join("Cargo.lock")).unwrap_or_default();
    for name in crates {
        feed(name.as_bytes());
        feed(locked_version(&lock, name).as_bytes());
    }
    format!("{h:032x}")
}

/// The version of `name` in Cargo.lock's text ("" if absent).
pub fn locked_version(lock: &str, name: &str) -> String {
    let needle = format!("name = \"{name}\"\nversion = \"");
    lock.find(&needle)
        .and_then(|at| {
            let rest = &lock[at + needle.len()..];
            rest.find('"').map(|end| rest[..end].to_string())
        })
        .unwrap_or_default()
}
