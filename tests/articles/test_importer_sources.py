"""The seed column as it really reaches a secretary — PDF in one and two columns, a
saved WeChat page, text in the usual indented layout — imports to the same articles
as the plain text; files whose text cannot be read faithfully are refused."""

import io
from datetime import date

import pytest
from django.urls import reverse

from articles.importer import ImportFailed, parse_document, parse_text
from articles.models import Article, Paragraph
from articles.services import import_document
from tests.articles import seed_variants as seed


@pytest.fixture(scope="module")
def seed_articles():
    return seed.seed_articles()


def _contents(articles):
    """What a reader sees of each article, and what the editor is warned about."""
    return [
        (
            a.title,
            a.author,
            a.source,
            [(p.kind, p.text) for p in a.paragraphs],
            [(w.code, w.paragraph_index) for w in a.warnings],
        )
        for a in articles
    ]


def _fails(data: bytes, filename: str) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        parse_document(data, filename)
    return caught.value


# --- the usual Chinese layout -----------------------------------------------------


@pytest.mark.parametrize("width", [20, 37, 50, 64, 81, 120])
@pytest.mark.parametrize("blank_lines", [False, True], ids=["dense", "blank-lines"])
@pytest.mark.parametrize(
    "indent", ["\u3000\u3000", "    "], ids=["ideographic", "ascii"]
)
def test_indented_hard_wrapped_text_parses_like_the_seed(
    seed_articles, width, blank_lines, indent
):
    data = seed.indented_layout(width, blank_lines=blank_lines, indent=indent)
    parsed = parse_document(data, "column.txt")
    assert parsed.articles == seed_articles


def test_indented_layout_keeps_a_space_typed_between_han_characters():
    article = parse_document(seed.indented_layout(40), "column.txt").articles[2]
    assert any("开设“牢记嘱托 善作善成”等" in p.text for p in article.paragraphs)


def test_one_paragraph_per_line_is_not_mistaken_for_hard_wrapping():
    parsed = parse_document(seed.HAND_WRITTEN, "column.txt")
    assert len(parsed.articles[0].paragraphs) == 8


def test_pasted_text_imports_like_the_same_text_file(seed_articles):
    assert parse_text(seed.seed_text()).articles == seed_articles
    pasted = seed.indented_layout(50).decode()
    assert parse_text(pasted).articles == seed_articles


def test_pasted_blank_text_is_empty():
    with pytest.raises(ImportFailed) as caught:
        parse_text(" \n\u3000\n")
    assert caught.value.code == "empty"


# --- PDF --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_one_column():
    return seed.as_pdf(columns=1)


@pytest.fixture(scope="module")
def pdf_two_columns():
    return seed.as_pdf(columns=2)


@pytest.mark.parametrize("fixture", ["pdf_one_column", "pdf_two_columns"])
def test_pdf_parses_like_the_seed(request, seed_articles, fixture):
    parsed = parse_document(request.getfixturevalue(fixture), "column.pdf")
    assert parsed.encoding == "pdf"
    assert _contents(parsed.articles) == _contents(seed_articles)


def test_pdf_running_heads_and_page_numbers_are_dropped(pdf_two_columns):
    parsed = parse_document(pdf_two_columns, "column.pdf")
    texts = [p.text for a in parsed.articles for p in a.paragraphs]
    assert not any(seed.RUNNING_HEAD[:4] in text for text in texts)
    assert not any("—" in text and text.strip("— 0123456789") == "" for text in texts)
    # The two columns were read one after the other, not across the gutter.
    first = parsed.articles[0].paragraphs[0].text
    assert first.startswith("习近平总书记视察天津并发表重要讲话，对新征程上天津工作")


def test_pdf_look_alike_radicals_become_ideographs():
    # The font maps 门 to the radical ⻔ (U+2E54): the text must say 门.
    [article] = parse_document(seed.kangxi_pdf(), "note.pdf").articles
    assert (
        article.paragraphs[0].text
        == "习近平总书记强调，要坚持十个明确，打开门户搞建设。"
    )


def test_kangxi_radicals_are_normalised_in_text_too():
    text = "学习体会\n\n中共滨江区委理论学习中心组\n\n坚持⼗个明确，⻓期坚持。\n"
    [article] = parse_text(text).articles
    assert article.paragraphs[0].text == "坚持十个明确，长期坚持。"


@pytest.mark.parametrize(
    ("build", "code", "chinese"),
    [
        (seed.scanned_pdf, "pdf_scanned", "扫描件"),
        (seed.cid_pdf, "pdf_unmapped", "乱码"),
        (seed.simple_font_pdf, "pdf_unmapped", "乱码"),
        (seed.replacement_char_pdf, "pdf_unmapped", "乱码"),
        (lambda: seed.raw_pdf(b""), "pdf_no_text", "没有文字"),
        (lambda: b"%PDF-1.4\n" + b"\x00garbage" * 50, "corrupt_pdf", "已损坏"),
    ],
    ids=["scan", "cid-glyphs", "font-without-map", "u+fffd", "no-text", "damaged"],
)
def test_unreadable_pdf_is_refused_with_what_to_do(build, code, chinese):
    failure = _fails(build(), "column.pdf")
    assert failure.code == code
    assert chinese in failure.message
    if code != "corrupt_pdf":
        assert "Word" in failure.message and "OCR" in failure.message


def test_password_protected_pdf_is_refused():
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt="secret")
    pdf.drawString(72, 720, "text")
    pdf.save()
    failure = _fails(buffer.getvalue(), "column.pdf")
    assert failure.code == "pdf_encrypted"
    assert "密码" in failure.message


# --- saved web pages --------------------------------------------------------------


def test_wechat_page_parses_like_the_seed(seed_articles):
    parsed = parse_document(seed.as_wechat_page(), "公众号文章.html")
    assert _contents(parsed.articles) == _contents(seed_articles)
    assert {a.published_on for a in parsed.articles} == {date(2024, 3, 1)}


def test_wechat_page_saved_as_mhtml_parses_like_the_seed(seed_articles):
    data = seed.as_mhtml(seed.as_wechat_page())
    parsed = parse_document(data, "公众号文章.mhtml")
    assert _contents(parsed.articles) == _contents(seed_articles)


def test_wechat_page_drops_scripts_qr_codes_and_recommendations():
    parsed = parse_document(seed.as_wechat_page(), "page.htm")
    texts = " ".join(p.text for a in parsed.articles for p in a.paragraphs)
    for junk in (
        "不是正文",
        "visibility",
        "二维码",
        "推荐阅读",
        "学习制度汇编",
        "扫一扫",
    ):
        assert junk not in texts


GOVERNMENT_PAGE = """<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<meta name="ArticleTitle" content="坚持学思用贯通 推动主题教育走深走实">
<meta name="PubDate" content="2024-05-20 09:30">
<title>坚持学思用贯通 推动主题教育走深走实_滨江区人民政府</title></head><body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zw">政务公开</a></li>
<li><a href="/xw">新闻中心</a></li></ul></div>
<div class="location">当前位置：<a href="/">首页</a> &gt;
<a href="/xw">要闻动态</a></div>
<div class="article"><h1>坚持学思用贯通 推动主题教育走深走实</h1>
<div class="info">发布时间：2024-05-20 来源：区委宣传部 【字体：大 中 小】</div>
<div class="TRS_Editor">
<p>中共滨江区委理论学习中心组</p>
<p>　　今年以来，区委理论学习中心组坚持把学习贯彻习近平新时代中国特色社会主义思想
作为首要政治任务，推动学习往深里走、往心里走、往实里走。</p>
<p>一、坚持学深悟透，筑牢思想根基</p>
<p>　　全年安排集中学习12次，围绕“四下基层”等专题开展交流研讨，
形成调研报告5篇。</p>
</div>
<div class="share">分享到：微信 微博</div>
</div>
<div class="related"><h3>相关阅读</h3>
<ul><li><a href="/1">区委召开理论学习中心组学习会</a></li></ul></div>
<div class="footer">版权所有：滨江区人民政府办公室 主办单位：滨江区人民政府</div>
</body></html>"""


def test_government_page_gives_its_article_title_and_date():
    parsed = parse_document(GOVERNMENT_PAGE.encode("gb18030"), "page.html")
    [article] = parsed.articles
    assert parsed.encoding == "gb18030"
    assert article.title == "坚持学思用贯通 推动主题教育走深走实"
    assert article.author == "中共滨江区委理论学习中心组"
    assert article.published_on == date(2024, 5, 20)
    assert [(p.kind, p.text[:8]) for p in article.paragraphs] == [
        ("body", "今年以来，区委理"),
        ("heading", "一、坚持学深悟透"),
        ("body", "全年安排集中学习"),
    ]


def test_page_without_known_container_is_read_where_its_text_is():
    paragraphs = "".join(
        f"<p>{sentence}</p>"
        for sentence in [
            "我们认真学习了习近平总书记重要讲话精神，大家一致认为，要把学习成果转化为推动发展的实际成效。",
            "坚持问题导向，聚焦群众急难愁盼，切实把好事办好、实事办实。",
        ]
    )
    links = "".join(f'<li><a href="/{n}">栏目链接第{n}条</a></li>' for n in range(30))
    page = (
        "<html><head><title>学习心得 - 某某网</title></head><body>"
        f"<div class='left'><ul>{links}</ul></div><div class='right'>{paragraphs}"
        "</div></body></html>"
    )
    [article] = parse_document(page.encode(), "page.html").articles
    assert article.title == "学习心得"
    assert [p.text[:6] for p in article.paragraphs] == ["我们认真学习", "坚持问题导向"]


HOME_PAGE = (
    """<html><head><title>滨江区人民政府</title></head><body>
<div class="nav"><a href="/">首页</a><a href="/zw">政务公开</a></div>
<ul>"""
    + "".join(
        f'<li><a href="/news/{n}">区委理论学习中心组召开第{n}次集体学习会议</a></li>'
        for n in range(40)
    )
    + "</ul><div class='footer'>版权所有</div></body></html>"
)


def test_page_without_main_text_is_refused():
    failure = _fails(HOME_PAGE.encode(), "index.html")
    assert failure.code == "no_main_text"
    assert "没有找到文章正文" in failure.message


# --- refused means nothing written -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("build", "filename", "code"),
    [
        (seed.scanned_pdf, "scan.pdf", "pdf_scanned"),
        (seed.cid_pdf, "cid.pdf", "pdf_unmapped"),
        (lambda: HOME_PAGE.encode(), "index.html", "no_main_text"),
    ],
    ids=["scan", "cid-glyphs", "no-main-text"],
)
def test_refused_source_writes_nothing(build, filename, code):
    import_document(seed.as_utf8(), "tianjin_column.txt")
    before = (Article.objects.count(), Paragraph.objects.count())

    with pytest.raises(ImportFailed) as caught:
        import_document(build(), filename)

    assert caught.value.code == code
    assert (Article.objects.count(), Paragraph.objects.count()) == before


@pytest.mark.django_db
def test_imported_web_page_keeps_its_publication_date():
    result = import_document(GOVERNMENT_PAGE.encode("gb18030"), "page.html")
    [article] = result.created
    article.refresh_from_db()
    assert article.published_on == date(2024, 5, 20)
    assert article.paragraphs.count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("build", "filename"),
    [
        (lambda: seed.as_pdf(columns=2), "专栏.pdf"),
        (seed.as_wechat_page, "专栏.html"),
    ],
    ids=["pdf", "html"],
)
def test_admin_upload_imports_a_pdf_or_a_web_page(client, staff, build, filename):
    client.force_login(staff)
    upload = io.BytesIO(build())
    upload.name = filename

    response = client.post(
        reverse("admin:articles_article_import"),
        {"document": upload, "status": "draft"},
    )

    # Read, not written: the preview shows the warnings to review.
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert "感可及的实事" in preview.content.decode()
    assert Article.objects.count() == 0
    client.post(response["Location"])  # confirmed
    assert Article.objects.count() == 4
    assert Paragraph.objects.filter(text__startswith="不断强化“作”").count() == 1


@pytest.mark.django_db
def test_admin_upload_of_a_scan_shows_the_chinese_refusal(client, staff):
    client.force_login(staff)
    upload = io.BytesIO(seed.scanned_pdf())
    upload.name = "扫描件.pdf"

    response = client.post(
        reverse("admin:articles_article_import"),
        {"document": upload, "status": "draft"},
    )

    assert response.status_code == 200
    assert "OCR" in " ".join(response.context["form"].errors["document"])
    assert Article.objects.count() == 0
