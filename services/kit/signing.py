"""Secrets a service signs with, from the settings: a service that needs one refuses to start
without it rather than sign with something guessable."""

from nameko.extensions import DependencyProvider

from services.kit.config import Settings

# A secret shorter than this is refused: it could be guessed.
MIN_SECRET_CHARACTERS = 32


class MissingSecret(RuntimeError):
    """The service signs with a setting that is missing or too short."""


def signing_key(secret, setting):
    if len(secret or "") < MIN_SECRET_CHARACTERS:
        raise MissingSecret(
            f"set ANJIAN_{setting.upper()} to a secret of at least {MIN_SECRET_CHARACTERS} "
            f"characters: this service signs with it"
        )
    return secret.encode()


class SigningKey(DependencyProvider):
    """Injects the key of the setting `setting` as bytes; the service does not start without it."""

    def __init__(self, setting):
        self.setting = setting

    def setup(self):
        settings = Settings.from_nameko(self.container.config)
        self.key = signing_key(getattr(settings, self.setting), self.setting)

    def get_dependency(self, worker_ctx):
        return self.key
