"""Who is calling: the identity the gateway authenticates and every service checks again.

It travels as nameko context data under the key `actor`, as a JSON string (AMQP headers carry
strings safely; nested tables do not survive every client).
"""

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Self

from services.kit.pure import regions
from services.kit.pure.errors import Forbidden, InvalidInput, Unauthenticated

ROLES = ("admin", "regulator", "inspector", "enterprise", "agency", "auditor")
# Roles that may change records; auditors and agencies read (agencies gain writes per assignment).
WRITERS = ("admin", "regulator", "inspector")
# Roles that only ever read: every command refuses them, whatever else it would allow.
READ_ONLY = ("auditor",)
CONTEXT_KEY = "actor"


@dataclass(frozen=True)
class Actor:
    user_id: str
    role: str
    region_scope: str
    uscc: str | None = None

    def to_context(self) -> dict[str, str]:
        return {CONTEXT_KEY: json.dumps(asdict(self), separators=(",", ":"))}

    @classmethod
    def from_context(cls, data: Mapping[str, Any] | None) -> Self:
        raw = (data or {}).get(CONTEXT_KEY)
        if not raw:
            raise Unauthenticated("no caller identity was sent with the request")
        try:
            fields = json.loads(raw)
            actor = cls(**fields)
        except (TypeError, ValueError):
            raise Unauthenticated("the caller identity is malformed") from None
        if actor.role not in ROLES:
            raise Unauthenticated(f"unknown role {actor.role!r}")
        if not (
            isinstance(actor.user_id, str)
            and isinstance(actor.region_scope, str)
            and regions.CODE.match(actor.region_scope)
        ):
            raise Unauthenticated("the caller identity is malformed")
        if (actor.role == "enterprise") != isinstance(actor.uscc, str):
            raise Unauthenticated("only an enterprise user, and always one, names a USCC")
        return actor

    @property
    def scope_prefix(self) -> str:
        return regions.scope_prefix(self.region_scope)

    def sees_region(self, region_code: object) -> bool:
        return regions.within(self.region_scope, region_code)

    def sees_enterprise(self, uscc: str, region_code: object) -> bool:
        if self.role == "enterprise":
            return uscc == self.uscc
        return self.sees_region(region_code)

    def narrow(self, region: str | None = None) -> str:
        """The code prefix a query may cover: the requested region within the caller's scope.

        A region beside the caller's jurisdiction is refused; one above it is narrowed to it.
        """
        own = self.scope_prefix
        if not region:
            return own
        wanted = regions.query_prefix(region)
        if wanted.startswith(own):
            return wanted
        if own.startswith(wanted):
            return own
        raise Forbidden(
            f"region {region} is outside your jurisdiction",
            {"region": ["outside your jurisdiction"]},
        )

    def indicator_scope(self, region: str) -> str:
        """The code prefix an indicator reading may cover: indicators are for the bureaus (and
        auditors), within their jurisdiction."""
        if self.role in ("enterprise", "agency"):
            raise Forbidden("indicators are for the bureaus")
        return self.narrow(region)

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"the role {self.role!r} may not do this")

    def require_can_write(self) -> None:
        if self.role in READ_ONLY:
            raise Forbidden(f"the role {self.role!r} only reads; it may not change records")

    def require_writer(self, region_code: str) -> None:
        self.require_role(*WRITERS)
        if not self.sees_region(region_code):
            raise Forbidden(
                f"region {region_code} is outside your jurisdiction",
                {"region_code": ["outside your jurisdiction"]},
            )

    def require_enterprise_writer(
        self, enterprise: Mapping[str, Any], roles: tuple[str, ...], what: str
    ) -> None:
        """Writes about an enterprise's records (`what`): its own users, or one of `roles` whose
        jurisdiction it is in. Anyone else is refused by name."""
        self.require_can_write()
        if self.role == "enterprise":
            if enterprise["uscc"] != self.uscc:
                raise Forbidden(f"an enterprise user manages only its own {what}")
            return
        self.require_role(*roles)
        if not self.sees_region(enterprise["region_code"]):
            raise Forbidden(
                f"enterprise {enterprise['uscc']} is outside your jurisdiction",
                {"uscc": ["outside your jurisdiction"]},
            )

    def require_region_writer(self, region_code: str) -> None:
        """May place a record in this region: a current division code within the jurisdiction."""
        if not regions.is_current(region_code):
            raise InvalidInput(
                f"{region_code} is not a current administrative division code",
                {"region_code": ["unknown or withdrawn division code"]},
            )
        self.require_writer(region_code)


SYSTEM = Actor(user_id="system", role="admin", region_scope=regions.NATIONWIDE)
