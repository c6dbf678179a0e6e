"""Keep the start and rule of the deadlines issued before the kernel stored them, so that
provisional ones are recomputed once their year's schedule is entered."""
from django.db import migrations


def backfill(apps, schema_editor):
    from workflows.notices import conf

    Assignment = apps.get_model("notices", "NoticeAssignment")
    Basis = apps.get_model("supervision", "DeadlineBasis")
    known = set(Basis.objects.filter(record_type="notices.noticeassignment").values_list("object_id", flat=True))
    rows = []
    for a in Assignment.objects.select_related("notice").filter(notice__issued_on__isnull=False).iterator():
        if a.pk in known or a.due_date != a.original_due_date:
            continue  # already kept, or extended by hand since
        rows.append(Basis(record_type="notices.noticeassignment", object_id=a.pk, field="due_date",
                          provisional_field="due_provisional", mirror_field="original_due_date",
                          start=a.notice.issued_on, rule="working_days", months=0,
                          days=conf.days_for(a.notice.urgency), computed=a.due_date, provisional=a.due_provisional))
    # A migration has no history manager: the bases' history starts with their next change.
    Basis.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0002_extension_cancelled"),
        ("supervision", "0006_handlers_deadlines"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
