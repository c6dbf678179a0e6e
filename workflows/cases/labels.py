"""What the cases workflow's history stores as codes, in words, for the one history formatter
(``supervision.audit.diff``): the time limit a ``due_kind`` names, the items of a proposal
(``pending_data``), the record type an accountability matter came from. No model change: the
formatter reads these labels."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from supervision.audit.diff import record_type_labels, register_labels

from .choices import DueKind


def _field(model, name):
    f = model._meta.get_field(name)
    return f.verbose_name, f.choices


def _matter_proposal(model):
    """A subject's proposal: an outcome (with 四种形态) or a re-examination's conclusion."""

    def spec(data):
        outcome = _field(model, "outcome") if "four_forms" in data else _field(model, "reexam_outcome")
        return {"outcome": outcome, "party_sanction": _field(model, "party_sanction"),
                "admin_sanction": _field(model, "admin_sanction"), "four_forms": _field(model, "four_forms")}

    return spec


def register() -> None:
    from .models import AccountabilityMatter, Case, SubjectMatter

    register_labels(Case, values={"due_kind": DueKind.choices},
                    items={"pending_data": {"days": (_("延长天数（审查调查）"), None),
                                            "months": (_("延长月数（初步核实）"), None)}})
    register_labels(SubjectMatter, values={"due_kind": DueKind.choices},
                    items={"pending_data": _matter_proposal(SubjectMatter)})
    register_labels(AccountabilityMatter, values={"source_type": record_type_labels},
                    items={"pending_data": _matter_decision})


def _matter_decision(data):
    """A 问责 decision proposal: {"measures": {target id: measure}} — each target by its name,
    each measure by its label (不予问责 for "none")."""
    from .accountability import AccountabilityTarget
    from .choices import NOT_HELD, Measure

    ids = [int(k) for k in (data.get("measures") or {}) if str(k).isdigit()]
    names = {str(t.pk): str(t) for t in AccountabilityTarget.objects.filter(pk__in=ids)
             .select_related("unit", "person")} if ids else {}
    return {"measures": (_("拟问责方式"), {**dict(Measure.choices), NOT_HELD: _("不予问责"), **names})}

