"""Encryption at rest for sensitive fields (個人番号) and keyed lookup digests.

Values are sealed with AES-256-GCM under a key kept in ``var/keys/`` (or
``$KASUMI_FIELD_KEY``, 64 hex characters); the first byte of the ciphertext
names the key version so keys can be rotated. A separate HMAC key gives a
deterministic digest for equality lookups without decrypting every row.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kasumi.paths import secret_file

_VERSION = 1


@cache
def _keys() -> tuple[bytes, bytes]:
    raw = os.environ.get("KASUMI_FIELD_KEY") or secret_file("field-encryption.key").decode()
    master = bytes.fromhex(raw.strip())
    if len(master) != 32:
        raise RuntimeError("the field encryption key must be 32 bytes (64 hex characters)")
    # Derive two independent keys so the lookup digest reveals nothing about the cipher key.
    enc = hmac.new(master, b"kasumi field encryption v1", hashlib.sha256).digest()
    mac = hmac.new(master, b"kasumi field lookup v1", hashlib.sha256).digest()
    return enc, mac


def seal(plaintext: str, context: bytes) -> bytes:
    """Encrypt ``plaintext``; ``context`` (e.g. the column name) is authenticated."""
    nonce = os.urandom(12)
    return (
        bytes([_VERSION]) + nonce + AESGCM(_keys()[0]).encrypt(nonce, plaintext.encode(), context)
    )


def unseal(ciphertext: bytes, context: bytes) -> str:
    if not ciphertext or ciphertext[0] != _VERSION:
        raise ValueError("unknown field encryption key version")
    nonce, body = ciphertext[1:13], ciphertext[13:]
    return AESGCM(_keys()[0]).decrypt(nonce, body, context).decode()


def lookup_digest(value: str, context: bytes) -> str:
    """A keyed digest of ``value`` for unique constraints and equality lookups."""
    return hmac.new(_keys()[1], context + b"\x00" + value.encode(), hashlib.sha256).hexdigest()


def reset_cache() -> None:
    """Forget loaded keys (tests that switch ``KASUMI_VAR_DIR``)."""
    _keys.cache_clear()
