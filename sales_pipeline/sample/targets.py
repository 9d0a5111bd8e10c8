"""Sales targets per rep and period, set from the rep's expected activity."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from sales_pipeline.sample.calendar import Calendar
from sales_pipeline.sample.parameters import (
    DM_FOCUS,
    DM_SHARE,
    FIELD,
    INSIDE,
    LATE_CANCEL_RATE,
    MEAN_TALK_SECONDS,
    MEETING,
    ORDER_VALUE_SIGMA,
    OWN_CONTACT_SHARE,
    RETURN_VALUE_SHARE,
    VISIT,
    WHO_SHARE,
)
from sales_pipeline.sample.tables import Table
from sales_pipeline.sample.world import World, profile_rate


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
