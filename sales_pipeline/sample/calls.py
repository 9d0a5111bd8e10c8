"""Phone-system call rows: outbound, inbound, child legs, re-deliveries, Twilio's columns."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sales_pipeline.sample.parameters import (
    ANSWERED_BY,
    API,
    BUSY,
    CALL_FAILED,
    CANCELED,
    COMPLETED,
    CONNECTED,
    DAY,
    DIAL,
    DIRECTIONS,
    FAX,
    FAX_TONE,
    HOUR,
    HUMAN,
    HUNG_UP,
    INBOUND,
    LINE_BUSY,
    MACHINE_START,
    NEW_YORK,
    NO_ANSWER,
    NOT_DETECTED,
    OUTCOME_STATUS,
    OWN_CONTACT_SHARE,
    RANG_OUT,
    STATUSES,
    TALK_MEDIAN_SECONDS,
    TALK_SIGMA,
    UNANSWERED_OUTCOMES,
    UNDETERMINED,
    VOICEMAIL,
    ZERO_LENGTH,
)
from sales_pipeline.sample.randomness import Generator, Streams, pick, runs_offsets, weighted
from sales_pipeline.sample.rendering import (
    SidMinter,
    ascii_int,
    byte_table,
    digit_matrix,
    joined,
    render_instants,
)
from sales_pipeline.sample.tables import Table, concat, take
from sales_pipeline.sample.world import World, profile_rate


def call_outcomes(rng: Generator, p_connect: np.ndarray) -> np.ndarray:
    connected = rng.random(p_connect.size) < p_connect
    other = weighted(rng, UNANSWERED_OUTCOMES, p_connect.size) + 1
    return np.where(connected, CONNECTED, other)


def answered_by_for(rng: Generator, outcome: np.ndarray) -> np.ndarray:
    """What answering-machine detection reports (ANSWERED_BY index) for each outcome."""
    n = outcome.size
    person = np.array([HUMAN, UNDETERMINED, NOT_DETECTED])[weighted(rng, (0.85, 0.05, 0.1), n)]
    machine = MACHINE_START + weighted(rng, (0.2, 0.5, 0.15, 0.15), n)
    answered = np.full(n, NOT_DETECTED)
    answered = np.where(outcome == CONNECTED, person, answered)
    answered = np.where(outcome == VOICEMAIL, machine, answered)
    return np.where(outcome == FAX, FAX_TONE, answered)


def durations_for(rng: Generator, outcome: np.ndarray, answered: np.ndarray,
                  talk_scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Talk seconds (0 when unanswered) and ring seconds before the answer."""
    n = outcome.size
    talk = rng.lognormal(math.log(TALK_MEDIAN_SECONDS), TALK_SIGMA, n) * talk_scale
    duration = np.zeros(n, np.int64)
    duration = np.where(outcome == CONNECTED, np.clip(np.round(talk), 5, 3600), duration)
    # Hanging up on a machine's greeting is quick; leaving a message takes half a minute.
    beep = np.where(answered == MACHINE_START, rng.integers(2, 9, n), rng.integers(12, 46, n))
    duration = np.where(outcome == VOICEMAIL, beep, duration)
    duration = np.where(outcome == FAX, rng.integers(3, 21, n), duration)
    ring = np.select(
        [outcome <= ZERO_LENGTH, outcome == RANG_OUT, outcome == LINE_BUSY,
         outcome == CALL_FAILED],
        [rng.integers(5, 26, n), rng.integers(25, 46, n), rng.integers(1, 5, n),
         rng.integers(0, 3, n)],
        rng.integers(3, 21, n),
    )
    return duration.astype(np.int64), ring.astype(np.int64)


@dataclass(frozen=True)
class Outcome:
    """How calls went: outcome code, answered_by code, talk seconds and ring seconds."""

    code: np.ndarray
    answered: np.ndarray
    duration: np.ndarray
    ring: np.ndarray

    @classmethod
    def draw(cls, world: World, rng: Generator, users: np.ndarray, code: np.ndarray,
             detect_machines: bool = True) -> Outcome:
        detected = answered_by_for(rng, code)
        duration, ring = durations_for(rng, code, detected, world.roster.skill[users] ** 0.3)
        # Without answering-machine detection (inbound, child legs) answered_by stays empty.
        answered = detected if detect_machines else np.zeros(code.size, np.int64)
        return cls(code, answered, duration, ring)


def call_styles(rng: Generator, n: int) -> np.ndarray:
    return weighted(rng, (0.6, 0.1, 0.05, 0.2, 0.05), n)


def phone_styles(rng: Generator, n: int) -> np.ndarray:
    return weighted(rng, (0.6, 0.1, 0.08, 0.07, 0.07, 0.08), n)


def call_table(world: World, rng: Generator, day: np.ndarray, users: np.ndarray, *,
               direction: np.ndarray, from_number: np.ndarray, to_number: np.ndarray,
               outcome: Outcome, start: np.ndarray, sids: np.ndarray,
               parents: np.ndarray | None = None) -> Table:
    """Call legs as numbers: the rep's local day (the file), phone-book indices, codes into
    the enum tuples, epoch seconds (end -1: empty), rendering styles, and flags for the
    re-delivery and defect steps."""
    n = users.size
    end = start + outcome.ring + outcome.duration
    no_end = np.isin(outcome.code, (CALL_FAILED, HUNG_UP)) & (rng.random(n) < 0.5)
    return {
        "day": day,
        "sid": sids,
        "parent": parents if parents is not None else np.full(n, b"", dtype="S34"),
        "direction": direction,
        "from": from_number,
        "to": to_number,
        "from_style": phone_styles(rng, n),
        "to_style": phone_styles(rng, n),
        "status": OUTCOME_STATUS[outcome.code],
        "answered": outcome.answered,
        "start": start,
        "end": np.where(no_end, -1, end),
        "duration": outcome.duration,
        "style": call_styles(rng, n),
        "offset": world.calendar.offset(world.roster.region[users], day),
        "user": users,
        "protected": np.zeros(n, bool),
        "must_reject": np.zeros(n, bool),  # written with a negative duration
    }


def daily_counts(rng: Generator, rate: np.ndarray, intensity: np.ndarray,
                 days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Poisson counts per (day, user) of a batch of days, and per row its run, day and user."""
    users = intensity.shape[0]
    counts = rng.poisson(rate[:, None] * intensity[:, days]).T.ravel()  # day-major runs
    run = np.repeat(np.arange(counts.size), counts)
    return counts, run, days[run // users], run % users


def outbound_calls(world: World, rng: Generator, days: np.ndarray, minter: SidMinter) -> Table:
    roster, calendar = world.roster, world.calendar
    counts, run, day, users = daily_counts(rng, profile_rate("outbound_calls", roster.kind),
                                           world.activity.intensity, days)
    n = users.size
    p_connect = np.clip(profile_rate("connect_rate", roster.kind[users])
                        * roster.skill[users] ** 0.6, 0.05, 0.7)
    outcome = Outcome.draw(world, rng, users, call_outcomes(rng, p_connect))

    # Calls follow each other through the day, with a lunch break, so a rep never has two
    # calls at once, and late callers in New York spill past midnight UTC.
    busy = outcome.ring + outcome.duration + rng.integers(20, 90, n)
    idle = np.maximum(8 * HOUR - np.bincount(run, busy, counts.size), HOUR)
    gaps = rng.exponential(idle / np.maximum(counts, 1))[run] if n else np.zeros(0)
    within = runs_offsets(busy + gaps, counts)
    run_region = np.tile(roster.region, days.size)
    shift_start = np.where(run_region == NEW_YORK, 8.75, 8.5) * HOUR + rng.normal(
        0, 0.4 * HOUR, counts.size)
    local = shift_start[run] + within + np.where(within > 4 * HOUR, 45 * 60, 0)
    local = np.clip(local, 0, 22 * HOUR).astype(np.int64)
    start = calendar.instant(roster.region[users], day, local)

    to_contact = rng.random(n) < profile_rate("contact_share", roster.kind[users])
    own = rng.random(n) < OWN_CONTACT_SHARE
    contact = np.where(own, world.contacts.pick_own(rng, users, 0.0),
                       rng.integers(0, world.contacts.size, n))
    to_number = np.where(to_contact, world.contacts.pick_number(rng, contact),
                         world.prospect_numbers(rng, users))
    direction = np.where(rng.random(n) < 0.35, API, DIAL)
    return call_table(world, rng, day, users, direction=direction, from_number=users,
                      to_number=to_number, outcome=outcome, start=start,
                      sids=minter.mint(rng, n))


def inbound_calls(world: World, rng: Generator, days: np.ndarray, minter: SidMinter) -> Table:
    roster, calendar = world.roster, world.calendar
    _, _, day, users = daily_counts(rng, profile_rate("inbound_calls", roster.kind),
                                    world.activity.intensity, days)
    n = users.size
    code = np.array([CONNECTED, RANG_OUT, LINE_BUSY, HUNG_UP])[
        weighted(rng, (0.65, 0.22, 0.05, 0.08), n)]
    from_contact = rng.random(n) < 0.7
    caller = np.where(from_contact,
                      world.contacts.pick_number(rng, world.contacts.pick_own(rng, users, 0.0)),
                      world.prospect_numbers(rng, users))
    local = rng.integers(8 * HOUR, 18 * HOUR, n)
    return call_table(world, rng, day, users, direction=np.full(n, INBOUND),
                      from_number=caller, to_number=users,
                      outcome=Outcome.draw(world, rng, users, code, detect_machines=False),
                      start=calendar.instant(roster.region[users], day, local),
                      sids=minter.mint(rng, n))


def child_legs(world: World, rng: Generator, calls: Table, minter: SidMinter,
               planted: Callable[[str], np.ndarray]) -> Table:
    """Forwarded inbound calls and transferred outbound calls: legs placed from the rep's line."""
    inbound = calls["direction"] == INBOUND
    missed = inbound & np.isin(calls["status"], (NO_ANSWER, BUSY))
    connected_out = (~inbound) & (calls["status"] == COMPLETED) & (calls["duration"] > 60)
    forward = pick(rng, missed, 0.15, planted("call_forward"))
    transfer = pick(rng, connected_out, 0.02, planted("call_transfer"))
    parents = np.flatnonzero(forward | transfer)
    n = parents.size
    if not n:
        return {}
    users = calls["user"][parents]
    to_colleague = transfer[parents] | (rng.random(n) < 0.5)
    stranger = world.numbers.strangers[rng.integers(0, world.numbers.strangers.size, n)]
    target = np.where(to_colleague, world.colleague_numbers(rng, users), stranger)
    code = np.where(rng.random(n) < 0.6, CONNECTED, RANG_OUT)
    into_call = np.where(transfer[parents],
                         calls["duration"][parents] // 2, rng.integers(15, 30, n))
    legs = call_table(world, rng, calls["day"][parents], users, direction=np.full(n, DIAL),
                      from_number=users, to_number=target,
                      outcome=Outcome.draw(world, rng, users, code, detect_machines=False),
                      start=calls["start"][parents] + into_call, sids=minter.mint(rng, n),
                      parents=calls["sid"][parents])
    legs["protected"][:] = True
    return legs


def move_near_midnight(world: World, rng: Generator, calls: Table,
                       planted: Callable[[str], np.ndarray]) -> None:
    """A few calls at 23:30-00:30 local time: the local day and the UTC day differ."""
    outbound = calls["direction"] != INBOUND
    chosen = np.flatnonzero(pick(rng, outbound, 0.001, planted("call_near_midnight")))
    if not chosen.size:
        return
    late = rng.random(chosen.size) < 0.5
    local = np.where(late, rng.integers(23 * HOUR + 1800, DAY - 60, chosen.size),
                     rng.integers(0, 1800, chosen.size))
    region = world.roster.region[calls["user"][chosen]]
    new_start = world.calendar.instant(region, calls["day"][chosen], local)
    shift = new_start - calls["start"][chosen]
    calls["start"][chosen] = new_start
    calls["end"][chosen] = np.where(calls["end"][chosen] >= 0, calls["end"][chosen] + shift, -1)


def call_redeliveries(rng: Generator, days: int, calls: Table,
                      planted: Callable[[str], np.ndarray]
                      ) -> tuple[Table, dict[int, list[Table]]]:
    """Mark re-deliveries. The first delivery may be an interim version; the last one is true.

    Returns extra rows for the calls' own files (same-file duplicates) and rows for later files.
    """
    later: dict[int, list[Table]] = {}
    remaining = days - 1 - calls["day"]
    eligible = ((calls["direction"] != INBOUND) & (calls["parent"] == b"")
                & ~calls["protected"] & (remaining >= 1))

    def choose(rate: float, case: str, among: np.ndarray) -> np.ndarray:
        pool = eligible & among
        chosen = pick(rng, pool, rate, planted(case))
        eligible[chosen] = False
        return np.flatnonzero(chosen)

    # Only answered calls have an interim version that differs (cut short, or not yet answered).
    answered = calls["duration"] > 0
    anything = np.ones(eligible.size, bool)
    corrected = choose(0.003, "call_corrected", answered)
    duplicated = choose(0.002, "call_duplicate", anything)
    same_file = choose(0.0005, "call_same_file_duplicate", answered)
    rejected = choose(0.0002, "call_rejected_redelivery", anything)

    truths = take(calls, np.r_[corrected, same_file])
    interim = np.r_[corrected, same_file]
    truncated = rng.random(interim.size) < 0.5
    calls["duration"][interim] = np.where(truncated, calls["duration"][interim] // 2, 0)
    calls["status"][interim] = np.where(truncated, calls["status"][interim], CANCELED)
    calls["answered"][interim] = np.where(truncated, calls["answered"][interim], NOT_DETECTED)
    calls["end"][interim] = np.where(truncated, calls["end"][interim], -1)
    calls["protected"][np.r_[interim, duplicated, rejected]] = True
    truths["protected"][:] = True

    bad_copy = take(calls, rejected)
    bad_copy["must_reject"][:] = True
    outgoing = concat([take(truths, np.arange(corrected.size)), take(calls, duplicated), bad_copy])
    if outgoing:
        delay = np.minimum(rng.integers(1, 4, outgoing["day"].size),
                           days - 1 - outgoing["day"])
        file_day = outgoing["day"] + delay
        outgoing["day"] = file_day
        for target in np.unique(file_day):
            later.setdefault(int(target), []).append(take(outgoing, file_day == target))
    same_file_truths = take(truths, np.arange(corrected.size, truths["sid"].size))
    return same_file_truths, later


CALL_BATCH_DAYS = 14  # days simulated together: per-call numpy overhead is paid per batch


def simulate_calls(world: World, days: np.ndarray, minter: SidMinter
                   ) -> tuple[Table, dict[int, list[Table]]]:
    """The calls of a batch of consecutive days, and re-deliveries of them for later files."""
    rng = world.streams.rng(Streams.CALLS, int(days[0]))
    calls = concat([outbound_calls(world, rng, days, minter),
                    inbound_calls(world, rng, days, minter)])

    def planted(case: str) -> np.ndarray:
        return calls["day"] == world.plants.day(case)

    move_near_midnight(world, rng, calls, planted)
    calls = concat([calls, child_legs(world, rng, calls, minter, planted)])
    same_file, later = call_redeliveries(rng, world.calendar.days, calls, planted)
    return concat([calls, same_file]), later


def price_text(duration: np.ndarray) -> np.ndarray:
    """Twilio's per-call price: negative USD, 5 decimals, empty for unbilled calls."""
    cost = ((duration + 59) // 60) * 1300  # 0.013 USD a started minute, in 1e-5 USD
    text = joined(b"-", ascii_int(cost // 100000), b".", digit_matrix(cost % 100000, 5),
                  rows=cost.size)
    return np.where(duration > 0, text, b"")


DIRECTION_TEXT = byte_table(DIRECTIONS)
STATUS_TEXT = byte_table(STATUSES)
ANSWERED_BY_TEXT = byte_table(ANSWERED_BY)


def render_calls(world: World, calls: Table, account_sid: str,
                 order: Sequence[str]) -> dict[str, np.ndarray]:
    """The text of the columns in `order` (only those: rendering dominates big files)."""
    end, sids = calls["end"], calls["sid"]
    account = account_sid.encode("ascii")
    renderers: dict[str, Callable[[], np.ndarray]] = {
        "sid": lambda: sids,
        "parent_call_sid": lambda: calls["parent"],
        "direction": lambda: DIRECTION_TEXT[calls["direction"]],
        "from": lambda: world.phones.formatted(calls["from"], calls["from_style"]),
        "to": lambda: world.phones.formatted(calls["to"], calls["to_style"]),
        "status": lambda: STATUS_TEXT[calls["status"]],
        "start_time": lambda: render_instants(calls["start"], calls["offset"], calls["style"]),
        "end_time": lambda: np.where(end >= 0, render_instants(
            np.where(end >= 0, end, calls["start"]), calls["offset"], calls["style"]), b""),
        "duration": lambda: ascii_int(calls["duration"]),
        "answered_by": lambda: ANSWERED_BY_TEXT[calls["answered"]],
        "account_sid": lambda: np.full(sids.size, account),
        "price": lambda: price_text(calls["duration"]),
        "price_unit": lambda: np.full(sids.size, b"USD"),
        "uri": lambda: joined(b"/2010-04-01/Accounts/" + account + b"/Calls/", sids, b".json",
                              rows=sids.size),
    }
    return {name: renderers[name]() for name in order}


CALL_COLUMNS = ("sid", "parent_call_sid", "direction", "from", "to", "status", "start_time",
                "end_time", "duration", "answered_by")
# After the phone system's upgrade its export looks like Twilio's full call resource.
CALL_COLUMNS_UPGRADED = ("account_sid", "sid", "parent_call_sid", "to", "from", "status",
                         "start_time", "end_time", "duration", "price", "price_unit",
                         "direction", "answered_by", "uri")
