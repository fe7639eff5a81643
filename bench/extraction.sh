#!/usr/bin/env bash
# Main-text extraction scored on a labelled development set of real web pages, laid out as
# trafilatura's evaluation set is: DIR/pages/*.html(.gz), DIR/evaldata.json (per page, the
# snippets its main text must and must not contain) and DIR/evaluate.py (precision, recall
# and F1 over all snippets). The pages stay outside the repository (they belong to their
# publishers); the repository's own labelled pages are scored by
# `cargo test --release --test extraction`.
#
#     bash bench/extraction.sh DIR
#     bash bench/extraction.sh          # DIR = ../shared/extraction beside the checkout, if there
#
# Prints the F1 line of evaluate.py and the wall time of `newsprism extract` over the pages
# (all cores); per-core speed: NEWSPRISM_EXTRACTION_PAGES=DIR/pages cargo bench --bench analysis
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$repo/../shared/extraction}
if [ ! -f "$dir/evaluate.py" ]; then
  echo "usage: bash bench/extraction.sh DIR (with pages/, evaldata.json, evaluate.py); $dir has none" >&2
  exit 2
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/newsprism-target}
(cd "$repo" && cargo build --release --quiet)
bin=$CARGO_TARGET_DIR/release/newsprism
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bytes=$(du -sb "$dir/pages" | cut -f1)
start=$(date +%s.%N)
"$bin" extract "$dir/pages" > "$out/extracted.jsonl" 2> "$out/stderr.txt"
end=$(date +%s.%N)
tail -1 "$out/stderr.txt"
python3 "$dir/evaluate.py" "$out/extracted.jsonl"
awk -v s="$start" -v e="$end" -v b="$bytes" -v t="$(nproc)" \
  'BEGIN { printf "newsprism extract: %.2f s wall on %d threads (%.1f MB of files on disk)\n", e - s, t, b / 1e6 }'
