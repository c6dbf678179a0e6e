from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit import audited_history
from .loading import FastLoading


class Role(models.TextChoices):
    INSPECTOR = "inspector", _("督查室")
    TOWNSHIP = "township", _("乡镇")
    ORGANIZATION = "organization", _("组织部")
    DISCIPLINE = "discipline", _("纪委监委办案人员")
    DISCIPLINE_HEAD = "discipline_head", _("纪委监委领导")
    LEADER = "leader", _("县领导")
    AUDITOR = "auditor", _("审计监督")
    TOWNSHIP_DISCIPLINE = "township_discipline", _("乡镇纪委办案人员")
    TOWNSHIP_DISCIPLINE_HEAD = "township_discipline_head", _("乡镇纪委领导")


# Roles whose assignment must name a township (they see only that township).
TOWNSHIP_SCOPED_ROLES = {Role.TOWNSHIP, Role.TOWNSHIP_DISCIPLINE, Role.TOWNSHIP_DISCIPLINE_HEAD}


class User(FastLoading, AbstractUser):
    """Custom user from the first migration; links to a person (cadre) when there is one."""

    person = models.OneToOneField(
        "supervision.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="user",
        verbose_name=_("人员"),
    )
    is_system = models.BooleanField(_("系统账号"), default=False, editable=False)

    history = audited_history(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def delete(self, *args, **kwargs):
        from supervision.users import user_delete_refusal

        user_delete_refusal(self)  # users who acted are deactivated, never deleted
        return super().delete(*args, **kwargs)

    def display_name(self) -> str:
        return self.get_full_name() or (self.person.name if self.person_id and self.person else "") or self.username


class RoleAssignment(FastLoading, models.Model):
    """A role held by a user, scoped to a region (null or the county = county-wide)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "supervision.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("范围"), help_text=_("乡镇角色必须指定乡镇；空表示全县。"),
    )
    # A lead (e.g. a township's staff lead, a unit head) may assign handlers (承办人) in scope.
    is_lead = models.BooleanField(_("负责人"), default=False,
                                  help_text=_("可在本范围内指派、改派承办人。"))
    # The unit's principal (主要负责人): the commission's principal head for ``discipline_head``, the
    # organisation department's head for ``organization``, the township's party secretary
    # (乡镇党委书记) for ``township``. Rules that need "the principal" read ``access.is_principal``.
    is_principal = models.BooleanField(_("主要负责人"), default=False,
                                       help_text=_("本单位主要负责人（如委主要负责人、组织部部长、乡镇党委书记）。"))

    history = audited_history()

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [models.UniqueConstraint(fields=["user", "role", "region"], name="uniq_role_assignment")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.region or _('全县')}"

    def clean(self):
        from .org import Region

        if self.role in TOWNSHIP_SCOPED_ROLES and (not self.region_id or self.region.level != Region.Level.TOWNSHIP):
            raise ValidationError({"region": _("乡镇角色必须指定一个乡镇。")})

    @property
    def county_wide(self) -> bool:
        from .org import Region

        return self.region_id is None or self.region.level == Region.Level.COUNTY
