"""Versioned keys of the read models.

A read model (an article's text, a group's annotation layer on an article, a
member's private layer, a group's recent activity) is cached under a key built from
the versions of the scopes it depends on. A write does not delete anything: the
service that changes rows bumps the versions of exactly the scopes they belong to,
and the next read builds a new key and misses. Timeouts only free memory; what is
current is decided by the versions alone.

Scopes (``Scope`` tuples):
  ("article", article_id)                  text, headings, keywords, themes
  ("article-group", article_id, group_id)  the annotations shared with a group
  ("article-member", article_id, member_id)  a member's annotations outside their
                                           groups (the private ones)
  ("group", group_id)                      the group's name (in its layers, home)
  ("activity", group_id)                   the group's recent activity (home)
  ("member", member_id)                    a member's own notes and what they show
                                           (their pages, list counts, search)
  ("elsewhere", member_id)                 what home's activity shows of a member
                                           outside their groups: their notes shared
                                           with a group they left, replies on their
                                           private notes (a new note is never there)
  ("theme", theme_id)                      the annotations carrying a theme (its
                                           page); renames and merges: ("library",)
  ("inbox", member_id)                     a member's unread notification count
                                           (the header of every page)
  ("library",)                             titles and status of all articles (home)
  ("people",)                              names of members (shown in every layer)
  ("discussions", group_id)                which paragraphs the group's sessions'
                                           speeches cite, with their sessions'
                                           dates and topics (the reader's links)
  ("records", group_id)                    the group's study record: sessions,
                                           attendance, speeches, materials, leave,
                                           sign-in, reflections, make-ups, plan,
                                           settings, its members' studied marks
                                           (session list, record, statistics)
  ("sessions", group_id)                   the group's sessions as scheduled: time,
                                           place, topic, form, host, status and
                                           materials (home's plan, recent records);
                                           attendance alone leaves it
  ("archive", member_id)                   a member's own rows outside any group's
                                           record (studied marks; their archive)
  ("search",)                              the search index as a whole: articles'
                                           text, a rebuild, a dictionary term, a
                                           group deleted, a removal not attributed
  ("search-group", group_id)               the index rows shared with a group
                                           (notes, replies, speeches written there)
  ("search-person", member_id)             the index rows a member finds as theirs
                                           (own notes, replies on them, speeches
                                           given or drafted)

A version is a fresh unique token, never a counter starting at 0: when the cache
drops a version key (memory, a restart of Redis), the next read starts a new token
instead of going back to a value whose old entries may still be stored.
"""

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction

Scope = tuple

# Part of every key: a change of what is cached (its shape or markup) starts afresh.
SCHEMA = "r1"
# What a read model may hold of memory, at most; never a matter of correctness.
TIMEOUT = 7 * 24 * 3600


def article(article_id: int) -> Scope:
    return ("article", article_id)


def article_group(article_id: int, group_id: int) -> Scope:
    return ("article-group", article_id, group_id)


def article_member(article_id: int, member_id: int) -> Scope:
    return ("article-member", article_id, member_id)


def group(group_id: int) -> Scope:
    return ("group", group_id)


def activity(group_id: int) -> Scope:
    return ("activity", group_id)


def member(member_id: int) -> Scope:
    return ("member", member_id)


def elsewhere(member_id: int) -> Scope:
    return ("elsewhere", member_id)


def theme(theme_id: int) -> Scope:
    return ("theme", theme_id)


def inbox(member_id: int) -> Scope:
    return ("inbox", member_id)


# The reader: sessions citing paragraphs (reading/body.py).
def discussions(group_id: int) -> Scope:
    return ("discussions", group_id)


def bump_discussions(*group_ids) -> None:
    """A group's speeches were written, changed or deleted, or a session's date or
    topic changed: the reader's "discussed at" links of the group are read again."""
    bump(*(discussions(g) for g in set(group_ids) if g is not None))


PEOPLE: Scope = ("people",)
LIBRARY: Scope = ("library",)

# Article list and search (listsearch) ----------------------------------------------
# The search index as a whole: the index layer (articles/search/index.py) bumps it
# for every row of an article kind it writes or removes and on every rebuild; the
# rows of annotations, replies and speeches bump the scopes of who may find them
# instead (search_group, search_person at the end of this module).
SEARCH: Scope = ("search",)


# --- Study records (session list, record page, statistics, archive) ---------------
def records(group_id: int) -> Scope:
    return ("records", group_id)


def archive(member_id: int) -> Scope:
    return ("archive", member_id)


def sessions(group_id: int) -> Scope:
    return ("sessions", group_id)


def bump_records(*group_ids: int, members=(), schedule: bool = True) -> None:
    """A group's study record changed (a session, its attendance, speeches,
    materials, leave, sign-in, reflections, make-ups, the plan or settings): its
    session list, record pages, statistics and its members' archives; and the own
    pages (home's plan, their archive) of ``members``, whose make-up study changed
    (home lists theirs whatever the group, one they left included).

    ``schedule=False`` when the sessions themselves (times, topic, host, status,
    materials) are known to be as they were: attendance recorded for a session
    already held. Then home's plan and recent records, which show only those,
    stay cached for every member whose make-up study did not change."""
    group_ids = {pk for pk in group_ids if pk is not None}
    bump(
        *(records(pk) for pk in group_ids),
        *(sessions(pk) for pk in group_ids if schedule),
        *(archive(pk) for pk in set(members)),
    )


def bump_studied(member_id: int) -> None:
    """A member marked an article studied (or took the mark back): their archive,
    their own pages (home's reading lists) and the statistics of every group they
    belong to."""
    from accounts.models import Membership

    groups = Membership.objects.filter(member_id=member_id).values_list(
        "group_id", flat=True
    )
    bump(archive(member_id), member(member_id), *(records(pk) for pk in groups))


# --- end of study records -----------------------------------------------------------


def _version_key(scope: Scope) -> str:
    return f"{SCHEMA}:v:" + ":".join(str(part) for part in scope)


def _token() -> str:
    return f"{time.time_ns():x}{secrets.token_hex(3)}"


def versions(scopes: Iterable[Scope]) -> dict[Scope, str]:
    """The current version of each scope, in one cache round trip (two the first
    time a scope is read)."""
    keys = {_version_key(scope): scope for scope in scopes}
    _renew_pending()
    found = cache.get_many(list(keys))
    for key in keys.keys() - found.keys():
        token = _token()
        # add, not set: a bump by a concurrent write wins over this first read.
        if not cache.add(key, token, timeout=None):
            token = cache.get(key) or token
        found[key] = token
    return {scope: found[key] for key, scope in keys.items()}


def bump(*scopes: Scope) -> None:
    """Make every entry depending on ``scopes`` unreachable.

    Outside a transaction, at once. In one, when it commits (another request may
    read the rows as they were until then and cache them under the version it
    finds), and before that only if the transaction itself reads a version
    again (``versions``): then at once as well, so that the writer's own next
    read in this transaction misses. Most writes read nothing after their bumps,
    and each version written costs a file with the default cache: once, not
    twice."""
    keys = {_version_key(scope) for scope in scopes}
    if not keys:
        return

    def renew():
        cache.set_many({key: _token() for key in keys}, timeout=None)

    if not transaction.get_connection().in_atomic_block:
        renew()
        return
    transaction.on_commit(renew)
    pending = getattr(_unread, "keys", None)
    if pending is None:
        pending = _unread.keys = set()
    pending.update(keys)


# Keys bumped in this thread's transaction and not renewed yet (``bump``). Kept
# after a rollback too, until the next read: renewing a version is never wrong.
_unread = threading.local()


def _renew_pending() -> None:
    pending = getattr(_unread, "keys", None)
    if not pending:
        return
    _unread.keys = None
    # Outside a transaction the one that bumped them has ended: committed (and
    # renewed them) or rolled back (nothing changed).
    if transaction.get_connection().in_atomic_block:
        cache.set_many({key: _token() for key in pending}, timeout=None)


def key(name: str, scopes: Iterable[Scope], known: dict[Scope, str], *extra) -> str:
    """The key of read model ``name`` at the versions ``known`` of ``scopes``."""
    parts = [known[scope] for scope in scopes]
    entry = ":".join([SCHEMA, name, *(str(part) for part in extra), *parts])
    if len(entry) > 200:
        # A member of many groups: memcached refuses keys over 250 characters
        # (and Django warns of them with every backend).
        digest = hashlib.blake2b(entry.encode(), digest_size=20).hexdigest()
        entry = f"{SCHEMA}:{name}:#{digest}"
    return entry


def cached(name: str, scopes: list[Scope], build: Callable, *extra):
    """The read model ``name`` of ``scopes``, built by ``build()`` on a miss."""
    entry_key = key(name, scopes, versions(scopes), *extra)
    value = cache.get(entry_key)
    if value is None:
        value = build()
        cache.set(entry_key, value, TIMEOUT)
    return value


def bump_annotation(
    annotation, *former_group_ids, former_theme_ids=(), new: bool = False
) -> None:
    """An annotation (or its thread) changed: the layer of the group it is shared
    with (and of those it was shared with before the change) and its author's own
    layer, which holds it when it is private or the author left that group; the
    pages of the themes it carries (and carried before the change).

    ``new``: it was just written. Then it is private or shared with a group of
    its author's, and has no replies, so what home shows of the author outside
    their groups (``elsewhere``) is as it was."""
    article_id = annotation.paragraph.article_id
    group_ids = {annotation.group_id, *former_group_ids} - {None}
    theme_ids = {*former_theme_ids}
    if annotation.pk is not None:
        theme_ids.update(annotation.tags.values_list("pk", flat=True))
    bump(
        article_member(article_id, annotation.author_id),
        member(annotation.author_id),
        *([] if new else [elsewhere(annotation.author_id)]),
        *(article_group(article_id, g) for g in group_ids),
        *(activity(g) for g in group_ids),
        *(theme(t) for t in theme_ids),
    )


def bump_inboxes(member_ids) -> None:
    """Notifications of these members were written or marked read: their header
    counts are counted again."""
    bump(*(inbox(pk) for pk in set(member_ids)))


def bump_articles(article_ids) -> None:
    """The text, themes or keywords of articles changed; every layer of them is
    rebuilt too, as each layer's key holds its article's version (highlights are
    placed in the text, re-anchoring moves notes)."""
    article_ids = list(article_ids)
    if article_ids:
        # Home's recent activity names articles of every group: titles, status.
        bump(LIBRARY, *(article(pk) for pk in article_ids))


def bump_themes(theme_ids) -> None:
    """Themes were renamed, merged or deleted: the articles carrying them and those
    whose annotations do (every layer shows its notes' themes), and no others."""
    from ..models import Annotation, Article

    theme_ids = list(theme_ids)
    bump(*(theme(t) for t in theme_ids))
    bump_articles(
        {
            *Article.objects.filter(tags__in=theme_ids).values_list("pk", flat=True),
            *Annotation.objects.filter(tags__in=theme_ids).values_list(
                "paragraph__article_id", flat=True
            ),
        }
    )


def accounts_changed(kind: str, *, member_id=None, group_id=None) -> None:
    """Registered with ``accounts.changes``: a member's or a group's name is in
    every layer they appear in. A membership needs nothing here for what is
    visible: which layers a member reads follows from their groups, read on each
    request, and their own layer's key holds those groups; the group's and the
    member's versions are bumped all the same, for the read models of a group
    that list its members and a member's own pages (a role decides what home
    lists)."""
    if kind == "member":
        bump(PEOPLE)
    elif kind == "member_deleted":
        # Their notes, replies and drafts went with them (CASCADE), and no row is
        # left to say which layers, pages and search entries held them: every
        # read model is renewed, now and once the deletion commits (rare, and
        # emptying the cache is always safe).
        forget_all()
        transaction.on_commit(forget_all)
    elif kind == "group_deleted":
        # Its annotations became their authors' private notes (SET_NULL): the
        # authors' own layers change, whoever they are; rare enough to renew all.
        bump(PEOPLE, group(group_id), SEARCH)
    elif kind == "group" and group_id is not None:
        # A member's own pages (my annotations, the theme pages) name the groups
        # of their notes, a group they have left included: their authors' pages.
        from ..models import Annotation

        authors = (
            Annotation.objects.filter(group_id=group_id)
            .order_by()
            .values_list("author_id", flat=True)
            .distinct()
        )
        bump(
            group(group_id),
            *(scope for pk in authors for scope in (member(pk), elsewhere(pk))),
        )
    elif kind == "membership" and group_id is not None:
        # The member's own pages are keyed by the groups read on each request;
        # their version is renewed all the same (a role decides what home lists).
        mine = [member(member_id), elsewhere(member_id)] if member_id else []
        bump(group(group_id), *mine)


def get_many_built(builders: dict[str, Callable]) -> dict[str, object]:
    """The entries of ``builders`` (key → function building it) in one round trip;
    the missing ones are built and stored together."""
    found = cache.get_many(list(builders))
    missing = {
        entry: build() for entry, build in builders.items() if entry not in found
    }
    if missing:
        cache.set_many(missing, TIMEOUT)
        found.update(missing)
    return found


def forget_all(**kwargs) -> None:
    """Empty the cache: after ``migrate`` (a new or restored database), when ids
    may mean other rows than the cached versions were taken for."""
    cache.clear()


# --- Search result pages by audience (searchscopes) ----------------------------------
# A row of the search index of a study kind (annotation, reply, speech) is found by
# the members of its group, its owner and the members its Source names as readers,
# and by nobody else (search/kinds.py ``Kind.scoped``): writing or removing it bumps
# exactly their scopes (search/index.py), and a cached result page is keyed on the
# scopes of whoever it is rendered for (reading/search_pages.py). ``SEARCH`` stays
# the scope of everything else: the article kinds, rebuilds, the dictionary, a group
# deleted and whatever a removal cannot attribute.
def search_group(group_id: int) -> Scope:
    """The rows of the search index shared with a group."""
    return ("search-group", group_id)


def search_person(member_id: int) -> Scope:
    """The rows of the search index a member may find as theirs: their annotations
    (private, or of a group they left), the replies on them, speeches they gave or
    drafted."""
    return ("search-person", member_id)


def bump_search(group_ids=(), person_ids=()) -> None:
    """Rows of the search index seen by these groups and members changed."""
    bump(
        *(search_group(pk) for pk in set(group_ids) if pk is not None),
        *(search_person(pk) for pk in set(person_ids) if pk is not None),
    )


# --- end of search result pages by audience -------------------------------------------
