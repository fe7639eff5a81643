#!/usr/bin/env bash
# Side-by-side benchmark: newsprism against the Python reference pipeline (bench/peer), on
# corpora built from the NTREX-128 documents in tests/data/ntrex by our `make-corpus`.
# Needs only the repository, the Rust toolchain and python3 (the peer is installed into a venv
# from PyPI on first use).
#
#   bench/run.sh                      # 10k and 100k articles, 1 and 2 threads
#   SIZES="10000" THREADS="2" bench/run.sh
#   ROUNDS=3 bench/run.sh             # every measurement three times, interleaved
#
# For each corpus size and thread count it runs `newsprism run` (full run, cache off) and
# then the peer with the same number of workers, then the floor (examples/floor.rs: parse the
# JSONL, split and lowercase the words, nothing else), one after the other, and prints
# articles/s, MB/s of JSONL read, wall and CPU seconds, peak RSS, the speed ratio to the peer
# and newsprism's wall time as a multiple of the floor's. It also prints
# newsprism's language-detection agreement with the corpus's truth.csv.
# Work files go to $BENCH_DIR (default /tmp/newsprism-bench): corpora, the peer's venv, outputs.
#
# A shared VM's speed drifts by a third over minutes, more than most differences measured
# here: with ROUNDS > 1 each round runs every thread count of a size once more, one after the
# other, and every ratio (to the peer, to the floor, 1 -> 2 threads) is taken within a round,
# from runs seconds apart, and reported as the median over rounds, with each round's figure
# and their range (peak RSS, which does not drift, is compared between sizes round by round
# too).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-/tmp/newsprism-bench}"
sizes="${SIZES:-10000 100000}"
threads="${THREADS:-1 2}"
rounds="${ROUNDS:-1}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/newsprism-target}"
mkdir -p "$work"

(cd "$here" && cargo build --release --quiet --bins --example floor)
bin="$CARGO_TARGET_DIR/release/newsprism"
make_corpus="$CARGO_TARGET_DIR/release/make-corpus"
floor="$CARGO_TARGET_DIR/release/examples/floor"

if [ ! -x "$work/peer-venv/bin/python" ]; then
  echo "setting up the peer's venv in $work/peer-venv …" >&2
  python3 -m venv "$work/peer-venv"
  "$work/peer-venv/bin/pip" install --quiet -r "$here/bench/peer/requirements.txt"
fi
peer_python="$work/peer-venv/bin/python"

measure() { # label, then the command; appends "label round wall cpu rss_kb" to $results
  local label="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" > "$work/last.log" 2>&1 \
    || { echo "failed: $*" >&2; cat "$work/last.log" >&2; exit 1; }
  read -r wall user sys rss < "$work/time.txt"
  echo "$label $round $wall $(awk "BEGIN { print $user + $sys }") $rss" >> "$results"
}

results="$work/results.txt"
: > "$results"
printf '%s\n' "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
for n in $sizes; do
  corpus="$work/corpus-$n"
  if [ ! -f "$corpus.truth.csv" ]; then
    rm -rf "$corpus"
    "$make_corpus" --out "$corpus" --articles "$n" > /dev/null
    mv "$corpus/truth.csv" "$corpus.truth.csv"
    mv "$corpus/sources.csv" "$corpus.sources.csv"
  fi
  bytes=$(cat "$corpus"/*.jsonl | wc -c)
  # the shipped config.toml's language, text, compare and topic settings, with a [run] section
  # pointing at the corpus
  { cat <<TOML
[run]
name = "bench-$n"
inputs = ["$corpus"]
sources = "$corpus.sources.csv"
output = "$work/out"
cache = false

TOML
    sed -n '/^\[language\]/,$p' "$here/config.toml"
  } > "$work/bench-$n.toml"
  for round in $(seq "$rounds"); do
    for t in $threads; do
      rm -rf "$work/out/bench-$n" "$work/peer-out"
      measure "newsprism $n $t $bytes" "$bin" run --config "$work/bench-$n.toml" --threads "$t" --quiet
      python3 - "$work/out/bench-$n/manifest.json" "$n" "$t" <<'PY'
import json, sys
phase = json.load(open(sys.argv[1], encoding="utf-8"))["seconds_by_phase"]
print(f"newsprism, {sys.argv[2]} articles, {sys.argv[3]} threads: {phase['read_and_analyse']:.2f} s reading and analysing, "
      f"{phase['statistics_and_tables']:.2f} s statistics and tables")
PY
      measure "peer $n $t $bytes" "$peer_python" "$here/bench/peer/pipeline.py" --input "$corpus" --out "$work/peer-out" --workers "$t"
      measure "floor $n $t $bytes" "$floor" --threads "$t" "$corpus"
    done
  done
  python3 - "$corpus.truth.csv" "$work/out/bench-$n/articles.csv" <<'PY'
import csv, sys
truth = {r["id"]: r["language"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
agree = sum(truth[r["article_id"]] == r["language"] for r in rows)
print(f"language detection on {len(rows)} articles: {100 * agree / len(rows):.2f} % agree with truth.csv")
PY
done

python3 - "$results" "$rounds" <<'PY'
import sys
from collections import defaultdict
from statistics import median
rows = [l.split() for l in open(sys.argv[1])]
rounds = int(sys.argv[2])
# (tool, articles, threads) -> round -> (wall, cpu, rss MB), and bytes per size
runs = defaultdict(dict)
size_bytes = {}
for tool, n, t, nbytes, r, wall, cpu, rss in rows:
    runs[(tool, n, t)][r] = (float(wall), float(cpu), int(rss) / 1024)
    size_bytes[n] = int(nbytes)

def round_by_round(a, b, f):
    """f(a's run, b's run) for each round both keys ran, in round order"""
    both = sorted(set(runs.get(a, {})) & set(runs.get(b, {})), key=int)
    return [f(runs[a][r], runs[b][r]) for r in both]

def per_round(a, b, f):
    """median over the rounds both keys ran of f(a's run, b's run)"""
    values = round_by_round(a, b, f)
    return median(values) if values else None

def spread(values):
    """each round's figure and their range, for a median near a threshold"""
    return " ".join(f"{v:.2f}" for v in values) + f" (range {min(values):.2f}-{max(values):.2f})"

print(f"medians of {rounds} round(s); ratios taken within a round")
print(f"{'tool':<10} {'articles':>9} {'threads':>7} {'wall s':>8} {'cpu s':>8} {'art/s':>9} {'MB/s':>7} {'RSS MB':>7} {'vs peer':>8} {'x floor':>8}")
for (tool, n, t), by_round in runs.items():
    wall = median(v[0] for v in by_round.values())
    cpu = median(v[1] for v in by_round.values())
    rss = median(v[2] for v in by_round.values())
    ratio = of_floor = ""
    if tool == "newsprism":
        ratio = f"{per_round(('peer', n, t), (tool, n, t), lambda p, x: p[0] / x[0]):.2f}x"
        of_floor = f"{per_round((tool, n, t), ('floor', n, t), lambda x, f: x[0] / f[0]):.2f}"
    print(f"{tool:<10} {n:>9} {t:>7} {wall:>8.2f} {cpu:>8.2f} {int(n) / wall:>9.0f} {size_bytes[n] / wall / 1e6:>7.1f} {rss:>7.0f} {ratio:>8} {of_floor:>8}")
sizes = sorted({k[1] for k in runs}, key=int)
if rounds > 1:
    print("round by round:")
    for (tool, n, t) in runs:
        if tool != "newsprism":
            continue
        vs_peer = round_by_round(("peer", n, t), (tool, n, t), lambda p, x: p[0] / x[0])
        of_floor = round_by_round((tool, n, t), ("floor", n, t), lambda x, f: x[0] / f[0])
        if vs_peer:
            print(f"  {n} articles, {t} threads, vs peer: {spread(vs_peer)}")
        if of_floor:
            print(f"  {n} articles, {t} threads, x floor: {spread(of_floor)}")
for n in sizes:
    for tool in ("newsprism", "floor"):
        s = per_round((tool, n, "1"), (tool, n, "2"), lambda a, b: a[0] / b[0])
        if s is not None:
            print(f"{tool} {n} articles: 1 -> 2 threads {s:.2f}x")
            if rounds > 1:
                by_round = round_by_round((tool, n, "1"), (tool, n, "2"), lambda a, b: a[0] / b[0])
                print(f"  round by round: {spread(by_round)}")
if len(sizes) > 1:
    small, large = sizes[0], sizes[-1]
    for t in sorted({k[2] for k in runs}, key=int):
        s = per_round(("newsprism", large, t), ("newsprism", small, t), lambda a, b: a[2] / b[2])
        if s is not None:
            print(f"newsprism peak RSS, {large} / {small} articles, {t} threads: {s:.2f}x")
PY
