"""Settings come from the environment with safe defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "studyhub.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_django("print('started')", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    assert "started" not in result.stdout


def test_development_default_starts_without_secret_key():
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG)", DJANGO_DEBUG="1"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_environment_configures_hosts_and_database():
    result = run_django(
        "from django.conf import settings as s;"
        "print(s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS,"
        " s.DATABASES['default']['NAME'])",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="study.example.cn, www.study.example.cn",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://study.example.cn",
        DATABASE_URL="postgres://u:p@db.internal:5432/studyhub_prod",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "['study.example.cn', 'www.study.example.cn'] "
        "['https://study.example.cn'] studyhub_prod"
    )


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only pragmas; PostgreSQL has MVCC")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        busy_ms = cursor.fetchone()[0]
    # The in-memory test database cannot use WAL; the option must still be configured.
    assert mode in {"wal", "memory"}
    assert (
        "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]
    )
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert busy_ms == settings.SQLITE_BUSY_TIMEOUT * 1000


def test_collectstatic_builds_compressed_manifest(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SECRET_KEY": "x" * 50,
            "DJANGO_DEBUG": "0",
            "DJANGO_STATIC_ROOT": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    hashed = list((tmp_path / "css").glob("site.*.css"))
    assert hashed, "manifest storage writes hashed names"
    assert list((tmp_path / "css").glob("site.*.css.gz")), "whitenoise compresses"
