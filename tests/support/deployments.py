"""A second deployment's gateway beside the session's platform: a county that runs only some of
the services, to see what its users see of the others."""

import dataclasses
from contextlib import contextmanager

from tools.isolated import Components, free_port

# A county that runs no credit service (and no risk monitoring).
COUNTY_SERVICES = ("registry", "inspection", "training", "permits")


@contextmanager
def county_gateway(settings, folder, services=COUNTY_SERVICES):
    """The gateway of county 620722 running only `services`, on the session's broker: the
    services it leaves out run there for the session's platform, and must still not be asked."""
    county = dataclasses.replace(
        settings,
        level="county",
        region="620722",
        services=",".join(services),
        gateway_port=free_port(),
        data_dir=str(folder),
    )
    gateway = Components(county)
    gateway.start("gateway")
    try:
        gateway.wait_ready()
        yield gateway
    finally:
        gateway.stop_all()
