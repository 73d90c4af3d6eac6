"""The Kubernetes manifests of deploy/kubernetes, written from the one list of services.

    python -m tools.manifests    # writes the generated files of deploy/kubernetes

Every service of services.SERVICES gets a Deployment (its own command, resources, replica count,
probes on the health routes of its metrics port), a Service naming that port for Prometheus, and
a KEDA ScaledObject that adds copies while its queues fill up; the gateway gets a Deployment and a
Service. Each level's overlay names its region and runs the services whose `levels` name it.
The infrastructure (deploy/kubernetes/base/infrastructure/) is written by hand. A unit test fails
while the checked-in files differ from what this writes.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from services import SERVICES
from services.kit.config import Settings
from services.kit.exposition import LIVENESS, READINESS

ROOT = Path(__file__).resolve().parents[1]
KUBERNETES = ROOT / "deploy" / "kubernetes"
BASE = KUBERNETES / "base"
IMAGE = "anjian"
CONFIG = "anjian-config"
SECRETS = "anjian-secrets"
HEADER = (
    "# Written by `python -m tools.manifests` from services/__init__.py: do not edit by hand.\n"
)
INFRASTRUCTURE = (
    "infrastructure/rabbitmq.yaml",
    "infrastructure/mongodb.yaml",
    "infrastructure/minio.yaml",
)
DEFAULTS = Settings()


@dataclass(frozen=True)
class Sizing:
    """What one copy asks of a node, and how many copies run: `replicas` at least (two, so one
    may restart while the other works), up to `max_replicas` while queues fill up."""

    replicas: int = 2
    max_replicas: int = 6
    cpu: str = "250m"
    memory: str = "320Mi"
    memory_limit: str = "640Mi"


# Measured here (the test platform after a few hundred requests): a service process holds 75-100
# MB resident, the gateway's gunicorn master 65 MB and each worker about 105 MB. The requests leave
# room for a deployment's larger data sets; a service not named gets the defaults.
SIZING = {
    "inspection": Sizing(max_replicas=8, cpu="300m", memory="384Mi", memory_limit="768Mi"),
    "training": Sizing(memory="384Mi", memory_limit="768Mi"),
    "credit": Sizing(max_replicas=3),
}
GATEWAY = Sizing(replicas=2, max_replicas=8, cpu="500m", memory="512Mi", memory_limit="1Gi")
# Messages ready in a service's queues, per copy, above which KEDA adds a copy.
QUEUE_PER_COPY = 20
PROMETHEUS = "http://prometheus-operated.monitoring.svc:9090"

# Each overlay: its region (the demo's) and how many copies a bureau of that size runs.
OVERLAYS = {
    "county": {"region": "620722", "replicas": 1},
    "city": {"region": "620700", "replicas": None},
    "province": {"region": "620000", "replicas": None},
}
# Settings every container gets from the ConfigMap (names are ANJIAN_* settings).
CONFIGURATION = {
    "ANJIAN_BROKER_MANAGEMENT_URL": "http://rabbitmq:15672",
    "ANJIAN_MONGO_URI": "mongodb://mongodb-0.mongodb:27017,mongodb-1.mongodb:27017,"
    "mongodb-2.mongodb:27017/?replicaSet=rs0",
    "ANJIAN_MINIO_ENDPOINT": "minio:9000",
    "ANJIAN_GATEWAY_HOST": "0.0.0.0",
    "ANJIAN_GATEWAY_PORT": str(DEFAULTS.gateway_port),
    "ANJIAN_METRICS_HOST": "0.0.0.0",
    "ANJIAN_METRICS_PORT": str(DEFAULTS.metrics_port),
    # Writable scratch space (the image's root file system is read-only here).
    "ANJIAN_DATA_DIR": "/var/lib/anjian",
    "ANJIAN_SCAN_URL": "https://anjian.example.gov.cn/scan",
}
# Settings from the Secret, made by the operator (docs/deployment.md): never in these files.
# Every process gets the broker and the object store; a key only the process that uses it.
SECRET_SETTINGS = ("ANJIAN_AMQP_URI", "ANJIAN_MINIO_ACCESS_KEY", "ANJIAN_MINIO_SECRET_KEY")
OWN_SECRETS = {
    "gateway": ("ANJIAN_JWT_SECRET",),
    "training": ("ANJIAN_PII_KEY",),
    "permits": ("ANJIAN_QR_KEY",),
}


def object_name(component):
    """The name of a component's Kubernetes objects."""
    return f"anjian-{component}"


def _labels(component):
    return {"app.kubernetes.io/name": object_name(component), "app.kubernetes.io/part-of": "anjian"}


def _environment(component):
    return [
        {"name": name, "valueFrom": {"secretKeyRef": {"name": SECRETS, "key": name}}}
        for name in (*SECRET_SETTINGS, *OWN_SECRETS.get(component, ()))
    ]


def _container(component, sizing, ports, liveness, readiness):
    probe_port = liveness[0]
    return {
        "name": component,
        "image": IMAGE,
        "command": ["anjian", "serve", component],
        "envFrom": [{"configMapRef": {"name": CONFIG}}],
        "env": _environment(component),
        "ports": ports,
        "resources": {
            "requests": {"cpu": sizing.cpu, "memory": sizing.memory},
            "limits": {"memory": sizing.memory_limit},
        },
        "livenessProbe": {
            "httpGet": {"path": liveness[1], "port": probe_port},
            "periodSeconds": 10,
            "failureThreshold": 6,
        },
        "readinessProbe": {
            "httpGet": {"path": readiness[1], "port": readiness[0]},
            "periodSeconds": 10,
            "failureThreshold": 3,
        },
        # A service reaches its broker and database before it answers: up to two minutes.
        "startupProbe": {
            "httpGet": {"path": liveness[1], "port": probe_port},
            "periodSeconds": 5,
            "failureThreshold": 24,
        },
        "securityContext": {"readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False},
        "volumeMounts": [{"name": "scratch", "mountPath": CONFIGURATION["ANJIAN_DATA_DIR"]}],
    }


def _deployment(component, sizing, container):
    metrics_port = DEFAULTS.metrics_port_of(component)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": object_name(component), "labels": _labels(component)},
        "spec": {
            "replicas": sizing.replicas,
            "selector": {"matchLabels": _labels(component)},
            "template": {
                "metadata": {
                    "labels": _labels(component),
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(metrics_port),
                    },
                },
                "spec": {
                    # Copies of one service on different nodes where there are several.
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 1,
                            "topologyKey": "kubernetes.io/hostname",
                            "whenUnsatisfiable": "ScheduleAnyway",
                            "labelSelector": {"matchLabels": _labels(component)},
                        }
                    ],
                    "terminationGracePeriodSeconds": 30,
                    "containers": [container],
                    "volumes": [{"name": "scratch", "emptyDir": {}}],
                },
            },
        },
    }


def _service(component, ports):
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": object_name(component), "labels": _labels(component)},
        "spec": {
            "selector": _labels(component),
            "ports": [
                {"name": port["name"], "port": port["containerPort"], "targetPort": port["name"]}
                for port in ports
            ],
        },
    }


def _scaled_object(component, sizing):
    """KEDA adds copies while the messages ready in the service's queues (each copy reports the
    same queues, hence the max by queue) exceed QUEUE_PER_COPY per copy."""
    query = f'sum(max by (queue) (anjian_queue_messages{{service="{component}",state="ready"}}))'
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": object_name(component), "labels": _labels(component)},
        "spec": {
            "scaleTargetRef": {"name": object_name(component)},
            "minReplicaCount": sizing.replicas,
            "maxReplicaCount": sizing.max_replicas,
            "cooldownPeriod": 300,
            "triggers": [
                {
                    "type": "prometheus",
                    "metadata": {
                        "serverAddress": PROMETHEUS,
                        "query": query,
                        "threshold": str(QUEUE_PER_COPY),
                    },
                }
            ],
        },
    }


def service_documents(entry):
    sizing = SIZING.get(entry.name, Sizing())
    port = DEFAULTS.metrics_port_of(entry.name)
    ports = [{"name": "metrics", "containerPort": port}]
    container = _container(entry.name, sizing, ports, ("metrics", LIVENESS), ("metrics", READINESS))
    return [
        _deployment(entry.name, sizing, container),
        _service(entry.name, ports),
        _scaled_object(entry.name, sizing),
    ]


def gateway_documents():
    ports = [
        {"name": "http", "containerPort": DEFAULTS.gateway_port},
        {"name": "metrics", "containerPort": DEFAULTS.metrics_port_of("gateway")},
    ]
    # /readyz asks every deployed service: a gateway is taken out of the load balancer while one
    # of its services has no copy running, and comes back once it has.
    container = _container("gateway", GATEWAY, ports, ("http", "/healthz"), ("http", "/readyz"))
    return [_deployment("gateway", GATEWAY, container), _service("gateway", ports)]


def pod_monitor():
    """Prometheus (the Prometheus Operator's) scrapes the `metrics` port of every anjian pod."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": "anjian"},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/part-of": "anjian"}},
            "podMetricsEndpoints": [{"port": "metrics", "interval": "15s"}],
        },
    }


def _kustomization(**fields):
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", **fields}


def base_kustomization():
    return _kustomization(
        labels=[{"pairs": {"app.kubernetes.io/part-of": "anjian"}}],
        resources=[*INFRASTRUCTURE, "services.yaml"],
        configMapGenerator=[
            {
                "name": CONFIG,
                "literals": [f"{key}={value}" for key, value in CONFIGURATION.items()],
            }
        ],
        images=[{"name": IMAGE, "newName": "registry.example.gov.cn/anjian", "newTag": "0.1.0"}],
    )


def overlay_kustomization(level):
    overlay = OVERLAYS[level]
    # The level's default services, by the rule a deployment applies (and refuses a wrong one).
    profile = Settings(level=level, region=overlay["region"]).deployment()
    deployed = profile.services
    patches = []
    for name in profile.not_deployed:
        for kind, api in (
            ("Deployment", "apps/v1"),
            ("Service", "v1"),
            ("ScaledObject", "keda.sh/v1alpha1"),
        ):
            patches.append(
                {
                    "patch": yaml.safe_dump(
                        {
                            "$patch": "delete",
                            "apiVersion": api,
                            "kind": kind,
                            "metadata": {"name": object_name(name)},
                        },
                        sort_keys=False,
                    )
                }
            )
    if overlay["replicas"] is not None:
        for name in (*deployed, "gateway"):
            patches.append(
                {
                    "target": {"kind": "Deployment", "name": object_name(name)},
                    "patch": "- op: replace\n  path: /spec/replicas\n"
                    f"  value: {overlay['replicas']}\n",
                }
            )
        for name in deployed:
            patches.append(
                {
                    "target": {"kind": "ScaledObject", "name": object_name(name)},
                    "patch": "- op: replace\n  path: /spec/minReplicaCount\n"
                    f"  value: {overlay['replicas']}\n",
                }
            )
    return _kustomization(
        namespace=f"anjian-{level}-{overlay['region']}",
        resources=["../../base"],
        configMapGenerator=[
            {
                "name": CONFIG,
                "behavior": "merge",
                "literals": [
                    f"ANJIAN_LEVEL={level}",
                    f"ANJIAN_REGION={overlay['region']}",
                    f"ANJIAN_SERVICES={','.join(deployed)}",
                ],
            }
        ],
        patches=patches,
    )


class _Dumper(yaml.SafeDumper):
    """Writes a text of several lines (a patch) as a block, as a person would."""


_Dumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    ),
)


def _dump(documents):
    return HEADER + yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def files():
    """{path: text} of every generated file."""
    services = [document for entry in SERVICES for document in service_documents(entry)]
    written = {
        BASE / "services.yaml": _dump([*services, *gateway_documents(), pod_monitor()]),
        BASE / "kustomization.yaml": _dump([base_kustomization()]),
    }
    for level in OVERLAYS:
        written[KUBERNETES / "overlays" / level / "kustomization.yaml"] = _dump(
            [overlay_kustomization(level)]
        )
    return written


def main():
    for path, text in files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
