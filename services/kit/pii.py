"""Personal ID numbers at rest: encrypted, looked up by a keyed hash, shown masked.

One secret (the `pii_key` setting, ANJIAN_PII_KEY) yields two keys through HKDF: a Fernet key
that encrypts the number (AES-128-CBC with an HMAC, from the `cryptography` package) and an
HMAC-SHA256 key for the look-up hash. The hash finds a person by number without decrypting
anything and is the person key other services receive; without the secret neither can be
reversed or recomputed from a guessed number.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nameko.extensions import DependencyProvider

from services.kit.config import Settings

# A secret shorter than this is refused: it could be guessed.
MIN_SECRET_CHARACTERS = 32
SHOWN_FIRST, SHOWN_LAST = 6, 4


class MissingKey(RuntimeError):
    """The service holds personal data and was started without a usable ANJIAN_PII_KEY."""


def masked(number: str) -> str:
    """The first 6 (the region of issue) and last 4 characters, the rest hidden."""
    hidden = len(number) - SHOWN_FIRST - SHOWN_LAST
    return number[:SHOWN_FIRST] + "*" * max(hidden, 0) + number[-SHOWN_LAST:]


def _derived(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"anjian-pii-" + purpose
    ).derive(secret)


class IdProtector:
    def __init__(self, secret: str):
        if len(secret or "") < MIN_SECRET_CHARACTERS:
            raise MissingKey(
                f"set ANJIAN_PII_KEY to a secret of at least "
                f"{MIN_SECRET_CHARACTERS} characters: this service stores personal "
                f"ID numbers and will not keep them unencrypted"
            )
        raw = secret.encode()
        self._fernet = Fernet(base64.urlsafe_b64encode(_derived(raw, b"encryption")))
        self._lookup = _derived(raw, b"lookup")

    def lookup_key(self, number: str) -> str:
        return hmac.new(self._lookup, number.encode(), hashlib.sha256).hexdigest()

    def protect(self, number: str) -> dict:
        """What is stored of a number: its look-up key, its ciphertext and its masked form."""
        return {
            "id_key": self.lookup_key(number),
            "id_encrypted": self._fernet.encrypt(number.encode()).decode(),
            "id_masked": masked(number),
        }

    def reveal(self, encrypted: str) -> str:
        try:
            return self._fernet.decrypt(encrypted.encode()).decode()
        except InvalidToken:
            raise MissingKey(
                "an ID number cannot be decrypted with this ANJIAN_PII_KEY: the "
                "key differs from the one it was stored with"
            ) from None


class PiiProtection(DependencyProvider):
    """Injects the IdProtector; the service does not start without a key."""

    def setup(self):
        self.protector = IdProtector(Settings.from_nameko(self.container.config).pii_key)

    def get_dependency(self, worker_ctx):
        return self.protector
