"""import_document: the one path into the library, from the admin and the command."""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Member
from articles.importer import MAX_IMPORT_BYTES, ImportFailed
from articles.models import Annotation, Article, Paragraph, Reply
from articles.services import import_document

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "articles" / "demo" / "tianjin_column.txt"


@pytest.fixture
def seed_bytes() -> bytes:
    return SEED.read_bytes()


def library_state():
    return (
        list(Article.objects.values_list("title", "byline", "status")),
        list(Paragraph.objects.values_list("article__title", "position", "text")),
    )


def test_seed_imports_four_articles_with_ordered_paragraphs(seed_bytes):
    result = import_document(seed_bytes, "tianjin_column.txt")

    assert len(result.created) == 4
    assert Article.objects.count() == 4
    nankai = Article.objects.get(byline="中共天津市南开区委理论学习中心组")
    positions = list(nankai.paragraphs.values_list("position", flat=True))
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    assert nankai.paragraphs.filter(kind="heading").count() == 4
    assert nankai.status == Article.Status.DRAFT


def test_importing_twice_does_not_duplicate(seed_bytes):
    import_document(seed_bytes, "tianjin_column.txt")
    before = library_state()

    again = import_document(seed_bytes, "tianjin_column.txt")

    assert again.created == []
    assert len(again.skipped) == 4
    assert library_state() == before


def test_reimport_keeps_an_editors_correction(seed_bytes):
    import_document(seed_bytes, "tianjin_column.txt")
    paragraph = Paragraph.objects.filter(text__contains="入脑人心").get()
    paragraph.text = paragraph.text.replace("入脑人心", "入脑入心")
    paragraph.save()

    import_document(seed_bytes, "tianjin_column.txt")

    paragraph.refresh_from_db()
    assert "入脑入心" in paragraph.text


def test_warnings_are_reported_and_stored_for_review(seed_bytes):
    result = import_document(seed_bytes, "tianjin_column.txt")

    assert result.warnings, "the seed has a stray fragment and truncated paragraphs"
    flagged = Paragraph.objects.exclude(review_note="")
    assert flagged.filter(text="感可及的实事。").exists()
    assert flagged.filter(text__endswith="共建共治共享的城").exists()


@pytest.mark.parametrize(
    ("data", "filename", "codes", "chinese"),
    [
        (b"", "empty.txt", {"empty"}, "文件是空的"),
        (b"   \n\n  \r\n", "blank.txt", {"empty"}, "文件是空的"),
        (os.urandom(4096), "garbage.txt", {"binary", "encoding"}, "文件"),
        (b"\x89PNG\r\n\x1a\n" + os.urandom(512), "a.txt", {"binary"}, "没有文字"),
        (b"x" * (MAX_IMPORT_BYTES + 1), "huge.txt", {"too_large"}, "无法导入"),
        ("标题\n\n正文".encode(), "slides.pptx", {"unsupported_type"}, "只能导入"),
        ("这不是一个Word文件".encode(), "fake.docx", {"corrupt_docx"}, "已损坏"),
    ],
)
def test_bad_files_fail_cleanly_and_write_nothing(
    seed_bytes, data, filename, codes, chinese
):
    import_document(seed_bytes, "tianjin_column.txt")
    before = library_state()

    with pytest.raises(ImportFailed) as failure:
        import_document(data, filename)

    assert failure.value.code in codes
    assert chinese in failure.value.message
    assert library_state() == before


def test_failure_midway_rolls_back_everything(seed_bytes, monkeypatch):
    from articles.services import materials

    calls = {"n": 0}
    original = materials._create_article

    def fail_on_third(parsed, status):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(parsed, status)

    monkeypatch.setattr(materials, "_create_article", fail_on_third)
    with pytest.raises(RuntimeError):
        import_document(seed_bytes, "tianjin_column.txt")

    assert Article.objects.count() == 0
    assert Paragraph.objects.count() == 0


def test_command_imports_and_publishes(tmp_path, seed_bytes):
    path = tmp_path / "column.txt"
    path.write_bytes(seed_bytes)
    out = io.StringIO()

    call_command("import_articles", str(path), "--publish", stdout=out)

    assert Article.objects.published().count() == 4
    assert "4 imported" in out.getvalue()


def test_command_reports_a_bad_file(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_articles", str(path), stderr=err)
    assert "文件是空的" in err.getvalue()
    assert Article.objects.count() == 0


def test_admin_upload_imports_and_shows_warnings(client, staff, seed_bytes):
    client.force_login(staff)
    url = reverse("admin:articles_article_import")
    upload = io.BytesIO(seed_bytes)
    upload.name = "tianjin_column.txt"

    preview = client.post(url, {"document": upload, "status": "published"})
    assert Article.objects.count() == 0  # the preview writes no article
    response = client.post(preview["Location"], follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert Article.objects.published().count() == 4
    assert "请检查这些段落" in html
    assert "感可及的实事" in html


def test_admin_upload_of_bad_file_shows_chinese_error(client, staff):
    client.force_login(staff)
    upload = io.BytesIO(os.urandom(2048))
    upload.name = "garbage.txt"

    response = client.post(
        reverse("admin:articles_article_import"),
        {"document": upload, "status": "draft"},
    )

    assert response.status_code == 200
    assert Article.objects.count() == 0
    assert response.context["form"].errors["document"]


def test_admin_upload_refuses_members(member_client):
    response = member_client.get(reverse("admin:articles_article_import"))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_demo_members_have_annotated_the_column_visible_by_the_rule():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    people = {m.username: m for m in Member.objects.all()}

    def quotes_for(username):
        return set(
            Annotation.objects.visible_to(people[username]).values_list(
                "quote", flat=True
            )
        )

    assert Annotation.objects.count() == 5  # the second run added nothing
    assert Reply.objects.count() == 3
    private = "以文化人、以文惠民、以文润城、以文兴业"
    assert private in quotes_for("wangfang")
    assert private not in quotes_for("zhaoqiang")
    assert len(quotes_for("zhaoqiang")) == 4
    assert quotes_for("liuyang") == set()  # the other district's group
    for annotation in Annotation.objects.all():
        paragraph = annotation.paragraph
        assert paragraph.text[annotation.start : annotation.end] == annotation.quote


def test_demo_loader_is_idempotent():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    first = library_state()
    call_command("load_demo", stdout=io.StringIO())

    assert library_state() == first
    assert Article.objects.published().count() == 4
    assert "studyhub-demo" in out.getvalue()
    assert "liming" in out.getvalue()
