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
day and rendered straight to bytes (`rendering.py`), which keeps 1000 reps x 731 days within
minutes.

The parts, in the order they build on each other: `parameters` (the organisation's knobs),
`randomness`, `tables`, `rendering`, `calendar`, `world` (roster, contacts, activity, FX), then
the sources `calls`, `events`, `documents` and `targets`, the malformed rows of `defects`, and
`writing` (the landing files). This module ties them together.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType

import numpy as np

from sales_pipeline.sample.calendar import Calendar, Plants
from sales_pipeline.sample.calls import CALL_BATCH_DAYS, simulate_calls
from sales_pipeline.sample.documents import simulate_documents
from sales_pipeline.sample.events import simulate_events
from sales_pipeline.sample.parameters import CANCELLED, MIN_REPS, RETURN
from sales_pipeline.sample.randomness import Streams
from sales_pipeline.sample.rendering import SidMinter
from sales_pipeline.sample.tables import Table, concat, take
from sales_pipeline.sample.targets import build_targets
from sales_pipeline.sample.world import (
    World,
    build_activity,
    build_contacts,
    build_fx,
    build_phone_book,
    build_roster,
)
from sales_pipeline.sample.writing import (
    CsvWriter,
    DailyWriter,
    clear_landing,
    landing_paths,
    write_snapshots,
)

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
