"""Object identifiers Kasumi uses in certificates, time-stamps and policies.

Kasumi's own arc is a UUID-derived OID under ``2.25`` (ITU-T X.667): it needs no
registration and cannot collide with anyone else's arc.
"""

from __future__ import annotations

from cryptography.x509.oid import ObjectIdentifier

KASUMI_ARC = "2.25.10734773993129664750723279746635364187"

# Certificate policies, one per certificate kind, and the TSA policy.
POLICY_CITIZEN_SIGN = ObjectIdentifier(f"{KASUMI_ARC}.1.1")
POLICY_CITIZEN_AUTH = ObjectIdentifier(f"{KASUMI_ARC}.1.2")
POLICY_ORGANISATION_SEAL = ObjectIdentifier(f"{KASUMI_ARC}.1.3")
POLICY_OFFICIAL = ObjectIdentifier(f"{KASUMI_ARC}.1.4")
POLICY_TIME_STAMPING = ObjectIdentifier(f"{KASUMI_ARC}.1.5")
POLICY_OCSP_SIGNING = ObjectIdentifier(f"{KASUMI_ARC}.1.6")
TSA_POLICY = f"{KASUMI_ARC}.2.1"

# JPKI 基本4情報 in subjectAltName otherName (公的個人認証 署名用電子証明書).
JPKI_NAME = ObjectIdentifier("1.2.392.200149.8.5.5.1")
JPKI_NAME_SUBSTITUTE = ObjectIdentifier("1.2.392.200149.8.5.5.2")
JPKI_SEX = ObjectIdentifier("1.2.392.200149.8.5.5.3")
JPKI_DATE_OF_BIRTH = ObjectIdentifier("1.2.392.200149.8.5.5.4")
JPKI_ADDRESS = ObjectIdentifier("1.2.392.200149.8.5.5.5")
JPKI_ADDRESS_SUBSTITUTE = ObjectIdentifier("1.2.392.200149.8.5.5.6")

# RFC 6960 §4.2.2.2.1: the responder's own certificate is not checked for revocation.
OCSP_NO_CHECK = ObjectIdentifier("1.3.6.1.5.5.7.48.1.5")
