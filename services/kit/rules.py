"""A service's rules at run time: the files it ships in `services/<service>/rules/*.yaml`, then a
deployment's own from `$ANJIAN_RULES_DIR/<service>/*.yaml`, read once at start-up.

A file that is wrong stops the service before it takes any request: a platform applying half a
rule set would compute figures nobody can defend.
"""

import logging
from importlib import resources
from pathlib import Path

from nameko.extensions import DependencyProvider

from services.kit.config import Settings
from services.kit.pure.rules import RuleSet

log = logging.getLogger(__name__)


def _declared_files(service, package=None):
    package = package or f"services.{service}"
    try:
        folder = resources.files(package).joinpath("rules")
    except ModuleNotFoundError:  # a service outside the services package declares no rules
        return []
    if not folder.is_dir():
        return []
    where = package.replace(".", "/")
    return [
        (f"{where}/rules/{entry.name}", entry.read_text("utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda entry: entry.name)
        if entry.name.endswith((".yaml", ".yml"))
    ]


def _deployment_files(rules_dir, service):
    if not rules_dir:
        return []
    folder = Path(rules_dir) / service
    return [(str(path), path.read_text("utf-8")) for path in sorted(folder.glob("*.y*ml"))]


def load_rules(service, rules_dir="", checks=None, package=None):
    """`service`'s rules: those its package ships (services.<service> unless named), then the
    deployment's."""
    return RuleSet.from_files(
        _declared_files(service, package),
        _deployment_files(rules_dir, service),
        checks,
    )


class Rules(DependencyProvider):
    """Injects the service's RuleSet; `checks` maps an id prefix to a value check."""

    def __init__(self, checks=None):
        self.checks = checks
        self.rule_set = None

    def setup(self):
        settings = Settings.from_nameko(self.container.config)
        self.service = self.container.service_name
        self.rule_set = load_rules(self.service, settings.rules_dir, self.checks)
        described = self.rule_set.describe()
        log.info(
            "%s applies rule set %s: %d rules, %d from the deployment (%s)",
            self.service,
            self.rule_set.fingerprint,
            len(described["rules"]),
            described["local"],
            settings.rules_dir or "no ANJIAN_RULES_DIR",
        )

    def get_dependency(self, worker_ctx):
        return self.rule_set
