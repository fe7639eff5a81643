#!/usr/bin/env python3
"""Writes the NTREX-128 subset that tests/data/ntrex carries (a maintainer's tool; the tests
and benchmarks only read its output).

    python3 tools/vendor_ntrex.py SOURCE_DIR   # SOURCE_DIR: NTREX regrouped, one <code>.jsonl a language

Keeps the first DOCS documents of each language (the same doc_ids in every language, so the
subset stays aligned across languages) and writes them gzipped with a zero timestamp, so the
same source gives byte-identical files.
"""
import gzip
import json
import os
import sys

DOCS = 40
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "data", "ntrex")


def main():
    source = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    codes = sorted(f[: -len(".jsonl")] for f in os.listdir(source) if f.endswith(".jsonl"))
    for code in codes:
        with open(os.path.join(source, code + ".jsonl"), encoding="utf-8") as f:
            docs = [json.loads(line) for line in f if line.strip()][:DOCS]
        body = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs).encode("utf-8")
        with open(os.path.join(OUT, code + ".jsonl.gz"), "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
                gz.write(body)
        print(f"{code}: {len(docs)} documents, {len(body)} bytes")


if __name__ == "__main__":
    main()
