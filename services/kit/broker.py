"""The broker's management API, and the broker users of devices made through it.

A device (a sensor gateway on an enterprise's site) signs in to the broker's MQTT listener as a
user of its own, which may only publish to its own topic: MQTT topic `<root>/<device id>` is the
routing key `<root as dots>.<device id>` on `amq.topic`, and the user's topic permission allows
writing that one key and reading none. Its vhost permission lets it write `amq.topic` only.
The password is handed to the device once and never stored by the platform.
"""

import re
import secrets
from urllib.parse import quote, unquote, urlsplit

import requests
from nameko.extensions import DependencyProvider

from services.kit.config import Settings
from services.kit.pure.errors import Unavailable

MQTT_EXCHANGE = "amq.topic"
USER_PREFIX = "device-"
TIMEOUT_SECONDS = 5


class ManagementApi:
    """One virtual host of a RabbitMQ broker through its management HTTP API, as the user and
    virtual host of the AMQP URI the services connect with. Every failure raises `error`."""

    def __init__(self, amqp_uri, management_url, timeout=TIMEOUT_SECONDS, error=Unavailable):
        parts = urlsplit(amqp_uri)
        self.amqp_uri = amqp_uri
        self.vhost = unquote(parts.path[1:]) or "/"
        self.auth = (unquote(parts.username or "guest"), unquote(parts.password or "guest"))
        self.base_url = management_url.rstrip("/") + "/api"
        self.timeout = timeout
        self.error = error

    def call(self, method, *path, accept=(), **kwargs):
        """`method` on the API path made of `path` (each part quoted); a status in `accept`
        answers as well as a success does."""
        url = "/".join([self.base_url, *(quote(part, safe="") for part in path)])
        try:
            reply = requests.request(method, url, auth=self.auth, timeout=self.timeout, **kwargs)
        except requests.RequestException as failure:
            raise self.error(f"the broker's management API does not answer: {failure}") from None
        if reply.status_code >= 400 and reply.status_code not in accept:
            raise self.error(f"{method} {url}: {reply.status_code} {reply.text[:500]}")
        return reply

    def queues(self):
        """[(queue, ready, unacknowledged, consumers)] of this virtual host's queues."""
        reply = self.call(
            "GET",
            "queues",
            self.vhost,
            params={"columns": "name,messages_ready,messages_unacknowledged,consumers"},
        )
        return [
            (
                queue["name"],
                queue.get("messages_ready", 0),
                queue.get("messages_unacknowledged", 0),
                queue.get("consumers", 0),
            )
            for queue in reply.json()
        ]


class DeviceAccounts:
    def __init__(self, amqp_uri, management_url, mqtt_host, mqtt_port):
        self.api = ManagementApi(amqp_uri, management_url)
        self.vhost = self.api.vhost
        self.mqtt_host, self.mqtt_port = mqtt_host, mqtt_port

    def _disconnect(self, user):
        """Close the user's open connections: a new password must shut the old one out now, not
        at the device's next reconnection."""
        self.api.call("DELETE", "connections", "username", user)

    def user(self, device_id):
        return USER_PREFIX + device_id

    def login(self, device_id):
        """The MQTT user name: the broker user, behind its virtual host unless that is `/`."""
        user = self.user(device_id)
        return user if self.vhost == "/" else f"{self.vhost}:{user}"

    def grant(self, device_id, topic):
        """Create (or re-key) the device's broker user, closing any connection it holds; the
        answer carries the new password."""
        password = secrets.token_urlsafe(24)
        user = self.user(device_id)
        routing_key = re.escape(topic.replace("/", "."))
        self.api.call("PUT", "users", user, json={"password": password, "tags": ""})
        self.api.call(
            "PUT",
            "permissions",
            self.vhost,
            user,
            json={"configure": "^$", "write": f"^{re.escape(MQTT_EXCHANGE)}$", "read": "^$"},
        )
        self.api.call(
            "PUT",
            "topic-permissions",
            self.vhost,
            user,
            json={"exchange": MQTT_EXCHANGE, "write": f"^{routing_key}$", "read": "^$"},
        )
        self._disconnect(user)
        return {
            "username": self.login(device_id),
            "password": password,
            "topic": topic,
            "host": self.mqtt_host,
            "port": self.mqtt_port,
        }


class DeviceAccountsProvider(DependencyProvider):
    def setup(self):
        settings = Settings.from_nameko(self.container.config)
        self.accounts = DeviceAccounts(
            settings.amqp_uri,
            settings.broker_management_url,
            settings.mqtt_host,
            settings.mqtt_port,
        )

    def get_dependency(self, worker_ctx):
        return self.accounts


def mqtt_queue(name, topic_root):
    """A durable queue of every message published under `topic_root` over MQTT (routing keys
    `<root as dots>.#` on amq.topic): it keeps what devices send while its consumer is down."""
    from kombu import Exchange, Queue

    # Passive: amq.topic is the broker's own; declaring it is refused, finding it is enough.
    exchange = Exchange(MQTT_EXCHANGE, type="topic", durable=True, passive=True)
    return Queue(
        name, exchange=exchange, routing_key=topic_root.replace("/", ".") + ".#", durable=True
    )
