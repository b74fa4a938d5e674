"""The article list and search, cached per visibility set: every write is seen on
the next read of both pages by everyone who may see it and by nobody else, and no
entry mixes two visibility sets (a private note never enters a shared one).

Personas: member, leader and secretary of the group; outsider in the other group;
both in the two groups; staff (an editor in no group, who also sees drafts). Each
test reads the pages as every persona first, so the caches are warm, then writes
through the service, view or admin the site uses, then reads again.
"""

import re
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from taggit.models import Tag

from accounts import changes
from accounts.models import Membership
from articles.models import Article, DiscussionNote
from articles.services import (
    delete_annotation,
    edit_annotation,
    import_document,
    merge_themes,
    rebuild_search_index,
    save_discussion_note,
)
from articles.services.search import index_article

from ..factories import AnnotationFactory, ArticleFactory, ParagraphFactory
from .annotation_support import annotate_opening
from .sessions_support import make_session
from .test_admin_editing import inline_post_data

pytestmark = pytest.mark.django_db

TITLE = "在推动文化传承发展上善作善成"
TEXT = "坚持守正创新，赓续历史文脉，推动中华优秀传统文化创造性转化。"
# Each note: the word searched for and a part of the note that only a hit shows.
SHARED = ("枫桥经验", "共享批注：枫桥经验要学深悟透。")
PRIVATE = ("矛盾化解", "私人批注：矛盾化解在萌芽状态。")
OTHER = ("借鉴西青", "外组批注：值得借鉴西青区的做法。")
NEW = ("千万工程", "新批注：千万工程经验要转化为实效。")
SEED = Path(__file__).resolve().parents[2] / "articles" / "demo" / "tianjin_column.txt"

PERSONAS = ["member", "leader", "secretary", "outsider", "both", "staff"]
GROUP = {"member", "leader", "secretary", "both"}
OTHER_GROUP = {"outsider", "both"}


@pytest.fixture
def scene(member, leader, secretary, outsider, both, staff, group, other_group):
    article = ArticleFactory(title=TITLE)
    paragraph = ParagraphFactory(article=article, text=TEXT)
    index_article(article)
    people = {
        "member": member,
        "leader": leader,
        "secretary": secretary,
        "outsider": outsider,
        "both": both,
        "staff": staff,
    }
    notes = {
        "shared": note(member, paragraph, SHARED, group),
        "private": note(member, paragraph, PRIVATE, None),
        "other": note(outsider, paragraph, OTHER, other_group),
    }
    return {"article": article, "paragraph": paragraph, "people": people, **notes}


def note(author, paragraph, words, group):
    return annotate_opening(author, paragraph, words[1], group)


# --- Reading the pages -----------------------------------------------------------
def get(client, person, url, params=None) -> str:
    client.force_login(person)
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def card(html: str, title: str) -> str | None:
    """The article list's card of ``title``, or None when it is not listed."""
    for piece in html.split('<li class="article-card">')[1:]:
        if f">{title}</a>" in piece.split("</li>")[0]:
            return piece.split("</li>")[0]
    return None


def count_on(html: str, title: str) -> int | None:
    """The card's annotation count (0 when it shows none), None without card."""
    found = card(html, title)
    if found is None:
        return None
    number = re.search(r'<span class="article-card__notes">(\d+) 条批注</span>', found)
    return int(number[1]) if number else 0


def counts(client, scene, title=TITLE, params=None) -> dict[str, int | None]:
    url = reverse("articles:list")
    return {
        name: count_on(get(client, person, url, params), title)
        for name, person in scene["people"].items()
    }


def who_finds(client, scene, query: str, shown: str, **params) -> set[str]:
    """Who gets a hit showing ``shown`` (its longest part outside the query, which
    the snippet marks)."""
    url = reverse("articles:search")
    part = max(shown.split(query), key=len)
    return {
        name
        for name, person in scene["people"].items()
        if part in get(client, person, url, {"q": query, **params})
    }


def read_all(client, scene) -> None:
    """Every persona reads the list and searches each note: the caches are warm."""
    counts(client, scene)
    for words in (SHARED, PRIVATE, OTHER, NEW):
        who_finds(client, scene, words[0], words[1])


# --- The start ---------------------------------------------------------------------
def test_the_start_sees_exactly_the_visibility_rule(client, scene):
    assert counts(client, scene) == {
        "member": 2,  # the group's note and their private one
        "leader": 1,
        "secretary": 1,
        "outsider": 1,
        "both": 2,  # one note of each group
        "staff": 0,
    }
    assert who_finds(client, scene, *SHARED) == GROUP
    assert who_finds(client, scene, *PRIVATE) == {"member"}
    assert who_finds(client, scene, *OTHER) == OTHER_GROUP
    assert who_finds(client, scene, "赓续历史", TITLE, kind="paragraph") == set(
        PERSONAS
    )


# --- Annotations -------------------------------------------------------------------
@pytest.mark.parametrize("shared", [True, False])
def test_a_new_annotation_shows_at_once_for_those_who_may_see_it(
    client, scene, group, shared
):
    read_all(client, scene)
    before = counts(client, scene)
    note(scene["people"]["leader"], scene["paragraph"], NEW, group if shared else None)
    seers = GROUP if shared else {"leader"}
    after = counts(client, scene)
    assert {n for n in PERSONAS if after[n] == before[n] + 1} == seers
    assert {n for n in PERSONAS if after[n] == before[n]} == set(PERSONAS) - seers
    assert who_finds(client, scene, *NEW) == seers


def test_private_to_group_and_back_is_never_served_stale(client, scene, group):
    private, member = scene["private"], scene["people"]["member"]
    read_all(client, scene)
    edit_annotation(private, editor=member, note=PRIVATE[1], group=group)
    assert counts(client, scene) == {
        "member": 2,
        "leader": 2,
        "secretary": 2,
        "outsider": 1,
        "both": 3,
        "staff": 0,
    }
    assert who_finds(client, scene, *PRIVATE) == GROUP
    edit_annotation(private, editor=member, note=PRIVATE[1], group=None)
    assert counts(client, scene)["leader"] == 1
    assert counts(client, scene)["member"] == 2
    assert who_finds(client, scene, *PRIVATE) == {"member"}


def test_moving_a_note_to_another_group(client, scene, group, other_group):
    both = scene["people"]["both"]
    moved = note(both, scene["paragraph"], NEW, group)
    read_all(client, scene)
    edit_annotation(moved, editor=both, note=NEW[1], group=other_group)
    assert counts(client, scene) == {
        "member": 2,
        "leader": 1,
        "secretary": 1,
        "outsider": 2,
        "both": 3,
        "staff": 0,
    }
    assert who_finds(client, scene, *NEW) == OTHER_GROUP


def test_a_deleted_annotation_leaves_both_pages(client, scene):
    read_all(client, scene)
    delete_annotation(scene["shared"], by=scene["people"]["member"])
    delete_annotation(scene["private"], by=scene["people"]["member"])
    assert counts(client, scene) == {
        "member": 0,
        "leader": 0,
        "secretary": 0,
        "outsider": 1,
        "both": 1,
        "staff": 0,
    }
    assert who_finds(client, scene, *SHARED) == set()
    assert who_finds(client, scene, *PRIVATE) == set()


# --- Articles ----------------------------------------------------------------------
def admin_client(staff) -> Client:
    # A client of its own: the admin's message names the article, and would be
    # shown on the next page read with the same session.
    client = Client()
    client.force_login(staff)
    return client


def save_in_admin(client, staff, article, **fields):
    client = admin_client(staff)
    paragraphs = list(article.paragraphs.all())
    data = inline_post_data(article, paragraphs, {})
    data.update(fields)
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_unpublish_and_publish_in_the_admin(client, scene):
    article, staff = scene["article"], scene["people"]["staff"]
    read_all(client, scene)
    who_finds(client, scene, "赓续历史", TITLE, kind="paragraph")
    save_in_admin(client, staff, article, status=Article.Status.DRAFT)
    listed = {n for n, c in counts(client, scene).items() if c is not None}
    assert listed == {"staff"}
    assert who_finds(client, scene, "赓续历史", TITLE, kind="paragraph") == {"staff"}
    # The notes of a draft are hidden with it, from everyone (staff included).
    assert who_finds(client, scene, *SHARED) == set()
    html = get(client, staff, reverse("articles:list"))
    assert "badge--draft" in card(html, TITLE)

    save_in_admin(client, staff, article, status=Article.Status.PUBLISHED)
    assert counts(client, scene)["leader"] == 1
    assert who_finds(client, scene, "赓续历史", TITLE, kind="paragraph") == set(
        PERSONAS
    )
    assert who_finds(client, scene, *SHARED) == GROUP


def test_a_title_edited_in_the_admin_shows_on_both_pages(client, scene):
    read_all(client, scene)
    who_finds(client, scene, "赓续历史", TITLE, kind="paragraph")
    renamed = "在赓续历史文脉上善作善成"
    save_in_admin(client, scene["people"]["staff"], scene["article"], title=renamed)
    assert set(counts(client, scene, title=renamed)) == set(PERSONAS)
    assert all(c is not None for c in counts(client, scene, title=renamed).values())
    assert who_finds(client, scene, "赓续历史", renamed, kind="paragraph") == set(
        PERSONAS
    )
    assert who_finds(client, scene, "善作善成", TITLE, kind="title") == set()


def test_a_deleted_article_leaves_both_pages(client, scene, staff):
    spare = ArticleFactory(title="即将删除的学习材料")
    ParagraphFactory(article=spare, text="推进全过程人民民主。")
    index_article(spare)
    assert who_finds(client, scene, "人民民主", spare.title) == set(PERSONAS)
    assert all(c is not None for c in counts(client, scene, title=spare.title).values())
    response = admin_client(staff).post(
        reverse("admin:articles_article_delete", args=[spare.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert who_finds(client, scene, "人民民主", spare.title) == set()
    assert set(counts(client, scene, title=spare.title).values()) == {None}


@pytest.mark.parametrize("published", [True, False])
def test_imported_articles_show_on_both_pages(client, scene, published):
    read_all(client, scene)
    who_finds(client, scene, "枫桥", "枫桥经验", kind="paragraph")
    status = Article.Status.PUBLISHED if published else Article.Status.DRAFT
    result = import_document(SEED.read_bytes(), SEED.name, status=status)
    titles = [a.title for a in result.created]
    assert titles
    readers = set(PERSONAS) if published else {"staff"}
    url = reverse("articles:list")
    for name, person in scene["people"].items():
        html = get(client, person, url)
        assert all((card(html, t) is not None) == (name in readers) for t in titles)
    governance = next(t for t in titles if "基层治理" in t)
    assert who_finds(client, scene, "基层治理", governance, kind="title") == readers


def test_a_rebuilt_index_is_searched_at_once(client, scene, group):
    # Written without the service: in the list (counted from the rows), but not in
    # the index until it is rebuilt.
    AnnotationFactory(
        author=scene["people"]["leader"],
        paragraph=scene["paragraph"],
        group=group,
        note=NEW[1],
    )
    read_all(client, scene)
    assert counts(client, scene)["leader"] == 2
    assert who_finds(client, scene, *NEW) == set()
    rebuild_search_index()
    assert who_finds(client, scene, *NEW) == GROUP


# --- Memberships -------------------------------------------------------------------
def test_leaving_a_group_through_the_accounts_hook(client, scene, group):
    both = scene["people"]["both"]
    own = note(both, scene["paragraph"], NEW, group)
    read_all(client, scene)
    assert counts(client, scene)["both"] == 3
    Membership.objects.filter(member=both, group=group).delete()
    changes.announce("membership", member_id=both.pk, group_id=group.pk)  # the admin
    after = counts(client, scene)
    # The group's note is gone for them; their own note there stays theirs.
    assert after["both"] == 2
    assert after["member"] == 3 and after["leader"] == 2
    assert who_finds(client, scene, *SHARED) == {"member", "leader", "secretary"}
    assert who_finds(client, scene, *NEW) == GROUP
    assert who_finds(client, scene, *OTHER) == OTHER_GROUP
    assert own.pk


def test_joining_a_group_shows_its_notes_at_once(client, scene, other_group):
    from ..factories import MembershipFactory

    read_all(client, scene)
    MembershipFactory(group=other_group, member=scene["people"]["leader"])
    assert counts(client, scene)["leader"] == 2
    assert who_finds(client, scene, *OTHER) == OTHER_GROUP | {"leader"}


# --- The member's own bits ---------------------------------------------------------
def test_the_studied_mark_is_the_members_own(client, scene):
    article, member = scene["article"], scene["people"]["member"]
    read_all(client, scene)
    url = reverse("articles:article_studied", args=[article.pk])

    def studied() -> set[str]:
        return {
            name
            for name, person in scene["people"].items()
            if "badge--studied"
            in card(get(client, person, reverse("articles:list")), TITLE)
        }

    assert studied() == set()
    client.force_login(member)
    assert client.post(url).status_code == 302
    assert studied() == {"member"}
    client.force_login(member)
    assert client.post(url, {"undo": "1"}).status_code == 302
    assert studied() == set()


def test_a_private_note_never_enters_a_shared_entry(client, scene, member, leader):
    # The author first: their entries are their own; the group's are built later.
    private, shared = "在萌芽状态", "要学深悟透"
    search = reverse("articles:search")
    assert private in get(client, member, search, {"q": PRIVATE[0]})
    assert private not in get(client, leader, search, {"q": PRIVATE[0]})
    # A colleague first: the author is not served the group's entry.
    assert shared in get(client, leader, search, {"q": "批注"})
    assert private not in get(client, leader, search, {"q": "批注"})
    html = get(client, member, search, {"q": "批注"})
    assert private in html and shared in html
    assert counts(client, scene)["leader"] == 1
    assert count_on(get(client, member, reverse("articles:list")), TITLE) == 2


def test_draft_speeches_are_found_by_who_may_read_them(
    client, scene, group, member, secretary
):
    session = make_session(group)
    words = ("全过程人民民主", "中心发言：践行全过程人民民主。")
    read_all(client, scene)
    assert who_finds(client, scene, *words) == set()
    draft = save_discussion_note(
        session,
        author=secretary,
        content=words[1],
        speaker=member,
        status=DiscussionNote.Status.DRAFT,
    )
    # The speaker and the keepers of the record (leader, secretary).
    assert who_finds(client, scene, *words) == {"member", "leader", "secretary"}
    save_discussion_note(
        session,
        author=secretary,
        content=words[1],
        speaker=member,
        status=DiscussionNote.Status.FINAL,
        note=draft,
    )
    assert who_finds(client, scene, *words) == GROUP


# --- Themes and pages --------------------------------------------------------------
def test_theme_rename_and_merge_reach_both_pages(client, scene, staff):
    article = scene["article"]
    article.tags.add("文化自信")
    index_article(article)  # what the admin does after saving an article
    read_all(client, scene)
    html = get(client, staff, reverse("articles:search"), {"q": SHARED[0]})
    assert ">文化自信</option>" in html
    merge_themes([Tag.objects.get(name="文化自信")], "深学细悟")
    url = reverse("articles:list")
    for person in scene["people"].values():
        html = get(client, person, url)
        assert "深学细悟" in html and "文化自信" not in html
        search = get(client, person, reverse("articles:search"), {"q": SHARED[0]})
        assert ">深学细悟</option>" in search and "文化自信" not in search
    filtered = get(
        client, scene["people"]["leader"], url, {"theme": Tag.objects.get().slug}
    )
    assert count_on(filtered, TITLE) == 1


def test_a_write_reaches_every_page_and_theme_of_the_list(client, scene, group):
    for index in range(25):
        ArticleFactory(
            title=f"较新的学习材料（{index}）", published_on=date(2026, 3, 1)
        )
    scene["article"].published_on = date(2000, 1, 1)  # the oldest: on page 2
    scene["article"].save()
    index_article(scene["article"])
    read_all(client, scene)
    assert counts(client, scene, params={"page": 2})["leader"] == 1
    note(scene["people"]["leader"], scene["paragraph"], NEW, group)
    assert counts(client, scene, params={"page": 2}) == {
        "member": 3,
        "leader": 2,
        "secretary": 2,
        "outsider": 1,
        "both": 3,
        "staff": 0,
    }
    assert counts(client, scene, params={"page": 1}) == dict.fromkeys(PERSONAS)


def test_past_the_last_page_is_404(client, scene, member):
    client.force_login(member)
    url = reverse("articles:list")
    assert client.get(url, {"page": 2}).status_code == 404
    assert client.get(url, {"page": "x"}).status_code == 404
    assert client.get(url, {"page": "last"}).status_code == 200


# --- Costs -------------------------------------------------------------------------
@pytest.mark.parametrize("count", [1, 30])
def test_warm_pages_need_the_same_few_queries_at_any_size(
    client, member, group, count, django_assert_max_num_queries
):
    for index in range(count):
        article = ArticleFactory(title=f"学习材料（{index}）")
        paragraph = ParagraphFactory(article=article, text=TEXT)
        article.tags.add(f"主题{index % 3}")
        index_article(article)
        note(member, paragraph, SHARED, group)
        note(member, paragraph, PRIVATE, None)
    client.force_login(member)
    pages = [
        (reverse("articles:list"), {}),
        (reverse("articles:list"), {"page": "last"}),
        (reverse("articles:search"), {"q": SHARED[0]}),
        (reverse("articles:search"), {"q": "赓续", "kind": "paragraph"}),
    ]
    for url, params in pages:
        assert client.get(url, params).status_code == 200
        # session, user, the member's groups: the rest comes from the cache.
        with django_assert_max_num_queries(3):
            response = client.get(url, params)
        assert response.status_code == 200


def test_drafts_are_never_served_to_a_member_of_no_group(client, staff):
    from ..factories import MemberFactory

    loner = MemberFactory(username="loner", display_name="孙无组")
    draft = ArticleFactory(title="尚未发布的草稿", status=Article.Status.DRAFT)
    ParagraphFactory(article=draft, text=TEXT)
    index_article(draft)
    search = reverse("articles:search")
    # Staff first: their entries (drafts in) are built before the member reads.
    for person, sees in ((staff, True), (loner, False), (staff, True)):
        listed = get(client, person, reverse("articles:list"))
        assert (card(listed, draft.title) is not None) is sees
        found = get(client, person, search, {"q": "赓续历史", "kind": "paragraph"})
        assert (draft.title in found) is sees


def test_a_theme_renamed_in_the_admin_reaches_both_pages(client, scene, staff):
    article = scene["article"]
    article.tags.add("文化自信")
    index_article(article)
    read_all(client, scene)
    theme = Tag.objects.get(name="文化自信")
    response = admin_client(staff).post(
        reverse("admin:taggit_tag_change", args=[theme.pk]),
        {"name": "文化强国", "slug": theme.slug},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    for person in scene["people"].values():
        listed = get(client, person, reverse("articles:list"))
        assert "文化强国" in card(listed, TITLE) and ">文化自信<" not in listed
        search = get(client, person, reverse("articles:search"), {"q": SHARED[0]})
        # (the slug, in the option's value, stays what it was)
        assert ">文化强国</option>" in search and ">文化自信<" not in search


def test_a_note_renews_the_counts_not_the_cards(client, scene, group, monkeypatch):
    """The cards are the same for every set of groups and no note changes them:
    after a note, the next list counts again and renders nothing."""
    from articles.reading import listing

    pages = []
    original = listing._shared_page
    monkeypatch.setattr(
        listing,
        "_shared_page",
        lambda *a, **k: pages.append(1) or original(*a, **k),
    )
    before = counts(client, scene)
    assert len(pages) == 2  # members (one rendering for every set) and staff
    note(scene["people"]["leader"], scene["paragraph"], NEW, group)
    after = counts(client, scene)
    assert len(pages) == 2
    assert {n for n in PERSONAS if after[n] == before[n] + 1} == GROUP
