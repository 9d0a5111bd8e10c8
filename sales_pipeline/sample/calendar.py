"""The sample's days, regions' UTC offsets and holidays, and the days hard cases are planted on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from sales_pipeline.sample.parameters import (
    CHF_GAP_DAYS,
    DAY,
    EPOCH,
    FIRST_PLANT_WEEKDAY,
    PAD_DAYS,
    REGIONS,
)
from sales_pipeline.sample.rendering import iso_dates


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
