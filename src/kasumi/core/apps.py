from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kasumi.core"
    label = "core"
    verbose_name = _("Organisations and staff")
    default_auto_field = "django.db.models.BigAutoField"
