"""What each member page costs in-process, against a logged-in page that does nothing.

    .venv/bin/python bench/pages.py [--repeat 7] [--factor 10]

Sets up Django with the production settings (DEBUG off) on a throw-away database
(``DATABASE_URL``: SQLite by default, or a PostgreSQL server, where a temporary
database is created and dropped; bench/database.py), loads the demo, adds two
copies of a bundled article (one without annotations, one with 1,000 group
annotations, themes and replies), then renders each page below through Django's
test client as a demo member and measures:

- CPU ms: the thread's CPU time (``time.thread_time``) for the whole request, the
  median of ``--repeat`` runs. *Warm*: the same request again (Django's caches
  filled by the previous run); *cold*: every cache cleared before the request, as
  after a write that invalidates it.
- queries: how many SQL statements the request ran (cold and warm).
- ×floor: the page's CPU time over the floor's, the floor being ``/bench/floor/``
  (bench/site.py): session, user, middleware and ``base.html``, nothing else.

At 1× (the demo) and again after the data has grown ``--factor`` times (articles,
annotations with their replies and themes, sessions with their attendance and
speeches; the search index rebuilt). Ends with one line of key=value figures: the
worst warm and cold multiples of the floor at the larger size, the reader's with
1,000 annotations, and whether any page's query count grew with the data.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.database import scratch_database, vendor  # noqa: E402

VIEWER = "wangfang"  # a member of the demo's Nankai group, keeping no record
WRITER = "chenjing"
GROUP = "中共天津市南开区委理论学习中心组"


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_DEBUG"] = "0"
    from bench.inprocess import setup_django

    setup_django("bench.settings")


# --- Data ---------------------------------------------------------------------------
def copy_article(source, title: str):
    from articles.models import Article, Paragraph

    article = Article.objects.create(
        title=title,
        byline=source.byline,
        source=source.source,
        published_on=source.published_on,
        status=source.status,
    )
    Paragraph.objects.bulk_create(
        Paragraph(article=article, position=p.position, kind=p.kind, text=p.text)
        for p in source.paragraphs.order_by("position")
    )
    article.tags.add(*source.tags.names())
    return article


def annotate_many(article, count: int, group, authors) -> None:
    """``count`` annotations spread over the article's body paragraphs, as
    bench/reader.py builds them: themes on one in ten, a reply on one in five."""
    from articles.models import Annotation, Reply

    body = [p for p in article.paragraphs.order_by("position") if p.kind == "body"]
    created = Annotation.objects.bulk_create(
        Annotation(
            author=authors[i % len(authors)],
            paragraph=(paragraph := body[i % len(body)]),
            start=(start := (i * 7) % (len(paragraph.text) - 12)),
            end=start + 12,
            quote=paragraph.text[start : start + 12],
            prefix=paragraph.text[max(0, start - 32) : start],
            suffix=paragraph.text[start + 12 : start + 44],
            note=f"第{i}条批注：要把学习成果转化为推动高质量发展的实际成效。",
            group=group,
        )
        for i in range(count)
    )
    for annotation in created[::10]:
        annotation.tags.add("新质生产力", "学在深处")
    Reply.objects.bulk_create(
        Reply(annotation=a, author=authors[0], text="同意，要学在深处。")
        for a in created[::5]
    )


def grow(factor: int) -> None:
    """Make the demo ``factor`` times as large: copies of every article (and of the
    annotations on it, with their themes and replies), of every session (with its
    materials, attendance and speeches, a few days earlier each), then reindex."""
    from articles.models import (
        Annotation,
        Article,
        Attendance,
        DiscussionNote,
        Reply,
        SessionMaterial,
        StudySession,
    )
    from articles.services import rebuild_search_index

    def clone(instance, **changes):
        instance.pk = None
        instance.id = None
        instance._state.adding = True
        for name, value in changes.items():
            setattr(instance, name, value)
        return instance

    articles = list(Article.objects.filter(byline__startswith="中共").order_by("pk"))
    articles = articles or list(Article.objects.order_by("pk")[:10])
    annotations = list(
        Annotation.objects.live()
        .filter(paragraph__article__in=articles)
        .select_related("paragraph")
        .prefetch_related("tags", "replies")
    )
    sessions = list(
        StudySession.objects.prefetch_related("materials", "attendances", "notes")
    )
    for copy in range(1, factor):
        for article in articles:
            twin = copy_article(article, f"{article.title}（{copy}）")
            paragraphs = {p.position: p for p in twin.paragraphs.all()}
            on_article = [
                a for a in annotations if a.paragraph.article_id == article.pk
            ]
            for note in on_article:
                themes, replies = list(note.tags.names()), list(note.replies.all())
                made = clone(
                    Annotation.objects.get(pk=note.pk),
                    paragraph=paragraphs[note.paragraph.position],
                )
                made.save()
                made.tags.add(*themes)
                Reply.objects.bulk_create(
                    clone(reply, annotation=made) for reply in replies
                )
        for session in sessions:
            twin = clone(
                StudySession.objects.get(pk=session.pk),
                topic=f"{session.topic}（{copy}）",
                starts_at=session.starts_at - timedelta(days=copy),
                ends_at=session.ends_at - timedelta(days=copy),
            )
            twin.save()
            SessionMaterial.objects.bulk_create(
                clone(material, session=twin)
                for material in SessionMaterial.objects.filter(session=session)
            )
            Attendance.objects.bulk_create(
                clone(attendance, session=twin)
                for attendance in Attendance.objects.filter(session=session)
            )
            DiscussionNote.objects.bulk_create(
                clone(note, session=twin)
                for note in DiscussionNote.objects.filter(session=session)
            )
    rebuild_search_index()


def build():
    from django.core.management import call_command

    from accounts.models import Member, StudyGroup
    from articles.models import Article

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # a database cache, if configured
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    group = StudyGroup.objects.get(name=GROUP)
    viewer = Member.objects.get(username=VIEWER)
    writer = Member.objects.get(username=WRITER)
    source = Article.objects.published().order_by("pk").first()
    quiet = copy_article(source, f"{source.title}（无批注）")
    busy = copy_article(source, f"{source.title}（1000条批注）")
    annotate_many(busy, 1000, group, [writer, writer, viewer])
    return viewer, group, quiet, busy


def pages(group, quiet, busy) -> dict[str, str]:
    from django.urls import reverse

    from articles.models import StudySession

    session = (
        StudySession.objects.filter(group=group)
        .exclude(status=StudySession.Status.PLANNED)
        .order_by("starts_at")
        .first()
    )
    theme = busy.tags.order_by("name").first() or quiet.tags.first()
    return {
        "floor": "/bench/floor/",
        "article list": reverse("articles:list"),
        "reader (0)": quiet.get_absolute_url(),
        "reader (1000)": busy.get_absolute_url(),
        "home": reverse("home"),
        "search": reverse("articles:search") + "?" + urlencode({"q": "新质生产力"}),
        "my annotations": reverse("articles:my_annotations"),
        "sessions": reverse("articles:session_list"),
        "session": reverse("articles:session_detail", args=[session.pk]),
        "my archive": reverse("articles:my_archive"),
        "theme": reverse("articles:theme", args=[theme.slug]),
        "statistics": reverse("articles:group_statistics", args=[group.pk]),
    }


# --- Measuring ----------------------------------------------------------------------
def clear_caches() -> None:
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


def measure(client, urls: dict[str, str], repeat: int) -> dict[str, dict]:
    """Per page: median CPU ms and queries, cold and warm. Pages are measured in
    turn, round after round, so a busy machine slows them all alike."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def once(url: str) -> tuple[float, int]:
        with CaptureQueriesContext(connection) as captured:
            began = time.thread_time()
            response = client.get(url)
            took = time.thread_time() - began
        assert response.status_code == 200, (url, response.status_code)
        return took * 1000, len(captured.captured_queries)

    for url in urls.values():
        once(url)  # templates compiled, jieba loaded, connections open
    runs = {name: {"cold": [], "warm": []} for name in urls}
    for _ in range(repeat):
        for name, url in urls.items():
            clear_caches()
            runs[name]["cold"].append(once(url))
            runs[name]["warm"].append(once(url))
    return {
        name: {
            state: (
                statistics.median(ms for ms, _ in results),
                max(queries for _, queries in results),
            )
            for state, results in by_state.items()
        }
        for name, by_state in runs.items()
    }


def show(label: str, results: dict[str, dict]) -> None:
    floor = results["floor"]["warm"][0]
    print(f"\n{label}: floor {floor:.1f} ms")
    print(
        f"{'page':<16} {'warm ms':>8} {'×floor':>7} {'cold ms':>8} {'×floor':>7} "
        f"{'queries warm/cold':>18}"
    )
    for name, figures in results.items():
        (warm, warm_q), (cold, cold_q) = figures["warm"], figures["cold"]
        print(
            f"{name:<16} {warm:>8.1f} {warm / floor:>7.1f} {cold:>8.1f} "
            f"{cold / floor:>7.1f} {warm_q:>8}/{cold_q:<9}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--factor", type=int, default=10, help="the larger data size")
    parser.add_argument(
        "--pages",
        default="",
        help="comma-separated page names to measure (the floor always is), "
        "e.g. 'reader (1000),session'; all by default",
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="studyhub-bench-") as folder,
        scratch_database(os.environ.get("DATABASE_URL"), Path(folder)) as url,
    ):
        setup(url)
        from django.db import connections
        from django.test import Client

        viewer, group, quiet, busy = build()
        client = Client()
        client.force_login(viewer)
        urls = pages(group, quiet, busy)
        if args.pages:
            wanted = {"floor", *(name.strip() for name in args.pages.split(","))}
            unknown = wanted - urls.keys()
            if unknown:
                parser.error(f"no such page: {', '.join(sorted(unknown))}")
            urls = {name: url for name, url in urls.items() if name in wanted}
        print(f"database: {vendor(url)}; viewer {VIEWER}; median of {args.repeat}")
        small = measure(client, urls, args.repeat)
        show("1× (the demo)", small)
        began = time.monotonic()
        grow(args.factor)
        print(f"\ngrew the data {args.factor}× in {time.monotonic() - began:.0f} s")
        large = measure(client, urls, args.repeat)
        show(f"{args.factor}×", large)
        connections.close_all()

    floor = large["floor"]["warm"][0]
    members = [name for name in large if name != "floor"]
    warm = {name: large[name]["warm"][0] / floor for name in members}
    cold = {name: large[name]["cold"][0] / floor for name in members}
    worst_warm = max(warm, key=warm.get)
    grew = [
        name
        for name in members
        if large[name]["warm"][1] > small[name]["warm"][1]
        or large[name]["cold"][1] > small[name]["cold"][1]
    ]
    print(
        f"\nvendor={vendor(url)} floor_ms={floor:.1f} "
        f"worst_warm_ratio={warm[worst_warm]:.1f} "
        f"worst_warm_page={worst_warm.replace(' ', '_')} "
        f"worst_cold_ratio={max(cold.values()):.1f} "
        f"reader1000_warm_ratio={warm.get('reader (1000)', 0):.1f} "
        f"reader1000_cold_ratio={cold.get('reader (1000)', 0):.1f} "
        f"max_queries={max(large[name]['cold'][1] for name in members)} "
        f"queries_grew={','.join(n.replace(' ', '_') for n in grew) or 'none'}"
    )


if __name__ == "__main__":
    main()
