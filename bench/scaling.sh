#!/usr/bin/env bash
# One `newsprism run` against the Spark job of scale/ in local mode, on the same files, in one
# run, alternating; then `cmp` of every table and report.html (docs/scaling.md quotes it).
#
#   bench/scaling.sh                          # 100,000 articles, 4 shards, local[2], twice
#   ARTICLES=20000 SHARDS=8 ROUNDS=1 bench/scaling.sh
#
# Needs Python with pyspark ($NEWSPRISM_SPARK_PYTHON, else the venv .ci/run makes in
# ~/.cache/newsprism-spark/venv) and Java. The corpus is make-corpus's (20 JSONL files of 5,000
# articles, 10 % wire copies); the config is the shipped one with its cache off (a rerun of an
# archive, not a nightly run). Work files go to $BENCH_DIR (default /tmp/newsprism-scaling).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-/tmp/newsprism-scaling}"
articles="${ARTICLES:-100000}"
shards="${SHARDS:-4}"
rounds="${ROUNDS:-2}"
python="${NEWSPRISM_SPARK_PYTHON:-$HOME/.cache/newsprism-spark/venv/bin/python}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/newsprism-target}"
export SPARK_LOCAL_IP=127.0.0.1
"$python" -c "import pyspark" || { echo "no pyspark in $python (see .ci/run)" >&2; exit 1; }

(cd "$here" && cargo build --release --quiet --bins)
bin="$CARGO_TARGET_DIR/release/newsprism"
rm -rf "$work" && mkdir -p "$work"
"$CARGO_TARGET_DIR/release/make-corpus" --out "$work/corpus" --articles "$articles" \
  --copies 0.1 --per-file 5000 > /dev/null
mv "$work/corpus/truth.csv" "$work/corpus/copies.csv" "$work/corpus/sources.csv" "$work/"
ls -d "$work"/corpus/*.jsonl > "$work/all.txt"
sed -e "s|^name = \(.*\)|name = \1\ncache = false|" \
    -e "s|inputs = \[\"data/articles\"\]|inputs = [\"$work/corpus\"]|" \
    -e "s|sources = \"data/sources.csv\"|sources = \"$work/sources.csv\"|" \
    -e "s|\"data/articles/news-please\" =|\"$here/data/articles/news-please\" =|" \
    "$here/config.toml" > "$work/config.toml"

for round in $(seq "$rounds"); do
  /usr/bin/time -f "one run: %e s wall, %M KB peak RSS" \
    "$bin" run -q --config "$work/config.toml" --inputs-from "$work/all.txt" -o "$work/single-$round" \
    2>&1 | grep -v "^newsprism: warning"
  /usr/bin/time -f "Spark job, local[2], $shards shards: %e s wall" \
    "$python" "$here/scale/newsprism_spark.py" --master "local[2]" --shards "$shards" \
    --config "$work/config.toml" --inputs "$work/all.txt" --work "$work/spark-work-$round" \
    --output "$work/spark-$round" --newsprism "$bin" 2>&1 | grep -v "^newsprism: warning"
  for f in "$work/single-$round"/*.csv "$work/single-$round/report.html"; do
    cmp -s "$f" "$work/spark-$round/$(basename "$f")" || echo "DIFFERS: $(basename "$f")"
  done
  echo "round $round: every table compared"
done
