"""Where the history starts: the first period the partitions know, and the day before which an
activity is quarantined (`before SALES_HISTORY_START`).

`SALES_HISTORY_START` sets it. Without it, the start is the one the warehouse was last staged
with, recorded beside it (`<warehouse>.history_start`), or, before the first ingestion, the first
day of the month a month before the earliest day a daily landing file is named after (a day's
delivery carries records of earlier days too: the first deliveries' records stay in). The partitions then begin where the data does
(a fixed 2020 start showed 60 of 84 monthly partitions of the sample as missing), and the record
keeps them there when a later delivery of older days, or a landing area cleaned of old files,
would move them: the warehouse, its quarantine and the partitions stay consistent. With no record
and no dated landing file, `FALLBACK_HISTORY_START`.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

FALLBACK_HISTORY_START = date(2020, 1, 1)
RECORD_SUFFIX = ".history_start"


def record_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + RECORD_SUFFIX)


def recorded_history_start(warehouse: Path) -> date | None:
    """The start the warehouse was last staged with; None before its first ingestion."""
    try:
        text = record_path(warehouse).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"not readable from {record_path(warehouse)} ({text!r} is not a date YYYY-MM-DD); "
            "delete the file or set SALES_HISTORY_START"
        ) from None


def record_history_start(warehouse: Path, start: date) -> None:
    """Record the start a staging step applied, when it is not the recorded one already."""
    if recorded_history_start(warehouse) == start:
        return
    target = record_path(warehouse)
    # Several staging steps may record at once: each writes its own file and renames it.
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    partial.write_text(f"{start.isoformat()}\n", encoding="utf-8")
    os.replace(partial, target)


def earliest_landing_day(landing_dir: Path, config_path: Path | None) -> date | None:
    """The earliest day a daily landing file (calls, sales documents, events, as configured) is
    named after: file names only, nothing is opened."""
    from sales_pipeline.ingestion.landing import discover
    from sales_pipeline.ingestion.mapped import configured_sources
    from sales_pipeline.sources import SourcesConfigError, sources_config

    try:
        config = sources_config(config_path)
    except SourcesConfigError:
        return None  # the code location reports the configuration itself when it loads
    days = [
        landing_file.file_date
        for source in configured_sources(config)
        if source.daily
        for landing_file in discover(source, landing_dir)
        if landing_file.file_date is not None
    ]
    return min(days, default=None)


# A day's delivery also brings records of the days before it (a document changed that day, a
# late call): the derived start leaves this much room before the earliest file's day, so the first
# deliveries' own records are never taken for history.
DELIVERY_LOOKBACK = timedelta(days=31)


def derived_history_start(landing_dir: Path, config_path: Path | None) -> date | None:
    """The first day of the month `DELIVERY_LOOKBACK` before the earliest daily file's day."""
    earliest = earliest_landing_day(landing_dir, config_path)
    if earliest is None:
        return None
    return (earliest - DELIVERY_LOOKBACK).replace(day=1)


def default_history_start(landing_dir: Path, warehouse: Path, config_path: Path | None) -> date:
    """The start when `SALES_HISTORY_START` is not set: recorded, else derived, else the fallback."""
    return (
        recorded_history_start(warehouse)
        or derived_history_start(landing_dir, config_path)
        or FALLBACK_HISTORY_START
    )
