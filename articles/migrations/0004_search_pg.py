"""PostgreSQL search: recall without phrase rechecks, ranking on the words alone.

0003 kept one tsvector per row (n-grams and words, with positions) under a GIN index.
Its phrase queries (<->) make PostgreSQL recheck every candidate row against that
tsvector, about 5 kB and TOASTed, so counting the hits of a common needle read
thousands of them (measured at 100k paragraphs: p95 258 ms). Now:

* recall: a GIN index over a positionless tsvector of the n-grams and the '#'-marked
  words, computed from ``grams`` and ``words`` by a function (nothing stored). Queries
  AND the needle's n-grams (no phrase operator), which GIN answers without a recheck;
* exact match: ``runs``, the word-character runs of the normalised text separated by
  one space, rebuilt from ``grams`` (the first character of every n-gram, a space after
  each run's closing unigram). A needle's runs joined by spaces occur in it exactly
  where the n-gram phrase occurs in the document, so ``strpos`` keeps the substring
  semantics of SQLite's phrase queries;
* ranking: ``words_tsv``, the jieba words with their positions, read by ts_rank.

``runs`` and ``words_tsv`` are kept in the row (STORAGE MAIN) so that checking or
ranking a hit never reads the TOAST table. SQLite is unchanged.
"""

from django.db import migrations

POSTGRESQL_FORWARD = [
    "DROP TRIGGER IF EXISTS articles_searchdocument_tsv ON articles_searchdocument",
    "DROP FUNCTION IF EXISTS articles_searchdocument_tsv()",
    "ALTER TABLE articles_searchdocument DROP COLUMN IF EXISTS tsv",
    "ALTER TABLE articles_searchdocument ADD COLUMN runs text NOT NULL DEFAULT '', "
    "ADD COLUMN words_tsv tsvector NOT NULL DEFAULT ''",
    "ALTER TABLE articles_searchdocument ALTER COLUMN runs SET STORAGE MAIN, "
    "ALTER COLUMN words_tsv SET STORAGE MAIN",
    # plpgsql so that it is never inlined: the planner then sees its cost and uses the
    # index instead of computing the tsvector of every row it scans. COST 100 is what
    # kept plain bitmap scans for dense and rare needles alike at 100k paragraphs.
    """CREATE FUNCTION articles_searchdocument_recall(grams text, words text)
    RETURNS tsvector LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 100 AS $$
    BEGIN
        RETURN array_to_tsvector(array_remove(array_remove(
            string_to_array(grams, ' ')
            || string_to_array('#' || replace(words, ' ', ' #'), ' '), ''), '#'));
    END
    $$""",
    """CREATE FUNCTION articles_searchdocument_tsv() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.runs := coalesce((
            SELECT string_agg(
                left(g.tok, 1) || CASE WHEN length(g.tok) = 1 THEN ' ' ELSE '' END,
                '' ORDER BY g.pos)
            FROM unnest(string_to_array(NEW.grams, ' ')) WITH ORDINALITY AS g(tok, pos)
            WHERE g.tok <> ''), '');
        NEW.words_tsv := coalesce((
            SELECT string_agg(quote_literal(w.tok) || ':' || least(w.pos, 16383), ' ')
            FROM unnest(string_to_array(NEW.words, ' ')) WITH ORDINALITY AS w(tok, pos)
            WHERE w.tok <> ''), '')::tsvector;
        RETURN NEW;
    END
    $$""",
    """CREATE TRIGGER articles_searchdocument_tsv BEFORE INSERT OR UPDATE
    ON articles_searchdocument FOR EACH ROW EXECUTE FUNCTION articles_searchdocument_tsv()""",
    "UPDATE articles_searchdocument SET id = id",
    "CREATE INDEX articles_searchdocument_recall_gin ON articles_searchdocument "
    "USING gin (articles_searchdocument_recall(grams, words))",
]
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS articles_searchdocument_recall_gin",
    "DROP TRIGGER IF EXISTS articles_searchdocument_tsv ON articles_searchdocument",
    "DROP FUNCTION IF EXISTS articles_searchdocument_tsv()",
    "DROP FUNCTION IF EXISTS articles_searchdocument_recall(text, text)",
    "ALTER TABLE articles_searchdocument DROP COLUMN IF EXISTS runs, "
    "DROP COLUMN IF EXISTS words_tsv",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def _backward(apps, schema_editor):
    """Back to 0003's single tsvector."""
    if schema_editor.connection.vendor != "postgresql":
        return
    import importlib

    for statement in POSTGRESQL_BACKWARD:
        schema_editor.execute(statement)
    initial = importlib.import_module("articles.migrations.0003_search")
    for statement in initial.POSTGRESQL_FORWARD:
        schema_editor.execute(statement)
    schema_editor.execute("UPDATE articles_searchdocument SET id = id")


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_search")]

    operations = [migrations.RunPython(_run(POSTGRESQL_FORWARD), _backward)]
