"""The search engine on the bundled articles: recall and precision against plain
substring search, hostile input, normalisation, visibility. Runs on whichever
database the suite uses (SQLite FTS5 or PostgreSQL tsvector): the expectations are
the same substring truth, so both backends return the same hits."""

import io
import random

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import search
from articles.models import Article, Paragraph, SearchDocument
from articles.search import tokenizer
from articles.search.query import parse_query
from articles.search.text import needle_grams, ngrams, normalize, normalize_with_offsets
from articles.services import index_article

pytestmark = pytest.mark.django_db

# Substrings that cross jieba's word boundaries or sit inside longer words.
CROSS_BOUNDARY = [
    "区委",  # inside 西青区委 / 南开区委 (bylines)
    "生产",  # inside 新质生产力
    "质生",  # across 新质/生产力
    "善作",  # inside 善作善成
    "作善",
    "层治",  # across 基层/治理
    "理现代",
    "各方",  # 各/方面
    "之基",
    "桥经",
    "治",
    "新",
    "力",
    "1+3+4",
    "gdp",
    "“枫桥经验”",
]
ORDINARY = ["发展", "人民", "治理", "城市", "文化", "群众", "天津", "坚持", "学习"]


@pytest.fixture
def demo(group, other_group, settings):
    # The personas' groups first: load_demo reuses groups of the same name. Its demo
    # passwords need no slow hashing here.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    # The library alone: the hits below are counted against the paragraphs.
    call_command("load_demo", "--no-annotations", stdout=io.StringIO())


def substring_truth(needles, documents) -> set[int]:
    return {
        d.pk
        for d in documents
        if all(n in normalize(d.text) for n in parse_query(" ".join(needles)).needles)
    }


def found(user, query: str) -> set[int]:
    results = search.search(user, query, page_size=10_000)
    assert results.total == len(results.hits)
    return {hit.document.pk for hit in results.hits}


def test_every_domain_term_and_substring_found_exactly_where_substring_search_is(
    demo, member
):
    documents = list(SearchDocument.objects.all())
    assert len(documents) > 40
    needles = [*tokenizer.shipped_terms(), *CROSS_BOUNDARY, *ORDINARY]
    checked = 0
    for needle in needles:
        truth = substring_truth([needle], documents)
        assert found(member, needle) == truth, needle
        checked += bool(truth)
    # Most of these occur in the bundled column; the rest prove precision.
    assert checked > 100


def test_random_substrings_of_the_text_are_found_with_recall_and_precision_one(
    demo, member
):
    documents = list(SearchDocument.objects.all())
    rng = random.Random(5)
    for _ in range(150):
        text = normalize(rng.choice(documents).text)
        length = rng.choice([1, 2, 2, 3, 4, 5, 7])
        start = rng.randrange(max(1, len(text) - length))
        needle = text[start : start + length].strip()
        if not parse_query(needle):
            continue
        assert found(member, f'"{needle}"') == substring_truth(
            [f'"{needle}"'], documents
        ), needle


def test_several_words_mean_all_of_them(demo, member):
    both = found(member, "基层治理 枫桥经验")
    assert both
    assert both == found(member, "基层治理") & found(member, "枫桥经验")


def test_quoted_words_mean_the_phrase(demo, member):
    documents = list(SearchDocument.objects.all())
    phrase = found(member, '"党建引领 基层治理"')
    assert phrase == substring_truth(['"党建引领基层治理"'], documents)
    assert phrase < found(member, "党建引领 基层治理")


@pytest.mark.parametrize(
    "query",
    [
        "新質生產力",  # traditional
        "新质生产力",
        "ＧＤＰ",  # full-width
        "「枫桥经验」",
        "楓橋經驗",
    ],
)
def test_full_width_and_traditional_forms_find_the_same_text(demo, member, query):
    simplified = normalize(query).strip("「」")
    assert found(member, query) == found(member, simplified)
    assert found(member, query) or simplified == "gdp"


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"基层',
        "基层 AND",
        "基层 OR 治理",
        "NOT 治理",
        "-治理",
        "治理*",
        "NEAR(基层 治理)",
        "(治理",
        "words:治理",
        "grams : 治理",
        "{words}: 治理",
        "治理'",
        "治理\\",
        "a' OR '1'='1",
        "'; DROP TABLE articles_article; --",
        "😀 新质生产力 🚩",
        "基层" * 1000,
        "x" * 2000,
        "\x00治理",
        "&lt;mark&gt;",
        "<script>alert(1)</script>",
        "^治理",
        "治理:*",
        "治 | 理",
        "治 & !理",
        "治 <-> 理",
    ],
)
def test_hostile_queries_are_text_never_syntax(demo, member, query):
    results = search.search(member, query, page_size=50)
    for hit in results.hits:
        assert all(n in normalize(hit.document.text) for n in results.query.needles)
    assert Article.objects.count() == 4


def test_a_2000_character_query_is_shortened_not_refused(demo, member):
    results = search.search(member, "新质生产力 " * 400)
    assert results.query.needles[0] == "新质生产力"
    assert results.total > 0
    assert results.query.shortened


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.text(
        alphabet=st.sampled_from(
            list(
                "\"“”「」()*-:^'\\!&|<>~ ANDORNEAR基层治理新质生产力善作成区委1+34ＡＧ"
            )
        ),
        max_size=40,
    )
)
def test_any_mix_of_operators_and_text_never_errors(demo, member, query):
    documents = list(SearchDocument.objects.all())
    results = search.search(member, query, page_size=10_000)
    if not results.query:
        assert results.total == 0
        return
    truth = {
        d.pk
        for d in documents
        if all(n in normalize(d.text) for n in results.query.needles)
    }
    assert {h.document.pk for h in results.hits} == truth


def test_members_never_find_drafts_staff_do(demo, member, staff):
    article = Article.objects.get(title__contains="新质生产力")
    article.status = Article.Status.DRAFT
    article.save()
    member_hits = search.search(member, "新质生产力", page_size=100)
    assert member_hits.total == 0 or all(
        h.document.article_id != article.pk for h in member_hits.hits
    )
    staff_hits = search.search(staff, "新质生产力", page_size=100)
    assert any(h.document.article_id == article.pk for h in staff_hits.hits)
    assert staff_hits.total > member_hits.total


def test_counts_respect_visibility(demo, member):
    before = search.search(member, "工业").total
    Article.objects.update(status=Article.Status.DRAFT)
    assert search.search(member, "工业").total == 0
    assert before > 0


def test_filters_by_kind_theme_and_date(demo, member):
    titles = search.search(member, "新质生产力", kinds=["title"])
    assert titles.total == 1
    assert all(h.kind.name == "title" for h in titles.hits)
    themed = search.search(member, "发展", theme="新质生产力", page_size=100)
    article = Article.objects.get(tags__slug="新质生产力")
    assert themed.total > 0
    assert {h.document.article_id for h in themed.hits} == {article.pk}
    import datetime

    Article.objects.filter(pk=article.pk).update(published_on=datetime.date(2024, 5, 1))
    index_article(Article.objects.get(pk=article.pk))
    dated = search.search(
        member,
        "发展",
        date_from=datetime.date(2024, 1, 1),
        date_to=datetime.date(2024, 12, 31),
        page_size=100,
    )
    assert dated.total > 0
    assert {h.document.article_id for h in dated.hits} == {article.pk}


def test_whole_word_matches_rank_above_pieces_of_other_words(db, member):
    from tests.factories import ArticleFactory, ParagraphFactory

    article = ArticleFactory(title="测试排序")
    inside = ParagraphFactory(
        article=article, text="各地积极发展新质生产力，推动产业升级。"
    )
    whole = ParagraphFactory(article=article, text="生产是根本，抓生产、促生产。")
    index_article(article)
    hits = search.search(member, "生产").hits
    assert [h.document.object_id for h in hits[:2]] == [whole.pk, inside.pk]


def test_pieces_of_a_needle_apart_are_not_a_hit(db, member):
    # Every character pair of 枫桥经验 occurs, none in sequence: the index finds the
    # row, the exact check must drop it.
    from tests.factories import ArticleFactory, ParagraphFactory

    article = ArticleFactory(title="测试分散")
    ParagraphFactory(article=article, text="枫桥在北，桥经年久，经验不足。")
    whole = ParagraphFactory(article=article, text="坚持和发展新时代枫桥经验。")
    across = ParagraphFactory(article=article, text="先富带后富，共同富裕。")
    index_article(article)
    assert {h.document.object_id for h in search.search(member, "枫桥经验").hits} == {
        whole.pk
    }
    # A needle over punctuation: its runs must end and start runs of the text.
    assert {h.document.object_id for h in search.search(member, "后富，共同").hits} == {
        across.pk
    }
    assert search.search(member, "带后，富共").total == 0
    assert search.search(member, "富，共同富").total == 1


def test_a_needle_deep_in_a_long_text_is_found(db, member):
    # Past the 16,383 positions a tsvector can hold, and after more than 256
    # occurrences of the same pair.
    from tests.factories import ArticleFactory, ParagraphFactory

    article = ArticleFactory(title="测试长文")
    long = ParagraphFactory(article=article, text="学习" * 9000 + "枫桥经验是法宝。")
    index_article(article)
    for query in ["枫桥经验", "是法宝", "习学习学", "宝"]:
        assert {h.document.object_id for h in search.search(member, query).hits} == {
            long.pk
        }, query


def test_snippet_marks_the_original_text_and_escapes_it(db, member):
    from tests.factories import ArticleFactory, ParagraphFactory

    article = ArticleFactory(title="标题")
    ParagraphFactory(
        article=article, text="<b>发展</b>新質生產力 & 四下 基层 " + "长" * 300
    )
    index_article(article)
    hit = search.search(member, "新质生产力").hits[0]
    assert "<mark>新質生產力</mark>" in hit.snippet
    assert "&lt;b&gt;" in hit.snippet and "<b>" not in hit.snippet
    assert hit.snippet.endswith("…")
    assert "<mark>四下 基层</mark>" in search.search(member, "四下基层").hits[0].snippet


def test_editing_a_paragraph_updates_the_index(demo, member):
    paragraph = Paragraph.objects.filter(text__contains="枫桥经验").first()
    paragraph.text = "量子纠缠态是新的研究对象。"
    paragraph.save()
    index_article(paragraph.article)
    assert {h.document.object_id for h in search.search(member, "量子纠缠").hits} == {
        paragraph.pk
    }
    paragraph.delete()
    assert search.search(member, "量子纠缠").total == 0


def test_rebuild_gives_the_same_hits(demo, member):
    def objects(query):
        hits = search.search(member, query, page_size=1000).hits
        return {(h.document.kind, h.document.object_id) for h in hits}

    before = objects("基层治理")
    SearchDocument.objects.all().delete()
    assert objects("基层治理") == set()
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert objects("基层治理") == before


@pytest.mark.parametrize("query", ["基层治理", "1+3+4"])
def test_a_hit_replaced_between_ranking_and_loading_is_left_out(
    demo, member, monkeypatch, query
):
    """A rebuild (or a re-index) replaces rows while a search runs: the rows it
    ranked may be gone when it loads them. The page leaves them out; no 500."""
    backend = search.get_backend()
    ranked = backend.ranked
    gone = []

    def ranked_then_replaced(*args, **kwargs):
        found = ranked(*args, **kwargs)
        gone.append(found.ids[0])
        SearchDocument.objects.filter(pk=found.ids[0]).delete()
        return found

    everything = {h.document.pk for h in search.search(member, query).hits}
    monkeypatch.setattr(
        type(backend), "ranked", lambda self, *a, **k: ranked_then_replaced(*a, **k)
    )
    hits = {h.document.pk for h in search.search(member, query).hits}
    assert gone and gone[0] in everything
    assert hits == everything - set(gone)


# Pure functions ---------------------------------------------------------------------


@given(st.text(max_size=60))
def test_normalize_with_offsets_agrees_with_normalize(text):
    normalized, offsets = normalize_with_offsets(text)
    assert normalized == normalize(text)
    assert len(offsets) == len(normalized)
    assert offsets == sorted(offsets)


@given(st.text(alphabet="基层治理新质生产力,， ab1", max_size=30), st.data())
def test_ngram_phrase_of_a_substring_occurs_in_the_text_tokens(text, data):
    normalized = normalize(text)
    if not normalized:
        return
    start = data.draw(st.integers(0, len(normalized) - 1))
    end = data.draw(st.integers(start + 1, len(normalized)))
    needle = normalized[start:end].strip(" ,，")
    tokens, prefix = needle_grams(needle)
    if not tokens:
        return
    haystack = ngrams(normalized)
    size = len(tokens)
    assert any(
        haystack[i : i + size - 1] == tokens[:-1]
        and (
            haystack[i + size - 1].startswith(tokens[-1])
            if prefix
            else haystack[i + size - 1] == tokens[-1]
        )
        for i in range(len(haystack) - size + 1)
    )


def test_normalize_folds_width_case_and_traditional_forms():
    assert normalize("ＧＤＰ增長５．２％") == "gdp增长5.2%"
    assert normalize("善作善 成") == "善作善成"
    assert normalize("楓橋經驗") == "枫桥经验"


def test_domain_terms_are_single_words():
    segmenter = tokenizer.preload()
    for term in ["新质生产力", "枫桥经验", "四下基层", "京津冀协同发展", "两个确立"]:
        assert segmenter.words(term) == [term]


def test_jieba_cache_is_private():
    import os
    import stat

    path = tokenizer.cache_dir()
    assert not str(path).startswith("/tmp/jieba")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


def test_too_many_hits_are_capped_and_come_newest_first(demo, member, monkeypatch):
    import articles.search
    from articles.search import backends

    ranked = search.search(member, "发展", page_size=1000)
    assert ranked.by_relevance and ranked.total > 5
    monkeypatch.setattr(backends, "HIT_LIMIT", 5)
    monkeypatch.setattr(articles.search, "HIT_LIMIT", 5)
    newest = search.search(member, "发展", page_size=3)
    assert not newest.by_relevance
    assert newest.total == 5
    ids = [h.document.pk for h in newest.hits]
    assert ids == sorted({h.document.pk for h in ranked.hits}, reverse=True)[:3]


def test_few_visible_among_many_hits_are_still_ranked_and_counted(
    demo, member, monkeypatch
):
    """More hits in the index than the limit, but the filters leave fewer: the
    page is by relevance and the total exact, as without the limit."""
    import articles.search
    from articles.search import backends

    unlimited = search.search(member, "发展", kinds=["title"])
    assert 0 < unlimited.total < 5
    monkeypatch.setattr(backends, "HIT_LIMIT", 5)
    monkeypatch.setattr(articles.search, "HIT_LIMIT", 5)
    assert search.search(member, "发展").total == 5  # all kinds: over the limit

    limited = search.search(member, "发展", kinds=["title"])

    assert limited.by_relevance
    assert limited.total == unlimited.total
    assert [h.document.pk for h in limited.hits] == [
        h.document.pk for h in unlimited.hits
    ]


def test_a_page_past_the_end_is_empty_with_the_true_total(demo, member):
    first = search.search(member, "发展", page_size=5)

    past = search.search(member, "发展", page=999, page_size=5)

    assert first.total > 5 and first.hits
    assert past.hits == []
    assert past.total == first.total
