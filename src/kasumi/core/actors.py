"""Who is calling: a staff account or another system's API key, in one organisation."""

from __future__ import annotations

from dataclasses import dataclass

from kasumi.core.models import ApiKey, Organisation, User


@dataclass(frozen=True)
class Actor:
    """The caller of a service, reduced to what authorisation needs."""

    organisation: Organisation | None
    roles: frozenset[str]
    user: User | None = None
    api_key: ApiKey | None = None
    platform_operator: bool = False

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(
            organisation=user.organisation,
            roles=user.role_set(),
            user=user,
            platform_operator=user.is_platform_operator,
        )

    @classmethod
    def for_api_key(cls, key: ApiKey) -> Actor:
        return cls(organisation=key.organisation, roles=frozenset({key.role}), api_key=key)

    def has_any_role(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles & roles)

    @property
    def label(self) -> str:
        """For audit logs: an account or key name, never a citizen's data."""
        if self.user is not None:
            return f"user:{self.user.username}"
        if self.api_key is not None:
            return f"apikey:{self.api_key.lookup}"
        return "anonymous"
