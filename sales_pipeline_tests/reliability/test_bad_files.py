"""Bad files: each case a real file in one landing area, fed through real Dagster runs.

Files are independent by design, so every case lands in the same delivery: run 1 ingests them all
next to good files of every source; then the held-back files are replaced by good versions (and a
good file by a broken one) and run 2 shows what is retried. Cases that take a whole source down get
a landing area and a run of their own, so that they cannot hide the others.

What every file must leave after each run is written out below (FIRST, SECOND, CRASH_EXPECTED):
its raw.landed_files status, reason and rows read, and its rows in raw, staging and quarantine by
line. Each case compares its own file with that; one test per run compares every file, so a row
lost or landed anywhere else fails too.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import dagster as dg
import pytest

from sales_pipeline_tests.reliability.conftest import (
    CALLS_HEADER,
    CONTACTS_HEADER,
    DOCUMENTS_HEADER,
    EVENTS_HEADER,
    FX_HEADER,
    USERS_HEADER,
    Pipeline,
    RunOutcome,
    call_row,
    csv_text,
    document_row,
    event_row,
    write,
    write_crm_world,
)

GOOD_CALLS = "telephony/calls_2026-03-02.csv"
EMPTY = "telephony/calls_2026-03-03.csv"
HEADER_ONLY = "telephony/calls_2026-03-04.csv"
BOM = "telephony/calls_2026-03-05.csv"
CRLF = "telephony/calls_2026-03-06.csv"
TRUNCATED = "telephony/calls_2026-03-07.csv"
BINARY = "telephony/calls_2026-03-08.csv"
HUGE_FIELD = "telephony/calls_2026-03-09.csv"
RENAMED_DAILY = "telephony/calls_2026-03-10.csv"
BLANK_LINE = "telephony/calls_2026-03-11.csv"
NO_DATE = "telephony/calls_latest.csv"
IMPOSSIBLE_DATE = "telephony/calls_2026-02-30.csv"
GOOD_EVENTS = "crm/Event_2026-03-02.csv"
MISSING_COLUMN = "crm/Event_2026-03-05.csv"
LATIN1_ROW = "crm/Event_2026-03-06.csv"
GOOD_DOCUMENTS = "erp/sales_documents_2026-03-02.csv"
RENAMED_COLUMNS = "erp/sales_documents_2026-03-05.csv"
LATIN1_HEADER = "erp/sales_documents_2026-03-06.csv"

HUGE_FIELD_BYTES = 50 * 1024 * 1024


def _calls(*rows: list[str], newline: str = "\n") -> str:
    return csv_text(CALLS_HEADER, rows, newline=newline)


def _binary_garbage(size: int) -> bytes:
    # Seeded, and starting like no text file does, so the case is the same on every run.
    noise = random.Random(7).randbytes(size)
    return b"\x00\xff\xfe\x89PNG" + noise


def _first_delivery(landing: Path) -> None:
    write_crm_world(landing)
    write(landing / GOOD_CALLS, _calls(call_row("CA0201"), call_row("CA0202"), call_row("CA0203")))
    write(landing / EMPTY, b"")
    write(landing / HEADER_ONLY, _calls())
    write(landing / BOM, b"\xef\xbb\xbf" + _calls(call_row("CA0501"), call_row("CA0502")).encode())
    write(landing / CRLF, _calls(call_row("CA0601"), call_row("CA0602"), newline="\r\n"))
    write(landing / TRUNCATED,
          _calls(call_row("CA0701"), call_row("CA0702")) + "CA0703,,outbound-dial,+30 21")
    write(landing / BINARY, _binary_garbage(4096))
    # Its own header (columns reversed) so DuckDB reads it alone, as a one-file daily delivery is
    # read: next to other files of the same header the line happens to be reported.
    reversed_header = CALLS_HEADER[::-1]
    write(landing / HUGE_FIELD, csv_text(reversed_header, [call_row("CA0901")[::-1]]).encode()
          + b"x" * HUGE_FIELD_BYTES
          + b",30,,2026-03-02T08:00:00Z,completed,+1 212 5550101,+30 210 5550101,outbound-dial,,CA0902\n"
          + ",".join(call_row("CA0903")[::-1]).encode() + b"\n")
    write(landing / BLANK_LINE, _calls(call_row("CA1101")).encode() + b"\n"
          + ",".join(call_row("CA1102", start_time="2026-03-02T08:00:00")).encode() + b"\n")
    write(landing / NO_DATE, _calls(call_row("CAL001")))
    write(landing / IMPOSSIBLE_DATE, _calls(call_row("CAX001")))

    write(landing / GOOD_EVENTS, csv_text(EVENTS_HEADER, [event_row("EV0201")]))
    without_modified = [c for c in EVENTS_HEADER if c != "LastModifiedDate"]
    write(landing / MISSING_COLUMN,
          csv_text(without_modified, [event_row("EV0501")[: len(without_modified)]]))
    write(landing / LATIN1_ROW,
          csv_text(EVENTS_HEADER, [event_row("EV0601")]).encode()
          + ",".join(event_row("EV0602", Subject="Besuch bei Müller")).encode("latin-1") + b"\n"
          + ",".join(event_row("EV0603")).encode() + b"\n")

    write(landing / GOOD_DOCUMENTS, csv_text(DOCUMENTS_HEADER, [document_row("D0201")]))
    renamed = ["Document No" if c == "document_no" else "NetAmount" if c == "net_amount" else c
               for c in DOCUMENTS_HEADER]
    write(landing / RENAMED_COLUMNS, csv_text(renamed, [document_row("D0501")]))
    write(landing / LATIN1_HEADER,
          csv_text([*DOCUMENTS_HEADER, "Größe"], [[*document_row("D0601"), "L"]]).encode("latin-1"))


def _second_delivery(landing: Path) -> None:
    """The sender fixes what was held back; and breaks a file that had landed."""
    write(landing / EMPTY, _calls(call_row("CA0301")))
    write(landing / BINARY, _calls(call_row("CA0801")))
    write(landing / MISSING_COLUMN, csv_text(EVENTS_HEADER, [event_row("EV0501")]))
    write(landing / RENAMED_COLUMNS, csv_text(DOCUMENTS_HEADER, [document_row("D0501")]))
    write(landing / LATIN1_HEADER,
          csv_text([*DOCUMENTS_HEADER, "Größe"], [[*document_row("D0601"), "L"]]))
    (landing / NO_DATE).unlink()
    write(landing / RENAMED_DAILY, _calls(call_row("CAL001")))
    without_status = [c for c in CALLS_HEADER if c != "status"]
    write(landing / GOOD_CALLS, csv_text(without_status, [call_row("CA0201")[:-1]]))
    # The same for documents, while a new FX rate makes staging rebuild them in full.
    without_amount = [c for c in DOCUMENTS_HEADER if c != "net_amount"]
    write(landing / GOOD_DOCUMENTS, csv_text(without_amount, [document_row("D0201")[:-1]]))
    write(landing / "erp/fx_rates.csv",
          csv_text(FX_HEADER, [["2026-03-01", "USD", "0.92"], ["2026-03-01", "GBP", "1.17"]]))


@dataclass(frozen=True)
class Delivery:
    first: RunOutcome
    second: RunOutcome


@pytest.fixture(scope="module")
def delivery(module_instance, tmp_path_factory) -> Delivery:
    root = tmp_path_factory.mktemp("bad_files")
    landing = root / "landing"
    pipeline = Pipeline(module_instance, landing, root, "test_bad_files",
                        SALES_MAX_REJECTED_SHARE="1", SALES_HISTORY_START="2026-01-01")
    _first_delivery(landing)
    first = pipeline.ingest()
    _second_delivery(landing)
    second = pipeline.ingest()
    return Delivery(first, second)


# ----------------------------------------------------------------------------- what a file left

# The key column of every source in its raw and staging tables.
KEYS: dict[str, tuple[str, str]] = {
    "calls": ("sid", "sid"),
    "events": ("Id", "event_id"),
    "sales_documents": ("document_no", "document_no"),
    "users": ("Id", "user_id"),
    "contacts": ("Id", "contact_id"),
    "team_memberships": ("Id", "membership_id"),
    "sales_targets": ("Id", "target_id"),
    "fx_rates": ("currency", "currency"),
}

Landed = tuple[str, str | None, int | None]  # raw.landed_files: status, reason, rows_read


@dataclass(frozen=True)
class FileState:
    """Everything one landing file left in the warehouse after a run, row by row (file lines)."""

    landed: Landed | None  # None: not listed in raw.landed_files
    raw: tuple[tuple[int, str | None, str | None], ...] = ()  # line, key, reader's error code
    staged: tuple[tuple[int, str], ...] = ()  # line, key: rows that won deduplication
    superseded: tuple[tuple[int, str], ...] = ()
    quarantined: tuple[tuple[int, str], ...] = ()  # line, reason


def _reader_error(error: str | None) -> str | None:
    # DuckDB's code ('MISSING COLUMNS') is the behaviour; the text after it is DuckDB's prose.
    return None if error is None else error.split(":")[0]


def _reason(reason: str | None) -> str | None:
    """A reason with DuckDB's prose cut to its error code (a malformed line) or first sentence (an
    unreadable file); the project's own words are kept whole."""
    if reason is None:
        return None
    for prefix in ("malformed CSV line: ", "unreadable as CSV: "):
        if reason.startswith(prefix):
            return prefix + reason.removeprefix(prefix).split(":")[0].split(".")[0]
    return reason


def _warehouse(run: RunOutcome) -> dict[str, FileState]:
    """Every file the run's warehouse knows of, from raw.landed_files and every table's rows."""
    tables = {f"{schema}.{name}" for schema, name in run.query(
        "SELECT schema_name, table_name FROM duckdb_tables()")}
    landed = {file: (status, _reason(reason), rows_read) for file, status, reason, rows_read
              in run.query("SELECT file, status, reason, rows_read FROM raw.landed_files")}
    rows: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for source, (raw_key, staging_key) in KEYS.items():
        if f"raw.{source}" in tables:
            for file, line, key, error in run.query(
                    f'SELECT _file, _line, "{raw_key}", _error FROM raw.{source}'):
                # A malformed line's fields are whatever the reader made of it: not a key.
                rows[file, "raw"].append((line, None if error else key, _reader_error(error)))
        for layer, table in (("staged", f"staging.{source}"),
                             ("superseded", f"staging.{source}_superseded")):
            if table in tables:
                for file, line, key in run.query(f"SELECT _file, _line, {staging_key} FROM {table}"):
                    rows[file, layer].append((line, key))
        if f"quarantine.{source}" in tables:
            for file, line, reason in run.query(
                    f"SELECT file, line, reason FROM quarantine.{source}"):
                rows[file, "quarantined"].append((line, _reason(reason)))
    files = set(landed) | {file for file, _ in rows}
    return {
        file: FileState(landed.get(file), *(
            tuple(sorted(rows[file, layer], key=lambda row: row[0]))
            for layer in ("raw", "staged", "superseded", "quarantined")))
        for file in sorted(files)
    }


def _clean(*keys: str) -> FileState:
    """A file that loaded with every line (2, 3, ...) accepted, one row per key."""
    return FileState(("loaded", None, len(keys)),
                     raw=tuple((line, key, None) for line, key in enumerate(keys, start=2)),
                     staged=tuple(enumerate(keys, start=2)))


def _held(reason: str) -> FileState:
    """A file held back whole before any of its rows landed."""
    return FileState(("held_back", reason, None))


def _header_has(header: Sequence[str]) -> str:
    return "; header has: " + ", ".join(header)


NO_VALID_DATE = "file name carries no valid date (expected <kind>_YYYY-MM-DD.csv)"
# The first byte that is not UTF-8, counted from 0: \xff after the NUL of the binary file; the
# Latin-1 'ö' of 'Größe' after the documents header, a comma and 'Gr'.
BINARY_BAD_BYTE = 1
LATIN1_BAD_BYTE = len(",".join(DOCUMENTS_HEADER) + ",Gr")
TIMESTAMP = "is not an ISO 8601 timestamp with a UTC offset"

# The CRM world of write_crm_world and the one USD rate; the second delivery adds a GBP rate.
CRM_WORLD = {
    "crm/User.csv": _clean("005A", "005B"),
    "crm/Contact.csv": _clean("003A", "003B"),
    "crm/Team_Membership__c.csv": _clean("a01A", "a01B"),
    "crm/Sales_Target__c.csv": _clean("a02A"),
}

# Run 1: what every file of the first delivery must leave, line by line (the header is line 1).
FIRST: dict[str, FileState] = {
    **CRM_WORLD,
    "erp/fx_rates.csv": _clean("USD"),
    GOOD_CALLS: _clean("CA0201", "CA0202", "CA0203"),
    EMPTY: _held("file is empty: no header row"),
    HEADER_ONLY: FileState(("loaded", None, 0)),
    BOM: _clean("CA0501", "CA0502"),
    CRLF: _clean("CA0601", "CA0602"),
    TRUNCATED: FileState(
        ("loaded", None, 3),
        raw=((2, "CA0701", None), (3, "CA0702", None), (4, None, "MISSING COLUMNS")),
        staged=((2, "CA0701"), (3, "CA0702")),
        quarantined=((4, "malformed CSV line: MISSING COLUMNS"),)),
    BINARY: _held(f"header is not UTF-8 (invalid start byte at byte {BINARY_BAD_BYTE})"),
    HUGE_FIELD: FileState(
        ("loaded", None, 3),
        raw=((2, "CA0901", None), (3, None, "FIELD TOO LONG"), (4, "CA0903", None)),
        staged=((2, "CA0901"), (4, "CA0903")),
        quarantined=((3, "malformed CSV line: FIELD TOO LONG"),)),
    # The blank line 3 is no record, and the numbers after it do not shift.
    BLANK_LINE: FileState(
        ("loaded", None, 2),
        raw=((2, "CA1101", None), (4, "CA1102", None)),
        staged=((2, "CA1101"),),
        quarantined=((4, f"start_time '2026-03-02T08:00:00' {TIMESTAMP}"),)),
    NO_DATE: _held(NO_VALID_DATE),
    IMPOSSIBLE_DATE: _held(NO_VALID_DATE),
    GOOD_EVENTS: _clean("EV0201"),
    MISSING_COLUMN: _held("missing required column(s) LastModifiedDate" + _header_has(
        [c for c in EVENTS_HEADER if c != "LastModifiedDate"])),
    LATIN1_ROW: FileState(
        ("loaded", None, 3),
        raw=((2, "EV0601", None), (3, None, "INVALID ENCODING"), (4, "EV0603", None)),
        staged=((2, "EV0601"), (4, "EV0603")),
        quarantined=((3, "malformed CSV line: INVALID ENCODING"),)),
    GOOD_DOCUMENTS: _clean("D0201"),
    RENAMED_COLUMNS: _held("missing required column(s) document_no, net_amount" + _header_has(
        ["Document No" if c == "document_no" else "NetAmount" if c == "net_amount" else c
         for c in DOCUMENTS_HEADER])),
    LATIN1_HEADER: _held(f"header is not UTF-8 (invalid start byte at byte {LATIN1_BAD_BYTE})"),
}

# Run 2: the replaced files land, the removed one is forgotten, the two landed files broken by
# their re-delivery are held back with the rows of the version that landed; the rest unchanged.
SECOND: dict[str, FileState] = {
    **{file: state for file, state in FIRST.items() if file != NO_DATE},
    "erp/fx_rates.csv": _clean("USD", "GBP"),
    EMPTY: _clean("CA0301"),
    BINARY: _clean("CA0801"),
    RENAMED_DAILY: _clean("CAL001"),
    MISSING_COLUMN: _clean("EV0501"),
    RENAMED_COLUMNS: _clean("D0501"),
    LATIN1_HEADER: _clean("D0601"),
    GOOD_CALLS: replace(FIRST[GOOD_CALLS], landed=(
        "held_back", "missing required column(s) status" + _header_has(
            [c for c in CALLS_HEADER if c != "status"]), None)),
    GOOD_DOCUMENTS: replace(FIRST[GOOD_DOCUMENTS], landed=(
        "held_back", "missing required column(s) net_amount" + _header_has(
            [c for c in DOCUMENTS_HEADER if c != "net_amount"]), None)),
}


def _asset_of(file: str) -> str:
    return "raw/" + {"telephony": "calls", "crm": "events", "erp": "sales_documents"}[
        file.split("/")[0]]


def _show(state: FileState | None) -> str:
    if state is None:
        return "not in the warehouse"
    return (f"{state.landed}; raw {list(state.raw)}; staged {list(state.staged)}; "
            f"quarantined {list(state.quarantined)}")


# ----------------------------------------------------------------------------- held back, retried

@dataclass(frozen=True)
class HeldBack:
    case: str
    file: str
    given: str


HELD_BACK = [
    HeldBack("empty file", EMPTY, "0 bytes"),
    HeldBack("binary garbage", BINARY, "4 KB of random bytes starting \\x00\\xff"),
    HeldBack("missing required column", MISSING_COLUMN, "CRM events without LastModifiedDate"),
    HeldBack("renamed columns", RENAMED_COLUMNS,
             "ERP documents with 'Document No', 'NetAmount' for document_no, net_amount"),
    HeldBack("wrong encoding: Latin-1 header", LATIN1_HEADER,
             "ERP documents encoded Latin-1, extra column 'Größe'"),
    HeldBack("file name with no date", NO_DATE, "telephony/calls_latest.csv, valid content"),
    HeldBack("file name with an impossible date", IMPOSSIBLE_DATE,
             "telephony/calls_2026-02-30.csv, valid content"),
]
REPLACED = [case for case in HELD_BACK if case.file not in (NO_DATE, IMPOSSIBLE_DATE)]


@pytest.mark.parametrize("held", HELD_BACK, ids=[case.case for case in HELD_BACK])
def test_unreadable_file_is_held_back_whole_and_named(
    delivery: Delivery, reliability_case, held: HeldBack
) -> None:
    first = delivery.first
    asset = _asset_of(held.file)
    state = _warehouse(first).get(held.file)
    reason = FIRST[held.file].landed[1]
    named = first.held_back(asset).get(held.file)
    logged = first.log_has(held.file, "held back", reason, level="ERROR")
    reliability_case(
        case=held.case, given=held.given, runs=1,
        expected=f"held back whole ('{reason}'), no row of it anywhere; named by {asset} "
        "files_readable (ERROR) and in the run log",
        observed=f"{_show(state)}; files_readable: {named}; in run log: {logged}",
    )
    assert state == FIRST[held.file]
    assert named == reason
    evaluation = first.check(asset, "files_readable")
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert logged


@pytest.mark.parametrize("held", REPLACED, ids=[case.case for case in REPLACED])
def test_held_back_file_lands_once_replaced(
    delivery: Delivery, reliability_case, held: HeldBack
) -> None:
    second = delivery.second
    state = _warehouse(second).get(held.file)
    named = held.file in second.held_back(_asset_of(held.file))
    reliability_case(
        case=f"{held.case}, replaced", runs=2,
        given=f"{held.file} held back in run 1, replaced by a valid version before run 2",
        expected=f"loaded, its rows staged: {_show(SECOND[held.file])}",
        observed=f"{_show(state)}; still named by files_readable: {named}",
    )
    assert state == SECOND[held.file]
    assert not named


def test_content_of_a_file_without_a_date_lands_under_a_dated_name(
    delivery: Delivery, reliability_case
) -> None:
    state = _warehouse(delivery.second).get(RENAMED_DAILY)
    reliability_case(
        case="file name with no date, re-sent dated", runs=2,
        given=f"{NO_DATE} held back in run 1, its content re-sent as {RENAMED_DAILY}",
        expected="loaded, CAL001 staged from line 2", observed=_show(state),
    )
    assert state == SECOND[RENAMED_DAILY]


def test_removed_held_back_file_is_no_longer_reported(delivery, reliability_case) -> None:
    state = _warehouse(delivery.second).get(NO_DATE)
    still_named = NO_DATE in delivery.second.held_back("raw/calls")
    reliability_case(
        case="held-back file removed", runs=2,
        given=f"{NO_DATE} held back in run 1, deleted (re-sent as {RENAMED_DAILY}) before run 2",
        expected="no longer listed or named by files_readable",
        observed=f"{_show(state)}; named by files_readable: {still_named}",
    )
    assert state is None
    assert not still_named


# ----------------------------------------------------------------------------- readable files


def test_header_only_file(delivery, reliability_case) -> None:
    state = _warehouse(delivery.first).get(HEADER_ONLY)
    reliability_case(
        case="header only", given="the header row and nothing else", runs=1,
        expected="loaded with 0 rows, not held back", observed=_show(state),
    )
    assert state == FileState(("loaded", None, 0))
    assert HEADER_ONLY not in delivery.first.held_back("raw/calls")


def test_byte_order_mark(delivery, reliability_case) -> None:
    state = _warehouse(delivery.first).get(BOM)
    reliability_case(
        case="BOM", given="UTF-8 byte order mark before the header", runs=1,
        expected="every row lands; the BOM is not part of the first column",
        observed=_show(state),
    )
    # The sid column was found by its name, so the BOM did not end up in the header.
    assert state == _clean("CA0501", "CA0502")


def test_crlf_line_ends(delivery, reliability_case) -> None:
    state = _warehouse(delivery.first).get(CRLF)
    answered_by = delivery.first.query(
        "SELECT _line, answered_by FROM staging.calls WHERE _file = ? ORDER BY _line", [CRLF])
    reliability_case(
        case="CRLF line ends", given="every line ends in \\r\\n", runs=1,
        expected="every row lands; no \\r in the last column",
        observed=f"{_show(state)}; answered_by {answered_by}",
    )
    assert state == _clean("CA0601", "CA0602")
    assert answered_by == [(2, "human"), (3, "human")]


@dataclass(frozen=True)
class MalformedLine:
    case: str
    file: str
    given: str
    line: int


MALFORMED = [
    MalformedLine("truncated last line", TRUNCATED, "last line cut after 4 fields, no newline", 4),
    MalformedLine("wrong encoding: Latin-1 bytes in one row", LATIN1_ROW,
                  "UTF-8 events file, line 3 has 'Müller' in Latin-1", 3),
    MalformedLine("50 MB single field", HUGE_FIELD,
                  "line 3's first field is 50 MB of 'x' (a file read on its own)", 3),
]


@pytest.mark.parametrize("malformed", MALFORMED, ids=[case.case for case in MALFORMED])
def test_malformed_line_is_quarantined_and_the_others_land(
    delivery: Delivery, reliability_case, malformed: MalformedLine
) -> None:
    first = delivery.first
    state = _warehouse(first).get(malformed.file)
    logged = (first.log_has(malformed.file, f"line {malformed.line}", "malformed CSV line",
                            level="WARNING")
              and first.log_has(malformed.file, "1 malformed line(s)", level="WARNING"))
    reliability_case(
        case=malformed.case, given=malformed.given, runs=1,
        expected=f"{_show(FIRST[malformed.file])}; line {malformed.line} named in the run log",
        observed=f"{_show(state)}; in run log: {logged}",
    )
    assert state == FIRST[malformed.file]
    assert logged


def test_blank_line_keeps_line_numbers(delivery, reliability_case) -> None:
    state = _warehouse(delivery.first).get(BLANK_LINE)
    reliability_case(
        case="blank line inside a file", runs=1,
        given="line 2 good, line 3 empty, line 4 an offset-less start_time",
        expected="line 4 quarantined as line 4, line 2 staged", observed=_show(state),
    )
    assert state == FIRST[BLANK_LINE]


# ----------------------------------------------------------------------------- nothing else lost


@pytest.mark.parametrize("run", ["first", "second"])
def test_every_file_of_the_delivery_lands_exactly_as_expected(
    delivery: Delivery, reliability_case, run: str
) -> None:
    outcome: RunOutcome = getattr(delivery, run)
    expected = FIRST if run == "first" else SECOND
    actual = _warehouse(outcome)
    wrong = sorted(file for file in actual.keys() | expected.keys()
                   if actual.get(file) != expected.get(file))
    statuses = Counter(state.landed[0] for state in actual.values() if state.landed)
    reliability_case(
        case=f"held-back files stop nothing else (run {1 if run == 'first' else 2})",
        runs=1 if run == "first" else 2,
        given=f"{len(expected)} files across calls, events, documents and snapshots, "
        f"{sum(s.landed[0] == 'held_back' for s in expected.values())} of them held back",
        expected="every file's rows, and only those, in raw, staging and quarantine by line",
        observed=f"run success={outcome.success}; files {dict(statuses)}; "
        f"differing: {[(file, _show(actual.get(file))) for file in wrong]}",
    )
    assert outcome.success and not outcome.crashes
    assert actual == expected
    # Every held-back file, and only those, is named by its raw asset's files_readable check.
    named = {file: _reason(reason) for asset in ("raw/calls", "raw/events", "raw/sales_documents")
             for file, reason in outcome.held_back(asset).items()}
    assert named == {file: state.landed[1] for file, state in expected.items()
                     if state.landed[0] == "held_back"}
    for source in ("calls", "events", "sales_documents"):
        assert outcome.check(f"staging/{source}", "reconciles_per_file").passed


def test_landed_file_replaced_by_a_broken_one_keeps_its_rows(delivery, reliability_case) -> None:
    second = delivery.second
    state = _warehouse(second).get(GOOD_CALLS)
    reliability_case(
        case="landed file replaced by a broken version", runs=2,
        given=f"{GOOD_CALLS} landed in run 1, re-delivered without its status column",
        expected="held back and named; the rows of the version that landed stay",
        observed=_show(state),
    )
    assert state == SECOND[GOOD_CALLS]
    assert GOOD_CALLS in second.held_back("raw/calls")


def test_landed_file_replaced_by_a_broken_one_keeps_its_rows_through_a_full_rebuild(
    delivery, reliability_case
) -> None:
    second = delivery.second
    state = _warehouse(second).get(GOOD_DOCUMENTS)
    reconciled = second.check("staging/sales_documents", "reconciles_per_file").passed
    reliability_case(
        case="landed file replaced by a broken version, full rebuild", runs=2,
        given=f"{GOOD_DOCUMENTS} landed in run 1, re-delivered without net_amount while "
        "erp/fx_rates.csv gains a rate (staging.sales_documents rebuilt in full)",
        expected="held back; the rows of the version that landed stay in raw and staging",
        observed=f"{_show(state)}; reconciles_per_file passed: {reconciled}",
    )
    assert state == SECOND[GOOD_DOCUMENTS]
    assert reconciled


# ----------------------------------------------------------------------------- whole-source crashes

MIXED_NEWLINES = "telephony/calls_2026-03-12.csv"
GARBAGE_BODY = "crm/Event_2026-03-12.csv"
CR_ONLY = "crm/User.csv"
CONTROL_CALLS = "telephony/calls_2026-03-13.csv"
CONTROL_EVENTS = "crm/Event_2026-03-13.csv"


@pytest.fixture(scope="module")
def crash_delivery(module_instance, tmp_path_factory) -> RunOutcome:
    """Readable headers, bodies DuckDB's CSV reader aborts on: one per source, with a good file."""
    root = tmp_path_factory.mktemp("whole_source")
    landing = root / "landing"
    write(landing / CONTROL_CALLS, _calls(call_row("CA1301")))
    lf = _calls(call_row("CA1201"), call_row("CA1202"), call_row("CA1203"))
    lines = lf.split("\n")
    lines[2] += "\r"  # one line of an LF file ends in CRLF, as when two exports are concatenated
    write(landing / MIXED_NEWLINES, "\n".join(lines))
    write(landing / CONTROL_EVENTS, csv_text(EVENTS_HEADER, [event_row("EV1301")]))
    write(landing / GARBAGE_BODY, csv_text(EVENTS_HEADER, [event_row("EV1201")]).encode()
          + _binary_garbage(2048) + b"\n" + ",".join(event_row("EV1202")).encode() + b"\n")
    write(landing / CR_ONLY, csv_text(USERS_HEADER, [
        ["005A", "Ann Rep", "ann@example.com", "E1", "+30 210 5550101", "Rep", "true"],
    ], newline="\r"))
    write(landing / "crm/Contact.csv", csv_text(CONTACTS_HEADER, []))
    pipeline = Pipeline(module_instance, landing, root, "test_bad_files")
    return pipeline.materialize_raw()


def _raw_only(state: FileState) -> FileState:
    """The same file after a run of the raw assets alone: nothing staged yet."""
    return replace(state, staged=())


# Only the raw assets run here. A file DuckDB's reader aborts on is held back whole (the seeded
# garbage is the same bytes on every run, so which way it goes is fixed); the CR-only file reads.
CRASH_EXPECTED: dict[str, FileState] = {
    CONTROL_CALLS: _raw_only(_clean("CA1301")),
    MIXED_NEWLINES: _held("unreadable as CSV: The CSV Parser state machine reached an invalid "
                          "state"),
    CONTROL_EVENTS: _raw_only(_clean("EV1301")),
    GARBAGE_BODY: _held("unreadable as CSV: The CSV Parser state machine reached an invalid "
                        "state"),
    CR_ONLY: _raw_only(_clean("005A")),
    "crm/Contact.csv": FileState(("loaded", None, 0)),
}


def _raw_step_failure(run: RunOutcome, source: str) -> str | None:
    return next((f"{cls}: {message.splitlines()[0]}" for step, cls, message in run.step_failures
                 if step == f"raw__{source}"), None)


def test_mixed_line_ends_hold_back_their_file(crash_delivery, reliability_case) -> None:
    # DuckDB cannot parse a file whose line ends change midway; the file is held back whole
    # (structurally broken, retried when replaced).
    failure = _raw_step_failure(crash_delivery, "calls")
    state = _warehouse(crash_delivery).get(MIXED_NEWLINES)
    reliability_case(
        case="mixed line ends", runs=1,
        given="LF file whose line 3 ends in CRLF, next to a good calls file",
        expected="that file held back whole ('unreadable as CSV'), no row of it in raw",
        observed=f"raw.calls step failed: {failure}" if failure else _show(state),
    )
    assert failure is None
    assert state == CRASH_EXPECTED[MIXED_NEWLINES]


def test_binary_garbage_after_a_valid_header(crash_delivery, reliability_case) -> None:
    failure = _raw_step_failure(crash_delivery, "events")
    state = _warehouse(crash_delivery).get(GARBAGE_BODY)
    reliability_case(
        case="binary garbage after a valid header", runs=1,
        given="events file: header, one good row, 2 KB of random bytes, one good row",
        expected="held back whole ('unreadable as CSV'), no row of it in raw",
        observed=f"raw.events step failed: {failure}" if failure else _show(state),
    )
    assert failure is None
    assert state == CRASH_EXPECTED[GARBAGE_BODY]


def test_cr_only_line_ends(crash_delivery, reliability_case) -> None:
    failure = _raw_step_failure(crash_delivery, "users")
    state = _warehouse(crash_delivery).get(CR_ONLY)
    reliability_case(
        case="CR-only line ends", runs=1, given="crm/User.csv with \\r line ends only",
        expected="read: its one user from line 2 in raw",
        observed=f"raw.users step failed: {failure}" if failure else _show(state),
    )
    assert failure is None
    assert state == CRASH_EXPECTED[CR_ONLY]


def test_whole_source_failures_stop_no_other_source(crash_delivery, reliability_case) -> None:
    actual = _warehouse(crash_delivery)
    crashed = sorted(step for step, _, _ in crash_delivery.crashes)
    reliability_case(
        case="a failing source stops no other source", runs=1,
        given="the three files above next to a good calls file, a good events file and a "
        "readable crm/Contact.csv",
        expected="every other file lands; no raw step fails",
        observed=f"{ {file: _show(state) for file, state in actual.items()} }; "
        f"failed steps {crashed}",
    )
    assert crashed == []
    assert actual == CRASH_EXPECTED
