"""What the tests share, each written once (test modules never import from each other).

- api: the gateway as a signed-in client, the problem+json check, and the steps that set a scene
  (an enterprise the inspection service knows, a completed inspection, an upload);
- factories: request bodies and files with random identities; events: an external AMQP client;
- waiting: `wait_until`, the one way to wait; routes: the gateway's routes without a server;
- infrastructure and platform: the pytest plugins that start the real servers and the platform;
- rabbitmq, holding and holding_service: a broker of one's own and a service that holds its
  workers, for the tests that kill the broker.
"""
