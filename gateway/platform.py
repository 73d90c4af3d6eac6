"""What the gateway talks to: services over RPC, its own user database. One per app."""

import functools

from flask import current_app, g

from gateway.auth import VerifiedTokens
from gateway.rpc import RpcPool
from services.kit.evidence import EvidenceStore
from services.kit.pure.clock import Clock
from services.kit.rules import load_rules


class Platform:
    def __init__(self, settings, mongo_client, users):
        self.settings = settings
        self.mongo = mongo_client
        self.users = users
        self.tokens = VerifiedTokens(settings)
        self.rpc = RpcPool(settings)
        self.evidence = EvidenceStore(settings, Clock())
        # The gateway's own rules (targets, printed documents' wording), read once: a wrong file
        # stops it at start-up, as it stops a service.
        self.rules = load_rules("gateway", settings.rules_dir, package="gateway")

    def call(self, service, method, *args, actor=None, **kwargs):
        """Call `service.method` as the current caller (or `actor`)."""
        return self.rpc.call(_context(actor or g.actor), service, method, *args, **kwargs)


@functools.lru_cache(maxsize=4096)
def _context(actor):
    """The caller as context data: an actor is immutable, so its JSON is made once."""
    return actor.to_context()


def platform():
    return current_app.extensions["anjian"]
