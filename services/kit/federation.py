"""Deployments at several levels linked by RabbitMQ's own federation plugin.

A county's public facts flow to its city, and the city's to its province, through one topic
exchange per deployment, `anjian.upward`:

- every deployment binds its services' event exchanges to its own `anjian.upward`, one binding
  per event type allowed upward (`upward_events`, patterns; default every type). A type whose data
  names a person (PERSONAL_FIELDS) is never bound, whatever the configuration says;
- a parent federates `anjian.upward` from each child (an upstream per child and one policy) and
  binds it to its own services' event exchanges, so its services take the children's events as
  their own: their read models and counters are kept from them, each event applied once by id;
- while a link is down the child's broker keeps what the link has not taken in the link's queue,
  and sends it when the link is back: a partition delays events, it does not lose them.

What a bureau sends to the deployments below it (rule sets, special campaigns: each service's
`DOWNWARD_TYPES`) goes the other way through `anjian.downward`:

- every deployment with a level binds its services' event exchanges to its own `anjian.downward`,
  one binding per downward type, and those types never go upward;
- a child federates `anjian.downward` from its parent (one upstream, named in its own policy) and
  binds it to its own services' event exchanges, so a city passes its province's events on to its
  counties; its services apply them only when their region contains the deployment's
  (services/kit/inbox.py), each once by id.

The parent's upstream is left out of the set the upward policy federates from (`anjian-children`,
every other upstream), so a child never takes its parent's facts as its own.

Everything here is declared through the broker's management API, idempotently.
"""

import importlib
import json

from services.kit.broker import ManagementApi
from services.kit.pure.envelope import Published

UPWARD = "anjian.upward"
POLICY = "anjian-upward"
DOWNWARD = "anjian.downward"
DOWNWARD_POLICY = "anjian-downward"
# The upstreams the upward policy federates from: the children, every upstream but the parent's.
CHILDREN = "anjian-children"
# Data fields that name or reach a person: an event type carrying one stays in its deployment.
PERSONAL_FIELDS = frozenset(
    {"principal", "safety_manager", "parties", "person_name", "id_masked", "phone", "id_number"}
)
# A county's event reaches its province through its city: two links.
MAX_HOPS = 2
TIMEOUT = 10


class FederationError(Exception):
    """The broker refused a declaration, or could not be reached."""


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: `*` one word, `#` zero or more."""

    def match(words, keys):
        if not words:
            return not keys
        if words[0] == "#":
            return any(match(words[1:], keys[i:]) for i in range(len(keys) + 1))
        return bool(keys) and words[0] in ("*", keys[0]) and match(words[1:], keys[1:])

    return match(pattern.split("."), key.split("."))


def _field_names(schema, seen=()):
    for name, field in schema.fields.items():
        yield field.data_key or name
        nested = getattr(field, "schema", None) if hasattr(field, "nested") else None
        inner = getattr(field, "inner", None)
        if nested is None and inner is not None and hasattr(inner, "nested"):
            nested = inner.schema
        if nested is not None and type(nested) not in seen:
            yield from _field_names(nested, (*seen, type(nested)))


def personal(published: Published) -> bool:
    """Whether the event type's data carries a field that names or reaches a person."""
    return any(name in PERSONAL_FIELDS for name in _field_names(published.schema()))


def _events_of(service):
    return importlib.import_module(f"services.{service}.events")


def downward_types(services):
    """{service: [event type]}: the types `services` send to the deployments below."""
    return {
        service: list(getattr(_events_of(service), "DOWNWARD_TYPES", ())) for service in services
    }


def upward_types(services, patterns):
    """{service: [event type]}: the types `services` publish that match `patterns`, carry no
    personal data and are not sent downward."""
    chosen = {}
    for service, downward in downward_types(services).items():
        chosen[service] = [
            row.type
            for row in _events_of(service).PUBLISHED
            if any(topic_matches(pattern, row.type) for pattern in patterns)
            and not personal(row)
            and row.type not in downward
        ]
    return chosen


class Broker(ManagementApi):
    """One virtual host of a broker, as federation declares on it."""

    def __init__(self, amqp_uri, management_url, timeout=TIMEOUT):
        super().__init__(amqp_uri, management_url, timeout, FederationError)

    def declare_exchange(self, name):
        # As nameko declares its event exchanges: a different kind or durability is refused.
        self.call(
            "PUT",
            "exchanges",
            self.vhost,
            name,
            json={"type": "topic", "durable": True, "auto_delete": False},
        )

    def bind(self, source, destination, routing_key):
        self.call(
            "POST",
            "bindings",
            self.vhost,
            "e",
            source,
            "e",
            destination,
            json={"routing_key": routing_key},
        )

    def put_upstream(self, name, uri):
        self.call(
            "PUT",
            "parameters",
            "federation-upstream",
            self.vhost,
            name,
            json={
                "value": {
                    "uri": uri,
                    "max-hops": MAX_HOPS,
                    "ack-mode": "on-confirm",
                    "trust-user-id": False,
                    "reconnect-delay": 2,
                }
            },
        )

    def delete_upstream(self, name):
        self.call("DELETE", "parameters", "federation-upstream", self.vhost, name, accept=(404,))

    def upstreams(self):
        """The names of this virtual host's upstreams."""
        reply = self.call("GET", "parameters", "federation-upstream", self.vhost)
        return sorted(upstream["name"] for upstream in reply.json())

    def put_upstream_set(self, name, upstreams):
        self.call(
            "PUT",
            "parameters",
            "federation-upstream-set",
            self.vhost,
            name,
            json={"value": [{"upstream": upstream} for upstream in upstreams]},
        )

    def delete_upstream_set(self, name):
        self.call(
            "DELETE", "parameters", "federation-upstream-set", self.vhost, name, accept=(404,)
        )

    def put_policy(self, name, exchange, definition):
        """Federate `exchange` as `definition` says (which upstream or set of upstreams)."""
        self.call(
            "PUT",
            "policies",
            self.vhost,
            name,
            json={
                "pattern": f"^{exchange.replace('.', '[.]')}$",
                "definition": definition,
                "apply-to": "exchanges",
                "priority": 1,
            },
        )

    def policy_definition(self, name):
        """The definition of policy `name`, or None when there is none."""
        reply = self.call("GET", "policies", self.vhost, name, accept=(404,))
        return None if reply.status_code == 404 else reply.json()["definition"]

    def delete_policy(self, name):
        self.call("DELETE", "policies", self.vhost, name, accept=(404,))

    def links(self):
        """[{upstream, status}] of the federation links into this virtual host. While a link
        (re)starts the plugin may fail to describe it (500): none is listed then."""
        reply = self.call("GET", "federation-links", self.vhost, accept=(500,))
        if reply.status_code == 500:
            return []
        return [
            {
                "upstream": link.get("upstream"),
                "exchange": link.get("exchange"),
                "status": link.get("status"),
            }
            for link in json.loads(reply.text or "[]")
        ]


def _bind_types(broker, hub, chosen, inward):
    """Bind each of {service: [routing key]} between the service's event exchange and `hub`:
    into the services when `inward`, out of them into `hub` otherwise."""
    broker.declare_exchange(hub)
    for service, keys in chosen.items():
        own = f"{service}.events"
        broker.declare_exchange(own)
        for key in keys:
            broker.bind(*((hub, own) if inward else (own, hub)), key)


def open_upward(broker, services, patterns):
    """This deployment's facts allowed upward, bound into its `anjian.upward`."""
    _bind_types(broker, UPWARD, upward_types(services, patterns), inward=False)


def take_from_children(broker, services):
    """The children's facts, arriving in this deployment's `anjian.upward`, handed to its own
    services' event exchanges as if they had published them."""
    _bind_types(
        broker, UPWARD, {service: [f"cn.anjian.{service}.#"] for service in services}, inward=True
    )


def open_downward(broker, services):
    """What this deployment's services send to the deployments below, bound into its
    `anjian.downward`."""
    _bind_types(broker, DOWNWARD, downward_types(services), inward=False)


def take_from_parent(broker, services):
    """What the bureaus above send, arriving in this deployment's `anjian.downward`, handed to its
    own services' event exchanges (and through them to its own `anjian.downward`, for the
    deployments below it)."""
    _bind_types(broker, DOWNWARD, downward_types(services), inward=True)


def parent_of(broker):
    """The name of the upstream this deployment takes its parent's events from, or None."""
    definition = broker.policy_definition(DOWNWARD_POLICY)
    return definition and definition.get("federation-upstream")


def _federate_children(broker):
    """The upward policy over every upstream but the parent's; none when no child is linked."""
    parent = parent_of(broker)
    children = [name for name in broker.upstreams() if name != parent]
    if children:
        broker.put_upstream_set(CHILDREN, children)
        broker.put_policy(POLICY, UPWARD, {"federation-upstream-set": CHILDREN})
    else:
        broker.delete_policy(POLICY)
        broker.delete_upstream_set(CHILDREN)


def link(parent, child_name, child_amqp_uri):
    """Federate the child's `anjian.upward` into the parent's (idempotent)."""
    parent.put_upstream(child_name, child_amqp_uri)
    _federate_children(parent)


def link_parent(child, parent_name, parent_amqp_uri):
    """Federate the parent's `anjian.downward` into the child's (idempotent); a deployment has
    one parent, so this replaces the link to an earlier one."""
    earlier = parent_of(child)
    child.put_upstream(parent_name, parent_amqp_uri)
    child.put_policy(DOWNWARD_POLICY, DOWNWARD, {"federation-upstream": parent_name})
    if earlier and earlier != parent_name:
        child.delete_upstream(earlier)
    _federate_children(child)


def unlink(broker, name):
    """Remove the link to a child, or to the parent."""
    if name == parent_of(broker):
        broker.delete_policy(DOWNWARD_POLICY)
    broker.delete_upstream(name)
    _federate_children(broker)
