"""A throw-away database for a benchmark, on whatever ``DATABASE_URL`` names.

SQLite (the default, or a ``sqlite:`` URL): a file in the benchmark's scratch
folder. PostgreSQL: a new database beside the one ``DATABASE_URL`` names, on the
same server and with the same credentials, created for the run and dropped after
it, so the benchmark never touches the data of the database it was pointed at.
"""

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@contextlib.contextmanager
def scratch_database(url: str | None, folder: Path) -> Iterator[str]:
    """Yield the URL of an empty database; remove it afterwards."""
    if not url or url.startswith("sqlite"):
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    base = parts.path.lstrip("/") or "postgres"
    name = f"{base}_bench_{secrets.token_hex(4)}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def vendor(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"
