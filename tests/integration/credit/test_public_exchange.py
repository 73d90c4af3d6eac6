"""The public exchange is for external platforms only: the broker user `make up` creates for them
(infra/local/up.sh) binds its own queues to anjian.public and to nothing else."""

import secrets

import pika
import pytest

USER, PASSWORD = "credit-platform", "credit-platform-local"


@pytest.fixture
def platform_channel(infrastructure):
    """A channel of the external platforms' user on the shared broker's default virtual host,
    and a queue of its own there."""
    guest = pika.BlockingConnection(pika.URLParameters(infrastructure["amqp_uri"]))
    # The internal exchange exists wherever the platform ran; declared here so a refusal below
    # is about permissions, not a missing exchange.
    guest.channel().exchange_declare("anjian.events", exchange_type="topic", durable=True)
    guest.close()
    parameters = pika.ConnectionParameters(
        "127.0.0.1", 5672, "/", pika.PlainCredentials(USER, PASSWORD)
    )
    connection = pika.BlockingConnection(parameters)
    queue = "platform.test-" + secrets.token_hex(4)
    channel = connection.channel()
    channel.queue_declare(queue, durable=True, arguments={"x-expires": 60000})
    yield connection, queue
    if connection.is_open:
        connection.channel().queue_delete(queue)
        connection.close()


def _refused(connection, action):
    channel = connection.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as closed:
        action(channel)
    assert closed.value.reply_code == 403, closed.value


def test_the_platform_user_binds_its_queue_to_the_public_exchange_only(platform_channel):
    connection, queue = platform_channel
    connection.channel().queue_bind(queue, "anjian.public", routing_key="cn.anjian.credit.#")
    _refused(connection, lambda channel: channel.queue_bind(queue, "anjian.events", "#"))
    _refused(connection, lambda channel: channel.queue_bind(queue, "inspection.events", "#"))
    _refused(connection, lambda channel: channel.queue_bind(queue, "credit.events", "#"))
    # Only queues of its own name, and it publishes nothing on the public exchange.
    _refused(connection, lambda channel: channel.queue_declare("anjian-internal-" + queue))
    _refused(
        connection,
        lambda channel: (
            channel.confirm_delivery(),
            channel.basic_publish("anjian.public", "cn.anjian.credit.entity.listed.v1", b"{}"),
        ),
    )
