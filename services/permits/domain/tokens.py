"""The signed token a space's QR code carries: the space id and an HMAC of it under a key from
the settings. A guessed token, or a copied one with any character changed, is refused; a new key
makes every label anew (and the old ones stop working)."""

import hashlib
import hmac
import re

from services.kit.pure.errors import InvalidInput

TOKEN = re.compile(r"^(?P<space>[0-9a-f]{32})\.(?P<signature>[0-9a-f]{32})$")
PURPOSE = b"anjian-permits-space:"


def _signature(key: bytes, space_id: str) -> str:
    return hmac.new(key, PURPOSE + space_id.encode(), hashlib.sha256).hexdigest()[:32]


def sign(key: bytes, space_id: str) -> str:
    return f"{space_id}.{_signature(key, space_id)}"


def space_of(key: bytes, token: str) -> str:
    """The space a token names, if its signature holds."""
    match = TOKEN.match(token)
    if match is None or not hmac.compare_digest(
        match["signature"], _signature(key, match["space"])
    ):
        raise InvalidInput(
            "this code was not issued by the platform, or it was altered",
            {"token": ["forged or altered"]},
        )
    return match["space"]
