"""What the gateway talks to: services over RPC, the object store. One per app."""

import functools
import threading

from flask import current_app, g, has_request_context, request

from gateway.auth import AccountStates, VerifiedTokens, registry_state
from gateway.rpc import RpcPool
from services.kit import correlation
from services.kit.evidence import EvidenceStore
from services.kit.pure.clock import Clock
from services.kit.pure.errors import NotDeployed
from services.kit.rules import load_rules
from services.kit.runtime import CLIENT_ADDRESS


class Platform:
    def __init__(self, settings, mongo_client):
        self.settings = settings
        # Which services this deployment runs: the others are not asked, not even once.
        self.deployment = settings.deployment()
        self.mongo = mongo_client
        self.tokens = VerifiedTokens(settings)
        self.accounts = AccountStates(settings, registry_state(self))
        self.rpc = RpcPool(settings)
        self.evidence = EvidenceStore(settings, Clock())
        self.upload_slots = threading.BoundedSemaphore(settings.gateway_upload_slots)
        # The gateway's own rules (targets, printed documents' wording), read once: a wrong file
        # stops it at start-up, as it stops a service.
        self.rules = load_rules("gateway", settings.rules_dir, package="gateway")

    def call(self, service, method, *args, actor=None, **kwargs):
        """Call `service.method` as the current caller (or `actor`), from the request's client
        address when there is a request. A service this deployment does not run is NotDeployed
        at once, without a message to the broker."""
        if not self.deployment.runs(service):
            raise NotDeployed(f"the {service} service is not deployed here")
        context = _context(actor or g.actor)
        if has_request_context():
            context = {**context, CLIENT_ADDRESS: request.remote_addr}
        correlation_id = correlation.current()
        if correlation_id:
            context = {**context, correlation.CORRELATION_ID: correlation_id}
        return self.rpc.call(context, service, method, *args, **kwargs)


@functools.lru_cache(maxsize=4096)
def _context(actor):
    """The caller as context data: an actor is immutable, so its JSON is made once."""
    return actor.to_context()


def platform():
    return current_app.extensions["anjian"]
