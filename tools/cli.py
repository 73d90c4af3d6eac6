"""`anjian`: start and stop the platform, seed demo data, import and export, create users.

Service processes monkey-patch with eventlet before anything else is imported, so this module
imports nameko, pymongo and the services lazily, inside the commands that need them.
"""

import argparse
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path

from services import COMPONENTS, SERVICES
from services.kit.config import Settings

READY_SECONDS = 90
CLI_USER = "anjian-cli"


def _settings():
    return Settings.from_env()


def _log_dir(settings):
    return Path(settings.data_dir) / "log"


# --- serving -------------------------------------------------------------------------------


def serve(args):
    settings = _settings()
    if args.component == "gateway":
        os.execvp(
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "gateway.wsgi:app",
                "--worker-class",
                "gthread",
                "--workers",
                str(settings.gateway_workers),
                "--threads",
                str(settings.gateway_threads),
                "--bind",
                f"{settings.gateway_host}:{settings.gateway_port}",
                "--timeout",
                "120",
                *(["--access-logfile", "-"] if settings.gateway_access_log else []),
            ],
        )
    import eventlet

    eventlet.monkey_patch()
    import logging

    from nameko.cli.run import run

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    entry = next(entry for entry in SERVICES if entry.name == args.component)
    run([entry.service_class()], settings.nameko_config())


def _gateway_url(settings):
    return f"http://{settings.gateway_host}:{settings.gateway_port}"


def _supervisor(settings):
    from tools.supervision import Supervisor

    return Supervisor(COMPONENTS, settings.data_dir, _log_dir(settings))


def _provide_demo_pii_key(settings):
    """`run` and `up` start the demo: without ANJIAN_PII_KEY, the services it starts encrypt ID
    numbers with a random key made once for this data folder (so the demo's data stays readable
    across restarts). Anything else (`serve`, containers) refuses to start without a key."""
    if settings.pii_key:
        return
    path = Path(settings.data_dir) / "demo-pii.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
        print(
            f"  made a demo key for personal ID numbers in {path}; set ANJIAN_PII_KEY for real data"
        )
    os.environ["ANJIAN_PII_KEY"] = path.read_text().strip()


def _start_all(settings, attached):
    """Every component under supervisord, ready to serve; the supervisor is returned."""
    from tools.isolated import PlatformError, wait_until_ready

    _provide_demo_pii_key(settings)
    supervisor = _supervisor(settings)
    started = not supervisor.answers()
    if started:
        print(f"  starting {', '.join(COMPONENTS)} under supervisord (log: {supervisor.log})")
        supervisor.start(attached=attached)
    elif attached:
        raise SystemExit("anjian is already running detached; stop it first with: anjian down")
    else:
        print("  already running under supervisord")
    try:
        wait_until_ready(_gateway_url(settings), supervisor.check, READY_SECONDS)
    except PlatformError as error:
        if started:
            supervisor.stop()
        raise SystemExit(f"the platform did not become ready: {error}") from None
    return supervisor


def _banner(settings):
    url = _gateway_url(settings)
    password = settings.demo_password
    from tools import demo

    print(
        f"\nanjian is up.\n  API:      {url}/api/v1\n  API docs: {url}/api/docs\n"
        f"  health:   {url}/readyz\n\nDemo logins (password {password!r}):"
    )
    for name, role, scope in demo.DEMO_USERS:
        print(f"  {name:<16} {role:<10} {scope}")
    print(
        f"  <USCC>           enterprise one per demo enterprise in "
        f"{demo.ENTERPRISE_USERS_REGION}, e.g. {demo.users()[len(demo.DEMO_USERS)][0]}"
    )
    print(
        f"\nSign in: curl -s -X POST {url}/api/v1/auth/token -H 'Content-Type: application/json'"
        f' -d \'{{"username": "minle", "password": "{password}"}}\''
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run_platform(args):
    settings = _settings()
    # Terminated (by a process manager, or `kill`) as when Ctrl-C is pressed: stop everything.
    signal.signal(signal.SIGTERM, _interrupt)
    supervisor = _start_all(settings, attached=True)
    try:
        seed(args)
        _banner(settings)
        print(
            f"\nA component that exits is started again (see {supervisor.log}).\n"
            "Press Ctrl-C to stop."
        )
        supervisor.wait()
        print("supervisord stopped; shutting down")
    except KeyboardInterrupt:
        print("\nstopping")
    finally:
        supervisor.stop()


def up(args):
    settings = _settings()
    _start_all(settings, attached=False)
    seed(args)
    _banner(settings)
    print("\nA component that exits is started again. Stop with: make down")


def down(args):
    supervisor = _supervisor(_settings())
    if not supervisor.answers():
        print("  nothing is running")
        return
    print("  stopping every component and supervisord")
    supervisor.stop()


# --- data ----------------------------------------------------------------------------------


def _cli_actor():
    from services.kit.pure.actor import Actor
    from services.kit.pure.regions import NATIONWIDE

    return Actor(user_id=CLI_USER, role="admin", region_scope=NATIONWIDE)


def _rpc(settings):
    from nameko.standalone.rpc import ClusterRpcProxy

    import services.kit.runtime  # noqa: F401  (domain errors cross RPC as themselves)

    return ClusterRpcProxy(
        {"AMQP_URI": settings.amqp_uri, "SERIALIZER": "json"},
        context_data=_cli_actor().to_context(),
        timeout=120,
    )


def _users(settings):
    from gateway.auth import UserStore
    from services.kit.mongo import connect

    return UserStore(connect(settings)[settings.database("gateway")])


def _import_rows(settings, rows, total=None):
    """Send rows to the registry in chunks, showing progress; returns the per-row report."""
    from services.registry import spreadsheet

    def progress(done):
        shown = f"{done}/{total}" if total else str(done)
        print(f"\r  imported {shown} rows", end="", file=sys.stderr, flush=True)

    with _rpc(settings) as cluster:
        report = spreadsheet.send_in_chunks(rows, cluster.registry.import_rows, progress)
    print(file=sys.stderr)
    return report


def _summary(report):
    return {
        result: sum(1 for line in report if line["result"] == result)
        for result in ("created", "exists", "invalid")
    }


def seed(args):
    from services.kit.pure.errors import Duplicate, NotFound
    from tools import demo

    settings = _settings()
    enterprises = demo.enterprises()
    try:
        # Demo enterprises are registered in order: the last one there means all are.
        with _rpc(settings) as cluster:
            cluster.registry.get(enterprises[-1]["uscc"])
        print(f"  demo enterprises: already there ({len(enterprises)})")
    except NotFound:
        rows = [{"row": index + 1, "fields": e} for index, e in enumerate(enterprises)]
        counts = _summary(_import_rows(settings, rows, len(rows)))
        print(
            f"  demo enterprises: {counts['created']} new, {counts['exists']} already there, "
            f"{counts['invalid']} invalid"
        )
    users = _users(settings)
    created = 0
    for username, role, scope, uscc in demo.users():
        try:
            users.create(username, settings.demo_password, role, scope, uscc)
            created += 1
        except Duplicate:
            pass
    print(f"  demo users: {created} new, {len(demo.users()) - created} already there")
    _seed_training(settings)
    _seed_preparedness(settings)


TRAINING_WAIT_SECONDS = 60


def _seed_training(settings):
    """People, certificates and sessions of the demo enterprises of one county, once the
    training service has learnt of them from the registry's events."""
    from services.kit.pure.errors import NotFound
    from tools import demo

    today = settings.clock().today()
    rows = demo.training_rows(today)
    last = rows[-1]["fields"]["uscc"]
    with _rpc(settings) as cluster:
        deadline = time.monotonic() + TRAINING_WAIT_SECONDS
        while True:
            try:
                known = cluster.training.list_sessions({"uscc": last})
                break
            except NotFound:
                if time.monotonic() > deadline:
                    print(
                        "  demo training: the training service does not know the demo "
                        "enterprises yet; run `anjian seed-demo` again later"
                    )
                    return
                time.sleep(1)
        if known["items"]:
            print("  demo training: already there")
            return
        counts = _summary(cluster.training.import_rows(rows))
        staff = {}
        for uscc in dict.fromkeys(row["fields"]["uscc"] for row in rows):
            page = cluster.training.list_persons({"uscc": uscc, "page_size": 200})
            staff[uscc] = [
                (person["id"], person["positions"][0]["position"])
                for person in page["items"]
                if person["positions"]
            ]
        sessions = demo.training_sessions(today, staff)
        for body, result in sessions:
            session = cluster.training.record_session(body)
            cluster.training.record_results(
                session["id"],
                {
                    "results": [
                        {"person_id": person, "result": result} for person in body["participants"]
                    ]
                },
            )
    print(f"  demo training: {counts['created']} people and certificates, {len(sessions)} sessions")


def _seed_preparedness(settings):
    """Risk registers, self-inspections, emergency plans and drills of the demo enterprises of
    one county, once the inspection service has learnt of them from the registry's events."""
    from services.kit.pure.errors import NotFound
    from tools import demo

    today = settings.clock().today()
    records = demo.preparedness(today)
    with _rpc(settings) as cluster:
        inspection = cluster.inspection
        deadline = time.monotonic() + TRAINING_WAIT_SECONDS
        while True:
            try:
                inspection.risk_register(records[-1]["uscc"])
                break
            except NotFound:
                if time.monotonic() > deadline:
                    print(
                        "  demo preparedness: the inspection service does not know the demo "
                        "enterprises yet; run `anjian seed-demo` again later"
                    )
                    return
                time.sleep(1)
        if inspection.list_emergency_plans({"uscc": records[-1]["uscc"]})["items"]:
            print("  demo preparedness: already there")
            return
        points = [point for record in records for point in record["risk_points"]]
        inspection.import_risk_points(
            [{"row": index + 2, "fields": point} for index, point in enumerate(points)]
        )
    _in_parallel(settings, _record_preparedness, records)
    print(f"  demo preparedness: {len(records)} enterprises' registers, plans and drills")


# Clients recording demo data at once: each waits on the service more than it works.
DEMO_CLIENTS = 4


def _in_parallel(settings, record, items):
    """`record(service proxies, item)` for every item, from DEMO_CLIENTS clients at once (a
    standalone RPC proxy serves one call at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    def share(part):
        with _rpc(settings) as cluster:
            for item in part:
                record(cluster.inspection, item)

    with ThreadPoolExecutor(DEMO_CLIENTS) as clients:
        list(clients.map(share, [items[start::DEMO_CLIENTS] for start in range(DEMO_CLIENTS)]))


def _record_preparedness(inspection, record):
    uscc = record["uscc"]
    if record["risk_points"] and record["reviewed_on"]:
        inspection.review_risk_register(uscc, {"reviewed_on": record["reviewed_on"]})
    if record["self_inspected_on"]:
        inspection.report_self_inspection(
            {
                "uscc": uscc,
                "performed_on": record["self_inspected_on"],
                "led_by_principal": True,
                "leader": record["leader"],
                "content": "主要负责人带队月度检查",
            }
        )
    drafted_on = record["plan_drafted_on"]
    plan = inspection.draft_emergency_plan(
        {
            "uscc": uscc,
            "kind": "comprehensive",
            "title": "生产安全事故综合应急预案",
            "drafted_on": drafted_on,
        }
    )
    if record["plan_filed"]:
        for step in ("review", "assess"):
            inspection.emergency_plan_step(plan["id"], {"step": step, "on": drafted_on})
        inspection.file_emergency_plan(
            plan["id"], {"number": f"备案-{uscc[-6:]}", "filed_on": drafted_on}
        )
    for held_on in record["drills"]:
        inspection.record_drill(
            {
                "uscc": uscc,
                "kind": "tabletop",
                "held_on": held_on,
                "scenario": "生产安全事故综合应急演练",
                "participants": 20,
                "leader": {"name": record["leader"], "role": "principal"},
                "evaluation": "响应及时，职责清楚",
            }
        )


def resynchronise(args):
    with _rpc(_settings()) as cluster:
        answer = cluster.registry.resynchronise(args.usccs)
    if args.usccs:
        print(f"  registry: {answer['announced']} enterprises announced again")
    else:
        print("  registry: every enterprise will be announced again, in the background")


def import_file(args):
    from services.registry import spreadsheet

    settings = _settings()
    with open(args.file, "rb") as stream:
        rows = list(spreadsheet.read_rows(stream, args.file))
    report = _import_rows(settings, rows, len(rows))
    for line in report:
        if line["result"] == "invalid":
            print(f"  row {line['row']}: {json.dumps(line['errors'], ensure_ascii=False)}")
    counts = _summary(report)
    print(
        f"{counts['created']} created, {counts['exists']} already registered, "
        f"{counts['invalid']} invalid"
    )
    return 1 if counts["invalid"] else 0


def import_ledger(args):
    """A training ledger (people and certificates) or training records from .xlsx or .csv,
    with progress."""
    from services.kit.spreadsheets import send_in_chunks
    from services.training import spreadsheet

    settings = _settings()
    with open(args.file, "rb") as stream:
        method, rows = spreadsheet.read_rows(stream, args.file)
        rows = list(rows)

    def progress(done):
        print(f"\r  imported {done}/{len(rows)} rows", end="", file=sys.stderr, flush=True)

    with _rpc(settings) as cluster:
        report = send_in_chunks(rows, getattr(cluster.training, method), progress)
    print(file=sys.stderr)
    for line in report:
        if line["result"] == "invalid":
            print(f"  row {line['row']}: {json.dumps(line['errors'], ensure_ascii=False)}")
    counts = _summary(report)
    print(
        f"{counts['created']} created, {counts['exists']} already there, "
        f"{counts['invalid']} invalid"
    )
    return 1 if counts["invalid"] else 0


def load_volume(args):
    """Synthetic enterprises through the registry's import (as a bureau would import them), and
    synthetic open hazards written straight into the inspection database, to try the platform
    at a city's size. Enterprises already there are skipped; hazards are added every time."""
    from services.kit.mongo import connect
    from services.kit.pure.clock import Clock
    from tools import volume

    settings = _settings()
    payloads = volume.create_payloads(args.enterprises, args.first_serial)
    if payloads:
        rows = [{"row": number, "fields": payload} for number, payload in enumerate(payloads, 2)]
        counts = _summary(_import_rows(settings, rows, len(rows)))
        print(
            f"  enterprises: {counts['created']} new, {counts['exists']} already there, "
            f"{counts['invalid']} invalid"
        )
    if args.hazards:
        if not payloads:
            raise SystemExit("hazards need enterprises: give --enterprises too")
        clock = Clock()
        owners = [payloads[number % len(payloads)] for number in range(args.hazards)]
        hazards = connect(settings)[settings.database("inspection")].hazards
        for start in range(0, len(owners), 1000):
            hazards.insert_many(
                volume.general_hazards(
                    owners[start : start + 1000], clock.now(), clock.today().isoformat()
                )
            )
            print(
                f"\r  hazards: {min(start + 1000, len(owners))}/{len(owners)}",
                end="",
                file=sys.stderr,
                flush=True,
            )
        print(f"\n  hazards: {len(owners)} added", file=sys.stderr)


def export_file(args):
    from services.registry import spreadsheet

    settings = _settings()
    query = {
        key: value for key, value in (("region", args.region), ("industry", args.industry)) if value
    }

    def pages(cluster):
        page, exported, total = 1, 0, None
        while True:
            # Counted once, on the first page, for the progress line.
            result = cluster.registry.list(query, page, 200, page == 1)
            total = result["total"] if page == 1 else total
            yield from result["items"]
            exported += len(result["items"])
            print(
                f"\r  exported {exported}/{total if total is not None else '?'}",
                end="",
                file=sys.stderr,
                flush=True,
            )
            if not result["has_more"]:
                return
            page += 1

    with _rpc(settings) as cluster, open(args.file, "wb") as stream:
        spreadsheet.write_xlsx(pages(cluster), stream)
    print(f"\nwrote {args.file}", file=sys.stderr)


def create_user(args):
    settings = _settings()
    password = args.password or os.environ.get("ANJIAN_NEW_USER_PASSWORD")
    if not password:
        import getpass

        password = getpass.getpass(f"password for {args.username}: ")
    _users(settings).create(args.username, password, args.role, args.region, args.uscc)
    print(f"created {args.role} {args.username} ({args.region})")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="anjian", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("serve", help="run one service or the gateway in the foreground")
    command.add_argument("component", choices=COMPONENTS)
    command.set_defaults(handler=serve)
    commands.add_parser("run", help="start everything with demo data; Ctrl-C stops").set_defaults(
        handler=run_platform
    )
    commands.add_parser("up", help="start everything detached, with demo data").set_defaults(
        handler=up
    )
    commands.add_parser("down", help="stop what `up` started").set_defaults(handler=down)
    commands.add_parser(
        "seed-demo", help="load the demo enterprises and users (idempotent)"
    ).set_defaults(handler=seed)
    command = commands.add_parser(
        "resync", help="announce enterprises again, so services deployed later build their copies"
    )
    command.add_argument("usccs", nargs="*", help="only these (default: every enterprise)")
    command.set_defaults(handler=resynchronise)
    command = commands.add_parser("import", help="import enterprises from .xlsx or .csv")
    command.add_argument("file")
    command.set_defaults(handler=import_file)
    command = commands.add_parser(
        "import-ledger",
        help="import a training ledger (people, certificates) or training records (.xlsx, .csv)",
    )
    command.add_argument("file")
    command.set_defaults(handler=import_ledger)
    command = commands.add_parser(
        "load-volume",
        help="add synthetic enterprises and hazards, to try the platform at a city's size",
    )
    command.add_argument("--enterprises", type=int, default=10_000)
    command.add_argument("--hazards", type=int, default=10_000)
    command.add_argument(
        "--first-serial",
        type=int,
        default=1_000_000,
        help="numbering of the synthetic USCCs (default 1000000)",
    )
    command.set_defaults(handler=load_volume)

    command = commands.add_parser("export", help="export enterprises to .xlsx")
    command.add_argument("file")
    command.add_argument("--region")
    command.add_argument("--industry")
    command.set_defaults(handler=export_file)
    command = commands.add_parser("create-user", help="create a user who can sign in")
    command.add_argument("username")
    command.add_argument("--role", required=True)
    command.add_argument("--region", required=True, help="division code of the user's scope")
    command.add_argument("--uscc", help="the enterprise, for enterprise users")
    command.add_argument("--password", help="else ANJIAN_NEW_USER_PASSWORD or a prompt")
    command.set_defaults(handler=create_user)
    args = parser.parse_args(argv)
    from services.kit.pure.errors import DomainError

    try:
        return args.handler(args) or 0
    except DomainError as error:
        details = "".join(f"\n  {field}: {messages}" for field, messages in error.errors.items())
        print(f"anjian: {error.message}{details}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
