"""What the gateway talks to: services over RPC, its own user database. One per app."""
from flask import current_app, g

from gateway.rpc import RpcPool


class Platform:
    def __init__(self, settings, mongo_client, users):
        self.settings = settings
        self.mongo = mongo_client
        self.users = users
        self.rpc = RpcPool(settings)

    def call(self, service, method, *args, actor=None, **kwargs):
        """Call `service.method` as the current caller (or `actor`)."""
        caller = actor or g.actor
        with self.rpc.cluster(caller.to_context()) as proxy:
            return getattr(proxy[service], method)(*args, **kwargs)


def platform():
    return current_app.extensions["anjian"]
