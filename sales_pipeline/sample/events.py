"""CRM visits and meetings (Event rows): their versions, deletions and late changes."""

from __future__ import annotations

import numpy as np

from sales_pipeline.sample.parameters import (
    DAY,
    DESCRIPTIONS,
    DM_FOCUS,
    EVENT_TYPES,
    HOUR,
    LOGGED_CALL,
    MEETING,
    OTHER,
    SUBJECTS,
    TS_OFFSET,
    TS_Z_MILLIS,
    VISIT,
    WHO_SHARE,
)
from sales_pipeline.sample.randomness import Generator, Streams, pick, runs_offsets, weighted
from sales_pipeline.sample.rendering import boolean_text, byte_table, padded_ids, render_instants
from sales_pipeline.sample.tables import Table, concat, take
from sales_pipeline.sample.world import World, profile_rate


def event_rates(kind: np.ndarray) -> np.ndarray:
    names = ("visits", "meetings", "logged_calls", "other_events")
    return np.stack([profile_rate(name, kind) for name in names], axis=1)


def event_local_times(rng: Generator, event_type: np.ndarray, owner_counts: np.ndarray,
                      visits_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local start (seconds after midnight) and duration of events of one day."""
    n = event_type.size
    minutes = np.select(
        [event_type == VISIT, event_type == MEETING, event_type == LOGGED_CALL],
        [rng.choice([45, 60, 75, 90, 120], n), rng.choice([30, 45, 60], n),
         rng.integers(5, 21, n)],
        rng.choice([30, 60, 90], n),
    ) * 60
    local = np.select(
        [event_type == MEETING, event_type == LOGGED_CALL],
        [9 * HOUR + 900 * rng.integers(0, 34, n), 9 * HOUR + 60 * rng.integers(0, 510, n)],
        8 * HOUR + 1800 * rng.integers(0, 20, n),
    )
    # Visits follow each other with travel time in between.
    visit_index = np.flatnonzero(visits_mask)
    travel = rng.integers(15, 61, visit_index.size) * 60
    within = runs_offsets(minutes[visit_index] + travel, owner_counts)
    start_of_day = 9 * HOUR + 900 * rng.integers(0, 4, owner_counts.size)
    local[visit_index] = np.repeat(start_of_day, owner_counts) + within
    return np.minimum(local, 22 * HOUR), minutes


def near_midnight_local(rng: Generator, n: int) -> np.ndarray:
    late = rng.random(n) < 0.5
    return np.where(late, 23 * HOUR + 900 * rng.integers(0, 4, n), 900 * rng.integers(0, 3, n))


def events_of_day(world: World, day: int, first_id: int) -> Table:
    rng = world.streams.rng(Streams.EVENTS, day)
    roster, contacts, calendar = world.roster, world.contacts, world.calendar
    lam = world.activity.intensity[:, day, None] * event_rates(roster.kind)
    counts = rng.poisson(lam)
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    owner, event_type = flat // 4, flat % 4
    n = owner.size
    if not n:
        return {}
    visits_mask = event_type == VISIT
    local, minutes = event_local_times(rng, event_type, counts[:, VISIT], visits_mask)
    planned = (event_type == MEETING) | (event_type == OTHER)
    midnight = pick(rng, planned, 0.004,
                    planned if world.plants.day("event_near_midnight") == day else None)
    local[midnight] = near_midnight_local(rng, int(midnight.sum()))
    region = roster.region[owner]
    start = calendar.instant(region, day, local)
    end = start + minutes

    focus = np.where((event_type == VISIT) | (event_type == MEETING), DM_FOCUS, 0.0)
    who = np.where(rng.random(n) < focus, contacts.pick_own(rng, owner, 1.0),
                   contacts.pick_own(rng, owner, 0.0))
    who = np.where(rng.random(n) < WHO_SHARE[event_type], who, -1)
    own_account = contacts.account_first[owner] + np.floor(
        rng.random(n) * contacts.account_count[owner]).astype(np.int64)
    account = np.where(who >= 0, contacts.account[np.maximum(who, 0)],
                       np.where(contacts.account_count[owner] > 0, own_account, -1))
    account = np.where((who < 0) & (event_type == OTHER) & (rng.random(n) < 0.5), -1, account)

    # Visits and meetings are booked days ahead; calls and the rest are logged afterwards.
    ahead = (event_type == VISIT) | (event_type == MEETING)
    lead = (rng.geometric(0.3, n) - 1) * DAY + rng.integers(HOUR, 8 * HOUR, n)
    created = np.where(ahead, start - lead, end + rng.integers(300, 3 * HOUR, n))
    created = np.maximum(created, calendar.instant(region, 0, 7 * HOUR))
    subject_count = np.array([len(s) for s in SUBJECTS])[event_type]
    return {
        "id": first_id + np.arange(n),
        "owner": owner.astype(np.int32),
        "who": who.astype(np.int32),
        "account": account.astype(np.int32),
        "type": event_type.astype(np.int8),
        "subject": np.floor(rng.random(n) * subject_count).astype(np.int8),
        "start": start,
        "end": end,
        "lmd": created,
        "deleted": np.zeros(n, bool),
        "day": np.full(n, day, np.int32),
        # Salesforce exports UTC with milliseconds; some integrations write local times.
        "style": weighted(rng, (0.1, 0.65, 0.0, 0.2, 0.05), n).astype(np.int8),
        "offset": calendar.offset(region, day).astype(np.int32),
        "file": np.full(n, -1, np.int32),
        "protected": np.zeros(n, bool),
    }


def event_changes(world: World, base: Table) -> Table:
    """Later versions of events: rescheduled, deleted, updated after the fact, stale and tied."""
    rng = world.streams.rng(Streams.EVENT_CHANGES)
    calendar, plants = world.calendar, world.plants
    days = calendar.days
    n = base["id"].size
    planned = (base["type"] == VISIT) | (base["type"] == MEETING)

    def plant_pool(case: str) -> np.ndarray:
        return base["day"] == plants.day(case)

    resched = pick(rng, planned & (base["day"] + 16 < days), 0.04, plant_pool("event_reschedule"))
    moved = take(base, np.flatnonzero(resched))
    shift = rng.choice([1, 2, 3, 5, 7, 8, 9, 12, 14], moved["id"].size)
    new_day = moved["day"] + shift
    weekday = calendar.weekday[np.minimum(new_day, days - 1)]
    shift += np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
    lead = np.maximum(moved["start"] - moved["lmd"], 1800)
    moved["lmd"] = moved["lmd"] + (rng.uniform(0.1, 0.9, shift.size) * lead).astype(np.int64)
    moved["start"] = moved["start"] + shift * DAY
    moved["end"] = moved["end"] + shift * DAY
    moved["day"] = moved["day"] + shift

    deletable = ~resched & (base["day"] + 3 < days)
    delete = pick(rng, deletable, 0.025, plant_pool("event_delete"))
    deleted = take(base, np.flatnonzero(delete))
    window = np.maximum(deleted["start"] + DAY - deleted["lmd"], HOUR)
    deleted["lmd"] = deleted["lmd"] + (rng.uniform(0.05, 1.0, window.size) * window).astype(
        np.int64)
    deleted["deleted"][:] = True

    # Reps update visits and meetings after the fact: the current version, moved or not.
    update_base = pick(rng, planned & ~resched & ~delete, 0.2)
    update_moved = pick(rng, np.ones(moved["id"].size, bool), 0.2)
    updated = concat([take(base, np.flatnonzero(update_base)),
                      take(moved, np.flatnonzero(update_moved))])
    updated["lmd"] = updated["end"] + rng.integers(HOUR // 2, 30 * HOUR, updated["id"].size)

    versions = concat([base, moved, deleted, updated])
    versions["file"] = np.clip(calendar.local_day(region_of(world, versions), versions["lmd"]),
                               0, None).astype(np.int32)
    versions["protected"][base["id"].size:] = True
    extra = stale_and_tied_events(world, rng, versions, n)
    return concat([versions, extra])


def region_of(world: World, events: Table) -> np.ndarray:
    return world.roster.region[events["owner"]]


def latest_rows(ids: np.ndarray, instants: np.ndarray) -> np.ndarray:
    """Index of the row with the latest instant per id (ties: the later row)."""
    order = np.lexsort((np.arange(ids.size), instants, ids))
    last = np.r_[ids[order][1:] != ids[order][:-1], True]
    return order[last]


def stale_and_tied_events(world: World, rng: Generator, versions: Table, n_base: int) -> Table:
    """Re-deliveries in later files: an older version (must lose) and a same-instant tie."""
    days = world.calendar.days
    plants = world.plants
    latest = latest_rows(versions["id"], versions["lmd"])
    changed_ids = np.unique(versions["id"][n_base:])
    is_changed = np.isin(versions["id"][latest], changed_ids)
    room = versions["file"][latest] + 4 < days
    plant_days = versions["day"][latest]
    stale = pick(rng, is_changed & room, 0.002, plant_days == plants.day("event_stale"))
    # Event ids are 0..n_base-1 and the base rows come first, in id order.
    latest_file = np.empty(n_base, np.int64)
    latest_file[versions["id"][latest]] = versions["file"][latest]
    stale_rows = take(versions, versions["id"][latest][stale])
    stale_rows["file"] = latest_file[stale_rows["id"]] + rng.integers(1, 5, stale_rows["id"].size)

    updated = is_changed & ~versions["deleted"][latest] & room & ~stale
    tie = pick(rng, updated, 0.0005, plant_days == plants.day("event_tie"))
    tied = take(versions, latest[tie])
    tied["file"] = tied["file"] + rng.integers(1, 4, tied["id"].size)
    tied["who"] = world.contacts.pick_own(rng, tied["owner"], 1.0)
    tied["style"] = np.where(tied["style"] >= TS_OFFSET, TS_Z_MILLIS, TS_OFFSET)
    result = concat([stale_rows, tied])
    if result:
        result["protected"][:] = True
    return result


EVENT_TYPE_TEXT = byte_table(EVENT_TYPES)
SUBJECT_TEXT = np.array([[t.encode("utf-8") for t in subjects]
                         + [b""] * (max(map(len, SUBJECTS)) - len(subjects))
                         for subjects in SUBJECTS], dtype="S")


EVENT_COLUMNS = ("Id", "OwnerId", "WhoId", "AccountId", "Type", "Subject", "StartDateTime",
                 "EndDateTime", "IsDeleted", "LastModifiedDate")
EVENT_COLUMNS_EXTENDED = ("Id", "Subject", "Type", "OwnerId", "CreatedById", "WhoId",
                          "AccountId", "ActivityDate", "StartDateTime", "EndDateTime",
                          "Description", "LastModifiedDate", "IsDeleted")


def render_events(world: World, events: Table, rng: Generator) -> dict[str, np.ndarray]:
    contacts, roster = world.contacts, world.roster
    owner_ids = roster.ids[events["owner"]]
    local_day = world.calendar.local_day(region_of(world, events), events["start"])
    return {
        "Id": padded_ids("00U", events["id"] + 1, 12),
        "OwnerId": owner_ids,
        "WhoId": np.where(events["who"] >= 0, contacts.ids[np.maximum(events["who"], 0)], b""),
        "AccountId": np.where(events["account"] >= 0,
                              contacts.account_ids[np.maximum(events["account"], 0)], b""),
        "Type": EVENT_TYPE_TEXT[events["type"]],
        "Subject": SUBJECT_TEXT[events["type"], events["subject"]],
        "StartDateTime": render_instants(events["start"], events["offset"], events["style"]),
        "EndDateTime": render_instants(events["end"], events["offset"], events["style"]),
        "IsDeleted": boolean_text(rng, events["deleted"], empty_false_rate=0.1),
        "LastModifiedDate": render_instants(events["lmd"], events["offset"], events["style"]),
        "CreatedById": owner_ids,
        "ActivityDate": world.calendar.iso_dates(local_day),
        "Description": byte_table(DESCRIPTIONS)[rng.integers(0, len(DESCRIPTIONS),
                                                            events["id"].size)],
    }


def simulate_events(world: World) -> Table:
    days: list[Table] = []
    next_id = 0
    for day in range(world.calendar.days):
        table = events_of_day(world, day, next_id)
        if table:
            next_id += table["id"].size
            days.append(table)
    base = concat(days)
    if not base:
        return {}
    events = event_changes(world, base)
    del base, days
    # Files in order; within a file by Id, the versions of one Id in random order.
    tiebreak = world.streams.rng(Streams.ROW_ORDER, 0).random(events["id"].size)
    order = np.lexsort((tiebreak, events["id"], events["file"]))
    return take(events, order[events["file"][order] < world.calendar.days])
