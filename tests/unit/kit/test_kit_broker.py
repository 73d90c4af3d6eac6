"""Device broker users: the MQTT user name names the virtual host unless it is the default, and
the readings queue takes every device's topic under the root."""

from services.kit.broker import DeviceAccounts, mqtt_queue


def accounts(amqp_uri):
    return DeviceAccounts(amqp_uri, "http://127.0.0.1:15672/", "127.0.0.1", 1883)


def test_a_device_signs_in_as_its_own_user_behind_the_virtual_host():
    assert accounts("amqp://guest:guest@127.0.0.1:5672/").login("abc") == "device-abc"
    named = accounts("amqp://guest:guest@127.0.0.1:5672/anjian-test-1")
    assert named.login("abc") == "anjian-test-1:device-abc"
    assert named.api.base_url == "http://127.0.0.1:15672/api"


def test_the_readings_queue_is_durable_and_takes_every_device_under_the_root():
    queue = mqtt_queue("monitoring.readings", "anjian/readings")
    assert queue.durable and queue.routing_key == "anjian.readings.#"
    assert queue.exchange.name == "amq.topic" and queue.exchange.passive
