"""The bundled seed column written the ways users will upload it.

Every variant carries the same text, so each must parse to the same articles.
"""

import io
from pathlib import Path

import docx

SEED_PATH = (
    Path(__file__).resolve().parents[2] / "articles" / "demo" / "tianjin_column.txt"
)

# The seed's one heading that was printed over two lines (joined by a space).
WRAPPED_HEADING = '二、筑牢文化惠民之"基",在共建共享中满足人民精神 文化需求'


def seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


def as_utf8() -> bytes:
    return SEED_PATH.read_bytes()


def as_utf8_bom() -> bytes:
    return b"\xef\xbb\xbf" + as_utf8()


def as_gbk_crlf() -> bytes:
    """What Notepad on a Chinese Windows saves: GBK ("ANSI") with CRLF."""
    return seed_text().replace("\n", "\r\n").encode("gbk")


def as_lone_cr() -> bytes:
    return seed_text().replace("\n", "\r").encode("gb18030")


def hard_wrapped(width: int = 30) -> bytes:
    """Every line sliced every `width` characters; blank lines stay blank."""
    out = []
    for line in seed_text().split("\n"):
        if not line:
            out.append(line)
        out.extend(line[i : i + width] for i in range(0, len(line), width))
    return "\n".join(out).encode("utf-8")


def without_blank_lines() -> bytes:
    lines = [line for line in seed_text().split("\n") if line.strip()]
    return "\n".join(lines).encode("utf-8")


def heading_split_over_two_blocks() -> bytes:
    """The wrapped heading split by a page break into two blocks."""
    split = WRAPPED_HEADING.replace(" ", "\n\n")
    return seed_text().replace(WRAPPED_HEADING, split).encode("utf-8")


def as_docx() -> bytes:
    """One docx paragraph per non-empty line of the seed."""
    document = docx.Document()
    for line in seed_text().split("\n"):
        if line.strip():
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_from_lines(lines: list[tuple[str, str | None]]) -> bytes:
    """A docx of (text, style name or None) paragraphs."""
    document = docx.Document()
    for text, style in lines:
        document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# A column written by hand the other common way: no blank lines, paragraphs
# indented with two ideographic spaces, （一） sub-headings, Windows line ends,
# ASCII punctuation typed on an English keyboard.
HAND_WRITTEN = "\r\n".join(
    [
        "理论学习中心组园地",
        "坚持学思用贯通 推动主题教育走深走实",
        "中共滨江区委理论学习中心组",
        "　　今年以来,区委理论学习中心组坚持把学习贯彻习近平新时代中国特色社会主义"
        "思想作为首要政治任务,推动学习往深里走、往心里走、往实里走。",
        "一、坚持学深悟透,筑牢思想根基",
        "(一)突出集中研讨",
        '　　全年安排集中学习12次,围绕"四下基层"等专题开展交流研讨,形成调研报告5篇。',
        "（二）突出个人自学",
        '　　建立"1+N"自学清单,每月推送学习资料,做到学有计划、学有记录、学有收获。',
        "二、坚持学以致用,推动工作落实",
        "　　把学习成果转化为推动发展的实际成效,全年办结民生实事30件,"
        "群众满意率达到98.5%。",
        "",
    ]
).encode("gb18030")


# --- the seed as other sources present it: built from its parsed articles ---------


def seed_articles():
    from articles.importer import parse_document

    return parse_document(as_utf8(), "seed.txt").articles


def display_width(text: str) -> int:
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int) -> list[str]:
    """Cut a line every `width` display columns (a Han character is two)."""
    lines, line = [], ""
    for ch in text:
        if line and display_width(line + ch) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def indented_layout(width: int, *, blank_lines: bool = False, indent="\u3000\u3000"):
    """The usual Chinese layout: each paragraph opened by an indent and
    hard-wrapped at `width` columns; titles, bylines and headings flush left."""
    articles = seed_articles()
    out = [articles[0].source]
    for article in articles:
        out += [article.title, article.author]
        for paragraph in article.paragraphs:
            if paragraph.kind == "heading":
                out.append("\n".join(wrap(paragraph.text, width)))
            else:
                out.append("\n".join(wrap(indent + paragraph.text, width)))
    return ("\n\n" if blank_lines else "\n").join(out).encode("utf-8")


# --- PDF: the seed typeset in the test, as a typesetting program would -----------

PDF_FONT = "STSong-Light"  # Adobe's CID font: no embedding, Unicode by its CMap
PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0  # A4 in points
BODY_SIZE, LEADING = 11.0, 17.0
RUNNING_HEAD = "学习参考·2024年第3期"


def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def _tokens(text: str) -> list[str]:
    """Han characters one by one; a Latin word or number is never cut."""
    import re

    return re.findall(r"[A-Za-z0-9.%+]+|.", text)


def _typeset(text: str, width: float, size: float, indent: float = 0.0) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    room = width - indent
    for token in _tokens(text):
        if line and stringWidth(line + token, PDF_FONT, size) > room:
            lines.append(line)
            line, room = "", width
        line += token
    return [*lines, line] if line else lines


class _Pages:
    """A canvas that flows lines down columns, page after page, with a running
    head and a page number on each page."""

    TOP, BOTTOM = 100.0, 110.0  # body area, from the page's top and bottom

    def __init__(self, columns: int) -> None:
        import io

        from reportlab.pdfgen import canvas

        self.buffer = io.BytesIO()
        self.canvas = canvas.Canvas(self.buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
        self.margin, gutter = 55.0, 22.0
        self.column_width = (PAGE_WIDTH - 2 * self.margin - gutter * (columns - 1)) / (
            columns
        )
        self.columns = [
            self.margin + i * (self.column_width + gutter) for i in range(columns)
        ]
        self.page = 0
        self._new_page()

    def _new_page(self) -> None:
        if self.page:
            self.canvas.showPage()
        self.page += 1
        self.column = 0
        self.y = PAGE_HEIGHT - self.TOP
        self.canvas.setFont(_pdf_font(), 9)
        self.canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 45, RUNNING_HEAD)
        self.canvas.drawCentredString(PAGE_WIDTH / 2, 40, f"— {self.page} —")

    def _room(self, size: float) -> None:
        if self.y - size < self.BOTTOM:
            if self.column + 1 < len(self.columns):
                self.column += 1
                self.y = self.band_top
            else:
                self._new_page()
                self.band_top = self.y

    def across(self, text: str, size: float) -> None:
        """A centred line across the page (a title)."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        full = PAGE_WIDTH - 2 * self.margin
        size = min(size, full / stringWidth(text, PDF_FONT, 1))
        self._room(size)
        self.canvas.setFont(PDF_FONT, size)
        self.canvas.drawCentredString(PAGE_WIDTH / 2, self.y - size, text)
        self.y -= size * 1.9
        self.band_top = self.y

    def paragraph(self, text: str, indent: float) -> None:
        lines = _typeset(text, self.column_width, BODY_SIZE, indent)
        for number, line in enumerate(lines):
            self._room(BODY_SIZE)
            self.canvas.setFont(PDF_FONT, BODY_SIZE)  # a new page set its own
            x = self.columns[self.column] + (indent if number == 0 else 0)
            self.canvas.drawString(x, self.y - BODY_SIZE, line)
            self.y -= LEADING

    def save(self) -> bytes:
        self.canvas.save()
        return self.buffer.getvalue()


def as_pdf(columns: int = 1) -> bytes:
    """The seed's articles typeset in one or two columns; with two, each article
    starts a page under a title across both columns."""
    pages = _Pages(columns)
    pages.band_top = pages.y
    articles = seed_articles()
    pages.across(articles[0].source, 16)
    for number, article in enumerate(articles):
        if columns > 1 and number:
            pages._new_page()
            pages.band_top = pages.y
        pages.across(article.title, 15)
        pages.across(article.author, 12)
        for paragraph in article.paragraphs:
            indent = 0.0 if paragraph.kind == "heading" else 2 * BODY_SIZE
            pages.paragraph(paragraph.text, indent)
    return pages.save()


# --- saved web pages --------------------------------------------------------------


def _escape(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def as_wechat_page(*, published: str = "2024-03-01 08:30") -> bytes:
    """The column as a WeChat public-account article saved from the browser: the
    body in #js_content among the page's scripts, styles, QR code and
    recommendations."""
    articles = seed_articles()
    body = []
    for article in articles:
        body.append(
            f'<h2 style="text-align:center"><strong>{_escape(article.title)}'
            "</strong></h2>"
        )
        body.append(
            f'<p style="text-align:center"><span>{_escape(article.author)}</span></p>'
        )
        for paragraph in article.paragraphs:
            if paragraph.kind == "heading":
                body.append(f"<p><strong>{_escape(paragraph.text)}</strong></p>")
            else:
                body.append(
                    "<section><p><span>\u3000\u3000"
                    f"{_escape(paragraph.text)}</span></p></section>"
                )
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta property="og:title" content="{_escape(articles[0].source)}">
<title>{_escape(articles[0].source)}</title>
<style>.rich_media_content p {{ margin: 0 }}</style>
<script>var ct = "1709253000"; window.alert("不是正文");</script>
</head><body>
<div class="top_nav"><a href="#">首页</a> <a href="#">公众号</a></div>
<div id="js_article" class="rich_media">
<h1 class="rich_media_title" id="activity-name">{_escape(articles[0].source)}</h1>
<div class="rich_media_meta_list">
<a id="js_name">天津宣传</a> <em id="publish_time">{published}</em></div>
<div class="rich_media_content" id="js_content">
{"".join(body)}
<p><img src="qr.png" alt="二维码"></p>
<p style="text-align:center">长按识别二维码关注我们</p>
<p><strong>推荐阅读</strong></p>
<p><a href="#">深入学习贯彻习近平总书记视察天津重要讲话精神</a></p>
<p><a href="#">理论学习中心组学习制度汇编</a></p>
</div>
<script>document.getElementById("js_content").style.visibility = "visible";</script>
</div>
<div class="qr_code_pc"><p>微信扫一扫关注该公众号</p></div>
</body></html>"""
    return page.encode("utf-8")


def as_mhtml(html: bytes) -> bytes:
    """What Chrome's "Save as: single file" writes: the page quoted-printable in a
    multipart/related message."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "saved page"
    message["Snapshot-Content-Location"] = "https://mp.weixin.qq.com/s/example"
    message.set_content(
        html.decode("utf-8"), subtype="html", cte="quoted-printable", charset="utf-8"
    )
    message.add_attachment(b"\x89PNG\r\n", maintype="image", subtype="png")
    message.replace_header(
        "Content-Type",
        message.get("Content-Type").replace("multipart/mixed", "multipart/related"),
    )
    return bytes(message)


# --- PDFs that must be refused ----------------------------------------------------


def scanned_pdf(pages: int = 2) -> bytes:
    """Pictures of pages and no text layer: what a scanner's PDF is."""
    import io

    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    for _page in range(pages):
        image = Image.new("L", (300, 420), 255)
        draw = ImageDraw.Draw(image)
        for row in range(40, 400, 14):
            draw.line((30, row, 270, row), fill=40, width=6)  # lines of "print"
        pdf.drawImage(ImageReader(image), 0, 0, PAGE_WIDTH, PAGE_HEIGHT)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def raw_pdf(
    content: bytes, font: bytes | None = None, extra: list[bytes] = ()
) -> bytes:
    """A one-page PDF written by hand, so its fonts can be as broken as real
    ones: `font` is the /F1 font dictionary, `extra` more objects from 5 on."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        font or b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *extra,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def cid_pdf() -> bytes:
    """Chinese text in a Type0 font with Identity-H encoding and no ToUnicode map
    (an embedded subset as some exporters write it): the glyph numbers say nothing
    about the characters, and pdfminer reports them as (cid:…)."""
    glyphs = b"".join(
        b"<%04x%04x%04x%04x> Tj " % (n, n + 7, n + 30, n + 2) for n in range(18, 60, 4)
    )
    content = b"BT /F1 12 Tf 72 760 Td " + glyphs + b"ET"
    font = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun "
        b"/Encoding /Identity-H /DescendantFonts [6 0 R] >>"
    )
    descendant = (
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor 7 0 R /DW 1000 >>"
    )
    descriptor = (
        b"<< /Type /FontDescriptor /FontName /ABCDEF+SimSun /Flags 4 "
        b"/FontBBox [0 -140 1000 860] /ItalicAngle 0 /Ascent 860 /Descent -140 "
        b"/CapHeight 700 /StemV 80 >>"
    )
    return raw_pdf(content, font, [descendant, descriptor])


def kangxi_pdf() -> bytes:
    """Text whose font maps 十 and 门 to their radical look-alikes ⼗ and ⻔."""
    text = "习近平总书记强调，要坚持⼗个明确，打开⻔户搞建设。"
    hex_text = text.encode("utf-16-be").hex().encode()
    content = b"BT /F1 12 Tf 72 760 Td <" + hex_text + b"> Tj ET"
    title = "学习体会".encode("utf-16-be").hex().encode()
    author = "中共滨江区委理论学习中心组".encode("utf-16-be").hex().encode()
    content = (
        b"BT /F1 16 Tf 72 800 Td <" + title + b"> Tj ET "
        b"BT /F1 12 Tf 72 780 Td <" + author + b"> Tj ET " + content
    )
    font = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light "
        b"/Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>"
    )
    descendant = (
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        b"/DW 1000 >>"
    )
    return raw_pdf(content, font, [descendant])


def simple_font_pdf() -> bytes:
    """A subset of SimSun as a single-byte TrueType font without ToUnicode: the
    bytes drawn are glyph numbers of a private encoding, read as Latin letters."""
    content = b"BT /F1 12 Tf 72 760 Td (ABCDEFGHIJKLMNOPQRST) Tj ET"
    font = (
        b"<< /Type /Font /Subtype /TrueType /BaseFont /BCDEFG+SimSun "
        b"/FirstChar 32 /LastChar 126 /FontDescriptor 6 0 R >>"
    )
    descriptor = (
        b"<< /Type /FontDescriptor /FontName /BCDEFG+SimSun /Flags 4 "
        b"/FontBBox [0 -140 1000 860] /ItalicAngle 0 /Ascent 860 /Descent -140 "
        b"/CapHeight 700 /StemV 80 >>"
    )
    return raw_pdf(content, font, [descriptor])


def replacement_char_pdf() -> bytes:
    """A ToUnicode map that maps glyphs to U+FFFD, as some converters write it."""
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
        b"/CMapName /Broken def /CMapType 2 def "
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange "
        b"3 beginbfchar <0021> <FFFD> <0022> <4E60> <0023> <FFFD> endbfchar "
        b"endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    content = b"BT /F1 12 Tf 72 760 Td <002100220023> Tj ET"
    font = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /CDEFGH+SimSun "
        b"/Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 8 0 R >>"
    )
    descendant = (
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /CDEFGH+SimSun "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor 7 0 R /DW 1000 >>"
    )
    descriptor = (
        b"<< /Type /FontDescriptor /FontName /CDEFGH+SimSun /Flags 4 "
        b"/FontBBox [0 -140 1000 860] /ItalicAngle 0 /Ascent 860 /Descent -140 "
        b"/CapHeight 700 /StemV 80 >>"
    )
    stream = b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream"
    return raw_pdf(content, font, [descendant, descriptor, stream])


def as_print_html(columns: int = 1, *, page_per_article: bool = True) -> str:
    """The seed as a page to print: justified, indented paragraphs, centred titles
    in a larger font, each article's body in `columns` CSS columns; without a page
    per article, the columns are balanced above the next title, mid-page."""
    after = "page" if page_per_article else "auto"
    articles = seed_articles()
    parts = [f"<p class='centre'>{_escape(articles[0].source)}</p>"]
    for article in articles:
        parts.append(f"<h1>{_escape(article.title)}</h1>")
        parts.append(
            f"<p class='centre'>{_escape(article.author)}</p><div class='body'>"
        )
        for paragraph in article.paragraphs:
            tag = "h2" if paragraph.kind == "heading" else "p"
            parts.append(f"<{tag}>{_escape(paragraph.text)}</{tag}>")
        parts.append("</div>")
    style = (
        "body { font-family: 'Noto Serif CJK SC'; font-size: 10.5pt; line-height: 1.6 }"
        "h1 { font-size: 16pt; text-align: center } h2 { font-size: 10.5pt; margin: 0 }"
        "p { margin: 0; text-indent: 2em; text-align: justify }"
        ".centre { text-align: center; text-indent: 0 }"
        f".body {{ column-count: {columns}; column-gap: 2em; break-after: {after} }}"
    )
    return (
        f"<html><head><style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )
