"""Where the platform's private keys live: CA keys, the TSA, the OCSP signer, seals.

Code that signs asks a :class:`KeyStore` for a key by label and never handles
key files itself, so a hardware security module can replace the file store
(``KASUMI_KEYSTORE=pkcs11``, see :mod:`kasumi.trust.pkcs11_store`).

The file store keeps each key as a PKCS#8 file encrypted with a passphrase
(``KASUMI_PKI_PASSPHRASE``). In demo mode, without that variable, a passphrase
is generated under ``var/keys/``; in production the variable is required so that
the passphrase does not sit beside the keys it protects.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, Protocol

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kasumi.paths import secret_file, var_dir

Padding = Literal["pkcs1v15", "pss"]
_LABEL = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


class KeyStoreError(Exception):
    """A key is missing, locked or cannot be used."""


def check_label(label: str) -> str:
    if not _LABEL.match(label):
        raise KeyStoreError(f"invalid key label {label!r}")
    return label


def rsa_padding(kind: Padding) -> padding.AsymmetricPadding:
    if kind == "pss":
        # RFC 7518 PS256: MGF1 with SHA-256 and a salt as long as the hash.
        return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    return padding.PKCS1v15()


class KeyStore(Protocol):
    """RSA keys addressed by label. Signing always uses SHA-256."""

    kind: str

    def generate_rsa(self, label: str, bits: int) -> rsa.RSAPublicKey:
        """Create a key pair under ``label`` (which must be new)."""
        ...

    def has(self, label: str) -> bool: ...

    def public_key(self, label: str) -> rsa.RSAPublicKey: ...

    def sign(self, label: str, data: bytes, pad: Padding = "pkcs1v15") -> bytes:
        """Sign SHA-256(``data``) with the key ``label``."""
        ...

    def private_key(self, label: str) -> rsa.RSAPrivateKey | None:
        """The key object itself, if this store keeps keys in software (else None).

        Lets the X.509 builders sign directly; an HSM returns None and callers
        fall back to :meth:`sign` over the to-be-signed bytes.
        """
        ...


class FileKeyStore:
    """Passphrase-encrypted PKCS#8 PEM files, one per label, mode 0600."""

    kind = "file"

    def __init__(self, directory: Path, passphrase: bytes) -> None:
        if len(passphrase) < 16:
            raise KeyStoreError("the key store passphrase must be at least 16 bytes")
        self.directory = directory
        self._passphrase = passphrase
        self._keys: dict[str, rsa.RSAPrivateKey] = {}
        self._lock = threading.Lock()

    def _path(self, label: str) -> Path:
        return self.directory / f"{check_label(label)}.key.pem"

    def has(self, label: str) -> bool:
        return label in self._keys or self._path(label).exists()

    def generate_rsa(self, label: str, bits: int) -> rsa.RSAPublicKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._passphrase),
        )
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(label)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyStoreError(f"key {label!r} already exists") from None
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        with self._lock:
            self._keys[label] = key
        return key.public_key()

    def _load(self, label: str) -> rsa.RSAPrivateKey:
        key = self._keys.get(label)
        if key is not None:
            return key
        with self._lock:
            try:
                pem = self._path(label).read_bytes()
            except FileNotFoundError:
                raise KeyStoreError(f"no key {label!r} in {self.directory}") from None
            try:
                loaded = serialization.load_pem_private_key(pem, self._passphrase)
            except ValueError:
                raise KeyStoreError(
                    f"cannot decrypt key {label!r}: wrong passphrase or damaged file"
                ) from None
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise KeyStoreError(f"key {label!r} is not an RSA key")
            self._keys[label] = loaded
            return loaded

    def public_key(self, label: str) -> rsa.RSAPublicKey:
        return self._load(label).public_key()

    def sign(self, label: str, data: bytes, pad: Padding = "pkcs1v15") -> bytes:
        return self._load(label).sign(data, rsa_padding(pad), hashes.SHA256())

    def private_key(self, label: str) -> rsa.RSAPrivateKey | None:
        return self._load(label)


@dataclass(frozen=True)
class KeyRef:
    """A key in a store, passed around instead of key material."""

    store: KeyStore
    label: str

    def sign(self, data: bytes, pad: Padding = "pkcs1v15") -> bytes:
        return self.store.sign(self.label, data, pad)

    def public_key(self) -> rsa.RSAPublicKey:
        return self.store.public_key(self.label)

    def private_key(self) -> rsa.RSAPrivateKey | None:
        return self.store.private_key(self.label)


def _passphrase() -> bytes:
    value = os.environ.get("KASUMI_PKI_PASSPHRASE")
    if value:
        return value.encode()
    from django.conf import settings

    if not getattr(settings, "KASUMI_DEMO", False):
        raise KeyStoreError(
            "KASUMI_PKI_PASSPHRASE is not set; outside demo mode the CA key passphrase "
            "must come from the environment (for example a systemd credential)"
        )
    return secret_file("pki-passphrase")


@cache
def default_keystore() -> KeyStore:
    """The configured store: ``KASUMI_KEYSTORE`` is ``file`` (default) or ``pkcs11``."""
    kind = os.environ.get("KASUMI_KEYSTORE", "file")
    if kind == "file":
        return FileKeyStore(var_dir() / "pki" / "keys", _passphrase())
    if kind == "pkcs11":
        from kasumi.trust.pkcs11_store import Pkcs11KeyStore

        store: KeyStore = Pkcs11KeyStore.from_environment()
        return store
    raise KeyStoreError(f"unknown KASUMI_KEYSTORE {kind!r} (expected file or pkcs11)")


def key(label: str) -> KeyRef:
    return KeyRef(default_keystore(), label)
