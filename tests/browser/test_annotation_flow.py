"""Member A annotates a selected passage for the group; member B of the same group
sees the highlight and replies; a member of another group sees neither."""

import pytest
from django.core.management import call_command

from articles.management.commands.load_demo import DEMO_PASSWORD
from articles.models import Annotation, Article, Reply

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "“学在深处”要落到全区产业布局上，下次中心组学习时请分管区长谈谈体会。"
REPLY = "同意。建议结合𠀀这类生僻字的排版问题，一并检查宣传材料。"


@pytest.fixture
def article(db):
    # No demo annotations: the test follows the first highlights of the page.
    call_command("load_demo", "--no-annotations", verbosity=0)
    article = Article.objects.get(byline="中共天津市工业和信息化局党组理论学习中心组")
    # A character outside the BMP before the passage: the browser's UTF-16 offsets
    # differ from the server's code points from here on.
    paragraph = article.paragraphs.filter(kind="body").order_by("position")[1]
    paragraph.text = "𠀀" + paragraph.text
    paragraph.save()
    return article


def select_text(page, paragraph_id: int, words: str) -> None:
    """Select ``words`` inside a paragraph, as a mouse drag would."""
    page.evaluate(
        """([id, words]) => {
            const para = document.getElementById(id);
            const walker = document.createTreeWalker(para, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.data.indexOf(words);
                if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + words.length);
                    const selection = window.getSelection();
                    selection.removeAllRanges();
                    selection.addRange(range);
                    return;
                }
            }
            throw new Error("words not found");
        }""",
        [f"p-{paragraph_id}", words],
    )


def test_group_annotation_and_reply_across_members(
    page, phone_page, live_server, article, screenshot
):
    paragraph = article.paragraphs.filter(kind="body").order_by("position")[1]
    words = paragraph.text[10:24]

    # Member A (王芳) selects a passage and shares a note with the group.
    log_in(page, live_server, "wangfang", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")  # the home page
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.locator(f"#p-{paragraph.pk}").scroll_into_view_if_needed()
    select_text(page, paragraph.pk, words)
    popup = page.get_by_role("button", name="批注选中的文字")
    popup.wait_for(state="visible")
    screenshot(page, "annotate-selection-desktop", full_page=False)
    popup.click()
    form = page.locator(f"#annotate-{paragraph.pk}")
    assert form.locator(".annotate__quote").inner_text() == words
    form.get_by_label("批注内容").fill(NOTE)
    form.get_by_label("主题").fill("新质生产力，学在深处")
    form.get_by_label("谁能看到").select_option(
        label="本学习小组：中共天津市南开区委理论学习中心组"
    )
    screenshot(page, "annotate-form-desktop", full_page=False)
    form.get_by_role("button", name="保存批注").click()
    page.wait_for_url("**#a-*")

    annotation = Annotation.objects.get()
    assert annotation.quote == words
    assert (annotation.start, annotation.end) == (10, 24)  # code points, not UTF-16
    assert annotation.group.name == "中共天津市南开区委理论学习中心组"
    assert page.locator("mark.hl").inner_text() == words

    # Member B (陈静), same group: sees the highlight, opens it, replies.
    page.context.clear_cookies()
    log_in(page, live_server, "chenjing", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")  # the home page
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    mark = page.locator("mark.hl")
    assert mark.inner_text() == words
    page.locator(f"#p-{paragraph.pk}").scroll_into_view_if_needed()
    screenshot(page, "reader-highlight-desktop", full_page=False)
    mark.click()
    item = page.locator(f"#a-{annotation.pk}")
    item.wait_for(state="visible")
    assert NOTE in item.inner_text()
    item.get_by_placeholder("写下您的回复……").fill(REPLY)
    item.get_by_role("button", name="回复").click()
    page.wait_for_url("**#r-*")
    assert REPLY in page.locator(f"#a-{annotation.pk}").inner_text()
    assert Reply.objects.get().author.username == "chenjing"
    page.locator(f"#a-{annotation.pk}").scroll_into_view_if_needed()
    screenshot(page, "reader-annotations-desktop", full_page=False)
    screenshot(page, "reader-annotations-desktop-full")

    # 刘洋 of the other group sees neither the highlight nor the note.
    page.context.clear_cookies()
    log_in(page, live_server, "liuyang", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")  # the home page
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert page.locator("mark.hl").count() == 0
    assert NOTE not in page.content()
    assert REPLY not in page.content()
    assert page.locator(f"#a-{annotation.pk}").count() == 0

    # Member B on a phone.
    log_in(phone_page, live_server, "chenjing", DEMO_PASSWORD)
    phone_page.wait_for_url(f"{live_server.url}/")  # the home page
    phone_page.goto(f"{live_server.url}{annotation.get_absolute_url()}")
    phone_page.locator(f"#a-{annotation.pk}").wait_for(state="visible")
    screenshot(phone_page, "reader-annotations-phone", full_page=False)
    phone_page.locator("mark.hl").scroll_into_view_if_needed()
    screenshot(phone_page, "reader-highlight-phone", full_page=False)
    scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
    phone_page.goto(f"{live_server.url}/articles/{article.pk}/handout/")
    screenshot(phone_page, "handout-phone")
    page.context.clear_cookies()
    log_in(page, live_server, "wangfang", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")  # the home page
    page.goto(f"{live_server.url}/articles/{article.pk}/handout/")
    screenshot(page, "handout-desktop")
    page.emulate_media(media="print")
    screenshot(page, "handout-print")
    page.emulate_media(media="screen")
    page.goto(f"{live_server.url}/annotations/")
    screenshot(page, "my-annotations-desktop")


def test_selection_running_past_a_paragraph_is_cut_at_its_end(
    page, live_server, article
):
    first, second = article.paragraphs.filter(kind="body").order_by("position")[:2]
    log_in(page, live_server, "wangfang", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")  # the home page
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    # From the 5th character of the first body paragraph into the next one, as a
    # drag or a triple click does.
    page.evaluate(
        """([a, b]) => {
            const range = document.createRange();
            range.setStart(document.getElementById(a).firstChild, 5);
            range.setEnd(document.getElementById(b).firstChild, 3);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }""",
        [f"p-{first.pk}", f"p-{second.pk}"],
    )
    page.get_by_role("button", name="批注选中的文字").click()

    form = page.locator(f"#annotate-{first.pk} form")
    assert form.locator(".annotate__quote").inner_text() == first.text[5:].strip()
    assert form.locator("input[name=start]").input_value() == "5"


def test_without_javascript_the_plain_form_annotates_the_whole_paragraph(
    browser, live_server, article, screenshot
):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        paragraph = article.paragraphs.filter(kind="body").order_by("position")[0]
        log_in(page, live_server, "wangfang", DEMO_PASSWORD)
        page.wait_for_url(f"{live_server.url}/")  # the home page
        page.goto(f"{live_server.url}{article.get_absolute_url()}")
        assert page.get_by_role("button", name="批注选中的文字").is_hidden()
        form = page.locator(f"#annotate-{paragraph.pk}")
        form.locator("summary").click()
        form.get_by_label("批注内容").fill("整段都要反复学习。")
        form.get_by_role("button", name="保存批注").click()
        page.wait_for_url("**#a-*")

        annotation = Annotation.objects.get()
        assert annotation.quote == paragraph.text
        assert annotation.group is None
        assert "整段都要反复学习。" in page.locator(f"#a-{annotation.pk}").inner_text()
        screenshot(page, "reader-no-js-desktop", full_page=False)
    finally:
        context.close()
