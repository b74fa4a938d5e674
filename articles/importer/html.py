"""Saved web pages (.html, .htm, .mhtml) to units: the page's one main text.

A WeChat article keeps its body in ``#js_content``; party and government sites use
a handful of content-management systems whose body containers are known; any other
page is read where most of its paragraph text sits. Scripts, styles, navigation,
QR codes and "推荐阅读" blocks are dropped. The page is parsed by lxml's HTML parser
(libxml2), incrementally, so a page of a million empty tags is refused before it is
built; no regular expression ever reads the HTML.
"""

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from lxml import etree

from . import limits
from .decode import ImportFailed
from .lines import Unit

CHUNK_CHARS = 64 * 1024
# Never text, wherever they stand.
JUNK_TAGS = (
    "script", "style", "noscript", "template", "nav", "aside", "form", "iframe",
    "svg", "button", "select", "input", "textarea", "object", "embed", "canvas",
    "video", "audio", "map", "head", "footer",
)  # fmt: skip
# Boilerplate inside an article container, known by its class or id.
JUNK_MARKS = (
    "nav", "menu", "breadcrumb", "footer", "share", "qrcode", "qr_code", "qr-code",
    "erweima", "comment", "recommend", "related", "sidebar", "toolbar", "copyright",
    "advert", "banner",
)  # fmt: skip
# Where the body of an article sits: WeChat, then the CMSs of government and party
# sites (TRS, UCAP, people.cn, xinhuanet, qstheory), then common names.
MAIN_IDS = (
    "js_content", "UCAP-CONTENT", "zoom", "ozoom", "fontzoom", "rwb_zw", "p-detail",
    "detail", "article", "content",
)  # fmt: skip
MAIN_CLASSES = (
    "rich_media_content", "TRS_Editor", "pages_content", "rm_txt_con",
    "article-content", "article_content", "articleContent", "detail-content",
    "main-content", "highlight", "content",
)  # fmt: skip
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
BLOCK_TAGS = HEADING_TAGS | {
    "p", "div", "section", "article", "main", "li", "ul", "ol", "blockquote", "pre",
    "table", "tr", "td", "th", "dd", "dt", "dl", "figcaption", "figure", "header",
    "center", "br", "hr",
}  # fmt: skip
# Where a page's own recommendations begin; everything after them goes.
MORE_READING = ("推荐阅读", "相关阅读", "延伸阅读", "相关链接", "相关新闻", "往期回顾",
                "往期推荐", "热门推荐", "猜你喜欢")  # fmt: skip
QR_WORDS = ("二维码", "扫码", "长按识别", "扫一扫")
QR_MAX_CHARS = 40
# A main text has at least this many Han characters, mostly outside links.
MIN_MAIN_HAN = 60
MAX_LINK_SHARE = 0.5
DATE = re.compile(r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
TITLE_SEPARATORS = ("_", " - ", " | ", "|", "－", "—")


@dataclass
class Page:
    units: list[Unit]
    encoding: str
    title: str | None
    published_on: date | None


def read_page(data: bytes, *, mhtml: bool = False) -> Page:
    """Raise ImportFailed when the page cannot be read or has no main text."""
    charset = None
    if mhtml:
        data, charset = _html_part(data)
    text, encoding = _decode(data, charset)
    root = _parse(text)
    title, published_on = _title(root), _published_on(root)
    for element in list(root.iter(*JUNK_TAGS)):
        _drop(element)
    main = _main_element(root)
    if main is None:
        raise ImportFailed(
            "no_main_text",
            _(
                "No article text was found on this web page (it may be a list of "
                "links or a home page). Please save the page of the article itself, "
                "or copy its text into a .txt file."
            ),
        )
    _drop_boilerplate(main)
    return Page(
        units=_units(main), encoding=encoding, title=title, published_on=published_on
    )


# --- bytes to a tree ----------------------------------------------------------------


def _html_part(data: bytes) -> tuple[bytes, str | None]:
    """The page of a .mhtml file (a MIME multipart/related message)."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if payload:
                return payload, part.get_content_charset()
    raise _corrupt()


def _decode(data: bytes, charset: str | None) -> tuple[str, str]:
    """Strict decoding only: the declared charset, else UTF-8, else GB18030 (the
    superset of the GBK most Chinese government sites still serve)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, charset = data[3:], "utf-8"
    for encoding in [charset, "utf-8", "gb18030"]:
        if not encoding:
            continue
        try:
            return data.decode(encoding), encoding.lower()
        except (UnicodeDecodeError, LookupError):
            continue
    raise ImportFailed(
        "encoding",
        _(
            "The text encoding of the file could not be recognised. Please save it "
            "as UTF-8 or GBK text and try again."
        ),
    )


def _parse(text: str):
    """Parse in chunks, counting elements as they come: past the limit the page
    is refused before the rest of it is built."""
    parser = etree.HTMLPullParser(
        events=("start",), no_network=True, remove_comments=True, remove_pis=True
    )
    elements = 0
    try:
        for start in range(0, len(text), CHUNK_CHARS):
            parser.feed(text[start : start + CHUNK_CHARS])
            elements += sum(1 for _event in parser.read_events())
            limits.check("elements", elements)
        root = parser.close()
    except etree.LxmlError as exc:
        raise _corrupt() from exc
    if root is None:
        raise _corrupt()
    return root


# --- what the page says about itself ----------------------------------------------


def _meta(root, *names: str) -> str:
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or ""
        if key.lower() in names and (meta.get("content") or "").strip():
            return meta.get("content").strip()
    return ""


def _by_id(root, name: str):
    for element in root.iter():
        if element.get("id") == name:
            return element
    return None


def _text_of(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _title(root) -> str | None:
    title = (
        _meta(root, "og:title", "articletitle", "twitter:title")
        or _text_of(_by_id(root, "activity-name"))
        or _text_of(next(root.iter("h1"), None))
    )
    if not title:
        title = _text_of(next(root.iter("title"), None))
        # "标题_新华网": the site's name follows the last separator.
        for separator in TITLE_SEPARATORS:
            head, found, _site = title.rpartition(separator)
            if found and len(head) >= 4:
                title = head.strip()
                break
    return title or None


def _published_on(root) -> date | None:
    candidates = [
        _meta(
            root,
            "article:published_time",
            "pubdate",
            "publishdate",
            "datepublished",
            "firstpublishedtime",
        ),
        _text_of(_by_id(root, "publish_time")),
        *(element.get("datetime") or "" for element in root.iter("time")),
    ]
    for candidate in candidates:
        found = DATE.search(candidate or "")
        if found:
            try:
                return date(*(int(part) for part in found.groups()))
            except ValueError:
                continue
    return None


# --- the main text ----------------------------------------------------------------


def _main_element(root):
    for name in MAIN_IDS:
        element = _by_id(root, name)
        if element is not None and _is_main_text(element):
            return element
    for element in root.iter():
        classes = (element.get("class") or "").split()
        if any(name in classes for name in MAIN_CLASSES) and _is_main_text(element):
            return element
    for element in [*root.iter("article"), *root.iter("main")]:
        if _is_main_text(element):
            return element
    return _densest(root)


def _densest(root):
    """The element that holds the most paragraph text directly (its own <p>s and
    text): the article, not the page around it."""
    scores: dict = {}
    for element in root.iter("p", "div", "section", "td"):
        parent = element.getparent() if element.tag == "p" else element
        own = _han(element.text) + sum(_han(child.tail) for child in element)
        if element.tag == "p":
            own = _han("".join(element.itertext()))
        if parent is not None and own:
            scores[parent] = scores.get(parent, 0) + own
    ranked = sorted(scores, key=scores.get, reverse=True)
    return next((element for element in ranked[:5] if _is_main_text(element)), None)


def _han(text: str | None) -> int:
    return sum(1 for ch in text or "" if "\u4e00" <= ch <= "\u9fff")


def _is_main_text(element) -> bool:
    total = _han("".join(element.itertext()))
    linked = sum(_han("".join(link.itertext())) for link in element.iter("a"))
    return total >= MIN_MAIN_HAN and linked <= MAX_LINK_SHARE * total


def _drop(element) -> None:
    """Remove an element but keep its tail: the text after it is not its own."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _drop_boilerplate(main) -> None:
    for element in list(main.iterdescendants()):
        if element.getparent() is None:
            continue  # inside something already dropped
        marks = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
        if any(mark in marks for mark in JUNK_MARKS):
            _drop(element)
            continue
        text = "".join(element.itertext()).strip()
        if text.startswith(MORE_READING) and len(text) <= 20 or text in MORE_READING:
            _drop_from_here(main, element)
        elif len(text) <= QR_MAX_CHARS and any(word in text for word in QR_WORDS):
            _drop(element)


def _drop_from_here(main, element) -> None:
    """A "推荐阅读" heading and all that follows it in the article."""
    while element.getparent() is not None and element.getparent() is not main:
        element = element.getparent()
    if element.getparent() is None:
        return
    for following in list(element.itersiblings()):
        _drop(following)
    _drop(element)


# --- the main text to units -----------------------------------------------------------


def _units(main) -> list[Unit]:
    """One unit per block of text; a <br> ends a block too (a web page's line
    break is a hard one, not a wrap)."""
    units: list[Unit] = []
    buffer: list[str] = []
    heading = [0]

    def flush() -> None:
        raw = "".join(buffer)
        buffer.clear()
        indented = raw.lstrip(" \t\r\n").startswith(("\u3000", "\xa0\xa0"))
        text = " ".join(raw.replace("\xa0", " ").replace("\u3000", " ").split())
        if text:
            style = "heading" if heading[0] else ""
            units.append(Unit(text=text, indented=indented, style=style))

    for event, element in etree.iterwalk(main, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in BLOCK_TAGS:
                flush()
            if tag in HEADING_TAGS:
                heading[0] += 1
            buffer.append(element.text or "")
        else:
            if tag in BLOCK_TAGS:
                flush()
            if tag in HEADING_TAGS:
                heading[0] -= 1
            if element is not main:
                buffer.append(element.tail or "")
    flush()
    return units


def _corrupt() -> ImportFailed:
    return ImportFailed(
        "corrupt_html", _("The web page file is damaged or is not a saved web page.")
    )
