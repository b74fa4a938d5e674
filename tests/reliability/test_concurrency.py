"""Parallel writers on one database: nobody gets "database is locked", every row
arrives. SQLite relies on WAL + BEGIN IMMEDIATE + the busy timeout (settings).

Writers today: imports (one transaction each) and theme tagging (read-then-write).
After the merge of issues 3/4 add writers that annotate and reply, and secretaries
recording attendance, each in its own process, and assert their rows the same way.
"""

from pathlib import Path

import pytest
from django.db import connection

from .test_crash import manage

WRITERS = 4
ARTICLES_EACH = 15
PARAGRAPHS = 12
BODY = "学不厌精，探赜钩深。“学在深处”，是在发展新质生产力上善作善成必须下好的先手棋。"


def document(path, writer: int):
    blocks = ["党委(党组)理论学习中心组园地", ""]
    for i in range(ARTICLES_EACH):
        blocks += [f"以学铸魂 勇争先（{writer}-{i}）", ""]
        blocks += [f"中共天津市第{writer}区委理论学习中心组", ""]
        blocks += [f"{j}{BODY}\n" for j in range(PARAGRAPHS)]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


# One writer process: import its document (one transaction), then tag each of its
# articles in short read-then-write transactions, with a theme every writer uses
# (taggit creates that Tag row in a race).
WRITER = """
import sys
from pathlib import Path
from django.db import transaction
from articles.models import Article
from articles.services import import_document
path = Path(sys.argv[-1])
result = import_document(path.read_bytes(), path.name, status="published")
for article in result.created:
    with transaction.atomic():
        article.tags.add("主题" + path.stem, "共同主题")
"""


def run_writers(tmp_path, url):
    script = str(tmp_path / "writer.py")
    Path(script).write_text(WRITER, encoding="utf-8")
    documents = [str(document(tmp_path / f"w{n}.txt", n)) for n in range(WRITERS)]
    processes = [
        manage(
            "shell",
            "-c",
            f"import sys; sys.argv.append({path!r}); exec(open({script!r}).read())",
            database_url=url,
        )
        for path in documents
    ]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        assert b"locked" not in err


def test_parallel_writers_on_sqlite(tmp_path):
    import sqlite3

    database = tmp_path / "parallel.sqlite3"
    url = f"sqlite:///{database}"
    migrate = manage("migrate", "--noinput", database_url=url)
    assert migrate.wait(timeout=300) == 0
    run_writers(tmp_path, url)
    check = sqlite3.connect(database)
    try:
        articles = check.execute("SELECT COUNT(*) FROM articles_article").fetchone()[0]
        paragraphs = check.execute("SELECT COUNT(*) FROM articles_paragraph").fetchone()
        links = check.execute("SELECT COUNT(*) FROM taggit_taggeditem").fetchone()[0]
    finally:
        check.close()
    assert articles == WRITERS * ARTICLES_EACH
    assert paragraphs[0] == WRITERS * ARTICLES_EACH * PARAGRAPHS
    # Each article: its writer's theme and the shared one.
    assert links == articles * 2


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_on_postgresql(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL variant runs with DATABASE_URL=postgres://…")
    from taggit.models import TaggedItem

    from articles.models import Article, Paragraph

    params = connection.settings_dict
    url = (
        f"postgres://{params['USER']}:{params['PASSWORD'] or ''}@{params['HOST']}:"
        f"{params['PORT'] or 5432}/{params['NAME']}"
    )
    run_writers(tmp_path, url)
    assert Article.objects.count() == WRITERS * ARTICLES_EACH
    assert Paragraph.objects.count() == WRITERS * ARTICLES_EACH * PARAGRAPHS
    assert TaggedItem.objects.count() == Article.objects.count() * 2
