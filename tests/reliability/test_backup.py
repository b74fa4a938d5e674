"""backup / backup --restore: a round trip gives back every row, theme links
included; a bad file is refused and changes nothing."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from taggit.models import Tag, TaggedItem

from accounts.models import Member
from articles.management.commands.backup import row_counts
from articles.models import Article, Paragraph

pytestmark = pytest.mark.django_db(transaction=True)


def test_round_trip_restores_exactly_the_same_rows(tmp_path):
    call_command("load_demo", verbosity=0)
    before = row_counts(connection)
    assert before["articles_article"] == 4
    assert before["taggit_taggeditem"] == TaggedItem.objects.count() >= 9
    backup = tmp_path / "studyhub.backup"
    call_command("backup", str(backup), verbosity=0)
    assert backup.stat().st_size > 0

    # Damage after the backup: delete articles and their theme links, add a member.
    Article.objects.filter(title__contains="基层治理").delete()
    TaggedItem.objects.all().delete()
    Tag.objects.create(name="误加的主题")
    Member.objects.create(username="intruder")
    assert row_counts(connection) != before

    call_command("backup", str(backup), restore=True, verbosity=0)
    assert row_counts(connection) == before
    article = Article.objects.get(title__contains="基层治理")
    assert set(article.tags.names()) == {"党建引领", "基层治理", "枫桥经验"}
    assert Paragraph.objects.filter(article=article).count() == 4
    assert not Member.objects.filter(username="intruder").exists()


def test_backup_is_taken_while_the_database_is_in_use(tmp_path):
    """The copy is consistent although the site keeps its connection open."""
    call_command("load_demo", verbosity=0)
    backup = tmp_path / "nested" / "copy.backup"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM articles_paragraph")
    call_command("backup", str(backup), verbosity=0)
    assert backup.exists()
    assert not list(backup.parent.glob("*.partial"))


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    call_command("load_demo", verbosity=0)
    before = row_counts(connection)
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"\x00not a database\xff" * 100)
    with pytest.raises(CommandError):
        call_command("backup", str(junk), restore=True, verbosity=0)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "missing"), restore=True)
    assert row_counts(connection) == before


def test_natural_primary_dumps_lose_theme_links(tmp_path):
    """Why backup does not use dumpdata --natural-primary: taggit's TaggedItem
    natural key is not unique, so links collapse on load."""
    call_command("load_demo", verbosity=0)
    links = TaggedItem.objects.count()
    dump = Path(tmp_path / "dump.json")
    call_command(
        "dumpdata",
        "taggit",
        natural_primary=True,
        natural_foreign=True,
        output=str(dump),
        verbosity=0,
    )
    TaggedItem.objects.all().delete()
    call_command("loaddata", str(dump), verbosity=0)
    assert TaggedItem.objects.count() < links
