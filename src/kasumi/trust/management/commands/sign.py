"""``kasumi sign --card FILE --pin PIN PAYLOAD``: a JWS over a file's exact bytes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kasumi.trust import jws
from kasumi.trust.cards import CardError, issuer_chain, read_card


class Command(BaseCommand):
    help = "Sign a payload with a citizen card file; prints a compact JWS (RFC 7515)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("payload", help="File to sign, or - for standard input.")
        parser.add_argument("--card", required=True, type=Path, help="PKCS#12 card file.")
        parser.add_argument("--pin", required=True, help="The card's PIN.")
        parser.add_argument("--alg", choices=sorted(jws.ALGORITHMS), default="PS256")
        parser.add_argument(
            "--certificate",
            choices=["signing", "authentication"],
            default="signing",
            help="Which of the card's certificates goes in x5c (default: signing).",
        )
        parser.add_argument(
            "--detached", action="store_true", help="Leave the payload out (header..signature)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            card = read_card(options["card"].read_bytes(), options["pin"])
        except (OSError, CardError) as exc:
            raise CommandError(str(exc)) from exc
        leaf = card.signing if options["certificate"] == "signing" else card.authentication
        if leaf is None:
            raise CommandError(f"the card holds no {options['certificate']} certificate")
        if options["payload"] == "-":
            payload = sys.stdin.buffer.read()
        else:
            try:
                payload = Path(options["payload"]).read_bytes()
            except OSError as exc:
                raise CommandError(str(exc)) from exc
        token = jws.sign(
            payload,
            card.key,
            [leaf, *issuer_chain(leaf, card.chain)],
            alg=options["alg"],
            detached=options["detached"],
        )
        self.stdout.write(token + "\n")
