"""The four reporting grains and their time-window partitions, in the sales organisation's zone.

Partition keys are the first day of the period (`2026-03-02` for the ISO week of Monday 2 March),
the same value as `period_start` in the marts. The current, still running period is a partition
too (end offset 1), so a backfill covers every period the data touches; the schedules target the
last complete one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import dagster as dg

KEY_FORMAT = "%Y-%m-%d"


@dataclass(frozen=True)
class Grain:
    name: str          # table suffix: weekly, monthly, ...
    unit: str          # DuckDB date_trunc unit
    cron: str          # when a period starts
    months: int        # period length in months; 0 for weeks

    def period_start(self, day: date) -> date:
        if self.unit == "week":
            return date.fromordinal(day.toordinal() - day.weekday())
        month = 1 + ((day.month - 1) // self.months) * self.months
        return date(day.year, month, 1)


WEEKLY = Grain("weekly", "week", "0 0 * * 1", 0)
MONTHLY = Grain("monthly", "month", "0 0 1 * *", 1)
QUARTERLY = Grain("quarterly", "quarter", "0 0 1 1,4,7,10 *", 3)
YEARLY = Grain("yearly", "year", "0 0 1 1 *", 12)
GRAINS: tuple[Grain, ...] = (WEEKLY, MONTHLY, QUARTERLY, YEARLY)


def partitions_for(grain: Grain, history_start: date, timezone: str) -> dg.TimeWindowPartitionsDefinition:
    return dg.TimeWindowPartitionsDefinition(
        cron_schedule=grain.cron,
        start=grain.period_start(history_start).strftime(KEY_FORMAT),
        fmt=KEY_FORMAT,
        timezone=timezone,
        end_offset=1,
    )
