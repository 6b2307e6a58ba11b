"""Staff roles and what each may do with a registry (least privilege)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operator (運用者)")
    REGISTRAR = "registrar", _("Registrar (登録担当)")
    CLERK = "clerk", _("Clerk (担当職員)")
    APPROVER = "approver", _("Approver (決裁者)")
    AUDITOR = "auditor", _("Auditor (監査)")


# Personal registries: registrars keep them; clerks and approvers of the owning
# organisation read them for their work; auditors read to audit. Operators run
# the platform and do not need personal data.
PERSONAL_REGISTRY_READ = frozenset({Role.REGISTRAR, Role.CLERK, Role.APPROVER, Role.AUDITOR})
REGISTRY_WRITE = frozenset({Role.REGISTRAR})
# 個人番号 is shown only to the registrar of the owning registry.
MY_NUMBER_READ = frozenset({Role.REGISTRAR})
# Citizen certificates are issued and revoked at a municipality's counter by its
# registrars (the J-LIS model: the municipality checks identity, the PKI issues).
CERTIFICATE_ISSUE = frozenset({Role.REGISTRAR})
