"""Background jobs: the admin import (preview, confirm, progress, result), the
rebuild as a job (once at a time, resumable) and the progress JSON view."""

import copy
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles import search
from articles.models import (
    Article,
    ArticleKeyword,
    DiscussionNote,
    Job,
    Paragraph,
    SearchDocument,
)
from articles.services import (
    claim_job,
    confirm_import,
    hold_upload,
    import_document,
    parse_text,
    run_job,
    start_exclusive,
)
from articles.services.jobs import SMALL_IMPORT_BYTES
from articles.services.search import rebuild_search_index, rebuild_work

from ..factories import ArticleFactory, MemberFactory, ParagraphFactory

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "articles" / "demo" / "tianjin_column.txt"
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
NANKAI = "牢记嘱托 勇担使命 在推动文化传承发展上善作善成"


@pytest.fixture
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest.fixture
def editor_client(client, staff):
    client.force_login(staff)
    return client


def upload(data: bytes, name: str = "tianjin_column.txt"):
    file = io.BytesIO(data)
    file.name = name
    return file


def preview(client, data: bytes, name="tianjin_column.txt", status="draft"):
    return client.post(
        reverse("admin:articles_article_import"),
        {"document": upload(data, name), "status": status},
    )


def library_size() -> tuple[int, int, int]:
    return (
        Article.objects.count(),
        Paragraph.objects.count(),
        SearchDocument.objects.count(),
    )


def big_column(articles: int = 60, paragraphs: int = 30) -> bytes:
    """A column over SMALL_IMPORT_BYTES: it goes to the worker."""
    body = (
        "习近平总书记视察天津并发表重要讲话，对新征程上天津工作提出了“四个善作善成”"
        "的重要要求，这为我市统筹推进党建引领基层治理指明了前进方向。"
    )
    blocks = ["党委(党组)理论学习中心组园地", ""]
    for i in range(articles):
        blocks += [f"在发展新质生产力上勇争先（第{i}篇）", ""]
        blocks += [f"中共天津市第{i}区委理论学习中心组", ""]
        blocks += [f"{j}{body}\n" for j in range(paragraphs)]
    data = "\n".join(blocks).encode("utf-8")
    assert len(data) > SMALL_IMPORT_BYTES
    return data


# --- Import: preview, confirm, result ----------------------------------------------
def test_preview_shows_articles_paragraphs_and_warnings_and_writes_nothing(
    editor_client, seed_bytes
):
    response = preview(editor_client, seed_bytes)

    assert library_size() == (0, 0, 0)
    job = Job.objects.get()
    assert (job.kind, job.state, bytes(job.upload)) == (
        Job.Kind.IMPORT,
        Job.State.PREVIEW,
        seed_bytes,
    )
    page = editor_client.get(response["Location"])
    html = page.content.decode()
    assert "预览：识别出4篇文章" in html
    assert NANKAI in html
    assert "一、凝聚文化涵养之“魂”，在德治教化中坚定文化自信" in html
    assert 'class="paragraph-heading"' in html
    assert "感可及的实事" in html  # a warning of the importer
    assert "确认导入" in html
    assert library_size() == (0, 0, 0)


def test_confirming_a_small_import_imports_at_once_and_links_the_articles(
    editor_client, seed_bytes
):
    job_url = preview(editor_client, seed_bytes, status="published")["Location"]

    response = editor_client.post(job_url, follow=True)

    html = response.content.decode()
    nankai = Article.objects.get(title=NANKAI)
    assert Article.objects.published().count() == 4
    assert reverse("articles:detail", args=[nankai.pk]) in html
    assert reverse("admin:articles_article_change", args=[nankai.pk]) in html
    assert "请检查这些段落" in html
    job = Job.objects.get()
    assert job.state == Job.State.DONE and job.upload is None
    assert (
        job.done
        == job.total
        == nankai.paragraphs.count()
        + sum(a.paragraphs.count() for a in Article.objects.exclude(pk=nankai.pk))
    )
    # Indexed after the write: the imported text is found.
    assert SearchDocument.objects.filter(article=nankai, kind="paragraph").count() == (
        nankai.paragraphs.count()
    )


def test_confirming_twice_imports_once(editor_client, seed_bytes):
    job_url = preview(editor_client, seed_bytes)["Location"]
    editor_client.post(job_url)
    editor_client.post(job_url)
    confirm_import(Job.objects.get())

    assert Article.objects.count() == 4
    assert Paragraph.objects.filter(article__title=NANKAI).count() == (
        len(
            next(
                a for a in parse_text(SEED.read_text()).articles if a.title == NANKAI
            ).paragraphs
        )
    )


def test_pasted_text_previews_and_imports_like_the_file(editor_client, seed_bytes):
    from_file = import_document(seed_bytes, "tianjin_column.txt")
    expected = {
        a.title: list(a.paragraphs.values_list("kind", "text"))
        for a in from_file.created
    }
    Article.objects.all().delete()

    response = editor_client.post(
        reverse("admin:articles_article_import"),
        {"text": seed_bytes.decode("utf-8"), "status": "draft"},
    )
    assert Article.objects.count() == 0
    assert NANKAI in editor_client.get(response["Location"]).content.decode()
    editor_client.post(response["Location"])

    assert {
        a.title: list(a.paragraphs.values_list("kind", "text"))
        for a in Article.objects.all()
    } == expected


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "请选择要上传的文件，或粘贴文本。"),
        ({"text": "   "}, "请选择要上传的文件，或粘贴文本。"),
        ({"text": "只有一行字"}, "没有找到文章"),
    ],
)
def test_empty_or_unreadable_paste_is_refused_in_chinese(editor_client, data, message):
    response = editor_client.post(
        reverse("admin:articles_article_import"), {"status": "draft", **data}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Job.objects.count() == 0 and library_size() == (0, 0, 0)


def test_file_and_paste_together_are_refused(editor_client, seed_bytes):
    response = editor_client.post(
        reverse("admin:articles_article_import"),
        {"document": upload(seed_bytes), "text": "正文", "status": "draft"},
    )
    assert "请上传文件或粘贴文本，二者选其一。" in response.content.decode()
    assert Job.objects.count() == 0


def test_another_editors_upload_is_missing(client, staff, seed_bytes):
    job = hold_upload(seed_bytes, "tianjin_column.txt", user=staff, status="draft")
    other = MemberFactory(username="editor2", is_staff=True, is_superuser=True)
    client.force_login(other)
    url = reverse("admin:articles_article_import_job", args=[job.pk])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Article.objects.count() == 0
    assert Job.objects.get().state == Job.State.PREVIEW


def test_members_cannot_reach_an_upload(member_client, staff, seed_bytes):
    job = hold_upload(seed_bytes, "tianjin_column.txt", user=staff, status="draft")
    url = reverse("admin:articles_article_import_job", args=[job.pk])
    response = member_client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert Article.objects.count() == 0


def test_a_large_import_goes_to_the_worker_with_progress(
    editor_client, settings, staff
):
    settings.TASKS = DUMMY
    job_url = preview(editor_client, big_column())["Location"]

    page = editor_client.post(job_url, follow=True).content.decode()

    job = Job.objects.get()
    assert job.state == Job.State.QUEUED and job.total == 60 * 30
    assert Article.objects.count() == 0
    assert "<progress" in page and 'data-job-progress="' in page
    assert "js/jobs.js" in page
    assert "<script>" not in page and "style=" not in page

    run_job(job.pk)  # what the worker does

    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.done == job.total == 1800
    assert Article.objects.count() == 60 and Paragraph.objects.count() == 1800
    assert SearchDocument.objects.filter(kind="paragraph").count() == 1800
    html = editor_client.get(job_url).content.decode()
    assert "在发展新质生产力上勇争先（第59篇）" in html
    assert "已完成" in html


def test_an_import_that_fails_in_the_worker_says_why_in_chinese(staff):
    job = hold_upload(b"\x00" * 4096, "broken.docx", user=staff, status="draft")
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED)

    run_job(job.pk)

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert re.search(r"[\u4e00-\u9fff]", job.error), job.error
    assert library_size() == (0, 0, 0)


def test_an_import_interrupted_after_writing_resumes_with_indexing(staff, seed_bytes):
    job = hold_upload(seed_bytes, "tianjin_column.txt", user=staff, status="draft")
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED)
    job.refresh_from_db()
    from articles.services.jobs import _run_import

    # The articles were written and the position recorded with them; then the
    # worker died before indexing (the index is wiped to stand for that).
    _run_import(job)
    SearchDocument.objects.all().delete()
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )

    run_job(job.pk)

    job.refresh_from_db()
    assert job.state == Job.State.DONE and len(job.result["created"]) == 4
    assert Article.objects.count() == 4
    assert SearchDocument.objects.filter(kind="paragraph").count() == (
        Paragraph.objects.count()
    )


# --- Rebuild as a job ---------------------------------------------------------------
@pytest.fixture
def library(db):
    for n in range(3):
        article = ArticleFactory(title=f"以学铸魂 第{n}篇")
        for m in range(5):
            ParagraphFactory(article=article, text=f"学思用贯通，知信行统一。第{m}段")
    return Article.objects.all()


def indexed() -> set:
    return set(SearchDocument.objects.values_list("kind", "object_id", "text"))


def test_a_rebuild_started_twice_runs_once(settings, staff, library):
    settings.TASKS = DUMMY
    first, started = start_exclusive(Job.Kind.REBUILD_INDEX, user=staff)
    second, again = start_exclusive(Job.Kind.REBUILD_INDEX, user=staff)

    assert (started, again) == (True, False)
    assert first.pk == second.pk and Job.objects.count() == 1
    run_job(first.pk)
    run_job(first.pk)  # a second delivery of the same task does nothing
    first.refresh_from_db()
    assert first.state == Job.State.DONE and first.attempts == 1
    assert first.done == first.total == rebuild_work()
    # Once finished, a new rebuild may start.
    assert start_exclusive(Job.Kind.REBUILD_INDEX)[1] is True


def test_a_running_job_is_not_claimed_while_its_worker_reports(library):
    job = Job.objects.create(kind=Job.Kind.REBUILD_INDEX)
    assert claim_job(job.pk) is not None
    assert claim_job(job.pk) is None
    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    assert claim_job(job.pk).attempts == 2


class Interrupted(Exception):
    pass


def test_an_interrupted_rebuild_resumes_and_ends_as_a_full_one(library, monkeypatch):
    from articles.search import index

    monkeypatch.setattr(index, "REBUILD_BATCH", 4)
    rebuild_search_index()
    complete = indexed()
    SearchDocument.objects.filter(kind="paragraph").delete()
    saved = []

    def die_on_the_third_batch(position):
        saved.append(copy.deepcopy(position))
        if len(saved) == 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        rebuild_search_index(on_progress=die_on_the_third_batch)
    # Two batches committed; the third rolled back with the exception.
    assert SearchDocument.objects.filter(kind="paragraph").count() == 4

    rebuild_search_index(position=saved[1])

    assert indexed() == complete
    assert ArticleKeyword.objects.filter(article__in=library).exists()


def test_a_rebuild_drops_rows_of_objects_deleted_behind_its_back(
    library, group, member
):
    from articles.search.study_kinds import index_note
    from tests.factories import StudySessionFactory

    session = StudySessionFactory(group=group)
    note = DiscussionNote.objects.create(
        session=session, speaker=member, kind="exchange", content="交流发言：学深悟透"
    )
    index_note(note)
    DiscussionNote.objects.filter(pk=note.pk).delete()  # no service, no index update
    assert SearchDocument.objects.filter(kind="note").exists()

    counts = rebuild_search_index()

    assert not SearchDocument.objects.filter(kind="note").exists()
    assert counts["paragraph"] == 15 and counts["title"] == 3


def test_rebuild_command_refuses_while_a_rebuild_runs(library):
    Job.objects.create(kind=Job.Kind.REBUILD_INDEX, state=Job.State.RUNNING)
    before = indexed()
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "already running" in out.getvalue()
    assert Job.objects.count() == 1 and indexed() == before


def test_rebuild_command_runs_a_job(library):
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "paragraph: 15" in out.getvalue()
    assert Job.objects.get().state == Job.State.DONE
    assert search.stale_count() == 0


def test_admin_rebuild_shows_progress_of_the_running_job(
    editor_client, settings, library
):
    settings.TASKS = DUMMY
    editor_client.post(reverse("admin:articles_dictionaryterm_rebuild"))
    response = editor_client.get(reverse("admin:articles_dictionaryterm_changelist"))
    html = response.content.decode()
    job = Job.objects.get()
    assert job.state == Job.State.QUEUED
    assert "正在重建搜索索引" in html
    assert reverse("articles:job_progress", args=[job.pk]) in html
    assert f'max="{job.total}"' in html


# --- The progress view and the job's admin page ------------------------------------
def test_progress_view_reports_done_total_elapsed_and_time_left(editor_client):
    started = timezone.now() - timedelta(seconds=30)
    job = Job.objects.create(
        kind=Job.Kind.REBUILD_INDEX,
        state=Job.State.RUNNING,
        done=250,
        total=1000,
        started_at=started,
        heartbeat_at=timezone.now(),
    )
    data = editor_client.get(reverse("articles:job_progress", args=[job.pk])).json()
    assert (data["done"], data["total"], data["percent"]) == (250, 1000, 25)
    assert data["state_label"] == "进行中" and data["finished"] is False
    assert 29 <= data["elapsed_seconds"] <= 40
    assert 85 <= data["remaining_seconds"] <= 120
    assert data["remaining"].endswith("秒")


@pytest.mark.parametrize("who", ["member", "anonymous"])
def test_progress_view_hides_jobs_from_members(client, member, who):
    job = Job.objects.create(kind=Job.Kind.REBUILD_INDEX)
    if who == "member":
        client.force_login(member)
    response = client.get(reverse("articles:job_progress", args=[job.pk]))
    if who == "member":
        assert response.status_code == 404
    else:
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_progress_view_is_get_only(editor_client):
    job = Job.objects.create(kind=Job.Kind.REBUILD_INDEX)
    response = editor_client.post(reverse("articles:job_progress", args=[job.pk]))
    assert response.status_code == 405


def test_job_admin_page_shows_the_result_or_the_chinese_error(editor_client, staff):
    done = Job.objects.create(
        kind=Job.Kind.IMPORT,
        state=Job.State.DONE,
        done=3,
        total=3,
        started_by=staff,
        result={
            "created": [{"pk": 1, "title": "学在深处"}],
            "skipped": [],
            "warnings": [["学在深处", "这一段可能被分页截断"]],
        },
    )
    failed = Job.objects.create(
        kind=Job.Kind.IMPORT, state=Job.State.FAILED, error="文件无法读取。"
    )
    html = editor_client.get(done.get_absolute_url()).content.decode()
    assert "学在深处" in html and "这一段可能被分页截断" in html
    assert "<progress" in html
    assert (
        "文件无法读取。"
        in editor_client.get(failed.get_absolute_url()).content.decode()
    )
    listing = editor_client.get(reverse("admin:articles_job_changelist"))
    assert "导入文章" in listing.content.decode()


def test_job_list_query_count_does_not_grow(
    editor_client, staff, django_assert_max_num_queries
):
    def count() -> int:
        with django_assert_max_num_queries(50) as context:
            editor_client.get(reverse("admin:articles_job_changelist"))
        return len(context.captured_queries)

    Job.objects.create(kind=Job.Kind.IMPORT, state=Job.State.DONE, started_by=staff)
    one = count()
    for _ in range(2):
        Job.objects.create(kind=Job.Kind.IMPORT, state=Job.State.DONE, started_by=staff)
    assert count() == one


def test_keyword_refresh_runs_as_a_job(library):
    ArticleKeyword.objects.all().delete()
    out = io.StringIO()
    call_command("refresh_keywords", stdout=out)
    job = Job.objects.get()
    assert job.kind == Job.Kind.REFRESH_KEYWORDS and job.state == Job.State.DONE
    assert "for 3 articles" in out.getvalue()
    assert set(ArticleKeyword.objects.values_list("article", flat=True).distinct()) == {
        a.pk for a in library
    }
