"""Landing rules as plain functions: blank lines, held-back reasons, discovery, the landing digest.

Fast unit tests (no Dagster run) with exact expected values, each worked out from the rule it
checks: the docstrings of `sales_pipeline/ingestion/landing.py` and "Files that cannot land" in
docs/contract.md. They are in mutmut's test selection (`[tool.mutmut]` in pyproject.toml), where
the slower delivery tests cannot run for every mutant.
"""

from __future__ import annotations

import gzip
import os
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from sales_pipeline.contract import ANY_FILE_DATE, SOURCES
from sales_pipeline.ingestion import landing
from sales_pipeline.ingestion.compressed import content_name, delivery_patterns
from sales_pipeline.ingestion.landing import Inspection, LandingFile
from sales_pipeline.partitions import MONTHLY, QUARTERLY, WEEKLY, partitions_for
from sales_pipeline_tests.packing import zip_of

CALLS = SOURCES["calls"]
CALLS_COLUMNS = CALLS.columns
CALLS_HEADER = ",".join(CALLS_COLUMNS).encode()
ROW = b"CA1,,inbound,+301,+302,busy,2026-03-02T08:00:00Z,,0,"
BOM = b"\xef\xbb\xbf"
MAX_HEADER = 64 * 1024  # the header limit of landing.py, in bytes
MISSING_ALL = ", ".join(CALLS_COLUMNS)


def _write(path: Path, data: bytes, mtime_ns: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def _inspect(tmp_path: Path, data: bytes, name: str = "telephony/calls_2026-03-02.csv") -> Inspection:
    path = _write(tmp_path / "landing" / name, data)
    return landing.inspect(LandingFile(source=CALLS, path=path, name=name, stat_key="0:0:0"))


# --- blank_lines: 1-based numbers of the empty lines inside the data ------------------------------

@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", (), id="nothing"),
        pytest.param(b"a", (), id="one-line-no-newline"),
        pytest.param(b"a\n", (), id="trailing-newline-makes-none"),
        pytest.param(b"a\r\n", (), id="trailing-crlf-makes-none"),
        pytest.param(b"a\nb\nc\n", (), id="no-empty-line"),
        pytest.param(b"a\r\nb\r\nc\r\n", (), id="no-empty-line-crlf"),
        pytest.param(b"a\n\nb", (2,), id="middle-no-final-newline"),
        pytest.param(b"a\n\nb\n", (2,), id="middle"),
        pytest.param(b"a\r\n\r\nb\r\n", (2,), id="middle-crlf"),
        pytest.param(b"a\n\n\nb\n", (2, 3), id="two-in-a-row"),
        pytest.param(b"a\r\n\r\n\r\nb", (2, 3), id="two-in-a-row-crlf"),
        pytest.param(b"a\n\n\n\nb\n", (2, 3, 4), id="three-in-a-row"),
        pytest.param(b"a\n\nb\n\nc\n", (2, 4), id="two-apart"),
        pytest.param(b"a\r\n\r\nb\r\n\r\nc\r\n", (2, 4), id="two-apart-crlf"),
        pytest.param(b"a\nb\n\n\nc\n\nd", (3, 4, 6), id="run-then-single"),
        pytest.param(b"a\r\n\nb\n\r\nc", (2, 4), id="mixed-line-ends"),
        pytest.param(b"h\nr1\nr2\nr3\n\nr4\n", (5,), id="after-several-lines"),
        # The last line being empty is not inside the data: no record follows it.
        pytest.param(b"a\n\n", (), id="empty-last-line"),
        pytest.param(b"a\r\n\r\n", (), id="empty-last-line-crlf"),
        pytest.param(b"a\nb\n\nc\n\n", (3,), id="inside-and-last"),
        pytest.param(b"a\r\nb\r\n\r\nc\r\n\r\n", (3,), id="inside-and-last-crlf"),
        # Text after the empty lines makes them inside, however short that text is.
        pytest.param(b"a\n\nX", (2,), id="one-letter-after"),
        pytest.param(b"a\n\n ", (2,), id="a-blank-after"),
        pytest.param(b"a\r\n\r\nX", (2,), id="one-letter-after-crlf"),
        pytest.param(b"a\n\n\nX", (2, 3), id="two-then-one-letter"),
        # However many empty lines end the data, none is inside it.
        pytest.param(b"a\n\n\n\n", (), id="three-empty-last-lines"),
        pytest.param(b"a\n\nb\n\n\n\n", (2,), id="inside-and-three-last"),
        pytest.param(b"a\r\n\r\n\r\n", (), id="two-empty-last-lines-crlf"),
    ],
)
def test_blank_lines(data: bytes, expected: tuple[int, ...]) -> None:
    assert landing.blank_lines(data) == expected


def test_blank_lines_at_the_start_number_from_line_one() -> None:
    # Lines 1 and 2 are empty: whatever becomes of line 1 (see below), line 2 is counted as 2.
    assert 2 in landing.blank_lines(b"\n\nb\n")
    assert landing.blank_lines(b"h\n\n\nb\n\n\nc") == (2, 3, 5, 6)


# Mapped sources without a header (mapped.py) number their records from line 1.
def test_blank_first_line_is_reported() -> None:
    assert landing.blank_lines(b"\nb\n") == (1,)
    assert landing.blank_lines(b"\n\nb\n") == (1, 2)


# inspect (and DuckDB) accept a lone \r as a line end: so must the numbering.
def test_blank_lines_with_carriage_returns_only() -> None:
    assert landing.blank_lines(b"a\r\rb\r") == (2,)
    assert landing.blank_lines(b"a\r\r\rb\r\r\rc") == (2, 3, 5, 6)
    assert landing.blank_lines(b"\rb\r\r") == (1,)
    # A \r\n is one line end, however the two kinds mix.
    assert landing.blank_lines(b"a\r\n\rb\n\r\nc\r\r\n") == (2, 4)


def _blank_lines_by_splitting(data: bytes) -> tuple[int, ...]:
    """The rule written the slow, obvious way: split into lines, number the empty ones that
    some later line with content follows."""
    lines = re.split(rb"\r\n|\r|\n", data)
    last_with_content = max((i for i, line in enumerate(lines) if line), default=-1)
    return tuple(i + 1 for i, line in enumerate(lines) if not line and i < last_with_content)


# No example database: the run leaves nothing in the work tree.
@settings(max_examples=500, derandomize=True, database=None)
@given(st.lists(st.sampled_from([b"a", b"bc", b"\r", b"\n", b"\r\n"]), max_size=40).map(b"".join))
def test_blank_lines_agree_with_splitting_into_lines(data: bytes) -> None:
    assert landing.blank_lines(data) == _blank_lines_by_splitting(data)


# --- inspect: the held-back reasons, each compared whole -----------------------------------------

@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(BOM, id="bom-only"),
        pytest.param(BOM + b"\n", id="bom-and-newline"),
        pytest.param(BOM + b"\r\n\r\n", id="bom-and-crlfs"),
        pytest.param(b" \r\n\t\n\n", id="whitespace-only"),
    ],
)
def test_empty_file_is_held_back(tmp_path: Path, data: bytes) -> None:
    assert _inspect(tmp_path, data) == Inspection(None, "file is empty: no header row")


def test_no_line_break_in_the_first_64_kib_of_a_bigger_file(tmp_path: Path) -> None:
    expected = Inspection(None, "no line break in the first 65536 bytes: not a CSV header")
    assert _inspect(tmp_path, b"x" * (MAX_HEADER + 1)) == expected
    # The first line break comes after the limit: the first 64 KiB hold none.
    assert _inspect(tmp_path, CALLS_HEADER + b"," + b"x" * MAX_HEADER + b"\n" + ROW + b"\n") == expected


def test_a_header_of_exactly_64_kib_without_line_break_is_a_header(tmp_path: Path) -> None:
    padding = b"x" * (MAX_HEADER - len(CALLS_HEADER) - 1)
    data = CALLS_HEADER + b"," + padding
    assert len(data) == MAX_HEADER
    assert _inspect(tmp_path, data) == Inspection((*CALLS_COLUMNS, padding.decode()), None, ())


def test_a_short_file_of_one_line_without_line_break_is_a_header(tmp_path: Path) -> None:
    assert _inspect(tmp_path, CALLS_HEADER) == Inspection(CALLS_COLUMNS, None, ())
    # A short line without a break is read as a header too, and judged as one.
    assert _inspect(tmp_path, b"x" * 100) == Inspection(
        None, f"missing required column(s) {MISSING_ALL}; header has: {'x' * 100}"
    )


def test_a_file_bigger_than_64_kib_with_a_header_line_lands(tmp_path: Path) -> None:
    rows = (ROW + b"\n") * (MAX_HEADER // len(ROW) + 10)
    data = CALLS_HEADER + b"\n" + rows
    assert len(data) > MAX_HEADER
    assert _inspect(tmp_path, data) == Inspection(CALLS_COLUMNS, None, ())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"sid,\xff,direction\n" + ROW + b"\n", "invalid start byte at byte 4", id="start-byte"),
        pytest.param(b"sid,caf\xe9,x\n", "invalid continuation byte at byte 7", id="continuation"),
        pytest.param(b"\x80sid\n", "invalid start byte at byte 0", id="first-byte"),
    ],
)
def test_header_not_utf8(tmp_path: Path, data: bytes, reason: str) -> None:
    assert _inspect(tmp_path, data) == Inspection(None, f"header is not UTF-8 ({reason})")


def test_only_the_header_must_be_utf8(tmp_path: Path) -> None:
    # A bad byte in a record is the reader's business (a quarantined line), not a held-back file.
    data = CALLS_HEADER + b"\n" + ROW + b"\xff\n"
    assert _inspect(tmp_path, data) == Inspection(CALLS_COLUMNS, None, ())


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"sid\x00,direction\n", id="inside"),
        pytest.param(b"\x00\x00\x00\x00\n", id="only-nul"),
        pytest.param(CALLS_HEADER + b"\x00\n" + ROW + b"\n", id="after-a-whole-header"),
    ],
)
def test_header_with_nul_bytes(tmp_path: Path, data: bytes) -> None:
    assert _inspect(tmp_path, data) == Inspection(None, "header contains NUL bytes: binary file")


@pytest.mark.parametrize(
    ("extra", "duplicates"),
    [
        pytest.param(b",sid", "sid", id="twice"),
        pytest.param(b",sid,sid", "sid", id="three-times"),
        pytest.param(b", sid ,\tsid", "sid", id="blanks-around"),
        # Names reported once each, sorted: duration comes before status though after it in the file.
        pytest.param(b",status, duration ,duration", "duration, status", id="two-names-sorted"),
        pytest.param(b",extra,extra", "extra", id="non-contract-name"),
    ],
)
def test_duplicate_columns(tmp_path: Path, extra: bytes, duplicates: str) -> None:
    data = CALLS_HEADER + extra + b"\n" + ROW + b"\n"
    assert _inspect(tmp_path, data) == Inspection(None, f"duplicate columns in header: {duplicates}")


def test_missing_columns_in_contract_order_and_the_header_stripped(tmp_path: Path) -> None:
    assert _inspect(tmp_path, b" sid , direction,from\nCA2,inbound,+1\n") == Inspection(
        None,
        "missing required column(s) parent_call_sid, to, status, start_time, end_time, "
        "duration, answered_by; header has: sid, direction, from",
    )


def test_bom_header_is_read_without_the_bom(tmp_path: Path) -> None:
    data = BOM + CALLS_HEADER + b"\r\n" + ROW + b"\r\n"
    assert _inspect(tmp_path, data) == Inspection(CALLS_COLUMNS, None, ())


@pytest.mark.parametrize(
    "line_end", [pytest.param(b"\n", id="lf"), pytest.param(b"\r\n", id="crlf"), pytest.param(b"\r", id="cr")]
)
def test_valid_header_returns_its_columns(tmp_path: Path, line_end: bytes) -> None:
    data = CALLS_HEADER + line_end + ROW + line_end
    inspection = _inspect(tmp_path, data)
    assert inspection.problem is None
    assert inspection == Inspection(CALLS_COLUMNS, None, ())


def test_valid_file_carries_its_blank_lines(tmp_path: Path) -> None:
    # Lines: 1 header, 2 row, 3 empty, 4 row, 5 and 6 empty, 7 row.
    data = CALLS_HEADER + b"\n" + ROW + b"\n\n" + ROW + b"\r\n\r\n\r\n" + ROW + b"\n"
    inspection = _inspect(tmp_path, data)
    assert inspection.problem is None
    assert inspection.blank_lines == (3, 5, 6)
    assert inspection == Inspection(CALLS_COLUMNS, None, (3, 5, 6))


@pytest.mark.parametrize(
    "name", ["telephony/calls_latest.csv", "telephony/calls_2026-02-30.csv", "telephony/calls_.csv"]
)
def test_daily_file_without_a_valid_date(tmp_path: Path, name: str) -> None:
    data = CALLS_HEADER + b"\n" + ROW + b"\n"
    assert _inspect(tmp_path, data, name) == Inspection(
        None, "file name carries no valid date (expected <kind>_YYYY-MM-DD.csv)"
    )


def test_snapshot_file_needs_no_date(tmp_path: Path) -> None:
    fx = SOURCES["fx_rates"]
    path = _write(tmp_path / "landing/erp/fx_rates.csv", b"date,currency,rate\n2026-03-02,USD,0.9\n")
    inspection = landing.inspect(LandingFile(fx, path, "erp/fx_rates.csv", "0:0"))
    assert inspection == Inspection(("date", "currency", "rate"), None, ())


def test_inspect_through_discover(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    _write(root / "telephony/calls_2026-03-02.csv", CALLS_HEADER + b"\n" + ROW + b"\n\n" + ROW + b"\n")
    _write(root / "telephony/calls_2026-03-03.csv", b"")
    inspections = [landing.inspect(f) for f in landing.discover(CALLS, root)]
    assert inspections == [
        Inspection(CALLS_COLUMNS, None, (3,)),
        Inspection(None, "file is empty: no header row"),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pbx/cdr_20260302.csv", date(2026, 3, 2)),
        ("pbx/cdr_20261231_0800.csv", date(2026, 12, 31)),
        ("pbx/export 2026-03-02 calls.csv", date(2026, 3, 2)),
        ("pbx/cdr_20260230.csv", None),
        ("pbx/Master.csv", None),
    ],
)
def test_configured_source_date_with_or_without_dashes(name: str, expected: date | None) -> None:
    # A configured source (mapped.configured_source) finds YYYY-MM-DD or YYYYMMDD anywhere in
    # the name (docs/sources.md, "Daily files and one growing file").
    assert replace(CALLS, name_date=ANY_FILE_DATE).file_date(name) == expected


def test_contract_source_date_needs_the_contract_layout() -> None:
    assert CALLS.file_date("telephony/calls_2026-03-02.csv") == date(2026, 3, 2)
    assert CALLS.file_date("telephony/calls_20260302.csv") is None


# --- discover ------------------------------------------------------------------------------------

def test_discover_sorted_relative_names_skipping_directories(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    _write(root / "telephony/calls_2026-03-03.csv", b"3")
    _write(root / "telephony/calls_2026-03-01.csv", b"1")
    # A directory matching the glob, sorted before a real file: skipped, and the search goes on.
    (root / "telephony/calls_2026-03-02.csv").mkdir()
    _write(root / "telephony/calls_2026-03-02.csv/inner.csv", b"x")
    _write(root / "telephony/other_2026-03-01.csv", b"x")
    _write(root / "erp/sales_documents_2026-03-01.csv", b"x")

    files = landing.discover(CALLS, root)

    assert [f.name for f in files] == ["telephony/calls_2026-03-01.csv", "telephony/calls_2026-03-03.csv"]
    assert [f.path for f in files] == [
        (root / "telephony/calls_2026-03-01.csv").resolve(),
        (root / "telephony/calls_2026-03-03.csv").resolve(),
    ]
    assert all(f.source is CALLS for f in files)
    assert [f.file_date for f in files] == [date(2026, 3, 1), date(2026, 3, 3)]


def test_discover_nothing(tmp_path: Path) -> None:
    (tmp_path / "telephony").mkdir()
    assert landing.discover(CALLS, tmp_path) == []


def test_fingerprint_follows_content_and_stat_key_size_and_times(tmp_path: Path) -> None:
    path = _write(tmp_path / "telephony/calls_2026-03-02.csv", b"abc", mtime_ns=1_700_000_000_000_000_000)

    def found() -> LandingFile:
        (landing_file,) = landing.discover(CALLS, tmp_path)
        return landing_file

    first = found()
    assert found().fingerprint == first.fingerprint
    assert first.fingerprint.startswith("blake2b:")
    # Same size, same modification time, other bytes (`cp -p` of a correction): another
    # fingerprint, whatever the times say.
    _write(path, b"xyz", mtime_ns=1_700_000_000_000_000_000)
    second = found()
    assert second.fingerprint != first.fingerprint
    assert second.stat_key.split(":")[:2] == first.stat_key.split(":")[:2]
    # The same bytes again: the first fingerprint.
    _write(path, b"abc", mtime_ns=1_700_000_000_000_000_001)
    assert found().fingerprint == first.fingerprint
    # Another size.
    _write(path, b"abcd", mtime_ns=1_700_000_000_000_000_000)
    assert found().stat_key.split(":")[0] == "4"


def test_an_unreadable_file_has_a_fingerprint_of_its_own(tmp_path: Path) -> None:
    path = _write(tmp_path / "telephony/calls_2026-03-02.csv", b"abc", mtime_ns=1_700_000_000_000_000_000)
    (landing_file,) = landing.discover(CALLS, tmp_path)
    path.unlink()  # gone between discovery and reading: as unreadable as a chmod 000 file
    assert landing_file.fingerprint == f"unreadable (No such file or directory): {landing_file.stat_key}"
    assert landing.inspect(landing_file).problem == "file cannot be read: No such file or directory"


# --- compressed deliveries and files no source reads ---------------------------------------------

def test_discover_finds_compressed_deliveries_dated_by_the_file_they_hold(tmp_path: Path) -> None:
    for name in (
        "calls_2026-03-01.csv.gz", "calls_2026-03-02.csv.zst", "calls_2026-03-03.csv.zip",
        "calls_2026-03-04.zip", "calls_2026-03-05.CSV.GZ", "calls_2026-03-06.csv.bz2",
        "calls_2026-03-07.csv.gz.part",
    ):
        _write(tmp_path / "telephony" / name, b"x")
    files = landing.discover(CALLS, tmp_path)
    assert [(f.name, f.compression, f.file_date) for f in files] == [
        ("telephony/calls_2026-03-01.csv.gz", "gzip", date(2026, 3, 1)),
        ("telephony/calls_2026-03-02.csv.zst", "zstd", date(2026, 3, 2)),
        ("telephony/calls_2026-03-03.csv.zip", "zip", date(2026, 3, 3)),
        ("telephony/calls_2026-03-04.zip", "zip", date(2026, 3, 4)),
    ]


@pytest.mark.parametrize(
    ("name", "glob", "held"),
    [
        ("calls_2026-03-01.csv", "calls_*.csv", "calls_2026-03-01.csv"),
        ("calls_2026-03-01.csv.gz", "calls_*.csv", "calls_2026-03-01.csv"),
        ("calls_2026-03-01.csv.zst", "calls_*.csv", "calls_2026-03-01.csv"),
        ("calls_2026-03-01.csv.zip", "calls_*.csv", "calls_2026-03-01.csv"),
        ("calls_2026-03-01.zip", "calls_*.csv", "calls_2026-03-01.csv"),
        ("Master.csv.1.gz", "Master.csv*", "Master.csv.1"),
        ("export.zip", "*", "export"),
        ("Master.zip", "Master.csv*", "Master"),
    ],
)
def test_content_name(name: str, glob: str, held: str) -> None:
    assert content_name(name, glob) == held


def test_delivery_patterns() -> None:
    assert delivery_patterns("telephony/calls_*.csv") == [
        "telephony/calls_*.csv", "telephony/calls_*.csv.gz", "telephony/calls_*.csv.zst",
        "telephony/calls_*.csv.zip", "telephony/calls_*.zip",
    ]
    assert delivery_patterns("pbx/Master*") == [
        "pbx/Master*", "pbx/Master*.gz", "pbx/Master*.zst", "pbx/Master*.zip",
    ]
    # A compressed glob has no other extension to replace with `.zip`; any extension may have
    # capitals.
    assert delivery_patterns("erp/*.csv.gz") == [
        "erp/*.csv.gz", "erp/*.csv.gz.gz", "erp/*.csv.gz.zst", "erp/*.csv.gz.zip",
    ]
    assert delivery_patterns("finance/RATES.XLSX")[-1] == "finance/RATES.zip"
    # A wildcard in the extension names none.
    assert delivery_patterns("pbx/Master.csv*") == [
        "pbx/Master.csv*", "pbx/Master.csv*.gz", "pbx/Master.csv*.zst", "pbx/Master.csv*.zip",
    ]


ZSTD_TWO_FRAMES = (
    zstandard.ZstdCompressor().compress(b"a,b\n" * 500) + zstandard.ZstdCompressor().compress(b"c,d\n")
)


# Ids of their own: the bytes would make ids that differ between xdist workers.
@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        pytest.param("c.csv.gz", gzip.compress(b"a,b\n1,2\n", mtime=0), b"a,b\n1,2\n", id="gzip"),
        pytest.param("c.csv.zst", zstandard.ZstdCompressor().compress(b"a,b\n"), b"a,b\n",
                     id="zstd"),
        pytest.param("c.csv.zip", zip_of(("dir/c.csv", b"a,b\n")), b"a,b\n", id="zip"),
        pytest.param("c.csv", b"a,b\n", b"a,b\n", id="plain"),
        pytest.param("c.csv.zip", zip_of(("a.csv", b"1"), ("b.csv", b"2")),
                     "zip holds 2 files (a.csv, b.csv): expected exactly one", id="zip-of-two"),
        pytest.param("c.csv.zip", zip_of(), "zip holds 0 files (nothing): expected exactly one",
                     id="empty-zip"),
        pytest.param("c.csv.zip", b"PK not really", "not a readable zip file: File is not a zip file",
                     id="not-a-zip"),
        pytest.param("c.csv.gz", b"a,b\n", "not a readable gzip file: Not a gzipped file (b'a,')",
                     id="not-gzip"),
        pytest.param("c.csv.gz", gzip.compress(b"a,b\n1,2\n", mtime=0)[:-4],
                     "not a readable gzip file: Compressed file ended before the end-of-stream "
                     "marker was reached", id="truncated-gzip"),
        pytest.param("c.csv.zst", b"a,b\n",
                     "not a readable zstd file: zstd decompressor error: Unknown frame descriptor",
                     id="not-zstd"),
        # Two frames, the second cut short: zstandard itself would return the first silently.
        pytest.param("c.csv.zst", ZSTD_TWO_FRAMES + ZSTD_TWO_FRAMES[:-3],
                     "not a readable zstd file: it ends inside a frame (truncated)",
                     id="truncated-zstd"),
        pytest.param("c.csv.zst", ZSTD_TWO_FRAMES, b"a,b\n" * 500 + b"c,d\n", id="zstd-frames"),
        pytest.param("c.csv.zst", b"", "not a readable zstd file: it ends inside a frame (truncated)",
                     id="empty-zstd"),
    ],
)
def test_read_landing_file_opens_what_the_name_says(
    tmp_path: Path, name: str, data: bytes, expected: bytes | str
) -> None:
    path = _write(tmp_path / name, data)
    landing_file = LandingFile(source=CALLS, path=path, name=name, stat_key="0:0:0")
    assert landing.read_landing_file(landing_file) == expected


def test_a_zip_is_extracted_for_duckdb_and_the_rest_read_in_place(tmp_path: Path) -> None:
    packed = _write(tmp_path / "calls_2026-03-04.zip", zip_of(("calls.csv", b"a,b\n")))
    gzipped = _write(tmp_path / "calls_2026-03-05.csv.gz", gzip.compress(b"a,b\n"))
    shouted = _write(tmp_path / "calls_2026-03-06.csv.GZ", gzip.compress(b"c,d\n"))
    plain = _write(tmp_path / "calls_2026-03-07.csv", b"e,f\n")
    zstd = _write(tmp_path / "calls_2026-03-08.csv.zst", zstandard.ZstdCompressor().compress(b"g\n"))
    files = [
        LandingFile(source=CALLS, path=path, name=path.name, stat_key="0:0:0")
        for path in (packed, gzipped, shouted, plain, zstd)
    ]
    (tmp_path / "work").mkdir()
    extracted, in_place, upper_case, as_is, zstd_in_place = landing.readable_files(
        files, tmp_path / "work"
    )
    assert extracted == landing.ReadableFile(
        tmp_path / "work" / "delivery-0", "calls_2026-03-04.zip", date(2026, 3, 4)
    )
    assert extracted.path.read_bytes() == b"a,b\n"
    assert in_place == landing.ReadableFile(gzipped, "calls_2026-03-05.csv.gz", date(2026, 3, 5))
    # DuckDB knows `.gz`, not `.GZ`: that one is extracted too.
    assert upper_case.path == tmp_path / "work" / "delivery-2"
    assert upper_case.path.read_bytes() == b"c,d\n"
    assert as_is == landing.ReadableFile(plain, "calls_2026-03-07.csv", date(2026, 3, 7))
    assert zstd_in_place == landing.ReadableFile(zstd, "calls_2026-03-08.csv.zst", date(2026, 3, 8))
    # Only the two needed extracting.
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["delivery-0", "delivery-2"]


def test_unrecognised_files_are_the_ones_no_source_reads(tmp_path: Path) -> None:
    for name in (
        "telephony/calls_2026-03-01.csv", "telephony/calls_2026-03-02.csv.gz",
        "telephony/calls_2026-03-03.csv.bz2", "telephony/.calls_2026-03-04.csv.part",
        ".cache/x.csv", "notes/README.txt", "people/identity_map.csv", "sources.yaml",
    ):
        _write(tmp_path / name, b"x")
    (tmp_path / "empty-folder").mkdir()
    assert landing.unrecognised_files(
        tmp_path, [CALLS], also=["people/identity_map.csv", str(tmp_path / "sources.yaml")]
    ) == ["notes/README.txt", "telephony/calls_2026-03-03.csv.bz2"]
    assert landing.unrecognised_files(tmp_path / "missing", [CALLS]) == []


# --- landing_digest ------------------------------------------------------------------------------

T0 = 1_700_000_000_000_000_000


def _landing_area(root: Path) -> Path:
    _write(root / "telephony/calls_2026-03-01.csv", CALLS_HEADER + b"\n", mtime_ns=T0)
    _write(root / "telephony/calls_2026-03-02.csv", CALLS_HEADER + b"\n" + ROW + b"\n", mtime_ns=T0 + 5)
    _write(root / "erp/fx_rates.csv", b"date,currency,rate\n", mtime_ns=T0 + 7)
    return root


def test_landing_digest_is_stable_while_nothing_lands(tmp_path: Path) -> None:
    root = _landing_area(tmp_path / "one")
    before = landing.landing_digest(root)
    assert landing.landing_digest(root) == before
    # Files of no source are no landing files.
    _write(root / "notes.txt", b"hello")
    _write(root / "telephony/readme.md", b"hello")
    assert landing.landing_digest(root) == before


def test_landing_digest_changes_when_anything_lands(tmp_path: Path) -> None:
    root = _landing_area(tmp_path / "landing")
    empty = tmp_path / "empty"
    empty.mkdir()
    before = landing.landing_digest(root)
    assert landing.landing_digest(empty) != before

    added = _write(root / "telephony/calls_2026-03-03.csv", CALLS_HEADER + b"\n", mtime_ns=T0)
    after_add = landing.landing_digest(root)
    added.unlink()
    # The others untouched: the digest of before.
    assert landing.landing_digest(root) == before

    # Renamed: same size and time, another name.
    os.rename(root / "telephony/calls_2026-03-01.csv", root / "telephony/calls_2026-03-04.csv")
    renamed = landing.landing_digest(root)

    # Rewritten: another size at the same time, then the same size at another time.
    path = root / "erp/fx_rates.csv"
    _write(path, b"date,currency,rate\n2026-03-02,USD,0.9\n", mtime_ns=T0 + 7)
    resized = landing.landing_digest(root)
    _write(path, b"date,currency,rate\n", mtime_ns=T0 + 8)
    touched = landing.landing_digest(root)
    assert len({before, after_add, renamed, resized, touched}) == 5


def test_landing_digest_covers_only_the_given_sources(tmp_path: Path) -> None:
    root = _landing_area(tmp_path / "landing")
    calls_only = landing.landing_digest(root, [CALLS])
    assert calls_only != landing.landing_digest(root)
    _write(root / "erp/fx_rates.csv", b"date,currency,rate\nx\n", mtime_ns=T0 + 9)
    assert landing.landing_digest(root, [CALLS]) == calls_only
    _write(root / "telephony/calls_2026-03-01.csv", CALLS_HEADER + b"\nx\n", mtime_ns=T0)
    assert landing.landing_digest(root, [CALLS]) != calls_only


def test_landing_digest_also_counts_further_files(tmp_path: Path) -> None:
    root = _landing_area(tmp_path / "landing")
    name = "crm/identity_map.csv"
    absent = landing.landing_digest(root, also=[name])
    assert absent != landing.landing_digest(root)
    assert landing.landing_digest(root, also=[name]) == absent
    _write(root / name, b"a,b\n", mtime_ns=T0)
    present = landing.landing_digest(root, also=[name])
    assert present != absent
    _write(root / name, b"a,bc\n", mtime_ns=T0)
    assert landing.landing_digest(root, also=[name]) not in (absent, present)


# --- partitions: the sales zone and the current period -------------------------------------------

def test_partitions_run_in_the_sales_timezone_up_to_the_current_period() -> None:
    # 23:30 UTC on 28 February is already 1 March in Berlin: March is the current month there.
    now = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
    monthly = partitions_for(MONTHLY, date(2026, 1, 15), "Europe/Berlin")
    assert monthly.timezone == "Europe/Berlin"
    assert monthly.get_partition_keys(current_time=now) == ["2026-01-01", "2026-02-01", "2026-03-01"]
    # Sunday 15 March 23:30 UTC is Monday 16 March in Berlin: the week of the 16th runs.
    weekly = partitions_for(WEEKLY, date(2026, 3, 4), "Europe/Berlin")
    assert weekly.get_partition_keys(current_time=datetime(2026, 3, 15, 23, 30, tzinfo=UTC)) == [
        "2026-03-02", "2026-03-09", "2026-03-16",
    ]
    # The same instant in UTC is still February.
    utc = partitions_for(MONTHLY, date(2026, 1, 15), "UTC")
    assert utc.get_partition_keys(current_time=now) == ["2026-01-01", "2026-02-01"]


def test_quarterly_partitions_start_in_january_april_july_october() -> None:
    quarterly = partitions_for(QUARTERLY, date(2026, 2, 15), "UTC")
    keys = quarterly.get_partition_keys(current_time=datetime(2026, 12, 2, tzinfo=UTC))
    assert keys[:4] == ["2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01"]
