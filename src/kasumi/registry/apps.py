from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "kasumi.registry"
    label = "registry"
    verbose_name = _("Base registries")
    default_auto_field = "django.db.models.BigAutoField"
