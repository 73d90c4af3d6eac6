"""What a save writes: only what a command changed, appending to lists that only grew."""

import pytest

from services.kit.mongo import changes, matches


def test_unchanged_fields_and_the_bookkeeping_fields_are_not_written():
    before = {"_id": "a", "version": 3, "outbox": [], "name": "x", "state": "open"}
    after = {**before, "version": 9, "outbox": [{"id": "e"}], "state": "closed"}
    assert changes(before, after) == {"$set": {"state": "closed"}}


def test_a_list_that_only_grew_is_appended_to_and_any_other_change_replaces_it():
    before = {"history": [1, 2], "tags": ["a", "b"]}
    after = {"history": [1, 2, 3, 4], "tags": ["b"], "new": [5]}
    assert changes(before, after) == {
        "$push": {"history": {"$each": [3, 4]}},
        "$set": {"tags": ["b"], "new": [5]},
    }


def test_nothing_changed_means_nothing_to_write():
    document = {"_id": "a", "version": 1, "items": [1]}
    assert changes(document, dict(document)) == {}


@pytest.mark.parametrize(
    "query, document, expected",
    [
        ({"uscc": "A"}, {"uscc": "A"}, True),
        ({"uscc": "A"}, {"uscc": "B"}, False),
        ({"mode": {"$ne": "unannounced"}}, {}, True),
        ({"region_code": {"$regex": "^6207"}}, {"region_code": "620722"}, True),
        ({"region_code": {"$regex": "^6207"}}, {"region_code": None}, False),
        ({"$or": [{"a": 1}, {"b": 2}]}, {"b": 2}, True),
        ({"$and": [{"a": 1}, {"b": 2}]}, {"a": 1}, False),
    ],
)
def test_matches_evaluates_the_operators_the_visibility_rules_use(query, document, expected):
    assert matches(query, document) is expected


def test_matches_refuses_an_operator_it_does_not_know():
    with pytest.raises(ValueError):
        matches({"n": {"$gt": 1}}, {"n": 2})
