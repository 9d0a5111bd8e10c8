"""Writing the landing area: CSV bytes, the CRM snapshots and the daily files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sales_pipeline.sample.calendar import Calendar
from sales_pipeline.sample.calls import CALL_COLUMNS, CALL_COLUMNS_UPGRADED, render_calls
from sales_pipeline.sample.defects import (
    DefectLog,
    defect_catalogue,
    defect_plant_names,
    inject_defects,
)
from sales_pipeline.sample.documents import (
    DOCUMENT_COLUMNS,
    DOCUMENT_COLUMNS_EXTENDED,
    render_documents,
)
from sales_pipeline.sample.events import EVENT_COLUMNS, EVENT_COLUMNS_EXTENDED, render_events
from sales_pipeline.sample.parameters import (
    DEPARTMENTS,
    INBOUND,
    PHONE_UPGRADE_AT,
    REGIONS,
    REPORTING_CURRENCY,
    TITLES,
)
from sales_pipeline.sample.randomness import Generator, Streams
from sales_pipeline.sample.rendering import (
    PHONE_STYLES,
    as_bytes,
    ascii_int,
    boolean_text,
    padded_ids,
)
from sales_pipeline.sample.tables import Table, take
from sales_pipeline.sample.world import World

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
