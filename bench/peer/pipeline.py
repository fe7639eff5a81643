#!/usr/bin/env python3
"""The reference pipeline newsprism's speed is quoted against: the same job written the way a
researcher would write it in Python, with the usual libraries.

Per article: language by pycld2 (CLD2, C++), words by the `regex` module's Unicode \\w+,
lowercase, stopwords from the stop-words package, Snowball stems from PyStemmer (C), term and
topic counts per outlet. Articles are analysed in worker processes (multiprocessing), and the
tables are built and written with polars.

    python3 -m venv /tmp/peer && /tmp/peer/bin/pip install -r bench/peer/requirements.txt
    /tmp/peer/bin/python bench/peer/pipeline.py --input CORPUS_DIR --out /tmp/peer-out --workers 2

bench/run.sh sets this up and runs it beside newsprism on the same corpus.
"""
import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from multiprocessing import Pool

import polars as pl
import pycld2
import regex
import Stemmer
import stop_words

WORDS = regex.compile(r"\w+")
CHUNK = 500
# ISO 639-1 → the name PyStemmer and stop-words use
NAMES = {
    "ar": "arabic", "bg": "bulgarian", "ca": "catalan", "cs": "czech", "da": "danish",
    "de": "german", "el": "greek", "en": "english", "es": "spanish", "fa": "persian",
    "fi": "finnish", "fr": "french", "he": "hebrew", "hi": "hindi", "hu": "hungarian",
    "id": "indonesian", "it": "italian", "nb": "norwegian", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "uk": "ukrainian", "vi": "vietnamese",
}
# three topics of the meeting, in five languages; stemmed like the text they are matched in
LEXICON = {
    "syria": {"en": ["syria", "syrian", "idlib"], "fr": ["syrie", "syrien", "idleb"],
              "ru": ["сирия", "сирийский", "идлиб"], "de": ["syrien", "syrisch"],
              "es": ["siria", "sirio"]},
    "ukraine": {"en": ["ukraine", "minsk"], "fr": ["ukraine", "minsk"],
                "ru": ["украина", "минск"], "de": ["ukraine", "minsk"],
                "es": ["ucrania", "minsk"]},
    "sanctions": {"en": ["sanctions"], "fr": ["sanctions"], "ru": ["санкции"],
                  "de": ["sanktionen"], "es": ["sanciones"]},
}


class Language:
    """What one language needs, built once per worker process and language."""

    _built = {}

    def __init__(self, code):
        name = NAMES.get(code)
        try:
            self.stemmer = Stemmer.Stemmer(name) if name else None
        except KeyError:
            self.stemmer = None
        try:
            self.stopwords = frozenset(stop_words.get_stop_words(name)) if name else frozenset()
        except Exception:  # the package raises its own error for a language it lacks
            self.stopwords = frozenset()
        self.topics = {topic: {self.stem(t) for t in terms.get(code, [])}
                       for topic, terms in LEXICON.items()}

    def stem(self, word):
        return self.stemmer.stemWord(word) if self.stemmer else word

    def stems(self, words):
        return self.stemmer.stemWords(words) if self.stemmer else words

    @classmethod
    def of(cls, code):
        if code not in cls._built:
            cls._built[code] = cls(code)
        return cls._built[code]


def detect(text):
    try:
        return pycld2.detect(text[:4000])[2][0][1]
    except pycld2.error:
        return "un"


def analyse_chunk(articles):
    terms_by_outlet = defaultdict(Counter)
    article_rows, topic_rows = [], []
    for a in articles:
        text = a["title"] + "\n" + a["text"]
        code = detect(text)
        lang = Language.of(code)
        words = [w for w in WORDS.findall(text.lower()) if w not in lang.stopwords]
        counts = Counter(lang.stems(words))
        terms_by_outlet[a["outlet"]].update(counts)
        article_rows.append((a["id"], a["outlet"], code, len(words)))
        for topic, stems in lang.topics.items():
            topic_rows.append((a["id"], a["outlet"], topic, sum(counts[s] for s in stems)))
    return terms_by_outlet, article_rows, topic_rows


def chunks(folder):
    chunk = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            for line in f:
                chunk.append(json.loads(line))
                if len(chunk) == CHUNK:
                    yield chunk
                    chunk = []
    if chunk:
        yield chunk


def write_tables(out, terms_by_outlet, article_rows, topic_rows):
    os.makedirs(out, exist_ok=True)
    articles = pl.DataFrame(article_rows, schema=["id", "outlet", "language", "tokens"], orient="row")
    articles.sort("id").write_csv(os.path.join(out, "articles.csv"))
    words = articles.group_by("outlet").agg(pl.col("tokens").sum())
    terms = pl.DataFrame(
        [(outlet, term, n) for outlet, c in terms_by_outlet.items() for term, n in c.items()],
        schema=["outlet", "term", "count"], orient="row",
    )
    terms = terms.join(words, on="outlet").with_columns(per_1k=pl.col("count") * 1000 / pl.col("tokens"))
    terms.sort(["outlet", "count"], descending=[False, True]).write_csv(os.path.join(out, "terms_by_outlet.csv"))
    topics = (
        pl.DataFrame(topic_rows, schema=["id", "outlet", "topic", "hits"], orient="row")
        .group_by(["outlet", "topic"])
        .agg(pl.col("hits").sum(), (pl.col("hits") > 0).sum().alias("articles_mentioning"))
        .join(words, on="outlet")
        .with_columns(per_1k=pl.col("hits") * 1000 / pl.col("tokens"))
    )
    topics.sort(["outlet", "topic"]).write_csv(os.path.join(out, "topics_by_outlet.csv"))
    topics.pivot(on="outlet", index="topic", values="per_1k").write_csv(os.path.join(out, "topic_comparison.csv"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True, help="a folder of .jsonl files")
    ap.add_argument("--out", required=True)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    args = ap.parse_args()
    started = time.time()
    terms_by_outlet = defaultdict(Counter)
    article_rows, topic_rows = [], []
    with Pool(args.workers) as pool:
        for terms, articles, topics in pool.imap_unordered(analyse_chunk, chunks(args.input)):
            for outlet, counts in terms.items():
                terms_by_outlet[outlet].update(counts)
            article_rows.extend(articles)
            topic_rows.extend(topics)
    write_tables(args.out, terms_by_outlet, article_rows, topic_rows)
    print(f"{len(article_rows)} articles in {time.time() - started:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
