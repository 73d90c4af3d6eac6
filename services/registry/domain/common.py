"""What the registry's aggregates share: the service's name and how they make events."""

from services.kit.pure.envelope import ServiceEvents

SERVICE = "registry"
event = ServiceEvents(SERVICE)
