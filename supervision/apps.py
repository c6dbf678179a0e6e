from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from .widgets import install_form_defaults

# Before any workflow's forms module builds its fields (models import them while the registry loads).
install_form_defaults()


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("督责内核")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from .audit.chain import on_pre_create
        from .audit.triggers import install_triggers
        pre_create_historical_record.connect(on_pre_create, dispatch_uid="supervision-history-chain")
        post_migrate.connect(install_triggers, dispatch_uid="supervision-history-triggers")
