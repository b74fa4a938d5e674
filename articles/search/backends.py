"""One interface, one backend per database, over the same tokens.

SQLite: an FTS5 external-content table over SearchDocument(words, grams), bm25.
PostgreSQL: a tsvector column built by a trigger from the same tokens, GIN index.

Both get a query built from the n-gram phrase of every needle (all needles must
match: that is the recall guarantee) and rank by the jieba words (a whole-word match
beats a match across word boundaries). Query strings are assembled only from word
characters, each token quoted, so user input never becomes query syntax.
"""

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Q

from .query import ParsedQuery
from .text import needle_grams

TABLE = "articles_searchdocument"
FTS_TABLE = "articles_searchdocument_fts"
# Candidates fetched when needles with inner punctuation must be checked in Python.
CHECK_LIMIT = 5000
# Hits are counted up to this many and ranked when there are no more; above it the
# page says "more than 2,000" and lists them newest first. A word in thousands of
# paragraphs has almost no discriminating weight (FTS5 floors its IDF for words in
# over half the rows; ts_rank has no IDF at all), and counting and scoring every hit
# is what makes such queries slow (shared/research/search.md §3.6, §4.3; measured
# at 100k paragraphs: 新质生产力, 46k hits, 141 ms with a full count).
HIT_LIMIT = 2000


@dataclass(frozen=True)
class Ranked:
    ids: list[int]
    total: int
    # False when there were more than HIT_LIMIT hits (total is then HIT_LIMIT + 1)
    # and they come newest first.
    by_relevance: bool = True


def _where(filters: Q) -> tuple[str, list] | None:
    """SQL of ``filters`` over the SearchDocument table alone (no joins), or None when
    nothing can match. Kinds' visibility rules must use *_id fields and __in
    subqueries so that this holds."""
    from ..models import SearchDocument

    query = SearchDocument.objects.filter(filters).query
    if sum(1 for a in query.alias_map if query.alias_refcount.get(a)) > 1:
        raise ValueError("search filters must not join other tables")
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = compiler.compile(query.where)
    except EmptyResultSet:
        return None
    except FullResultSet:
        return "1=1", []
    return sql, list(params)


class SQLiteBackend:
    @staticmethod
    def _phrase(column: str, tokens: list[str], prefix: bool) -> str:
        quoted = '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'
        return f"{column} : {quoted}{' *' if prefix else ''}"

    def match(self, query: ParsedQuery, words: list[list[str]]) -> str:
        recall = [self._phrase("grams", *needle_grams(n)) for n in query.needles]
        rank = [self._phrase("words", w, False) for w in words if w]
        # bm25 sums over every phrase of the expression that a row contains, so the
        # OR group adds the word matches to the score without changing the hits.
        return " AND ".join(recall) + " AND (" + " OR ".join([*rank, recall[0]]) + ")"

    def ranked(self, query, words, filters: Q, limit: int, offset: int) -> Ranked:
        where = _where(filters)
        if where is None:
            return Ranked([], 0)
        where_sql, where_params = where
        match = self.match(query, words)
        base = (
            # CROSS JOIN keeps the FTS table as the outer loop: otherwise SQLite may
            # walk the documents and run MATCH once per row.
            f"FROM {FTS_TABLE} CROSS JOIN {TABLE} INDEXED BY {TABLE}_filter "
            f'ON "{TABLE}"."id" = {FTS_TABLE}.rowid '
            f"WHERE {FTS_TABLE} MATCH %s AND ({where_sql})"
        )
        params = [match, *where_params]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 {base} LIMIT %s)",
                [*params, HIT_LIMIT + 1],
            )
            total = cursor.fetchone()[0]
            by_relevance = total <= HIT_LIMIT
            order = f"bm25({FTS_TABLE}, 2.0, 1.0), " if by_relevance else ""
            cursor.execute(
                f"SELECT {FTS_TABLE}.rowid {base} "
                f"ORDER BY {order}{FTS_TABLE}.rowid DESC LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            ids = [row[0] for row in cursor.fetchall()]
        return Ranked(ids, total, by_relevance)

    def document_frequencies(self, words: list[str]) -> tuple[int, dict[str, int]]:
        """(documents in the index, {word: documents holding it as a jieba word})."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            documents = cursor.fetchone()[0]
            counts = {}
            for word in words:
                cursor.execute(
                    f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
                    [self._phrase("words", [word], False)],
                )
                counts[word] = cursor.fetchone()[0]
        return documents, counts


class PostgreSQLBackend:
    @staticmethod
    def _phrase(tokens: list[str], prefix: bool, mark: str = "") -> str:
        lexemes = [
            "'" + (mark + t).replace("'", "''").replace("\\", "\\\\") + "'"
            for t in tokens
        ]
        if prefix:
            lexemes[-1] += ":*"
        return "(" + " <-> ".join(lexemes) + ")"

    def tsqueries(self, query: ParsedQuery, words: list[list[str]]) -> tuple[str, str]:
        recall = [self._phrase(*needle_grams(n)) for n in query.needles]
        rank = [self._phrase(w, False, "#") for w in words if w]
        return " & ".join(recall), " | ".join([*rank, recall[0]])

    def ranked(self, query, words, filters: Q, limit: int, offset: int) -> Ranked:
        where = _where(filters)
        if where is None:
            return Ranked([], 0)
        where_sql, where_params = where
        recall, rank = self.tsqueries(query, words)
        base = f'FROM {TABLE} WHERE "{TABLE}"."tsv" @@ %s::tsquery AND ({where_sql})'
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 {base} LIMIT %s) AS found",
                [recall, *where_params, HIT_LIMIT + 1],
            )
            total = cursor.fetchone()[0]
            by_relevance = total <= HIT_LIMIT
            if by_relevance:
                # At most HIT_LIMIT rows to score. MATERIALIZED: the planner must not
                # walk the primary key backwards hoping to meet them early.
                cursor.execute(
                    f'WITH hits AS MATERIALIZED (SELECT "id", "tsv" {base}) '
                    "SELECT id FROM hits ORDER BY ts_rank(tsv, %s::tsquery) DESC, "
                    "id DESC LIMIT %s OFFSET %s",
                    [recall, *where_params, rank, limit, offset],
                )
            else:
                # Thousands of hits: walking the primary key backwards meets the
                # newest ones at once (measured at 100k: the materialised form
                # rechecked all 35k hits of 治理, 1.1 s).
                cursor.execute(
                    f'SELECT "{TABLE}"."id" {base} '
                    f'ORDER BY "{TABLE}"."id" DESC LIMIT %s OFFSET %s',
                    [recall, *where_params, limit, offset],
                )
            ids = [row[0] for row in cursor.fetchall()]
        return Ranked(ids, total, by_relevance)

    def document_frequencies(self, words: list[str]) -> tuple[int, dict[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            documents = cursor.fetchone()[0]
            counts = {}
            for word in words:
                cursor.execute(
                    f"SELECT count(*) FROM {TABLE} WHERE tsv @@ %s::tsquery",
                    [self._phrase([word], False, "#")],
                )
                counts[word] = cursor.fetchone()[0]
        return documents, counts


def get_backend():
    if connection.vendor == "postgresql":
        return PostgreSQLBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise NotImplementedError(f"no search backend for {connection.vendor}")
