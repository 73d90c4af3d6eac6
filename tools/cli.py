"""`anjian`: start and stop the platform, seed demo data, import and export, create users.

Service processes monkey-patch with eventlet before anything else is imported, so this module
imports nameko, pymongo and the services lazily, inside the commands that need them.
"""

import argparse
import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from services import COMPONENTS, SERVICE_NAMES, SERVICES
from services.kit.config import Settings
from tools.backup import SETTLE_SECONDS, BackupError

READY_SECONDS = 90
CLI_USER = "anjian-cli"


def _settings():
    return Settings.from_env()


def _deployment(settings):
    """The deployment's profile, or the CLI stops saying which setting is wrong."""
    from services.kit.pure.deployment import ProfileError

    try:
        return settings.deployment()
    except ProfileError as error:
        raise SystemExit(f"anjian: {error}") from None


def _components(settings):
    """The processes of this deployment: its services, then the gateway in front of them."""
    return (*_deployment(settings).services, "gateway")


def _log_dir(settings):
    return Path(settings.data_dir) / "log"


# --- serving -------------------------------------------------------------------------------


def serve(args):
    settings = _settings()
    if args.component not in _components(settings):
        deployment = _deployment(settings)
        raise SystemExit(
            f"anjian: {args.component} is not deployed here: this "
            f"{deployment.describe()['level']} deployment runs {', '.join(deployment.services)} "
            "(ANJIAN_SERVICES)"
        )
    if args.copies < 1 or (args.copies > 1 and args.component == "gateway"):
        raise SystemExit(
            "anjian: --copies is a number of copies of a service, at least 1 "
            "(the gateway scales by ANJIAN_GATEWAY_WORKERS)"
        )
    if args.component == "gateway":
        from gateway.auth import WeakSecret, check_secret

        try:
            check_secret(settings.jwt_secret)
        except WeakSecret as error:
            raise SystemExit(f"anjian: {error}") from None
        _count_across_workers(settings)
        # Files pass through the gateway in megabyte buffers from many threads; glibc gives each
        # thread a heap of its own that keeps what it freed (a dozen 15 MB uploads left the
        # gateway 70 MB larger for good). One heap, trimmed after each file (see
        # gateway/blueprint.py carries_a_file), gives it back. An explicit setting wins.
        os.environ.setdefault("MALLOC_ARENA_MAX", "1")
        os.execvp(
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "gateway.wsgi:app",
                "--config",
                "python:gateway.serving",
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
    # Further copies are processes of their own (each a core's worth of work), started before
    # this one patches the standard library; they share the queues as competing consumers.
    copies = [_start_copy(args.component) for _ in range(args.copies - 1)]
    try:
        import eventlet

        eventlet.monkey_patch()
        from nameko.cli.run import run

        from services.kit import logs

        logs.configure(args.component)
        entry = next(entry for entry in SERVICES if entry.name == args.component)
        run([entry.service_class()], settings.nameko_config())
    finally:
        for copy in copies:
            copy.terminate()
        for copy in copies:
            copy.wait()


def _start_copy(component):
    """One more copy of a service; it serves no metrics (the first copy has the port)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tools.cli", "serve", component],
        env={**os.environ, "ANJIAN_METRICS_PORT": "0"},
        stdin=subprocess.DEVNULL,
    )


def _count_across_workers(settings):
    """The gateway's gunicorn workers count their metrics in files of a folder of their own, which
    the master sums (gateway/serving.py); a folder left by an earlier run is emptied first."""
    if not settings.metrics_port:
        return
    folder = Path(settings.data_dir).resolve() / "run" / f"metrics-gateway-{settings.gateway_port}"
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.mkdir(parents=True)
    except OSError as error:
        print(f"anjian: the gateway serves no metrics, {folder} cannot be made: {error}")
        return
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def _gateway_url(settings):
    return f"http://{settings.gateway_host}:{settings.gateway_port}"


def _supervisor(settings, components=None):
    from tools.supervision import Supervisor

    components = components or _components(settings)
    return Supervisor(components, settings.data_dir, _log_dir(settings))


# (setting, file in the data folder, what it is) of the secrets `run` and `up` provide.
DATA_SECRETS = (
    ("pii_key", "demo-pii.key", "a demo key for personal ID numbers"),
    ("qr_key", "demo-qr.key", "a demo key for the QR codes at confined-space entrances"),
    ("jwt_secret", "jwt.secret", "the secret that signs sign-in tokens"),
)


def _provide_secrets(settings):
    """`run` and `up` start the platform on one machine: a secret not given in the environment is
    made at random once for this data folder, readable only by its owner, and kept there (so the
    data stays readable and tokens stay valid across restarts). Anything else (`serve`,
    containers) refuses to start without them; nothing is published as a default."""
    for setting, filename, what in DATA_SECRETS:
        if getattr(settings, setting):
            continue
        path = Path(settings.data_dir) / filename
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
            print(f"  made {what} in {path}; set ANJIAN_{setting.upper()} to use your own")
        os.environ[f"ANJIAN_{setting.upper()}"] = path.read_text().strip()


def _start_all(settings, attached):
    """Every component under supervisord, ready to serve; the supervisor is returned."""
    from tools.isolated import PlatformError, wait_until_ready

    _deployment(settings)  # a wrong profile stops here, before anything is made or started
    _provide_secrets(settings)
    supervisor = _supervisor(settings)
    started = not supervisor.answers()
    if started:
        components = ", ".join(supervisor.components)
        print(f"  starting {components} under supervisord (log: {supervisor.log})")
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
    _prepare_federation(settings)
    return supervisor


def _prepare_federation(settings):
    """A deployment of a level passes its facts upward and takes its children's (idempotent)."""
    from services.kit import federation
    from services.kit.pure.deployment import parse_names

    profile = _deployment(settings)
    if not settings.level:
        return
    broker = federation.Broker(settings.amqp_uri, settings.broker_management_url)
    try:
        federation.open_upward(broker, profile.services, parse_names(settings.upward_events))
        federation.take_from_children(broker, profile.services)
        federation.open_downward(broker, profile.services)
        federation.take_from_parent(broker, profile.services)
    except federation.FederationError as error:
        raise SystemExit(f"anjian: could not prepare federation: {error}") from None
    print(
        f"  federation: {profile.level} {profile.region} passes its facts up (anjian.upward) "
        "and what it publishes down (anjian.downward)"
    )


def federate(args):
    """Link a child deployment (a county, to its city) or, with --parent, this deployment to its
    parent; or show the links."""
    from services.kit import federation

    settings = _settings()
    broker = federation.Broker(settings.amqp_uri, settings.broker_management_url)
    try:
        if args.remove:
            federation.unlink(broker, args.remove)
        elif args.name:
            if not args.uri:
                whose = "parent's" if args.parent else "child's"
                raise SystemExit(f"anjian federate: give the {whose} AMQP URI too")
            linking = federation.link_parent if args.parent else federation.link
            linking(broker, args.name, args.uri)
        for found in broker.links():
            print(f"  {found['upstream']} ({found['exchange']}): {found['status']}")
    except federation.FederationError as error:
        raise SystemExit(f"anjian federate: {error}") from None


def publish_rule_file(settings, service, path):
    """Send the rules file at `path` for `service` to the deployments below that of `settings`;
    the service checks it first with its loader (a broken file is InvalidInput)."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SystemExit(f"anjian rules publish: cannot read {path}: {error}") from None
    from nameko.exceptions import MethodNotFound

    with _rpc(settings) as cluster:
        try:
            return getattr(cluster, service).publish_rule_set({"name": path.name, "text": text})
        except MethodNotFound:
            raise SystemExit(
                f"anjian rules publish: the {service} service takes no published rules"
            ) from None


def publish_rules(args):
    """Send a rules file to the deployments below this one, for one service."""
    published = publish_rule_file(_settings(), args.service, args.file)
    print(
        f"published {published['name']} for {published['service']} from "
        f"{published['published_by']} (event {published['event_id']}); this deployment's rule "
        f"set with it: {published['fingerprint']}"
    )


def _banner(settings):
    url = _gateway_url(settings)
    password = settings.demo_password
    from tools import demo

    print(
        f"\nanjian is up.\n  console:  {url}/\n  API:      {url}/api/v1\n"
        f"  API docs: {url}/api/docs\n  health:   {url}/readyz\n\n"
        f"Demo logins (password {password!r}):"
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
    # Whatever the profile says now: supervisord stops what it runs.
    supervisor = _supervisor(_settings(), COMPONENTS)
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


def create_account(cluster, username, password, role, region, uscc=None):
    """An account through the registry, as an administrator creates one: the same rules as the
    API's, except that the password typed here need not be changed at first sign-in."""
    payload = {"username": username, "password": password, "role": role}
    payload.update({"uscc": uscc} if uscc else {"region_scope": region})
    cluster.registry.create_account({**payload, "must_change_password": False})


def add_account(settings, username, password, role, region=None, uscc=None):
    """One account, as `create-user` makes it, in the platform of `settings`."""
    with _rpc(settings) as cluster:
        create_account(cluster, username, password, role, region, uscc)


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
    created = 0
    with _rpc(settings) as cluster:
        for username, role, scope, uscc in demo.users():
            try:
                create_account(cluster, username, settings.demo_password, role, scope, uscc)
                created += 1
            except Duplicate:
                pass
    print(f"  demo users: {created} new, {len(demo.users()) - created} already there")
    deployment = _deployment(settings)
    for services, step in SEEDING:
        if all(deployment.runs(name) for name in services):
            step(settings)
        else:
            print(
                f"  demo {step.__name__[6:]}: skipped, {' and '.join(services)} not deployed here"
            )


def _seed_projects(settings):
    """Construction projects through their stages, each county's spot-check sample of the
    projects accepted this year and their spot checks; re-assessed grades (the history behind
    targets 3 and 6)."""
    from services.kit.pure.errors import Conflict
    from tools import demo

    today = settings.clock().today()
    with _rpc(settings) as cluster:
        planned = demo.projects(today)
        # Projects are registered in order: the last one's enterprise having one means all do.
        if cluster.registry.list_projects({"uscc": planned[-1][0]["uscc"], "page_size": 1})[
            "items"
        ]:
            print("  demo projects: already there")
            return
        registry = cluster.registry
        # Independent calls go out together (the registry's workers take them side by side);
        # each project's stages follow one another, round by round.
        projects = _together(registry.register_project, [(body,) for body, _ in planned])
        for round_ in range(max(len(stages) for _, stages in planned)):
            due = [
                (index, stages[round_])
                for index, (_, stages) in enumerate(planned)
                if round_ < len(stages)
            ]
            recorded = _together(
                registry.record_stage, [(projects[index]["id"], stage) for index, stage in due]
            )
            for (index, _), project in zip(due, recorded, strict=True):
                projects[index] = project
        accepted = [project for project in projects if project["accepted_on"]]
        spot_checked = 0
        for county in sorted({project["region_code"] for project in accepted}):
            population = {p["id"]: p for p in accepted if p["region_code"] == county}
            plan = registry.draw_spot_check_plan(
                {
                    "region": county,
                    "year": today.year,
                    "sample_size": max(1, len(population) * 3 // 5),
                    "seed": demo.PROJECT_SEED,
                }
            )
            conclusion = "安全设施与主体工程同时设计、同时施工、同时投入使用"
            spot_checked += len(
                _together(
                    registry.record_spot_check,
                    [
                        (
                            identifier,
                            {
                                "checked_on": population[identifier]["accepted_on"],
                                "plan_id": plan["id"],
                                "conclusion": conclusion,
                            },
                        )
                        for identifier in plan["sample"]
                        # The county's sample may hold projects of others than the demo.
                        if identifier in population
                    ],
                )
            )
        regraded = _together(registry.record_grade, demo.reassessments(today), Conflict)
    print(
        f"  demo projects: {len(planned)}, {spot_checked} spot-checked; "
        f"{len(regraded)} grades re-assessed"
    )


# Calls in flight at once: fewer than a service has workers, which refuses more as busy.
IN_FLIGHT = 8


def _together(method, argument_lists, skipped=()):
    """Call an RPC method once per argument list, IN_FLIGHT at a time; the answers in order,
    without those refused with one of the `skipped` errors (a run stopped halfway left them
    done)."""
    argument_lists = list(argument_lists)
    answers = []
    for start in range(0, len(argument_lists), IN_FLIGHT):
        pending = [
            method.call_async(*arguments) for arguments in argument_lists[start : start + IN_FLIGHT]
        ]
        for reply in pending:
            try:
                answers.append(reply.result())
            except skipped:
                pass
    return answers


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
            page = _patiently(cluster.training.list_persons, {"uscc": uscc, "page_size": 200})
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


def _seed_credit(settings):
    """The demo's untrustworthy-list cases, moved to their outcome, once the credit service has
    learnt of the enterprises from the registry's events."""
    from services.kit.pure.errors import Duplicate, InvalidInput
    from tools import demo

    opened = 0
    with _rpc(settings) as cluster:
        for body, outcome in demo.credit_cases():
            deadline = time.monotonic() + TRAINING_WAIT_SECONDS
            while True:
                try:
                    case = cluster.credit.open_case(body)
                    break
                except Duplicate:
                    case = None
                    break
                except InvalidInput:
                    if time.monotonic() > deadline:
                        print("  demo credit: the credit service does not know the enterprises yet")
                        return
                    time.sleep(1)
            if case is None:
                continue
            opened += 1
            cluster.credit.notify(case["id"], {"reasons": "演示：严重违法失信行为"})
            cluster.credit.receive_representation(case["id"], {"text": "演示：当事人陈述"})
            cluster.credit.decide(
                case["id"],
                {
                    "outcome": outcome,
                    "decision_number": body["records"][0].replace("罚", "信"),
                    "reasons": "演示：事实清楚，证据确凿",
                },
            )
            if outcome == "list":
                cluster.credit.publish(case["id"], {"measures": ["frequent_inspection"]})
    print(f"  demo credit: {opened} new cases")


# Reads the seeding makes while the services are still digesting its imports: tried this often.
BUSY_ATTEMPTS = 5


def _patiently(call, *args):
    """A read that a database busy with the demo's own imports may time out: tried again."""
    from services.kit.pure.errors import TimedOut, Unavailable

    for attempt in range(BUSY_ATTEMPTS):
        try:
            return call(*args)
        except (TimedOut, Unavailable):
            if attempt == BUSY_ATTEMPTS - 1:
                raise
            time.sleep(2)


def _wait_for(what, answer, seconds=TRAINING_WAIT_SECONDS):
    """`answer()` once it is truthy, or None after `seconds` (saying what was waited for)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = answer()
        if found:
            return found
        time.sleep(1)
    print(f"  demo: {what} did not happen in time; run `anjian seed-demo` again later")
    return None


def _seed_permits(settings):
    """Confined spaces (some with their sign photographed), trained crews, and permits in several
    states with gas tests, for some demo enterprises of one county."""
    from services.kit.pure.errors import NotFound
    from tools import demo

    chosen = demo.confined_space_enterprises()
    with _rpc(settings) as cluster:

        def permits_know_them():
            try:
                return all(cluster.permits.space_labels({"uscc": e["uscc"]}) for e in chosen)
            except NotFound:
                return False

        if not chosen or not _wait_for("the permits service to learn of them", permits_know_them):
            return
        if _patiently(cluster.permits.list_spaces, {"uscc": chosen[0]["uscc"]})["items"]:
            print("  demo permits: already there")
            return
        made = {"spaces": 0, "permits": 0}
        for index, enterprise in enumerate(chosen):
            crew = _demo_crew(settings, cluster, enterprise)
            spaces = []
            for body, signed in demo.spaces(enterprise):
                space = cluster.permits.register_space(body)
                if signed:
                    photo = _evidence_photo(settings, cluster, enterprise["uscc"], space)
                    cluster.permits.record_signage(space["id"], {"photo": photo})
                spaces.append((space, body))
                made["spaces"] += 1
            if not _wait_for(
                "the permits service to learn of the crews' training",
                functools.partial(_crew_known, cluster, enterprise["uscc"], len(crew)),
            ):
                return
            state = demo.PERMIT_STATES[index % len(demo.PERMIT_STATES)]
            _demo_permit(settings, cluster, spaces[0], crew, state)
            made["permits"] += 1
    print(f"  demo permits: {made['spaces']} spaces, {made['permits']} permits")


def _demo_crew(settings, cluster, enterprise):
    """An enterprise's confined-space crew on its staff, trained a month ago: their ids."""
    from tools import demo

    crew = [_registered(cluster, body) for body in demo.confined_space_crew(enterprise)]
    session = cluster.training.record_session(
        {
            "uscc": enterprise["uscc"],
            "topic": "有限空间作业专项培训",
            "kind": "confined_space_annual",
            "held_on": _today_minus(settings, 30),
            "hours": 8.0,
            "trainer": "市安全生产培训中心",
            "participants": crew,
        }
    )
    cluster.training.record_results(
        session["id"], {"results": [{"person_id": person, "result": "passed"} for person in crew]}
    )
    return crew


def _registered(cluster, body):
    """The person's id, registering them unless an earlier, interrupted seeding did."""
    from services.kit.pure.errors import Duplicate

    try:
        return cluster.training.register_person(body)["id"]
    except Duplicate:
        query = {"uscc": body["uscc"], "id_number": body["id_number"]}
        return cluster.training.list_persons(query)["items"][0]["id"]


def _crew_known(cluster, uscc, size):
    """The permits service knows `size` people of the enterprise, each trained."""
    staff = _patiently(cluster.permits.list_staff, {"uscc": uscc, "page_size": 50})["items"]
    return (
        len([person for person in staff if all(role["valid"] for role in person["roles"])]) >= size
    )


def _today_minus(settings, days):
    from datetime import timedelta

    return (settings.clock().today() - timedelta(days=days)).isoformat()


def _evidence_photo(settings, cluster, uscc, space):
    """The photo of a space's warning sign, as evidence on file (here: its printed label)."""
    import io

    from services.kit.evidence import EvidenceStore
    from services.permits import labels

    picture = labels.png(space["scan_url"])
    stored = EvidenceStore(settings, settings.clock()).put(
        io.BytesIO(picture), len(picture), "警示标志.png"
    )
    return cluster.inspection.record_evidence({**stored, "filename": "警示标志.png", "uscc": uscc})[
        "id"
    ]


def _demo_permit(settings, cluster, chosen, crew, state):
    """A permit of the space taken to `state` through the same commands a user sends."""
    from datetime import timedelta

    from tools import demo

    space, body = chosen
    principal, guardian, first, second, rescuer = crew
    now = settings.clock().now()
    permit = cluster.permits.apply_permit(
        {
            "space_id": space["id"],
            "purpose": f"{space['name']}清理检修",
            "window_start": (now - timedelta(minutes=30)).isoformat(),
            "window_end": (now + timedelta(hours=8)).isoformat(),
            "approver": principal,
            "guardian": guardian,
            "entrants": [first, second],
            "rescuers": [rescuer],
        }
    )
    order = ("submitted", "approved", "in_progress", "interrupted", "finished")
    reached = order[: order.index(state) + 1] if state in order else ()
    permits = cluster.permits
    if "submitted" in reached:
        permits.submit_permit(permit["id"], {})
    if "approved" in reached:
        permits.approve_permit(permit["id"], {})
        permits.record_step(permit["id"], {"step": "ventilation"})
        permits.record_gas_test(permit["id"], demo.gas_test(body))
        permits.record_step(permit["id"], {"step": "briefing"})
        permits.record_step(
            permit["id"],
            {
                "step": "checklist",
                "items": [{"item": "隔离、通风、检测、救援器材到位", "checked": True}],
            },
        )
    if "in_progress" in reached:
        token = space["scan_url"].split("token=")[1]
        scan = {"token": token, "guardian": guardian, "device_time": now.isoformat()}
        # One refusal first (an entrant not on the permit), then the crew goes in.
        permits.scan({**scan, "entrants": [first, rescuer]})
        permits.scan({**scan, "entrants": [first, second]})
    if "interrupted" in reached:
        permits.interrupt_permit(permit["id"], {"reason": "检测仪报警，人员撤出"})
    if "finished" in reached:
        permits.finish_permit(permit["id"], {"note": "作业完成，人员全部撤出"})


# The demo's sensor history: a reading every MONITORING_INTERVAL seconds for the last
# MONITORING_STEPS intervals (15 minutes), so the drift is held past its hold time.
MONITORING_INTERVAL = 10
MONITORING_STEPS = 90
MONITORING_DEVICES_FILE = "monitoring-devices.json"


def _seed_monitoring(settings):
    """Devices with points on the sites of some demo enterprises of one county, and a quarter of
    an hour of their readings published over MQTT as the devices would (one point drifting past
    high-high: an alarm). The devices' credentials go to .data/monitoring-devices.json, so
    `python -m tools.device_simulator .data/monitoring-devices.json` carries on live."""
    from datetime import timedelta

    from services.kit.pure.errors import InvalidInput
    from tools import demo, device_simulator

    chosen = demo.monitored_enterprises()
    with _rpc(settings) as cluster:
        if not chosen:
            return
        if _patiently(cluster.monitoring.list_devices, {"uscc": chosen[0]["uscc"]})["items"]:
            print("  demo monitoring: already there")
            return

        def first_device():
            try:
                return cluster.monitoring.register_device(
                    {"uscc": chosen[0]["uscc"], "name": "除尘器在线监测网关"}
                )
            except InvalidInput:
                return None  # the monitoring service has not learnt of the enterprise yet

        first = _wait_for("the monitoring service to learn of the enterprises", first_device)
        if not first:
            return
        devices = []
        for index, enterprise in enumerate(chosen):
            registered = (
                first
                if index == 0
                else cluster.monitoring.register_device(
                    {"uscc": enterprise["uscc"], "name": "在线监测网关"}
                )
            )
            points = []
            for body, fault in demo.monitoring_points(enterprise, index):
                point = cluster.monitoring.register_point(
                    {**body, "device_id": registered["device"]["id"]}
                )
                points.append({**point, "fault": fault})
            devices.append({"credentials": registered["credentials"], "points": points})
    start = settings.clock().now() - timedelta(seconds=MONITORING_INTERVAL * MONITORING_STEPS)
    sent = sum(
        device_simulator.replay(device, start, MONITORING_INTERVAL, MONITORING_STEPS)
        for device in devices
    )
    path = Path(settings.data_dir) / MONITORING_DEVICES_FILE
    path.write_text(json.dumps(devices, ensure_ascii=False, indent=1), encoding="utf-8")
    path.chmod(0o600)
    print(f"  demo monitoring: {len(devices)} devices, {sent} readings published (devices: {path})")


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


# Each seeding step after the enterprises and users, with the services it needs besides the
# registry (every deployment runs that one).
SEEDING = (
    ((), _seed_projects),
    (("training",), _seed_training),
    (("credit",), _seed_credit),
    (("permits", "training"), _seed_permits),
    (("inspection",), _seed_preparedness),
    (("monitoring",), _seed_monitoring),
)


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


# --- backup --------------------------------------------------------------------------------


def _rules_in_force(settings):
    """{service: its rules_in_force answer}, or why it did not answer."""
    from nameko.standalone.rpc import ClusterRpcProxy

    answers = {}
    with ClusterRpcProxy(
        {"AMQP_URI": settings.amqp_uri, "SERIALIZER": "json"},
        context_data=_cli_actor().to_context(),
        timeout=settings.rpc_timeout_seconds,
    ) as cluster:
        # Asked together, so services that are down cost one timeout, not one each.
        asked = {name: getattr(cluster, name).rules_in_force.call_async() for name in SERVICE_NAMES}
        for name, reply in asked.items():
            try:
                answers[name] = reply.result()
            except Exception as error:  # a service that is down: the backup says so
                answers[name] = {"unavailable": f"{type(error).__name__}: {error}"}
    return answers


def _seconds_by_part(timings):
    return ", ".join(f"{part} {seconds:.1f}s" for part, seconds in timings.items())


def take_backup(args):
    from tools import backup

    settings = _settings()
    deployment = backup.deployment_of(settings)
    folder = Path(args.dir)
    started = time.monotonic()
    manifest = backup.Backup(
        folder,
        deployment,
        backup.EmbeddedDatabases(
            args.sqlite_dir or Path(settings.data_dir) / "ferretdb", settings.database_prefix
        ),
        backup.BucketObjects(settings),
        backup.Broker(settings.amqp_uri, settings.broker_management_url),
        lambda: _rules_in_force(settings),
        settle=args.settle,
    ).take(incremental=args.incremental)
    documents = sum(sum(entry["collections"].values()) for entry in manifest["databases"].values())
    objects = manifest["objects"]
    print(
        f"backup complete in {time.monotonic() - started:.1f}s: {len(manifest['databases'])} "
        f"databases, {documents} documents; {objects['count']} evidence objects "
        f"({objects['bytes'] / 1e6:.1f} MB, {objects['copied']} copied now); "
        f"{manifest[backup.EVENTS]['count']} recent events kept\n"
        f"  {_seconds_by_part(manifest['seconds_by_part'])}\n"
        f"  manifest sha256 {backup.sha256_of(folder / backup.MANIFEST)}"
    )
    if args.keep:
        for pruned in backup.prune(folder.resolve().parent, deployment, args.keep):
            print(f"  pruned {pruned}")


def verify_backup(args):
    from tools import backup

    found = backup.problems(args.dir)
    for name, why in found:
        print(f"  {name}: {why}")
    if found:
        print(f"the backup in {args.dir} is NOT sound ({len(found)} problems)")
        return 1
    manifest = backup.read_manifest(args.dir)
    print(
        f"the backup in {args.dir} is sound: taken {manifest['started_at']} by version "
        f"{manifest['platform_version']}, {len(manifest['databases'])} databases, "
        f"{manifest['objects']['count']} evidence objects"
    )
    return 0


def restore_backup(args):
    from tools import backup

    settings = _settings()
    started = time.monotonic()
    restore = backup.Restore(
        args.dir,
        settings,
        backup.BucketObjects(settings),
        backup.Broker(settings.amqp_uri, settings.broker_management_url),
    )
    manifest, republished = restore.run(force=args.force)
    print(
        f"restored the backup of {manifest['started_at']} in {time.monotonic() - started:.1f}s "
        f"({_seconds_by_part(restore.timings)}); {republished} recent events published again."
        "\nStart the platform: anjian up"
    )


def create_user(args):
    settings = _settings()
    password = args.password or os.environ.get("ANJIAN_NEW_USER_PASSWORD")
    if not password:
        import getpass

        password = getpass.getpass(f"password for {args.username}: ")
    add_account(settings, args.username, password, args.role, args.region, args.uscc)
    print(f"created {args.role} {args.username} ({args.region})")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="anjian", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("serve", help="run one service or the gateway in the foreground")
    command.add_argument("component", choices=COMPONENTS)
    command.add_argument(
        "--copies",
        type=int,
        default=1,
        help="run this many copies of a service, sharing its queues (the gateway has workers)",
    )
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
    command = commands.add_parser(
        "backup", help="copy the running deployment's data into an empty folder"
    )
    command.add_argument("dir")
    command.add_argument(
        "--incremental",
        action="store_true",
        help="update a backup of this deployment in DIR: evidence already there is not copied",
    )
    command.add_argument(
        "--keep", type=int, help="then delete this deployment's backups beside DIR but the newest N"
    )
    command.add_argument(
        "--sqlite-dir", help="FerretDB's SQLite folder (default: $ANJIAN_DATA_DIR/ferretdb)"
    )
    command.add_argument(
        "--settle",
        type=float,
        default=SETTLE_SECONDS,
        help="seconds events are collected before the databases are copied "
        f"(default {SETTLE_SECONDS:g})",
    )
    command.set_defaults(handler=take_backup)
    command = commands.add_parser(
        "verify-backup", help="check a backup's checksums and files without restoring it"
    )
    command.add_argument("dir")
    command.set_defaults(handler=verify_backup)
    command = commands.add_parser("restore", help="restore a backup into an empty deployment")
    command.add_argument("dir")
    command.add_argument(
        "--force", action="store_true", help="replace what the deployment holds already"
    )
    command.set_defaults(handler=restore_backup)
    command = commands.add_parser(
        "federate",
        help="link a child deployment's events into this one, or this one to its parent's "
        "rule sets and campaigns (--parent), or list the links",
    )
    command.add_argument(
        "name", nargs="?", help="a name for the child (county-620722) or the parent (city-620700)"
    )
    command.add_argument("uri", nargs="?", help="its AMQP URI (its broker and vhost)")
    command.add_argument(
        "--parent",
        action="store_true",
        help="the deployment named is this one's parent: take what it publishes downward",
    )
    command.add_argument("--remove", metavar="NAME", help="remove the link to this child or parent")
    command.set_defaults(handler=federate)
    command = commands.add_parser("rules", help="rules published to the deployments below")
    actions = command.add_subparsers(dest="action", required=True)
    command = actions.add_parser(
        "publish",
        help="send a rules file (the format of services/<service>/rules/*.yaml) for one service "
        "to every deployment below this one; it replaces the file published before",
    )
    command.add_argument("service", choices=SERVICE_NAMES)
    command.add_argument("file")
    command.set_defaults(handler=publish_rules)
    command = commands.add_parser("create-user", help="create a user who can sign in")
    command.add_argument("username")
    command.add_argument("--role", required=True)
    command.add_argument(
        "--region", help="division code of the user's scope (an enterprise user takes its own)"
    )
    command.add_argument("--uscc", help="the enterprise, for enterprise users")
    command.add_argument("--password", help="else ANJIAN_NEW_USER_PASSWORD or a prompt")
    command.set_defaults(handler=create_user)
    args = parser.parse_args(argv)
    from services.kit.pure.errors import DomainError

    try:
        return args.handler(args) or 0
    except BackupError as error:
        print(f"anjian: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        details = "".join(f"\n  {field}: {messages}" for field, messages in error.errors.items())
        print(f"anjian: {error.message}{details}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
