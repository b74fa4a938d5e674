"""Child process: PDF bytes on stdin -> the text lines of each page, as JSON on stdout.

Run by ``pdf.read_pdf_units`` as a script, never imported by the server: pdfminer
is pure Python and trusts the file, so a hostile PDF (a stream that inflates to
gigabytes, a content stream that loops) could take the server process with it. Here
it runs under a memory limit and the parent's timeout, and knows nothing of Django.

Output: {"pages": [{"width", "height", "images", "lines": [[text, x0, x1, top,
bottom, size], ...]}]} or {"error": code}. A line is a run of characters on one
baseline without a gap wider than a character: two columns that share a baseline
come out as two lines. Coordinates are in points from the page's top left.
"""

import json
import resource
import sys

# Characters further apart than this (in font sizes) belong to different columns.
COLUMN_GAP = 1.2
# Latin letters further apart than this with no space glyph between them were
# still two words (word spacing drawn as a move, not as a space).
WORD_GAP = 0.25
# Characters drawn rotated (watermarks) or this small (hidden stamps) are not text.
MIN_SIZE = 3.0


# Parts of the names of Chinese typefaces (SimSun, STFangsong, Microsoft YaHei,
# Source Han, Noto CJK; 方正 fonts start with "FZ").
CHINESE_FONTS = (
    "simsun", "simhei", "song", "hei", "kai", "fang", "yahei", "ming", "cjk",
    "sourcehan", "gb2312", "gbk",
)  # fmt: skip


class Refusal(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def main() -> None:
    max_pages, max_chars, max_memory, max_seconds = (int(a) for a in sys.argv[1:5])
    # Past its CPU seconds the kernel stops the child (SIGXCPU): a loop in a
    # content stream ends there.
    resource.setrlimit(resource.RLIMIT_CPU, (max_seconds, max_seconds + 1))
    # Heap and anonymous mappings: what a decompression bomb or a huge page grows.
    resource.setrlimit(resource.RLIMIT_DATA, (max_memory, max_memory))
    data = sys.stdin.buffer.read()
    try:
        result = {"pages": extract(data, max_pages, max_chars)}
    except Refusal as refusal:
        result = {"error": refusal.code}
    except MemoryError:
        result = {"error": "memory"}
    except Exception as exc:  # pdfminer raises many types for broken files
        name = type(exc).__name__
        result = {"error": "encrypted" if "Password" in name else "corrupt"}
    sys.stdout.write(json.dumps(result, ensure_ascii=False))


def extract(data: bytes, max_pages: int, max_chars: int) -> list[dict]:
    import io

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    class Fonts(PDFResourceManager):
        """Keeps the fonts it loads, to check the ones text was drawn with."""

        def get_font(self, objid, spec):
            font = super().get_font(objid, spec)
            loaded.append(font)
            return font

    loaded: list = []
    manager = Fonts(caching=True)
    # No layout analysis: we group characters ourselves, so columns are kept apart.
    device = PDFPageAggregator(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    pages = []
    chars = 0
    for number, page in enumerate(
        PDFPage.get_pages(io.BytesIO(data), check_extractable=False), start=1
    ):
        if number > max_pages:
            raise Refusal("too_many_pages")
        interpreter.process_page(page)
        layout = device.get_result()
        found: list[tuple] = []
        images = _collect(layout, found, layout.height)
        _check_fonts(loaded, {ch[6] for ch in found})
        loaded.clear()
        chars += len(found)
        if chars > max_chars:
            raise Refusal("too_many_characters")
        pages.append(
            {
                "width": layout.width,
                "height": layout.height,
                "images": images,
                "lines": _lines(found),
            }
        )
    return pages


def _collect(container, found: list[tuple], height: float) -> int:
    """Append (text, x0, x1, top, bottom, size) for each character; return the
    number of images. Refuse characters the font cannot name."""
    from pdfminer.layout import LTChar, LTImage

    images = 0
    for item in container:
        if isinstance(item, LTChar):
            text = item.get_text()
            _check_char(text)
            a, b, c, d = item.matrix[:4]
            if abs(b) > 0.01 or abs(c) > 0.01 or a <= 0 or d <= 0:
                continue
            if item.size < MIN_SIZE:
                continue
            found.append(
                (
                    text,
                    item.x0,
                    item.x1,
                    height - item.y1,
                    height - item.y0,
                    item.size,
                    item.fontname,
                )
            )
        elif isinstance(item, LTImage):
            images += 1
        elif hasattr(item, "__iter__"):
            images += _collect(item, found, height)
    return images


def _check_char(text: str) -> None:
    # pdfminer writes "(cid:123)" for a glyph its font maps to no character.
    if text.startswith("(cid:") or "\ufffd" in text:
        raise Refusal("unmapped")
    # Private-use code points: a font with its own, private character map.
    if any(0xE000 <= ord(ch) <= 0xF8FF for ch in text):
        raise Refusal("unmapped")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise Refusal("unmapped")


def _check_fonts(fonts: list, used: set[str]) -> None:
    """A single-byte font of a Chinese typeface without a ToUnicode map draws
    Chinese through a private encoding: its "text" is Latin garbage."""
    from pdfminer.pdffont import PDFSimpleFont

    for font in fonts:
        if (
            isinstance(font, PDFSimpleFont)
            and font.unicode_map is None
            and font.fontname in used
            and _is_chinese_typeface(getattr(font, "basefont", "") or font.fontname)
        ):
            raise Refusal("unmapped")


def _is_chinese_typeface(name: str) -> bool:
    name = str(name).split("+", 1)[-1]  # "ABCDEF+SimSun": a subset of SimSun
    if not name.isascii():
        return True  # 宋体, 仿宋_GB2312 …
    lowered = name.lower().replace(" ", "").replace("-", "")
    return lowered.startswith("fz") or any(part in lowered for part in CHINESE_FONTS)


def _lines(chars: list[tuple]) -> list[list]:
    """Group characters into rows by their vertical middle, then cut each row
    where a gap wider than a character separates two columns."""
    chars = sorted(chars, key=lambda ch: ((ch[3] + ch[4]) / 2, ch[1]))
    rows: list[list[tuple]] = []
    middle = size = 0.0
    for ch in chars:
        ch_middle = (ch[3] + ch[4]) / 2
        if rows and abs(ch_middle - middle) <= 0.35 * max(size, ch[5]):
            rows[-1].append(ch)
        else:
            rows.append([ch])
            middle, size = ch_middle, ch[5]
    lines = []
    for row in rows:
        row.sort(key=lambda ch: ch[1])
        segment = [row[0]]
        for ch in row[1:]:
            if ch[1] - segment[-1][2] > COLUMN_GAP * max(ch[5], segment[-1][5]):
                lines.append(_line(segment))
                segment = []
            segment.append(ch)
        lines.append(_line(segment))
    return [line for line in lines if line[0].strip()]


def _line(chars: list[tuple]) -> list:
    parts = [chars[0][0]]
    for before, after in zip(chars, chars[1:], strict=False):
        gap = after[1] - before[2]
        if (
            gap > WORD_GAP * after[5]
            and _is_word_char(before[0])
            and _is_word_char(after[0])
        ):
            parts.append(" ")
        parts.append(after[0])
    sizes = sorted(ch[5] for ch in chars)
    return [
        "".join(parts),
        round(min(ch[1] for ch in chars), 2),
        round(max(ch[2] for ch in chars), 2),
        round(min(ch[3] for ch in chars), 2),
        round(max(ch[4] for ch in chars), 2),
        round(sizes[len(sizes) // 2], 2),
    ]


def _is_word_char(text: str) -> bool:
    return len(text) == 1 and text.isascii() and text.isalnum()


if __name__ == "__main__":
    main()
