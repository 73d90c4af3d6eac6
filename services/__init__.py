"""The one list of services. The CLI, the gateway (readiness, admin routes, blueprints), the
container deployment and the tests all read it: adding a service is one entry here.

This module imports nothing heavy: the CLI reads it before eventlet patches the process.
"""

import importlib
from dataclasses import dataclass

from services.kit.pure.deployment import LEVELS


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    # The gateway module whose `blp` carries the service's HTTP routes, or several such modules.
    gateway_routes: str | tuple[str, ...]
    # The levels (county, city, province) whose deployments run it unless told otherwise.
    levels: tuple[str, ...] = LEVELS
    # Every deployment must run it: a profile without it is refused.
    required: bool = False

    @property
    def route_modules(self):
        if isinstance(self.gateway_routes, str):
            return (self.gateway_routes,)
        return self.gateway_routes

    @property
    def rpc_module(self):
        return f"services.{self.name}.service"

    def service_class(self):
        """The nameko service class: the class in `rpc_module` whose `name` is this entry's."""
        module = importlib.import_module(self.rpc_module)
        return next(
            value
            for value in vars(module).values()
            if isinstance(value, type) and getattr(value, "name", None) == self.name
        )


SERVICES = (
    ServiceEntry(
        "registry",
        gateway_routes=(
            "gateway.api.enterprises",
            "gateway.api.projects",
            "gateway.api.standardization",
        ),
        # It keeps the accounts everyone signs in with.
        required=True,
    ),
    ServiceEntry("inspection", gateway_routes="gateway.api.inspection", levels=("county", "city")),
    ServiceEntry("training", gateway_routes="gateway.api.training", levels=("county", "city")),
    ServiceEntry("permits", gateway_routes="gateway.api.permits", levels=("county", "city")),
    ServiceEntry("credit", gateway_routes="gateway.api.credit"),
    ServiceEntry("monitoring", gateway_routes="gateway.api.monitoring", levels=("county", "city")),
)
SERVICE_NAMES = tuple(entry.name for entry in SERVICES)
# Every process `anjian up` supervises: the services, then the gateway in front of them.
COMPONENTS = (*SERVICE_NAMES, "gateway")
