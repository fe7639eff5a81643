"""newsprism on Apache Spark: the inputs split over executors, their sums added by Spark SQL.

    spark-submit scale/newsprism_spark.py --config config.toml --inputs files.txt \
        --shards 400 --work /shared/newsprism-work --output /shared/run-2026-11-27

1. The driver reads the list of input files (one path a line) and deals them into --shards
   lists of about equal size (largest file first, to the lightest list).
2. One Spark task per list runs `newsprism run --partials` on it: each executor analyses its
   files and writes its partial counts (typed Parquet) under --work/shards/.
3. Spark SQL sums the partial tables: every sum table is grouped by its text columns with
   SUM of its integer columns (the shuffle happens in Spark, between executors, not on the
   driver); the per-article tables are concatenated. The result goes to --work/summed/.
4. The driver runs `newsprism compare --partials --work/summed` once: statistics, the tables,
   report.html and manifest.json, exactly as one `newsprism run` on every input would write
   them.

The binary: `--newsprism PATH` on every node, or shipped with the job
(`spark-submit --files target/release/newsprism …`, found through SparkFiles). The inputs
and --work must be paths that every executor and the driver can read and write (a shared
mount: NFS, a mounted bucket); newsprism reads local paths.

Only the Python standard library and PySpark are used.
"""

import argparse
import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

# Kept in step with src/partials.rs: tables summed by their text keys, tables concatenated.
SUM_TABLES = [
    "group_totals",
    "group_topics",
    "group_languages",
    "group_terms",
    "group_surfaces",
]
ROW_TABLES = ["articles", "contexts", "rejected", "excluded"]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", required=True, help="the config every shard and compare use")
    p.add_argument("--inputs", required=True, help="a file listing the input files, one a line")
    p.add_argument("--shards", type=int, required=True, help="how many lists to deal the files into")
    p.add_argument("--work", required=True, help="a shared folder for the partial counts")
    p.add_argument("--output", required=True, help="where compare writes the tables")
    p.add_argument("--newsprism", help="the newsprism binary on every node (default: shipped with --files)")
    p.add_argument("--threads-per-task", type=int, default=1, help="newsprism -j in each task")
    p.add_argument("--master", help="Spark master when not run by spark-submit (e.g. local[2])")
    p.add_argument("--summary", help="write the stages' timings here as JSON")
    return p.parse_args(argv)


def read_inputs(path):
    with open(path, encoding="utf-8") as f:
        lines = [l.strip() for l in f]
    return [os.path.abspath(l) for l in lines if l and not l.startswith("#")]


def deal(files, shards):
    """Files into `shards` lists of about equal bytes: largest first, to the lightest list.
    Deterministic for the same files and sizes."""
    sized = sorted(((os.path.getsize(f), f) for f in files), key=lambda x: (-x[0], x[1]))
    lists = [[] for _ in range(shards)]
    loads = [0] * shards
    for size, f in sized:
        k = min(range(shards), key=lambda i: (loads[i], i))
        lists[k].append(f)
        loads[k] += size
    return [sorted(l) for l in lists if l]


def binary(explicit):
    if explicit:
        return explicit
    from pyspark import SparkFiles

    path = SparkFiles.get("newsprism")
    mode = os.stat(path).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(path, mode | stat.S_IXUSR)
    return path


def run_shard(task, newsprism, config, work, threads):
    """One executor's share: `newsprism run --partials` on its list."""
    k, files = task
    lists = os.path.join(work, "lists")
    os.makedirs(lists, exist_ok=True)
    listed = os.path.join(lists, f"shard-{k:05}.txt")
    with open(listed, "w", encoding="utf-8") as f:
        f.write("".join(p + "\n" for p in files))
    out = os.path.join(work, "shards", f"shard-{k:05}")
    started = time.monotonic()
    done = subprocess.run(
        [binary(newsprism), "run", "--config", config, "--inputs-from", listed,
         "--partials", out, "--quiet", "-j", str(threads)],
        capture_output=True,
        text=True,
    )
    return {
        "shard": k,
        "files": len(files),
        "exit": done.returncode,
        "stderr": done.stderr[-4000:],
        "seconds": round(time.monotonic() - started, 3),
    }


def sum_tables(spark, work, summed):
    """Spark SQL: each sum table grouped by its text columns; the others concatenated."""
    shards = sorted(glob.glob(os.path.join(work, "shards", "shard-*")))
    for name in SUM_TABLES + ROW_TABLES:
        parts = spark.read.parquet(*[os.path.join(s, f"{name}.parquet") for s in shards])
        if name in SUM_TABLES:
            keys = [f.name for f in parts.schema.fields if isinstance(f.dataType, T.StringType)]
            sums = [f.name for f in parts.schema.fields if f.name not in keys]
            parts = parts.groupBy(*keys).agg(*[F.sum(c).alias(c) for c in sums])
        parts.write.mode("overwrite").parquet(os.path.join(summed, f"{name}.parquet"))


def main(argv):
    args = parse_args(argv)
    config = os.path.abspath(args.config)
    work = os.path.abspath(args.work)
    summed = os.path.join(work, "summed")
    files = read_inputs(args.inputs)
    if not files:
        sys.exit(f"newsprism_spark: {args.inputs} lists no files")
    # newsprism names an article by its file's name (`name.jsonl:12`): names must not repeat
    names = {}
    for f in files:
        names.setdefault(os.path.basename(f), []).append(f)
    repeated = [paths for paths in names.values() if len(paths) > 1]
    if repeated:
        sys.exit(f"newsprism_spark: files share a name, so their articles could not be told apart: {repeated[0]} (and {len(repeated) - 1} more names)")
    lists = deal(files, args.shards)

    builder = SparkSession.builder.appName("newsprism")
    if args.master:
        builder = builder.master(args.master)
        if args.master.startswith("local"):
            # the tasks' Python is this one (a cluster sets PYSPARK_PYTHON or its image does)
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            # one machine: talk to nothing but loopback
            builder = (
                builder.config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
            )
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    timings = {}

    started = time.monotonic()
    for old in (os.path.join(work, "shards"), summed, os.path.join(work, "lists")):
        shutil.rmtree(old, ignore_errors=True)
    newsprism = args.newsprism and os.path.abspath(args.newsprism)
    threads = args.threads_per_task
    results = (
        spark.sparkContext.parallelize(list(enumerate(lists)), len(lists))
        .map(lambda task: run_shard(task, newsprism, config, work, threads))
        .collect()
    )
    failed = [r for r in results if r["exit"] != 0]
    for r in failed:
        print(f"newsprism_spark: shard {r['shard']} failed (exit {r['exit']}):\n{r['stderr']}", file=sys.stderr)
    if failed:
        spark.stop()
        sys.exit(1)
    timings["partials"] = round(time.monotonic() - started, 3)
    timings["partials_per_shard"] = sorted(r["seconds"] for r in results)

    started = time.monotonic()
    sum_tables(spark, work, summed)
    manifests = os.path.join(summed, "manifests")
    os.makedirs(manifests, exist_ok=True)
    for r in results:
        name = f"shard-{r['shard']:05}"
        shutil.copy(os.path.join(work, "shards", name, "manifest.json"), os.path.join(manifests, f"{name}.json"))
    timings["spark_sum"] = round(time.monotonic() - started, 3)
    driver_binary = binary(newsprism)
    spark.stop()

    started = time.monotonic()
    compare = [driver_binary, "compare", "--config", config, "--quiet",
               "--partials", summed, "--output", os.path.abspath(args.output)]
    done = subprocess.run(compare)
    if done.returncode != 0:
        sys.exit(done.returncode)
    timings["compare"] = round(time.monotonic() - started, 3)
    timings["shards"] = len(lists)
    if args.summary:
        with open(args.summary, "w", encoding="utf-8") as f:
            json.dump(timings, f, indent=1)
    print(f"newsprism_spark: {len(files)} files in {len(lists)} shards; {json.dumps(timings)}")


if __name__ == "__main__":
    main(sys.argv[1:])
