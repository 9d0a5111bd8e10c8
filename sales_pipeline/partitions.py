"""The four reporting grains and their time-window partitions, in the sales organisation's zone.

Partition keys are the first day of the period (`2026-03-02` for the ISO week of Monday 2 March),
the same value as `period_start` in the marts. The current, still running period is a partition
too (end offset 1), so a backfill covers every period the data touches; the schedules target the
last complete one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import dagster as dg

from sales_pipeline.reports.i18n import N_

KEY_FORMAT = "%Y-%m-%d"


@dataclass(frozen=True)
class Grain:
    """One reporting grain, defined once: every table name, partition, CRM target period and
    report heading of the grain is read from here."""

    name: str          # table suffix: weekly, monthly, ...
    unit: str          # DuckDB date_trunc unit
    cron: str          # when a period starts
    months: int        # period length in months; 0 for weeks
    period_type: str   # the CRM's Period_Type__c of a target set for one such period
    # How many periods back the same period last year is. For weeks: 52 (364 days), which is the
    # same ISO week number except after a 53-week year (docs/analysis.md).
    periods_per_year: int
    label: str         # a heading ("Weekly", "Weekly reports"); translated in the reports
    # How many periods a report's trend chart shows, ending with the reported one.
    chart_periods: int

    def period_start(self, day: date) -> date:
        if self.unit == "week":
            return date.fromordinal(day.toordinal() - day.weekday())
        month = 1 + ((day.month - 1) // self.months) * self.months
        return date(day.year, month, 1)

    def next_period_start(self, start: date) -> date:
        if self.unit == "week":
            return start + timedelta(days=7)
        month = start.month - 1 + self.months
        return date(start.year + month // 12, month % 12 + 1, 1)


def period_chunks(grain: Grain, start: date, end: date, parts: int = 10) -> list[tuple[date, date, int]]:
    """The periods starting in [start, end), ascending, in at most `parts` runs of whole periods:
    (run start, run end, periods up to its end). A long build reports progress after each."""
    starts = []
    period = grain.period_start(start)
    while period < end:
        if period >= start:
            starts.append(period)
        period = grain.next_period_start(period)
    size = max(1, -(-len(starts) // parts))
    return [
        (starts[i], starts[i + size] if i + size < len(starts) else end, min(i + size, len(starts)))
        for i in range(0, len(starts), size)
    ]


WEEKLY = Grain("weekly", "week", "0 0 * * 1", 0, "Week", 52, N_("Weekly"), 13)
MONTHLY = Grain("monthly", "month", "0 0 1 * *", 1, "Month", 12, N_("Monthly"), 12)
QUARTERLY = Grain("quarterly", "quarter", "0 0 1 1,4,7,10 *", 3, "Quarter", 4, N_("Quarterly"), 8)
YEARLY = Grain("yearly", "year", "0 0 1 1 *", 12, "Year", 1, N_("Yearly"), 5)
GRAINS: tuple[Grain, ...] = (WEEKLY, MONTHLY, QUARTERLY, YEARLY)
GRAINS_BY_NAME: dict[str, Grain] = {grain.name: grain for grain in GRAINS}


def partitions_for(grain: Grain, history_start: date, timezone: str) -> dg.TimeWindowPartitionsDefinition:
    return dg.TimeWindowPartitionsDefinition(
        cron_schedule=grain.cron,
        start=grain.period_start(history_start).strftime(KEY_FORMAT),
        fmt=KEY_FORMAT,
        timezone=timezone,
        end_offset=1,
    )
