"""Province-scale data in the bench database, with fast bulk inserts.

    python bench/province.py --townships 1000 --villages 8 --notices 4000 --per-notice 25

adds ``--townships`` townships (each with ``--villages`` villages, a party committee and one
township user ``bench_t<N>``), then ``--notices`` issued notices, each to ``--per-notice``
townships (``notices × per-notice`` assignments: most open, due over the coming year, some
acknowledged, responded or closed), one notification per assignment to its township user, and a
history row for every record with a valid hash chain (``verify_history`` passes). Inserts go
through ``bulk_create`` in batches: this is a generator, not the application (the application
never bulk-creates tracked records). Re-running adds more (numbers continue).

``--reset`` drops the bench database first (re-created, migrated and seeded: ``flush`` cannot empty
history tables, which refuse TRUNCATE).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402

BATCH = 5000


def _bulk(model, rows):
    for i in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[i:i + BATCH], batch_size=BATCH)


def _history(model, objs, *, user_id, when, reason):
    """History rows for freshly inserted records (first row of each chain: prev_hash '')."""
    from supervision.audit import chain

    hist = model.history.model
    names = [f.attname for f in model._meta.concrete_fields]
    rows = []
    for obj in objs:
        h = hist(**{n: getattr(obj, n) for n in names}, history_date=when, history_type="+",
                 history_user_id=user_id, history_change_reason=reason)
        h.prev_hash = ""
        h.row_hash = chain.row_digest(h)
        rows.append(h)
    _bulk(hist, rows)


def generate(*, townships: int, villages: int, notices: int, per_notice: int, seed: int = 11, out=print) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from supervision.models import Notification, Region, RoleAssignment, Unit, User
    from workflows.notices.models import Notice, NoticeAssignment, NoticeCounter

    rnd = random.Random(seed)
    t0 = time.perf_counter()
    county = Region.objects.get(level=Region.Level.COUNTY)
    inspector = User.objects.get(username="inspector")
    unit = Unit.objects.filter(name__contains="督查").first() or Unit.objects.first()
    start = Region.objects.filter(code__startswith="99").count() // (villages + 1)
    now = timezone.now()
    today = timezone.localdate()

    with transaction.atomic():
        new_t = [Region(code=f"99{start + i:06d}", name=f"省测乡{start + i}", pinyin=f"bench{start + i}",
                        level=Region.Level.TOWNSHIP, parent=county) for i in range(townships)]
        _bulk(Region, new_t)
        new_t = list(Region.objects.filter(code__in=[t.code for t in new_t]).order_by("code"))
        _bulk(Region, [Region(code=f"{t.code}{j:03d}", name=f"{t.name}{j}村", level=Region.Level.VILLAGE, parent=t,
                              is_poor_village=j % 3 == 0) for t in new_t for j in range(villages)])
        _bulk(Unit, [Unit(name=f"{t.name}党委", kind=Unit.Kind.TOWNSHIP, region=t) for t in new_t])
        password = make_password("bench-pass-123")
        users = [User(username=f"bench_t{t.code}", password=password, first_name=t.name) for t in new_t]
        _bulk(User, users)
        users = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
        _bulk(RoleAssignment, [RoleAssignment(user=users[f"bench_t{t.code}"], role="township", region=t)
                               for t in new_t])
    out(f"townships {townships}, villages {townships * villages}, users {len(users)}: {time.perf_counter() - t0:.1f} s")

    all_t = list(Region.objects.filter(code__startswith="99", level=Region.Level.TOWNSHIP))
    staff = dict(RoleAssignment.objects.filter(role="township", region__in=all_t).values_list("region_id", "user_id"))
    year = today.year
    counter, _ = NoticeCounter.objects.get_or_create(year=year)
    first_seq = counter.last + 1
    states = ["issued"] * 50 + ["acknowledged"] * 25 + ["responded"] * 10 + ["closed"] * 15
    made_n = made_a = 0
    t1 = time.perf_counter()
    for block in range(0, notices, 500):
        count = min(500, notices - block)
        with transaction.atomic():
            batch = []
            for k in range(count):
                seq = first_seq + block + k
                issued_on = today - dt.timedelta(days=rnd.randint(0, 700))
                batch.append(Notice(number=f"巍督〔{year}〕{seq}号", year=year, seq=seq,
                                    title=f"关于第{seq}批督查问题的督办通知", findings="督查发现的问题",
                                    requirements="整改要求", category="party_building",
                                    urgency=rnd.choice(["urgent", "normal", "difficult"]), issuing_unit=unit,
                                    created_by=inspector, issued_by=inspector, issued_on=issued_on,
                                    state="issued", version=1, created_at=now, updated_at=now))
            _bulk(Notice, batch)
            _history(Notice, batch, user_id=inspector.pk, when=now, reason="签发下发")
            through = Notice.target_townships.through
            links, assignments, told = [], [], []
            for n in batch:
                for t in rnd.sample(all_t, min(per_notice, len(all_t))):
                    links.append(through(notice_id=n.pk, region_id=t.pk))
                    state = rnd.choice(states)
                    due = today + dt.timedelta(days=rnd.randint(-3, 365))
                    a = NoticeAssignment(notice=n, township=t, state=state, due_date=due, original_due_date=due,
                                         created_at=now, updated_at=now, version=0 if state == "issued" else 1)
                    if state != "issued":
                        a.acknowledged_at = now
                    if state in ("responded", "closed"):
                        a.responded_at = now
                    if state == "closed":
                        a.closed_at = now
                    assignments.append(a)
            _bulk(through, links)
            _bulk(NoticeAssignment, assignments)
            _history(NoticeAssignment, assignments, user_id=inspector.pk, when=now, reason="签发下发")
            for a in assignments:
                if a.township_id in staff:
                    told.append(Notification(
                        recipient_id=staff[a.township_id], verb="notices.issued", message=f"新交办：{a.notice.number}",
                        record_type="notices.noticeassignment", object_id=str(a.pk),
                        url=f"/notices/assignments/{a.pk}/", read_at=now if a.state == "closed" else None))
            _bulk(Notification, told)
            NoticeCounter.objects.filter(year=year).update(last=first_seq + block + count - 1)
        made_n += count
        made_a += len(assignments)
        out(f"  notices {made_n}/{notices}, assignments {made_a} ({time.perf_counter() - t1:.0f} s)")
    common.vacuum(out)
    total = time.perf_counter() - t0
    out(f"generated {townships} townships, {made_n} notices, {made_a} assignments in {total:.1f} s")
    return {"townships": townships, "notices": made_n, "assignments": made_a, "seconds": total}


def counts(out=print) -> None:
    from supervision.models import Notification, Region
    from workflows.notices.models import Notice, NoticeAssignment

    hist_rows = NoticeAssignment.history.model.objects.count() + Notice.history.model.objects.count()
    out(f"bench database: {Region.objects.filter(level='township').count()} townships, "
        f"{Region.objects.filter(level='village').count()} villages, {Notice.objects.count()} notices, "
        f"{NoticeAssignment.objects.count()} assignments, {Notification.objects.count()} notifications, "
        f"{hist_rows} notice history rows")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--townships", type=int, default=1000)
    parser.add_argument("--villages", type=int, default=8)
    parser.add_argument("--notices", type=int, default=4000)
    parser.add_argument("--per-notice", type=int, default=25)
    parser.add_argument("--reset", action="store_true", help="drop and re-create the bench database first")
    args = parser.parse_args(argv)
    common.setup(reset=args.reset)
    generate(townships=args.townships, villages=args.villages, notices=args.notices, per_notice=args.per_notice)
    counts()


if __name__ == "__main__":
    main()
