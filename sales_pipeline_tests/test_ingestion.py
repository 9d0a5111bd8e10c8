"""Raw layer: files land incrementally with file and line; broken files are held back whole."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import duckdb

from sales_pipeline.ingestion.assets import raw_assets
from sales_pipeline.resources import build_resources
from sales_pipeline_tests.conftest import settings_for

CALLS_HEADER = "sid,parent_call_sid,direction,from,to,status,start_time,end_time,duration,answered_by"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _materialize_calls(landing: Path, workdir: Path, instance: dg.DagsterInstance):
    settings = settings_for(landing, workdir)
    calls_asset = next(a for a in raw_assets if a.key == dg.AssetKey(["raw", "calls"]))
    result = dg.materialize([calls_asset], resources=build_resources(settings), instance=instance)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    return result, checks, settings


def _raw_rows(settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return conn.execute(
            "SELECT _file, _line, sid, _error IS NOT NULL FROM raw.calls ORDER BY _file, _line"
        ).fetchall()


def test_broken_files_are_held_back_while_good_files_land(tmp_path, instance) -> None:
    landing = tmp_path / "landing"
    _write(landing / "telephony/calls_2026-03-02.csv",
           CALLS_HEADER + "\nCA1,,outbound-dial,+301,+302,completed,2026-03-02T08:00:00Z,,5,human\n")
    _write(landing / "telephony/calls_2026-03-03.csv", "sid,direction,from\nCA2,inbound,+1\n")
    _write(landing / "telephony/calls_2026-03-04.csv", "")
    _write(landing / "telephony/calls_latest.csv", CALLS_HEADER + "\n")

    result, checks, settings = _materialize_calls(landing, tmp_path, instance)

    assert result.success
    readable = checks["files_readable"]
    assert not readable.passed
    assert readable.severity == dg.AssetCheckSeverity.ERROR
    held = {entry["file"]: entry["reason"] for entry in readable.metadata["held_back_files"].value}
    assert held == {
        # Every contract column the header lacks, in the contract's order.
        "telephony/calls_2026-03-03.csv":
            "missing required column(s) parent_call_sid, to, status, start_time, end_time, "
            "duration, answered_by; header has: sid, direction, from",
        "telephony/calls_2026-03-04.csv": "file is empty: no header row",
        "telephony/calls_latest.csv":
            "file name carries no valid date (expected <kind>_YYYY-MM-DD.csv)",
    }
    assert _raw_rows(settings) == [("telephony/calls_2026-03-02.csv", 2, "CA1", False)]


def test_replaced_file_is_retried_and_its_rows_replaced(tmp_path, instance) -> None:
    landing = tmp_path / "landing"
    broken = _write(landing / "telephony/calls_2026-03-03.csv", "sid\nCA9\n")
    good = _write(landing / "telephony/calls_2026-03-02.csv",
                  CALLS_HEADER + "\nCA1,,inbound,+301,+302,busy,2026-03-02T08:00:00Z,,0,\n")
    _, checks, settings = _materialize_calls(landing, tmp_path, instance)
    assert not checks["files_readable"].passed

    # Unchanged files are not read again.
    result, checks, _ = _materialize_calls(landing, tmp_path, instance)
    materialization = result.asset_materializations_for_node("raw__calls")[0]
    assert materialization.metadata["files_loaded"].value == 0
    assert materialization.metadata["files_unchanged"].value == 2

    _write(broken, CALLS_HEADER + "\nCA9,,inbound,+301,+302,busy,2026-03-03T08:00:00Z,,0,\n")
    _write(good, CALLS_HEADER + "\nCA1,,inbound,+301,+302,busy,2026-03-02T08:00:00Z,,0,\n"
           "CA2,,inbound,+301,+302,busy,2026-03-02T09:00:00Z,,0,\n")
    os.utime(good, ns=(1, 10**18))  # a new fingerprint even within the clock's resolution
    _, checks, _ = _materialize_calls(landing, tmp_path, instance)
    assert checks["files_readable"].passed
    assert _raw_rows(settings) == [
        ("telephony/calls_2026-03-02.csv", 2, "CA1", False),
        ("telephony/calls_2026-03-02.csv", 3, "CA2", False),
        ("telephony/calls_2026-03-03.csv", 2, "CA9", False),
    ]


def test_a_file_back_after_being_held_back_and_gone_replaces_its_rows(tmp_path, instance) -> None:
    landing = tmp_path / "landing"
    path = _write(landing / "telephony/calls_2026-03-02.csv",
                  CALLS_HEADER + "\nCA1,,inbound,+301,+302,busy,2026-03-02T08:00:00Z,,0,\n")
    _, _, settings = _materialize_calls(landing, tmp_path, instance)
    _write(path, "sid\nCA1\n")  # replaced by an unreadable version: held back, rows kept
    _materialize_calls(landing, tmp_path, instance)
    path.unlink()  # gone: the ledger forgets it, its rows stay
    _materialize_calls(landing, tmp_path, instance)
    _write(path, CALLS_HEADER + "\nCA1,,inbound,+301,+302,busy,2026-03-02T08:00:00Z,,0,\n"
           "CA2,,inbound,+301,+302,busy,2026-03-02T09:00:00Z,,0,\n")
    _, checks, _ = _materialize_calls(landing, tmp_path, instance)
    assert checks["files_readable"].passed
    assert _raw_rows(settings) == [
        ("telephony/calls_2026-03-02.csv", 2, "CA1", False),
        ("telephony/calls_2026-03-02.csv", 3, "CA2", False),
    ]


def test_malformed_lines_keep_their_line_numbers(tmp_path, instance) -> None:
    landing = tmp_path / "landing"
    # Shuffled columns, an extra column, a quoted comma, a short line and an unterminated quote.
    header = "to,from,sid,extra,direction,status,start_time,end_time,duration,answered_by,parent_call_sid"
    _write(landing / "telephony/calls_2026-03-02.csv", "\n".join([
        header,
        '+302,+301,CA1,"a, b",outbound-dial,completed,2026-03-02T08:00:00Z,,5,human,',
        "+302,+301,CA2",
        '+302,+301,CA3,x,outbound-dial,busy,2026-03-02T08:00:00Z,,0,,',
        '+302,+301,CA4,x,outbound-dial,busy,2026-03-02T08:00:00Z,,0,,,surplus',
        '+302,+301,CA5,x,outbound-dial,busy,2026-03-02T08:00:00Z,,0,,',
        # An unterminated quote runs to the end of the file: the rest is one malformed record.
        '+302,+301,"CA6,x,outbound-dial',
    ]) + "\n")
    result, _, settings = _materialize_calls(landing, tmp_path, instance)
    assert result.success
    rows = _raw_rows(settings)
    assert [(line, sid, malformed) for _, line, sid, malformed in rows] == [
        (2, "CA1", False), (3, None, True), (4, "CA3", False), (5, None, True), (6, "CA5", False),
        (7, None, True),
    ]
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        assert conn.execute("SELECT \"to\", \"from\" FROM raw.calls WHERE sid = 'CA1'").fetchall() == [
            ("+302", "+301")
        ]
        errors = conn.execute("SELECT _raw_line FROM raw.calls WHERE _error IS NOT NULL ORDER BY _line").fetchall()
    # Each malformed record's text as it stands in the file, without its line end; inside the
    # unterminated quote the file's last line end is part of the record (it runs to the end).
    assert errors == [
        ("+302,+301,CA2",),
        ("+302,+301,CA4,x,outbound-dial,busy,2026-03-02T08:00:00Z,,0,,,surplus",),
        ('+302,+301,"CA6,x,outbound-dial\n',),
    ]
