"""The file key store (passphrase-encrypted PKCS#8) and the choice of store."""

from __future__ import annotations

import stat

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization

from kasumi.trust.keystore import (
    FileKeyStore,
    KeyRef,
    KeyStoreError,
    default_keystore,
    rsa_padding,
)

PASSPHRASE = b"correct horse battery staple"


@pytest.fixture
def store(tmp_path):
    return FileKeyStore(tmp_path / "keys", PASSPHRASE)


@pytest.fixture
def clean_default_keystore():
    # default_keystore() is cached for the process: tests that change its
    # environment must not leave their store behind for the next test.
    default_keystore.cache_clear()
    yield
    default_keystore.cache_clear()


def test_key_file_is_private_and_encrypted(store):
    store.generate_rsa("ca-root-test", 2048)
    path = store.directory / "ca-root-test.key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) & 0o077 == 0
    pem = path.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError, match="encrypted"):
        serialization.load_pem_private_key(pem, None)
    loaded = serialization.load_pem_private_key(pem, PASSPHRASE)
    assert loaded.public_key().public_numbers() == store.public_key("ca-root-test").public_numbers()


def test_wrong_passphrase_is_a_clear_error(store):
    store.generate_rsa("tsu-test", 2048)
    other = FileKeyStore(store.directory, b"not the passphrase at all")
    with pytest.raises(KeyStoreError, match="cannot decrypt key 'tsu-test': wrong passphrase"):
        other.sign("tsu-test", b"data")


def test_short_passphrase_is_refused(tmp_path):
    with pytest.raises(KeyStoreError, match="at least 16 bytes"):
        FileKeyStore(tmp_path, b"short")


def test_a_label_cannot_be_generated_twice(store):
    first = store.generate_rsa("ocsp-test", 2048)
    with pytest.raises(KeyStoreError, match="already exists"):
        store.generate_rsa("ocsp-test", 2048)
    # Nor from another process's store over the same directory; the first key survives.
    with pytest.raises(KeyStoreError, match="already exists"):
        FileKeyStore(store.directory, PASSPHRASE).generate_rsa("ocsp-test", 2048)
    reloaded = FileKeyStore(store.directory, PASSPHRASE).public_key("ocsp-test")
    assert reloaded.public_numbers() == first.public_numbers()


@pytest.mark.parametrize("label", ["", "../escape", "a/b", "Upper", "-dash-first", "x" * 81])
def test_bad_labels_are_refused(store, label):
    with pytest.raises(KeyStoreError, match="invalid key label"):
        store.generate_rsa(label, 2048)
    with pytest.raises(KeyStoreError, match="invalid key label"):
        store.has(label)
    assert not any(store.directory.parent.rglob("*.pem"))


def test_missing_key_is_a_clear_error(store):
    assert not store.has("seal-absent")
    with pytest.raises(KeyStoreError, match="no key 'seal-absent'"):
        store.public_key("seal-absent")


@pytest.mark.parametrize("pad", ["pkcs1v15", "pss"])
def test_sign_verify_round_trip(store, pad):
    public = store.generate_rsa("seal-131016-test", 2048)
    # A second store reads the key back from its file rather than from memory.
    fresh = FileKeyStore(store.directory, PASSPHRASE)
    signature = KeyRef(fresh, "seal-131016-test").sign(b"payload", pad)
    public.verify(signature, b"payload", rsa_padding(pad), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        public.verify(signature, b"payload!", rsa_padding(pad), hashes.SHA256())
    assert fresh.has("seal-131016-test")
    assert fresh.private_key("seal-131016-test") is not None


def test_unknown_keystore_kind(monkeypatch, clean_default_keystore):
    monkeypatch.setenv("KASUMI_KEYSTORE", "vault")
    with pytest.raises(KeyStoreError, match="unknown KASUMI_KEYSTORE 'vault'"):
        default_keystore()


def test_pkcs11_store_needs_token_and_pin(monkeypatch, clean_default_keystore):
    monkeypatch.setenv("KASUMI_KEYSTORE", "pkcs11")
    monkeypatch.delenv("KASUMI_PKCS11_TOKEN", raising=False)
    monkeypatch.delenv("KASUMI_PKCS11_PIN", raising=False)
    with pytest.raises(KeyStoreError, match="KASUMI_PKCS11_TOKEN is not set"):
        default_keystore()
    monkeypatch.setenv("KASUMI_PKCS11_TOKEN", "kasumi")
    with pytest.raises(KeyStoreError, match="KASUMI_PKCS11_PIN is not set"):
        default_keystore()
    monkeypatch.setenv("KASUMI_PKCS11_PIN", "1234")
    monkeypatch.setenv("KASUMI_PKCS11_MODULE", "/nonexistent/libvendor-pkcs11.so")
    with pytest.raises(KeyStoreError, match="no PKCS#11 module at /nonexistent"):
        default_keystore()
