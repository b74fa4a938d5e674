"""What a member typed, turned into needles: literal strings, never query syntax.

Several words mean all of them; text in quotes ("…", “…”, 「…」) is one phrase.
Everything else a user can type (AND, OR, NOT, NEAR, -, *, brackets, half a quote,
emoji) is text: punctuation around a word is dropped, punctuation inside a phrase or
word (1+3+4) must appear literally. The backends build their query strings only from
the word characters of these needles, so nothing typed can reach the query parser.
"""

import re
from dataclasses import dataclass, field

from .text import WORD_RUN, normalize

MAX_INPUT = 2000
MAX_NEEDLES = 8
MAX_NEEDLE_CHARS = 50
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』|(\S+)')
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True)
class ParsedQuery:
    needles: tuple[str, ...] = ()
    # True when the input was cut to MAX_NEEDLES words of MAX_NEEDLE_CHARS each.
    shortened: bool = False
    ignored: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.needles)

    @property
    def needs_check(self) -> bool:
        """A needle with punctuation inside is found by its words; the separators
        between them are checked against the text afterwards."""
        return any(len(WORD_RUN.findall(n)) > 1 for n in self.needles)


def parse_query(raw: str) -> ParsedQuery:
    raw = raw[:MAX_INPUT]
    shortened = len(raw) == MAX_INPUT
    # Full-width quotes and spaces become ASCII before splitting.
    raw = raw.replace("＂", '"').replace("\u3000", " ")
    needles: list[str] = []
    for match in _QUOTED.finditer(raw):
        piece = next(g for g in match.groups() if g is not None)
        needle = _EDGE.sub("", normalize(piece.strip()))
        if not needle or not WORD_RUN.search(needle):
            continue
        if len(needle) > MAX_NEEDLE_CHARS:
            needle = _EDGE.sub("", needle[:MAX_NEEDLE_CHARS])
            shortened = True
        if needle not in needles:
            needles.append(needle)
    if len(needles) > MAX_NEEDLES:
        needles = needles[:MAX_NEEDLES]
        shortened = True
    return ParsedQuery(needles=tuple(needles), shortened=shortened)
