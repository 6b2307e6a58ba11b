"""Trust services: JWS verification, time-stamps and sealed PDFs, each next to a raw reference.

    .venv/bin/python benchmarks/trust.py [--db sqlite|postgres] [--jws 20000] [--tokens 3000] [--pdfs 60]

Set-up (untimed): a fresh database (SQLite file in a temporary directory, or a
fresh PostgreSQL database ``kasumi_bench_trust_<pid>`` dropped afterwards),
migrated; ``kasumi pki init``; 50 synthetic citizens with signing
certificates; a seal certificate for one municipality.

1. **JWS verifications/s, per core** (one process): ``jws.verify`` on
   ``--jws`` PS256 tokens from the 50 signers, round robin — the full check:
   parse, algorithm, signature, chain to the platform root, key usage,
   validity at signing time and revocation (in-process snapshot of the
   revocation log, at most 1 s old). **Reference**: the same number of raw
   ``RSAPublicKey.verify`` calls (PSS, SHA-256) of the ``cryptography``
   library over the same signing inputs. Target: at least 60% of raw.
2. **Time-stamp tokens/s**: ``tsa.issue_token`` (signature by the TSU key and
   a database row per token, committed), in one process and in one process
   per core. **Reference**: raw RSA-2048 PKCS#1 v1.5 signatures/s of the same
   library (the signature every token needs). Target: 500/s.
3. **Sealed PDFs/s on all cores**: ``sealing.seal_document`` (WeasyPrint
   render + PAdES B-LTA: seal signature, signature time-stamp, validation data,
   document time-stamp) in one process per core. **Reference**: WeasyPrint
   rendering alone of the same template, same processes. Target: 20/s on
   2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import PG_DEFAULT, ROOT, pg_admin, run_child, setup_django

SCRIPT = str(Path(__file__).resolve())
SIGNERS = 50


def _setup(args: argparse.Namespace) -> None:
    setup_django(args.db_url, args.var)


def child_prepare(args: argparse.Namespace) -> dict[str, Any]:
    _setup(args)
    from datetime import date

    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )
    from django.core.management import call_command

    from kasumi.core.models import Organisation
    from kasumi.trust import pki
    from kasumi.trust.basic4 import BasicFourItems
    from kasumi.trust.issuance import issue_citizen_certificates
    from kasumi.trust.models import Certificate

    call_command("migrate", verbosity=0)
    pki.init_pki()
    org = Organisation.objects.create(code="131016", name="千代田区", kind="municipality")
    pki.issue_platform_held(Certificate.Kind.ORGANISATION_SEAL, org)
    signers = []
    for i in range(SIGNERS):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pair = issue_citizen_certificates(
            key.public_key(),
            BasicFourItems(f"試験 太郎{i}", "1", date(1980, 1, 1 + i % 28), "東京都千代田区1-1"),
            subject_ref=f"person:{i}",
            issued_by=org,
            authentication=False,
        )
        assert pair.signing is not None
        signers.append(
            {
                "key": key.private_bytes(
                    Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
                ).decode(),
                "cert": pair.signing.pk,
            }
        )
    Path(args.var, "signers.json").write_text(json.dumps(signers))
    return {"signers": len(signers)}


def child_jws(args: argparse.Namespace) -> dict[str, Any]:
    _setup(args)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from kasumi.trust import jws, pki
    from kasumi.trust.models import Certificate

    signers = json.loads(Path(args.var, "signers.json").read_text())
    ca = pki.active_ca("citizen_sign").certificate
    tokens = []
    for i, s in enumerate(signers):
        key = load_pem_private_key(s["key"].encode(), None)
        cert = Certificate.objects.get(pk=s["cert"]).certificate
        payload = json.dumps({"application": i, "procedure": "児童手当", "amount": 15000}).encode()
        tokens.append(jws.sign(payload, key, [cert, ca], alg="PS256"))  # type: ignore[arg-type]
    n = args.jws
    for t in tokens:  # warm the chain cache and the revocation snapshot
        assert jws.verify(t).valid
    raw_inputs = []
    for t in tokens:
        header, payload, sig = t.split(".")
        info = jws._header(header).public_key
        raw_inputs.append((info, f"{header}.{payload}".encode(), jws._b64url_decode(sig)))
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    sha = hashes.SHA256()
    # Interleave rounds of ours and raw so that other load on the machine
    # falls on both alike.
    ours = raw = 0.0
    rounds = 20
    per_round = max(1, n // rounds)
    for _ in range(rounds):
        started = time.perf_counter()
        for i in range(per_round):
            result = jws.verify(tokens[i % len(tokens)])
        ours += time.perf_counter() - started
        assert result.valid
        started = time.perf_counter()
        for i in range(per_round):
            key, data, sig = raw_inputs[i % len(raw_inputs)]
            key.verify(sig, data, pss, sha)
        raw += time.perf_counter() - started
    n = per_round * rounds
    return {"ours_per_s": n / ours, "raw_per_s": n / raw}


def child_tsa(args: argparse.Namespace) -> dict[str, Any]:
    _setup(args)
    import hashlib

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from kasumi.trust import tsa

    n = args.tokens
    digests = [hashlib.sha256(f"{os.getpid()}-{i}".encode()).digest() for i in range(n)]
    tsa.issue_token(hashlib.sha256(b"warm-up").digest())
    started = time.perf_counter()
    for d in digests:
        tsa.issue_token(d)
    ours = time.perf_counter() - started
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    started = time.perf_counter()
    for d in digests:
        key.sign(d, padding.PKCS1v15(), hashes.SHA256())
    raw = time.perf_counter() - started
    return {"ours_s": ours, "raw_s": raw, "n": n, "started": started}


def child_seal(args: argparse.Namespace) -> dict[str, Any]:
    _setup(args)
    from kasumi.core.models import Organisation
    from kasumi.trust import sealing

    org = Organisation.objects.get(code="131016")
    n = args.pdfs

    def context(i: int) -> dict[str, Any]:
        return {
            "organisation": org,
            "title": "児童手当認定通知書",
            "document_number": f"千代田子第{i:06d}号",
            "recipient_name": "試験 花子",
            "recipient_address": "東京都千代田区霞が関一丁目1番1号",
            "procedure_name": "児童手当 認定請求",
            "application_number": f"131016-2026-{i:06d}",
            "application_date": "2026-11-01",
            "outcome": "認定",
            "items": [("支給額", "月額 15,000円"), ("支給開始月", "2026年12月")],
        }

    sealing.seal_document("trust/documents/decision.html", context(0), org)  # warm caches
    sealing.render_pdf("trust/documents/decision.html", context(0))
    started = time.perf_counter()
    for i in range(n):
        sealing.render_pdf("trust/documents/decision.html", context(i))
    render = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(n):
        sealing.seal_document("trust/documents/decision.html", context(i), org)
    sealed = time.perf_counter() - started
    return {"render_s": render, "sealed_s": sealed, "n": n}


def parallel(
    mode: str, args: argparse.Namespace, workers: int, **extra: Any
) -> list[dict[str, Any]]:
    """Run ``workers`` children at once (one per core) and collect their results."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = [
            pool.submit(run_child, SCRIPT, mode, db_url=args.db_url, var=args.var, **extra)
            for _ in range(workers)
        ]
        return [f.result() for f in futures]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg", default=PG_DEFAULT)
    parser.add_argument("--jws", type=int, default=20_000)
    parser.add_argument("--tokens", type=int, default=3_000)
    parser.add_argument("--pdfs", type=int, default=60)
    parser.add_argument("--child")
    parser.add_argument("--db-url")
    parser.add_argument("--var")
    args = parser.parse_args()
    if args.child:
        result = globals()[f"child_{args.child}"](args)
        print(json.dumps(result))
        return

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="kasumi-bench-trust-") as tmp:
        pg_name = f"kasumi_bench_trust_{os.getpid()}"
        if args.db == "postgres":
            pg_admin(args.pg, f"CREATE DATABASE {pg_name}")
            db_url = f"{args.pg}/{pg_name}"
        else:
            db_url = f"sqlite:///{tmp}/bench.sqlite3"
        common = {"db_url": db_url, "var": tmp}
        try:
            os.environ["KASUMI_PKI_PASSPHRASE"] = "benchmark-passphrase-not-secret"
            print(f"trust benchmark on {args.db}, {cores} cores; set-up…", flush=True)
            run_child(SCRIPT, "prepare", **common)
            args.db_url, args.var = db_url, tmp

            r = run_child(SCRIPT, "jws", jws=args.jws, **common)
            ratio = r["ours_per_s"] / r["raw_per_s"]
            print(
                f"JWS verify (full chain + revocation), 1 core: {r['ours_per_s']:8.0f}/s   "
                f"raw RSA-2048 PSS verify: {r['raw_per_s']:8.0f}/s   ratio {ratio:.0%} (target ≥ 60%)"
            )

            one = run_child(SCRIPT, "tsa", tokens=args.tokens, **common)
            print(
                f"time-stamp tokens, 1 process: {one['n'] / one['ours_s']:8.0f}/s   "
                f"raw RSA-2048 sign: {one['n'] / one['raw_s']:8.0f}/s"
            )
            many = parallel("tsa", args, cores, tokens=args.tokens)
            wall = max(m["ours_s"] for m in many)
            total = sum(m["n"] for m in many)
            raw_total = sum(m["n"] / m["raw_s"] for m in many)
            print(
                f"time-stamp tokens, {cores} processes: {total / wall:8.0f}/s   "
                f"raw RSA-2048 sign ({cores} processes): {raw_total:8.0f}/s   (target ≥ 500/s)"
            )

            seals = parallel("seal", args, cores, pdfs=args.pdfs)
            sealed = sum(s["n"] for s in seals) / max(s["sealed_s"] for s in seals)
            rendered = sum(s["n"] for s in seals) / max(s["render_s"] for s in seals)
            print(
                f"sealed PDFs (render + PAdES B-LTA), {cores} processes: {sealed:6.1f}/s   "
                f"WeasyPrint render only: {rendered:6.1f}/s   (target ≥ 20/s on 2 cores)"
            )
        finally:
            if args.db == "postgres":
                pg_admin(args.pg, f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "benchmarks"))
    main()
