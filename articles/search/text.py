"""Text normalisation and the character n-grams that guarantee recall.

Pure Python, no jieba. Documents and queries go through the same ``normalize`` so a
full-width, traditional or upper-case query finds the same text.

Normalisation is *character by character* and maps every character on its own
(NFKC, lower case, traditional to simplified by a one-character table). Unlike
phrase-level conversion this keeps the substring relation: if ``q`` occurs in ``d``,
``normalize(q)`` occurs in ``normalize(d)``, which is what lets the index promise the
recall of a plain substring search.
"""

import re
import unicodedata
from functools import cache

# Han ideographs: the unified block, extension A, compatibility ideographs and the
# supplementary planes (extensions B onwards).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# PDF line wraps leave spaces inside Chinese sentences (善作善 成); a query typed with
# a space between two Han characters means the same text without it.
_HAN_GAP = re.compile(rf"(?<=[{HAN}])[ \t\u3000\u200b]+(?=[{HAN}])")
# What the FTS5 unicode61 tokenizer and our n-grams treat as word characters.
WORD_RUN = re.compile(r"[^\W_]+")


@cache
def _traditional_to_simplified() -> dict[str, str]:
    # zhconv's zh-hans table, single characters only: phrase entries would convert a
    # word in a document differently from the same characters typed alone.
    from zhconv.zhconv import getdict

    return {
        source: target
        for source, target in getdict("zh-hans").items()
        if len(source) == 1 and len(target) == 1
    }


def _normalize_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).lower()
    if len(folded) == 1:
        return _traditional_to_simplified().get(folded, folded)
    return "".join(_traditional_to_simplified().get(c, c) for c in folded)


@cache
def _tables() -> tuple[dict[int, str], re.Pattern]:
    """A str.translate table for the one-to-one characters and a pattern matching the
    few that expand or vanish (ligatures, ㈠, …), which take the slow path."""
    table: dict[int, str] = {}
    expanding: list[str] = []
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = _normalize_char(char)
        if folded == char:
            continue
        if len(folded) == 1:
            table[code] = folded
        else:
            expanding.append(re.escape(char))
    for source, target in _traditional_to_simplified().items():
        if ord(source) > 0xFFFF:
            table[ord(source)] = target
    pattern = (
        re.compile("[" + "".join(expanding) + "]") if expanding else re.compile("$^")
    )
    return table, pattern


def normalize(text: str) -> str:
    """The form in which documents are indexed and queries are matched."""
    table, expanding = _tables()
    if expanding.search(text):
        folded = "".join(_normalize_char(c) for c in text)
    else:
        folded = text.translate(table)
    return _HAN_GAP.sub("", folded)


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalize(text)`` plus, for each of its characters, the index of the original
    character it came from (for highlighting the original text)."""
    table, expanding = _tables()
    if not expanding.search(text):
        # Every character maps to one: only the Han gaps shift the offsets.
        folded = text.translate(table)
        normalized, offsets, cursor = [], [], 0
        for gap in _HAN_GAP.finditer(folded):
            normalized.append(folded[cursor : gap.start()])
            offsets.extend(range(cursor, gap.start()))
            cursor = gap.end()
        normalized.append(folded[cursor:])
        offsets.extend(range(cursor, len(folded)))
        return "".join(normalized), offsets
    pieces: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        folded = _normalize_char(char)
        pieces.append(folded)
        origins.extend([index] * len(folded))
    folded = "".join(pieces)
    kept = [True] * len(folded)
    for gap in _HAN_GAP.finditer(folded):
        for position in range(gap.start(), gap.end()):
            kept[position] = False
    normalized = "".join(c for c, keep in zip(folded, kept, strict=True) if keep)
    offsets = [o for o, keep in zip(origins, kept, strict=True) if keep]
    return normalized, offsets


def word_runs(normalized: str) -> list[str]:
    return WORD_RUN.findall(normalized)


def ngrams(normalized: str) -> list[str]:
    """The recall tokens of a normalised text.

    Each run of word characters of length n yields n tokens: its n-1 overlapping
    bigrams and its last character alone. A substring of length m >= 2 is then exactly
    a phrase of m-1 consecutive bigrams, and a single character is a prefix of the
    token at its position, so a phrase/prefix query over these tokens finds exactly
    what a substring search finds (the property the tests check on real text).
    """
    tokens: list[str] = []
    for run in WORD_RUN.findall(normalized):
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        tokens.append(run[-1])
    return tokens


def needle_grams(needle: str) -> tuple[list[str], bool]:
    """The n-gram phrase that finds ``needle`` (already normalised) as a substring.

    Returns (tokens, last_is_prefix). The first run of the needle may end a run of the
    document and keeps its closing unigram; inner runs are whole runs; the last run may
    continue in the document, so it has no closing unigram and, when it is a single
    character, is matched as a prefix. Empty when the needle has no word character.
    """
    runs = WORD_RUN.findall(needle)
    tokens: list[str] = []
    prefix = False
    for index, run in enumerate(runs):
        last = index == len(runs) - 1
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        if not last:
            tokens.append(run[-1])
        elif len(run) == 1:
            tokens.append(run)
            prefix = True
    return tokens, prefix
