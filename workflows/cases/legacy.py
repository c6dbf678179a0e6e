"""Data migration (cases 0003): carry cases recorded before per-subject matters and yearly numbers.

- Every case keeps the number it was shown under (巍纪〔received year〕<id>号, cited on paper):
  stored on the record; each year's counter later starts after the highest number used in it.
- A filed case gets one ``SubjectMatter`` per subject. The case-level decision (sanction, dates,
  four forms, appeal) goes to the sanctioned subject's matter (to every subject when none was
  named); a case that was past review moves to ``decided`` (decisions being executed) or
  ``closed``, the states that replace executed / transferred / appealed / reexamined.
- The extension count goes to the stage the case was in.
Rows are written with the historical models (no history rows: the case history keeps the past).
"""
from __future__ import annotations

PREFIX = "巍纪"

# old case state → (new case state, sanctioned subject's matter state)
AFTER_REVIEW = {
    "decided": ("decided", "decided"),
    "executed": ("decided", "executed"),
    "transferred": ("decided", "decided"),
    "closed": ("closed", "closed"),
    "appealed": ("closed", "appealed"),
    "reexamined": ("closed", "closed"),
}


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    SubjectMatter = apps.get_model("cases", "SubjectMatter")
    for case in Case.objects.all().order_by("pk").iterator():
        fields = {"number_year": case.received_on.year, "number_seq": case.pk,
                  "number": f"{PREFIX}〔{case.received_on.year}〕{case.pk}号"}
        if case.filed_on:
            fields["investigation_extensions"] = case.extension_count
        else:
            fields["verification_extensions"] = case.extension_count
        subjects = list(case.subjects.all().order_by("pk"))
        if case.filed_on and subjects:
            new_case_state, matter_state = AFTER_REVIEW.get(case.state, (case.state, "open"))
            decided = case.state in AFTER_REVIEW and bool(case.decided_on or case.transferred_on)
            for s in subjects:
                if SubjectMatter.objects.filter(subject_id=s.pk).exists():
                    continue
                named = case.sanctioned_subject_id in (None, s.pk)
                m = {"case_id": case.pk, "subject_id": s.pk, "state": "open"}
                if decided and named:
                    sanctioned = bool(case.party_sanction or case.admin_sanction)
                    m.update(state=matter_state, outcome="sanction" if sanctioned else "",
                             party_sanction=case.party_sanction, admin_sanction=case.admin_sanction,
                             four_forms=case.four_forms, decided_on=case.decided_on, executed_on=case.executed_on,
                             execution_report=case.execution_report, closed_on=case.closed_on,
                             transferred=case.state == "transferred" or bool(case.transferred_on),
                             transferred_on=case.transferred_on, appealed_on=case.appealed_on,
                             appealed_from="closed" if case.appealed_on and case.closed_on else
                             ("executed" if case.appealed_on else ""),
                             reexam_outcome=case.reexam_outcome, reexamined_on=case.reexamined_on)
                elif case.state in AFTER_REVIEW:
                    m.update(state="closed", closed_on=case.closed_on or case.decided_on)
                SubjectMatter.objects.create(**m)
            fields["state"] = new_case_state
        elif case.state in AFTER_REVIEW and case.state != "closed":
            fields["state"] = "closed"
        Case.objects.filter(pk=case.pk).update(**fields)
