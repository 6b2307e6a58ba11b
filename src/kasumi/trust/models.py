"""Certificate authorities, issued certificates, revocations, time-stamps and evidence.

Private keys are never stored here: rows name a key by its label in the key
store (:mod:`kasumi.trust.keystore`). Certificates are kept as DER, exactly as
issued, so they can be served and checked byte for byte years later.
"""

from __future__ import annotations

import uuid
from functools import cached_property

from cryptography import x509
from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateAuthority(models.Model):
    """The root or an issuing CA of the platform PKI (one active per role)."""

    class Role(models.TextChoices):
        ROOT = "root", _("Root CA")
        CITIZEN_SIGN = "citizen_sign", _("Citizen signing CA (署名用)")
        CITIZEN_AUTH = "citizen_auth", _("Citizen authentication CA (利用者証明用)")
        ORGANISATION = "organisation", _("Organisation CA (組織・職責)")
        SERVICES = "services", _("Platform services CA (TSA)")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    der = models.BinaryField(_("certificate (DER)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    key_label = models.CharField(_("key label"), max_length=80)
    keystore = models.CharField(_("key store"), max_length=20, default="file")
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    active = models.BooleanField(_("active"), default=True)
    crl_number = models.PositiveBigIntegerField(_("last CRL number"), default=0)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("certificate authority")
        verbose_name_plural = _("certificate authorities")
        constraints = [
            models.UniqueConstraint(
                fields=["role"],
                condition=models.Q(active=True),
                name="trust_one_active_ca_per_role",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @cached_property
    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(bytes(self.der))


class RevocationReason(models.IntegerChoices):
    """CRLReason (RFC 5280 §5.3.1); 7 is unused and removeFromCRL is not offered."""

    UNSPECIFIED = 0, _("unspecified")
    KEY_COMPROMISE = 1, _("key compromise (紛失・盗難)")
    CA_COMPROMISE = 2, _("CA compromise")
    AFFILIATION_CHANGED = 3, _("affiliation changed (氏名・住所の変更)")
    SUPERSEDED = 4, _("superseded (更新)")
    CESSATION_OF_OPERATION = 5, _("cessation of operation (死亡・廃止)")
    CERTIFICATE_HOLD = 6, _("certificate hold")
    PRIVILEGE_WITHDRAWN = 9, _("privilege withdrawn")
    AA_COMPROMISE = 10, _("AA compromise")


class Certificate(models.Model):
    """An end-entity certificate the platform issued."""

    class Kind(models.TextChoices):
        CITIZEN_SIGN = "citizen_sign", _("Citizen signing (署名用電子証明書)")
        CITIZEN_AUTH = "citizen_auth", _("Citizen authentication (利用者証明用電子証明書)")
        ORGANISATION_SEAL = "organisation_seal", _("Organisation seal (組織の電子署名)")
        OFFICIAL = "official", _("Official (職責証明書)")
        TIME_STAMPING = "time_stamping", _("Time-stamping unit")
        OCSP_SIGNING = "ocsp_signing", _("OCSP responder")

    issuer = models.ForeignKey(
        CertificateAuthority, on_delete=models.PROTECT, related_name="certificates"
    )
    serial = models.CharField(_("serial number (hex)"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Who holds it, as the caller names them ("person:42", "organisation:131016");
    # trust never reads the registry, so this is an opaque reference.
    subject_ref = models.CharField(_("subject reference"), max_length=80, blank=True)
    subject_cn = models.CharField(_("subject common name"), max_length=200)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        help_text=_("The organisation the certificate is for (seals, officials)."),
    )
    issued_by = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The organisation whose registrar requested it (citizen certificates)."),
    )
    # Certificates issued together for one key (a citizen's signing and
    # authentication pair) share an issuance id.
    issuance = models.UUIDField(_("issuance"), default=uuid.uuid4, db_index=True)
    key_id = models.CharField(_("public key SHA-256"), max_length=64, db_index=True)
    key_label = models.CharField(
        _("key label"),
        max_length=80,
        blank=True,
        help_text=_("Set when the platform holds the key."),
    )
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    der = models.BinaryField(_("certificate (DER)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.PositiveSmallIntegerField(
        _("revocation reason"), choices=RevocationReason.choices, null=True, blank=True
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "serial"], name="trust_unique_serial")
        ]
        indexes = [models.Index(fields=["subject_ref", "kind"], name="trust_cert_subject")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"

    @cached_property
    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(bytes(self.der))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Revocation(models.Model):
    """Append-only log of revocations; its ids let verifiers refresh incrementally."""

    certificate = models.OneToOneField(
        Certificate, on_delete=models.PROTECT, related_name="revocation"
    )
    issuer = models.ForeignKey(CertificateAuthority, on_delete=models.PROTECT, related_name="+")
    serial = models.CharField(max_length=40)
    revoked_at = models.DateTimeField()
    reason = models.PositiveSmallIntegerField(choices=RevocationReason.choices)
    # Why, for people: "registry.resident.address_changed", "request by holder"…
    cause = models.CharField(max_length=100, blank=True)
    revoked_by = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")

    def __str__(self) -> str:
        return f"{self.serial} ({self.get_reason_display()})"


class IssuanceChallenge(models.Model):
    """A nonce a key holder signs to prove possession of the private key."""

    nonce = models.CharField(max_length=64, unique=True)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("issuance challenge")

    def __str__(self) -> str:
        return f"challenge {self.pk}"


class TimeStamp(models.Model):
    """Every time-stamp token the TSA issued (RFC 3161): the serial is unique."""

    serial = models.CharField(max_length=40, unique=True)
    gen_time = models.DateTimeField()
    hash_algorithm = models.CharField(max_length=20)
    message_digest = models.CharField(max_length=128)
    policy = models.CharField(max_length=100)
    tsu = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("time-stamp")
        verbose_name_plural = _("time-stamps")

    def __str__(self) -> str:
        return f"time-stamp {self.serial}"


class Verification(models.Model):
    """Evidence: what was checked on a signed object, with what revocation data, when.

    Stored with the object it verified (``object_ref``, e.g.
    ``procedures.application:42``, or only its hash for uploads to the public
    verify page) so a decision taken on a signature can be justified later.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    object_type = models.CharField(max_length=10)  # "jws" | "pdf"
    object_sha256 = models.CharField(max_length=64, db_index=True)
    object_ref = models.CharField(max_length=120, blank=True, db_index=True)
    verified_at = models.DateTimeField()
    verdict = models.CharField(max_length=20)
    reason = models.CharField(max_length=40, blank=True)
    signing_time = models.DateTimeField(null=True, blank=True)
    signing_time_source = models.CharField(max_length=20, blank=True)
    signer_certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signer = models.JSONField(default=dict)
    checks = models.JSONField(default=list)
    # The signed OCSP response (DER) for the signer's certificate at verification
    # time, and a description of the revocation data the check used.
    ocsp_response = models.BinaryField(null=True, blank=True)
    revocation = models.JSONField(default=dict)

    class Meta:
        ordering = ["-verified_at"]
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")

    def __str__(self) -> str:
        return f"{self.object_type} {self.verdict} {self.verified_at:%Y-%m-%d %H:%M}"
