"""The platform's processes under supervisord, which starts again any process that exits.

`anjian up` and `anjian run` write a supervisord configuration under the data folder and let
supervisord (the `supervisor` package) run each component as `anjian serve <component>`. A
component that exits is started again at once; one that dies within STARTUP_SECONDS of being
started waits one second longer before each further try (supervisord's back-off) and is given up
(FATAL) after START_RETRIES such tries in a row. supervisord logs every exit and start in
`log/supervisord.log`. In production systemd units with `Restart=always` or Kubernetes
restarting pods do this job.
"""

import os
import signal
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

from tools.isolated import ROOT, PlatformError, log_tail

STARTUP_SECONDS = 10
START_RETRIES = 30
STOP_SECONDS = 20
ANSWER_SECONDS = 30
GIVEN_UP = "FATAL"


class Supervisor:
    """supervisord for one data folder: its configuration, socket, log and pid file live there."""

    def __init__(self, components, data_dir, log_dir):
        self.components = tuple(components)
        self.run_dir = Path(data_dir).resolve() / "run"
        self.log_dir = Path(log_dir).resolve()
        self.config = self.run_dir / "supervisord.conf"
        self.socket = self.run_dir / "supervisor.sock"
        self.pid_file = self.run_dir / "supervisord.pid"
        self.log = self.log_dir / "supervisord.log"
        self.foreground = None  # the supervisord process, when this object started it attached

    def _configuration(self):
        sections = [
            "[supervisord]",
            f"logfile={self.log}",
            f"pidfile={self.pid_file}",
            f"childlogdir={self.log_dir}",
            "",
            "[unix_http_server]",
            f"file={self.socket}",
            "chmod=0700",
            "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
            "",
            "[supervisorctl]",
            f"serverurl=unix://{self.socket}",
        ]
        for component in self.components:
            sections += [
                "",
                f"[program:{component}]",
                f"command={sys.executable} -m tools.cli serve {component}",
                f"directory={ROOT}",
                "autorestart=true",
                f"startsecs={STARTUP_SECONDS}",
                f"startretries={START_RETRIES}",
                f"stopwaitsecs={STOP_SECONDS}",
                # The gateway's gunicorn workers go with their master.
                "stopasgroup=true",
                "killasgroup=true",
                "redirect_stderr=true",
                f"stdout_logfile={self.log_dir / (component + '.log')}",
            ]
        return "\n".join(sections) + "\n"

    def start(self, attached=False, env=None):
        """Start supervisord with every component; `attached` keeps it a child of this process
        (for `anjian run` and tests), else it detaches and outlives the caller (`anjian up`)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.config.write_text(self._configuration())
        command = [sys.executable, "-m", "supervisor.supervisord", "-c", str(self.config)]
        if attached:
            # A session of its own: Ctrl-C reaches the caller, which then stops supervisord.
            self.foreground = subprocess.Popen(
                [*command, "--nodaemon", "--silent"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        else:
            subprocess.run(command, cwd=ROOT, env=env, check=True)
        deadline = time.monotonic() + ANSWER_SECONDS
        while not self.answers():
            self._check_supervisord()
            if time.monotonic() > deadline:
                raise PlatformError(
                    f"supervisord did not answer within {ANSWER_SECONDS}s; see {self.log}"
                )
            time.sleep(0.2)

    def _rpc(self):
        transport = SupervisorTransport(None, None, serverurl=f"unix://{self.socket}")
        return xmlrpc.client.ServerProxy("http://supervisord", transport).supervisor

    def answers(self):
        try:
            return self._rpc().getState()["statename"] == "RUNNING"
        except (OSError, xmlrpc.client.Error):
            return False

    def processes(self):
        """{component: (state, pid)}, pid 0 while the component is not running."""
        return {
            info["name"]: (info["statename"], info["pid"])
            for info in self._rpc().getAllProcessInfo()
        }

    def pid(self, component):
        return self.processes()[component][1]

    def _check_supervisord(self):
        if self.foreground is not None and self.foreground.poll() is not None:
            raise PlatformError(
                f"supervisord exited with code {self.foreground.returncode}; see {self.log}"
            )

    def check(self):
        """Raise PlatformError if supervisord is gone or has given up on a component."""
        self._check_supervisord()
        for component, (state, _) in self.processes().items():
            if state == GIVEN_UP:
                raise PlatformError(
                    f"{component} keeps exiting and was given up:\n"
                    f"{log_tail(self.log_dir, component)}"
                )

    def wait(self):
        """Block until the attached supervisord exits."""
        self.foreground.wait()

    def _supervisord_pid(self):
        try:
            return int(self.pid_file.read_text())
        except (OSError, ValueError):
            return None

    def stop(self):
        """Stop every component, then supervisord; returns once all of them are gone."""
        if self.foreground is not None:
            if self.foreground.poll() is None:
                self.foreground.send_signal(signal.SIGTERM)
            try:
                self.foreground.wait(timeout=STOP_SECONDS * (len(self.components) + 1))
            except subprocess.TimeoutExpired:
                os.killpg(self.foreground.pid, signal.SIGKILL)
                self.foreground.wait()
            return
        pid = self._supervisord_pid()
        try:
            self._rpc().shutdown()
        except (OSError, xmlrpc.client.Error):
            return
        deadline = time.monotonic() + STOP_SECONDS * (len(self.components) + 1)
        while pid is not None and _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
