from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "kasumi.trust"
    label = "trust"
    verbose_name = _("Trust services")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registry facts revoke signing certificates (as JPKI does) without
        # trust importing the registry: the registry publishes, trust listens.
        from kasumi.trust import revocation_events

        revocation_events.connect()
