"""Hostile numbers in every URL pattern and every query parameter: never a 5xx.

The URL patterns come from the resolver and the query parameters from the source (every
name read through ``studyhub.params`` or ``request.GET``), so a new view or a new
filter is fuzzed without anyone adding it here. Two personas walk them: a member who
belongs to two groups (keeper of one) and the staff editor, who also reaches the admin.
"""

import ast
import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from studyhub.params import parse_id, parse_year, query_id, query_text

from ..factories import (
    AnnotationFactory,
    ArticleFactory,
    AttendanceFactory,
    MemberFactory,
    MembershipFactory,
    ParagraphFactory,
    ReplyFactory,
    StudyGroupFactory,
    StudySessionFactory,
)

ROOT = Path(__file__).resolve().parents[2]

# What a careless or hostile client sends where a number is expected.
HOSTILE = [
    "99999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "²",
    "１２",  # full-width digits: str.isdigit() is true
    "٣",  # Arabic-Indic digit
    "-1",
    "0",
    "1e3",
    " 1",
    "",
    "1\x00",
    "1" * 400,
]
# More of the same kind, for the generated test (values it would rarely invent).
RARE = ["1.5", "+1", "0x10", "NaN", "1;DROP TABLE x", "%", "00"]

# Parameters whose names are not literals in the views (form fields of the search).
FORM_PARAMETERS = {"group", "kind", "theme", "page", "date_from", "date_to", "q"}


def url_routes(patterns=None, prefix=""):
    """Every route of the project as (route, converters), admin included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from url_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def query_parameters() -> set[str]:
    """The names every view reads from the query string, found in the source."""
    names = set(FORM_PARAMETERS)
    readers = {"query_id", "query_year", "query_text", "get", "getlist"}
    for folder in ("articles", "accounts", "studyhub"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else ""
                name = name or (func.id if isinstance(func, ast.Name) else "")
                if name not in readers:
                    continue
                source = ast.unparse(node)
                if name in {"get", "getlist"} and ".GET" not in source:
                    continue
                if name == "query_year" and len(node.args) < 2:
                    names.add("year")  # its default parameter name
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        names.add(arg.value)
    return names - {""}


# A regex route's groups (the admin's app index) and the route converters, filled in.
_CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def fill(route: str, value: str) -> str | None:
    if route.startswith("^") or "(?P<" in route:
        if "app_label" not in route:
            return None
        route = re.sub(r"\(\?P<app_label>[^)]*\)", "articles", route)
        route = route.replace("^", "").replace("$", "")
    return "/" + _CONVERTER.sub(lambda m: quote(value, safe=""), route)


# Logging out ends the persona's session, so it goes last: every route before it is
# probed logged in (a probe that fell back to the login redirect would prove nothing).
ROUTES = sorted(
    {r for r in url_routes() if not r.startswith("static")},
    key=lambda route: ("logout/" in route, route),
)
LOGOUT_FIRST = next(route for route in ROUTES if "logout/" in route)


@pytest.fixture
def world(db):
    """A person in two groups (keeper of A, member of B) with something to list in
    each, and the staff editor without a group."""
    group_a = StudyGroupFactory(name="甲组")
    group_b = StudyGroupFactory(name="乙组")
    person = MemberFactory(username="two_groups")
    MembershipFactory(group=group_a, member=person, role=Membership.Role.SECRETARY)
    MembershipFactory(group=group_b, member=person)
    article = ArticleFactory()
    paragraph = ParagraphFactory(article=article)
    annotation = AnnotationFactory(author=person, paragraph=paragraph, group=group_a)
    ReplyFactory(annotation=annotation, author=person)
    for group in (group_a, group_b):
        session = StudySessionFactory(group=group)
        AttendanceFactory(session=session, member=person)
    staff = MemberFactory(username="editor", is_staff=True, is_superuser=True)
    return {"member": person, "staff": staff}


def clients(world) -> dict[str, Client]:
    result = {}
    for persona, user in world.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        result[persona] = client
    return result


def probe(client: Client, url: str, value: str, names: set[str]) -> list[str]:
    """GET and POST ``url`` with every query parameter set to ``value`` (and once
    repeated with another value); the failures found."""
    failures = []
    single = urlencode({name: value for name in sorted(names)})
    repeated = urlencode(
        [(name, v) for name in sorted(names) for v in (value, "1")], doseq=True
    )
    requests = [
        (client.get, single),
        (client.get, repeated),
        (client.post, single),
    ]
    for method, query in requests:
        response = method(f"{url}?{query}", {name: value for name in names})
        if response.status_code >= 500:
            failures.append(f"{method.__name__.upper()} {url}?{query[:80]} → 5xx")
    return failures


def test_routes_and_parameters_are_found():
    # The walk must see the views it is meant to fuzz, or the test proves nothing.
    assert "articles/<id:pk>/" in ROUTES
    assert any(r.startswith("admin/") and "<path:object_id>" in r for r in ROUTES)
    assert {"group", "member", "year", "plan_item", "page", "article"} <= (
        query_parameters()
    )


@pytest.mark.parametrize("value", HOSTILE)
def test_every_route_survives_hostile_numbers(world, value):
    names = query_parameters()
    failures = []
    for persona, client in clients(world).items():
        for route in ROUTES:
            if persona == "member" and route.startswith("admin/"):
                continue  # the admin sends members to its login; staff probe it
            if route == LOGOUT_FIRST:
                # Still logged in here: the probes reached the views, not the login.
                assert client.get("/accounts/profile/").status_code == 200
            url = fill(route, value)
            if url is not None:
                failures += [
                    f"{persona}: {f}" for f in probe(client, url, value, names)
                ]
    assert failures == []


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    value=st.one_of(
        st.integers().map(str),
        st.sampled_from(HOSTILE + RARE),
        st.text(alphabet=st.characters(categories=["Nd", "No", "P", "Zs"]), max_size=8),
        st.text(max_size=12),
    ),
    route=st.sampled_from(ROUTES),
    persona=st.sampled_from(["member", "staff"]),
)
def test_generated_values_never_5xx(world, value, route, persona):
    client = clients(world)[persona]
    url = fill(route, value)
    if url is not None:
        assert probe(client, url, value, query_parameters()) == []


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("7", 7),
        ("999999999999999999", 999999999999999999),
        ("9999999999999999999", None),
        ("²", None),
        ("１２", None),
        ("-1", None),
        ("0", None),
        ("07", None),
        ("1e3", None),
        (" 1", None),
        ("+1", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [("2026", 2026), ("2000", 2000), ("2100", 2100), ("1999", None), ("2101", None)]
    + [("99999", None), ("²⁰²⁶", None), ("２０２６", None), ("", None)],
)
def test_parse_year(raw, expected):
    assert parse_year(raw) == expected


def test_text_parameters_refuse_control_characters(rf):
    # PostgreSQL refuses NUL in any string: such a filter must never reach a query.
    assert query_text(rf.get("/?theme=%E5%85%9A%E5%BB%BA").GET, "theme") == "党建"
    assert query_text(rf.get("/?theme=1%00").GET, "theme") == ""
    assert query_text(rf.get("/?theme=" + "a" * 201).GET, "theme") == ""


def test_repeated_parameter_with_different_values_is_absent(rf):
    assert query_id(rf.get("/?group=3&group=3").GET, "group") == 3
    assert query_id(rf.get("/?group=3&group=4").GET, "group") is None


def test_huge_id_in_a_path_is_404_like_a_missing_one(world):
    client = clients(world)["member"]
    for value in ("99999999999999999999", "9223372036854775808", "0"):
        assert client.get(f"/articles/{value}/").status_code == 404
        assert client.get(f"/sessions/{value}/").status_code == 404
    assert client.get("/groups/1/attendance-99999.xlsx").status_code == 404
    assert client.get("/groups/1/attendance-1999.xlsx").status_code == 404
    assert client.get("/themes/1%00/").status_code == 404
