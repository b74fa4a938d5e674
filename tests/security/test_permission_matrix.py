"""Every URL pattern of the project against every persona.

The patterns come from the resolver, so a new view cannot escape: a pattern without an
entry in MATRIX (or in the admin rules) fails ``test_every_url_pattern_has_an_entry``.
Each entry lists cases (a concrete URL built from the fixture data) and, per persona,
what that persona must get: the page, the login redirect, 404, 403, 405...
Every response to a non-staff persona is also searched for private text it must not
hold (drafts; other groups' names and people).

After the merge of issues 3/4 add the annotation, reply, study-session, attendance
and discussion-note URLs here, with private annotations of another member and another
group's session notes in ``private_texts``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from articles.models import Article

from ..factories import ArticleFactory, ParagraphFactory

PERSONAS = ["anonymous", "outsider", "member", "secretary", "leader", "staff"]
GROUP_MEMBERS = ["member", "secretary", "leader"]

# Outcomes
PAGE = "page"  # 200
LOGIN = "login"  # 302 to our login page, with ?next=
ADMIN_LOGIN = "admin_login"  # 302 to the admin's login page
REDIRECT = "redirect"  # 302 anywhere else
NOT_FOUND = 404
FORBIDDEN = 403
NOT_ALLOWED = 405


def logged_in(outcome, anonymous=LOGIN, staff=None) -> dict[str, object]:
    """Anonymous → ``anonymous``; every logged-in persona → ``outcome``."""
    expect = {persona: outcome for persona in PERSONAS}
    expect["anonymous"] = anonymous
    if staff is not None:
        expect["staff"] = staff
    return expect


def everyone(outcome) -> dict[str, object]:
    return {persona: outcome for persona in PERSONAS}


def staff_only(outcome=PAGE, others=ADMIN_LOGIN, anonymous=LOGIN) -> dict[str, object]:
    """The admin: anonymous visitors of a model view meet LoginRequiredMiddleware
    first (our login page); the admin site's own views are login_not_required and
    send them to the admin login, as they do logged-in non-staff."""
    return {**everyone(others), "anonymous": anonymous, "staff": outcome}


def admin_site(outcome=PAGE) -> dict[str, object]:
    return staff_only(outcome, anonymous=ADMIN_LOGIN)


@dataclass
class Case:
    url: Callable[[SimpleNamespace], str]
    expect: dict[str, object]
    label: str = ""
    method: str = "get"


@dataclass
class Entry:
    cases: list[Case] = field(default_factory=list)


def at(name, *args):
    return lambda d: reverse(name, args=[a(d) if callable(a) else a for a in args])


MATRIX: dict[str, list[Case]] = {
    "home": [Case(at("home"), logged_in(REDIRECT))],
    "healthz": [
        Case(at("healthz"), everyone(PAGE)),
        Case(at("healthz"), everyone(NOT_ALLOWED), method="post"),
    ],
    "login": [Case(at("login"), everyone(PAGE))],
    "logout": [
        Case(at("logout"), logged_in(NOT_ALLOWED)),
    ],
    "password_change": [Case(at("password_change"), logged_in(PAGE))],
    "password_change_done": [Case(at("password_change_done"), logged_in(PAGE))],
    "profile": [Case(at("profile"), logged_in(PAGE))],
    "articles:list": [
        Case(at("articles:list"), logged_in(PAGE)),
        Case(at("articles:list"), logged_in(NOT_ALLOWED), method="post"),
    ],
    "articles:detail": [
        Case(
            at("articles:detail", lambda d: d.published.pk),
            logged_in(PAGE),
            "published",
        ),
        Case(
            at("articles:detail", lambda d: d.draft.pk),
            logged_in(NOT_FOUND, staff=PAGE),
            "draft",
        ),
        Case(at("articles:detail", 999999), logged_in(NOT_FOUND), "missing"),
        Case(
            at("articles:detail", lambda d: d.published.pk),
            logged_in(NOT_ALLOWED),
            "published",
            method="post",
        ),
    ],
    "articles:theme": [
        Case(at("articles:theme", "党建引领"), logged_in(PAGE), "published theme"),
        # Themes are global names; the page lists only the articles one may read.
        Case(at("articles:theme", "内部草稿主题"), logged_in(PAGE), "draft-only theme"),
        Case(at("articles:theme", "没有这个主题"), logged_in(NOT_FOUND), "missing"),
    ],
    # --- admin site views (model views are covered by ADMIN_MODEL_VIEWS below) ---
    "admin:index": [Case(at("admin:index"), admin_site())],
    "admin:login": [
        Case(at("admin:login"), logged_in(PAGE, anonymous=PAGE, staff=REDIRECT))
    ],
    "admin:logout": [
        # Logout is POST only; the admin first sends non-staff to its index.
        Case(at("admin:logout"), logged_in(REDIRECT, ADMIN_LOGIN, NOT_ALLOWED))
    ],
    "admin:password_change": [Case(at("admin:password_change"), admin_site())],
    "admin:password_change_done": [
        Case(at("admin:password_change_done"), admin_site())
    ],
    "admin:autocomplete": [
        # Without its query parameters the autocomplete view refuses (403).
        Case(at("admin:autocomplete"), admin_site(FORBIDDEN))
    ],
    "admin:jsi18n": [Case(at("admin:jsi18n"), admin_site())],
    "admin:view_on_site": [
        Case(
            lambda d: reverse(
                "admin:view_on_site",
                args=[ContentType.objects.get_for_model(Article).pk, d.draft.pk],
            ),
            admin_site(REDIRECT),
        )
    ],
    "admin:app_list": [
        Case(lambda d, app=app: reverse("admin:app_list", args=[app]), admin_site())
        for app in ["auth", "taggit", "axes", "accounts", "articles"]
    ],
    "admin/(?P<url>.*)$": [
        Case(lambda d: "/admin/nothing-here/", admin_site(NOT_FOUND)),
    ],
    "admin:articles_article_import": [
        Case(at("admin:articles_article_import"), staff_only())
    ],
    "admin:taggit_tag_merge_tags": [
        Case(at("admin:taggit_tag_merge_tags"), staff_only())
    ],
    "admin:auth_user_password_change": [
        Case(at("admin:auth_user_password_change", lambda d: d.member.pk), staff_only())
    ],
}

# Every registered ModelAdmin has these views, all behind admin_view (staff only).
ADMIN_MODEL_VIEWS = {
    "changelist": "{prefix}/",
    "add": "{prefix}/add/",
    "history": "{prefix}/{pk}/history/",
    "delete": "{prefix}/{pk}/delete/",
    "change": "{prefix}/{pk}/change/",
    "": "{prefix}/{pk}/",  # unnamed: redirects to change
}
# What staff get where a model's admin refuses a view (e.g. axes logs are read-only).
ADMIN_STAFF_EXCEPTIONS = {
    ("axes.accessattempt", "add"): FORBIDDEN,
    ("axes.accesslog", "add"): FORBIDDEN,
    ("axes.accessfailurelog", "add"): FORBIDDEN,
}
# One object per registered model, for the views that take an id. A newly
# registered model fails the coverage test until it gets one here.
ADMIN_OBJECTS: dict[str, Callable[[SimpleNamespace], object]] = {
    "auth.group": lambda d: d.auth_group,
    "taggit.tag": lambda d: d.draft_theme,
    "axes.accessattempt": lambda d: d.attempt,
    "axes.accesslog": lambda d: d.access_log,
    "axes.accessfailurelog": lambda d: d.failure_log,
    "accounts.member": lambda d: d.member,
    "accounts.studygroup": lambda d: d.other_group,
    "articles.article": lambda d: d.draft,
    "articles.paragraph": lambda d: d.draft_paragraph,
}


def admin_model_cases() -> dict[str, list[Case]]:
    cases: dict[str, list[Case]] = {}
    for model in admin.site._registry:
        label = model._meta.label_lower
        app, name = model._meta.app_label, model._meta.model_name
        for view, route in ADMIN_MODEL_VIEWS.items():
            key = (
                f"admin:{app}_{name}_{view}"
                if view
                else f"admin/{app}/{name}/<path:object_id>/"
            )
            outcome = ADMIN_STAFF_EXCEPTIONS.get((label, view), PAGE)
            if view == "":
                outcome = REDIRECT

            def url(d, route=route, label=label, app=app, name=name):
                pk = ADMIN_OBJECTS[label](d).pk if "{pk}" in route else ""
                return "/admin/" + route.format(prefix=f"{app}/{name}", pk=pk)

            cases[key] = [Case(url, staff_only(outcome), label)]
    return cases


def all_cases() -> dict[str, list[Case]]:
    return {**MATRIX, **admin_model_cases()}


def url_patterns(patterns=None, prefix="", namespace=None):
    """(key, route) of every pattern: the namespaced name, else the full route."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = (
                    f"{namespace}:{pattern.namespace}"
                    if namespace
                    else pattern.namespace
                )
            yield from url_patterns(
                pattern.url_patterns, prefix + str(pattern.pattern), inner
            )
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, route
            else:
                yield route, route


def test_every_url_pattern_has_an_entry():
    keys = {key for key, _route in url_patterns()}
    cases = all_cases()
    assert sorted(keys - cases.keys()) == [], "URL patterns without an expectation"
    assert sorted(cases.keys() - keys) == [], "expectations for no URL pattern"
    assert set(ADMIN_OBJECTS) == {m._meta.label_lower for m in admin.site._registry}
    for key, entry_cases in cases.items():
        assert entry_cases, key
        for case in entry_cases:
            assert set(case.expect) == set(PERSONAS), key


@pytest.fixture
def world(group, other_group, leader, secretary, member, outsider, staff):
    group.description = "南开区委中心组内部安排：第三季度专题学习"
    group.save()
    other_group.description = "西青区委中心组内部安排：调研提纲"
    other_group.save()
    published = ArticleFactory(title="以学铸魂 在发展新质生产力上勇争先")
    ParagraphFactory(article=published, text="学思用贯通，知信行统一。")
    published.tags.add("党建引领")
    draft = ArticleFactory(
        title="尚未发布的草稿：区委理论学习中心组内部讨论稿",
        status=Article.Status.DRAFT,
    )
    draft_paragraph = ParagraphFactory(
        article=draft, text="草稿正文：此段仅供编辑审阅，不得对成员公开。"
    )
    draft.tags.add("内部草稿主题")
    data = SimpleNamespace(
        group=group,
        other_group=other_group,
        leader=leader,
        secretary=secretary,
        member=member,
        outsider=outsider,
        staff=staff,
        published=published,
        draft=draft,
        draft_paragraph=draft_paragraph,
        draft_theme=draft.tags.get(),
        auth_group=Group.objects.create(name="内容编辑"),
        attempt=AccessAttempt.objects.create(
            username="member", ip_address="10.0.0.9", failures_since_start=1
        ),
        access_log=AccessLog.objects.create(username="member", ip_address="10.0.0.9"),
        failure_log=AccessFailureLog.objects.create(
            username="member", ip_address="10.0.0.9", locked_out=False
        ),
    )
    drafts = [draft.title, draft_paragraph.text]
    ours = [group.name, group.description, "张组长", "李秘书", "王成员"]
    theirs = [other_group.name, other_group.description, "赵外组"]
    data.private_texts = {
        "anonymous": drafts + ours + theirs,
        "outsider": drafts + ours,
        **{persona: drafts + theirs for persona in GROUP_MEMBERS},
        "staff": [],
    }
    return data


def client_for(persona, data) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(getattr(data, persona))
    return client


def check(response, outcome, url) -> str | None:
    status = response.status_code
    location = response.headers.get("Location", "")
    if outcome == PAGE:
        ok = status == 200
    elif outcome == LOGIN:
        ok = status == 302 and location.startswith(reverse("login") + "?next=")
    elif outcome == ADMIN_LOGIN:
        ok = status == 302 and location.startswith(reverse("admin:login") + "?next=")
    elif outcome == REDIRECT:
        ok = status == 302 and not location.startswith(
            (reverse("login"), reverse("admin:login"))
        )
    else:
        ok = status == outcome
    return None if ok else f"{url}: expected {outcome}, got {status} {location}"


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(all_cases()))
def test_permission_matrix(key, world):
    problems = []
    for case in all_cases()[key]:
        url = case.url(world)
        for persona in PERSONAS:
            client = client_for(persona, world)
            response = getattr(client, case.method)(url)
            problem = check(response, case.expect[persona], url)
            if problem:
                problems.append(f"{persona} {case.method.upper()} {problem}")
            body = response.content.decode(errors="replace")
            for text in world.private_texts[persona]:
                if text in body:
                    problems.append(f"{persona} {url}: response holds {text!r}")
    assert problems == []
