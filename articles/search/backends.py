"""One interface, one backend per database, over the same tokens.

SQLite: an FTS5 external-content table over SearchDocument(words, grams), bm25.
PostgreSQL: a GIN index over the same tokens without positions, the exact match
checked on the word runs of the normalised text (migration 0004).

Both find exactly the rows holding the n-gram phrase of every needle (all needles
must match: that is the recall guarantee) and rank by the jieba words (a whole-word
match beats a match across word boundaries). Query strings are assembled only from word
characters, each token quoted, so user input never becomes query syntax.
"""

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection, transaction
from django.db.models import Q

from .query import ParsedQuery
from .text import WORD_RUN, needle_grams

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

    def recall(self, query: ParsedQuery) -> str:
        """Every needle as a phrase of its n-grams: exactly the hits."""
        return " AND ".join(
            self._phrase("grams", *needle_grams(n)) for n in query.needles
        )

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
            # The index alone first (no join, a fraction of a millisecond): when it
            # holds no more than HIT_LIMIT hits for anyone, the visible ones are ranked
            # and counted in one pass. Joining every hit to its document for the
            # filters is what a count costs (measured at 100k paragraphs: 0.3 ms
            # against 3 ms for a word in 1,700 paragraphs).
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {FTS_TABLE} "
                f"WHERE {FTS_TABLE} MATCH %s LIMIT %s)",
                [self.recall(query), HIT_LIMIT + 1],
            )
            if cursor.fetchone()[0] <= HIT_LIMIT:
                # MATERIALIZED: scored once, then counted and paged (bm25 cannot be
                # used where SQLite would move it if the CTE were flattened).
                cursor.execute(
                    f"WITH hits AS MATERIALIZED (SELECT {FTS_TABLE}.rowid AS id, "
                    f"bm25({FTS_TABLE}, 2.0, 1.0) AS score {base}) "
                    "SELECT id, (SELECT count(*) FROM hits) FROM hits "
                    "ORDER BY score, id DESC LIMIT %s OFFSET %s",
                    [*params, limit, offset],
                )
                rows = cursor.fetchall()
                if rows or not offset:
                    return Ranked([row[0] for row in rows], rows[0][1] if rows else 0)
            # The visible hits, newest first, up to one more than HIT_LIMIT: their
            # number, and the page itself when there are too many to rank.
            cursor.execute(
                f"SELECT {FTS_TABLE}.rowid {base} "
                f"ORDER BY {FTS_TABLE}.rowid DESC LIMIT %s",
                [*params, HIT_LIMIT + 1],
            )
            newest = [row[0] for row in cursor.fetchall()]
            total = len(newest)
            by_relevance = total <= HIT_LIMIT
            if not by_relevance and offset + limit <= total:
                return Ranked(newest[offset : offset + limit], total, False)
            order = f"bm25({FTS_TABLE}, 2.0, 1.0), " if by_relevance else ""
            cursor.execute(
                f"SELECT {FTS_TABLE}.rowid {base} "
                f"ORDER BY {order}{FTS_TABLE}.rowid DESC LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            ids = [row[0] for row in cursor.fetchall()]
        return Ranked(ids, total, by_relevance)

    def optimize(self) -> None:
        """After a rebuild: merge FTS5's segments into one b-tree (a bulk build
        leaves dozens, and every query reads each of them)."""
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('optimize')")

    def optimize_in_steps(self, pages: int = 100) -> None:
        """The same merge as ``optimize`` in bounded steps, one short transaction
        each: a background rebuild must not hold the write lock for the seconds a
        full 'optimize' of a large index takes. FTS5 does at most ``pages`` pages of
        work per 'merge'; fewer than 2 changes means nothing was left to merge (the
        first step, negative, merges even levels below the automerge threshold)."""
        step = -pages
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                before = connection.connection.total_changes
                cursor.execute(
                    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES('merge', %s)",
                    [step],
                )
                changed = connection.connection.total_changes - before
            step = pages
            if changed < 2:
                return

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
    """Recall from a GIN index over the n-grams without positions, the exact match
    checked on ``runs`` and ranking by ``words_tsv`` (migration 0004 explains why).
    Every query touches at most HIT_LIMIT + 1 matching rows."""

    RECALL = f"{TABLE}_recall(grams, words)"

    @staticmethod
    def _lexeme(token: str, mark: str = "") -> str:
        return "'" + (mark + token).replace("'", "''").replace("\\", "\\\\") + "'"

    def tsqueries(self, query: ParsedQuery, words: list[list[str]]) -> tuple[str, str]:
        """(recall, rank): every n-gram of every needle, in any order (a superset of
        the hits), and the needles' words as phrases for ts_rank."""
        recall: list[str] = []
        for needle in query.needles:
            tokens, prefix = needle_grams(needle)
            lexemes = [self._lexeme(t) for t in tokens]
            if prefix:
                lexemes[-1] += ":*"
            recall.extend(x for x in lexemes if x not in recall)
        rank = [
            "(" + " <-> ".join(self._lexeme(w) for w in needle_words) + ")"
            for needle_words in words
            if needle_words
        ]
        return " & ".join(recall), " | ".join(rank)

    @staticmethod
    def literals(query: ParsedQuery) -> list[str]:
        """What ``runs`` holds where each needle occurs: its word-character runs
        separated by one space (see needle_grams for the run boundaries)."""
        return [" ".join(WORD_RUN.findall(needle)) for needle in query.needles]

    def ranked(self, query, words, filters: Q, limit: int, offset: int) -> Ranked:
        where = _where(filters)
        if where is None:
            return Ranked([], 0)
        where_sql, where_params = where
        recall, rank = self.tsqueries(query, words)
        literals = self.literals(query)
        exact = " AND ".join(['strpos("runs", %s) > 0'] * len(literals))
        exact_where = f"{exact} AND ({where_sql})"
        exact_params = [*literals, *where_params]
        found = f"FROM {TABLE} WHERE {self.RECALL} @@ %s::tsquery AND {exact_where}"
        found_params = [recall, *exact_params]
        score, score_params = (
            ('ts_rank("words_tsv", %s::tsquery)', [rank]) if rank else ("0", [])
        )
        with connection.cursor() as cursor:
            # Up to HIT_LIMIT + 1 hits found through the index, counted and scored in
            # one pass; the page is only used when they are all there is.
            cursor.execute(
                f'WITH hits AS MATERIALIZED (SELECT "id", {score} AS score {found} '
                "LIMIT %s) SELECT (SELECT count(*) FROM hits), "
                "(SELECT array_agg(id ORDER BY score DESC, id DESC) FROM (SELECT * "
                "FROM hits ORDER BY score DESC, id DESC LIMIT %s OFFSET %s) AS page)",
                [*score_params, *found_params, HIT_LIMIT + 1, limit, offset],
            )
            total, page = cursor.fetchone()
            by_relevance = total <= HIT_LIMIT
            ids = page or []
            if not by_relevance:
                # Thousands of hits: walking the primary key backwards meets the
                # newest ones at once, and the check on ``runs`` is exact on its own.
                # (With the index condition the planner, which underestimates how
                # many rows hold all the n-grams, fetched and checked every hit.)
                cursor.execute(
                    f'SELECT "id" FROM {TABLE} WHERE {exact_where} '
                    'ORDER BY "id" DESC LIMIT %s OFFSET %s',
                    [*exact_params, limit, offset],
                )
                ids = [row[0] for row in cursor.fetchall()]
        return Ranked(ids, total, by_relevance)

    def optimize(self) -> None:
        """After a rebuild: fresh planner statistics (the hit estimates decide
        between the index and a scan); VACUUM cannot run in the transaction."""
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")

    def optimize_in_steps(self) -> None:
        # ANALYZE takes no lock that blocks writers.
        self.optimize()

    def document_frequencies(self, words: list[str]) -> tuple[int, dict[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            documents = cursor.fetchone()[0]
            counts = {}
            for word in words:
                cursor.execute(
                    f"SELECT count(*) FROM {TABLE} WHERE {self.RECALL} @@ %s::tsquery",
                    [self._lexeme(word, "#")],
                )
                counts[word] = cursor.fetchone()[0]
        return documents, counts


def get_backend():
    if connection.vendor == "postgresql":
        return PostgreSQLBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise NotImplementedError(f"no search backend for {connection.vendor}")
