"""Search benchmark: the real search service against a LIKE '%q%' scan.

    .venv/bin/python bench/search.py                 # SQLite: 1k, 10k, 100k paragraphs
    .venv/bin/python bench/search.py --sizes 1000    # quicker
    .venv/bin/python bench/search.py --pg postgres://postgres@127.0.0.1:5432/x
                                                     # also PostgreSQL (the database
                                                     # "x_bench" is created and dropped)
    .venv/bin/python bench/search.py --sizes 100000 --pg URL --keep
    .venv/bin/python bench/search.py --sizes 100000 --pg URL --reuse --no-sqlite
                                                     # keep "x_bench", then time it
                                                     # again without rebuilding (new
                                                     # migrations are applied to it)

Corpora are synthesised deterministically from the bundled column: each paragraph is
2-8 of its sentences (shuffled) plus 4-10 rare words from jieba's dictionary, so the
theory vocabulary is dense (新质生产力 in ~40% of paragraphs: a pessimistic case for
ranking) and the rare words occur in a handful. Each size is a fresh database built by
the migrations; the index is built by the same code as `rebuild_search_index`.

Timed per query: `articles.search.search()` as the results page calls it (parse,
segment, count, top-20 by bm25/ts_rank, visibility, snippets with <mark>) against
`SELECT count(*) … WHERE text LIKE '%q%'` (every needle) on the same paragraphs.
Recall and precision compare every hit id with the LIKE scan's ids.
The last line sums up the largest SQLite run.
"""

import argparse
import gc
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = [
    "治理",
    "基层治理",
    "新质生产力",
    "枫桥经验",
    "千万工程",
    "基层治理 枫桥经验",
    '"文化传承发展"',
    "善作善成",
    "区委",
    "量子纠缠态",  # no hits
]
RARE = 4


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyhub.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()


def seed_sentences() -> list[str]:
    from articles.importer import parse_document
    from articles.search import normalize

    seed = ROOT / "articles" / "demo" / "tianjin_column.txt"
    parsed = parse_document(seed.read_bytes(), seed.name)
    sentences = []
    for article in parsed.articles:
        for paragraph in article.paragraphs:
            for sentence in re.split(r"(?<=[。！？；])", normalize(paragraph.text)):
                if len(sentence) >= 8:
                    sentences.append(sentence)
    return sentences


def rare_words(rng: random.Random, count: int) -> list[str]:
    from articles.search.tokenizer import preload

    words = [
        w
        for w, f in preload().frequencies.items()
        if 0 < f < 20 and 2 <= len(w) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", w)
    ]
    words.sort()
    return rng.sample(words, count)


def synthesise(size: int, sentences: list[str], vocabulary: list[str]) -> list[str]:
    rng = random.Random(size)
    paragraphs = []
    for _ in range(size):
        picked = rng.sample(sentences, rng.randint(2, 8))
        tail = "、".join(rng.choice(vocabulary) for _ in range(rng.randint(4, 10)))
        paragraphs.append("".join(picked) + tail + "。")
    return paragraphs


def build(paragraphs: list[str]) -> tuple[float, object]:
    from accounts.models import Member
    from articles.models import Article, Paragraph
    from articles.search import rebuild_index

    Article.objects.all().delete()
    articles = Article.objects.bulk_create(
        Article(title=f"合成材料第{i}篇", byline=f"第{i}组", status="published")
        for i in range(0, len(paragraphs), 10)
    )
    Paragraph.objects.bulk_create(
        Paragraph(article=articles[i // 10], position=i, text=text)
        for i, text in enumerate(paragraphs)
    )
    member, _created = Member.objects.get_or_create(
        username="bench", defaults={"display_name": "测试"}
    )
    started = time.perf_counter()
    rebuild_index()
    return time.perf_counter() - started, member


def index_size_mb() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sum(pgsize) FROM dbstat "
                "WHERE name LIKE 'articles_searchdocument_fts%'"
            )
        else:
            cursor.execute(
                # The GIN index and the two columns kept for it (migration 0004).
                "SELECT pg_relation_size('articles_searchdocument_recall_gin') "
                "+ (SELECT sum(pg_column_size(runs) + pg_column_size(words_tsv)) "
                "FROM articles_searchdocument)"
            )
        return (cursor.fetchone()[0] or 0) / 1e6


def like_scan(needles) -> tuple[float, set[int]]:
    from django.db import connection

    where = " AND ".join(["text LIKE %s"] * len(needles))
    params = [f"%{n}%" for n in needles]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM articles_paragraph WHERE {where}", params)
        cursor.fetchone()
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM articles_paragraph WHERE {where}", params)
        ids = {row[0] for row in cursor.fetchall()}
    return elapsed, ids


def all_hit_ids(member, query) -> set[int]:
    from articles.search import get_segmenter, parse_query
    from articles.search.backends import get_backend
    from articles.search.kinds import visible_to

    parsed = parse_query(query)
    words = [get_segmenter().words(n) for n in parsed.needles]
    ranked = get_backend().ranked(
        parsed, words, visible_to(member, ["paragraph"]), 10**6, 0
    )
    from articles.models import SearchDocument

    return set(
        SearchDocument.objects.filter(pk__in=ranked.ids).values_list(
            "object_id", flat=True
        )
    )


def reusable(size: int):
    """The bench member when the database already holds an index of ``size``
    paragraphs built by an earlier run, else None."""
    from accounts.models import Member
    from articles.models import Paragraph, SearchDocument

    if (
        Paragraph.objects.count() == size
        and SearchDocument.objects.filter(kind="paragraph").count() == size
    ):
        return Member.objects.filter(username="bench").first()
    return None


def run(
    size: int, reps: int, sentences, vocabulary, label: str, reuse: bool = False
) -> dict:
    from django.db import connection

    from articles import search

    member = reusable(size) if reuse else None
    if member is not None:
        build_s = float("nan")
    else:
        build_s, member = build(synthesise(size, sentences, vocabulary))
        # Measure as a web worker would run the search: without the build's garbage
        # in this process and on a connection of its own.
        gc.collect()
        connection.close()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    queries = QUERIES + vocabulary[:RARE]
    times, scans, per_query = [], [], {}
    found_total = truth_total = hit_total = 0
    for query in queries:
        parsed = search.parse_query(query)
        search.search(member, query)  # warm
        query_times = []
        for _ in range(reps):
            started = time.perf_counter()
            results = search.search(member, query, kinds=["paragraph"])
            str([hit.snippet for hit in results.hits])
            query_times.append(time.perf_counter() - started)
            scan_s, truth = like_scan(parsed.needles)
            scans.append(scan_s)
        times.extend(query_times)
        hits = all_hit_ids(member, query)
        found_total += len(hits & truth)
        truth_total += len(truth)
        hit_total += len(hits)
        per_query[query] = (statistics.median(query_times) * 1000, len(truth))
    p50 = statistics.median(times) * 1000
    p95 = statistics.quantiles(times, n=20)[-1] * 1000
    scan_p50 = statistics.median(scans) * 1000
    figures = {
        "label": label,
        "paragraphs": size,
        "p50_ms": p50,
        "p95_ms": p95,
        "scan_p50_ms": scan_p50,
        "scan_p95_ms": statistics.quantiles(scans, n=20)[-1] * 1000,
        "speedup": scan_p50 / p50,
        "recall": found_total / truth_total if truth_total else 1.0,
        "precision": found_total / hit_total if hit_total else 1.0,
        "build_s": build_s,
        "index_mb": index_size_mb(),
    }
    print(
        f"[{label}] paragraphs={size} build_s={build_s:.1f} "
        f"index_mb={figures['index_mb']:.1f} p50_ms={p50:.2f} p95_ms={p95:.2f} "
        f"scan_p50_ms={scan_p50:.2f} scan_p95_ms={figures['scan_p95_ms']:.2f} "
        f"speedup={figures['speedup']:.1f} recall={figures['recall']:.3f} "
        f"precision={figures['precision']:.3f}",
        flush=True,
    )
    for query, (median, count) in per_query.items():
        print(f"    {query:<16} p50_ms={median:7.2f} matches={count}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--pg", help="PostgreSQL URL; '<its name>_bench' is used")
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--reps", type=int, default=0, help="repetitions per query")
    parser.add_argument(
        "--keep", action="store_true", help="keep the PostgreSQL bench database"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use the kept PostgreSQL bench database as it is when it holds an index "
        "of the (single) size asked for; build_s is then nan",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.reuse and len(sizes) != 1:
        parser.error("--reuse needs a single size")

    if args.database:  # one backend, in a child process
        setup_django(args.database)
        measure(sizes, args.reps, args.database.split(":")[0], args.reuse)
        return
    results = []
    if not args.no_sqlite:
        workdir = Path(tempfile.mkdtemp(prefix="studyhub-bench-"))
        setup_django(f"sqlite:///{workdir / 'bench.sqlite3'}")
        results = measure(sizes, args.reps, "sqlite")
    if args.pg:
        url = _bench_names(args.pg)[2] if args.reuse else _recreate_pg(args.pg)
        command = [sys.executable, __file__, "--database", url, "--sizes", args.sizes]
        if args.reps:
            command += ["--reps", str(args.reps)]
        if args.reuse:
            command.append("--reuse")
        subprocess.run(command, check=True)
        if not (args.keep or args.reuse):
            _drop_pg(args.pg)
    if not results:
        return
    largest = max(results, key=lambda r: r["paragraphs"])
    print(
        f"paragraphs={largest['paragraphs']} p50_ms={largest['p50_ms']:.2f} "
        f"p95_ms={largest['p95_ms']:.2f} scan_p50_ms={largest['scan_p50_ms']:.2f} "
        f"speedup={largest['speedup']:.1f} recall={largest['recall']:.3f}"
    )


def measure(sizes: list[int], reps: int, label: str, reuse: bool = False) -> list[dict]:
    from django.core.management import call_command

    from articles.search import preload

    call_command("migrate", verbosity=0)
    preload()
    sentences = seed_sentences()
    vocabulary = rare_words(random.Random(5), 400)
    return [
        run(
            size,
            reps or (20 if size <= 10_000 else 8),
            sentences,
            vocabulary,
            label,
            reuse,
        )
        for size in sizes
    ]


def _bench_names(url: str) -> tuple[str, str, str]:
    base, name = url.rstrip("/").rsplit("/", 1)
    return f"{base}/postgres", f"{name}_bench", f"{base}/{name}_bench"


def _recreate_pg(url: str) -> str:
    import psycopg

    admin_url, name, bench_url = _bench_names(url)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return bench_url


def _drop_pg(url: str) -> None:
    import psycopg

    admin_url, name, _bench_url = _bench_names(url)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
