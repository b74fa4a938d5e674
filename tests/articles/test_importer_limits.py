"""Hostile uploads (issue 10): each is refused with a Chinese message naming the limit
it hit, in bounded time and memory.

The measured tests run the import in a fresh process, as the server would, and
read that process's peak resident memory (its own, and its PDF reader child's):
every upload that passes the byte limit must be answered in under 10 s with
under 200 MB. Run with ``-s`` to see the figures.
"""

import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from articles.importer import (
    MAX_IMPORT_BYTES,
    ImportFailed,
    limits,
    parse_document,
    parse_text,
)
from tests.articles import seed_variants as seed

ROOT = Path(__file__).resolve().parents[2]
MAX_SECONDS = 10
MAX_RSS_MB = 200
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

MEASURE = r"""
import json, os, resource, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyhub.settings")
import django
django.setup()
from django.utils import translation
from articles.importer import ImportFailed, parse_document
translation.activate("zh-hans")
data = open(sys.argv[1], "rb").read()
started = time.monotonic()
try:
    parsed = parse_document(data, sys.argv[2])
    outcome = {"code": "ok", "articles": len(parsed.articles)}
except ImportFailed as failure:
    outcome = {"code": failure.code, "message": failure.message}
outcome["seconds"] = time.monotonic() - started
# VmHWM, not RUSAGE_SELF: Linux carries the forking parent's peak (pytest's) into
# ru_maxrss across exec. The PDF reader's figure is an upper bound for the same
# reason (it counts this process's size at the fork).
with open("/proc/self/status") as status:
    peak = next(line for line in status if line.startswith("VmHWM"))
outcome["rss_mb"] = int(peak.split()[1]) / 1024
outcome["child_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps(outcome, ensure_ascii=False))
"""


def measure(tmp_path: Path, data: bytes, filename: str) -> dict:
    """Import in a fresh process; its outcome with time and peak memory."""
    assert len(data) <= MAX_IMPORT_BYTES, "must pass the size limit to be a test"
    path = tmp_path / filename
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), filename],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    outcome = json.loads(done.stdout.decode().strip().splitlines()[-1])
    print(
        f"\n{filename}: {len(data) / 1e6:.2f} MB -> {outcome['code']} in "
        f"{outcome['seconds']:.2f} s, peak RSS {outcome['rss_mb']:.0f} MB "
        f"(PDF reader {outcome['child_rss_mb']:.0f} MB)"
    )
    assert outcome["seconds"] < MAX_SECONDS
    assert outcome["rss_mb"] < MAX_RSS_MB
    assert outcome["child_rss_mb"] < MAX_RSS_MB
    return outcome


# --- hostile files ------------------------------------------------------------------


def _docx_with_document(chunks, *, level: int = 9) -> bytes:
    """A real docx package whose document.xml is streamed from `chunks`."""
    base = zipfile.ZipFile(io.BytesIO(seed.as_docx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out:
        for item in base.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item, base.read(item))
        with out.open("word/document.xml", "w") as member:
            for chunk in chunks:
                member.write(chunk)
    return buffer.getvalue()


def _repeat(head: bytes, body: bytes, times: int, tail: bytes):
    yield head
    block = body * 10_000
    for _ in range(times // 10_000):
        yield block
    yield tail


HEAD = f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body>'.encode()
TAIL = b"</w:body></w:document>"


def empty_paragraphs_docx() -> bytes:
    """document.xml of 50 million empty paragraphs (300 MB inflated)."""
    return _docx_with_document(_repeat(HEAD, b"<w:p/>", 50_000_000, TAIL))


def lying_headers_docx() -> bytes:
    """The same bomb, its zip headers claiming document.xml inflates to 1 kB."""
    data = bytearray(empty_paragraphs_docx())
    name = b"word/document.xml"
    local = data.rfind(b"PK\x03\x04", 0, data.find(name) + 1)
    struct.pack_into("<I", data, local + 22, 1000)
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(name) + 1)
    struct.pack_into("<I", data, central + 24, 1000)
    return bytes(data)


def padded_docx() -> bytes:
    """document.xml that inflates to 200 MB of comments, no element in it."""
    return _docx_with_document(_repeat(HEAD, b"<!-- padding -->", 12_500_000, TAIL))


def one_block_docx() -> bytes:
    """One table of a million empty cells: a single body block, all in memory."""
    return _docx_with_document(
        _repeat(
            HEAD + b"<w:tbl><w:tr>", b"<w:tc/>", 1_000_000, b"</w:tr></w:tbl>" + TAIL
        )
    )


def text_heavy_docx() -> bytes:
    """100,000 paragraphs of 40 Han characters: 4 million characters."""
    paragraph = (
        "<w:p><w:r><w:t>"
        + "学习贯彻习近平新时代中国特色社会主义思想" * 2
        + "</w:t></w:r></w:p>"
    )
    return _docx_with_document(_repeat(HEAD, paragraph.encode(), 100_000, TAIL))


def many_lines_text() -> bytes:
    return "学\n".encode() * (MAX_IMPORT_BYTES // 4)


def wide_text() -> bytes:
    return b"a" * MAX_IMPORT_BYTES


def seed_at_the_limit() -> bytes:
    """A legitimate upload as big as allowed: the seed, again and again."""
    data = seed.as_utf8()
    return data * (MAX_IMPORT_BYTES // len(data))


def tag_soup_html() -> bytes:
    """750,000 empty sibling elements (nested ones libxml2 caps by itself)."""
    return (
        b"<html><body>"
        + b"<i></i>" * ((MAX_IMPORT_BYTES - 100) // 7)
        + b"</body></html>"
    )


def many_pages_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(200, 200))
    for number in range(limits.MAX_PDF_PAGES + 20):
        pdf.drawString(20, 100, f"page {number}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def long_pdf() -> bytes:
    """480 pages of text: under the page limit, past the reader's CPU seconds."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842))
    pdf.setFont("Helvetica", 10)
    for _page in range(480):
        for row in range(60):
            pdf.drawString(50, 800 - row * 12, "Study notes on the session " * 3)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def stream_bomb_pdf() -> bytes:
    """A page whose content stream inflates from under 1 MB to 500 MB."""
    compressor = zlib.compressobj(9)
    block = b"0 0 m " * 100_000
    compressed = b"".join(compressor.compress(block) for _ in range(850))
    compressed += compressor.flush()
    pdf = seed.raw_pdf(b"")
    return pdf.replace(
        b"<< /Length 0 >>\nstream\n\nendstream",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(compressed)
        + compressed
        + b"\nendstream",
    )


# --- refusals, in process -------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "filename", "code", "chinese"),
    [
        (empty_paragraphs_docx, "bomb.docx", "too_many_paragraphs", "个段落"),
        (lying_headers_docx, "liar.docx", "corrupt_docx", "已损坏"),
        (padded_docx, "padded.docx", "inflates_too_large", "解压后超过 60 MB"),
        (one_block_docx, "table.docx", "too_many_elements", "个元素"),
        (text_heavy_docx, "long.docx", "too_many_characters", "3,000,000 个字符"),
        (many_lines_text, "lines.txt", "too_many_lines", "200,000 行"),
        (wide_text, "wide.txt", "too_many_characters", "个字符"),
        (tag_soup_html, "soup.html", "too_many_elements", "200,000 个元素"),
        (many_pages_pdf, "pages.pdf", "too_many_pages", "500 页"),
        (stream_bomb_pdf, "bomb.pdf", "pdf_too_complex", "内存"),
        (long_pdf, "long.pdf", "pdf_too_complex", "8 秒"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_hostile_upload_is_refused_naming_the_limit(build, filename, code, chinese):
    data = build()
    assert len(data) <= MAX_IMPORT_BYTES
    with pytest.raises(ImportFailed) as caught:
        parse_document(data, filename)
    assert caught.value.code == code
    assert chinese in caught.value.message


def test_pasted_text_of_tens_of_megabytes_is_refused():
    with pytest.raises(ImportFailed) as caught:
        parse_text("学习贯彻习近平新时代中国特色社会主义思想。\n" * 1_500_000)
    assert caught.value.code == "too_many_characters"


def test_an_honest_large_docx_still_imports():
    """The stream reader reads what python-docx read: the seed's docx variant."""
    assert parse_document(seed.as_docx(), "seed.docx").articles == seed.seed_articles()


# --- measured: a fresh process, as the server would -----------------------------------


@pytest.mark.parametrize(
    ("build", "filename", "code"),
    [
        (empty_paragraphs_docx, "bomb.docx", "too_many_paragraphs"),
        (lying_headers_docx, "liar.docx", "corrupt_docx"),
        (padded_docx, "padded.docx", "inflates_too_large"),
        (one_block_docx, "table.docx", "too_many_elements"),
        (text_heavy_docx, "long.docx", "too_many_characters"),
        (many_lines_text, "lines.txt", "too_many_lines"),
        (tag_soup_html, "soup.html", "too_many_elements"),
        (stream_bomb_pdf, "bomb.pdf", "pdf_too_complex"),
        (many_pages_pdf, "pages.pdf", "too_many_pages"),
        (seed_at_the_limit, "column.txt", "ok"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_upload_is_answered_in_bounded_time_and_memory(tmp_path, build, filename, code):
    outcome = measure(tmp_path, build(), filename)
    assert outcome["code"] == code
