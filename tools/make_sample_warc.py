#!/usr/bin/env python3
"""Builds data/articles/crawl/sample.warc.gz, the sample's web archive, from the pages in
data/warc-source/ (written for this repository, invented outlets).

The archive is laid out as Common Crawl's news crawl (CC-NEWS) writes one: WARC/1.0, one
gzip member per record, a `warcinfo` record first, then for each page a `request` and a
`response` record (HTTP status line and headers, then the page). It also holds what a real
crawl holds besides pages, so that newsprism's skipping is exercised: an image response, a
redirect and a `metadata` record. The Russian page is in KOI8-R and declares it only in the
HTTP `Content-Type` header, as many 2017-era sites did.

Deterministic (fixed dates, record ids derived from the URLs, gzip mtime 0), so rerunning it
changes nothing:

    python3 tools/make_sample_warc.py
"""
import gzip
import io
import os
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SOURCE = os.path.join(REPO, "data", "warc-source")
OUT = os.path.join(REPO, "data", "articles", "crawl", "sample.warc.gz")

# page file, its URL, the crawler's fetch time, the HTTP Content-Type it was served with
PAGES = [
    ("kyivskyi-poshtar.html", "https://kyivskyi-poshtar.example/svit/2017/09/18/lavrov-tillerson",
     "2017-09-18T09:12:40Z", "text/html; charset=utf-8"),
    ("baltiysky-listok.html", "http://baltiysky-listok.example/news/2017/09/18/vstrecha.html",
     "2017-09-18T10:03:05Z", "text/html; charset=koi8-r"),
]


def record_id(name):
    return "<urn:uuid:%s>" % uuid.uuid5(uuid.NAMESPACE_URL, name)


def record(kind, headers, block):
    lines = ["WARC/1.0", "WARC-Type: " + kind]
    lines += ["%s: %s" % kv for kv in headers]
    lines.append("Content-Length: %d" % len(block))
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return head + block + b"\r\n\r\n"


def http_response(status, content_type, body, extra=()):
    lines = ["HTTP/1.1 " + status, "Content-Type: " + content_type, "Content-Length: %d" % len(body)]
    lines += ["%s: %s" % kv for kv in extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def http_request(url):
    host = url.split("/")[2]
    path = "/" + url.split("/", 3)[3]
    return ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sample-crawler/1.0\r\n\r\n" % (path, host)).encode("ascii")


def main():
    records = []
    info = b"software: tools/make_sample_warc.py\r\nformat: WARC File Format 1.0\r\n" \
           b"description: sample archive written for the newsprism repository; the outlets are invented\r\n"
    records.append(record("warcinfo", [("WARC-Date", "2017-09-18T09:00:00Z"),
                                       ("WARC-Record-ID", record_id("warcinfo")),
                                       ("Content-Type", "application/warc-fields")], info))
    for name, url, date, content_type in PAGES:
        with open(os.path.join(SOURCE, name), "rb") as f:
            body = f.read()
        records.append(record("request", [("WARC-Target-URI", url), ("WARC-Date", date),
                                          ("WARC-Record-ID", record_id("request " + url)),
                                          ("Content-Type", "application/http; msgtype=request")],
                              http_request(url)))
        records.append(record("response", [("WARC-Target-URI", url), ("WARC-Date", date),
                                           ("WARC-Record-ID", record_id(url)),
                                           ("Content-Type", "application/http; msgtype=response")],
                              http_response("200 OK", content_type, body)))
    image = "https://kyivskyi-poshtar.example/img/un-headquarters.jpg"
    records.append(record("response", [("WARC-Target-URI", image), ("WARC-Date", "2017-09-18T09:12:41Z"),
                                       ("WARC-Record-ID", record_id(image)),
                                       ("Content-Type", "application/http; msgtype=response")],
                          http_response("200 OK", "image/jpeg", b"\xff\xd8\xff\xe0 not a real picture \xff\xd9")))
    moved = "http://baltiysky-listok.example/news/vstrecha"
    records.append(record("response", [("WARC-Target-URI", moved), ("WARC-Date", "2017-09-18T10:03:04Z"),
                                       ("WARC-Record-ID", record_id(moved)),
                                       ("Content-Type", "application/http; msgtype=response")],
                          http_response("301 Moved Permanently", "text/html", b"",
                                        [("Location", PAGES[1][1])])))
    records.append(record("metadata", [("WARC-Target-URI", PAGES[0][1]), ("WARC-Date", "2017-09-18T09:12:40Z"),
                                       ("WARC-Record-ID", record_id("metadata " + PAGES[0][1])),
                                       ("Content-Type", "application/warc-fields")],
                          b"fetchTimeMs: 212\r\n"))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as out:
        for r in records:
            member = io.BytesIO()
            with gzip.GzipFile(fileobj=member, mode="wb", mtime=0, filename="") as gz:
                gz.write(r)
            out.write(member.getvalue())
    print("wrote %s: %d records" % (os.path.relpath(OUT, REPO), len(records)))


if __name__ == "__main__":
    main()
