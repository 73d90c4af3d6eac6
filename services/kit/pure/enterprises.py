"""What a service's commands ask of the enterprise they are about, in its copy of the registry."""

from services.kit.pure.actor import Actor
from services.kit.pure.commands import Document
from services.kit.pure.errors import Forbidden, InvalidInput


def known_enterprise(enterprise: Document | None, uscc: str, service: str) -> Document:
    """The enterprise a command names, which `service`'s copy of the registry must hold, open."""
    if enterprise is None:
        raise InvalidInput(
            f"enterprise {uscc} is not known to the {service} service",
            {"uscc": ["unknown enterprise"]},
        )
    if enterprise.get("status") == "closed":
        raise InvalidInput(f"enterprise {uscc} is closed", {"uscc": ["closed enterprise"]})
    return enterprise


def uscc_named(fields: Document, actor: Actor) -> str:
    """The enterprise a command is about: an enterprise user's own (naming another is refused),
    or the one the fields name."""
    if actor.role == "enterprise":
        if fields.get("uscc") not in (None, actor.uscc):
            raise Forbidden("an enterprise user manages only its own records")
        return str(actor.uscc)
    if not fields.get("uscc"):
        raise InvalidInput("name the enterprise", {"uscc": ["required"]})
    return str(fields["uscc"])
