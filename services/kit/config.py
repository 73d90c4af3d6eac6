"""Configuration: every setting comes from an ANJIAN_* environment variable with a default.

This is the only module that reads the environment. Services get their settings through the
nameko container config built by `nameko_config()`, the gateway through `create_app()`.
"""

import os
from dataclasses import asdict, dataclass, fields
from datetime import timedelta

from services.kit.pure.clock import Clock
from services.kit.pure.deployment import profile


@dataclass(frozen=True)
class Settings:
    # The deployment (services/kit/pure/deployment.py): its level (county, city or province;
    # unset for the single all-in-one platform), its division code, and the services it runs
    # (comma-separated; by default those of services.SERVICES whose `levels` name the level).
    level: str = ""
    region: str = ""
    services: str = ""
    # The event types (AMQP topic patterns, comma-separated) a deployment passes to its parent
    # through federation (services/kit/federation.py); types naming a person never go.
    upward_events: str = "cn.anjian.#"
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    # The broker's management API, for backups of its definitions (same user as amqp_uri).
    broker_management_url: str = "http://127.0.0.1:15672"
    mongo_uri: str = "mongodb://127.0.0.1:27017/"
    database_prefix: str = "anjian_"
    minio_endpoint: str = "127.0.0.1:9000"
    minio_access_key: str = "anjian"
    minio_secret_key: str = "anjian-secret"
    minio_secure: bool = False
    evidence_bucket: str = "anjian-evidence"
    # The one-request upload through the gateway (POST /api/v1/evidence): for small files.
    evidence_max_bytes: int = 50 * 1024 * 1024
    evidence_url_seconds: int = 300
    # Per-type limits of an upload straight to the object store: photos and scans, and videos.
    evidence_document_max_bytes: int = 20 * 1024 * 1024
    evidence_video_max_bytes: int = 500 * 1024 * 1024
    # How long an upload may take before it is swept, its targets signed for as long.
    evidence_upload_seconds: int = 3600
    # Larger files go up in parts of this size, each resent alone after a dropped connection.
    evidence_part_bytes: int = 16 * 1024 * 1024
    evidence_sweep_seconds: int = 300
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # gunicorn processes, of gateway_threads each. Half the cores: the services, broker and database
    # share the machine, and on two cores a second gateway process cost more in switching than
    # it served (gateway_get_vs_rpc).
    gateway_workers: int = max(1, (os.cpu_count() or 2) // 2)
    gateway_threads: int = 8
    # Requests carrying a file through a gateway process at once (one-request evidence uploads,
    # spreadsheet imports): however slow the uploaders' networks, the rest of its threads stay
    # free for the API. Beyond it, 503 at once; large files go straight to the object store.
    gateway_upload_slots: int = 4
    # A line per request costs the gateway a fifteenth of a read's work; errors are logged anyway.
    gateway_access_log: bool = False
    # Prometheus metrics, one port per process: the gateway on this port, the services of
    # services.SERVICES on the ports after it in the list's order (9401 registry, ...). 0: none.
    metrics_port: int = 9400
    # Where the metrics (and a service's /healthz and /readyz) listen: in a container, 0.0.0.0.
    metrics_host: str = "127.0.0.1"
    rpc_timeout_seconds: float = 10.0
    rpc_pool_size: int = 16
    # No default: the gateway refuses to start without a random secret (gateway/auth.py), and
    # `anjian run`/`up` make one in the data directory.
    jwt_secret: str = ""
    jwt_ttl_seconds: int = 900
    # How long a gateway process trusts the registry's word that an account still stands at a
    # token's version: a disabled account's tokens stop within this on every process.
    account_check_seconds: float = 5.0
    # How long that word stands while the registry does not answer (a restart, an outage).
    account_grace_seconds: float = 300.0
    max_body_bytes: int = 20 * 1024 * 1024
    demo_password: str = "demo1234"
    handler_max_attempts: int = 5
    # Bookkeeping pruned by age (services/kit/housekeeping.py). A redelivery comes within minutes,
    # so a week of inbox records is generous; a parked event waits for an administrator to look.
    inbox_retention_days: int = 7
    dead_letter_retention_days: int = 90
    prune_interval_seconds: int = 300
    # How often overdue hazards are looked for: deadlines are dates, and each look reads every
    # open hazard on the embedded server, so minutes, not seconds.
    escalation_check_seconds: int = 300
    # How often certificates entering their review window, overdue or expiring become reminders:
    # review dates are calendar days, so minutes are soon enough.
    reminder_check_seconds: int = 600
    # Runs a service's clock ahead by this much: for drills and for testing deadlines end to end.
    clock_offset_seconds: int = 0
    # A deployment's own rules: `<dir>/<service>/*.yaml` add rules or override declared ones.
    rules_dir: str = ""
    data_dir: str = ".data"
    # The secret that encrypts personal ID numbers and keys their look-up hashes
    # (services/kit/pii.py). No default: a service holding ID numbers refuses to start without one.
    pii_key: str = ""
    # A TrueType font with Chinese glyphs, embedded in printed documents (Debian's
    # fonts-wqy-zenhei; infra/local/up.sh installs it).
    document_font: str = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
    # The secret that signs the tokens of the QR codes at confined-space entrances
    # (services/permits/domain/tokens.py). No default: the permits service refuses to start
    # without one. A new key makes new labels and voids the old ones.
    qr_key: str = ""
    # The scan page a space's QR code opens, with `?token=` appended.
    scan_url: str = "http://127.0.0.1:8000/scan"
    # How often permits whose window has passed are looked for.
    permit_expiry_seconds: int = 60
    # The broker's MQTT listener, as devices reach it (told to each device with its credentials).
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    # How often alarms are looked at for escalation or a hazard, and devices for silence.
    monitoring_check_seconds: int = 30

    @classmethod
    def from_env(cls, environ=None):
        environ = os.environ if environ is None else environ
        values = {}
        for field in fields(cls):
            raw = environ.get("ANJIAN_" + field.name.upper())
            if raw is not None:
                values[field.name] = _parse(field.type, raw, field.name)
        return cls(**values)

    def nameko_config(self):
        """The dict handed to a nameko container: AMQP_URI plus every setting, by name."""
        return {"AMQP_URI": self.amqp_uri, "SERIALIZER": "json", "ANJIAN": asdict(self)}

    @classmethod
    def from_nameko(cls, config):
        return cls(**config["ANJIAN"]) if "ANJIAN" in config else cls.from_env()

    def deployment(self):
        """The deployment's profile; ProfileError when the settings name something unknown."""
        from services import SERVICES  # the list imports the kit's pure part, not this module

        return profile(self.level, self.region, self.services, SERVICES)

    def metrics_port_of(self, component):
        """The port `component` serves its metrics on, or None (metrics off, or not ours)."""
        from services import SERVICE_NAMES

        if not self.metrics_port:
            return None
        if component == "gateway":
            return self.metrics_port
        if component in SERVICE_NAMES:
            return self.metrics_port + 1 + SERVICE_NAMES.index(component)
        return None

    def clock(self):
        return Clock(timedelta(seconds=self.clock_offset_seconds))

    def database(self, service):
        return self.database_prefix + service


def _parse(kind, raw, name):
    if kind is bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"ANJIAN_{name.upper()} must be true or false, not {raw!r}")
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"ANJIAN_{name.upper()} must be a {kind.__name__}, not {raw!r}") from None
