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
from collections.abc import Callable
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


def sealer(context: bytes) -> Callable[[str], bytes]:
    """A ``seal`` for many values of one column: one cipher, nonces read in blocks.

    Bulk importers seal millions of values; building the cipher (key schedule)
    and reading 12 random bytes per value costs more than the encryption.
    Nonces stay random and unique per value.
    """
    cipher = AESGCM(_keys()[0])
    version = bytes([_VERSION])
    pool = b""
    offset = 0

    def seal_one(plaintext: str) -> bytes:
        nonlocal pool, offset
        if offset + 12 > len(pool):
            pool, offset = os.urandom(12 * 4096), 0
        nonce = pool[offset : offset + 12]
        offset += 12
        return version + nonce + cipher.encrypt(nonce, plaintext.encode(), context)

    return seal_one


def lookup_digester(context: bytes) -> Callable[[str], str]:
    """A ``lookup_digest`` for many values of one column.

    HMAC's state after the key and the context prefix is computed once and
    copied per value; the digests are identical to :func:`lookup_digest`.
    """
    prefix = hmac.new(_keys()[1], context + b"\x00", hashlib.sha256)

    def digest(value: str) -> str:
        h = prefix.copy()
        h.update(value.encode())
        return h.hexdigest()

    return digest
