#!/usr/bin/env bash
# Near-duplicate detection: quality against exact containment and cost, from the repository
# alone.
#
#   bench/duplicates.sh                     # quality on 10,000 articles, cost on 100,000
#   QUALITY=2000 COST=20000 bench/duplicates.sh
#   QUALITY=0 bench/duplicates.sh           # cost only
#
# Quality: tests/duplicates.rs on a make-corpus corpus with --copies 0.15 (copy recall,
# cluster recall, precision against a brute-force exact answer). Cost: a corpus of COST
# articles run with [duplicates] enabled = false and true, alternating, RUNS times each
# (default 3), 2 threads: wall seconds, the manifest's phases, peak RSS, and the medians.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-/tmp/newsprism-bench}"
quality="${QUALITY:-10000}"
cost="${COST:-100000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/newsprism-target}"
mkdir -p "$work"
cd "$here"

if [ "$quality" != 0 ]; then
  echo "quality, $quality articles with --copies 0.15:"
  NEWSPRISM_DUPLICATES_ARTICLES="$quality" cargo test --release --quiet --test duplicates \
    clusters_agree_with_exact_containment -- --nocapture 2>&1 | grep "articles:"
fi

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
done
# the two settings alternate, RUNS times each: this machine's speed drifts, and a pair run
# back to back sees the same drift
: > "$work/cost.txt"
for run in $(seq "${RUNS:-3}"); do
  for enabled in false true; do
    rm -rf "$work/out/dup-$enabled"
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$bin" run --config "$work/dup-$enabled.toml" --threads 2 --quiet
    read -r wall rss < "$work/time.txt"
    python3 - "$work/out/dup-$enabled/manifest.json" "$enabled" "$wall" "$rss" "$run" >> "$work/cost.txt" <<'PY'
import json, sys
phase = json.load(open(sys.argv[1], encoding="utf-8"))["seconds_by_phase"]
print(sys.argv[5], sys.argv[2], sys.argv[3], phase["read_and_analyse"],
      phase["statistics_and_tables"], int(sys.argv[4]) // 1024)
PY
  done
done
python3 - "$work/cost.txt" "$cost" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
by = {"false": [], "true": []}
for run, enabled, wall, analyse, tail, rss in rows:
    by[enabled].append((float(wall), float(analyse), float(tail), int(rss)))
    print(f"run {run} duplicates enabled={enabled}: {float(wall):.2f} s wall ({float(analyse):.2f} s "
          f"reading and analysing, {float(tail):.2f} s detection, statistics and tables), "
          f"peak RSS {rss} MB")
ratios = [t[0] / f[0] for f, t in zip(by["false"], by["true"])]
med = {k: [statistics.median(x[i] for x in v) for i in range(4)] for k, v in by.items()}
print(f"{sys.argv[2]} articles, 2 threads, medians of {len(ratios)}: "
      f"{med['false'][0]:.2f} s without detection, {med['true'][0]:.2f} s with: "
      f"{med['true'][0] / med['false'][0]:.3f}x (pairwise ratios "
      f"{', '.join(f'{r:.3f}' for r in ratios)}); peak RSS {med['false'][3]:.0f} -> "
      f"{med['true'][3]:.0f} MB (+{med['true'][3] - med['false'][3]:.0f} MB)")
PY
