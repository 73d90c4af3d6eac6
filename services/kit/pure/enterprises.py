"""What a service's commands ask of the enterprise they are about, in its copy of the registry."""

from services.kit.pure.commands import Document
from services.kit.pure.errors import InvalidInput


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
