"""How the reader's render time and query count grow with annotations.

Standalone: sets up Django on a temporary SQLite database, migrates it, builds one
bundled article with 0, 100 and 1,000 group annotations (themes and replies on some),
renders the reader through the test client several times as a group member, and
prints the median render time, its ratio to the article without annotations, and
the query count, cold, warm and after one write through the services (the read
that follows an annotation or a reply). Ends with one summary line:

    queries_0=… queries_1000=… render_ratio_1000=…

Run: .venv/bin/python bench/reader.py [--repeat 7]
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    # The default cache (files), in the run's own folder; CACHE_URL=redis://…
    # measures Redis instead.
    os.environ.setdefault("DJANGO_CACHE_DIR", str(database.parent / "cache"))
    from bench.inprocess import setup_django

    setup_django()


def build(counts: list[int]):
    from django.core.management import call_command

    from accounts.models import Member, StudyGroup
    from articles.models import Article
    from bench.pages import annotate_many

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    group = StudyGroup.objects.get(name="中共天津市南开区委理论学习中心组")
    reader = Member.objects.get(username="wangfang")
    writer = Member.objects.get(username="chenjing")
    sources = list(Article.objects.order_by("pk"))
    articles = {}
    for index, count in enumerate(counts):
        # A fresh copy of the same article per size, so only the annotations differ.
        source = sources[0]
        article = Article.objects.create(
            title=f"{source.title}（{count}）",
            byline=f"bench-{index}",
            status="published",
        )
        for p in source.paragraphs.all():
            article.paragraphs.create(position=p.position, kind=p.kind, text=p.text)
        # bench/pages.py's annotations: themes on one in ten, a reply on one in five;
        # one in three written by the reader.
        annotate_many(article, count, group, [reader, writer, writer])
        articles[count] = article
    return reader, articles


def write_once(reader, article, round_: int) -> None:
    """One annotation (even rounds) or one reply (odd) through the service, by the
    reader in their group, on a paragraph that moves round after round."""
    from accounts.models import StudyGroup
    from articles.models import Annotation
    from articles.services.annotations import annotate_paragraph, reply_to_annotation

    body = list(article.paragraphs.filter(kind="body").order_by("position"))
    paragraph = body[(round_ * 5) % len(body)]
    group = StudyGroup.objects.get(name="中共天津市南开区委理论学习中心组")
    target = (
        Annotation.objects.filter(paragraph__article=article, deleted_at=None)
        .order_by("pk")
        .first()
    )
    if round_ % 2 and target is not None:
        reply_to_annotation(target, author=reader, text=f"第{round_}条回复。")
        return
    annotate_paragraph(
        author=reader,
        paragraph=paragraph,
        start=0,
        end=4,
        quote=paragraph.text[:4],
        note=f"第{round_}条测量批注。",
        group=group,
    )


def measure(
    reader, articles: dict, repeat: int, *, cold: bool, after_write: bool = False
) -> dict[int, tuple[float, int]]:
    """Median render CPU time (of the thread) and query count per size. Sizes are
    measured in turn, round after round, so a busy machine slows them all alike.
    ``cold``: the read models are dropped before each request; ``after_write``:
    one annotation or reply is written through the service before each request
    (the next read after a write, what the load's annotate actions cost)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(reader)
    times: dict[int, list[float]] = {count: [] for count in articles}
    queries: dict[int, int] = {}
    for article in articles.values():
        client.get(article.get_absolute_url())  # warm caches (templates, types)
    for round_ in range(repeat):
        for count, article in articles.items():
            if cold:
                cache.clear()
            if after_write:
                write_once(reader, article, round_)
            with CaptureQueriesContext(connection) as captured:
                started = time.thread_time()
                response = client.get(article.get_absolute_url())
                times[count].append(time.thread_time() - started)
            assert response.status_code == 200, response.status_code
            queries[count] = len(captured.captured_queries)
    return {
        count: (statistics.median(times[count]), queries[count]) for count in articles
    }


def report(label: str, results: dict[int, tuple[float, int]]) -> float:
    base = results[0][0]
    print(f"{label}")
    print(f"{'annotations':>11}  {'median ms':>9}  {'ratio to 0':>10}  {'queries':>7}")
    for count, (seconds, queries) in results.items():
        ms, ratio = seconds * 1000, seconds / base
        print(f"{count:>11}  {ms:>9.1f}  {ratio:>10.2f}  {queries:>7}")
    return results[1000][0] / base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    counts = [0, 100, 1000]
    with tempfile.TemporaryDirectory() as folder:
        setup(Path(folder) / "bench.sqlite3")
        reader, articles = build(counts)
        cold = measure(reader, articles, args.repeat, cold=True)
        warm = measure(reader, articles, args.repeat, cold=False)
        written = measure(reader, articles, args.repeat, cold=False, after_write=True)
    cold_ratio = report("cold (read models dropped before each request)", cold)
    warm_ratio = report("warm", warm)
    report("after one write (an annotation or a reply, through the service)", written)
    # A cold page at 1,000 against the warm empty article: what a write costs the
    # next reader, in the same unit as the warm ratio.
    print(
        f"queries_0={warm[0][1]} queries_1000={warm[1000][1]} "
        f"cold_queries_1000={cold[1000][1]} cold_ratio_1000={cold_ratio:.2f} "
        f"cold_1000_ms={cold[1000][0] * 1000:.1f} warm_0_ms={warm[0][0] * 1000:.1f} "
        f"render_ratio_1000={warm_ratio:.2f} "
        f"written_100_ms={written[100][0] * 1000:.1f} "
        f"written_1000_ms={written[1000][0] * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
