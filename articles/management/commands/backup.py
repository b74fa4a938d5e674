"""``manage.py backup FILE`` takes a consistent copy of the running database;
``manage.py backup --restore FILE`` puts one back.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent
snapshot while the site keeps running — never ``cp`` a database in WAL mode. The copy
is checked with ``PRAGMA integrity_check`` before it replaces FILE.
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --single-transaction``
(the PostgreSQL client tools must be installed; the command says so if not).

Restore replaces every table's content with the backup's: stop the server first.
Physical copies keep everything, including django-taggit's links, which a
``dumpdata --natural-primary`` round trip silently loses.

Uploaded files (reflections' .docx/.pdf) live in ``STORAGES["uploads"]``, outside
the database: the backup copies every file the database names into
``FILE.uploads.zip`` beside FILE, read through the storage API (local directory or
S3 bucket alike), and ``--restore`` puts them back from there when it exists.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files.base import File
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from articles.models.reflections import upload_storage


def row_counts(connection) -> dict[str, int]:
    """Rows per table of ``connection``'s database, for the round-trip check."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def check_sqlite_file(path: Path) -> None:
    try:
        copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            [(result,)] = copy.execute("PRAGMA integrity_check").fetchall()
            copy.execute("SELECT COUNT(*) FROM django_migrations").fetchone()
        finally:
            copy.close()
    except (sqlite3.DatabaseError, ValueError) as error:
        raise CommandError(
            f"{path} is not a StudyHub SQLite backup: {error}"
        ) from error
    if result != "ok":
        raise CommandError(f"{path} fails the integrity check: {result}")


def uploads_archive(file: Path) -> Path:
    return file.with_name(file.name + ".uploads.zip")


def stored_upload_names() -> list[str]:
    """Every file name a FileField on the uploads storage holds, in any model."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            # Fields on the uploads storage name its callable (see the model).
            if getattr(field, "_storage_callable", None) is not upload_storage:
                continue
            names.update(
                model._default_manager.exclude(**{field.name: ""})
                .values_list(field.name, flat=True)
                .order_by()
            )
    return sorted(name for name in names if name)


def backup_uploads(file: Path) -> int:
    """Copy the uploaded files into FILE.uploads.zip; return how many."""
    storage = upload_storage()
    target = uploads_archive(file)
    handle, temporary = tempfile.mkstemp(dir=file.parent, suffix=".partial")
    os.close(handle)
    count = 0
    try:
        # Stored, not deflated: Word files and PDFs are compressed already.
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED) as archive:
            for name in stored_upload_names():
                if not storage.exists(name):
                    continue  # the database names a lost file: nothing to copy
                with (
                    storage.open(name, "rb") as source,
                    archive.open(name, "w", force_zip64=True) as copy,
                ):
                    shutil.copyfileobj(source, copy)
                count += 1
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return count


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts


def check_uploads_archive(file: Path) -> None:
    """Refuse a FILE.uploads.zip that is no zip or names a path outside the store,
    before anything is restored."""
    source = uploads_archive(file)
    if not source.is_file():
        return
    try:
        with zipfile.ZipFile(source) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as error:
        raise CommandError(f"{source} is not a zip file: {error}") from error
    if not all(_safe_member(name) for name in names):
        raise CommandError(f"{source} holds an unsafe name.")


def restore_uploads(file: Path) -> int:
    """Put the files of FILE.uploads.zip back into the uploads storage."""
    source = uploads_archive(file)
    if not source.is_file():
        return 0
    storage = upload_storage()
    count = 0
    try:
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                if not _safe_member(info.filename):
                    raise CommandError(f"{source} holds an unsafe name.")
                if storage.exists(info.filename):
                    storage.delete(info.filename)
                with archive.open(info) as member:
                    saved = storage.save(info.filename, File(member))
                if saved != info.filename:
                    raise CommandError(f"{info.filename} was stored as {saved}.")
                count += 1
    except zipfile.BadZipFile as error:
        raise CommandError(f"{source} is not a zip file: {error}") from error
    return count


class Command(BaseCommand):
    help = "Take a consistent backup of the database, or restore one (--restore)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--restore",
            action="store_true",
            help="Replace the database's content with FILE (stop the server first).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file: Path, restore: bool, database: str, **options):
        connection = connections[database]
        if connection.in_atomic_block:
            raise CommandError("backup cannot run inside a transaction.")
        vendor = connection.vendor
        if vendor == "sqlite":
            action = self.restore_sqlite if restore else self.backup_sqlite
        elif vendor == "postgresql":
            action = self.restore_postgresql if restore else self.backup_postgresql
        else:
            raise CommandError(f"No backup method for {vendor}.")
        if restore:
            check_uploads_archive(file)
        action(connection, file)
        files = restore_uploads(file) if restore else backup_uploads(file)
        counts = row_counts(connection)
        verb = "Restored from" if restore else "Backed up to"
        self.stdout.write(
            f"{verb} {file}: {len(counts)} tables, {sum(counts.values())} rows "
            f"in the live database; {files} uploaded files "
            f"({uploads_archive(file).name})."
        )

    # --- SQLite ------------------------------------------------------------------
    def backup_sqlite(self, connection, file: Path) -> None:
        connection.ensure_connection()
        file.parent.mkdir(parents=True, exist_ok=True)
        # Write next to the target, check, then rename: a failed backup never
        # replaces a good one.
        handle, temporary = tempfile.mkstemp(dir=file.parent, suffix=".partial")
        os.close(handle)
        try:
            copy = sqlite3.connect(temporary)
            try:
                connection.connection.backup(copy)
            finally:
                copy.close()
            check_sqlite_file(Path(temporary))
            os.replace(temporary, file)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    def restore_sqlite(self, connection, file: Path) -> None:
        if not file.is_file():
            raise CommandError(f"{file} does not exist.")
        check_sqlite_file(file)
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            # Copies every page into the live database in one step, under its lock.
            source.backup(connection.connection)
        finally:
            source.close()

    # --- PostgreSQL --------------------------------------------------------------
    def _pg(self, connection, tool: str) -> tuple[list[str], dict[str, str]]:
        executable = shutil.which(tool)
        if executable is None:
            raise CommandError(
                f"{tool} is not installed. Install the PostgreSQL client tools "
                f"(Debian: apt install postgresql-client) of the server's version."
            )
        params = connection.settings_dict
        args = [executable, "--no-password"]
        for flag, key in [
            ("--host", "HOST"),
            ("--port", "PORT"),
            ("--username", "USER"),
        ]:
            if params.get(key):
                args += [flag, str(params[key])]
        env = {**os.environ}
        if params.get("PASSWORD"):
            env["PGPASSWORD"] = params["PASSWORD"]
        return args, env

    def _run(self, args, env) -> None:
        result = subprocess.run(args, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise CommandError(f"{Path(args[0]).name} failed: {result.stderr.strip()}")

    def backup_postgresql(self, connection, file: Path) -> None:
        args, env = self._pg(connection, "pg_dump")
        file.parent.mkdir(parents=True, exist_ok=True)
        partial = file.with_name(file.name + ".partial")
        name = connection.settings_dict["NAME"]
        self._run([*args, "--format=custom", f"--file={partial}", name], env)
        os.replace(partial, file)

    def restore_postgresql(self, connection, file: Path) -> None:
        if not file.is_file():
            raise CommandError(f"{file} does not exist.")
        args, env = self._pg(connection, "pg_restore")
        connection.close()  # hold no lock on the tables pg_restore drops
        name = connection.settings_dict["NAME"]
        self._run(
            [
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={name}",
                str(file),
            ],
            env,
        )
