"""An editor uploads a large column in the admin, checks the preview, confirms,
watches the progress bar of the background import finish and opens an article."""

import threading

import pytest
from django.db import connection

from articles.models import Article, Job
from articles.services import run_job

from ..factories import MemberFactory
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = (
    "习近平总书记视察天津并发表重要讲话，对新征程上天津工作提出了“四个善作善成”"
    "的重要要求，这为我市统筹推进党建引领基层治理指明了前进方向。"
)


@pytest.fixture
def editor(password, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    # Queued, not run: this test plays the worker, so the page sees the job wait,
    # run and finish.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    return MemberFactory(
        username="editor", display_name="内容编辑", is_staff=True, is_superuser=True
    )


def column(tmp_path):
    blocks = ["党委(党组)理论学习中心组园地", ""]
    for i in range(50):
        blocks += [f"在发展新质生产力上勇争先（第{i}篇）", ""]
        blocks += [f"中共天津市第{i}区委理论学习中心组", ""]
        blocks += ["一、全面系统学，认清发展新质生产力的重大意义", ""]
        blocks += [f"{j}{BODY}\n" for j in range(40)]
    path = tmp_path / "column.txt"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def test_editor_previews_confirms_and_watches_the_import(
    page, live_server, editor, password, screenshot, tmp_path
):
    log_in(page, live_server, "editor", password)
    page.goto(f"{live_server.url}/admin/articles/article/import/")
    page.get_by_label("文件").set_input_files(str(column(tmp_path)))
    page.get_by_role("button", name="预览").click()

    page.wait_for_url("**/admin/articles/article/import/*/")
    assert "预览：识别出50篇文章" in page.locator("h2").first.inner_text()
    assert page.get_by_text("在发展新质生产力上勇争先（第49篇）").is_visible()
    page.locator("details summary").first.click()
    assert page.locator("li.paragraph-heading").first.is_visible()
    assert Article.objects.count() == 0
    screenshot(page, "import-preview")

    page.get_by_role("button", name="确认导入").click()
    bar = page.locator(".job-progress progress")
    bar.wait_for()
    assert page.locator('[data-role="state"]').inner_text() == "排队中"
    job = Job.objects.get()
    assert job.state == Job.State.QUEUED and job.total == 50 * 41

    def worker():
        try:
            run_job(job.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    # The bar moves while the worker indexes (the page polls its JSON view).
    page.wait_for_function(
        "() => { const bar = document.querySelector('.job-progress progress');"
        " return bar === null || bar.value > 0; }",
        timeout=120_000,
    )
    if bar.count():
        screenshot(page, "import-progress", full_page=False)
    thread.join(timeout=300)
    # Finished: the page reloads itself and shows the result.
    page.get_by_role("heading", name="导入结果").wait_for(timeout=60_000)
    assert Job.objects.get().state == Job.State.DONE
    assert Article.objects.count() == 50
    screenshot(page, "import-result")

    page.get_by_role("link", name="在阅读页打开").first.click()
    page.wait_for_url("**/articles/*/")
    assert "在发展新质生产力上勇争先（第0篇）" in page.locator("h1").inner_text()


def test_editor_imports_a_pdf_through_the_worker(
    page, live_server, editor, password, screenshot, tmp_path, monkeypatch
):
    """The acceptance flow with the file units really get: a two-column PDF of the
    bundled column. It is small, so the background path is forced (every import
    becomes a job) to see the bar of a PDF's import move and finish."""
    from articles.services import jobs

    from ..articles import seed_variants as seed

    monkeypatch.setattr(jobs, "SMALL_IMPORT_BYTES", 0)
    monkeypatch.setattr(jobs, "SMALL_IMPORT_PARAGRAPHS", 0)
    path = tmp_path / "专栏.pdf"
    path.write_bytes(seed.as_pdf(columns=2))

    log_in(page, live_server, "editor", password)
    page.goto(f"{live_server.url}/admin/articles/article/import/")
    page.get_by_label("文件").set_input_files(str(path))
    page.get_by_role("button", name="预览").click()
    page.wait_for_url("**/admin/articles/article/import/*/")
    assert "预览：识别出4篇文章" in page.locator("h2").first.inner_text()
    assert Article.objects.count() == 0
    screenshot(page, "import-pdf-preview")

    page.get_by_role("button", name="确认导入").click()
    page.locator(".job-progress progress").wait_for()
    job = Job.objects.get()
    thread = threading.Thread(target=lambda: (run_job(job.pk), connection.close()))
    thread.start()
    thread.join(timeout=300)
    page.get_by_role("heading", name="导入结果").wait_for(timeout=60_000)
    assert Article.objects.count() == 4
    screenshot(page, "import-pdf-result")
    page.get_by_role("link", name="在阅读页打开").first.click()
    page.wait_for_url("**/articles/*/")
    titles = set(Article.objects.values_list("title", flat=True))
    assert page.locator("h1").inner_text().strip() in titles
