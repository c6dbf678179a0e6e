from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "workflows.targets"
    label = "targets"
    verbose_name = _("抓党建促脱贫攻坚目标")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from supervision import registry

        from . import api, registers, sweeps
        from .demo import seed_demo
        from .evaluate import VIEW_ROLES

        township, org = "township", "organization"
        entry = registry.Right.of(township, org)
        from .models import AidPairing, TrainingAttendance

        # The timeline's parts (issue 13): a session's attendance, a household's aid pairings.
        parts = {"trainings": (registry.Part(TrainingAttendance, "session", related=("person", "session")),),
                 "households": (registry.Part(AidPairing, "household", related=("household", "village")),)}
        record_types = []
        for reg in registers.REGISTERS:
            rights = {"enter": entry, "edit": entry}
            if reg.key == "incomes":
                rights["confirm"] = registry.Right.of(org)
            if reg.key == "households":
                rights["enter_household"] = registry.Right.of(org)
            record_types.append(
                registry.RecordType(
                    model=reg.model,
                    label=reg.label,
                    view_roles=VIEW_ROLES,
                    rights=rights,
                    scope_lookup=reg.township_lookup,
                    api_basename=reg.api_basename,
                    api_viewset=api.viewset_for(reg),
                    list_related=reg.related,
                    parts=parts.get(reg.key, ()),
                )
            )
        registry.register(
            registry.Workflow(
                name="targets",
                label=_("目标任务"),
                urls="workflows.targets.urls",
                sweeps=list(sweeps.JOBS),
                seed_demo=seed_demo,
                menu=[
                    registry.MenuItem(_("目标看板"), "targets:board", VIEW_ROLES),
                    registry.MenuItem(_("目标台账"), "targets:index", VIEW_ROLES),
                ],
                record_types=record_types,
            )
        )
