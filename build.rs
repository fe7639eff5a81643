//! Compiles the fingerprint of the analysis code and data into newsprism, so that the
//! analysis cache of a nightly run is invalidated by an upgrade that changes how a text is
//! analysed, although the package version stays the same.

use std::path::Path;

include!("build/source_hash.rs");

fn main() {
    // read when the script runs, not when it is compiled: Cargo shares one compiled build
    // script between checkouts that share a target folder (its hash leaves the path out), so
    // a path baked in at compile time could hash another checkout's sources
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("Cargo sets CARGO_MANIFEST_DIR");
    let base = Path::new(&manifest_dir);
    for root in LANGUAGE_SOURCES.iter().chain(ANALYSIS_SOURCES) {
        // a folder: Cargo reruns when any file below it changes
        println!("cargo:rerun-if-changed={root}");
    }
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build/source_hash.rs");
    println!(
        "cargo:rustc-env=NEWSPRISM_LANGUAGE_SOURCES_HASH={}",
        source_hash(base, LANGUAGE_SOURCES, LANGUAGE_CRATES)
    );
    println!(
        "cargo:rustc-env=NEWSPRISM_ANALYSIS_SOURCES_HASH={}",
        source_hash(base, ANALYSIS_SOURCES, ANALYSIS_CRATES)
    );
}
