"""Deployments side by side on the shared infrastructure, each with its own virtual host,
databases, bucket and gateway, linked by RabbitMQ's federation plugin as an operator links them
(tests/integration/platform/test_federation.py, test_downward.py)."""

import secrets
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

import requests

from services.kit import federation
from tests.support.api import PASSWORD, signing_in
from tests.support.platform import databases, platform_settings
from tests.support.waiting import wait_until
from tools.cli import add_account
from tools.isolated import Components, VirtualHost

SERVICES = ("registry", "inspection")
COUNTY, CITY = "620722", "620700"


class Deployment:
    def __init__(self, infrastructure, folder, level, region):
        self.vhost = VirtualHost(
            infrastructure["amqp_uri"], infrastructure["management_url"], f"anjian-{level}"
        )
        self.vhost.create()
        self.settings = platform_settings(
            infrastructure,
            self.vhost.amqp_uri,
            folder,
            level=level,
            region=region,
            services=",".join(SERVICES),
            broker_management_url=infrastructure["management_url"],
        )
        self.broker = federation.Broker(self.vhost.amqp_uri, infrastructure["management_url"])
        self.components = Components(self.settings)
        self.sign_in = signing_in(self.components.url)

    def start(self):
        for component in (*SERVICES, "gateway"):
            self.components.start(component)
        self.components.wait_ready()
        federation.open_upward(self.broker, SERVICES, ["cn.anjian.#"])
        federation.take_from_children(self.broker, SERVICES)
        federation.open_downward(self.broker, SERVICES)
        federation.take_from_parent(self.broker, SERVICES)

    def user(self, username, role, region=None, uscc=None, password=PASSWORD):
        add_account(self.settings, username, password, role, region, uscc)
        return self.sign_in(username, password)

    def stop(self):
        self.components.stop_all()
        self.vhost.delete()


class LinkUser:
    """The broker user a link signs in to the other deployment's broker with (the city's link to
    the county, the county's to the city), as an operator makes it: a partition takes its access
    away and closes its connection; the link keeps trying."""

    def __init__(self, deployment, infrastructure):
        self.api = infrastructure["management_url"].rstrip("/") + "/api"
        self.auth = deployment.vhost.auth
        self.vhost = deployment.vhost.vhost
        self.name = f"link-{deployment.vhost.vhost}"
        self.password = secrets.token_hex(8)
        parts = urlsplit(deployment.vhost.amqp_uri)
        self.uri = parts._replace(
            netloc=f"{self.name}:{self.password}@{parts.hostname}:{parts.port or 5672}"
        ).geturl()

    def _call(self, method, path, **body):
        reply = requests.request(
            method, f"{self.api}/{path}", auth=self.auth, timeout=10, json=body or None
        )
        reply.raise_for_status()
        return reply

    def create(self):
        self._call("PUT", f"users/{self.name}", password=self.password, tags="")
        self.allow()

    def allow(self):
        vhost = quote(self.vhost, safe="")
        self._call("PUT", f"permissions/{vhost}/{self.name}", configure=".*", write=".*", read=".*")

    def cut(self):
        """Refuse the link's sign-in, and close its connection (the broker lists a connection a
        few seconds late): True once no connection of the link's is left."""
        requests.delete(
            f"{self.api}/permissions/{quote(self.vhost, safe='')}/{self.name}",
            auth=self.auth,
            timeout=10,
        )
        open_now = [
            connection["name"]
            for connection in self._call("GET", "connections").json()
            if connection.get("user") == self.name
        ]
        for name in open_now:
            requests.delete(
                f"{self.api}/connections/{quote(name, safe='')}", auth=self.auth, timeout=10
            )
        return not open_now

    def delete(self):
        requests.delete(f"{self.api}/users/{self.name}", auth=self.auth, timeout=10)


def running(broker, exchange):
    """Whether the broker's federation link into `exchange` runs."""
    return [link["status"] for link in broker.links() if link["exchange"] == exchange] == [
        "running"
    ]


@contextmanager
def county_and_city(infrastructure, tmp_path_factory, downward=False):
    """County 620722 and its city 620700, the city taking the county's facts; with `downward`
    the county takes what the city publishes downward too. Yields (county, city, the city's link
    user on the county's broker)."""
    county = Deployment(infrastructure, tmp_path_factory.mktemp("county"), "county", COUNTY)
    city = Deployment(infrastructure, tmp_path_factory.mktemp("city"), "city", CITY)
    link_users = [LinkUser(county, infrastructure)]
    if downward:
        link_users.append(LinkUser(city, infrastructure))
    with databases(county.settings), databases(city.settings):
        try:
            county.start()
            city.start()
            for user in link_users:
                user.create()
            federation.link(city.broker, "county-620722", link_users[0].uri)
            wait_until(
                lambda: running(city.broker, federation.UPWARD),
                timeout=30,
                message="the upward federation link to run",
            )
            if downward:
                federation.link_parent(county.broker, "city-620700", link_users[1].uri)
                wait_until(
                    lambda: running(county.broker, federation.DOWNWARD),
                    timeout=30,
                    message="the downward federation link to run",
                )
            yield county, city, link_users[0]
        finally:
            county.stop()
            city.stop()
            for user in link_users:
                user.delete()
