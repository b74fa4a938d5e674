"""File type, size and encoding checks: what is refused, and with which code."""

import io
import os
import zipfile

import pytest

from articles.importer import MAX_IMPORT_BYTES, ImportFailed, parse_document
from articles.importer.decode import decode_text
from tests.articles import seed_variants as seed

SENTENCE = "习近平总书记视察天津并发表重要讲话。"


def _fails(data: bytes, filename: str) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        parse_document(data, filename)
    assert caught.value.message
    assert str(caught.value) == caught.value.message
    return caught.value


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SENTENCE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SENTENCE.encode("utf-8"), "utf-8-sig"),
        (SENTENCE.encode("gbk"), "gb18030"),
        (SENTENCE.encode("gb18030"), "gb18030"),
    ],
)
def test_encoding_is_detected(data, encoding):
    assert decode_text(data) == (SENTENCE, encoding)


def test_random_bytes_are_binary():
    assert _fails(os.urandom(4096), "notes.txt").code == "binary"


def test_png_named_txt_is_binary():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(64)
    assert _fails(png, "scan.txt").code == "binary"


def test_docx_named_txt_is_binary():
    assert _fails(seed.as_docx(), "column.txt").code == "binary"


def test_gb18030_text_with_a_nul_is_binary():
    data = SENTENCE.encode("gb18030") + b"\x00" + SENTENCE.encode("gb18030")
    assert _fails(data, "column.txt").code == "binary"


def test_text_with_control_characters_is_binary():
    assert _fails(f"{SENTENCE}\x07\x1b".encode(), "column.txt").code == "binary"


def test_big5_text_is_not_silently_read_as_gb18030():
    big5 = "習近平總書記視察天津並發表重要講話，強調堅持人民至上。".encode("big5")
    assert _fails(big5, "column.txt").code == "encoding"


def test_utf16_text_is_refused_as_an_encoding_problem():
    data = "\ufeff".encode("utf-16-le") + SENTENCE.encode("utf-16-le")
    assert _fails(data, "column.txt").code == "encoding"


@pytest.mark.parametrize("data", [b"", b" \r\n\t\n", "\u3000\n\u3000".encode()])
def test_empty_or_whitespace_only_is_empty(data):
    assert _fails(data, "column.txt").code == "empty"


def test_oversized_file_is_too_large():
    data = b"a" * (MAX_IMPORT_BYTES + 1)
    assert _fails(data, "column.txt").code == "too_large"


def test_file_of_exactly_the_limit_is_accepted_by_the_size_check():
    padding = b"\n" * (MAX_IMPORT_BYTES - len(seed.as_utf8()))
    parsed = parse_document(seed.as_utf8() + padding, "column.txt")
    assert len(parsed.articles) == 4


@pytest.mark.parametrize(
    "filename", ["column.doc", "column.epub", "column", "a.txt.exe"]
)
def test_wrong_extension_is_unsupported(filename):
    assert _fails(seed.as_utf8(), filename).code == "unsupported_type"


def test_text_file_named_pdf_is_corrupt_pdf():
    assert _fails(seed.as_utf8(), "column.pdf").code == "corrupt_pdf"


def test_text_file_named_docx_is_corrupt_docx():
    assert _fails(seed.as_utf8(), "column.docx").code == "corrupt_docx"


def test_zip_without_a_word_document_is_corrupt_docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("hello.txt", SENTENCE)
    assert _fails(buffer.getvalue(), "column.docx").code == "corrupt_docx"


def test_truncated_docx_is_corrupt_docx():
    data = seed.as_docx()
    assert _fails(data[: len(data) // 2], "column.docx").code == "corrupt_docx"


def test_text_without_any_article_is_no_article():
    data = "习近平总书记视察天津并发表重要讲话。".encode()
    assert _fails(data, "column.txt").code == "no_article"
