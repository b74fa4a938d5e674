"""Property-based tests (hypothesis): random and hostile input never raises
anything but the documented refusal, never gives a 500, never writes half.

Annotations: any paragraph edit keeps, moves onto the same words, or cleanly
detaches an annotation (articles.anchoring, services.update_paragraph_text); the
annotation and reply forms take random and hostile posts without a 500, and either
write exactly one complete row or nothing.
"""

import io
import os
import zipfile

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.forms.materials import ArticleAdminForm
from articles.importer import ImportFailed, ParsedDocument, parse_document, repair
from articles.models import Article, Paragraph
from articles.validators import THEME_NAME_MAX_LENGTH, clean_theme_name

from ..factories import ArticleFactory

# The suite replays the same examples every run (no flaky CI); to search for new
# failures, run with STUDYHUB_FUZZ=1 (random examples, ten times as many).
EXPLORE = os.environ.get("STUDYHUB_FUZZ") == "1"
FAST = settings(
    max_examples=800 if EXPLORE else 80, deadline=None, derandomize=not EXPLORE
)
WITH_DB = settings(
    max_examples=250 if EXPLORE else 25,
    deadline=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Pieces of real documents, so that generated files get past decoding into the
# structure parser and the repairs.
PIECES = [
    "党委(党组)理论学习中心组园地",
    "在发展新质生产力上勇争先",
    "中共天津市工业和信息化局党组理论学习中心组",
    "一、全面系统学",
    "（二）深入思考学",
    "学不厌精，探赜钩深。“学在深处”，是在发展新质生产力上善作善成必须下好的先手棋。",
    '习近平总书记视察天 津并发表重要讲话, 对新征 程上天津工作提出了"四个善作善成"',
    "的重要要求。",
    "1,000  10:30  f(x) (一)",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\u200b\u3000\xa0\t",
    "\f",
    "",
]
lines = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=40)), max_size=40)
separators = st.sampled_from(["\n", "\r\n", "\n\n", "\r\n\r\n"])
encodings = st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])


@st.composite
def text_documents(draw) -> bytes:
    text = draw(separators).join(draw(lines))
    return text.encode(draw(encodings), errors="replace")


@st.composite
def docx_documents(draw) -> bytes:
    """A zip holding random parts under docx's names, or a damaged real docx."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name in draw(
            st.lists(
                st.sampled_from(
                    [
                        "[Content_Types].xml",
                        "word/document.xml",
                        "_rels/.rels",
                        "word/_rels/document.xml.rels",
                    ]
                ),
                unique=True,
            )
        ):
            package.writestr(name, draw(st.binary(max_size=200)))
    return buffer.getvalue()


documents = st.one_of(st.binary(max_size=2000), text_documents(), docx_documents())
filenames = st.sampled_from(
    ["column.txt", "column.TXT", "column.docx", "column.pdf", "column", "文章.text"]
)


def assert_fits_the_database(parsed: ParsedDocument) -> None:
    title_max = Article._meta.get_field("title").max_length
    byline_max = Article._meta.get_field("byline").max_length
    source_max = Article._meta.get_field("source").max_length
    for article in parsed.articles:
        assert article.title.strip()
        assert len(article.title) <= title_max
        assert len(article.author) <= byline_max
        assert len(article.source) <= source_max
        assert article.paragraphs
        for paragraph in article.paragraphs:
            assert paragraph.kind in Paragraph.Kind.values
            assert paragraph.text.strip()
            assert "\x00" not in paragraph.text


@FAST
@given(data=documents, filename=filenames)
def test_parser_returns_articles_or_refuses(data, filename):
    try:
        parsed = parse_document(data, filename)
    except ImportFailed as failure:
        assert failure.code and failure.message
    else:
        assert_fits_the_database(parsed)


@FAST
@given(text=st.text(max_size=300))
def test_punctuation_repair_changes_only_punctuation(text):
    fixed, balanced = repair.fix_punctuation(text)
    assert isinstance(balanced, bool)
    # One character for one character; Han characters and letters never change.
    if "(" not in text and ")" not in text:
        assert len(fixed) == len(text)
        for before, after in zip(text, fixed, strict=True):
            if repair.is_cjk(before) or before.isalnum():
                assert before == after


@FAST
@given(text=st.text(max_size=300))
def test_space_repairs_only_remove_spaces(text):
    text = repair.normalize_spaces(text)
    assert "\u200b" not in text and "\t" not in text
    joined = repair.remove_wrap_spaces(text)
    # Outer whitespace goes; inside, only runs of plain spaces may.
    assert repair.plain(joined) == repair.plain(text.strip())


@FAST
@given(first=st.text(max_size=80), second=st.text(max_size=80))
def test_joining_pieces_keeps_every_character(first, second):
    joined = repair.join_pieces(first, second)
    assert joined.replace(" ", "") == (first + second).replace(" ", "")


@FAST
@given(name=st.text(max_size=150))
def test_theme_name_is_clean_or_refused(name):
    from django.core.exceptions import ValidationError

    try:
        cleaned = clean_theme_name(name)
    except ValidationError as error:
        assert error.code in {"empty", "too_long", "control", "forbidden"}
    else:
        assert 0 < len(cleaned) <= THEME_NAME_MAX_LENGTH
        assert not set('<>",') & set(cleaned)
        assert clean_theme_name(cleaned) == cleaned


@pytest.mark.django_db
@WITH_DB
@given(
    tags=st.lists(
        st.one_of(
            st.text(max_size=120),
            st.sampled_from(["党建引领", "长" * 101, "a\x00b", "<b>", "  "]),
        ),
        max_size=12,
    )
)
def test_admin_article_form_never_fails_on_theme_input(tags):
    """Whatever the themes field holds: a form error, or themes that fit taggit's
    columns and are stored exactly (PostgreSQL would raise DataError otherwise)."""
    with transaction.atomic():
        form = ArticleAdminForm(
            data={
                "title": "在发展新质生产力上勇争先",
                "status": "draft",
                "tags": ", ".join(f'"{t}"' if "," in t else t for t in tags),
            }
        )
        if form.is_valid():
            article = form.save()
            names = sorted(article.tags.names())
            assert names == sorted(form.cleaned_data["tags"])
            assert all(len(name) <= THEME_NAME_MAX_LENGTH for name in names)
        transaction.set_rollback(True)


@pytest.mark.django_db
@WITH_DB
@given(data=documents, filename=filenames)
def test_admin_import_upload_never_500_and_never_partial(client, staff, data, filename):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff)
    with transaction.atomic():
        ArticleFactory(title="已有的文章")
        articles_before = Article.objects.count()
        paragraphs_before = Paragraph.objects.count()
        response = client.post(
            "/admin/articles/article/import/",
            {
                "document": SimpleUploadedFile(filename, data),
                "status": "draft",
            },
        )
        new_articles = Article.objects.count() - articles_before
        if response.status_code == 200:
            # Refused: a Chinese message, nothing written.
            assert 'class="errorlist' in response.content.decode()
            assert new_articles == 0
            assert Paragraph.objects.count() == paragraphs_before
        else:
            # Read: the preview is next, and still nothing is written until the
            # editor confirms; then every new article is complete.
            assert response.status_code == 302
            preview = client.get(response["Location"])
            assert preview.status_code == 200
            assert Article.objects.count() == articles_before
            confirmed = client.post(response["Location"])
            assert confirmed.status_code == 302
            assert (
                not Article.objects.filter(paragraphs__isnull=True)
                .exclude(title="已有的文章")
                .exists()
            )
        transaction.set_rollback(True)


@pytest.mark.django_db
@WITH_DB
@given(
    username=st.one_of(st.text(max_size=200), st.sampled_from(["member", "a\x00b"])),
    password=st.text(max_size=200),
)
def test_login_form_never_fails(client, member, username, password):
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}
    )
    assert response.status_code in {200, 302, 429}
    if response.status_code != 302:
        assert "_auth_user_id" not in client.session


def test_article_without_text_is_refused():
    """Found by test_admin_import_upload_never_500_and_never_partial: a title and a
    byline alone were stored as an article without paragraphs."""
    data = "在发展新质生产力上勇争先\n\n中共天津市工业和信息化局党组理论学习中心组\n"
    with pytest.raises(ImportFailed) as caught:
        parse_document(data.encode(), "column.txt")
    assert caught.value.code == "empty_article"
    assert "在发展新质生产力上勇争先" in caught.value.message


# --- annotation anchoring ---------------------------------------------------------
BASE = "学不厌精，探赜钩深。“学在深处”，是在发展新质生产力上善作善成必须下好的先手棋。"
chinese = st.text(
    alphabet=st.sampled_from(list(BASE) + ["𠀀", "\u200b", " ", "\n", "<", ">", "学"]),
    max_size=60,
)


@st.composite
def edits(draw):
    """A paragraph, a passage of it, and an edited text (insert, delete, replace)."""
    old = draw(st.one_of(st.just(BASE), chinese.filter(bool)))
    start = draw(st.integers(0, len(old) - 1))
    end = draw(st.integers(start + 1, len(old)))
    new = old
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(new)))
        upto = draw(st.integers(at, min(len(new), at + 8)))
        new = new[:at] + draw(chinese.map(lambda t: t[:6])) + new[upto:]
    return old, start, end, new


@FAST
@given(case=edits())
def test_anchor_is_the_same_words_a_similar_passage_or_none(case):
    from articles.anchoring import FUZZY_THRESHOLD, _similarity, context_of, find_anchor

    old, start, end, new = case
    quote = old[start:end]
    prefix, suffix = context_of(old, start, end)
    anchor = find_anchor(new, old, quote, start, end, prefix, suffix)
    if new == old:
        assert (anchor.start, anchor.end, anchor.how) == (start, end, "position")
    if anchor is None:
        return
    assert 0 <= anchor.start < anchor.end <= len(new)
    if anchor.how in ("position", "quote"):
        assert new[anchor.start : anchor.end] == quote
    else:
        assert anchor.how == "fuzzy"
        assert _similarity(new[anchor.start : anchor.end], quote) >= FUZZY_THRESHOLD


@FAST
@given(text=chinese, offset=st.integers(-3, 130))
def test_utf16_offsets_map_to_code_points_or_are_refused(text, offset):
    from articles.anchoring import utf16_to_code_points

    try:
        index = utf16_to_code_points(text, offset)
    except ValueError:
        # Refused only when no code point starts at that UTF-16 offset.
        assert offset not in {
            len(text[:i].encode("utf-16-le")) // 2 for i in range(len(text) + 1)
        }
        return
    assert len(text[:index].encode("utf-16-le")) // 2 == offset


@pytest.mark.django_db
@WITH_DB
@given(case=edits())
def test_paragraph_edit_keeps_or_detaches_every_annotation(member, case):
    from articles.models import Annotation
    from articles.services import annotate_paragraph, update_paragraph_text

    from ..factories import ParagraphFactory

    old, start, end, new = case
    with transaction.atomic():
        paragraph = ParagraphFactory(text=old)
        annotate_paragraph(
            author=member,
            paragraph=paragraph,
            start=start,
            end=end,
            quote=old[start:end],
            note="批注",
        )
        update_paragraph_text(paragraph, new)
        [annotation] = Annotation.objects.filter(paragraph=paragraph)
        if not annotation.detached:
            assert annotation.quote == new[annotation.start : annotation.end]
            assert annotation.quote
        else:
            # Detached: the passage as it was written, for the reader to see.
            assert annotation.quote == old[start:end]
        transaction.set_rollback(True)


# --- the annotation and reply forms ---------------------------------------------------
hostile = st.one_of(
    st.sampled_from(PIECES),
    st.text(max_size=60),
    st.text(min_size=1990, max_size=2100, alphabet="学习"),
)
numbers = st.one_of(
    st.integers(-5, 200).map(str), st.sampled_from(["", "x", "1e3", "٣", "9" * 30])
)


@pytest.mark.django_db
@WITH_DB
@given(
    start=numbers,
    end=numbers,
    quote=hostile,
    note=hostile,
    themes=hostile,
    visibility=st.one_of(st.sampled_from(["", "own", "other", "x"]), st.text()),
    unit=st.sampled_from(["", "cp", "utf16", "bogus"]),
)
def test_annotation_form_never_500_and_never_partial(
    client,
    member,
    group,
    other_group,
    start,
    end,
    quote,
    note,
    themes,
    visibility,
    unit,
):
    from taggit.models import TaggedItem

    from articles.models import Annotation

    from ..factories import ParagraphFactory

    client.force_login(member)
    choice = {"own": str(group.pk), "other": str(other_group.pk)}.get(
        visibility, visibility
    )
    with transaction.atomic():
        paragraph = ParagraphFactory()
        response = client.post(
            f"/paragraphs/{paragraph.pk}/annotate/",
            {
                "start": start,
                "end": end,
                "quote": quote,
                "note": note,
                "themes": themes,
                "visibility": choice,
                "unit": unit,
            },
        )
        annotations = list(Annotation.objects.all())
        if response.status_code == 302:
            [annotation] = annotations
            assert annotation.quote == paragraph.text[annotation.start : annotation.end]
            assert annotation.group_id in (None, group.pk)
        else:
            assert response.status_code == 400
            assert annotations == []
            assert TaggedItem.objects.count() == 0
        transaction.set_rollback(True)


@pytest.mark.django_db
@WITH_DB
@given(
    start=st.integers(0, 12),
    length=st.integers(1, 8),
    note=hostile,
    themes=hostile,
)
def test_annotation_of_a_real_passage_with_hostile_text(
    client, member, group, start, length, note, themes
):
    """Valid offsets and quote, hostile note and themes: saved whole or refused."""
    from articles.models import Annotation

    from ..factories import ParagraphFactory

    client.force_login(member)
    with transaction.atomic():
        paragraph = ParagraphFactory()
        end = start + length
        response = client.post(
            f"/paragraphs/{paragraph.pk}/annotate/",
            {
                "start": start,
                "end": end,
                "quote": paragraph.text[start:end],
                "note": note,
                "themes": themes,
                "visibility": str(group.pk),
            },
        )
        if response.status_code == 302:
            annotation = Annotation.objects.get()
            assert annotation.note == note.strip()
            assert (annotation.start, annotation.end) == (start, end)
        else:
            assert response.status_code == 400
            assert not Annotation.objects.exists()
        transaction.set_rollback(True)


@pytest.mark.django_db
@WITH_DB
@given(text=hostile)
def test_reply_form_never_500_and_never_partial(client, member, group, text):
    from articles.models import Reply

    from ..factories import AnnotationFactory

    client.force_login(member)
    with transaction.atomic():
        annotation = AnnotationFactory(author=member, group=group)
        response = client.post(f"/annotations/{annotation.pk}/replies/", {"text": text})
        replies = list(Reply.objects.all())
        if response.status_code == 302:
            [reply] = replies
            assert reply.text and reply.text in text
        else:
            assert response.status_code == 400
            assert replies == []
        transaction.set_rollback(True)
