"""Malformed rows planted in the daily files, one catalogue per source."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sales_pipeline.sample.calendar import Plants
from sales_pipeline.sample.parameters import DEFECT_RATE
from sales_pipeline.sample.randomness import Generator, pick
from sales_pipeline.sample.rendering import as_bytes, field_text
from sales_pipeline.sample.world import World


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
