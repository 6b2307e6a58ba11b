"""``kasumi pki init|issue-citizen|issue-seal|issue-official|revoke|list``."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasumi.core.apierrors import ServiceError
from kasumi.core.models import Organisation
from kasumi.trust import pki
from kasumi.trust.basic4 import BasicFourItems
from kasumi.trust.cards import write_card
from kasumi.trust.issuance import issue_citizen_certificates
from kasumi.trust.keystore import KeyStoreError
from kasumi.trust.models import Certificate, RevocationReason
from kasumi.trust.revocation import revoke

Kind = Certificate.Kind


class Command(BaseCommand):
    help = "Platform PKI: create the CAs, issue certificates, revoke them."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("init", help="Create the root CA, issuing CAs, TSA and OCSP signer.")

        citizen = actions.add_parser(
            "issue-citizen",
            help="Generate a key and issue a citizen's signing and authentication "
            "certificates into a PKCS#12 card file.",
        )
        citizen.add_argument("--name", required=True, help="Name (氏名).")
        citizen.add_argument("--sex", required=True, choices=["1", "2"], help="1 male, 2 female.")
        citizen.add_argument("--date-of-birth", required=True, type=date.fromisoformat)
        citizen.add_argument("--address", required=True, help="Address (住所).")
        citizen.add_argument("--subject-ref", required=True, help="e.g. person:42")
        citizen.add_argument("--out", required=True, type=Path, help="Card file to write (.p12).")
        citizen.add_argument("--pin", help="Card PIN (default: generated and printed).")
        citizen.add_argument("--org", help="Issuing municipality code (recorded, optional).")

        seal = actions.add_parser("issue-seal", help="Issue an organisation seal certificate.")
        seal.add_argument("--org", required=True, help="Organisation code.")
        official = actions.add_parser(
            "issue-official", help="Issue an official (職責) certificate."
        )
        official.add_argument("--org", required=True, help="Organisation code.")
        official.add_argument("--title", required=True, help="e.g. 千代田区長")

        rev = actions.add_parser("revoke", help="Revoke a certificate by serial (hex).")
        rev.add_argument("serial")
        rev.add_argument(
            "--reason",
            default="unspecified",
            choices=[r.name.lower() for r in RevocationReason],
        )

        listing = actions.add_parser("list", help="List CAs and issued certificates.")
        listing.add_argument("--kind", choices=Kind.values)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except (pki.PKIError, KeyStoreError) as exc:
            raise CommandError(str(exc)) from exc
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc

    def _org(self, code: str) -> Organisation:
        org = Organisation.objects.filter(code=code).first()
        if org is None:
            raise CommandError(f"no organisation with code {code}")
        return org

    def _init(self, options: dict[str, Any]) -> None:
        if pki.init_pki():
            self.stdout.write("created the platform PKI:\n")
        else:
            self.stdout.write("the platform PKI already exists:\n")
        self._list({"kind": None, "cas_only": True})

    def _issue_citizen(self, options: dict[str, Any]) -> None:
        out: Path = options["out"]
        if out.exists():
            raise CommandError(f"{out} exists; refusing to overwrite a card")
        pin = options["pin"] or f"{secrets.randbelow(10**6):06d}"
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        items = BasicFourItems(
            name=options["name"],
            sex=options["sex"],
            date_of_birth=options["date_of_birth"],
            address=options["address"],
        )
        issued_by = self._org(options["org"]) if options["org"] else None
        pair = issue_citizen_certificates(
            key.public_key(), items, subject_ref=options["subject_ref"], issued_by=issued_by
        )
        chain = [
            pki.active_ca(Kind.CITIZEN_SIGN).certificate,
            pki.active_ca(Kind.CITIZEN_AUTH).certificate,
        ]
        out.write_bytes(write_card(key, pair.signing, pair.authentication, chain, pin))
        out.chmod(0o600)
        assert pair.signing is not None
        self.stdout.write(
            f"wrote {out}\nsigning certificate {pair.signing.serial} "
            f"valid until {pair.signing.not_after:%Y-%m-%d}\n"
        )
        if not options["pin"]:
            self.stdout.write(f"PIN: {pin}\n")

    def _issue_seal(self, options: dict[str, Any]) -> None:
        cert = pki.issue_platform_held(Kind.ORGANISATION_SEAL, self._org(options["org"]))
        self.stdout.write(f"issued seal certificate {cert.serial} for {cert.organisation}\n")

    def _issue_official(self, options: dict[str, Any]) -> None:
        cert = pki.issue_platform_held(
            Kind.OFFICIAL, self._org(options["org"]), title=options["title"]
        )
        self.stdout.write(f"issued official certificate {cert.serial} ({cert.subject_cn})\n")

    def _revoke(self, options: dict[str, Any]) -> None:
        serial = options["serial"].lower().lstrip("0") or "0"
        certs = list(Certificate.objects.filter(serial=serial))
        if not certs:
            raise CommandError(f"no certificate with serial {serial}")
        if len(certs) > 1:
            raise CommandError(f"serial {serial} is ambiguous across CAs")
        reason = RevocationReason[options["reason"].upper()]
        if revoke(certs[0], reason, cause="kasumi pki revoke", by="command line"):
            self.stdout.write(f"revoked {serial} ({reason.name.lower()})\n")
        else:
            self.stdout.write(f"{serial} was already revoked\n")

    def _list(self, options: dict[str, Any]) -> None:
        from kasumi.trust.models import CertificateAuthority

        for ca in CertificateAuthority.objects.filter(active=True):
            self.stdout.write(f"CA\t{ca.slug}\t{ca.name}\tuntil {ca.not_after:%Y-%m-%d}\n")
        if options.get("cas_only"):
            return
        certs = Certificate.objects.select_related("issuer").order_by("id")
        if options["kind"]:
            certs = certs.filter(kind=options["kind"])
        for cert in certs:
            state = f"revoked {cert.revoked_at:%Y-%m-%d}" if cert.revoked_at else "valid"
            self.stdout.write(
                f"{cert.kind}\t{cert.serial}\t{cert.subject_cn}\t"
                f"until {cert.not_after:%Y-%m-%d}\t{state}\n"
            )
