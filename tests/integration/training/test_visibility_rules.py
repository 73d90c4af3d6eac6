"""Who sees which training record: the store's one rule, as a query on the real database and as
the predicate single reads use, over a table of callers and records. The two faces must agree,
and both must give what the table says; an agency is refused personal records."""

from services.training.store import visible_to
from tests.support.visibility import OwnOrJurisdictionRule


class TestTrainingVisibility(OwnOrJurisdictionRule):
    visible_to = staticmethod(visible_to)
    database = "training_visibility"
