from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_delete
from django.utils.translation import gettext_lazy as _

from .widgets import install_form_defaults

# Before any workflow's forms module builds its fields (models import them while the registry loads).
install_form_defaults()


def _refuse_delete(sender, instance, **kwargs):
    """History rows and read-log rows are never deleted (any ORM path, queryset deletes included)."""
    from .audit.chain import HistoryImmutable

    raise HistoryImmutable(_("%(table)s 只能追加，不能删除。") % {"table": sender._meta.db_table})


def _refuse_acted_user_delete(sender, instance, **kwargs):
    from .users import user_delete_refusal

    user_delete_refusal(instance)


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("督责内核")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from . import checks  # noqa: F401  (registers the deploy checks)
        from .audit.chain import historical_models, on_pre_create
        from .audit.indexes import install_history_indexes
        from .audit.triggers import install_triggers
        from .models import ReadAccess, User

        pre_create_historical_record.connect(on_pre_create, dispatch_uid="supervision-history-chain")
        post_migrate.connect(install_triggers, dispatch_uid="supervision-history-triggers")
        post_migrate.connect(install_history_indexes, dispatch_uid="supervision-history-keyset-indexes")
        for model in [*historical_models(), ReadAccess]:
            pre_delete.connect(_refuse_delete, sender=model, dispatch_uid=f"append-only-{model._meta.label}")
        pre_delete.connect(_refuse_acted_user_delete, sender=User, dispatch_uid="users-who-acted-stay")
