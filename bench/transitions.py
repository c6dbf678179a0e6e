"""Transition throughput: a township's 签收 through ``run_transition`` against a raw psycopg loop
doing the same writes, in the same run.

    python bench/transitions.py [--per-worker 150] [--rounds 3] [--workers 1,2,4]

The raw loop, per transition: lock the row (reading the chain's previous hash and the notice,
issuer and township in the same statement), update it, insert the chained history row (sha256
in Python), insert the notification, commit — 6 statements with BEGIN/COMMIT: the limit.
The project path does the same through the kernel (right and scope, fsm, history with the
chain, notification with the per-user seq, push to Redis after commit).

Rounds interleave the two (and alternate which goes first); each run takes fresh issued
assignments (from ``bench/province.py`` data; more are generated when short), split between
1, 2 and 4 worker processes started together. Prints transitions/s and the ratio project/raw.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import queue
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402


def _issued_ids(n: int) -> list[int]:
    from supervision.models import RoleAssignment
    from workflows.notices.models import NoticeAssignment

    staffed = RoleAssignment.objects.filter(role="township", region__code__startswith="99").values("region_id")
    qs = NoticeAssignment.objects.filter(state="issued", township_id__in=staffed).order_by("id")
    ids = list(qs.values_list("id", flat=True)[:n])
    if len(ids) < n:
        from bench.province import generate

        generate(townships=0 if staffed.exists() else 100, villages=2, notices=(n - len(ids)) // 10 + 20,
                 per_notice=25, seed=int(time.time()), out=lambda *a: None)
        ids = list(qs.values_list("id", flat=True)[:n])
    return ids


# --- the raw loop ------------------------------------------------------------------------------

def _raw_worker(ids, barrier, results):
    import psycopg
    from django.conf import settings

    from workflows.notices.models import NoticeAssignment

    db = settings.DATABASES["default"]
    conn = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                           dbname=db["NAME"], password=db["PASSWORD"] or None)
    a_t = NoticeAssignment._meta.db_table
    h_t = NoticeAssignment.history.model._meta.db_table
    lock = (f'SELECT a.id, a.version, a.created_at, a.due_date, a.due_provisional, a.original_due_date, '
            f'a.escalation, a.notice_id, a.township_id, n.number, n.title, n.issued_by_id, t.name, '
            f'(SELECT h.row_hash FROM {h_t} h WHERE h.id = a.id ORDER BY h.history_id DESC LIMIT 1) '
            f'FROM {a_t} a JOIN notices_notice n ON n.id = a.notice_id '
            f'JOIN supervision_region t ON t.id = a.township_id WHERE a.id = %s FOR UPDATE OF a')
    update = (f"UPDATE {a_t} SET state = 'acknowledged', acknowledged_at = now(), updated_at = now(), "
              f"version = version + 1 WHERE id = %s AND version = %s RETURNING updated_at, acknowledged_at")
    # Every column of the history table, whatever it holds today (request context and the
    # actor's name included): the same row the project writes, in one INSERT.
    hist = NoticeAssignment.history.model
    record_cols = [f.column for f in NoticeAssignment._meta.concrete_fields]
    own = {"id", "prev_hash", "row_hash", "transition", "from_state", "to_state", "history_date", "history_type",
           "history_user_id", "history_change_reason", "history_username", "history_user_name", "history_id"}
    extra = [f for f in hist._meta.concrete_fields if f.column not in own and f.column not in record_cols]
    from django.db import connection as django_connection

    extra_values = [None if f.null else f.get_db_prep_save(f.get_default(), connection=django_connection)
                    for f in extra]
    h_cols = ["prev_hash", "row_hash", "transition", "from_state", "to_state", "history_date", "history_type",
              "history_user_id", "history_change_reason", "history_username", "history_user_name",
              *record_cols, *(f.column for f in extra)]
    insert_h = (f"INSERT INTO {h_t} ({', '.join(h_cols)}) SELECT %s, %s, 'acknowledge', 'issued', 'acknowledged', "
                f"now(), '~', %s, '', %s, %s, {', '.join('a.' + c for c in record_cols)}"
                f"{''.join(', %s' for _f in extra)} FROM {a_t} a WHERE a.id = %s")
    insert_n = ("INSERT INTO supervision_notification (recipient_id, verb, message, record_type, object_id, url, "
                "created_at, seq) VALUES (%s, 'notices.acknowledge', %s, 'notices.noticeassignment', %s, %s, now(), 0)")
    actors = {region: (user_id, username) for region, user_id, username in conn.execute(
        "SELECT r.region_id, r.user_id, u.username FROM supervision_roleassignment r "
        "JOIN supervision_user u ON u.id = r.user_id WHERE r.role = 'township'").fetchall()}
    conn.commit()
    barrier.wait()
    start = time.time()
    for pk in ids:
        with conn.cursor() as cur:
            (pk, version, created, due, prov, orig, esc, notice_id, township_id, number, title, issuer, tname,
             prev) = cur.execute(lock, [pk]).fetchone()
            updated_at, ack_at = cur.execute(update, [pk, version]).fetchone()
            actor_id, actor_name = actors.get(township_id, (None, ""))
            values = [pk, prev or "", version + 1, created, updated_at, due, prov, orig, esc, ack_at, notice_id,
                      township_id, actor_id]
            row_hash = hashlib.sha256(json.dumps([h_t, [str(v) for v in values]], ensure_ascii=False)
                                      .encode()).hexdigest()
            cur.execute(insert_h, [prev or "", row_hash, actor_id, actor_name, actor_name, *extra_values, pk])
            cur.execute(insert_n, [issuer, f"{tname} 已签收：{number} {title}", str(pk),
                                   f"/notices/assignments/{pk}/"])
        conn.commit()
    results.put((start, time.time(), len(ids)))
    conn.close()


# --- the project path --------------------------------------------------------------------------

def _project_worker(ids, barrier, results):
    from supervision import notify
    from supervision.models import RoleAssignment, User
    from supervision.transitions import run_transition
    from workflows.notices.models import NoticeAssignment

    staff = dict(RoleAssignment.objects.filter(role="township").values_list("region_id", "user_id"))
    townships = dict(NoticeAssignment.objects.filter(pk__in=ids).values_list("pk", "township_id"))
    users = User.objects.in_bulk(set(staff.values()))
    actors = [users[staff[townships[pk]]] for pk in ids]  # one user object per "request", grants not loaded
    barrier.wait()
    start = time.time()
    for pk, actor in zip(ids, actors, strict=True):
        actor.__dict__.pop("_supervision_grants", None)
        run_transition(model=NoticeAssignment, pk=pk, name="acknowledge", actor=actor)
    notify.flush_pushes(timeout=30)  # the pushes are part of the work
    results.put((start, time.time(), len(ids)))


def run(mode: str, ids: list[int], workers: int) -> float:
    from django.db import connections

    connections.close_all()
    for conn in connections.all():  # a connection pool must not be inherited by the forked workers
        if getattr(conn, "pool", None) is not None:
            conn.close_pool()
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(workers + 1), ctx.Queue()
    target = _raw_worker if mode == "raw" else _project_worker
    chunks = [ids[i::workers] for i in range(workers)]
    procs = [ctx.Process(target=target, args=(chunk, barrier, results)) for chunk in chunks]
    for p in procs:
        p.start()
    barrier.wait(timeout=300)
    got = []
    while len(got) < len(procs):
        try:
            got.append(results.get(timeout=1))
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in procs):
                for p in procs:
                    p.kill()
                sys.exit(f"a {mode} worker failed (exit codes {[p.exitcode for p in procs]})")
    for p in procs:
        p.join()
    starts, ends, counts = zip(*got, strict=True)
    return sum(counts) / (max(ends) - min(starts))


def statements_per_transition() -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from supervision.models import RoleAssignment, User
    from supervision.transitions import run_transition
    from workflows.notices.models import NoticeAssignment

    pk = _issued_ids(1)[0]
    a = NoticeAssignment.objects.get(pk=pk)
    actor = User.objects.get(pk=RoleAssignment.objects.filter(role="township", region_id=a.township_id)
                             .values_list("user_id", flat=True)[0])
    with CaptureQueriesContext(connection) as ctx:
        run_transition(model=NoticeAssignment, pk=pk, name="acknowledge", actor=actor)
    return len(ctx.captured_queries)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-worker", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args(argv)
    common.setup()
    worker_counts = [int(w) for w in args.workers.split(",")]
    need = args.rounds * 2 * sum(w * args.per_worker for w in worker_counts)
    print(f"transition bench: {args.rounds} rounds × workers {worker_counts} × {args.per_worker} per worker "
          f"({common.load_note()})")
    print(f"statements in one project transition (BEGIN/COMMIT and the push's unread count included): "
          f"{statements_per_transition()}; raw loop: 6")
    pool = _issued_ids(need)
    common.vacuum()  # what autovacuum keeps current on a production server (this one runs without)
    rates = {(m, w): [] for m in ("raw", "project") for w in worker_counts}
    for r in range(args.rounds):
        for w in worker_counts:
            order = ("raw", "project") if (r + w) % 2 == 0 else ("project", "raw")
            for mode in order:
                ids, pool = pool[: w * args.per_worker], pool[w * args.per_worker:]
                rate = run(mode, ids, w)
                rates[(mode, w)].append(rate)
                print(f"  round {r + 1} workers {w} {mode:8s} {rate:8.1f} transitions/s")
    print("median over rounds:")
    for w in worker_counts:
        raw, project = common.median(rates[("raw", w)]), common.median(rates[("project", w)])
        print(f"  {w} worker(s): project {project:7.1f}/s  raw {raw:7.1f}/s  ratio {project / raw:.0%}")


if __name__ == "__main__":
    main()
