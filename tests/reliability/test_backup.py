"""backup / backup --restore: a round trip gives back every row, theme links
included; a bad file is refused and changes nothing."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from taggit.models import Tag, TaggedItem

from accounts.models import Member
from articles.management.commands.backup import row_counts
from articles.models import (
    Annotation,
    Article,
    Attendance,
    GroupStudySettings,
    Paragraph,
    StudySession,
)
from articles.services import (
    AttendanceEntry,
    annotate_paragraph,
    archive_session,
    choose_material_paragraphs,
    mark_article_studied,
    record_attendance,
    reply_to_annotation,
)

pytestmark = pytest.mark.django_db(transaction=True)


# The tables of the study record that must come back: each holds rows before the
# backup, so a table the backup forgot fails the round trip.
STUDY_TABLES = [
    "articles_annotation",
    "articles_reply",
    "articles_readingprogress",
    "articles_studysession",
    "articles_sessionmaterial",
    "articles_sessionmaterial_paragraphs",
    "articles_attendance",
    "articles_makeupstudy",
    "articles_observer",
    "articles_discussionnote",
    "articles_discussionnote_cited_paragraphs",
    "articles_correction",
    "articles_studyplan",
    "articles_planitem",
    "articles_planitem_materials",
    "articles_groupstudysettings",
    "taggit_taggeditem",
]


def add_study_record() -> None:
    """What the demo does not hold: annotations with a theme and a reply, a
    studied mark, chosen paragraphs, thresholds and a correction."""
    article = Article.objects.get(title__contains="基层治理")
    paragraph = article.paragraphs.filter(kind="body").first()
    session = StudySession.objects.held().filter(attendances__isnull=False).first()
    secretary = session.recorder or session.host
    author = session.attendances.first().member
    annotation = annotate_paragraph(
        author=author,
        paragraph=paragraph,
        start=0,
        end=4,
        quote=paragraph.text[:4],
        note="学习体会：要把基层治理落到实处。",
        themes=["学习体会"],
        group=session.group,
    )
    reply_to_annotation(annotation, author=secretary, text="赞同。")
    mark_article_studied(author, article)
    material = session.sessionmaterial_set.first()
    choose_material_paragraphs(
        material, list(material.article.paragraphs.all()[:2]), author=secretary
    )
    GroupStudySettings.objects.create(group=session.group, min_attendance_rate=80)
    archive_session(session)
    record_attendance(
        session,
        [AttendanceEntry(member=author, status=Attendance.Status.LATE)],
        author=secretary,
        reason="补正：迟到而非缺席",
    )


def test_round_trip_restores_exactly_the_same_rows(tmp_path):
    call_command("load_demo", verbosity=0)
    add_study_record()
    before = row_counts(connection)
    assert before["articles_article"] == 4
    assert before["taggit_taggeditem"] == TaggedItem.objects.count() >= 10
    assert [table for table in STUDY_TABLES if not before[table]] == []
    backup = tmp_path / "studyhub.backup"
    call_command("backup", str(backup), verbosity=0)
    assert backup.stat().st_size > 0

    # Damage after the backup: delete the study record, articles and their theme
    # links, add a member.
    StudySession.objects.all().delete()
    Annotation.objects.all().delete()
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
    annotation = Annotation.objects.get(note__startswith="学习体会")
    assert list(annotation.tags.names()) == ["学习体会"]
    assert annotation.replies.get().text == "赞同。"
    assert StudySession.objects.get(corrections__isnull=False).is_archived


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


# Reflections: the files members handed in live in the uploads storage, not in the
# database; the backup carries them in FILE.uploads.zip and the restore puts back
# the very bytes, under the names the database holds.
def test_backup_carries_the_uploaded_files_and_restore_puts_them_back(tmp_path):
    from articles.models import Reflection
    from articles.services import hand_in_reflection
    from articles.services.reflections import check_reflection_file
    from tests.articles import seed_variants as seed

    call_command("load_demo", verbosity=0)
    session = StudySession.objects.held().filter(attendances__isnull=False).first()
    author = session.attendances.first().member
    data = seed.as_docx()
    reflection = hand_in_reflection(
        session,
        author,
        text="",
        upload=check_reflection_file(data, "学习心得.docx"),
    )
    name = reflection.file.name
    storage = reflection.file.storage
    backup = tmp_path / "studyhub.backup"
    call_command("backup", str(backup), verbosity=0)
    assert (tmp_path / "studyhub.backup.uploads.zip").is_file()

    storage.delete(name)
    Reflection.objects.all().delete()
    assert not storage.exists(name)

    call_command("backup", str(backup), restore=True, verbosity=0)
    restored = Reflection.objects.get()
    assert restored.file.name == name
    with restored.file.open("rb") as handle:
        assert handle.read() == data
    storage.delete(name)


def test_restore_refuses_an_uploads_archive_with_an_unsafe_name(tmp_path):
    import zipfile

    call_command("load_demo", verbosity=0)
    backup = tmp_path / "studyhub.backup"
    call_command("backup", str(backup), verbosity=0)
    with zipfile.ZipFile(tmp_path / "studyhub.backup.uploads.zip", "w") as archive:
        archive.writestr("../outside.docx", b"PK")
    Member.objects.create(username="after_the_backup")
    with pytest.raises(CommandError, match="unsafe"):
        call_command("backup", str(backup), restore=True, verbosity=0)
    assert not (tmp_path.parent / "outside.docx").exists()
    # Refused before the database was touched.
    assert Member.objects.filter(username="after_the_backup").exists()
