"""Marks on people, shared between workflows (rectification → postings, postings → promotion)."""
from __future__ import annotations

from .models import PersonMark
from .transitions import save_with_history


def person_mark_add(*, actor, person, kind: str, year_from: int, year_to: int, reason: str, source=None) -> PersonMark:
    """Add a mark once per (person, kind, year, source); returns the existing one otherwise."""
    source_type = source._meta.label_lower if source is not None else ""
    source_id = str(source.pk) if source is not None else ""
    existing = PersonMark.objects.filter(person=person, kind=kind, year_from=year_from, source_type=source_type,
                                         source_id=source_id).first()
    if existing:
        return existing
    mark = PersonMark(person=person, kind=kind, year_from=year_from, year_to=year_to, reason=reason[:300],
                      source_type=source_type, source_id=source_id)
    save_with_history(mark, actor=actor, reason=reason)
    return mark


def person_has_mark(person, kind: str, year: int) -> bool:
    return PersonMark.objects.filter(person=person, kind=kind, year_from__lte=year, year_to__gte=year).exists()


def people_with_mark(kind: str, year: int) -> set[int]:
    """Ids of people holding ``kind`` in ``year`` (one query, for boards and bulk checks)."""
    return set(PersonMark.objects.filter(kind=kind, year_from__lte=year, year_to__gte=year)
               .values_list("person_id", flat=True))
