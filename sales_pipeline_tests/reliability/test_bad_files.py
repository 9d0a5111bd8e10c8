"""Bad files: each case a real file in one landing area, fed through real Dagster runs.

Files are independent by design, so every case lands in the same delivery: run 1 ingests them all
next to good files of every source; then the held-back files are replaced by good versions (and a
good file by a broken one) and run 2 shows what is retried. Cases that take a whole source down get
a landing area and a run of their own, so that they cannot hide the others.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
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


def _landed(run: RunOutcome, file: str) -> tuple[str, str | None, int | None] | None:
    rows = run.query(
        "SELECT status, reason, rows_read FROM raw.landed_files WHERE file = ?", [file]
    )
    return rows[0] if rows else None


def _source_of(file: str) -> str:
    return {"telephony": "calls", "crm": "events", "erp": "sales_documents"}[file.split("/")[0]]


def _staged(run: RunOutcome, file: str) -> list[tuple]:
    source = _source_of(file)
    key = {"calls": "sid", "events": "event_id", "sales_documents": "document_no"}[source]
    return run.query(f"SELECT _line, {key} FROM staging.{source} WHERE _file = ? ORDER BY _line",
                     [file])


def _quarantined(run: RunOutcome, file: str) -> list[tuple[int, str]]:
    return run.query(
        f"SELECT line, reason FROM quarantine.{_source_of(file)} WHERE file = ? ORDER BY line",
        [file],
    )


def _held_back_then_retried(
    delivery: Delivery, reliability_case, *, case: str, file: str, given: str, reason: str
) -> None:
    """Held back whole with `reason` in the table, check and log; lands once replaced."""
    asset = f"raw/{_source_of(file)}"
    first, second = delivery.first, delivery.second
    landed_1, landed_2 = _landed(first, file), _landed(second, file)
    named = first.held_back(asset).get(file)
    staged = _staged(second, file)
    reliability_case(
        case=case, given=given, runs=2,
        expected=f"held back whole ('{reason}'), named by {asset} files_readable (ERROR) and the "
        "run log; lands once replaced",
        observed=f"run 1: {landed_1[0] if landed_1 else 'not listed'} ({named}); "
        f"after replacement: {landed_2[0] if landed_2 else 'not listed'}, "
        f"{len(staged)} row(s) staged",
    )
    assert landed_1 is not None and landed_1[0] == "held_back"
    assert reason in landed_1[1]
    assert named is not None and reason in named
    evaluation = first.check(asset, "files_readable")
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert first.log_has(file, "held back", reason, level="ERROR")
    assert landed_2 is not None and landed_2[0] == "loaded"
    assert file not in second.held_back(asset)
    assert len(staged) == 1


def test_empty_file(delivery, reliability_case) -> None:
    _held_back_then_retried(delivery, reliability_case, case="empty file", file=EMPTY,
                            given="0 bytes", reason="file is empty: no header row")


def test_binary_garbage(delivery, reliability_case) -> None:
    _held_back_then_retried(delivery, reliability_case, case="binary garbage", file=BINARY,
                            given="4 KB of random bytes starting \\x00\\xff",
                            reason="header is not UTF-8")


def test_missing_required_column(delivery, reliability_case) -> None:
    _held_back_then_retried(
        delivery, reliability_case, case="missing required column", file=MISSING_COLUMN,
        given="CRM events without LastModifiedDate",
        reason="missing required column(s) LastModifiedDate",
    )


def test_renamed_columns(delivery, reliability_case) -> None:
    _held_back_then_retried(
        delivery, reliability_case, case="renamed columns", file=RENAMED_COLUMNS,
        given="ERP documents with 'Document No', 'NetAmount' for document_no, net_amount",
        reason="missing required column(s) document_no, net_amount",
    )


def test_latin1_header(delivery, reliability_case) -> None:
    _held_back_then_retried(
        delivery, reliability_case, case="wrong encoding: Latin-1 header", file=LATIN1_HEADER,
        given="ERP documents encoded Latin-1, extra column 'Größe'",
        reason="header is not UTF-8",
    )


def test_file_name_without_a_date(delivery, reliability_case) -> None:
    first, second = delivery.first, delivery.second
    held = first.held_back("raw/calls")
    renamed = _staged(second, RENAMED_DAILY)
    reliability_case(
        case="file name with no date", runs=2,
        given=f"{NO_DATE} and {IMPOSSIBLE_DATE}, valid content",
        expected="both held back ('no valid date'); the content lands under a dated name",
        observed=f"{NO_DATE}: {held.get(NO_DATE)}; {IMPOSSIBLE_DATE}: {held.get(IMPOSSIBLE_DATE)}; "
        f"renamed {RENAMED_DAILY}: {len(renamed)} row(s) staged",
    )
    for file in (NO_DATE, IMPOSSIBLE_DATE):
        assert "file name carries no valid date" in held[file]
        assert first.log_has(file, "held back", "no valid date", level="ERROR")
    assert not first.query("SELECT * FROM raw.calls WHERE sid IN ('CAL001', 'CAX001')")
    assert renamed == [(2, "CAL001")]


def test_removed_held_back_file_is_no_longer_reported(delivery, reliability_case) -> None:
    still_named = NO_DATE in delivery.second.held_back("raw/calls")
    reliability_case(
        case="held-back file removed", runs=2,
        given=f"{NO_DATE} held back in run 1, deleted (re-sent as {RENAMED_DAILY}) before run 2",
        expected="no longer listed or named by files_readable",
        observed="still listed as held back and named by files_readable" if still_named
        else "no longer listed",
    )
    assert not still_named


def test_header_only_file(delivery, reliability_case) -> None:
    landed = _landed(delivery.first, HEADER_ONLY)
    reliability_case(
        case="header only", given="the header row and nothing else", runs=1,
        expected="loaded with 0 rows, not held back",
        observed=f"{landed[0]}, {landed[2]} row(s)" if landed else "not listed",
    )
    assert landed == ("loaded", None, 0)
    assert HEADER_ONLY not in delivery.first.held_back("raw/calls")


def test_byte_order_mark(delivery, reliability_case) -> None:
    staged = _staged(delivery.first, BOM)
    reliability_case(
        case="BOM", given="UTF-8 byte order mark before the header", runs=1,
        expected="every row lands; the BOM is not part of the first column",
        observed=f"staged {staged}",
    )
    assert staged == [(2, "CA0501"), (3, "CA0502")]


def test_crlf_line_ends(delivery, reliability_case) -> None:
    rows = delivery.first.query(
        "SELECT _line, sid, answered_by FROM staging.calls WHERE _file = ? ORDER BY _line", [CRLF]
    )
    reliability_case(
        case="CRLF line ends", given="every line ends in \\r\\n", runs=1,
        expected="every row lands; no \\r in the last column",
        observed=f"staged {rows}",
    )
    assert rows == [(2, "CA0601", "human"), (3, "CA0602", "human")]


def _malformed_line_case(
    delivery: Delivery, reliability_case, *, case: str, file: str, given: str, line: int,
    error: str, good: list[tuple],
) -> None:
    first = delivery.first
    quarantined = _quarantined(first, file)
    staged = _staged(first, file)
    reliability_case(
        case=case, given=given, runs=1,
        expected=f"line {line} quarantined as 'malformed CSV line: {error}…' and named in the run "
        "log; the other rows land",
        observed=f"quarantined {[(n, r[:60]) for n, r in quarantined]}; staged {staged}",
    )
    assert [(n, r.split(":")[0], error in r) for n, r in quarantined] == [
        (line, "malformed CSV line", True)
    ]
    assert staged == good
    assert first.log_has(file, f"line {line}", "malformed CSV line", level="WARNING")
    assert first.log_has(file, "1 malformed line(s)", level="WARNING")


def test_truncated_last_line(delivery, reliability_case) -> None:
    _malformed_line_case(
        delivery, reliability_case, case="truncated last line", file=TRUNCATED,
        given="last line cut after 4 fields, no newline", line=4, error="MISSING COLUMNS",
        good=[(2, "CA0701"), (3, "CA0702")],
    )


def test_latin1_bytes_in_a_row(delivery, reliability_case) -> None:
    _malformed_line_case(
        delivery, reliability_case, case="wrong encoding: Latin-1 bytes in one row",
        file=LATIN1_ROW, given="UTF-8 events file, line 3 has 'Müller' in Latin-1", line=3,
        error="INVALID ENCODING", good=[(2, "EV0601"), (4, "EV0603")],
    )


def test_50mb_single_field(delivery, reliability_case) -> None:
    _malformed_line_case(
        delivery, reliability_case, case="50 MB single field", file=HUGE_FIELD,
        given="line 3's first field is 50 MB of 'x' (a file read on its own)", line=3,
        error="FIELD TOO LONG",
        good=[(2, "CA0901"), (4, "CA0903")],
    )


def test_blank_line_keeps_line_numbers(delivery, reliability_case) -> None:
    quarantined = _quarantined(delivery.first, BLANK_LINE)
    reliability_case(
        case="blank line inside a file", runs=1,
        given="line 2 good, line 3 empty, line 4 an offset-less start_time",
        expected="line 4 quarantined as line 4",
        observed=f"quarantined as line(s) {[n for n, _ in quarantined]}",
    )
    assert [n for n, _ in quarantined] == [4]


def test_other_files_and_sources_still_land(delivery, reliability_case) -> None:
    first = delivery.first
    statuses = dict(first.query(
        "SELECT status, count(*) FROM raw.landed_files GROUP BY status"))
    staged = {source: first.query(f"SELECT count(*) FROM staging.{source}")[0][0]
              for source in ("users", "contacts", "team_memberships", "sales_targets",
                             "fx_rates", "calls", "events", "sales_documents")}
    reliability_case(
        case="held-back files stop nothing else", runs=1,
        given="7 broken and 15 readable files across calls, events, documents and snapshots",
        expected="the run succeeds; every readable file of every source lands",
        observed=f"run success={first.success}; files {statuses}; staged {staged}",
    )
    assert first.success and not first.crashes
    assert statuses == {"loaded": 15, "held_back": 7}
    assert staged == {"users": 2, "contacts": 2, "team_memberships": 2, "sales_targets": 1,
                      "fx_rates": 1, "calls": 12, "events": 3, "sales_documents": 1}
    for source in ("calls", "events", "sales_documents"):
        assert first.check(f"staging/{source}", "reconciles_per_file").passed


def test_landed_file_replaced_by_a_broken_one_keeps_its_rows(delivery, reliability_case) -> None:
    second = delivery.second
    landed = _landed(second, GOOD_CALLS)
    staged = _staged(second, GOOD_CALLS)
    reliability_case(
        case="landed file replaced by a broken version", runs=2,
        given=f"{GOOD_CALLS} landed in run 1, re-delivered without its status column",
        expected="held back and named; the rows of the version that landed stay",
        observed=f"{landed[0] if landed else 'not listed'}: {landed[1] if landed else ''}; "
        f"staged {staged}",
    )
    assert landed is not None and landed[0] == "held_back"
    assert "missing required column(s) status" in landed[1]
    assert GOOD_CALLS in second.held_back("raw/calls")
    assert staged == [(2, "CA0201"), (3, "CA0202"), (4, "CA0203")]


def test_landed_file_replaced_by_a_broken_one_keeps_its_rows_through_a_full_rebuild(
    delivery, reliability_case
) -> None:
    second = delivery.second
    landed = _landed(second, GOOD_DOCUMENTS)
    raw = second.query("SELECT count(*) FROM raw.sales_documents WHERE _file = ?",
                       [GOOD_DOCUMENTS])[0][0]
    staged = _staged(second, GOOD_DOCUMENTS)
    reconciled = second.check("staging/sales_documents", "reconciles_per_file").passed
    reliability_case(
        case="landed file replaced by a broken version, full rebuild", runs=2,
        given=f"{GOOD_DOCUMENTS} landed in run 1, re-delivered without net_amount while "
        "erp/fx_rates.csv gains a rate (staging.sales_documents rebuilt in full)",
        expected="held back; the rows of the version that landed stay in staging",
        observed=f"{landed[0] if landed else 'not listed'}; {raw} raw row(s), staged {staged}; "
        f"reconciles_per_file passed: {reconciled}",
    )
    assert landed is not None and landed[0] == "held_back"
    assert staged == [(2, "D0201")]
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


def _raw_step_failure(run: RunOutcome, source: str) -> str | None:
    return next((f"{cls}: {message.splitlines()[0]}" for step, cls, message in run.step_failures
                 if step == f"raw__{source}"), None)


def test_mixed_line_ends_hold_back_only_their_file(crash_delivery, reliability_case) -> None:
    # DuckDB cannot parse a file whose line ends change midway; the file is held back whole
    # (structurally broken, retried when replaced) and the other files of the delivery land.
    failure = _raw_step_failure(crash_delivery, "calls")
    rows = [] if failure else crash_delivery.query(
        "SELECT _file, sid FROM raw.calls WHERE _error IS NULL ORDER BY _file, _line")
    held = [] if failure else crash_delivery.query(
        "SELECT status, reason FROM raw.landed_files WHERE file = ?", [MIXED_NEWLINES])
    reliability_case(
        case="mixed line ends", runs=1,
        given="LF file whose line 3 ends in CRLF, next to a good calls file",
        expected="that file held back whole ('unreadable as CSV'); the good file lands",
        observed=f"raw.calls step failed: {failure}" if failure else f"{held}; raw rows {rows}",
    )
    assert failure is None
    assert (CONTROL_CALLS, "CA1301") in rows
    assert held and held[0][0] == "held_back" and held[0][1].startswith("unreadable as CSV")


def test_binary_garbage_after_a_valid_header(crash_delivery, reliability_case) -> None:
    failure = _raw_step_failure(crash_delivery, "events")
    rows = [] if failure else crash_delivery.query(
        "SELECT _file, \"Id\" FROM raw.events WHERE _error IS NULL ORDER BY _file, _line")
    listed = [] if failure else crash_delivery.query(
        "SELECT status FROM raw.landed_files WHERE file = ?", [GARBAGE_BODY])
    reliability_case(
        case="binary garbage after a valid header", runs=1,
        given="events file: header, one good row, 2 KB of random bytes, one good row",
        expected="the other events file lands; this one is held back or its garbage quarantined",
        observed=f"raw.events step failed: {failure}" if failure else f"raw rows {rows}; {listed}",
    )
    assert failure is None
    assert (CONTROL_EVENTS, "EV1301") in rows
    assert listed in ([("held_back",)], [("loaded",)])


def test_cr_only_line_ends(crash_delivery, reliability_case) -> None:
    failure = _raw_step_failure(crash_delivery, "users")
    listed = [] if failure else crash_delivery.query(
        "SELECT status, reason FROM raw.landed_files WHERE file = ?", [CR_ONLY])
    reliability_case(
        case="CR-only line ends", runs=1, given="crm/User.csv with \\r line ends only",
        expected="read, or held back whole with a reason; the step does not fail",
        observed=f"raw.users step failed: {failure}" if failure else f"{listed}",
    )
    assert failure is None
    assert listed and listed[0][0] in ("loaded", "held_back")


def test_whole_source_failures_stop_no_other_source(crash_delivery, reliability_case) -> None:
    contacts = crash_delivery.query("SELECT status FROM raw.landed_files WHERE file = ?",
                                    ["crm/Contact.csv"])
    crashed = sorted(step for step, _, _ in crash_delivery.crashes)
    reliability_case(
        case="a failing source stops no other source", runs=1,
        given="the three files above next to a readable crm/Contact.csv",
        expected="raw.contacts lands whatever the other raw steps do",
        observed=f"contacts {contacts}; failed steps {crashed}",
    )
    assert contacts == [("loaded",)]
