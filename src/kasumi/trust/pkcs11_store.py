"""PKCS#11 key store (a hardware security module; SoftHSM2 in tests). Placeholder until implemented."""

from __future__ import annotations

from kasumi.trust.keystore import KeyStoreError


class Pkcs11KeyStore:
    kind = "pkcs11"

    @classmethod
    def from_environment(cls) -> Pkcs11KeyStore:
        raise KeyStoreError("the PKCS#11 key store is not available yet")
