"""PKCS#11 key store: the platform's private keys on a hardware security module.

Selected with ``KASUMI_KEYSTORE=pkcs11``. Keys are generated on the token as
sensitive, non-extractable RSA keys that may only sign; the platform holds a
label, never key material, so :meth:`Pkcs11KeyStore.private_key` is always
None and :mod:`kasumi.trust.x509sign` re-signs the to-be-signed bytes through
:meth:`Pkcs11KeyStore.sign`. The token hashes (CKM_SHA256_RSA_PKCS,
CKM_SHA256_RSA_PKCS_PSS). SoftHSM2 stands in for an HSM in tests and demos.

Configuration (see ``docs/operators/hsm.md``): ``KASUMI_PKCS11_MODULE`` (the
vendor's library, default SoftHSM2's), ``KASUMI_PKCS11_TOKEN`` (token label),
``KASUMI_PKCS11_PIN`` (user PIN).

Sessions. PKCS#11 login state belongs to the process, not to a session: a
second C_Login on the same token fails (CKR_USER_ALREADY_LOGGED_IN) and closing
any session logs all of them out. python-pkcs11 also initialises the module
with C_Initialize(NULL), which tells the module it will not be called from
several threads at once. So each process keeps one logged-in session per token,
shared by every store object, and every call holds one process-wide lock. A
forked child (gunicorn workers) must not use its parent's sessions: it drops
them, re-initialises the module and logs in again.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pkcs11
from cryptography.hazmat.primitives.asymmetric import rsa
from pkcs11 import MGF, Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11 import exceptions as p11

from kasumi.trust.keystore import KeyStoreError, Padding, check_label

DEFAULT_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
MIN_BITS = 2048

T = TypeVar("T")

# Errors after which the session (or the whole module) is gone: drop it and log in again.
_SESSION_LOST: tuple[type[p11.PKCS11Error], ...] = (
    p11.SessionHandleInvalid,
    p11.SessionClosed,
    p11.UserNotLoggedIn,
    p11.DeviceRemoved,
    p11.DeviceError,
    p11.TokenNotPresent,
)


@dataclass
class _Open:
    session: pkcs11.Session
    pin_digest: bytes
    pid: int
    # Object handles are only meaningful within the session that found them. Any:
    # python-pkcs11 builds key classes from mixins its type hints do not describe.
    private_keys: dict[str, Any] = field(default_factory=dict)


_lock = threading.RLock()
_sessions: dict[tuple[str, str], _Open] = {}
_initialised_in: dict[str, int] = {}  # module path -> pid that initialised it


def _forget_parent() -> None:
    # In a forked child the parent's sessions belong to the parent (closing them
    # would log the parent out) and the lock may have been held by a thread
    # that no longer exists: start afresh.
    global _lock
    _lock = threading.RLock()
    _sessions.clear()


os.register_at_fork(after_in_child=_forget_parent)


def _library(module: str) -> Any:
    """The loaded module, initialised in this process."""
    try:
        lib = pkcs11.lib(module)
    except p11.PKCS11Error as exc:
        raise KeyStoreError(
            f"cannot load the PKCS#11 module {module} (KASUMI_PKCS11_MODULE): {exc}"
        ) from None
    pid = os.getpid()
    if _initialised_in.get(module) != pid:
        if module in _initialised_in:
            # Inherited through fork: PKCS#11 requires the child to initialise
            # the module again; finalising first resets the state it copied.
            with contextlib.suppress(p11.PKCS11Error):
                lib.finalize()
            lib.initialize()
        _initialised_in[module] = pid
    return lib


def _pin_digest(pin: str) -> bytes:
    return hashlib.sha256(pin.encode()).digest()


def _error_name(exc: BaseException) -> str:
    # python-pkcs11 exceptions mostly carry no message; the class names the CKR_ code.
    return str(exc) or type(exc).__name__


def _key_id(label: str) -> bytes:
    # CKA_ID derived from the label, so tools that select keys by id
    # (pkcs11-tool --id, pkcs11: URIs) find the same key the label names.
    return hashlib.sha256(b"kasumi-key:" + label.encode()).digest()[:16]


class Pkcs11KeyStore:
    """RSA keys on a PKCS#11 token, addressed by CKA_LABEL. Private keys never leave it."""

    kind = "pkcs11"

    def __init__(self, module: str, token_label: str, pin: str) -> None:
        if not token_label:
            raise KeyStoreError("a PKCS#11 token label is required")
        if not pin:
            raise KeyStoreError("a PKCS#11 user PIN is required")
        # A bare file name is left to the dynamic loader's search path.
        if os.sep in module and not os.path.exists(module):
            raise KeyStoreError(
                f"no PKCS#11 module at {module} (KASUMI_PKCS11_MODULE): install SoftHSM2 "
                "(apt install softhsm2) or the HSM vendor's PKCS#11 library"
            )
        self.module = module
        self.token_label = token_label
        self._pin = pin
        self._public: dict[str, rsa.RSAPublicKey] = {}

    @classmethod
    def from_environment(cls) -> Pkcs11KeyStore:
        module = os.environ.get("KASUMI_PKCS11_MODULE") or DEFAULT_MODULE
        token = os.environ.get("KASUMI_PKCS11_TOKEN", "").strip()
        pin = os.environ.get("KASUMI_PKCS11_PIN", "")
        if not token:
            raise KeyStoreError(
                "KASUMI_PKCS11_TOKEN is not set: give the label of the PKCS#11 token "
                "that holds the platform keys"
            )
        if not pin:
            raise KeyStoreError(
                "KASUMI_PKCS11_PIN is not set: the PKCS#11 key store needs the token's "
                "user PIN (for example from a systemd credential)"
            )
        return cls(module, token, pin)

    def __repr__(self) -> str:  # never the PIN
        return f"<Pkcs11KeyStore module={self.module!r} token={self.token_label!r}>"

    # -- sessions --------------------------------------------------------------------

    @property
    def _where(self) -> str:
        return f"PKCS#11 token {self.token_label!r}"

    def _open(self) -> _Open:
        """The process's logged-in session on this token (caller holds ``_lock``)."""
        key = (self.module, self.token_label)
        current = _sessions.get(key)
        if current is not None and current.pid != os.getpid():
            # Forked without the at-fork hook (a fork from C code): not ours to use or close.
            del _sessions[key]
            current = None
        if current is not None:
            if not hmac.compare_digest(current.pin_digest, _pin_digest(self._pin)):
                # Login is per process, so a wrong PIN would otherwise ride on the right one.
                raise KeyStoreError(
                    f"{self._where} is already logged in in this process with another PIN"
                )
            return current
        lib = _library(self.module)
        try:
            token = lib.get_token(token_label=self.token_label)
        except p11.NoSuchToken:
            found = sorted(t.label for t in lib.get_tokens())
            raise KeyStoreError(
                f"no PKCS#11 token labelled {self.token_label!r} in {self.module} "
                f"(KASUMI_PKCS11_TOKEN); tokens found: {', '.join(found) or 'none'}"
            ) from None
        except p11.MultipleTokensReturned:
            raise KeyStoreError(
                f"several PKCS#11 tokens are labelled {self.token_label!r}; labels must be unique"
            ) from None
        except p11.PKCS11Error as exc:
            raise KeyStoreError(
                f"cannot list the tokens of {self.module}: {_error_name(exc)}"
            ) from None
        try:
            session = token.open(rw=True, user_pin=self._pin)
        except p11.PinIncorrect:
            raise KeyStoreError(f"wrong user PIN for {self._where} (KASUMI_PKCS11_PIN)") from None
        except p11.PinLocked:
            raise KeyStoreError(
                f"the user PIN of {self._where} is locked; the security officer must reset it"
            ) from None
        except p11.UserPinNotInitialized:
            raise KeyStoreError(f"{self._where} has no user PIN yet: initialise it") from None
        except p11.UserAlreadyLoggedIn:
            raise KeyStoreError(
                f"{self._where} is already logged in by other code in this process"
            ) from None
        except p11.PKCS11Error as exc:
            raise KeyStoreError(
                f"cannot open a session on {self._where}: {_error_name(exc)}"
            ) from None
        opened = _Open(session, _pin_digest(self._pin), os.getpid())
        _sessions[key] = opened
        return opened

    def _call(self, op: Callable[[_Open], T], *, retry: bool = True) -> T:
        """Run ``op`` on the session; after a lost session, log in again and retry once."""
        attempts = 2 if retry else 1
        with _lock:
            for attempt in range(1, attempts + 1):
                opened = self._open()
                try:
                    return op(opened)
                except _SESSION_LOST as exc:
                    self._drop(opened)
                    if attempt == attempts:
                        raise KeyStoreError(
                            f"lost the session to {self._where}: {_error_name(exc)}"
                        ) from None
                except p11.PKCS11Error as exc:
                    raise KeyStoreError(f"{self._where} refused: {_error_name(exc)}") from None
        raise AssertionError("unreachable")

    def _drop(self, opened: _Open) -> None:
        _sessions.pop((self.module, self.token_label), None)
        # Best effort: log out and close, so that the next login is not refused
        # as "already logged in" if the module kept the login state.
        with contextlib.suppress(p11.PKCS11Error):
            opened.session.close()

    def _private(self, opened: _Open, label: str) -> Any:
        cached = opened.private_keys.get(label)
        if cached is not None:
            return cached
        found: list[Any] = list(
            opened.session.get_objects(
                {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: label}
            )
        )
        if not found:
            raise KeyStoreError(f"no key {label!r} on {self._where}")
        if len(found) > 1:
            raise KeyStoreError(f"several private keys are labelled {label!r} on {self._where}")
        if found[0][Attribute.KEY_TYPE] != KeyType.RSA:
            raise KeyStoreError(f"key {label!r} on {self._where} is not an RSA key")
        opened.private_keys[label] = found[0]
        return found[0]

    # -- the KeyStore protocol ------------------------------------------------------------

    def has(self, label: str) -> bool:
        check_label(label)

        def op(opened: _Open) -> bool:
            query = {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: label}
            return any(True for _ in opened.session.get_objects(query))

        return self._call(op)

    def generate_rsa(self, label: str, bits: int) -> rsa.RSAPublicKey:
        check_label(label)
        if bits < MIN_BITS:
            raise KeyStoreError(f"RSA keys must be at least {MIN_BITS} bits")

        def op(opened: _Open) -> rsa.RSAPublicKey:
            if any(True for _ in opened.session.get_objects({Attribute.LABEL: label})):
                raise KeyStoreError(f"key {label!r} already exists on {self._where}")
            public, private = opened.session.generate_keypair(
                KeyType.RSA,
                bits,
                id=_key_id(label),
                label=label,
                store=True,
                # Sign/verify only: a CA key that can also decrypt is a key that can be misused.
                capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
                private_template={
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                },
            )
            opened.private_keys[label] = private
            return _rsa_public(public)

        # No retry: a keypair may have been created before the session was lost.
        key = self._call(op, retry=False)
        self._public[label] = key
        return key

    def public_key(self, label: str) -> rsa.RSAPublicKey:
        check_label(label)
        cached = self._public.get(label)
        if cached is not None:
            return cached

        def op(opened: _Open) -> rsa.RSAPublicKey:
            query = {Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.LABEL: label}
            found: list[Any] = list(opened.session.get_objects(query))
            if len(found) > 1:
                raise KeyStoreError(f"several public keys are labelled {label!r} on {self._where}")
            # Some HSMs keep no public-key object; the modulus and exponent are
            # also attributes of the private key (and are not sensitive).
            return _rsa_public(found[0] if found else self._private(opened, label))

        key = self._call(op)
        self._public[label] = key
        return key

    def sign(self, label: str, data: bytes, pad: Padding = "pkcs1v15") -> bytes:
        check_label(label)
        if pad == "pss":
            # RFC 7518 PS256, as keystore.rsa_padding: MGF1-SHA256, 32-byte salt.
            mechanism = Mechanism.SHA256_RSA_PKCS_PSS
            param: tuple[Mechanism, MGF, int] | None = (Mechanism.SHA256, MGF.SHA256, 32)
        elif pad == "pkcs1v15":
            mechanism, param = Mechanism.SHA256_RSA_PKCS, None
        else:
            raise KeyStoreError(f"unknown padding {pad!r} (expected pkcs1v15 or pss)")

        def op(opened: _Open) -> bytes:
            key = self._private(opened, label)
            signature: bytes = key.sign(data, mechanism=mechanism, mechanism_param=param)
            return signature

        return self._call(op)

    def private_key(self, label: str) -> rsa.RSAPrivateKey | None:
        return None


def _rsa_public(obj: Any) -> rsa.RSAPublicKey:
    modulus = obj[Attribute.MODULUS]
    exponent = obj[Attribute.PUBLIC_EXPONENT]
    return rsa.RSAPublicNumbers(
        int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big")
    ).public_key()
