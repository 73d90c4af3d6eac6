"""The monitoring service as a nameko service: entrypoints only, from RPC, the readings queue,
timers and events to the device, point, reading, alarm and indicator rules."""

from datetime import timedelta

from services.kit.batching import batched_consumer, batched_handler
from services.kit.broker import DeviceAccountsProvider, mqtt_queue
from services.kit.copies import RegistryCopy
from services.kit.counters import event_changes
from services.kit.mongo import MongoStore
from services.kit.pure.actor import SYSTEM
from services.kit.pure.enterprises import uscc_named
from services.kit.pure.errors import Conflict
from services.kit.pure.schemas import load
from services.kit.pure.times import utc_instant
from services.kit.rules import Rules
from services.kit.runtime import SettingTimer, Shared, rpc
from services.kit.serialize import page_of, plain
from services.kit.service import ServiceBase
from services.monitoring import events
from services.monitoring.domain import alarms, devices, indicators, points, policy, readings
from services.monitoring.domain.common import SERVICE, known_enterprise
from services.monitoring.schemas import (
    AcknowledgeSchema,
    AlarmQuerySchema,
    DeviceCreateSchema,
    DeviceQuerySchema,
    HandlingSchema,
    MonitoringIndicatorQuerySchema,
    PointCreateSchema,
    PointQuerySchema,
    ReadingsQuerySchema,
    RotationSchema,
)
from services.monitoring.store import MonitoringStore

READINGS_QUEUE = mqtt_queue("monitoring.readings", devices.TOPIC_ROOT)
# The reading series a hazard carries as evidence: from a while before the run began, this many
# rows at most.
EVIDENCE_BEFORE = timedelta(minutes=10)
EVIDENCE_ROWS = 200
# Tries at a point's evaluation when other batches keep changing it.
EVALUATION_ATTEMPTS = 5


class MonitoringService(RegistryCopy, ServiceBase):
    name = SERVICE
    store = MongoStore(name, MonitoringStore)
    rules = Rules(checks=policy.RULE_CHECKS)
    accounts = DeviceAccountsProvider()
    rate_limiter = Shared(readings.RateLimiter)

    def _policy(self):
        return policy.policy_on(self.rules, self.clock.today())

    def _enterprise(self, uscc):
        return known_enterprise(self.store.enterprise(uscc), uscc)

    def _series(self, point_id, start, end, max_points):
        """A point's readings between two instants, and those downsampled to `max_points`."""
        found = readings.series(self.store.minutes_of(point_id, start, end), start, end)
        return found, readings.downsampled(found, start, end, max_points)

    # --- devices ---------------------------------------------------------------------------

    @rpc
    def register_device(self, payload):
        fields = load(DeviceCreateSchema(), payload)
        actor = self.caller()
        uscc = uscc_named(fields, actor)
        enterprise = self._enterprise(uscc)
        registered = devices.register(fields, enterprise, actor, self.clock.now())
        return self._keyed(registered[0], lambda: self.store.add_device(*registered))

    @rpc
    def rotate_device_credentials(self, identifier, payload):
        fields = load(RotationSchema(), payload)
        actor = self.caller()
        device = self.store.device_to_change(identifier, actor)
        enterprise = self._enterprise(device["uscc"])
        rotated = devices.rotate_credentials(
            device, fields.get("reason"), enterprise, actor, self.clock.now()
        )
        return self._keyed(device, lambda: self.store.save_device(device, *rotated))

    def _keyed(self, device, store):
        """The device with a new password: the broker takes it before the device is stored (a
        stored device the broker does not know could never sign in; a broker user whose device
        failed to store is merely unused) and it is shown this once."""
        credentials = self.accounts.grant(device["_id"], devices.topic(device["_id"]))
        return {"device": plain(devices.view(store())), "credentials": credentials}

    @rpc
    def get_device(self, identifier):
        return plain(devices.view(self.store.device(identifier, self.caller())))

    @rpc
    def list_devices(self, query):
        query = load(DeviceQuerySchema(), query)
        return page_of(self.store.devices_page(self.caller(), query), query, devices.view)

    # --- points ----------------------------------------------------------------------------

    @rpc
    def register_point(self, payload):
        fields = load(PointCreateSchema(), payload)
        actor = self.caller()
        device = self.store.device_to_change(fields["device_id"], actor)
        enterprise = self._enterprise(device["uscc"])
        point = points.register(fields, enterprise, device, self._policy(), actor, self.clock.now())
        return plain(self.store.add_point(*point))

    @rpc
    def get_point(self, identifier):
        return plain(self.store.point(identifier, self.caller()))

    @rpc
    def list_points(self, query):
        query = load(PointQuerySchema(), query)
        return page_of(self.store.points_page(self.caller(), query), query)

    @rpc
    def point_readings(self, identifier, query):
        """A point's readings between two instants, downsampled when there are more than asked."""
        query = load(ReadingsQuerySchema(), query)
        point = self.store.point(identifier, self.caller())
        start, end = query["from_"], query["to"]
        found, rows = self._series(point["_id"], start, end, query["max_points"])
        return plain(
            {
                "point_id": point["_id"],
                "unit": point["unit"],
                "thresholds": point["thresholds"],
                "readings": len(found),
                "downsampled": len(rows) < len(found),
                "items": rows,
            }
        )

    # --- readings from devices -------------------------------------------------------------

    @batched_consumer(READINGS_QUEUE)
    def ingest_readings(self, messages):
        """Readings as devices published them over MQTT: checked, stored, evaluated for alarms;
        the messages are acknowledged after that. Refused readings are counted per device."""
        now, limits = self.clock.now(), self._policy().ingest
        sent = readings.Batch.of(messages, limits)
        known = self.store.devices_named(sent.by_device)
        owners = self.store.points_named(sent.point_ids())
        accepted, refused = sent.checked(known, owners, self.rate_limiter, limits, now)
        self.store.store_readings(accepted)
        for point_id, group in readings.by_point(accepted).items():
            self._evaluate(owners[point_id], group, now)
        self.store.count_refused(refused)
        self._heard(known.values(), now)

    def _evaluate(self, point, group, now):
        """A point's new readings against its thresholds. Batches run side by side, so another
        may have moved the point on meanwhile: it is read again and the readings it has not
        evaluated yet are looked at again, a few times, before the batch is handed back."""
        for _ in range(EVALUATION_ATTEMPTS):
            excursion, worst = alarms.track(point, group)
            if worst:
                # The alarm before the point: should the point's write fail, the batch comes
                # again and finds the same run, and so the same alarm.
                self._alarm_for(point, worst, now)
            last = group[-1]
            newer = point["latest"] is None or last.at > point["latest"]["at"]
            evaluated = point["evaluated_until"]
            try:
                self.store.evaluated(
                    point,
                    {
                        **point,
                        "excursion": excursion,
                        "evaluated_until": last.at
                        if evaluated is None
                        else max(evaluated, last.at),
                        "latest": {"value": last.value, "at": last.at}
                        if newer
                        else point["latest"],
                    },
                )
                return
            except Conflict:
                point = self.store.point_record(point["_id"])
        raise Conflict(f"point {point['_id']} keeps changing; its readings come again")

    def _alarm_for(self, point, worst, now):
        open_alarm = self.store.open_alarm_of_point(point["_id"])
        if open_alarm is not None:
            raised, made = alarms.raise_level(open_alarm, worst, point["thresholds"], now)
            if made:  # most batches of a run find the alarm at its level already
                self.store.save_alarm(open_alarm, raised, made)
            return
        alarm, made = alarms.open_threshold(point, worst, now)
        if not self.store.add_alarm_once(alarm, made):
            return
        limits = self._policy().alarms
        earlier = self.store.alarms_of_point_since(point["_id"], now - limits.repeat_window) - 1
        if alarms.repeating(earlier, limits):
            self._request_hazard(alarm, alarms.REPEATED, now)

    def _heard(self, heard, now):
        self.store.heard_from([device["_id"] for device in heard], now)
        for device in heard:
            if device["state"] != devices.ONLINE:
                self._guarded(self.store.save_device, device, devices.heard(device, now))

    def enterprises_moved(self, moved):
        """An enterprise the registry moved to another county takes its monitoring there: the new
        county's bureau sees its devices and alarms, the old one no longer does."""
        for uscc, region_code in moved:
            self.store.move_records(uscc, region_code)

    # --- time ------------------------------------------------------------------------------

    @SettingTimer.decorator("monitoring_check_seconds", eager=True)
    def check_alarms(self):
        """Devices silent too long go offline with an alarm; unacknowledged alarms escalate to
        the county bureau; alarms open too long ask for a hazard. One copy of the service runs
        each turn (ClaimedTimer); the version guard still keeps a record from being written
        twice."""
        now, limits = self.clock.now(), self._policy()
        for device in self.store.silent_devices(now - limits.offline_after):
            self.store.add_alarm_once(*alarms.open_offline(device, now))
            self._guarded(self.store.save_device, device, devices.fell_silent(device, now))
        for alarm in self.store.unacknowledged_alarms(now - limits.alarms.acknowledge):
            self._guarded(self.store.save_alarm, alarm, alarms.escalate(alarm, SYSTEM, now))
        for alarm in self.store.alarms_without_hazard(now - limits.alarms.hazard):
            self._request_hazard(alarm, alarms.SUSTAINED, now)

    @staticmethod
    def _guarded(save, before, result):
        try:
            save(before, *result)
        except Conflict:
            pass  # changed meanwhile; the next round looks again

    def _request_hazard(self, alarm, reason, now):
        series = []
        if alarm["point_id"]:
            start = alarm["since"] - EVIDENCE_BEFORE
            _, rows = self._series(alarm["point_id"], start, now, EVIDENCE_ROWS)
            series = [{**row, "at": utc_instant(row["at"])} for row in rows]
        requested = alarms.request_hazard(alarm, reason, series, self._policy().alarms, SYSTEM, now)
        self._guarded(self.store.save_alarm, alarm, requested)

    # --- alarms ----------------------------------------------------------------------------

    @rpc
    def get_alarm(self, identifier):
        return plain(self.store.alarm(identifier, self.caller()))

    @rpc
    def list_alarms(self, query):
        """The live view: a bureau's alarms across its jurisdiction, an enterprise's its own."""
        query = load(AlarmQuerySchema(), query)
        return page_of(self.store.alarms_page(self.caller(), query), query)

    @rpc
    def acknowledge_alarm(self, identifier, payload):
        fields = load(AcknowledgeSchema(), payload)
        actor = self.caller()
        alarm = self.store.alarm_to_change(identifier, actor)
        changed = alarms.acknowledge(alarm, fields, actor, self.clock.now())
        return plain(self.store.save_alarm(alarm, *changed))

    @rpc
    def record_alarm_handling(self, identifier, payload):
        fields = load(HandlingSchema(), payload)
        actor = self.caller()
        alarm = self.store.alarm_to_change(identifier, actor)
        changed = alarms.record_handling(alarm, fields, actor, self.clock.now())
        return plain(self.store.save_alarm(alarm, *changed))

    # --- indicators ------------------------------------------------------------------------

    @rpc
    def monitoring_indicators(self, query):
        fields = load(MonitoringIndicatorQuerySchema(), query)
        prefix = self.caller().indicator_scope(fields["region"])
        return {
            "region": fields["region"],
            "year": fields["year"],
            **indicators.summary(
                self.store.year_counters(prefix, fields["year"]),
                self.store.device_counts(prefix),
            ),
        }

    # --- events ----------------------------------------------------------------------------

    # Counters move in batches; the counter write records the event ids, so no inbox markers.
    @batched_handler(SERVICE, events.OWN_EVENTS)
    def handle_own_event_for_indicators(self, received):
        self.store.add_to_counters(event_changes(received, indicators.counter_deltas))
