"""Article keywords (TF-IDF) and theme suggestions.

IDF is jieba's general-domain table blended with one learned from our own index: as
the library grows, words every article uses (学习, 发展, 坚持…) sink and the words that
tell articles apart rise. Two stop lists keep empty words out: one reviewed by hand
(``GENERIC``), one learned from the index's document frequencies. jieba's table
(6 MB, ~40 MB in memory) is read lazily, once, only by processes that compute
keywords (import, admin edits), never per request.
"""

import math
import threading
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from .text import normalize
from .tokenizer import get_segmenter

TOP = 10
# What the reader shows: a few words worth reading, under the themes.
SHOWN = 5
# How many documents our corpus needs before its IDF weighs as much as jieba's.
CORPUS_WEIGHT = 200
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "是",
        "在",
        "把",
        "对",
        "与",
        "及",
        "以",
        "为",
        "从",
        "而",
        "并",
        "等",
        "中",
        "上",
        "下",
        "我们",
        "你们",
        "他们",
        "我",
        "要",
        "也",
        "都",
        "就",
        "这",
        "那",
        "其",
        "之",
        "于",
        "着",
        "将",
        "被",
        "让",
        "使",
        "更",
        "更加",
        "不断",
        "进一步",
        "一个",
        "一些",
        "这些",
        "那些",
        "以及",
        "通过",
        "进行",
        "作为",
        "实现",
        "提出",
        "没有",
        "可以",
        "能够",
        "已经",
        "必须",
        "同时",
        "方面",
        "工作",
        "问题",
        "重要",
        "主要",
        "一系列",
        "有效",
        "不仅",
        "而且",
        "但是",
        "因此",
        "所以",
        "如果",
        "还是",
        "还有",
        "之一",
        "其中",
        "各方面",
        "全面",
        "深入",
        "坚决",
        "切实",
        "充分",
        "我市",
        "我们要",
        "一是",
        "二是",
        "三是",
        "四是",
    ]
)
# Reviewed by hand: the generic words of political prose, common enough in any
# study material that alone they say nothing about this one. They stay searchable
# and count inside longer words (发展新质生产力); they are never a keyword alone.
GENERIC = frozenset(
    [
        "推动",
        "领导",
        "学习",
        "体系",
        "充分认识",
        "工作",
        "发展",
        "建设",
        "坚持",
        "推进",
        "加强",
        "提高",
        "提升",
        "落实",
        "贯彻",
        "认识",
        "把握",
        "统筹",
        "深化",
        "增强",
        "完善",
        "健全",
        "构建",
        "强化",
        "积极",
        "努力",
        "扎实",
        "持续",
        "围绕",
        "聚焦",
        "要求",
        "意见",
        "精神",
        "任务",
        "目标",
        "能力",
        "水平",
        "机制",
        "重大",
        "领域",
        "关键",
        "根本",
        "时代",
        "干部",
        "党员",
        "同志",
        "深刻",
        "体现",
    ]
)
# Learned from the corpus: a word in more than this share of the indexed documents
# (titles and paragraphs) is one every article uses — once the index is big enough
# for a share to mean something.
GENERIC_SHARE = 0.25
GENERIC_MIN_DOCUMENTS = 20
_lock = threading.Lock()


@cache
def _jieba_idf() -> tuple[dict[str, float], float]:
    import jieba

    path = Path(jieba.__file__).with_name("analyse") / "idf.txt"
    table: dict[str, float] = {}
    with _lock, path.open(encoding="utf-8") as lines:
        for line in lines:
            word, _space, value = line.strip().partition(" ")
            if value:
                table[word] = float(value)
    median = sorted(table.values())[len(table) // 2]
    return table, median


def _candidates(text: str) -> Counter:
    words = get_segmenter().words(normalize(text))
    return Counter(
        w
        for w in words
        if len(w) >= 2 and w not in STOPWORDS and w not in GENERIC and not w.isdigit()
    )


def readable_keywords(words: Iterable[str], limit: int = SHOWN) -> list[str]:
    """The stored keywords (best first) worth showing: no reviewed generic word
    alone, at most ``limit``. Also applied when showing, so keywords stored before
    a word joined the list disappear without a rebuild."""
    return [w for w in words if w not in GENERIC][:limit]


def extract_keywords(text: str, top: int = TOP) -> list[tuple[str, float]]:
    """The ``top`` words of ``text`` by TF-IDF, best first, as (word, weight)."""
    from .backends import get_backend

    counts = _candidates(text)
    if not counts:
        return []
    jieba_idf, median = _jieba_idf()
    total = sum(counts.values())
    # Narrow first by jieba's IDF alone, then ask the index about the candidates only.
    shortlist = sorted(
        counts, key=lambda w: counts[w] * jieba_idf.get(w, median), reverse=True
    )[: top * 4]
    documents, frequencies = get_backend().document_frequencies(shortlist)
    blend = documents / (documents + CORPUS_WEIGHT)
    scored = []
    for word in shortlist:
        if (
            documents >= GENERIC_MIN_DOCUMENTS
            and frequencies.get(word, 0) > GENERIC_SHARE * documents
        ):
            continue  # every article says it: a stop word this corpus taught us
        ours = math.log((documents + 1) / (frequencies.get(word, 0) + 1)) + 1
        idf = (1 - blend) * jieba_idf.get(word, median) + blend * ours
        scored.append((word, round(counts[word] / total * idf, 5)))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:top]


def suggest_themes(text: str, existing: Iterable[str], limit: int = 5) -> list[str]:
    """Themes for a passage or article: existing themes it mentions or shares a
    keyword with first (in the given order of preference), then its own keywords.

    ``existing`` are theme names (e.g. the group's themes, then all themes); the
    annotation form and the article admin both call this.
    """
    normalized = normalize(text)
    keywords = [word for word, _weight in extract_keywords(text, top=limit * 2)]
    suggestions: list[str] = []
    for theme in existing:
        folded = normalize(theme)
        if folded and (
            folded in normalized or any(k in folded or folded in k for k in keywords)
        ):
            suggestions.append(theme)
    taken = {normalize(s) for s in suggestions}
    for word in keywords:
        if word not in taken and not any(word in t for t in taken):
            suggestions.append(word)
            taken.add(word)
    return list(dict.fromkeys(suggestions))[:limit]
