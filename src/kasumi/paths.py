"""Where Kasumi keeps its local state (database file, generated keys)."""

import os
from pathlib import Path


def var_dir() -> Path:
    """The git-ignored state directory: ``$KASUMI_VAR_DIR`` or ``./var``."""
    path = Path(os.environ.get("KASUMI_VAR_DIR") or Path.cwd() / "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_file(name: str, nbytes: int = 32) -> bytes:
    """Read a secret from ``var/keys/NAME``, generating it (mode 0600) on first use."""
    keys = var_dir() / "keys"
    keys.mkdir(mode=0o700, exist_ok=True)
    path = keys / name
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    secret = os.urandom(nbytes).hex().encode("ascii")
    # O_EXCL: two processes starting together must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as fh:
        fh.write(secret)
    return secret
