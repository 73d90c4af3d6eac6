"""A copy fed a batch that repeats events it already applied, as after a redelivery or a restore:
the repeats change nothing, the new events are written, and nothing fails."""

from datetime import datetime, timedelta, timezone

from services.kit.copies import keep_newest

THEN = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def test_a_batch_repeating_applied_events_writes_only_what_is_newer(mongo, settings):
    copy = mongo[settings.database("copies")].enterprises
    keep_newest(copy, [("A", {"name": "甲"}, THEN), ("B", {"name": "乙"}, THEN)])
    later = THEN + timedelta(minutes=1)
    keep_newest(
        copy,
        [
            ("A", {"name": "甲"}, THEN),  # repeated
            ("B", {"name": "乙-old"}, THEN - timedelta(minutes=1)),  # late
            ("C", {"name": "丙"}, THEN),  # new
            ("A", {"name": "甲-renamed"}, later),  # newer
        ],
    )
    assert {document["_id"]: document["name"] for document in copy.find()} == {
        "A": "甲-renamed",
        "B": "乙",
        "C": "丙",
    }


def test_a_record_new_to_the_copy_named_twice_in_one_batch_keeps_the_newer(mongo, settings):
    """The batch's first write of a new record inserts it; the second applies only if newer,
    whichever order the two come in."""
    copy = mongo[settings.database("copies")].named_twice
    copy.drop()
    later = THEN + timedelta(minutes=1)
    keep_newest(
        copy,
        [
            ("D", {"name": "丁"}, THEN),
            ("D", {"name": "丁-renamed"}, later),
            ("E", {"name": "戊-renamed"}, later),
            ("E", {"name": "戊"}, THEN),
        ],
    )
    assert {document["_id"]: document["name"] for document in copy.find()} == {
        "D": "丁-renamed",
        "E": "戊-renamed",
    }
