"""Shared set-up of the bench scripts: a dedicated bench database (never a test database),
Django configured against it, and small statistics helpers.

``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/weishan_bench``) is created
when missing and migrated. ``REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) carries the
channel layer, under the prefix ``CHANNEL_PREFIX`` (default ``bench``).
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/weishan_bench"


def bench_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = urlparse(url).path.lstrip("/")
    if not url.startswith("postgres") or not name or name.startswith("test") or name.startswith("wt_"):
        sys.exit(f"refusing to benchmark in {name!r}: give BENCH_DATABASE_URL a dedicated PostgreSQL database")
    return url


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    """Drop the bench database (``--reset``): ``flush`` cannot, since history tables refuse TRUNCATE."""
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup(migrate: bool = True, reset: bool = False) -> None:
    """Point Django at the bench database (and Redis), create and migrate it, seed the county.
    ``reset`` drops the database first."""
    url = bench_url()
    if reset:
        drop_database(url)
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ.setdefault("CHANNEL_PREFIX", "bench")
    os.environ.setdefault("CACHE_PREFIX", "bench")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from supervision.demo import seed_kernel
        from supervision.models import User

        if not User.objects.filter(username="inspector").exists():
            seed_kernel("bench-pass-123")


def pct(values, p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.start


def vacuum(out=print) -> None:
    """``VACUUM (ANALYZE)`` the bench database: what a production server's autovacuum keeps current
    (statistics and the visibility map that lets a count or a keyset page read only the index).
    A server running with ``autovacuum = off`` (as this machine's) never does it by itself, and a
    generated or swept database would otherwise be measured as no production database is."""
    import time as _time

    import psycopg
    from django.db import connection

    t = _time.perf_counter()
    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], dbname=s["NAME"],
                         password=s["PASSWORD"] or None, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        autovacuum = conn.execute("SHOW autovacuum").fetchone()[0]
    out(f"vacuumed and analyzed the bench database in {_time.perf_counter() - t:.1f} s "
        f"(server autovacuum: {autovacuum})")


def load_note() -> str:
    try:
        one, five, _fifteen = os.getloadavg()
        return f"load average {one:.1f}/{five:.1f} on {os.cpu_count()} cores"
    except OSError:
        return ""
