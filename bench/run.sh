#!/usr/bin/env bash
# Side-by-side benchmark: newsprism against the Python reference pipeline (bench/peer), on
# corpora built from the NTREX-128 documents in tests/data/ntrex by our `make-corpus`.
# Needs only the repository, the Rust toolchain and python3 (the peer is installed into a venv
# from PyPI on first use).
#
#   bench/run.sh                      # 10k and 100k articles, 1 and 2 threads
#   SIZES="10000" THREADS="2" bench/run.sh
#
# For each corpus size and thread count it runs `newsprism run` (full run, cache off) and
# then the peer with the same number of workers, then the floor (examples/floor.rs: parse the
# JSONL, split and lowercase the words, nothing else), one after the other, and prints
# articles/s, MB/s of JSONL read, wall and CPU seconds, peak RSS, the speed ratio to the peer
# and newsprism's wall time as a multiple of the floor's. It also prints
# newsprism's language-detection agreement with the corpus's truth.csv.
# Work files go to $BENCH_DIR (default /tmp/newsprism-bench): corpora, the peer's venv, outputs.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-/tmp/newsprism-bench}"
sizes="${SIZES:-10000 100000}"
threads="${THREADS:-1 2}"
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

measure() { # label, then the command; appends "label wall cpu rss_kb" to $results
  local label="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" > "$work/last.log" 2>&1 \
    || { echo "failed: $*" >&2; cat "$work/last.log" >&2; exit 1; }
  read -r wall user sys rss < "$work/time.txt"
  echo "$label $wall $(awk "BEGIN { print $user + $sys }") $rss" >> "$results"
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
  python3 - "$corpus.truth.csv" "$work/out/bench-$n/articles.csv" <<'PY'
import csv, sys
truth = {r["id"]: r["language"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
agree = sum(truth[r["article_id"]] == r["language"] for r in rows)
print(f"language detection on {len(rows)} articles: {100 * agree / len(rows):.2f} % agree with truth.csv")
PY
done

python3 - "$results" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"{'tool':<10} {'articles':>9} {'threads':>7} {'wall s':>8} {'cpu s':>8} {'art/s':>9} {'MB/s':>7} {'RSS MB':>7} {'vs peer':>8} {'x floor':>8}")
peer = {(r[1], r[2]): float(r[4]) for r in rows if r[0] == "peer"}
floor = {(r[1], r[2]): float(r[4]) for r in rows if r[0] == "floor"}
for tool, n, t, nbytes, wall, cpu, rss in rows:
    wall, cpu = float(wall), float(cpu)
    ratio = f"{peer[(n, t)] / wall:.1f}x" if tool == "newsprism" else ""
    of_floor = f"{wall / floor[(n, t)]:.1f}" if tool == "newsprism" else ""
    print(f"{tool:<10} {n:>9} {t:>7} {wall:>8.2f} {cpu:>8.2f} {int(n) / wall:>9.0f} {int(nbytes) / wall / 1e6:>7.1f} {int(rss) / 1024:>7.0f} {ratio:>8} {of_floor:>8}")
news = {(r[1], r[2]): float(r[4]) for r in rows if r[0] == "newsprism"}
for n in sorted({k[0] for k in news}, key=int):
    if (n, "1") in news and (n, "2") in news:
        print(f"newsprism {n} articles: 1 -> 2 threads {news[(n, '1')] / news[(n, '2')]:.2f}x")
PY
