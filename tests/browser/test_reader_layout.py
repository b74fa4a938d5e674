"""The reader at 1280 and 390 px: notes beside the text on a wide screen, in a bottom
sheet on a phone, text first on a phone; links to one note show it; and axe-core
finds no serious or critical violation on the member pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Member, StudyGroup
from articles.management.commands.load_demo import DEMO_PASSWORD
from articles.models import Annotation, Article
from articles.services import AttendanceEntry, record_attendance

from ..articles.sessions_support import make_session
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "“学在深处”要落到全区产业布局上，请分管区长谈谈体会。"


@pytest.fixture
def library(db):
    call_command("load_demo", "--no-annotations", verbosity=0)
    article = Article.objects.get(byline="中共天津市工业和信息化局党组理论学习中心组")
    group = StudyGroup.objects.get(name="中共天津市南开区委理论学习中心组")
    writer = Member.objects.get(username="chenjing")
    paragraph = article.paragraphs.filter(kind="body").order_by("position")[2]
    note = Annotation.objects.create(
        author=writer,
        paragraph=paragraph,
        start=4,
        end=16,
        quote=paragraph.text[4:16],
        note=NOTE,
        group=group,
    )
    return article, paragraph, note


def test_wide_screen_shows_the_note_beside_its_paragraph(page, live_server, library):
    article, paragraph, note = library
    log_in(page, live_server, "wangfang", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{article.get_absolute_url()}")

    card = page.locator(f"#a-{note.pk}")
    card.scroll_into_view_if_needed()
    mark = page.locator(f'mark.hl[data-annotation="{note.pk}"]')
    text = page.locator(f"#{paragraph.anchor}").bounding_box()
    box = card.bounding_box()
    # Beside the text, level with its highlight, not under the paragraph.
    assert box["x"] >= text["x"] + text["width"]
    assert abs(box["y"] - mark.bounding_box()["y"]) < 40
    # Folded: the reply box shows once the card is opened, in place.
    reply = card.get_by_placeholder("写下您的回复……")
    assert reply.is_hidden()
    mark.hover()
    assert "note--active" in card.get_attribute("class")
    card.locator(".note__text").click()
    reply.wait_for(state="visible")
    assert card.bounding_box()["x"] == box["x"]


def test_phone_shows_text_first_and_the_note_in_a_sheet(
    phone_page, live_server, library, screenshot
):
    article, paragraph, note = library
    page = phone_page
    log_in(page, live_server, "wangfang", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{article.get_absolute_url()}")

    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 60  # one line
    first = page.locator(".reader__para").first.bounding_box()
    assert first["y"] + 60 < 844  # its first lines on the first screen
    assert page.locator(".reader__tools").get_attribute("open") is None
    assert page.locator(f"#a-{note.pk}").is_hidden()  # behind the chip
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.locator(f'mark.hl[data-annotation="{note.pk}"]').tap()
    sheet = page.locator("#note-sheet")
    sheet.wait_for(state="visible")
    assert NOTE in sheet.inner_text()
    assert sheet.bounding_box()["y"] > 844 * 0.3
    screenshot(page, "reader-sheet-phone", full_page=False)
    sheet.get_by_role("button", name="关闭").click()
    assert sheet.is_hidden()
    # The notes went back under their paragraph, with their forms.
    assert page.locator(f"#notes-{paragraph.anchor} #a-{note.pk}").count() == 1


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_link_to_one_note_shows_it(page, phone_page, live_server, library, width):
    article, paragraph, note = library
    page = page if width == "desktop" else phone_page
    log_in(page, live_server, "wangfang", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    # As the home page and search results link it.
    page.goto(f"{live_server.url}{note.get_absolute_url()}")
    page.wait_for_url(f"**?focus={note.pk}#a-{note.pk}")
    card = page.locator(f"#a-{note.pk}")
    card.wait_for(state="visible")
    page.wait_for_timeout(500)  # the second settling scroll
    box = card.bounding_box()
    height = page.viewport_size["height"]
    assert 0 <= box["y"] < height
    assert card.get_by_placeholder("写下您的回复……").is_visible()


PAGES = [
    "reader",
    "home",
    "list",
    "my_annotations",
    "search",
    "theme",
    "sessions",
    "session_detail",
    "attendance",
    "archive",
    "profile",
]


@pytest.fixture
def session(library):
    article, paragraph, note = library
    group = StudyGroup.objects.get(name="中共天津市南开区委理论学习中心组")
    held = make_session(group, article=article, topic="以党建引领基层治理创新专题学习")
    secretary = Member.objects.get(username="liming")
    record_attendance(
        held,
        [
            AttendanceEntry(member=m, status=status, leave_reason=reason)
            for m, status, reason in [
                (Member.objects.get(username="wangfang"), "present", ""),
                (Member.objects.get(username="chenjing"), "on_leave", "出差"),
                (Member.objects.get(username="zhaoqiang"), "absent", ""),
            ]
        ],
        author=secretary,
    )
    note.tags.add("新质生产力")
    return held


def _url(name, library, session) -> str:
    article, paragraph, note = library
    return {
        "reader": article.get_absolute_url(),
        "home": reverse("home"),
        "list": reverse("articles:list"),
        "my_annotations": reverse("articles:my_annotations"),
        "search": reverse("articles:search") + "?q=新质生产力",
        "theme": reverse("articles:theme", args=["新质生产力"]),
        "sessions": reverse("articles:session_list"),
        "session_detail": session.get_absolute_url(),
        "attendance": reverse("articles:session_attendance", args=[session.pk]),
        "archive": reverse("articles:my_archive"),
        "profile": reverse("profile"),
    }[name]


# Text smaller than 15 px (secondary text's floor; body text is 17 px or more),
# as (tag.class, size) of visible elements with text of their own.
SMALL_TEXT = """() => {
  const small = [];
  for (const element of document.body.querySelectorAll("*")) {
    const own = [...element.childNodes].some(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!own || !element.getClientRects().length) continue;
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || element.closest(".visually-hidden")) continue;
    const size = parseFloat(style.fontSize);
    if (size < 15) small.push(`${element.tagName}.${element.className} ${size}px`);
  }
  return small.slice(0, 5);
}"""


def test_member_pages_pass_axe(page, phone_page, live_server, library, session):
    axe = Axe()
    found = {}
    for each in (page, phone_page):
        # The secretary sees every page the members do, and the attendance form.
        log_in(each, live_server, "liming", DEMO_PASSWORD)
        each.wait_for_url(f"{live_server.url}/")
        for name in PAGES:
            response = each.goto(f"{live_server.url}{_url(name, library, session)}")
            assert response.status == 200, name
            result = axe.run(each)
            bad = [
                f"{v['id']}: {v['nodes'][0]['target']} "
                f"{v['nodes'][0].get('failureSummary', '')[:300]}"
                for v in result.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            bad += each.evaluate(SMALL_TEXT)
            body = each.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
            if body < 17:
                bad.append(f"body text {body}px")
            if each is phone_page:
                # One line of header, and nothing wider than the phone.
                header = each.locator(".site-header").bounding_box()["height"]
                if header > 60:
                    bad.append(f"header {header}px high")
                width = each.evaluate("document.scrollingElement.scrollWidth")
                if width > 390:
                    bad.append(f"page {width}px wide")
            if bad:
                found[f"{name}@{each.viewport_size['width']}"] = bad
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_without_javascript_every_note_shows_under_its_paragraph(
    browser, live_server, library
):
    article, paragraph, note = library
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        log_in(page, live_server, "wangfang", DEMO_PASSWORD)
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}{article.get_absolute_url()}")
        card = page.locator(f"#a-{note.pk}")
        card.scroll_into_view_if_needed()
        assert card.is_visible()
        assert card.get_by_placeholder("写下您的回复……").is_visible()
        text = page.locator(f"#{paragraph.anchor}").bounding_box()
        assert card.bounding_box()["y"] > text["y"] + text["height"] - 1
        # The compact control opens without a script, and holds the exports.
        page.locator(".reader__tools-summary").click()
        page.locator(".export-menu summary").click()
        assert page.get_by_role("link", name="打印讲义").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_highlight_is_reached_and_opened_by_keyboard(
    page, phone_page, live_server, library, width
):
    article, paragraph, note = library
    page = page if width == "desktop" else phone_page
    log_in(page, live_server, "wangfang", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    mark = page.locator(f'mark.hl[data-annotation="{note.pk}"]')
    card = page.locator(f"#a-{note.pk}")
    # Named by its words, as a button.
    named = page.get_by_role("button", name=f"{note.quote}（查看批注）")
    assert named.count() == 1
    for _ in range(80):
        page.keyboard.press("Tab")
        if mark.evaluate("m => m === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the highlight")
    assert "note--active" in card.get_attribute("class")
    if width == "desktop":
        # Focus opens the thread beside the text; Enter goes to its reply box.
        assert "note--open" in card.get_attribute("class")
        page.keyboard.press("Enter")
        reply = card.get_by_placeholder("写下您的回复……")
        assert reply.evaluate("r => r === document.activeElement")
        assert reply.is_visible()
    else:
        page.keyboard.press("Enter")
        sheet = page.locator("#note-sheet")
        sheet.wait_for(state="visible")
        # The cards lay out lazily (content-visibility): wait until the note's
        # words are rendered in the sheet, not only the sheet's frame.
        sheet.get_by_text(NOTE).wait_for(state="visible")
        assert NOTE in sheet.inner_text()
        assert sheet.get_by_placeholder("写下您的回复……").is_visible()


def test_phone_header_is_one_line_with_a_menu(phone_page, live_server, library):
    page = phone_page
    log_in(page, live_server, "wangfang", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    header = page.locator(".site-header")
    assert header.bounding_box()["height"] <= 60
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    # Room at the right for one more icon-sized item (issue 15: notifications).
    name = page.locator(".brand__name")
    text_end = name.bounding_box()["x"] + name.evaluate("b => b.scrollWidth")
    search = page.get_by_role("link", name="查找", exact=True).bounding_box()
    assert search["x"] - text_end >= 48
    assert page.get_by_role("button", name="退出").is_hidden()
    page.locator(".header-menu__summary").click()
    menu = page.get_by_role("navigation", name="菜单")
    for name in ("学习材料", "我的批注", "我的档案", "王芳"):
        assert menu.get_by_role("link", name=name).is_visible()
    menu.get_by_role("link", name="我的批注").click()
    page.wait_for_url("**/annotations/")
    page.locator(".header-menu__summary").click()
    menu.get_by_role("button", name="退出").click()
    page.wait_for_url("**/accounts/login/**")


def test_pages_have_a_favicon(page, live_server, library):
    log_in(page, live_server, "wangfang", DEMO_PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    href = page.locator('link[rel="icon"]').get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in response.text()
