"""Benchmarks of the anjian platform, each figure measured against its target.

Usage: `python -m bench [--seconds S] [--events N] [--only NAME]`.

Each figure is printed as `<name>: <measured> (target <op> <value>)`, after the numbers behind it
(indented). Figures are reported, not asserted: a missed target still exits 0; only a bench that
cannot run exits non-zero. Progress goes to stderr, figures to stdout.

The platform under test takes its settings from the ANJIAN_* environment like any deployment, so
e.g. ANJIAN_RPC_TIMEOUT_SECONDS=600 lets an import finish that the default timeout cuts short.
"""

import argparse
import signal
import sys
import warnings

# nameko imports eventlet, which announces its deprecation on every start.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from bench.backup_restore import backup_city_vs_raw_copy  # noqa: E402
from bench.bulk_import import import_10k_vs_insert_many  # noqa: E402
from bench.copies import inspection_2_copies_vs_1  # noqa: E402
from bench.credit_events import credit_public_events_vs_raw_kombu  # noqa: E402
from bench.event_pipeline import DEFAULT_EVENTS, event_pipeline_vs_raw_kombu  # noqa: E402
from bench.evidence_upload import (  # noqa: E402
    evidence_upload_vs_raw_minio,
    gateway_rss_mb_during_500mb_upload,
)
from bench.list_pages import list_page_10x_data, slow_burst_recovery_s  # noqa: E402
from bench.monitoring_ingest import monitoring_ingest_vs_raw_mqtt  # noqa: E402
from bench.platform import isolated_platform  # noqa: E402
from bench.propagation import import_10k_propagation_vs_import  # noqa: E402
from bench.scan_gate import scan_p99_vs_raw_rpc  # noqa: E402
from bench.store_update import store_update_patched_vs_unpatched  # noqa: E402
from bench.targets import targets_10x_data, targets_fanout_vs_slowest  # noqa: E402
from bench.throughput import gateway_get_vs_rpc  # noqa: E402
from bench.training_import import training_import_10k_vs_insert_many  # noqa: E402
from tools.isolated import PlatformError  # noqa: E402

# Figures that bring their own servers and need no platform.
STANDALONE = {
    "store_update_patched_vs_unpatched": lambda args: store_update_patched_vs_unpatched(),
    "backup_city_vs_raw_copy": lambda args: backup_city_vs_raw_copy(args.rabbitmq_management),
}

FIGURES = {
    "gateway_get_vs_rpc": lambda platform, args: gateway_get_vs_rpc(platform, args.seconds),
    "inspection_2_copies_vs_1": lambda platform, args: inspection_2_copies_vs_1(
        platform, args.seconds
    ),
    # Before the lists, which keep the records they load; these remove theirs.
    "targets_fanout_vs_slowest": lambda platform, args: targets_fanout_vs_slowest(platform),
    "targets_10x_data": lambda platform, args: targets_10x_data(platform),
    "scan_p99_vs_raw_rpc": lambda platform, args: scan_p99_vs_raw_rpc(platform, args.seconds),
    # Before the import: its ten thousand registry events keep the inspection service busy.
    "event_pipeline_vs_raw_kombu": lambda platform, args: event_pipeline_vs_raw_kombu(
        platform, args.events
    ),
    "credit_public_events_vs_raw_kombu": lambda platform, args: credit_public_events_vs_raw_kombu(
        platform
    ),
    "monitoring_ingest_vs_raw_mqtt": lambda platform, args: monitoring_ingest_vs_raw_mqtt(platform),
    # Before the import, which starts from an empty registry.
    "list_page_10x_data": lambda platform, args: list_page_10x_data(platform),
    # After the lists, on their 10,000 enterprises.
    "slow_burst_recovery_s": lambda platform, args: slow_burst_recovery_s(platform),
    "import_10k_vs_insert_many": lambda platform, args: import_10k_vs_insert_many(platform),
    "import_10k_propagation_vs_import": lambda platform, args: import_10k_propagation_vs_import(
        platform
    ),
    "training_import_10k_vs_insert_many": lambda platform, args: training_import_10k_vs_insert_many(
        platform
    ),
    "evidence_upload_vs_raw_minio": lambda platform, args: evidence_upload_vs_raw_minio(platform),
    "gateway_rss_mb_during_500mb_upload": lambda platform, args: gateway_rss_mb_during_500mb_upload(
        platform
    ),
}
MANAGEMENT_URL = "http://127.0.0.1:15672"


def _stop_on_sigterm():
    """SIGTERM unwinds like Ctrl-C, so the platform is torn down either way."""

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=8.0,
        help="measured duration of each throughput run (default 8)",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=DEFAULT_EVENTS,
        help=f"events sent through the pipeline and raw AMQP by "
        f"event_pipeline_vs_raw_kombu (default {DEFAULT_EVENTS})",
    )
    parser.add_argument("--only", choices=[*STANDALONE, *FIGURES], help="run just this figure")
    parser.add_argument(
        "--rabbitmq-management",
        default=MANAGEMENT_URL,
        metavar="URL",
        help=f"RabbitMQ management API, to create the run's vhost (default {MANAGEMENT_URL})",
    )
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    if args.events <= 0:
        parser.error("--events must be positive")
    _stop_on_sigterm()
    names = [args.only] if args.only else [*STANDALONE, *FIGURES]
    try:
        for name in names:
            if name in STANDALONE:
                print(f"measuring {name}", file=sys.stderr, flush=True)
                for line in STANDALONE[name](args).lines():
                    print(line, flush=True)
        names = [name for name in names if name in FIGURES]
        if not names:
            return 0
        print("starting an isolated platform", file=sys.stderr, flush=True)
        with isolated_platform(args.rabbitmq_management) as platform:
            try:
                for name in names:
                    platform.wait_quiet()
                    print(f"measuring {name}", file=sys.stderr, flush=True)
                    for line in FIGURES[name](platform, args).lines():
                        print(line, flush=True)
            finally:
                print("tearing the platform down", file=sys.stderr, flush=True)
    except PlatformError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; the platform is torn down", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
