"""Who sees which permits record (spaces, permits, scans, staff): the store's one rule, as a
query on the real database and as the predicate single reads use, over a table of callers and
records. The two faces must agree, and both must give what the table says; an agency is refused
work permits."""

from services.permits.store import visible_to
from tests.support.visibility import OwnOrJurisdictionRule


class TestPermitsVisibility(OwnOrJurisdictionRule):
    visible_to = staticmethod(visible_to)
    database = "permits_visibility"
