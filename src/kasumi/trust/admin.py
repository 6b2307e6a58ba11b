"""Admin for the trust app: CAs, certificates, the revocation log, time-stamps, evidence.

Everything here is read-only: certificates come from issuance, time-stamps
from the TSA, evidence from verification. The one write is the "revoke"
action, which goes through :func:`kasumi.trust.revocation.revoke` so the
revocation log, CRLs and OCSP stay consistent.

Who sees which certificate:

- citizen certificates (署名用・利用者証明用): only registrars of the
  organisation that had them issued (``issued_by``). Platform operators never
  see them: they hold personal data (basic 4 items) and operators run the
  platform without needing it.
- organisation seals and officials' certificates: staff of that organisation.
- platform operators: CAs, the TSA and OCSP certificates, and every seal and
  official certificate.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kasumi.core.admin_scoping import (
    ReadOnlyAdminMixin,
    RoleBasedAdmin,
    has_role,
    sees_everything,
    staff_user,
)
from kasumi.core.roles import Role
from kasumi.trust import revocation
from kasumi.trust.models import (
    Certificate,
    CertificateAuthority,
    Revocation,
    RevocationReason,
    TimeStamp,
    Verification,
)

Kind = Certificate.Kind

CITIZEN_KINDS = (Kind.CITIZEN_SIGN, Kind.CITIZEN_AUTH)
ORGANISATION_KINDS = (Kind.ORGANISATION_SEAL, Kind.OFFICIAL)
PLATFORM_KINDS = (*ORGANISATION_KINDS, Kind.TIME_STAMPING, Kind.OCSP_SIGNING)

ANY_ROLE = frozenset(Role.values)
# Registrars issue citizen certificates at the counter, so they see and revoke them.
CITIZEN_CERTIFICATE_ROLES = frozenset({Role.REGISTRAR})
# An organisation's operators manage its seal and officials' certificates.
ORGANISATION_REVOKE_ROLES = frozenset({Role.OPERATOR})


def certificate_scope(
    request: HttpRequest,
    *,
    prefix: str = "",
    organisation_roles: frozenset[str] = ANY_ROLE,
) -> Q:
    """The certificates (through ``prefix``) the staff member may see or act on.

    Citizen certificates need the registrar role in the issuing organisation;
    seals and officials need one of ``organisation_roles`` in their
    organisation; platform operators add every non-citizen certificate.
    """
    scope = Q(pk__in=[])
    user = staff_user(request)
    if user is None:
        return scope
    org_id = user.organisation_id
    if org_id is not None:
        if has_role(request, CITIZEN_CERTIFICATE_ROLES):
            scope |= Q(**{f"{prefix}kind__in": CITIZEN_KINDS, f"{prefix}issued_by_id": org_id})
        if has_role(request, organisation_roles):
            scope |= Q(
                **{f"{prefix}kind__in": ORGANISATION_KINDS, f"{prefix}organisation_id": org_id}
            )
    if sees_everything(request):
        scope |= Q(**{f"{prefix}kind__in": PLATFORM_KINDS})
    return scope


class ReadOnlyAdmin(ReadOnlyAdminMixin, RoleBasedAdmin):
    """Viewed, never added, changed or deleted from the admin."""


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(ReadOnlyAdmin):
    # No roles: only platform operators (platform_operator_access) see CAs.
    list_display = ["name", "slug", "role", "active", "not_before", "not_after", "revoked_at"]
    list_filter = ["role", "active"]
    exclude = ["der"]


class RevokeActionForm(ActionForm):
    # Certificate hold is left out: Kasumi's revocations are final, there is no release.
    reason = forms.TypedChoiceField(
        label=_("reason"),
        choices=[("", "---------")]
        + [
            (value, label)
            for value, label in RevocationReason.choices
            if value != RevocationReason.CERTIFICATE_HOLD
        ],
        coerce=int,
        required=False,
    )


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    view_roles = ANY_ROLE  # narrowed row by row in get_queryset
    list_display = [
        "serial",
        "kind",
        "subject_cn",
        "organisation",
        "issuer",
        "not_after",
        "revoked_at",
        "revocation_reason",
    ]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter), "revocation_reason"]
    search_fields = ["=serial", "=fingerprint", "=subject_cn", "=subject_ref"]
    list_select_related = ["issuer", "organisation"]
    exclude = ["der"]
    action_form = RevokeActionForm
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Certificate]:
        return super().get_queryset(request).filter(certificate_scope(request))

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return sees_everything(request) or has_role(
            request, CITIZEN_CERTIFICATE_ROLES | ORGANISATION_REVOKE_ROLES
        )

    @admin.action(description=_("Revoke the selected certificates"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> None:
        try:
            reason = RevocationReason(int(request.POST.get("reason", "")))
        except ValueError:
            self.message_user(request, _("Choose a revocation reason first."), level=messages.ERROR)
            return
        if reason == RevocationReason.CERTIFICATE_HOLD:
            self.message_user(request, _("Certificate hold is not offered."), messages.ERROR)
            return
        user = staff_user(request)
        by = f"user:{user.username}" if user is not None else ""
        # Seeing is not enough to revoke: seals and officials need an operator.
        allowed = queryset.filter(
            certificate_scope(request, organisation_roles=ORGANISATION_REVOKE_ROLES)
        )
        selected = queryset.count()
        done = sum(
            1
            for certificate in allowed.filter(revoked_at__isnull=True)
            if revocation.revoke(certificate, reason, cause="admin", by=by)
        )
        self.message_user(
            request,
            ngettext("%(count)d certificate revoked.", "%(count)d certificates revoked.", done)
            % {"count": done},
            messages.SUCCESS if done else messages.WARNING,
        )
        if done < selected:
            self.message_user(
                request,
                _("%(count)d selected certificates were already revoked or not yours to revoke.")
                % {"count": selected - done},
                messages.WARNING,
            )


@admin.register(Revocation)
class RevocationAdmin(ReadOnlyAdmin):
    view_roles = ANY_ROLE  # narrowed to the certificates the user may see
    list_display = ["serial", "issuer", "reason", "revoked_at", "cause", "revoked_by"]
    list_filter = ["reason", "issuer"]
    search_fields = ["=serial"]
    list_select_related = ["issuer"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Revocation]:
        return (
            super().get_queryset(request).filter(certificate_scope(request, prefix="certificate__"))
        )


@admin.register(TimeStamp)
class TimeStampAdmin(ReadOnlyAdmin):
    # No roles: platform operators only.
    list_display = ["serial", "gen_time", "hash_algorithm", "policy"]
    search_fields = ["=serial", "=message_digest"]
    date_hierarchy = "gen_time"


@admin.register(Verification)
class VerificationAdmin(ReadOnlyAdmin):
    view_roles = ANY_ROLE  # narrowed to evidence about certificates the user may see
    list_display = ["verified_at", "object_type", "verdict", "reason", "object_ref"]
    list_filter = ["object_type", "verdict"]
    search_fields = ["=object_sha256", "=object_ref"]
    exclude = ["ocsp_response"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Verification]:
        scope = certificate_scope(request, prefix="signer_certificate__")
        if sees_everything(request):
            # Signatures by no certificate of ours (foreign or unreadable).
            scope |= Q(signer_certificate__isnull=True)
        return super().get_queryset(request).filter(scope)
