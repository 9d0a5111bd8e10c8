"""Deterministic sample landing area, shaped like the real exports (contract section 2).

The sample is what the pipeline is developed, demonstrated and benchmarked on, so it has to
behave like production data: inside reps who phone all day, field reps who visit customers,
weekday rhythm and seasons, reps clearly above and below target, and every awkward case the
contract describes (re-deliveries, child call legs, several UTC offsets, shuffled and extra
columns, malformed rows, a gap in the FX rates...). Each hard case appears at a modest rate and
is also planted at least once on a fixed early working day, so that even a small sample
(8 reps x 60 days) contains all of them.

Randomness comes only from numpy generators seeded with ``(seed, stream, ...)``: the same
arguments give byte-identical files, and each part of the sample has its own stream so that
changing one part does not reshuffle the others. Rows are produced with vectorised numpy per
day and rendered straight to bytes (see "rendering"), which keeps 1000 reps x 731 days within
minutes.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import numpy as np

Table = dict[str, np.ndarray]
Generator = np.random.Generator

# ----------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class SampleSummary:
    """What `generate_sample` wrote. Row counts are data rows as written (re-deliveries and
    malformed rows included); `cases` counts the malformed rows per `source:defect` and a few
    hard cases (deleted event rows, returns, cancelled document rows)."""

    out_dir: Path
    reps: int
    days: int
    start: date
    end: date
    seed: int
    files: int
    calls: int
    events: int
    documents: int
    users: int
    contacts: int
    memberships: int
    targets: int
    fx_rates: int
    malformed: int
    cases: Mapping[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------- constants

MIN_REPS = 4
REPORTING_CURRENCY = "EUR"
CURRENCIES = ("EUR", "USD", "GBP", "CHF")
EUR, USD, GBP, CHF = range(4)
FX_FIRST_RATE = (1.0, 0.92, 1.17, 1.05)
FX_DAILY_VOLATILITY = 0.0035
FX_LOOKBACK_DAYS = 14
# CHF rates only start this many days into the sample: the first CHF documents have no rate.
CHF_GAP_DAYS = 9

DEPARTMENTS = ("Inside Sales", "Field Sales")
INSIDE, FIELD, MANAGER = range(3)
TITLES = ("Inside Sales Rep", "Field Sales Rep", "Sales Manager")
INSIDE_SHARE = 0.6
REPS_PER_TEAM = 7
TEAM_AREAS = ("North", "South", "East", "West", "Central", "Metro", "Coastal", "Islands",
              "Capital", "Harbour", "Valley", "Highlands")

DIRECTIONS = ("outbound-dial", "outbound-api", "inbound")
DIAL, API, INBOUND = range(3)
STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
COMPLETED, BUSY, NO_ANSWER, FAILED, CANCELED = range(5)
ANSWERED_BY = ("", "human", "machine_start", "machine_end_beep", "machine_end_silence",
               "machine_end_other", "fax", "unknown")
NOT_DETECTED, HUMAN, MACHINE_START, MACHINE_END_BEEP, _, _, FAX_TONE, UNDETERMINED = range(8)
EVENT_TYPES = ("Visit", "Meeting", "Call", "Other")
VISIT, MEETING, LOGGED_CALL, OTHER = range(4)
DOCUMENT_TYPES = ("ORDER", "RETURN")
ORDER, RETURN = range(2)
DOCUMENT_STATUSES = ("OPEN", "INVOICED", "CANCELLED")
OPEN, INVOICED, CANCELLED = range(3)

# Timestamp renderings: UTC with 'Z', UTC with milliseconds, '+00:00', a real offset, a real
# offset with milliseconds. Every rendering names the same instant.
TS_Z, TS_Z_MILLIS, TS_UTC_OFFSET, TS_OFFSET, TS_OFFSET_MILLIS = range(5)

HOUR = 3600
DAY = 86400
EPOCH = date(1970, 1, 1)
PAD_DAYS = 64  # offsets are tabulated this far around the sample for look-backs and late changes

DEFECT_RATE = 1 / 2000
PHONE_UPGRADE_AT = 0.45  # share of the sample after which call exports have Twilio's full shape
FIRST_PLANT_WEEKDAY = 2  # the first working days stay clean so the sample starts plainly


@dataclass(frozen=True)
class Region:
    city: str
    zone: str
    country_code: str
    area_code: str
    mobile_code: str
    currency_mix: tuple[float, float, float, float]  # share of accounts per CURRENCIES entry


REGIONS = (
    Region("Athens", "Europe/Athens", "30", "210", "694", (1.0, 0.0, 0.0, 0.0)),
    Region("New York", "America/New_York", "1", "212", "646", (0.15, 0.85, 0.0, 0.0)),
    Region("Berlin", "Europe/Berlin", "49", "30", "151", (0.8, 0.0, 0.0, 0.2)),
    Region("London", "Europe/London", "44", "20", "7700", (0.25, 0.0, 0.75, 0.0)),
)
NEW_YORK = 1  # starts the working day a little later
BERLIN = 2  # the ERP server runs on Berlin time and exports by Berlin day


@dataclass(frozen=True)
class Profile:
    """Daily rates of a rep type at intensity 1 (a standard working day)."""

    outbound_calls: float
    inbound_calls: float
    visits: float
    meetings: float
    logged_calls: float
    other_events: float
    orders: float
    returns: float
    connect_rate: float  # share of outbound calls a person answers
    contact_share: float  # share of outbound calls to CRM contacts (the rest: prospects)
    order_value_eur: float  # median order value


PROFILES = (
    Profile(55, 4, 0.03, 0.3, 0.6, 0.3, 1.6, 0.08, 0.30, 0.45, 900),
    Profile(6, 2, 2.6, 0.9, 0.5, 0.4, 2.2, 0.11, 0.34, 0.8, 4200),
    Profile(3, 1.5, 0.3, 0.5, 0.2, 0.8, 0.0, 0.0, 0.34, 0.8, 0),
)

WEEKDAY_FACTOR = np.array([0.9, 1.05, 1.05, 1.0, 0.85, 0.35, 0.35])
SEASON_FACTOR = np.array([0.92, 0.97, 1.04, 1.0, 1.0, 0.96, 0.85, 0.72, 1.02, 1.08, 1.12, 0.9])
LATE_DECEMBER_FACTOR = 0.45
ANNUAL_GROWTH = 0.04
PLANNED_GROWTH = 0.05
WEEKEND_WORK_RATE = 0.02
SICK_DAY_RATE = 0.025

UNANSWERED_OUTCOMES = np.array([0.27, 0.015, 0.015, 0.44, 0.11, 0.04, 0.11])
CONNECTED, VOICEMAIL, FAX, ZERO_LENGTH, RANG_OUT, LINE_BUSY, CALL_FAILED, HUNG_UP = range(8)
OUTCOME_STATUS = np.array([COMPLETED, COMPLETED, COMPLETED, COMPLETED, NO_ANSWER, BUSY, FAILED,
                           CANCELED])
TALK_MEDIAN_SECONDS = 150.0
TALK_SIGMA = 0.75
MEAN_TALK_SECONDS = TALK_MEDIAN_SECONDS * math.exp(TALK_SIGMA**2 / 2)
OWN_CONTACT_SHARE = 0.97
DM_SHARE = 0.25
DM_FOCUS = 0.4  # visits and meetings go to a decision maker this often on purpose
WHO_SHARE = np.array([0.97, 0.88, 0.95, 0.15])  # events with a WhoId, per EVENT_TYPES
ORDER_VALUE_SIGMA = 0.6
RETURN_VALUE_SHARE = 0.35
LATE_CANCEL_RATE = 0.04
INVOICE_RATE = 0.93

CONTACTS_PER_REP = 30
MAX_CONTACTS = 40_000
CONTACTS_PER_ACCOUNT = 3

FIRST_NAMES = ("Maria", "Nikos", "Eleni", "Giorgos", "Anna", "Dimitris", "Sophie", "Lukas",
               "Laura", "Jonas", "Emma", "Felix", "Olivia", "James", "Amelia", "Harry",
               "Isla", "Jack", "Sarah", "Michael", "Emily", "Daniel", "Grace", "David",
               "Katerina", "Yannis", "Lena", "Paul", "Clara", "Max", "Hannah", "Tom",
               "Chloe", "Oliver", "Mia", "Noah", "Ava", "Liam", "Zoe", "Ethan", "Ioanna",
               "Kostas", "Julia", "Leon", "Lily", "George", "Ruby", "Samuel", "Nora", "Adam")
LAST_NAMES = ("Papadopoulos", "Georgiou", "Nikolaou", "Dimitriou", "Ioannou", "Mueller",
              "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
              "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
              "Miller", "Garcia", "Martinez", "Anderson", "Thomas", "Moore", "Clark",
              "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green",
              "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts",
              "Carter", "Phillips", "Evans", "Turner", "Torres", "Parker", "Collins")
DM_TITLES = ("CEO", "Managing Director", "Head of Procurement", "VP, Purchasing", "CFO",
             "Owner", "Director of Operations")
OTHER_TITLES = ("Buyer", "Office Manager", "Purchasing Agent", "IT Administrator",
                'Project Manager, "Key Accounts"', "Assistant to the CEO", "Engineer")
SUBJECTS = (
    ("Site visit", "Quarterly business review", "Demo, follow-up", "Contract renewal, on site",
     'Visit re: "Premium" upgrade'),
    ("Product demo", 'Pricing discussion, "Premium" tier', "Kick-off", "Video call, proposal",
     "Intro meeting"),
    ("Follow-up call", "Logged call", "Call: pricing, delivery dates", "Callback"),
    ("Admin", "Training, internal", "Pipeline review", "Dinner with client, informal"),
)
DESCRIPTIONS = ("", "Discussed pricing, next steps", "Sent proposal", 'Customer asked for "net 60"',
                "No decision yet")


# ----------------------------------------------------------------------------- randomness


class Streams:
    """Independent, reproducible random streams: one per purpose, optionally per day."""

    ROSTER, CONTACTS, ACTIVITY, FX, CALLS, CALL_FILES, EVENTS, EVENT_CHANGES, EVENT_FILES, \
        DOCUMENTS, DOCUMENT_CHANGES, DOCUMENT_FILES, ACCOUNT, SNAPSHOTS, ROW_ORDER = range(15)

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError("seed must be >= 0")
        self.seed = seed

    def rng(self, stream: int, *keys: int) -> Generator:
        return np.random.default_rng([self.seed, stream, *keys])


def pick(rng: Generator, eligible: np.ndarray, rate: float,
         force_pool: np.ndarray | None = None) -> np.ndarray:
    """Choose eligible rows at `rate`; with a force pool, at least one row from it if possible."""
    chosen = eligible & (rng.random(eligible.size) < rate)
    if force_pool is not None and not (chosen & force_pool).any():
        pool = np.flatnonzero(force_pool & eligible)
        if pool.size:
            chosen[pool[rng.integers(pool.size)]] = True
    return chosen


def weighted(rng: Generator, weights: Sequence[float], size: int) -> np.ndarray:
    """Indices drawn with the given relative weights."""
    cumulative = np.cumsum(weights, dtype=float)
    drawn = np.searchsorted(cumulative / cumulative[-1], rng.random(size), side="right")
    return np.minimum(drawn, len(cumulative) - 1)


def runs_offsets(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Running total of `values` before each element, restarting at 0 for each run of `counts`."""
    before = np.cumsum(values) - values
    run_first = np.repeat(np.cumsum(counts) - counts, counts)
    return before - before[run_first]


# ----------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class Calendar:
    start: date
    days: int
    utc_offsets: np.ndarray  # (regions, days + 2 * PAD_DAYS) seconds east of UTC at local noon
    weekday: np.ndarray  # (days,) Monday = 0
    month: np.ndarray  # (days,) 1..12
    day_of_month: np.ndarray  # (days,)
    year: np.ndarray  # (days,)

    @classmethod
    def build(cls, start: date, days: int) -> Calendar:
        offsets = np.empty((len(REGIONS), days + 2 * PAD_DAYS), dtype=np.int64)
        for region_index, region in enumerate(REGIONS):
            zone = ZoneInfo(region.zone)
            for i in range(offsets.shape[1]):
                noon = datetime.combine(start + timedelta(days=i - PAD_DAYS), time(12), zone)
                offsets[region_index, i] = int(noon.utcoffset().total_seconds())
        dates = np.datetime64(start) + np.arange(days)
        months = dates.astype("datetime64[M]")
        years = dates.astype("datetime64[Y]")
        return cls(
            start=start,
            days=days,
            utc_offsets=offsets,
            weekday=(start.weekday() + np.arange(days)) % 7,
            month=(months.astype(int) % 12) + 1,
            day_of_month=(dates - months).astype(int) + 1,
            year=years.astype(int) + 1970,
        )

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    @property
    def epoch_day(self) -> int:
        return (self.start - EPOCH).days

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=int(day))

    def day_of(self, when: date) -> int:
        return (when - self.start).days

    def offset(self, region: np.ndarray | int, day: np.ndarray | int) -> np.ndarray:
        column = np.clip(np.asarray(day) + PAD_DAYS, 0, self.utc_offsets.shape[1] - 1)
        return self.utc_offsets[region, column]

    def instant(self, region: np.ndarray | int, day: np.ndarray | int,
                local_seconds: np.ndarray) -> np.ndarray:
        """Epoch seconds of a local wall-clock time in a region on a sample day."""
        day = np.asarray(day, dtype=np.int64)
        wall = (self.epoch_day + day) * DAY + np.asarray(local_seconds, dtype=np.int64)
        return wall - self.offset(region, day)

    def local_day(self, region: np.ndarray | int, instants: np.ndarray) -> np.ndarray:
        utc_day = instants // DAY - self.epoch_day
        return (instants + self.offset(region, utc_day)) // DAY - self.epoch_day

    def iso_dates(self, days: np.ndarray) -> np.ndarray:
        return iso_dates(self.epoch_day + np.asarray(days, dtype=np.int64))

    def is_holiday(self) -> np.ndarray:
        return ((self.month == 1) & (self.day_of_month == 1)) | (
            (self.month == 12) & np.isin(self.day_of_month, (25, 26)))

    def working_days(self) -> np.ndarray:
        return np.flatnonzero((self.weekday < 5) & ~self.is_holiday())


class Plants:
    """The fixed early working day on which each hard case is planted at least once."""

    CASES = (
        "doc_late_cancel", "event_stale", "event_tie", "doc_stale", "doc_tie", "call_corrected",
        "call_duplicate", "call_same_file_duplicate", "call_rejected_redelivery",
        "call_near_midnight", "call_transfer", "call_forward", "event_reschedule",
        "event_delete", "event_near_midnight", "doc_same_day_correction", "calls_shuffled",
        "documents_extended", "events_extended", "events_quoted",
    )

    def __init__(self, calendar: Calendar) -> None:
        working = calendar.working_days()
        self._working = working if working.size else np.arange(calendar.days)
        self._calendar = calendar

    def day(self, case: str, extra: Sequence[str] = ()) -> int:
        names = (*self.CASES, *extra)
        index = (FIRST_PLANT_WEEKDAY + names.index(case)) % self._working.size
        return int(self._working[index])

    def chf_gap_day(self) -> int:
        """A working day before the first CHF rate, so one CHF document has no FX rate."""
        candidates = [d for d in self._working if 1 <= d < CHF_GAP_DAYS]
        return int(candidates[0]) if candidates else -1

    def weekend_fx_day(self) -> int:
        """A Saturday after the CHF gap: its document must use Friday's rate."""
        saturdays = np.flatnonzero(self._calendar.weekday == 5)
        saturdays = saturdays[saturdays > CHF_GAP_DAYS]
        return int(saturdays[0]) if saturdays.size else -1


# ----------------------------------------------------------------------------- rendering
#
# Rendered columns are numpy byte strings (dtype 'S', UTF-8). NUL bytes are padding: the CSV
# writer drops them, so numbers, dates and timestamps can be laid out as fixed-width byte
# matrices with leading NULs, without any per-value Python work.


def offset_label(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


OFFSET_STEP = 900  # UTC offsets are whole quarter hours
OFFSET_RANGE = 14 * HOUR


def timestamp_suffixes() -> np.ndarray:
    """What follows the wall-clock seconds, per TS_* style and offset (in OFFSET_STEPs)."""
    offsets = range(-OFFSET_RANGE, OFFSET_RANGE + 1, OFFSET_STEP)
    labels = [offset_label(o) for o in offsets]
    return np.array([
        ["Z"] * len(labels),
        [".000Z"] * len(labels),
        ["+00:00"] * len(labels),
        labels,
        [".000" + label for label in labels],
    ], dtype="S")


TIMESTAMP_SUFFIXES = timestamp_suffixes()


def byte_table(values: Sequence[str]) -> np.ndarray:
    return np.array([v.encode("utf-8") for v in values], dtype="S")


FOUR_DIGITS = np.array([list(f"{i:04d}".encode("ascii")) for i in range(10_000)], np.uint8)


def digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """ASCII digits of non-negative integers, zero padded to `width`, one row per value."""
    remaining = np.asarray(values, dtype=np.int64)
    groups = []
    for _ in range(-(-width // 4)):  # four digits per table lookup, least significant first
        groups.insert(0, FOUR_DIGITS[remaining % 10_000])
        remaining = remaining // 10_000
    digits = np.concatenate(groups, axis=1) if len(groups) > 1 else groups[0]
    return digits[:, digits.shape[1] - width:]


def as_strings(matrix: np.ndarray) -> np.ndarray:
    matrix = np.ascontiguousarray(matrix)
    return matrix.view(f"S{matrix.shape[1]}").reshape(matrix.shape[0])


def number_width(values: np.ndarray, minimum: int = 1) -> int:
    largest = int(np.max(values)) if np.size(values) else 0
    return max(minimum, len(str(largest)))


def ascii_int(values: np.ndarray) -> np.ndarray:
    """Decimal text of non-negative integers (leading NULs where shorter than the longest)."""
    values = np.asarray(values, dtype=np.int64)
    digits = digit_matrix(values, number_width(values))
    leading = np.cumsum(digits != ord("0"), axis=1) == 0
    leading[:, -1] = False
    digits[leading] = 0
    return as_strings(digits)


def zero_padded(numbers: np.ndarray, width: int) -> np.ndarray:
    return as_strings(digit_matrix(numbers, number_width(numbers, width)))


def padded_ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.strings.add(prefix.encode("ascii"), zero_padded(numbers, width))


def hex_ids(prefix: str, raw: np.ndarray) -> np.ndarray:
    """`prefix` + 32 lower-case hex digits per row of a (n, 16) uint8 array."""
    text = np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype="S32")
    return np.strings.add(prefix.encode("ascii"), text)


def joined(*parts: np.ndarray | bytes, rows: int) -> np.ndarray:
    """Byte strings of the parts side by side (matrices, 'S' arrays or constants)."""
    matrices = []
    for part in parts:
        if isinstance(part, bytes):
            matrices.append(np.broadcast_to(np.frombuffer(part, np.uint8), (rows, len(part))))
        elif part.dtype.kind == "S":
            part = np.ascontiguousarray(part)
            matrices.append(part.view(np.uint8).reshape(rows, part.dtype.itemsize))
        else:
            matrices.append(part)
    return as_strings(np.concatenate(matrices, axis=1))


def iso_date_parts(days: np.ndarray) -> np.ndarray:
    """(n, 10) matrix of 'YYYY-MM-DD' for days since 1970-01-01."""
    days = np.asarray(days, dtype=np.int64)
    if not days.size:
        return np.zeros((0, 10), np.uint8)
    # A file spans a few days only: format each day once and look the rows up.
    first = int(days.min())
    span = np.datetime64(first, "D") + np.arange(int(days.max()) - first + 1)
    table = np.frombuffer("".join(np.datetime_as_string(span, unit="D").tolist()).encode(),
                          np.uint8).reshape(span.size, 10)
    return table[days - first]


def iso_dates(days_since_epoch: np.ndarray) -> np.ndarray:
    return as_strings(iso_date_parts(days_since_epoch))


def render_instants(instants: np.ndarray, offsets: np.ndarray, styles: np.ndarray) -> np.ndarray:
    """ISO 8601 text of epoch seconds, each in its style (see TS_*) and offset."""
    instants = np.asarray(instants, dtype=np.int64)
    shown = np.where(styles >= TS_OFFSET, offsets, 0)
    wall = instants + shown
    seconds = wall % DAY
    n = wall.size
    suffix = TIMESTAMP_SUFFIXES[styles, (shown + OFFSET_RANGE) // OFFSET_STEP]
    return joined(iso_date_parts(wall // DAY), b"T", digit_matrix(seconds // HOUR, 2), b":",
                  digit_matrix(seconds // 60 % 60, 2), b":", digit_matrix(seconds % 60, 2),
                  suffix, rows=n)


def cents_text(cents: np.ndarray) -> np.ndarray:
    cents = np.asarray(cents, dtype=np.int64)
    return joined(ascii_int(cents // 100), b".", digit_matrix(cents % 100, 2), rows=cents.size)


def boolean_text(rng: Generator, values: np.ndarray, empty_false_rate: float = 0.0) -> np.ndarray:
    """'true'/'false' in the varied casing real exports use; some false values left empty."""
    spelling = weighted(rng, (0.7, 0.15, 0.1, 0.05), values.size)
    trues = byte_table(["true", "TRUE", "True", "true"])[spelling]
    falses = byte_table(["false", "FALSE", "False", "false"])[spelling]
    text = np.where(values, trues, falses)
    blank = ~values & (rng.random(values.size) < empty_false_rate)
    return np.where(blank, b"", text)


class SidMinter:
    """Twilio-like call sids: random looking, unique by construction (a scrambled counter)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.issued = 1  # counter 0 would scramble to eight zeros

    def mint(self, rng: Generator, n: int) -> np.ndarray:
        raw = np.empty((n, 16), dtype=np.uint8)
        raw[:, :12] = rng.integers(0, 256, size=(n, 12), dtype=np.uint8)
        counter = np.arange(self.issued, self.issued + n, dtype=np.uint64)
        scrambled = ((counter * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)).astype(">u4")
        raw[:, 12:] = scrambled.view(np.uint8).reshape(n, 4)
        self.issued += n
        return hex_ids(self.prefix, raw)


# ----------------------------------------------------------------------------- phone numbers

PHONE_STYLES = 6  # see PhoneBook.build: E.164 first, then human formats


@dataclass(frozen=True)
class PhoneBook:
    """Every number of the sample in each human formatting style. All styles of a number have
    the same digits once non-digits and a leading '00' are removed (contract section 3)."""

    variants: np.ndarray  # (numbers, PHONE_STYLES)

    @classmethod
    def build(cls, parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
              ) -> PhoneBook:
        cc, area, mid, line = (np.concatenate([p[i] for p in parts]) for i in range(4))
        add = np.strings.add

        def join(*pieces: np.ndarray | str) -> np.ndarray:
            text = pieces[0]
            for piece in pieces[1:]:
                text = add(text, piece)
            return np.asarray(text)

        variants = np.stack([
            join("+", cc, area, mid, line),
            join("+", cc, " ", area, "-", mid, " ", line),
            join("(+", cc, ") ", area, ".", mid, ".", line),
            join("00", cc, " ", area, mid, line),
            join("+", cc, " (", area, ") ", mid, "-", line),
            join("+", cc, " ", area, " ", mid, " ", line),
        ], axis=1)
        # Concatenation sizes the result for the widest inputs; the table is big, so trim it.
        variants = variants.astype(f"S{int(np.strings.str_len(variants).max())}")
        return cls(variants=variants)

    def formatted(self, numbers: np.ndarray, styles: np.ndarray) -> np.ndarray:
        return self.variants[numbers, styles]


def number_parts(region: np.ndarray, area: np.ndarray, first_exchange: int,
                 serial: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Country code, area, exchange and line of numbers numbered by `serial` in a region."""
    cc = np.array([r.country_code for r in REGIONS])[region]
    exchange = (first_exchange + serial // 10000).astype(str)
    line = np.char.zfill((serial % 10000).astype(str), 4)
    return cc, area, exchange, line


# ----------------------------------------------------------------------------- roster


@dataclass(frozen=True)
class Team:
    name: str
    department: int
    region: int


@dataclass(frozen=True)
class Roster:
    teams: tuple[Team, ...]
    kind: np.ndarray  # INSIDE / FIELD / MANAGER per user
    home_team: np.ndarray
    region: np.ndarray
    names: np.ndarray
    ids: np.ndarray
    employee_numbers: np.ndarray
    leave_day: np.ndarray  # last working day; `days` for reps who stay
    effort: np.ndarray  # how much activity the rep produces
    skill: np.ndarray  # how well calls connect and convert
    trend: np.ndarray  # drift of effort per year
    quota: np.ndarray  # the rep's own target factor
    team_factor: np.ndarray  # per team
    memberships: Table
    reps: int

    @property
    def size(self) -> int:
        return self.kind.size

    @property
    def has_targets(self) -> np.ndarray:
        return self.kind != MANAGER


def team_names(prefix: str, count: int) -> list[str]:
    names = []
    for i in range(count):
        area = TEAM_AREAS[i % len(TEAM_AREAS)]
        round_number = i // len(TEAM_AREAS)
        names.append(f"{prefix} {area}" + (f" {round_number + 1}" if round_number else ""))
    return names


def build_teams(reps: int, inside: int) -> tuple[Team, ...]:
    total = max(4, round(reps / REPS_PER_TEAM))
    inside_teams = max(2, round(total * inside / reps))
    field_teams = max(2, total - inside_teams)
    # Regions cycle in a different order per department so that a small sample still spans
    # all four offsets.
    inside_list = [Team(name, INSIDE, i % len(REGIONS))
                   for i, name in enumerate(team_names("Inside", inside_teams))]
    field_list = [Team(name, FIELD, (i + 2) % len(REGIONS))
                  for i, name in enumerate(team_names("Field", field_teams))]
    return tuple(inside_list + field_list)


def unique_names(rng: Generator, n: int) -> np.ndarray:
    combos = len(FIRST_NAMES) * len(LAST_NAMES)
    chosen = rng.permutation(combos)[:n] if n <= combos else rng.integers(0, combos, n)
    names = [f"{FIRST_NAMES[c // len(LAST_NAMES)]} {LAST_NAMES[c % len(LAST_NAMES)]}"
             for c in chosen]
    if n > combos:  # beyond the name lists, a middle initial keeps names unique
        names = [f"{name.split()[0]} {chr(65 + i % 26)}. {name.split()[1]}"
                 if i >= combos else name for i, name in enumerate(names)]
    return np.array(names)


def build_roster(reps: int, calendar: Calendar, rng: Generator) -> Roster:
    inside = round(reps * INSIDE_SHARE)
    teams = build_teams(reps, inside)
    kind_of_rep = rng.permutation(np.r_[np.zeros(inside, int), np.ones(reps - inside, int)])
    home_team = np.empty(reps, int)
    for department in (INSIDE, FIELD):
        own_teams = [i for i, t in enumerate(teams) if t.department == department]
        members = np.flatnonzero(kind_of_rep == department)
        home_team[members] = np.array(own_teams)[np.arange(members.size) % len(own_teams)]
    kind = np.r_[kind_of_rep, np.full(len(teams), MANAGER)]
    home_team = np.r_[home_team, np.arange(len(teams))]
    users = kind.size
    region = np.array([teams[t].region for t in home_team])

    effort = np.exp(rng.normal(0, 0.06, users))
    skill = np.exp(rng.normal(0, 0.06, users))
    trend = rng.normal(0, 0.04, users)
    quota = np.exp(rng.normal(0, 0.04, users))
    team_factor = np.exp(rng.normal(0, 0.04, len(teams)))

    special = rng.permutation(reps)
    k = max(1, round(reps * 0.05))
    stars, strugglers, improving, declining = (special[i * k:(i + 1) * k] for i in range(4))
    effort[stars] = rng.uniform(1.25, 1.35, stars.size)
    skill[stars] = rng.uniform(1.15, 1.25, stars.size)
    effort[strugglers] = rng.uniform(0.68, 0.78, strugglers.size)
    skill[strugglers] = rng.uniform(0.72, 0.82, strugglers.size)
    trend[improving] = 0.22
    trend[declining] = -0.22

    movers = rng.permutation(reps)
    leavers = movers[: max(1, round(reps * 0.04))]
    transfers = movers[leavers.size: leavers.size + max(3, round(reps * 0.06))]
    leave_day = np.full(users, calendar.days)
    leave_day[leavers] = rng.integers(int(calendar.days * 0.4), int(calendar.days * 0.85) + 1,
                                      leavers.size)

    ids = padded_ids("005", np.arange(1, users + 1), 12)
    memberships = build_memberships(calendar, rng, teams, home_team, leave_day, transfers)
    return Roster(
        teams=teams, kind=kind, home_team=home_team, region=region,
        names=unique_names(rng, users), ids=ids,
        employee_numbers=padded_ids("E", 1001 + np.arange(users), 4),
        leave_day=leave_day, effort=effort, skill=skill, trend=trend, quota=quota,
        team_factor=team_factor, memberships=memberships, reps=reps,
    )


def transfer_day(calendar: Calendar, rng: Generator) -> int | None:
    """A mid-period day in the middle of the sample: never a Monday, never the first of a month."""
    day = np.arange(calendar.days)
    mid_period = (day >= 1) & (calendar.weekday != 0) & (calendar.day_of_month != 1)
    middle = mid_period & (day >= calendar.days * 0.25) & (day <= calendar.days * 0.75)
    candidates = np.flatnonzero(middle if middle.any() else mid_period)
    return int(candidates[rng.integers(candidates.size)]) if candidates.size else None


def build_memberships(calendar: Calendar, rng: Generator, teams: Sequence[Team],
                      home_team: np.ndarray, leave_day: np.ndarray,
                      transfers: np.ndarray) -> Table:
    """Team history per user: hires before the sample, transfers, one gap, one overlap."""
    rows: list[tuple[int, int, date, date | None]] = []
    transfer_set = {int(u): i for i, u in enumerate(transfers)}
    for user, team in enumerate(home_team):
        hired = calendar.start - timedelta(days=int(rng.integers(60, 1500)))
        left = calendar.date_of(leave_day[user]) if leave_day[user] < calendar.days else None
        moved = transfer_day(calendar, rng) if user in transfer_set else None
        if moved is None:
            rows.append((user, int(team), hired, left))
            continue
        peers = [i for i, t in enumerate(teams)
                 if t.department == teams[team].department and i != team]
        new_team = peers[int(rng.integers(len(peers)))]
        first_end = calendar.date_of(moved - 1)
        second_start = calendar.date_of(moved)
        role = transfer_set[int(user)]
        if role == 0:  # a gap: the rep is Unassigned for some days
            second_start = calendar.date_of(moved + int(rng.integers(5, 13)))
        elif role == 1:  # an overlap: the later start wins while both rows cover a day
            first_end = calendar.date_of(moved + 6)
        rows.append((user, int(team), hired, first_end))
        rows.append((user, new_team, second_start, left))
    return {
        "user": np.array([r[0] for r in rows]),
        "team": np.array([r[1] for r in rows]),
        "start": np.array([r[2].isoformat() for r in rows]),
        "end": np.array([r[3].isoformat() if r[3] else "" for r in rows]),
    }


# ----------------------------------------------------------------------------- contacts


@dataclass(frozen=True)
class Contacts:
    ids: np.ndarray
    names: np.ndarray
    titles: np.ndarray
    owner: np.ndarray  # user index
    account: np.ndarray  # account index
    is_dm: np.ndarray
    phone: np.ndarray  # phone book index or -1
    mobile: np.ndarray  # phone book index or -1
    first: np.ndarray  # per user: index of the user's first contact (decision makers first)
    count: np.ndarray  # per user: number of own contacts
    dm_count: np.ndarray  # per user: number of own decision makers
    account_ids: np.ndarray
    account_currency: np.ndarray
    account_first: np.ndarray  # per user: first own account
    account_count: np.ndarray  # per user

    @property
    def size(self) -> int:
        return self.ids.size

    def own_dm_share(self) -> np.ndarray:
        return np.divide(self.dm_count, np.maximum(self.count, 1))

    def pick_own(self, rng: Generator, users: np.ndarray, dm_focus: float) -> np.ndarray:
        """A contact of each user: a decision maker with extra probability `dm_focus`."""
        n = users.size
        focus = (rng.random(n) < dm_focus) & (self.dm_count[users] > 0)
        pool = np.where(focus, self.dm_count[users], self.count[users])
        own = self.first[users] + np.floor(rng.random(n) * pool).astype(np.int64)
        anyone = rng.integers(0, self.size, n)
        return np.where(self.count[users] > 0, own, anyone)

    def pick_number(self, rng: Generator, contacts: np.ndarray) -> np.ndarray:
        prefer_phone = rng.random(contacts.size) < 0.6
        phone, mobile = self.phone[contacts], self.mobile[contacts]
        chosen = np.where(prefer_phone, phone, mobile)
        return np.where(chosen >= 0, chosen, np.maximum(phone, mobile))


def build_contacts(roster: Roster, first_number: int, rng: Generator) -> Contacts:
    """Each rep's book of contacts (decision makers first), their accounts and currencies.

    Contact k has office number `first_number + k` and mobile `first_number + n + k`."""
    reps = np.flatnonzero(roster.has_targets)
    per_rep = max(4, min(CONTACTS_PER_REP, MAX_CONTACTS // max(reps.size, 1)))
    accounts_per_rep = math.ceil(per_rep / CONTACTS_PER_ACCOUNT)
    owner = np.repeat(reps, per_rep)
    n = owner.size
    rep_slot = np.repeat(np.arange(reps.size), per_rep)
    account = rep_slot * accounts_per_rep + rng.integers(0, accounts_per_rep, n)
    is_dm = rng.random(n) < DM_SHARE
    is_dm[::per_rep] = True  # every rep knows at least one decision maker
    order = np.lexsort((~is_dm, owner))  # decision makers first within each rep's block
    account, is_dm = account[order], is_dm[order]

    has_phone = rng.random(n) < 0.85
    has_mobile = (rng.random(n) < 0.55) | ~has_phone
    serial = np.arange(n)
    phone = np.where(has_phone, first_number + serial, -1)
    mobile = np.where(has_mobile, first_number + n + serial, -1)

    first = np.zeros(roster.size, np.int64)
    count = np.zeros(roster.size, np.int64)
    dm_count = np.zeros(roster.size, np.int64)
    first[reps] = np.arange(reps.size) * per_rep
    count[reps] = per_rep
    dm_count[reps] = np.add.reduceat(is_dm.astype(int), np.arange(reps.size) * per_rep)
    account_first = np.zeros(roster.size, np.int64)
    account_count = np.zeros(roster.size, np.int64)
    account_first[reps] = np.arange(reps.size) * accounts_per_rep
    account_count[reps] = accounts_per_rep

    n_accounts = reps.size * accounts_per_rep
    account_region = roster.region[np.repeat(reps, accounts_per_rep)]
    mix = np.array([r.currency_mix for r in REGIONS])[account_region]
    account_currency = (rng.random(n_accounts)[:, None] > np.cumsum(mix, axis=1)).sum(axis=1)
    account_currency = np.minimum(account_currency, len(CURRENCIES) - 1)

    first_names = np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)]
    last_names = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
    titles = np.where(is_dm, np.array(DM_TITLES)[rng.integers(0, len(DM_TITLES), n)],
                      np.array(OTHER_TITLES)[rng.integers(0, len(OTHER_TITLES), n)])
    return Contacts(
        ids=padded_ids("003", np.arange(1, n + 1), 12),
        names=np.strings.add(np.strings.add(first_names, " "), last_names),
        titles=titles, owner=owner, account=account, is_dm=is_dm, phone=phone, mobile=mobile,
        first=first, count=count, dm_count=dm_count,
        account_ids=padded_ids("001", np.arange(1, n_accounts + 1), 12),
        account_currency=account_currency, account_first=account_first,
        account_count=account_count,
    )


@dataclass(frozen=True)
class Numbers:
    """Where each kind of number sits in the phone book (user u has number u)."""

    prospects: np.ndarray  # per region: first prospect number
    prospects_per_region: int
    strangers: np.ndarray  # numbers nobody in the CRM has (private mobiles, ex-colleagues)


def build_phone_book(roster: Roster, contacts: Contacts) -> tuple[PhoneBook, Numbers]:
    """Users' lines first (user u has number u), then contacts' office and mobile numbers (see
    `build_contacts`), prospects per region and a few strangers: all distinct digits."""
    area = np.array([r.area_code for r in REGIONS])
    mobile_area = np.array([r.mobile_code for r in REGIONS])
    users = roster.size
    user_parts = number_parts(roster.region, area[roster.region], 555, 1000 + np.arange(users))
    contact_region = roster.region[contacts.owner]
    serial = np.arange(contacts.size)
    office_parts = number_parts(contact_region, area[contact_region], 600, serial)
    mobile_parts = number_parts(contact_region, mobile_area[contact_region], 600, serial)
    per_region = int(min(100_000, max(800, 15 * roster.reps)))
    prospect_region = np.repeat(np.arange(len(REGIONS)), per_region)
    prospect_parts = number_parts(prospect_region, area[prospect_region], 800,
                                  np.tile(np.arange(per_region), len(REGIONS)))
    stranger_region = np.arange(40) % len(REGIONS)
    stranger_parts = number_parts(stranger_region, area[stranger_region], 556, np.arange(40))
    book = PhoneBook.build([user_parts, office_parts, mobile_parts, prospect_parts,
                            stranger_parts])
    first_prospect = users + 2 * contacts.size
    numbers = Numbers(
        prospects=first_prospect + np.arange(len(REGIONS)) * per_region,
        prospects_per_region=per_region,
        strangers=first_prospect + len(REGIONS) * per_region + np.arange(40),
    )
    return book, numbers


# ----------------------------------------------------------------------------- activity model


@dataclass(frozen=True)
class Activity:
    intensity: np.ndarray  # (users, days) expected activity multiplier, 0 when the rep is off
    plan: np.ndarray  # (days,) what a planner expects of a standard rep on that day
    order_push: np.ndarray  # (days,) quarter-end push on orders


def seasonality(calendar: Calendar) -> np.ndarray:
    season = SEASON_FACTOR[calendar.month - 1].copy()
    late_december = (calendar.month == 12) & (calendar.day_of_month >= 20)
    season[late_december] *= LATE_DECEMBER_FACTOR
    return season


def order_push(calendar: Calendar) -> np.ndarray:
    quarter_month = (calendar.month - 1) % 3
    push = np.ones(calendar.days)
    push[(quarter_month == 2) & (calendar.day_of_month >= 15)] = 1.25
    push[(quarter_month == 0) & (calendar.day_of_month <= 10)] = 0.85
    return push


def availability(calendar: Calendar, roster: Roster, rng: Generator) -> np.ndarray:
    users, days = roster.size, calendar.days
    weekend = calendar.weekday >= 5
    available = np.broadcast_to(~weekend, (users, days)).copy()
    available |= weekend & (rng.random((users, days)) < WEEKEND_WORK_RATE)
    available &= rng.random((users, days)) >= SICK_DAY_RATE
    available[:, calendar.is_holiday()] = False
    for year in np.unique(calendar.year):
        summer = calendar.day_of(date(int(year), 7, 1)) + rng.integers(0, 46, users)
        winter = rng.random(users) < 0.6
        christmas = calendar.day_of(date(int(year), 12, 23))
        for user in range(users):
            available[user, max(summer[user], 0):max(summer[user] + 14, 0)] = False
            if winter[user]:
                available[user, max(christmas, 0):max(christmas + 9, 0)] = False
    available &= np.arange(days)[None, :] <= roster.leave_day[:, None]
    return available


def build_activity(calendar: Calendar, roster: Roster, rng: Generator) -> Activity:
    available = availability(calendar, roster, rng)
    years = np.arange(calendar.days) / 365.25
    daily = WEEKDAY_FACTOR[calendar.weekday] * seasonality(calendar)
    drift = 1 + roster.trend[:, None] * (years[None, :] - years.mean())
    noise = rng.gamma(20.0, 1 / 20.0, (roster.size, calendar.days))
    personal = roster.effort * roster.team_factor[roster.home_team]
    intensity = (available * daily * (1 + ANNUAL_GROWTH * years) * personal[:, None]
                 * drift * noise).astype(np.float32)
    employed = np.arange(calendar.days)[None, :] <= roster.leave_day[:, None]
    reps = roster.has_targets
    presence = available[reps].sum(axis=0) / np.maximum(employed[reps].sum(axis=0), 1)
    plan = presence * daily * (1 + PLANNED_GROWTH * years)
    return Activity(intensity=intensity, plan=plan, order_push=order_push(calendar))


def profile_rate(name: str, kind: np.ndarray) -> np.ndarray:
    return np.array([getattr(p, name) for p in PROFILES])[kind]


# ----------------------------------------------------------------------------- fx rates


@dataclass(frozen=True)
class Fx:
    rows: Table  # date, currency, rate as written
    as_of: np.ndarray  # (currencies, days) rate in effect on each day, NaN before the first


def build_fx(calendar: Calendar, rng: Generator) -> Fx:
    lookback = np.arange(-FX_LOOKBACK_DAYS, calendar.days)
    dates = np.datetime64(calendar.start) + lookback
    weekday = (calendar.start.weekday() + lookback) % 7
    months = dates.astype("datetime64[M]")
    month, day_of_month = months.astype(int) % 12 + 1, (dates - months).astype(int) + 1
    # TARGET2 closing days: no reference rate is published.
    closed = ((month == 1) & (day_of_month == 1)) | ((month == 12) & np.isin(day_of_month,
                                                                             (25, 26)))
    published = lookback[(weekday < 5) & ~closed]
    as_of = np.full((len(CURRENCIES), calendar.days), np.nan)
    as_of[EUR] = 1.0
    date_col, currency_col, rate_col = [], [], []
    for currency in (USD, GBP, CHF):
        steps = rng.normal(0, FX_DAILY_VOLATILITY, published.size)
        rates = np.round(FX_FIRST_RATE[currency] * np.exp(np.cumsum(steps)), 6)
        days = published if currency != CHF else published[published >= CHF_GAP_DAYS]
        rates = rates[-days.size:] if days.size else rates[:0]
        position = np.searchsorted(days, np.arange(calendar.days), side="right") - 1
        if days.size:
            as_of[currency] = np.where(position >= 0, rates[np.maximum(position, 0)], np.nan)
        date_col.append(days)
        currency_col.append(np.full(days.size, currency))
        rate_col.append(rates)
    day, currency, rate = (np.concatenate(c) for c in (date_col, currency_col, rate_col))
    order = np.lexsort((currency, day))
    rows = {
        "date": calendar.iso_dates(day[order]),
        "currency": np.array(CURRENCIES)[currency[order]],
        "rate": np.char.mod("%.6f", rate[order]),
    }
    return Fx(rows=rows, as_of=as_of)


# ----------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class World:
    calendar: Calendar
    streams: Streams
    roster: Roster
    contacts: Contacts
    phones: PhoneBook
    numbers: Numbers
    activity: Activity
    fx: Fx
    plants: Plants

    def prospect_numbers(self, rng: Generator, users: np.ndarray) -> np.ndarray:
        first = self.numbers.prospects[self.roster.region[users]]
        return first + rng.integers(0, self.numbers.prospects_per_region, users.size)

    def colleague_numbers(self, rng: Generator, users: np.ndarray) -> np.ndarray:
        shift = rng.integers(1, self.roster.size, users.size)
        return (users + shift) % self.roster.size


# ----------------------------------------------------------------------------- calls


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


def concat(tables: Sequence[Table]) -> Table:
    tables = [t for t in tables if t]
    if not tables:
        return {}
    return {name: np.concatenate([t[name] for t in tables]) for name in tables[0]}


def take(table: Table, index: np.ndarray) -> Table:
    return {name: column[index] for name, column in table.items()}


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


# ----------------------------------------------------------------------------- defects


@dataclass(frozen=True)
class Defect:
    name: str
    column: str | None  # None: the row loses its last fields
    corrupt: Callable[[str, Generator], str]


def unchanged(value: str, _: Generator) -> str:
    return value


def keep_first_19(value: str, _: Generator) -> str:
    return value[:19]


def impossible_hour(value: str, _: Generator) -> str:
    return value[:11] + "25" + value[13:]


def impossible_month(value: str, _: Generator) -> str:
    return value[:5] + "13" + value[7:]


def thousands_separated(value: str, _: Generator) -> str:
    amount = float(value)
    return f"{amount if amount >= 1000 else amount + 1000:,.2f}"


def defect_catalogue(world: World) -> dict[str, tuple[Defect, ...]]:
    strangers = world.phones.variants[world.numbers.strangers, 1]

    def stranger(_: str, rng: Generator) -> str:
        return field_text(strangers[rng.integers(strangers.size)])

    unknown_user = "005" + "9" * 12
    return {
        "calls": (
            Defect("offset_less_timestamp", "start_time", keep_first_19),
            Defect("unparseable_timestamp", "start_time", impossible_hour),
            Defect("negative_duration", "duration", lambda v, _: "-" + (v if v != "0" else "7")),
            Defect("fractional_duration", "duration", lambda v, _: f"{v}.5"),
            Defect("unknown_direction", "direction", lambda v, _: "Outbound"),
            Defect("unknown_status", "status", lambda v, _: v.capitalize()),
            Defect("unknown_answered_by", "answered_by", lambda v, _: "machine"),
            Defect("unknown_rep_phone", "from", stranger),
            Defect("missing_field", None, unchanged),
        ),
        "documents": (
            Defect("thousands_separator_amount", "net_amount", thousands_separated),
            Defect("unparseable_amount", "net_amount", lambda v, _: "n/a"),
            Defect("unknown_employee", "sales_rep_no", lambda v, _: "E90000"),
            Defect("unknown_document_type", "document_type", lambda v, _: v.capitalize()),
            Defect("unknown_status", "status", lambda v, _: v.capitalize()),
            Defect("offset_less_timestamp", "changed_at", keep_first_19),
            Defect("invalid_document_date", "document_date", lambda v, _: v[:8] + "32"),
            Defect("missing_field", None, unchanged),
        ),
        "events": (
            Defect("unknown_type", "Type", lambda v, _: v.upper()),
            Defect("unknown_owner", "OwnerId", lambda v, _: unknown_user),
            Defect("offset_less_timestamp", "StartDateTime", keep_first_19),
            Defect("unparseable_timestamp", "LastModifiedDate", impossible_month),
            Defect("invalid_boolean", "IsDeleted", lambda v, _: "yes"),
            Defect("missing_field", None, unchanged),
        ),
    }


def defect_plant_names(source: str, catalogue: Mapping[str, tuple[Defect, ...]]) -> list[str]:
    return [f"{source}:{d.name}" for d in catalogue[source]]


@dataclass
class DefectLog:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + count

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def corrupt_rows(columns: dict[str, np.ndarray], order: Sequence[str], chosen: np.ndarray,
                 kinds: np.ndarray, defects: Sequence[Defect], rng: Generator, source: str,
                 log: DefectLog) -> list[tuple[int, str]]:
    """Apply each chosen row's defect; rows losing fields come back as raw lines to write."""
    short_rows: list[tuple[int, str]] = []
    for row, kind in zip(chosen.tolist(), kinds.tolist(), strict=True):
        defect = defects[kind]
        log.add(f"{source}:{defect.name}")
        if defect.column is None:
            fields = [field_text(np.asarray(columns[name])[row]) for name in order]
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="").writerow(fields[: max(1, len(fields) - 2)])
            short_rows.append((row, buffer.getvalue()))
            continue
        column = as_bytes(columns[defect.column])
        corrupted = defect.corrupt(field_text(column[row]), rng).encode("utf-8")
        if len(corrupted) > column.dtype.itemsize:
            column = column.astype(f"S{len(corrupted)}")
        else:
            column = column.copy()
        column[row] = corrupted
        columns[defect.column] = column
    return short_rows


def inject_defects(columns: dict[str, np.ndarray], order: Sequence[str], eligible: np.ndarray,
                   defects: Sequence[Defect], rng: Generator, source: str, day: int,
                   plants: Plants, planted_names: Sequence[str], log: DefectLog,
                   preassigned: np.ndarray | None = None) -> list[tuple[int, str]]:
    """Corrupt a few eligible rows of a file (and every kind once on its plant day), plus the
    rows with a `preassigned` defect index. Returns the rows that lost fields, as raw text."""
    kinds = np.full(eligible.size, -1)
    if preassigned is not None:
        kinds = np.where(preassigned >= 0, preassigned, kinds)
    free = eligible & (kinds < 0)
    random_rows = np.flatnonzero(pick(rng, free, DEFECT_RATE))
    kinds[random_rows] = rng.integers(0, len(defects), random_rows.size)
    for kind, defect in enumerate(defects):
        name = f"{source}:{defect.name}"
        if plants.day(name, planted_names) != day:
            continue
        pool = np.flatnonzero(eligible & (kinds < 0))
        if pool.size:
            kinds[pool[rng.integers(pool.size)]] = kind
    chosen = np.flatnonzero(kinds >= 0)
    return corrupt_rows(columns, order, chosen, kinds[chosen], defects, rng, source, log)


# ----------------------------------------------------------------------------- events


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


# ----------------------------------------------------------------------------- documents


def document_styles(rng: Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rendering style and whether the offset is the ERP server's (Berlin) or the rep's."""
    choice = weighted(rng, (0.6, 0.25, 0.05, 0.1), n)
    style = np.array([TS_OFFSET, TS_Z, TS_Z_MILLIS, TS_OFFSET])[choice]
    return style, choice == 0


def documents_of_day(world: World, day: int) -> Table:
    rng = world.streams.rng(Streams.DOCUMENTS, day)
    roster, contacts, calendar, activity = world.roster, world.contacts, world.calendar, \
        world.activity
    intensity = activity.intensity[:, day]
    orders = rng.poisson(profile_rate("orders", roster.kind) * intensity * roster.skill
                         * activity.order_push[day])
    returns = rng.poisson(profile_rate("returns", roster.kind) * intensity)
    forced_currency = -1
    if day in (world.plants.chf_gap_day(), world.plants.weekend_fx_day()) and orders.sum() == 0:
        orders[int(np.argmax(roster.has_targets & (roster.leave_day > day)))] = 1
    if day == world.plants.chf_gap_day():
        forced_currency = CHF
    elif day == world.plants.weekend_fx_day():
        forced_currency = USD
    rep = np.r_[np.repeat(np.arange(roster.size), orders), np.repeat(np.arange(roster.size),
                                                                     returns)]
    doc_type = np.r_[np.full(orders.sum(), ORDER), np.full(returns.sum(), RETURN)]
    n = rep.size
    if not n:
        return {}
    account = contacts.account_first[rep] + np.floor(
        rng.random(n) * contacts.account_count[rep]).astype(np.int64)
    currency = contacts.account_currency[account]
    protected = np.zeros(n, bool)
    if forced_currency >= 0:
        currency[0], protected[0] = forced_currency, True
    median = profile_rate("order_value_eur", roster.kind[rep]) * roster.skill[rep] ** 0.3
    median = np.where(doc_type == RETURN, median * RETURN_VALUE_SHARE, median)
    value_eur = rng.lognormal(np.log(np.maximum(median, 1)), ORDER_VALUE_SIGMA)
    rate = world.fx.as_of[currency, day]
    rate = np.where(np.isnan(rate), np.array(FX_FIRST_RATE)[currency], rate)
    cents = np.maximum(np.round(value_eur / rate * 100), 100).astype(np.int64)

    region = roster.region[rep]
    created = calendar.instant(region, day, rng.integers(8 * HOUR, 19 * HOUR + 1800, n))
    backdated = (rng.random(n) < 0.03) & (day > 3) & ~protected
    document_day = np.where(backdated, day - rng.integers(1, 4, n), day)
    status = np.where(doc_type == RETURN, np.where(rng.random(n) < 0.5, OPEN, INVOICED),
                      weighted(rng, (0.88, 0.10, 0.02), n))
    style, server_time = document_styles(rng, n)
    offset = np.where(server_time, calendar.offset(BERLIN, day), calendar.offset(region, day))
    return {
        "doc": np.zeros(n, np.int64),
        "rep": rep.astype(np.int32), "account": account.astype(np.int32),
        "currency": currency.astype(np.int8), "type": doc_type.astype(np.int8), "cents": cents,
        "document_day": document_day.astype(np.int32), "status": status.astype(np.int8),
        "changed": created, "day": np.full(n, day, np.int32), "style": style.astype(np.int8),
        "offset": offset.astype(np.int32), "protected": protected,
        "file": np.full(n, -1, np.int32),
    }


def number_documents(base: Table) -> None:
    orders = base["type"] == ORDER
    base["doc"] = np.where(orders, np.cumsum(orders), np.cumsum(~orders))


def restyled(rng: Generator, table: Table, calendar: Calendar, instants: np.ndarray) -> None:
    """Follow-up rows are written by the ERP at its own (Berlin) time or in UTC."""
    server = rng.random(instants.size) < 0.7
    table["style"] = np.where(server, TS_OFFSET, TS_Z)
    table["offset"] = calendar.offset(BERLIN, calendar.local_day(BERLIN, instants))


def erp_change_instants(calendar: Calendar, rng: Generator, day: np.ndarray) -> np.ndarray:
    return calendar.instant(BERLIN, day, rng.integers(7 * HOUR, 19 * HOUR, day.size))


def same_day_corrections(world: World, rng: Generator, base: Table) -> tuple[np.ndarray, Table]:
    """A correction within the hour, rendered so that its text sorts before the original's."""
    eligible = ~base["protected"] & (base["status"] == OPEN)
    chosen = np.flatnonzero(pick(rng, eligible, 0.015,
                                 base["day"] == world.plants.day("doc_same_day_correction")))
    fixed = take(base, chosen)
    fixed["changed"] = fixed["changed"] + rng.integers(600, 3000, fixed["doc"].size)
    fixed["cents"] = np.round(fixed["cents"] * rng.uniform(0.95, 1.05, fixed["doc"].size)
                              ).astype(np.int64)
    fixed["style"] = np.where(fixed["style"] >= TS_OFFSET, TS_Z, TS_OFFSET)
    fixed["offset"] = world.calendar.offset(BERLIN, fixed["day"]).astype(np.int32)
    fixed["protected"][:] = True
    return chosen, fixed


def status_changes(world: World, rng: Generator, latest: Table) -> Table:
    """Invoicing a few days later, and late cancellations one to six weeks later."""
    days = world.calendar.days
    n = latest["doc"].size
    is_open = latest["status"] == OPEN
    is_order = latest["type"] == ORDER
    roll = rng.random(n)
    late_cancel_pool = is_open & is_order & (latest["day"] == world.plants.day("doc_late_cancel"))
    cancel = is_open & is_order & (roll < LATE_CANCEL_RATE)
    cancel |= pick(rng, late_cancel_pool & (latest["day"] + 8 < days), 0.0, late_cancel_pool)
    invoice = is_open & ~cancel & ((roll < INVOICE_RATE) | ~is_order)
    delay = np.where(cancel, rng.integers(7, 43, n),
                     np.where(is_order, rng.integers(1, 13, n), rng.integers(1, 6, n)))
    delay = np.where(cancel & late_cancel_pool, np.minimum(delay, days - 1 - latest["day"]), delay)
    changed = take(latest, np.flatnonzero(cancel | invoice))
    chosen_delay = delay[cancel | invoice]
    changed["status"] = np.where(cancel[cancel | invoice], CANCELLED, INVOICED)
    adjust = (changed["status"] == INVOICED) & (rng.random(changed["doc"].size) < 0.04)
    changed["cents"] = np.where(adjust, np.round(changed["cents"] * rng.uniform(
        0.9, 1.1, changed["doc"].size)), changed["cents"]).astype(np.int64)
    changed["changed"] = erp_change_instants(world.calendar, rng, changed["day"] + chosen_delay)
    restyled(rng, changed, world.calendar, changed["changed"])
    changed["protected"] = changed["protected"] | (changed["status"] == CANCELLED)
    return changed


def stale_and_tied_documents(world: World, rng: Generator, originals: Table,
                             invoices: Table) -> Table:
    """An older version re-sent after the invoice (must lose), and an equal-instant tie."""
    days = world.calendar.days
    plants = world.plants
    room = invoices["file"] + 4 < days
    invoiced = invoices["status"] == INVOICED
    stale = pick(rng, room & invoiced, 0.002, invoices["day"] == plants.day("doc_stale"))
    order = np.argsort(originals["key"])
    position = np.searchsorted(originals["key"], invoices["key"][stale], sorter=order)
    stale_rows = take(originals, order[position])
    stale_rows["file"] = invoices["file"][stale] + rng.integers(1, 5, stale_rows["doc"].size)

    tie = pick(rng, room & invoiced & ~stale, 0.0005, invoices["day"] == plants.day("doc_tie"))
    tied = take(invoices, np.flatnonzero(tie))
    tied["file"] = tied["file"] + rng.integers(1, 4, tied["doc"].size)
    tied["cents"] = np.round(tied["cents"] * 0.9).astype(np.int64)
    tied["style"] = np.where(tied["style"] >= TS_OFFSET, TS_Z, TS_OFFSET)
    result = concat([stale_rows, tied])
    if result:
        result["protected"][:] = True
    return result


def simulate_documents(world: World) -> Table:
    calendar = world.calendar
    base = concat([t for d in range(calendar.days) if (t := documents_of_day(world, d))])
    if not base:
        return {}
    number_documents(base)
    base["key"] = base["doc"] * 2 + base["type"]
    rng = world.streams.rng(Streams.DOCUMENT_CHANGES)
    corrected, corrections = same_day_corrections(world, rng, base)
    latest = dict(base, cents=base["cents"].copy(), protected=base["protected"].copy())
    latest["cents"][corrected] = corrections["cents"]
    latest["protected"][corrected] = True
    changes = status_changes(world, rng, latest)
    del latest
    for table in (base, corrections, changes):
        table["file"] = calendar.local_day(BERLIN, table["changed"]).astype(np.int32)
    extra = stale_and_tied_documents(world, rng, base, changes)
    documents = concat([base, corrections, changes, extra])
    del base, corrections, changes, extra
    # Files in order; within a file by document, the versions of one document in random order.
    tiebreak = world.streams.rng(Streams.ROW_ORDER, 1).random(documents["doc"].size)
    order = np.lexsort((tiebreak, documents["key"], documents["file"]))
    documents = take(documents, order[documents["file"][order] < calendar.days])
    documents["file"] = np.maximum(documents["file"], 0)
    return documents


DOCUMENT_COLUMNS = ("document_no", "document_type", "document_date", "customer_no",
                    "sales_rep_no", "currency", "net_amount", "status", "changed_at")
DOCUMENT_COLUMNS_EXTENDED = ("document_no", "changed_at", "status", "document_type",
                             "customer_no", "document_date", "sales_rep_no", "net_amount",
                             "gross_amount", "currency", "created_by")


def render_documents(world: World, documents: Table) -> dict[str, np.ndarray]:
    n = documents["doc"].size
    prefix = np.where(documents["type"] == ORDER, b"SO", b"CR")
    vat = np.round(documents["cents"] * 1.19).astype(np.int64)
    return {
        "document_no": joined(prefix, zero_padded(10_000_000 + documents["doc"], 8), rows=n),
        "document_type": byte_table(DOCUMENT_TYPES)[documents["type"]],
        "document_date": world.calendar.iso_dates(documents["document_day"]),
        "customer_no": padded_ids("C", 100_000 + documents["account"], 6),
        "sales_rep_no": world.roster.employee_numbers[documents["rep"]],
        "currency": byte_table(CURRENCIES)[documents["currency"]],
        "net_amount": cents_text(documents["cents"]),
        "status": byte_table(DOCUMENT_STATUSES)[documents["status"]],
        "changed_at": render_instants(documents["changed"], documents["offset"],
                                      documents["style"]),
        "gross_amount": cents_text(vat),
        "created_by": np.full(n, b"ERP_BATCH"),
    }


# ----------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class TargetSpec:
    period: str
    metric: str
    kinds: tuple[int, ...]
    rounding: int


TARGET_SPECS = (
    TargetSpec("Month", "calls_made", (INSIDE,), 10),
    TargetSpec("Month", "calls_connected", (INSIDE,), 5),
    TargetSpec("Month", "talk_seconds", (INSIDE,), 600),
    TargetSpec("Month", "avg_call_seconds", (INSIDE,), 5),
    TargetSpec("Month", "dm_conversations", (INSIDE, FIELD), 1),
    TargetSpec("Month", "visits", (FIELD,), 1),
    TargetSpec("Month", "meetings", (FIELD,), 1),
    TargetSpec("Month", "orders", (INSIDE, FIELD), 1),
    TargetSpec("Month", "sales_volume", (INSIDE, FIELD), 500),
    TargetSpec("Week", "calls_made", (INSIDE,), 5),
    TargetSpec("Quarter", "distinct_dms_reached", (INSIDE, FIELD), 1),
    TargetSpec("Year", "sales_volume", (INSIDE, FIELD), 1000),
)


def period_starts(calendar: Calendar, period: str) -> list[int]:
    """Sample days on which a period of that type starts."""
    day = np.arange(calendar.days)
    if period == "Week":
        mask = calendar.weekday == 0
    elif period == "Month":
        mask = calendar.day_of_month == 1
    elif period == "Quarter":
        mask = (calendar.day_of_month == 1) & np.isin(calendar.month, (1, 4, 7, 10))
    else:
        mask = (calendar.day_of_month == 1) & (calendar.month == 1)
    return day[mask].tolist()


def period_end(calendar: Calendar, period: str, start_day: int) -> int:
    first = calendar.date_of(start_day)
    if period == "Week":
        return start_day + 7
    months = {"Month": 1, "Quarter": 3, "Year": 12}[period]
    month_index = first.year * 12 + first.month - 1 + months
    return calendar.day_of(date(month_index // 12, month_index % 12 + 1, 1))


def daily_expectation(world: World, metric: str) -> np.ndarray:
    """Expected daily value of a metric per user for a standard day (skill and effort 1)."""
    kind = world.roster.kind
    calls = profile_rate("outbound_calls", kind)
    connected = calls * profile_rate("connect_rate", kind)
    dm_share = world.contacts.own_dm_share()
    call_dm = profile_rate("contact_share", kind) * (
        OWN_CONTACT_SHARE * dm_share + (1 - OWN_CONTACT_SHARE) * DM_SHARE)
    face_to_face = (profile_rate("visits", kind) * WHO_SHARE[VISIT]
                    + profile_rate("meetings", kind) * WHO_SHARE[MEETING])
    orders = profile_rate("orders", kind) * (1 - 0.02 - 0.88 * LATE_CANCEL_RATE)
    value = profile_rate("order_value_eur", kind) * math.exp(ORDER_VALUE_SIGMA**2 / 2)
    returns = profile_rate("returns", kind) * value * RETURN_VALUE_SHARE
    return {
        "calls_made": calls,
        "calls_connected": connected,
        "talk_seconds": connected * MEAN_TALK_SECONDS,
        "dm_conversations": connected * call_dm + face_to_face * (DM_FOCUS + (1 - DM_FOCUS)
                                                                  * dm_share),
        "visits": profile_rate("visits", kind),
        "meetings": profile_rate("meetings", kind),
        "orders": orders,
        "sales_volume": orders * value - returns,
        # Decision makers among the rep's own contacts, and among everybody else's.
        "own_dm_touches": connected * profile_rate("contact_share", kind) * OWN_CONTACT_SHARE
        * dm_share + face_to_face * (DM_FOCUS + (1 - DM_FOCUS) * dm_share),
        "other_dm_touches": connected * profile_rate("contact_share", kind)
        * (1 - OWN_CONTACT_SHARE) * DM_SHARE,
    }[metric]


def target_values(world: World, spec: TargetSpec, start_day: int, end_day: int) -> np.ndarray:
    activity, roster = world.activity, world.roster
    days = slice(start_day, min(end_day, world.calendar.days))
    plan = activity.plan[days]
    if spec.metric in ("orders", "sales_volume"):
        plan = plan * activity.order_push[days]
    if spec.metric == "avg_call_seconds":
        return np.full(roster.size, MEAN_TALK_SECONDS)
    if spec.metric == "distinct_dms_reached":
        # Own decision makers are reached again and again; others' are nearly always new.
        own_dms = world.contacts.dm_count.astype(float)
        own = daily_expectation(world, "own_dm_touches") * plan.sum()
        reached = own_dms * (1 - np.exp(-own / np.maximum(own_dms, 1)))
        reached += daily_expectation(world, "other_dm_touches") * plan.sum()
        return np.maximum(reached * roster.quota, 1)
    return daily_expectation(world, spec.metric) * plan.sum() * roster.quota


def build_targets(world: World) -> Table:
    roster, calendar = world.roster, world.calendar
    users, metrics, periods, starts, values = [], [], [], [], []
    for spec in TARGET_SPECS:
        holders = np.flatnonzero(np.isin(roster.kind, spec.kinds))
        for start_day in period_starts(calendar, spec.period):
            if start_day >= calendar.days:
                continue
            value = target_values(world, spec, start_day,
                                  period_end(calendar, spec.period, start_day))[holders]
            employed = holders[roster.leave_day[holders] >= start_day]
            value = value[roster.leave_day[holders] >= start_day]
            rounded = np.maximum(np.round(value / spec.rounding) * spec.rounding, spec.rounding)
            users.append(employed)
            metrics.append(np.full(employed.size, spec.metric, dtype=object))
            periods.append(np.full(employed.size, spec.period, dtype=object))
            starts.append(np.full(employed.size, calendar.date_of(start_day).isoformat()))
            values.append(rounded.astype(np.int64))
    if not users:
        return {"user": np.array([], int), "metric": np.array([], object),
                "period": np.array([], object), "start": np.array([], "U10"),
                "value": np.array([], np.int64)}
    return {"user": np.concatenate(users), "metric": np.concatenate(metrics),
            "period": np.concatenate(periods), "start": np.concatenate(starts),
            "value": np.concatenate(values)}


# ----------------------------------------------------------------------------- writing


LANDING_PATTERNS = (
    "telephony/calls_*.csv", "erp/sales_documents_*.csv", "erp/fx_rates.csv", "crm/User.csv",
    "crm/Contact.csv", "crm/Team_Membership__c.csv", "crm/Sales_Target__c.csv",
    "crm/Event_*.csv",
)


def landing_paths(out_dir: Path, calendar: Calendar) -> set[Path]:
    """Every file a run writes."""
    paths = {out_dir / name for name in ("erp/fx_rates.csv", "crm/User.csv", "crm/Contact.csv",
                                         "crm/Team_Membership__c.csv",
                                         "crm/Sales_Target__c.csv")}
    for day in range(calendar.days):
        stamp = calendar.date_of(day).isoformat()
        paths |= {out_dir / f"telephony/calls_{stamp}.csv",
                  out_dir / f"erp/sales_documents_{stamp}.csv", out_dir / f"crm/Event_{stamp}.csv"}
    return paths


def clear_landing(out_dir: Path, rewritten: set[Path]) -> None:
    """Remove landing files of a previous run that this run will not overwrite, so that
    regenerating leaves no leftovers (overwriting in place is much cheaper than recreating)."""
    for pattern in LANDING_PATTERNS:
        for path in sorted(out_dir.glob(pattern)):
            if path not in rewritten:
                path.unlink()


def as_bytes(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind == "S":
        return np.ascontiguousarray(values)
    return np.strings.encode(values.astype(str), "utf-8")


def field_text(value: bytes | str) -> str:
    """A rendered value as text: NUL padding removed."""
    text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
    return text.replace("\x00", "")


NEEDS_QUOTES = np.zeros(256, bool)
NEEDS_QUOTES[list(b',"\n\r')] = True  # bytes that force a field into quotes


def quoted_where_needed(values: np.ndarray, quote_all: bool) -> np.ndarray:
    """RFC 4180 quoting: fields with a separator, quote or line break (all non-empty ones with
    `quote_all`) are wrapped in quotes, with inner quotes doubled."""
    if not values.size:
        return values
    if not quote_all and not any(c in values.tobytes() for c in (b",", b'"', b"\n", b"\r")):
        return values  # the common case, settled by a fast scan of the raw bytes
    matrix = values.view(np.uint8).reshape(values.size, values.dtype.itemsize)
    special = matrix != 0 if quote_all else NEEDS_QUOTES[matrix]
    needs_quotes = special.any(axis=1)
    if not needs_quotes.any():
        return values
    escaped = np.strings.replace(values, b'"', b'""')
    return np.where(needs_quotes, np.strings.add(np.strings.add(b'"', escaped), b'"'), values)


def csv_bytes(columns: Mapping[str, np.ndarray], order: Sequence[str], quote_all: bool,
              raw_rows: Sequence[tuple[int, str]] = ()) -> bytes:
    """The file's bytes: fields side by side in a byte matrix, then every NUL dropped."""
    fields = [quoted_where_needed(as_bytes(columns[name]), quote_all) for name in order]
    header = ",".join(f'"{name}"' if quote_all else name for name in order)
    rows = fields[0].size
    pieces = []
    for position, values in enumerate(fields):
        pieces.append(values.view(np.uint8).reshape(rows, values.dtype.itemsize))
        pieces.append(np.full((rows, 1), ord("\n" if position == len(fields) - 1 else ","),
                              np.uint8))
    matrix = np.concatenate(pieces, axis=1) if rows else np.zeros((0, 1), np.uint8)
    if raw_rows:
        lines = {row: text.encode("utf-8") + b"\n" for row, text in raw_rows}
        width = max(matrix.shape[1], *map(len, lines.values()))
        matrix = np.pad(matrix, ((0, 0), (0, width - matrix.shape[1])))
        for row, line in lines.items():
            matrix[row] = 0
            matrix[row, : len(line)] = np.frombuffer(line, np.uint8)
    body = matrix.ravel()
    return (header + "\n").encode("utf-8") + body[body != 0].tobytes()


class CsvWriter:
    """Writes CSV files: UTF-8, ',' separated, '\\n' line ends, quotes only where needed
    (or on every non-empty field with `quote_all`), empty values as empty fields."""

    def __init__(self) -> None:
        self.files = 0

    def write(self, path: Path, columns: Mapping[str, np.ndarray], order: Sequence[str], *,
              quote_all: bool = False, raw_rows: Sequence[tuple[int, str]] = ()) -> int:
        """Write the `order` columns; each raw row replaces the data row it names by raw text.

        Returns the number of data rows."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(csv_bytes(columns, order, quote_all, raw_rows))
        self.files += 1
        return np.asarray(columns[order[0]]).size


def layout(rng: Generator, columns: Sequence[str], shuffled: bool) -> list[str]:
    order = list(columns)
    if shuffled:
        order = [order[i] for i in rng.permutation(len(order))]
    return order


# ----------------------------------------------------------------------------- snapshots


def write_snapshots(world: World, writer: CsvWriter, out_dir: Path, targets: Table) -> dict[
        str, int]:
    roster, contacts, phones = world.roster, world.contacts, world.phones
    rng = world.streams.rng(Streams.SNAPSHOTS)
    users = roster.size
    email = np.strings.add(np.strings.lower(np.strings.replace(
        np.strings.replace(roster.names, ". ", ""), " ", ".")), "@example.com")
    user_columns = {
        "Id": roster.ids,
        "Name": roster.names,
        "Email": email,
        "EmployeeNumber": roster.employee_numbers,
        "Phone": phones.formatted(np.arange(users), rng.choice([1, 2, 4, 5], users)),
        "Title": np.array(TITLES)[roster.kind],
        "IsActive": boolean_text(rng, roster.leave_day >= world.calendar.days),
        "TimeZoneSidKey": np.array([r.zone for r in REGIONS])[roster.region],
        "CreatedById": np.full(users, roster.ids[-1]),
    }
    counts = {"users": writer.write(out_dir / "crm/User.csv", user_columns, list(user_columns))}

    n = contacts.size
    contact_columns = {
        "AccountId": contacts.account_ids[contacts.account],
        "Id": contacts.ids,
        "OwnerId": roster.ids[contacts.owner],
        "Name": contacts.names,
        "Title": contacts.titles,
        "Email": np.strings.add(np.strings.lower(np.strings.replace(contacts.names, " ", ".")),
                                "@customer.example"),
        "MobilePhone": np.where(contacts.mobile >= 0, phones.formatted(
            np.maximum(contacts.mobile, 0), rng.integers(0, PHONE_STYLES, n)), b""),
        "Phone": np.where(contacts.phone >= 0, phones.formatted(
            np.maximum(contacts.phone, 0), rng.integers(0, PHONE_STYLES, n)), b""),
        "Decision_Maker__c": boolean_text(rng, contacts.is_dm),
    }
    counts["contacts"] = writer.write(out_dir / "crm/Contact.csv", contact_columns,
                                      list(contact_columns))

    memberships = roster.memberships
    m = memberships["user"].size
    membership_columns = {
        "Id": padded_ids("a0M", np.arange(1, m + 1), 12),
        "Name": padded_ids("TM-", np.arange(1, m + 1), 5),
        "User__c": roster.ids[memberships["user"]],
        "Team__c": np.array([t.name for t in roster.teams])[memberships["team"]],
        "Department__c": np.array(DEPARTMENTS)[[t.department for t in roster.teams]][
            memberships["team"]],
        "Start_Date__c": memberships["start"],
        "End_Date__c": memberships["end"],
    }
    counts["memberships"] = writer.write(out_dir / "crm/Team_Membership__c.csv",
                                         membership_columns, list(membership_columns))

    t = targets["user"].size
    target_columns = {
        "Id": padded_ids("a0T", np.arange(1, t + 1), 12),
        "User__c": roster.ids[targets["user"]],
        "Metric__c": targets["metric"],
        "Period_Type__c": targets["period"],
        "Period_Start__c": targets["start"],
        "Target__c": ascii_int(targets["value"]),
        "CurrencyIsoCode": np.where(targets["metric"] == "sales_volume",
                                    REPORTING_CURRENCY.encode("ascii"), b""),
    }
    counts["targets"] = writer.write(out_dir / "crm/Sales_Target__c.csv", target_columns,
                                     list(target_columns))
    counts["fx_rates"] = writer.write(out_dir / "erp/fx_rates.csv", world.fx.rows,
                                      ("date", "currency", "rate"))
    return counts


# ----------------------------------------------------------------------------- daily files


@dataclass
class DailyWriter:
    """Writes the three daily file kinds, with their layouts and defects."""

    world: World
    writer: CsvWriter
    out_dir: Path
    events: Table
    documents: Table
    defects: DefectLog = field(default_factory=DefectLog)
    rows: dict[str, int] = field(default_factory=lambda: {"calls": 0, "events": 0,
                                                          "documents": 0})

    def __post_init__(self) -> None:
        self.catalogue = defect_catalogue(self.world)
        self.planted = {source: defect_plant_names(source, self.catalogue)
                        for source in self.catalogue}
        self.account_sid = "AC" + self.world.streams.rng(Streams.ACCOUNT).bytes(16).hex()
        # Partway through, the phone system is upgraded and its export changes shape.
        self.upgrade_day = max(1, int(self.world.calendar.days * PHONE_UPGRADE_AT))
        self.event_slices = file_slices(self.events, self.world.calendar.days)
        self.document_slices = file_slices(self.documents, self.world.calendar.days)

    def _plant(self, case: str, day: int, source: str) -> bool:
        return self.world.plants.day(case, self.planted[source]) == day

    def calls(self, day: int, calls: Table) -> None:
        world = self.world
        rng = world.streams.rng(Streams.CALL_FILES, day)
        if calls:
            calls = take(calls, np.argsort(calls["start"], kind="stable"))
        upgraded = day >= self.upgrade_day
        shuffled = rng.random() < 0.04 or self._plant("calls_shuffled", day, "calls")
        order = layout(rng, CALL_COLUMNS_UPGRADED if upgraded else CALL_COLUMNS, shuffled)
        columns = render_calls(world, calls, self.account_sid, order) if calls else {
            name: np.array([], dtype="U1") for name in order}
        short: list[tuple[int, str]] = []
        if calls:
            eligible = ((calls["direction"] != INBOUND) & (calls["parent"] == b"")
                        & ~calls["protected"])
            negative = [d.name for d in self.catalogue["calls"]].index("negative_duration")
            short = inject_defects(columns, order, eligible, self.catalogue["calls"], rng,
                                   "calls", day, world.plants, self.planted["calls"],
                                   self.defects,
                                   preassigned=np.where(calls["must_reject"], negative, -1))
        path = self.out_dir / f"telephony/calls_{world.calendar.date_of(day).isoformat()}.csv"
        self.rows["calls"] += self.writer.write(path, columns, order, raw_rows=short)

    def events_file(self, day: int) -> None:
        world = self.world
        rng = world.streams.rng(Streams.EVENT_FILES, day)
        events = take(self.events, self.event_slices[day]) if self.events else {}
        extended = rng.random() < 0.06 or self._plant("events_extended", day, "events")
        quote_all = rng.random() < 0.3 or self._plant("events_quoted", day, "events")
        order = layout(rng, EVENT_COLUMNS_EXTENDED if extended else EVENT_COLUMNS, extended)
        short: list[tuple[int, str]] = []
        if events and events["id"].size:
            columns = render_events(world, events, rng)
            short = inject_defects(columns, order, ~events["protected"],
                                   self.catalogue["events"], rng, "events", day, world.plants,
                                   self.planted["events"], self.defects)
        else:
            columns = {name: np.array([], dtype="U1") for name in EVENT_COLUMNS_EXTENDED}
        path = self.out_dir / f"crm/Event_{world.calendar.date_of(day).isoformat()}.csv"
        self.rows["events"] += self.writer.write(path, columns, order, quote_all=quote_all,
                                                 raw_rows=short)

    def documents_file(self, day: int) -> None:
        world = self.world
        rng = world.streams.rng(Streams.DOCUMENT_FILES, day)
        documents = take(self.documents, self.document_slices[day]) if self.documents else {}
        extended = rng.random() < 0.08 or self._plant("documents_extended", day, "documents")
        order = layout(rng, DOCUMENT_COLUMNS_EXTENDED if extended else DOCUMENT_COLUMNS,
                       extended and rng.random() < 0.5)
        short: list[tuple[int, str]] = []
        if documents and documents["doc"].size:
            columns = render_documents(world, documents)
            short = inject_defects(columns, order, ~documents["protected"],
                                   self.catalogue["documents"], rng, "documents", day,
                                   world.plants, self.planted["documents"], self.defects)
        else:
            columns = {name: np.array([], dtype="U1") for name in DOCUMENT_COLUMNS_EXTENDED}
        path = self.out_dir / f"erp/sales_documents_{world.calendar.date_of(day).isoformat()}.csv"
        self.rows["documents"] += self.writer.write(path, columns, order, raw_rows=short)


def file_slices(table: Table, days: int) -> list[np.ndarray]:
    """Row indices per file day of a table sorted by its 'file' column."""
    if not table:
        return [np.array([], np.int64)] * days
    bounds = np.searchsorted(table["file"], np.arange(days + 1))
    return [np.arange(bounds[d], bounds[d + 1]) for d in range(days)]


# ----------------------------------------------------------------------------- orchestration


def build_world(reps: int, days: int, start: date, seed: int) -> World:
    calendar = Calendar.build(start, days)
    streams = Streams(seed)
    roster = build_roster(reps, calendar, streams.rng(Streams.ROSTER))
    contacts = build_contacts(roster, roster.size, streams.rng(Streams.CONTACTS))
    phones, numbers = build_phone_book(roster, contacts)
    return World(
        calendar=calendar, streams=streams, roster=roster, contacts=contacts, phones=phones,
        numbers=numbers, activity=build_activity(calendar, roster, streams.rng(Streams.ACTIVITY)),
        fx=build_fx(calendar, streams.rng(Streams.FX)), plants=Plants(calendar),
    )


def stream_calls(world: World) -> Iterator[tuple[int, Table]]:
    """Each day's call rows, with re-deliveries from earlier days added to their later file."""
    minter = SidMinter("CA")
    waiting: dict[int, list[Table]] = {}
    for first in range(0, world.calendar.days, CALL_BATCH_DAYS):
        days = np.arange(first, min(first + CALL_BATCH_DAYS, world.calendar.days))
        batch, later = simulate_calls(world, days, minter)
        for file_day, tables in later.items():
            waiting.setdefault(file_day, []).extend(tables)
        order = np.argsort(batch["day"], kind="stable")
        bounds = np.searchsorted(batch["day"][order], np.r_[days, days[-1] + 1])
        for index, day in enumerate(days.tolist()):
            today = take(batch, order[bounds[index]:bounds[index + 1]])
            yield day, concat([today, *waiting.pop(day, [])])


def count_cases(events: Table, documents: Table) -> dict[str, int]:
    cases = {}
    if events:
        cases["event_rows_deleted"] = int(events["deleted"].sum())
    if documents:
        cases["document_returns"] = int((documents["type"] == RETURN).sum())
        cases["document_rows_cancelled"] = int((documents["status"] == CANCELLED).sum())
    return cases


def generate_sample(out_dir: Path, *, reps: int = 40, days: int = 731,
                    start: date = date(2024, 1, 1), seed: int = 7) -> SampleSummary:
    """Write a landing area (contract section 2) under `out_dir` and say what was written.

    Landing files of the kinds this writes are removed first; other files are left alone. The
    same arguments always give byte-identical files. Every hard case is planted on one of the
    first working days, so samples of about 60 days and more contain all of them.
    """
    if reps < MIN_REPS:
        raise ValueError(f"reps must be at least {MIN_REPS}")
    if days < 1:
        raise ValueError("days must be at least 1")
    out_dir = Path(out_dir)
    world = build_world(reps, days, start, seed)
    events = simulate_events(world)
    documents = simulate_documents(world)
    targets = build_targets(world)

    clear_landing(out_dir, landing_paths(out_dir, world.calendar))
    writer = CsvWriter()
    snapshot_rows = write_snapshots(world, writer, out_dir, targets)
    daily = DailyWriter(world, writer, out_dir, events, documents)
    for day, calls in stream_calls(world):
        daily.calls(day, calls)
        daily.events_file(day)
        daily.documents_file(day)
    cases = {**count_cases(events, documents), **daily.defects.counts}
    return SampleSummary(
        out_dir=out_dir, reps=reps, days=days, start=start, end=world.calendar.end, seed=seed,
        files=writer.files, calls=daily.rows["calls"], events=daily.rows["events"],
        documents=daily.rows["documents"], users=snapshot_rows["users"],
        contacts=snapshot_rows["contacts"], memberships=snapshot_rows["memberships"],
        targets=snapshot_rows["targets"], fx_rates=snapshot_rows["fx_rates"],
        malformed=daily.defects.total, cases=MappingProxyType(dict(sorted(cases.items()))),
    )
