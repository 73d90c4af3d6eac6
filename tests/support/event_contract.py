"""The events a domain emits, checked against what its service's `events.py` declares.

A unit-test conftest records every event the domain modules make during a test and, after it,
refuses any whose type is undeclared or whose `data` does not validate against the declared
schema: every domain test is then also a test of the published contract.
"""

import importlib
import pkgutil

from services.kit.pure import envelope


def record_emitted(monkeypatch, domain_package):
    """Make the modules of `domain_package` record the events they make; returns the record."""
    emitted = []
    make_event = envelope.make_event

    def make_and_record(**attributes):
        event = make_event(**attributes)
        emitted.append(event)
        return event

    # The envelope's own, for events a domain makes through ServiceEvents.
    monkeypatch.setattr(envelope, "make_event", make_and_record)
    package = importlib.import_module(domain_package)
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{domain_package}.{module_info.name}")
        if getattr(module, "make_event", None) is make_event:
            monkeypatch.setattr(module, "make_event", make_and_record)
    return emitted


def contract_problems(emitted, published):
    """What is wrong with the emitted events, given the declared [Published]: [] when nothing."""
    schemas = {declared.type: declared.schema for declared in published}
    problems = []
    for event in emitted:
        schema = schemas.get(event["type"])
        if schema is None:
            problems.append(f"{event['type']} is not declared")
        elif errors := schema().validate(event["data"]):
            problems.append(f"{event['type']}: {errors}")
    return problems
