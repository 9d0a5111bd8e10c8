"""The organisation: roster, teams, contacts, phone numbers, activity levels and FX rates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sales_pipeline.sample.calendar import Calendar, Plants
from sales_pipeline.sample.parameters import (
    ANNUAL_GROWTH,
    CHF,
    CHF_GAP_DAYS,
    CONTACTS_PER_ACCOUNT,
    CONTACTS_PER_REP,
    CURRENCIES,
    DM_SHARE,
    DM_TITLES,
    EUR,
    FIELD,
    FIRST_NAMES,
    FX_DAILY_VOLATILITY,
    FX_FIRST_RATE,
    FX_LOOKBACK_DAYS,
    GBP,
    INSIDE,
    INSIDE_SHARE,
    LAST_NAMES,
    LATE_DECEMBER_FACTOR,
    MANAGER,
    MAX_CONTACTS,
    OTHER_TITLES,
    PLANNED_GROWTH,
    PROFILES,
    REGIONS,
    REPS_PER_TEAM,
    SEASON_FACTOR,
    SICK_DAY_RATE,
    TEAM_AREAS,
    USD,
    WEEKDAY_FACTOR,
    WEEKEND_WORK_RATE,
)
from sales_pipeline.sample.randomness import Generator, Streams
from sales_pipeline.sample.rendering import PhoneBook, number_parts, padded_ids
from sales_pipeline.sample.tables import Table

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
