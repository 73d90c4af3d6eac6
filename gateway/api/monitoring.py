"""Monitoring routes: devices and their broker credentials, monitoring points and their reading
series, the alarms (the bureau's live view, the enterprise's acknowledgement and handling) and
the indicators. The monitoring service checks every rule again; the gateway authenticates,
validates the shape and forwards. Readings themselves arrive over MQTT, not through here."""

from gateway.blueprint import Route, ServiceBlueprint
from services.monitoring import schemas


def _alarm_route(action, rpc, summary, body):
    return Route(
        "POST",
        f"/monitoring/alarms/<string:identifier>/{action}",
        rpc,
        summary,
        schemas.AlarmOut,
        body=body,
    )


ROUTES = (
    Route(
        "GET",
        "/monitoring/devices",
        "list_devices",
        "Devices you may see, online or not, with their refused readings by reason; "
        "filters: region, uscc, state",
        schemas.DeviceOut,
        query=schemas.DeviceQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/monitoring/devices",
        "register_device",
        "Register a device: its MQTT user, password (shown once) and the one topic it may "
        "publish to",
        schemas.DeviceCredentialsOut,
        201,
        body=schemas.DeviceCreateSchema,
        location="/api/v1/monitoring/devices/{device[id]}",
    ),
    Route(
        "GET",
        "/monitoring/devices/<string:identifier>",
        "get_device",
        "One device: state, last heard, refused readings by reason",
        schemas.DeviceOut,
    ),
    Route(
        "POST",
        "/monitoring/devices/<string:identifier>/credentials",
        "rotate_device_credentials",
        "New credentials for a device; the old password stops working",
        schemas.DeviceCredentialsOut,
        body=schemas.RotationSchema,
    ),
    Route(
        "GET",
        "/monitoring/points",
        "list_points",
        "Monitoring points you may see with their latest reading; filters: region, uscc, "
        "device_id, kind, risk_feature",
        schemas.PointOut,
        query=schemas.PointQuerySchema,
        paginated=True,
    ),
    Route(
        "POST",
        "/monitoring/points",
        "register_point",
        "Set up a monitoring point on a device: its kind's thresholds and hold time, or the "
        "enterprise's own",
        schemas.PointOut,
        201,
        body=schemas.PointCreateSchema,
        location="/api/v1/monitoring/points/{id}",
    ),
    Route(
        "GET",
        "/monitoring/points/<string:identifier>",
        "get_point",
        "One point: thresholds, latest reading, the runs beyond a threshold under way",
        schemas.PointOut,
    ),
    Route(
        "GET",
        "/monitoring/points/<string:identifier>/readings",
        "point_readings",
        "A point's readings between from and to, downsampled (mean, min, max per slice) past "
        "max_points",
        schemas.ReadingsOut,
        query=schemas.ReadingsQuerySchema,
    ),
    Route(
        "GET",
        "/monitoring/alarms",
        "list_alarms",
        "The live view of alarms: a bureau's across its jurisdiction, an enterprise's its own; "
        "filters: region, uscc, state (open), kind, escalated, point_id",
        schemas.AlarmOut,
        query=schemas.AlarmQuerySchema,
        paginated=True,
    ),
    Route(
        "GET",
        "/monitoring/alarms/<string:identifier>",
        "get_alarm",
        "One alarm with its acknowledgement, handling, escalation and hazard",
        schemas.AlarmOut,
    ),
    _alarm_route(
        "acknowledge",
        "acknowledge_alarm",
        "The enterprise acknowledges its alarm (before the limit, or it goes to the bureau)",
        schemas.AcknowledgeSchema,
    ),
    _alarm_route(
        "handling",
        "record_alarm_handling",
        "The enterprise records the cause and what it did; the alarm closes",
        schemas.HandlingSchema,
    ),
    Route(
        "GET",
        "/indicators/monitoring",
        "monitoring_indicators",
        "Device online rate, alarms raised, handled within the limit, escalated and turned into "
        "hazards, for a county (or the sum of a city's or province's counties) and year",
        schemas.MonitoringIndicatorsOut,
        query=schemas.MonitoringIndicatorQuerySchema,
    ),
)

blp = ServiceBlueprint(
    "monitoring",
    __name__,
    service="monitoring",
    url_prefix="/api/v1",
    description="Sensors over MQTT: devices, monitoring points, readings, alarms and indicators",
    routes=ROUTES,
)
