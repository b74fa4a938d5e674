"""Stored XSS: hostile text in every current surface renders inert.

Surfaces today: article title, byline and source; paragraph text (typed in the admin
or imported from a file); theme names; the admin's lists and forms; a member's and a
group's names. The surfaces of issues 3 and 4 (annotations, replies, sessions,
speeches, the plan and every export) are in test_xss_study.py; after issue 5 add
search results (highlighted snippets!) and any CSV export.
"""

import re

import pytest
from django.urls import reverse

from articles.models import Article
from articles.services import import_document

from ..factories import ArticleFactory, MemberFactory, ParagraphFactory

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("xss")</script>'
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
PAYLOAD = f"学习{SCRIPT}{IMG}{JS_URL}"

# What must never appear in a page: live markup from the payload, or the payload's
# URL in an attribute.
LIVE = [
    re.compile(r"<script>alert", re.I),
    re.compile(r"<img src=x", re.I),
    re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
]


def assert_inert(html: str, where: str) -> None:
    for pattern in LIVE:
        assert not pattern.search(html), (where, pattern.pattern)


def assert_shown_escaped(html: str, where: str) -> None:
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html, where
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html, where


@pytest.fixture
def hostile(member):
    article = ArticleFactory(title=PAYLOAD, byline=PAYLOAD, source=PAYLOAD)
    ParagraphFactory(article=article, kind="heading", text=PAYLOAD)
    ParagraphFactory(article=article, text=PAYLOAD)
    # Theme names are validated in forms (articles.validators); the page must stay
    # safe for a name that reached taggit another way.
    article.tags.add(PAYLOAD)
    return article


def test_member_pages_render_hostile_text_inert(member_client, hostile):
    tag = hostile.tags.get()
    pages = {
        "list": reverse("articles:list"),
        "list by theme": reverse("articles:list") + f"?theme={tag.slug}",
        "reader": hostile.get_absolute_url(),
        "theme": reverse("articles:theme", args=[tag.slug]),
    }
    for where, url in pages.items():
        response = member_client.get(url)
        assert response.status_code == 200, where
        html = response.content.decode()
        assert_inert(html, where)
        assert_shown_escaped(html, where)


def test_admin_pages_render_hostile_text_inert(client, staff, hostile):
    client.force_login(staff)
    paragraph = hostile.paragraphs.first()
    tag = hostile.tags.get()
    pages = [
        "/admin/articles/article/",
        f"/admin/articles/article/{hostile.pk}/change/",
        f"/admin/articles/article/{hostile.pk}/delete/",
        "/admin/articles/paragraph/",
        f"/admin/articles/paragraph/{paragraph.pk}/change/",
        "/admin/taggit/tag/",
        f"/admin/taggit/tag/{tag.pk}/change/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)


def test_imported_text_renders_inert(member_client):
    document = (
        "党委(党组)理论学习中心组园地\n\n"
        f"以党建引领基层治理创新{SCRIPT}\n\n"
        "中共天津市委社会工作部理论学习中心组\n\n"
        f"习近平总书记视察天津并发表重要讲话{IMG}，{JS_URL}对新征程上天津工作"
        "提出了“四个善作善成”的重要要求。\n"
    ).encode()
    result = import_document(document, "hostile.txt", status=Article.Status.PUBLISHED)
    [article] = result.created
    # The importer repairs ASCII quotes to Chinese ones; the markup stays as text.
    assert "<script>alert(" in article.title
    assert any("<img src=x onerror=" in p.text for p in article.paragraphs.all())
    for url in [reverse("articles:list"), article.get_absolute_url()]:
        html = member_client.get(url).content.decode()
        assert_inert(html, url)
        assert "&lt;script&gt;" in html


def test_names_of_people_and_groups_render_inert(client, group):
    person = MemberFactory(username="hostile", display_name=f"王{IMG}")
    group.name = f"南开{SCRIPT}"
    group.save()
    group.memberships.create(member=person)
    client.force_login(person)
    for url in [reverse("profile"), reverse("articles:list")]:
        html = client.get(url).content.decode()
        assert_inert(html, url)
        assert "王&quot;&gt;&lt;img" in html


def test_no_template_marks_text_safe():
    """Autoescaping is only as good as the templates that never switch it off."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in [
        *root.glob("templates/**/*.html"),
        *root.glob("*/templates/**/*.html"),
    ]:
        # Help texts are ours, not users' (Django's admin renders them the same way).
        text = path.read_text(encoding="utf-8").replace("field.help_text|safe", "")
        if re.search(r"\|\s*safe\b|autoescape\s+off|\bsafeseq\b", text):
            offenders.append(str(path.relative_to(root)))
    for path in [*root.glob("articles/**/*.py"), *root.glob("accounts/**/*.py")]:
        relative = str(path.relative_to(root))
        allowed = AUDITED_MARK_SAFE.get(relative, set())
        for function in functions_calling_mark_safe(path.read_text(encoding="utf-8")):
            if function not in allowed:
                offenders.append(f"{relative}: {function}")
    assert offenders == []


# The only functions allowed to call mark_safe, each audited: they build HTML in
# Python for speed (the reader renders every annotation of an article; see the
# module's docstring), and every piece of user text they insert goes through
# ``escape`` — tested by test_xss_study.py with hostile notes, quotes, replies,
# themes, names and titles. A new caller fails here until it is audited too.
AUDITED_MARK_SAFE = {
    # items_html joins items annotation_html made.
    # render_items marks what annotation_segments built (escaped pieces) with the
    # owners' markers around their links, for a shared fragment.
    "articles/reading/items.py": {
        "highlight",
        "annotation_html",
        "items_html",
        "render_items",
    },
    # The reader's cached layers: items and highlights items.py built, with the
    # viewer's own links and an escaped CSRF token filled in.
    "articles/reading/layers.py": {"assemble"},
    # The reader's cached body: only its own constant slots (where the items, the
    # CSRF token and the body go), no text; _head marks the constant CSRF slot of
    # the head a template renders (autoescaped), which fragments.fill fills.
    "articles/reading/body.py": {"reader_body", "_build", "_head"},
    # Search snippets: _marked escapes every slice of the original text it joins.
    "articles/search/highlight.py": {"highlight", "snippet"},
    # The article list's cached cards with the member's own count and studied mark
    # put in: a number and two translated words, escaped.
    "articles/reading/listing.py": {"_fill"},
    # Search pages rendered by templates (autoescaped) with the CSRF slot.
    "articles/reading/search_pages.py": {"_render"},
    # The sign-in QR code: segno's SVG holds path data and the escaped title only
    # (tests/articles/test_signin.py::test_code_svg_holds_no_text_of_the_url).
    "articles/services/signin.py": {"code_svg"},
    # Cached fragments: HTML a template rendered with autoescaping, with owner-only
    # pieces cut by their comment markers and the escaped CSRF token put in;
    # render_fragment marks only the constant CSRF slot safe.
    "articles/reading/fragments.py": {"fill", "render_fragment"},
    # {% owned_by %}: the markers (a member id through int()) around its rendered,
    # autoescaped children.
    "articles/templatetags/fragment_tags.py": {"render"},
    # The record pages' fragments: the CSRF placeholder (a constant) rendered in
    # place of the token, and the record's HTML with the viewer's leave box (both
    # rendered by templates) put in at a comment slot.
    "articles/records/fragments.py": {"render_record_fragment"},
    "articles/views/sessions.py": {"_with_leave"},
}


def functions_calling_mark_safe(source: str) -> list[str]:
    """The names of the functions whose body calls mark_safe (``<module>`` for a
    call outside any function)."""
    import ast

    found = []

    def visit(node, owner):
        for child in ast.iter_child_nodes(node):
            inner = owner
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = child.name
            if isinstance(child, ast.Call):
                name = getattr(child.func, "id", getattr(child.func, "attr", ""))
                if name == "mark_safe":
                    found.append(owner)
            visit(child, inner)

    visit(ast.parse(source), "<module>")
    return found
