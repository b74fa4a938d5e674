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
