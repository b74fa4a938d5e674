"""Text repairs for damage done by PDF extraction, and the character tests they use.

All functions are pure str -> str (or a small tuple); nothing here knows about the
document structure except which role a line plays (title lines keep their spaces).
"""

import re
import unicodedata

# Sentence-final marks. ；and ：also end a paragraph in Chinese official prose
# (enumerations, "如下：").
TERMINAL = frozenset("。！？!?…；;：:.")
# Marks that may follow the sentence-final mark: closing quotes and brackets.
CLOSERS = frozenset("”’\"'）)」』】》")

# A segment bordered on both sides by a space is "short" below this share of the
# block's longest segment: such a space sat inside a printed line, not at its end.
SHORT_SEGMENT_SHARE = 0.75

# Spaces of every kind PDF extractors and editors produce; U+3000 is handled apart
# because at the start of a line it is indentation.
ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f]")
ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")

ASCII_TO_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}


def is_cjk(ch: str) -> bool:
    """A Han character (basic block, extension A, compatibility, extension B+)."""
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
        or ch == "〇"
    )


def is_wide(ch: str) -> bool:
    """Han characters and CJK/full-width punctuation: text that wants no spaces."""
    code = ord(ch)
    return (
        is_cjk(ch)
        or 0x3000 <= code <= 0x303F
        or 0xFF00 <= code <= 0xFFEF
        or ch in "“”‘’…—·"
    )


def _is_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def normalize_spaces(text: str) -> str:
    """Odd spaces become plain spaces, zero-width characters disappear."""
    return ZERO_WIDTH.sub("", ODD_SPACES.sub(" ", text.replace("\t", " ")))


def join_pieces(first: str, second: str) -> str:
    """Join two pieces of one paragraph broken by a line or page wrap.

    Han text and numbers join with nothing, Latin words with one space. A space
    already at the boundary is kept (as one space) because it belongs to the text:
    slicing a line right next to a space must not change what the space repairs see.
    """
    if not first:
        return second
    if not second:
        return first
    if first[-1] == " " or second[0] == " ":
        return first.rstrip(" ") + " " + second.lstrip(" ")
    # Words wrap at spaces; a number cut by the wrap ("20" + "24年") was one number.
    if _is_letter(first[-1]) and _is_letter(second[0]):
        return first + " " + second
    return first + second


def ends_sentence(text: str) -> bool:
    """True when the text ends with sentence-final punctuation (closers allowed)."""
    stripped = text.rstrip()
    while stripped and stripped[-1] in CLOSERS:
        stripped = stripped[:-1]
    return bool(stripped) and stripped[-1] in TERMINAL


def remove_wrap_spaces(text: str) -> str:
    """Drop the spaces a PDF line wrap left inside Chinese text.

    A space survives when both neighbours are ASCII (Latin words, numbers), or
    when it sat inside a printed line rather than at its end: both segments around
    it are much shorter than the block's longest segment (the printed line width).
    That keeps quoted titles such as “牢记嘱托 善作善成” intact.
    """
    text = text.strip()
    segments = re.split(r" +", text)
    if len(segments) < 2:
        return text
    width = max(len(segment) for segment in segments)
    out = [segments[0]]
    for before, after in zip(segments, segments[1:], strict=False):
        if _keeps_space(before, after, width, len(segments)):
            out.append(" ")
        out.append(after)
    return "".join(out)


def _keeps_space(before: str, after: str, width: int, count: int) -> bool:
    if _edge_char(before[::-1]).isascii() and _edge_char(after).isascii():
        return True
    # With two segments there is no line width to compare against.
    short = SHORT_SEGMENT_SHARE * width
    return count >= 3 and len(before) < short and len(after) < short


def _edge_char(segment: str) -> str:
    """The character that decides a space's script: an ASCII mark such as a quote
    or comma counts as the script of the character behind it ("意义, “两个")."""
    if len(segment) > 1 and segment[0].isascii() and not segment[0].isalnum():
        return segment[1]
    return segment[0]


def collapse_title_spaces(text: str) -> str:
    """In titles spaces separate phrases: keep one, drop those beside punctuation."""
    text = re.sub(r"[ \u3000]+", " ", text.strip())
    return re.sub(r" ?([，。、；：！？）”]) ?", r"\1", text)


def fix_punctuation(text: str) -> tuple[str, bool]:
    """Turn ASCII punctuation in Chinese text into full-width marks (GB/T 15834).

    Returns the text and whether its quotation marks pair up. Marks between
    Latin letters or digits (1,000  10:30  1+3+4  f(x)) are left alone.
    """
    if not any(is_cjk(ch) for ch in text):
        return text, True
    text = _fix_parentheses(text)
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch in ASCII_TO_FULL and _in_chinese_context(chars, i):
            chars[i] = ASCII_TO_FULL[ch]
    return _pair_quotes("".join(chars))


def _in_chinese_context(chars: list[str], i: int) -> bool:
    """The nearest real character on either side (skipping quotes, brackets and
    spaces) is Han or full-width punctuation."""
    return _is_wide_neighbour(chars, i, -1) or _is_wide_neighbour(chars, i, 1)


def _is_wide_neighbour(chars: list[str], i: int, step: int) -> bool:
    j = i + step
    while 0 <= j < len(chars) and chars[j] in " \"'()“”‘’（）":
        j += step
    return 0 <= j < len(chars) and is_wide(chars[j])


def _fix_parentheses(text: str) -> str:
    """Pair ( ) and make a pair full-width when it sits in or holds Chinese."""
    chars = list(text)
    stack: list[int] = []
    for i, ch in enumerate(chars):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            start = stack.pop()
            inside = chars[start + 1 : i]
            outside = chars[start - 1 : start] + chars[i + 1 : i + 2]
            if any(is_wide(c) for c in inside + outside):
                chars[start], chars[i] = "（", "）"
    return "".join(chars)


def _pair_quotes(text: str) -> tuple[str, bool]:
    """Make ASCII double quotes alternate “ ”, continuing from any full-width ones.

    An odd count cannot be fixed with confidence: the text keeps the alternation
    and the caller reports the paragraph.
    """
    out = []
    is_open = False
    balanced = True
    for ch in text:
        if ch == "“":
            balanced = balanced and not is_open
            is_open = True
        elif ch == "”":
            balanced = balanced and is_open
            is_open = False
        elif ch == '"':
            ch = "”" if is_open else "“"
            is_open = not is_open
        out.append(ch)
    return "".join(out), balanced and not is_open


def plain(text: str) -> str:
    """Text without spaces, for pattern tests that must not care about wraps."""
    return re.sub(r"[ \u3000]+", "", text)


# PDF fonts often map a glyph to its look-alike radical (⼗ U+2F17 for 十 U+5341):
# the text looks right and is wrong for search, sorting and copy-paste. NFKC maps
# the Kangxi radicals (U+2F00–U+2FD5) and the CJK compatibility ideographs; of the
# CJK Radicals Supplement it maps only two, so the forms that stand for a whole
# character are listed here (from Unicode's EquivalentUnifiedIdeograph data).
_SUPPLEMENT_PAIRS = (
    "⺁厂⺅亻⺆冂⺉刂⺊卜⺕彐⺛旡⺠民⺤爫⺥爫⺨犭⺲罒⻀艹⻂衤⻃覀⻄西⻅见⻆角⻈讠⻉贝⻋车⻌辶"
    "⻍辶⻏阝⻐钅⻑長⻓长⻔门⻖阝⻘青⻙韦⻚页⻛风⻜飞⻝食⻟飠⻠饣⻢马⻣骨⻤鬼⻥鱼⻦鸟⻧卤"
    "⻨麦⻩黄⻪黾⻫斉⻬齐⻭歯⻮齿⻯竜⻰龙⻲亀"
)


def _look_alike_table() -> dict[int, str]:
    table = {}
    for code in [
        *range(0x2E80, 0x2EF4),
        *range(0x2F00, 0x2FD6),
        *range(0xF900, 0xFB00),
    ]:
        normal = unicodedata.normalize("NFKC", chr(code))
        if len(normal) == 1 and normal != chr(code) and is_cjk(normal):
            table[code] = normal
    for radical, ideograph in zip(
        _SUPPLEMENT_PAIRS[::2], _SUPPLEMENT_PAIRS[1::2], strict=True
    ):
        table[ord(radical)] = ideograph
    return table


LOOK_ALIKES = _look_alike_table()


def normalize_characters(text: str) -> str:
    """Radicals and compatibility forms that stand for an ideograph become it."""
    return text.translate(LOOK_ALIKES)
