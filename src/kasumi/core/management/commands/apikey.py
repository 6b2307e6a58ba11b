"""``kasumi apikey issue|list|revoke``: keys for organisations' own systems."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kasumi.core.models import ApiKey, Organisation
from kasumi.core.roles import Role


class Command(BaseCommand):
    help = "Issue, list or revoke API keys. The secret is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        issue = actions.add_parser("issue", help="Issue a key for an organisation.")
        issue.add_argument("--org", required=True, help="Organisation code (e.g. 131016).")
        issue.add_argument("--role", required=True, choices=Role.values)
        issue.add_argument("--name", required=True, help="What system uses the key.")
        listing = actions.add_parser("list", help="List keys (never their secrets).")
        listing.add_argument("--org", help="Only this organisation's keys.")
        revoke = actions.add_parser("revoke", help="Revoke a key by its lookup id.")
        revoke.add_argument("lookup")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "issue":
            org = Organisation.objects.filter(code=options["org"]).first()
            if org is None:
                raise CommandError(f"no organisation with code {options['org']}")
            key, token = ApiKey.issue(org, options["name"], options["role"])
            self.stdout.write(f"{token}\n")
            self.stderr.write(f"issued key {key.lookup} for {org}; store it now, it is not kept\n")
        elif action == "list":
            keys = ApiKey.objects.select_related("organisation").order_by("created_at")
            if options["org"]:
                keys = keys.filter(organisation__code=options["org"])
            for key in keys:
                state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                self.stdout.write(
                    f"{key.lookup}\t{key.organisation.code}\t{key.role}\t{key.name}\t{state}\n"
                )
        elif action == "revoke":
            updated = ApiKey.objects.filter(
                lookup=options["lookup"], revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
            if not updated:
                raise CommandError(f"no active key {options['lookup']}")
            self.stdout.write(f"revoked {options['lookup']}\n")
