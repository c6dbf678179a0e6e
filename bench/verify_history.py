"""verify_history throughput against a raw verifier, and the incremental verify after a checkpoint.

    python bench/verify_history.py --rows 200000 [--rounds 3]

Uses a dedicated PostgreSQL database (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/weishan_bench_verify``; created and migrated when missing,
never a test database). It adds ``--rows`` chained history rows (records of 10 rows each) to the
notice-assignment history table with a bulk generator (the application never bulk-creates), then,
in interleaved rounds, times:

- ``verify``: the project's ``verify()`` (raw values_list tuples, keyset chunks, per-field
  converters chosen once);
- ``raw``: a plain psycopg verifier (one server-side cursor per table, no ORM) computing the same
  digests — the limit to compare with;
- ``incremental``: ``verify_history --checkpoint --incremental`` after 1% more rows.

Prints rows/s and the ratio verify/raw. Nothing is asserted: figures only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/weishan_bench_verify"


def setup() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = urlparse(url).path.lstrip("/")
    if not url.startswith("postgres") or not name or name.startswith("test") or name.startswith("wt_"):
        sys.exit(f"refusing to benchmark in {name!r}: give BENCH_DATABASE_URL a dedicated PostgreSQL database")
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("HISTORY_CHECKPOINT_KEY", "bench-only-checkpoint-key-0123456789abcdef")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def generate(rows: int, per_record: int = 10) -> None:
    """``rows`` history rows of notice assignments, chained per record (ids after the existing)."""
    import datetime as dt

    from django.db.models import Max
    from django.utils import timezone

    from supervision.audit import chain
    from workflows.notices.models import NoticeAssignment

    hist = NoticeAssignment.history.model
    start = (hist.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    now = timezone.now()
    states = ["issued", "acknowledged", "responded", "returned", "responded", "closed"]
    batch, made = [], 0
    for record in range(start, start + rows // per_record):
        prev = ""
        for k in range(per_record):
            row = hist(id=record, notice_id=record, township_id=1, state=states[k % len(states)],
                       due_date=dt.date(2026, 12, 31), original_due_date=dt.date(2026, 12, 31),
                       version=k, created_at=now, updated_at=now, history_date=now - dt.timedelta(seconds=rows - made),
                       history_type="+" if k == 0 else "~", history_change_reason=f"第{k}步",
                       transition="" if k == 0 else "acknowledge", history_username="bench",
                       history_user_name="基准")
            row.prev_hash = prev
            row.row_hash = chain.row_digest(row)
            prev = row.row_hash
            batch.append(row)
            made += 1
        if len(batch) >= 5000:
            hist.objects.bulk_create(batch)
            batch = []
    if batch:
        hist.objects.bulk_create(batch)


def raw_verify(url: str) -> int:
    """A verifier without Django's ORM: one server-side cursor per table, same digest."""
    import psycopg

    from supervision.audit.chain import OPTIONAL_WHEN_EMPTY, OPTIONAL_WHEN_EMPTY_IN, digester, historical_models

    total = 0
    optional_in = OPTIONAL_WHEN_EMPTY_IN
    with psycopg.connect(url) as conn:
        for model in historical_models():
            d = digester(model)
            table = model._meta.db_table
            columns = {f.attname: f.column for f in model._meta.concrete_fields}
            cols = ", ".join(f'"{columns[a]}"' for a in d.attnames)
            last: dict = {}
            with conn.cursor(name=f"raw_{table}") as cur:
                cur.itersize = 5000
                cur.execute(f'SELECT history_id, id, prev_hash, row_hash, {cols} FROM "{table}" ORDER BY history_id')
                for history_id, object_id, prev_hash, row_hash, *values in cur:
                    if prev_hash != last.get(object_id, ""):
                        raise SystemExit(f"raw: broken link at {table} {history_id}")
                    content = {}
                    for name, convert, value in zip(d.attnames, d.converters, values, strict=True):
                        value = convert(value)
                        # the digest's rule (chain.py): fields added later are left out while empty
                        if name in OPTIONAL_WHEN_EMPTY and value in ("", None):
                            continue
                        if (value in ("", None, "{}") or value is False) and f"{table}.{name}" in optional_in:
                            continue
                        content[name] = value
                    digest = hashlib.sha256(json.dumps([table, content], sort_keys=True, ensure_ascii=False)
                                            .encode("utf-8")).hexdigest()
                    if digest != row_hash:
                        raise SystemExit(f"raw: bad hash at {table} {history_id}")
                    last[object_id] = row_hash
                    total += 1
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="history rows to add before measuring")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = setup()
    from django.db import connection

    from supervision.audit import checkpoint as cp
    from supervision.audit.chain import verify

    if args.rows:
        t = time.monotonic()
        generate(args.rows)
        print(f"generated {args.rows} rows in {time.monotonic() - t:.1f} s")
    times: dict[str, list[float]] = {"verify": [], "raw": []}
    rows = 0
    for _round in range(args.rounds):
        t = time.monotonic()
        result = verify()
        times["verify"].append(time.monotonic() - t)
        assert result.ok, result
        rows = result.rows
        connection.close()
        t = time.monotonic()
        assert raw_verify(url) == rows
        times["raw"].append(time.monotonic() - t)
    v, r = statistics.median(times["verify"]), statistics.median(times["raw"])
    print(f"history rows: {rows}")
    print(f"verify_history: {rows / v:,.0f} rows/s (median {v:.2f} s of {args.rounds})")
    print(f"raw verifier:   {rows / r:,.0f} rows/s (median {r:.2f} s)")
    print(f"ratio verify/raw: {r / v:.2f}")
    # Incremental: a checkpoint, 1% more rows, then only those are read.
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "weishan-bench-checkpoint.json"
    t = time.monotonic()
    checkpoint, _ = cp.take()
    cp.write(checkpoint, path)
    took = time.monotonic() - t
    generate(max(10, rows // 100))
    t = time.monotonic()
    inc = cp.verify_with_checkpoint(cp.load(path), incremental=True)
    inc_time = time.monotonic() - t
    assert inc.ok, inc
    print(f"checkpoint written in {took:.2f} s ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"incremental verify: {inc.rows_read} new rows read of {inc.rows}, {inc_time:.2f} s "
          f"(full: {v:.2f} s)")


if __name__ == "__main__":
    main()
