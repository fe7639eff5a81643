#!/usr/bin/env bash
# Near-duplicate detection: quality against exact containment and cost, from the repository
# alone.
#
#   bench/duplicates.sh                     # quality on 10,000 articles, cost on 100,000
#   QUALITY=2000 COST=20000 bench/duplicates.sh
#
# Quality: tests/duplicates.rs on a make-corpus corpus with --copies 0.15 (copy recall,
# cluster recall, precision against a brute-force exact answer). Cost: the same corpus size
# run with [duplicates] enabled = true and false, one after the other, 2 threads: wall
# seconds, the manifest's phases and peak RSS.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-/tmp/newsprism-bench}"
quality="${QUALITY:-10000}"
cost="${COST:-100000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/newsprism-target}"
mkdir -p "$work"
cd "$here"

echo "quality, $quality articles with --copies 0.15:"
NEWSPRISM_DUPLICATES_ARTICLES="$quality" cargo test --release --quiet --test duplicates \
  clusters_agree_with_exact_containment -- --nocapture 2>&1 | grep "articles:"

cargo build --release --quiet --bins
bin="$CARGO_TARGET_DIR/release/newsprism"
corpus="$work/dup-corpus-$cost"
if [ ! -f "$corpus.done" ]; then
  rm -rf "$corpus"
  "$CARGO_TARGET_DIR/release/make-corpus" --out "$corpus" --articles "$cost" --copies 0.15 > /dev/null
  mkdir -p "$corpus.meta"
  mv "$corpus"/*.csv "$corpus.meta/"
  touch "$corpus.done"
fi
for enabled in false true; do
  cat > "$work/dup-$enabled.toml" <<TOML
[run]
name = "dup-$enabled"
inputs = ["$corpus"]
output = "$work/out"
cache = false

[duplicates]
enabled = $enabled
TOML
  rm -rf "$work/out/dup-$enabled"
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" run --config "$work/dup-$enabled.toml" --threads 2 --quiet
  read -r wall rss < "$work/time.txt"
  python3 - "$work/out/dup-$enabled/manifest.json" "$enabled" "$wall" "$rss" <<'PY'
import json, sys
phase = json.load(open(sys.argv[1], encoding="utf-8"))["seconds_by_phase"]
print(f"duplicates enabled={sys.argv[2]}: {float(sys.argv[3]):.2f} s wall "
      f"({phase['read_and_analyse']:.2f} s reading and analysing, {phase['statistics_and_tables']:.2f} s "
      f"detection, statistics and tables), peak RSS {int(sys.argv[4]) / 1024:.0f} MB")
PY
done
