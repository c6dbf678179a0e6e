"""Signed checkpoints of the history chains, kept outside the database (DESIGN §3.3).

In the spirit of CloudTrail's digest files: a checkpoint records, per history table, how many
rows there were, the last history_id, and per record (rows, last history_id, last row hash); it
is signed with an HMAC whose key comes from the environment (``HISTORY_CHECKPOINT_KEY``) and is
never stored in the database. ``verify_history --checkpoint`` then proves that every row the
checkpoint covered is still there and unchanged and that every chain continues from it: a
TRUNCATE, removed newest rows and a chain recomputed with the project's own digest are all
found, naming the table and the record. ``--incremental`` reads only the rows written after the
checkpoint (plus the checkpoint's head rows), so daily verification stays cheap.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .chain import TableState, VerifyResult, historical_models, verify, verify_table

FORMAT = "weishan-history-checkpoint/1"
MIN_KEY_LENGTH = 32


class CheckpointError(Exception):
    pass


def signing_key() -> bytes:
    key = getattr(settings, "HISTORY_CHECKPOINT_KEY", None) or os.environ.get("HISTORY_CHECKPOINT_KEY") or ""
    if len(key) < MIN_KEY_LENGTH:
        raise CheckpointError(
            f"HISTORY_CHECKPOINT_KEY must be set in the environment (at least {MIN_KEY_LENGTH} characters); "
            "it signs the checkpoints and is never stored in the database.")
    return key.encode()


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sign(body: dict, key: bytes) -> str:
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def _state_to_json(table: str, state: TableState) -> dict:
    return {"rows": state.rows, "max_history_id": state.max_history_id, "head": state.head(table),
            "records": {str(k): list(v) for k, v in state.records.items()}}


def _state_from_json(model, data: dict) -> TableState:
    to_python = model._meta.get_field("id").to_python
    return TableState(rows=int(data["rows"]), max_history_id=int(data["max_history_id"]),
                      records={to_python(k): (int(v[0]), int(v[1]), str(v[2])) for k, v in data["records"].items()})


def build(result: VerifyResult, *, now: dt.datetime | None = None) -> dict:
    tables = {table: _state_to_json(table, state) for table, state in result.tables.items()}
    return {"format": FORMAT, "created_at": (now or timezone.now()).isoformat(),
            "database": settings.DATABASES["default"].get("NAME") and str(settings.DATABASES["default"]["NAME"]),
            "rows": result.rows, "head": result.head, "tables": tables}


def take(*, previous: dict | None = None) -> tuple[dict, VerifyResult]:
    """Verify (incrementally after ``previous`` when given) and return the signed checkpoint.

    A broken chain is never anchored: CheckpointError then."""
    import time

    from supervision.audit import integrity

    key = signing_key()
    started = time.monotonic()
    result = verify_with_checkpoint(previous, incremental=True) if previous else verify()
    elapsed = time.monotonic() - started
    if not result.ok:
        integrity.record(result, checkpoint=previous["body"]["created_at"] if previous else "",
                         checkpoint_created_at=previous["body"]["created_at"] if previous else "",
                         incremental=previous is not None, seconds=elapsed)
        raise CheckpointError(f"history is BROKEN, no checkpoint written: {describe(result)}")
    body = build(result)
    integrity.record(result, checkpoint=body["created_at"], checkpoint_created_at=body["created_at"],
                     incremental=previous is not None, seconds=elapsed)
    return {"body": body, "hmac": sign(body, key)}, result


def write(checkpoint: dict, path: str | Path) -> Path:
    """Write to ``path`` (a file), or into ``path`` (a directory) as checkpoint-<UTC time>.json."""
    path = Path(path)
    if path.is_dir():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = path / f"checkpoint-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(checkpoint, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path


def latest(path: str | Path) -> Path | None:
    """``path`` itself (a file) or the newest checkpoint file in ``path`` (a directory)."""
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        return None
    files = sorted(path.glob("checkpoint-*.json"))
    return files[-1] if files else None


def load(path: str | Path) -> dict:
    """The checkpoint's body, after checking its signature (CheckpointError otherwise)."""
    found = latest(path)
    if found is None:
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        data = json.loads(Path(found).read_text(encoding="utf-8"))
        body, signature = data["body"], data["hmac"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{found}: not a checkpoint file ({exc})") from None
    if body.get("format") != FORMAT:
        raise CheckpointError(f"{found}: unknown checkpoint format")
    if not hmac.compare_digest(sign(body, signing_key()), str(signature)):
        raise CheckpointError(f"{found}: the signature does not match (altered, or another key)")
    return body


def _heads_intact(model, expected: TableState, table: str, problems: list, using=None) -> bool:
    """Incremental mode: the row count up to the checkpoint and every checkpointed head row (one
    count and one read of the head rows per table, never the whole table)."""
    manager = model._default_manager.db_manager(using) if using else model._default_manager
    if manager.filter(history_id__lte=expected.max_history_id).count() != expected.rows:
        return False  # rows gone, or a late commit below the checkpoint's last id: walk the table
    ids = [v[1] for v in expected.records.values()]
    heads = {}
    for i in range(0, len(ids), 5000):
        for history_id, object_id, row_hash in manager.filter(history_id__in=ids[i:i + 5000]).values_list(
                "history_id", "id", "row_hash"):
            heads[history_id] = (object_id, row_hash)
    ok = True
    for object_id, (_count, last_id, last_hash) in expected.records.items():
        head = heads.get(last_id)
        if head is None or head[0] != object_id:
            problems.append((table, str(object_id), f"checkpointed row history_id={last_id} is gone"))
            ok = False
        elif head[1] != last_hash:
            problems.append((table, str(object_id),
                             f"row history_id={last_id} no longer has the checkpointed hash (chain rewritten)"))
            ok = False
    return ok


def verify_with_checkpoint(body: dict, *, incremental: bool = False, using=None) -> VerifyResult:
    """Verify every history table against a checkpoint's body (already signature-checked).

    Full: every row from the first; each checkpointed record must reach its anchored row, with
    the same hash, after the same number of rows. Incremental: the checkpoint's row count and
    head rows, then only the rows written after it, chained from the checkpointed heads (a
    table whose count below the checkpoint changed is walked in full)."""
    problems: list = []
    rows = rows_read = 0
    tables: dict = {}
    heads = hashlib.sha256()
    by_table = {m._meta.db_table: m for m in historical_models()}
    for table in body.get("tables", {}):
        if table not in by_table:
            problems.append((table, "", "table checkpointed but no longer a history table"))
    for table, model in by_table.items():
        data = body.get("tables", {}).get(table)
        expected = _state_from_json(model, data) if data else TableState()
        before = len(problems)
        if incremental and _heads_intact(model, expected, table, problems, using=using):
            state, broken, anchor_problems = verify_table(model, start=expected, using=using)
            rows_read += state.rows - expected.rows
        elif len(problems) > before:
            continue
        else:
            state, broken, anchor_problems = verify_table(model, anchors=expected.records, using=using)
            rows_read += state.rows
            if not anchor_problems and state.rows < expected.rows:
                anchor_problems.append(("", f"{expected.rows} rows checkpointed, {state.rows} found"))
        if broken is not None:
            problems.append((table, str(broken[1]), f"history_id={broken[0]}: {broken[2]}"))
            continue
        if anchor_problems:
            problems.extend((table, str(object_id), reason) for object_id, reason in anchor_problems)
            continue
        rows += state.rows
        tables[table] = state
        for object_id in sorted(state.records, key=str):
            heads.update(f"{table}:{object_id}:{state.records[object_id][2]}\n".encode())
    if problems:
        table, object_id, reason = problems[0]
        return VerifyResult(False, rows, "", table, None, object_id, reason, problems=problems, rows_read=rows_read)
    return VerifyResult(True, rows, heads.hexdigest(), tables=tables, rows_read=rows_read)


def describe(result: VerifyResult) -> str:
    lines = []
    for table, object_id, reason in result.problems or [(result.broken_table, result.broken_object_id, result.reason)]:
        where = f"{table} record id={object_id}" if object_id else table
        lines.append(f"{where}: {reason}")
    return "; ".join(lines)


def daily(now: dt.datetime | None = None) -> int:
    """The sweep's step: one checkpoint a day into HISTORY_CHECKPOINT_DIR (when set), incremental
    from the newest one there. 1 when written, 0 otherwise."""
    directory = getattr(settings, "HISTORY_CHECKPOINT_DIR", None)
    if not directory:
        return 0
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    day = timezone.localdate(now or timezone.now())
    marker = directory / f"checkpoint-{day:%Y%m%d}T000000000000Z.day"
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # one writer per day
    except FileExistsError:
        return 0
    os.close(fd)
    try:
        previous_path = latest(directory)
        previous = load(previous_path) if previous_path else None
        checkpoint, _result = take(previous=previous)
        write(checkpoint, directory)
    except BaseException:
        marker.unlink(missing_ok=True)  # try again on the next run
        raise
    return 1
