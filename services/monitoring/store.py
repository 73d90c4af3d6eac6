"""Monitoring persistence: devices, points and alarms, each document carrying its own outbox;
readings kept one document per point and minute; the copy of the registry's enterprises; the
indicator counters.

Who may see which record is decided here, once, as a query (`visible_to`): lists use it, and a
read of one record checks the document it read against that same query.
"""

from pymongo import ASCENDING, UpdateOne
from pymongo.errors import DuplicateKeyError

from services.kit.copies import EnterpriseCopy
from services.kit.mongo import (
    BaseStore,
    RecordKinds,
    find_by_ids,
    own_or_jurisdiction,
    within_region,
)
from services.kit.outbox import FIELD as OUTBOX
from services.monitoring.domain.readings import bucket_id, minute_of, reading_key

KINDS = {"device": "devices", "point": "points", "alarm": "alarms"}
# Records looked at per timer round: a bounded read however many there are.
CHECK_BATCH = 200


def visible_to(actor, region=None):
    """Every monitoring record: an enterprise user sees its own enterprise's, a bureau what lies
    inside its jurisdiction (narrowed to `region` when a list asks; refused outside it).
    Third-party agencies have no part in an enterprise's monitoring."""
    return own_or_jurisdiction(actor, region, "third-party agencies have no access to monitoring")


def _criteria(query, names):
    return {name: query[name] for name in names if query.get(name) is not None}


class MonitoringStore(EnterpriseCopy, RecordKinds, BaseStore):
    KINDS = KINDS
    visible_to = staticmethod(visible_to)

    @property
    def devices(self):
        return self.db.devices

    @property
    def points(self):
        return self.db.points

    @property
    def alarms(self):
        return self.db.alarms

    @property
    def readings(self):
        return self.db.readings

    def ensure_indexes(self):
        self.index_kinds()
        self.points.create_index("device_id")
        self.devices.create_index([("state", ASCENDING), ("last_seen", ASCENDING)])
        self.alarms.create_index([("point_id", ASCENDING), ("opened_at", ASCENDING)])
        self.alarms.create_index([("state", ASCENDING), ("opened_at", ASCENDING)])
        self.readings.create_index([("point_id", ASCENDING), ("minute", ASCENDING)])
        self.event_counters.ensure_indexes()

    # --- devices ---

    def device(self, identifier, actor):
        return self._seen("device", identifier, actor)

    def device_to_change(self, identifier, actor):
        return self._to_change("device", identifier, actor)

    def add_device(self, device, events):
        return self._save("device", None, device, events)

    def save_device(self, before, after, events):
        return self._save("device", before, after, events)

    def devices_page(self, actor, query):
        return self._page("device", actor, query, _criteria(query, ("uscc", "state")))

    def devices_named(self, device_ids):
        return {
            device["_id"]: device
            for device in find_by_ids(self.devices, device_ids, projection=self.HIDDEN)
        }

    def count_refused(self, refused):
        """{device id: {reason: count}}: readings refused, counted on each device."""
        writes = [
            UpdateOne(
                {"_id": device_id},
                {"$inc": {f"bad_readings.{reason}": count for reason, count in reasons.items()}},
            )
            for device_id, reasons in refused.items()
            if reasons
        ]
        if writes:
            self.devices.bulk_write(writes, ordered=False)

    def heard_from(self, device_ids, now):
        """Devices that sent anything: when they were last heard."""
        if device_ids:
            self.devices.update_many(
                {"_id": {"$in": list(device_ids)}}, {"$set": {"last_seen": now}}
            )

    def silent_devices(self, last_heard_before, limit=CHECK_BATCH):
        return list(
            self.devices.find(
                {"state": "online", "last_seen": {"$lt": last_heard_before}},
                self.HIDDEN,
                limit=limit,
            )
        )

    def device_counts(self, prefix):
        """Devices under `prefix` by enterprise: {uscc: {name, registered, online}}, in one
        grouping pass."""
        counts = {}
        for group in self.devices.aggregate(
            [
                {"$match": within_region(prefix)},
                {
                    "$group": {
                        "_id": {"uscc": "$uscc", "name": "$enterprise_name", "state": "$state"},
                        "devices": {"$sum": 1},
                    }
                },
            ]
        ):
            key = group["_id"]
            found = counts.setdefault(
                key["uscc"], {"name": key.get("name"), "registered": 0, "online": 0}
            )
            found["registered"] += group["devices"]
            if key["state"] == "online":
                found["online"] += group["devices"]
        return counts

    # --- points ---

    def point(self, identifier, actor):
        return self._seen("point", identifier, actor)

    def add_point(self, point, events):
        return self._save("point", None, point, events)

    def evaluated(self, before, after):
        """A point's readings evaluated (latest, runs beyond a threshold): one guarded write, no
        read back, as the readings arrive."""
        self.save(self.points, before, after, [])

    def points_page(self, actor, query):
        criteria = _criteria(query, ("uscc", "device_id", "kind", "risk_feature"))
        return self._page("point", actor, query, criteria, {OUTBOX: 0, "history": 0})

    def points_named(self, point_ids):
        """{point id: point} of those named that exist, found by id."""
        return {
            point["_id"]: point
            for point in find_by_ids(self.points, point_ids, projection=self.HIDDEN)
        }

    def point_record(self, identifier):
        return self.points.find_one({"_id": identifier}, self.HIDDEN)

    # --- readings ---

    def store_readings(self, readings):
        """Readings [Reading] into their point's minute documents, each keyed by its instant, so a
        reading stored again changes nothing. Read by point and minute only: a document holds
        nothing of the enterprise, so an enterprise that moves leaves them as they are."""
        by_bucket = {}
        for reading in readings:
            by_bucket.setdefault(bucket_id(reading.point_id, reading.at), []).append(reading)
        writes = []
        for identifier, group in by_bucket.items():
            writes.append(
                UpdateOne(
                    {"_id": identifier},
                    {
                        "$set": {
                            "point_id": group[0].point_id,
                            "minute": minute_of(group[0].at),
                            **{f"readings.{reading_key(r.at)}": r.value for r in group},
                        }
                    },
                    upsert=True,
                )
            )
        if writes:
            self.readings.bulk_write(writes, ordered=False)

    def minutes_of(self, point_id, start, end):
        """The minute documents of a point from the minute of `start` to `end`."""
        return list(
            self.readings.find(
                {"point_id": point_id, "minute": {"$gte": minute_of(start), "$lte": end}},
                {"readings": 1},
            )
        )

    # --- alarms ---

    def alarm(self, identifier, actor):
        return self._seen("alarm", identifier, actor)

    def alarm_to_change(self, identifier, actor):
        return self._to_change("alarm", identifier, actor)

    def add_alarm_once(self, alarm, events):
        """Store a new alarm unless it is there already (the same run or silence, seen again)."""
        try:
            self._save("alarm", None, alarm, events)
        except DuplicateKeyError:
            return False
        return True

    def save_alarm(self, before, after, events):
        return self._save("alarm", before, after, events)

    def alarms_page(self, actor, query):
        criteria = _criteria(query, ("uscc", "state", "kind", "point_id"))
        if query.get("escalated") is not None:
            criteria["escalated_at"] = {"$ne": None} if query["escalated"] else None
        return self._page("alarm", actor, query, criteria)

    def open_alarm_of_point(self, point_id):
        return self.alarms.find_one({"point_id": point_id, "state": "open"}, self.HIDDEN)

    def alarms_of_point_since(self, point_id, since):
        return self.alarms.count_documents({"point_id": point_id, "opened_at": {"$gte": since}})

    def _open_alarms(self, cutoff, criteria, limit):
        return list(
            self.alarms.find(
                {"state": "open", "opened_at": {"$lte": cutoff}, **criteria},
                self.HIDDEN,
                limit=limit,
            )
        )

    def unacknowledged_alarms(self, opened_before, limit=CHECK_BATCH):
        """Open alarms opened before the cutoff, neither acknowledged nor escalated yet."""
        return self._open_alarms(
            opened_before, {"acknowledgement": None, "escalated_at": None}, limit
        )

    def alarms_without_hazard(self, opened_before, limit=CHECK_BATCH):
        """Open alarms opened before the cutoff that have not asked for a hazard yet."""
        return self._open_alarms(opened_before, {"hazard": None}, limit)

    # --- an enterprise moved ---

    def move_records(self, uscc, region_code):
        """An enterprise's devices, points and alarms (and with its points, their readings) follow
        it to another county. The counters stay where each fact happened."""
        moving = {"uscc": uscc, "region_code": {"$ne": region_code}}
        for collection in (self.devices, self.points, self.alarms):
            collection.update_many(moving, {"$set": {"region_code": region_code}})
