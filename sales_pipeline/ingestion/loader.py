"""Landing files into raw tables with DuckDB: new and changed files only, each file all or nothing."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sales_pipeline.contract import Source
from sales_pipeline.ingestion.landing import (
    Inspection,
    LandingFile,
    inspect,
    readable_files,
)
from sales_pipeline.resources import transaction
from sales_pipeline.sources.models import Mapping
from sales_pipeline.sql import render, sql_value_list

# Longer values are no data any export of these systems produces: such a line is kept in raw
# (cut to this length) as malformed, and quarantined, rather than a 50 MB "call id" landing.
MAX_FIELD_LENGTH = 4096


@dataclass(frozen=True)
class LoadedFile:
    name: str
    rows_read: int
    rows_malformed: int
    replaced: bool
    # Rows of a configured source's files that its filter says are not its records.
    rows_filtered: int = 0


@dataclass(frozen=True)
class HeldBackFile:
    name: str
    reason: str
    fingerprint: str


@dataclass
class IngestionReport:
    source: str
    ingestion_id: str
    loaded: list[LoadedFile] = field(default_factory=list)
    held_back: list[HeldBackFile] = field(default_factory=list)
    unchanged: int = 0

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.loaded)

    @property
    def rows_malformed(self) -> int:
        return sum(f.rows_malformed for f in self.loaded)

    @property
    def rows_filtered(self) -> int:
        return sum(f.rows_filtered for f in self.loaded)


def ensure_ledger(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(render("ingestion/create_ledger.sql"))


def ensure_raw_tables(conn: duckdb.DuckDBPyConnection, source: Source) -> None:
    ensure_ledger(conn)
    conn.execute(render("ingestion/create_raw.sql", table=source.raw_table, columns=source.columns))


NOT_RECOGNISED_REASON = "not recognised: matches no source's files (docs/sources.md)"


def record_unrecognised(
    conn: duckdb.DuckDBPyConnection, names: list[str], ingestion_id: str
) -> None:
    """List the landing area's files no source reads in the ledger, replacing the last list."""
    ensure_ledger(conn)

    def replace_list() -> None:
        conn.execute("DELETE FROM raw.landed_files WHERE status = 'not_recognised'")
        if not names:
            return
        conn.executemany(
            "INSERT INTO raw.landed_files (file, status, reason, ingestion_id, ingested_at) "
            "VALUES (?, 'not_recognised', ?, ?, now())",
            [(name, NOT_RECOGNISED_REASON, ingestion_id) for name in names],
        )

    _in_transaction(conn, replace_list)


def ingest_source(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    landing_dir: Path,
    ingestion_id: str,
    mapping: Mapping | None = None,
) -> IngestionReport:
    """Read every new or changed file of `source` into its raw table, each file all or nothing.

    A file whose header cannot be read with the contract's columns (or, for a configured source,
    with its `mapping`), or that DuckDB cannot parse at all, is held back whole and recorded with
    the reason; it is tried again once it is replaced (its fingerprint changes). The other files
    land regardless.
    """
    from sales_pipeline.ingestion import mapped

    ensure_raw_tables(conn, source)
    unreadable: tuple[type[Exception], ...] = (duckdb.InvalidInputException,)
    if mapping is None:
        inspect_file = inspect
        describe = "CSV"
    else:
        unreadable = mapped.UNREADABLE

        def inspect_file(landing_file: LandingFile) -> Inspection:
            return mapped.inspect_mapped(landing_file, mapping)

        describe = mapping.format.upper() if mapping.format != "jsonl" else "JSON lines"
    report = IngestionReport(source=source.name, ingestion_id=ingestion_id)
    landed = {
        name: (fingerprint, status, file_stat)
        for name, fingerprint, status, file_stat in conn.execute(
            "SELECT file, fingerprint, status, file_stat FROM raw.landed_files WHERE source = ?",
            [source.name],
        ).fetchall()
    }
    by_header: dict[tuple[str, ...], list[tuple[LandingFile, Inspection]]] = defaultdict(list)
    present = set()
    stats: dict[str, str] = {}
    # Files whose size or times moved but whose bytes did not: only their stat is recorded anew.
    touched: list[tuple[str, str]] = []
    for landing_file in mapped.discover_source(source, landing_dir, mapping):
        present.add(landing_file.name)
        stats[landing_file.name] = landing_file.stat_key
        fingerprint, _, file_stat = landed.get(landing_file.name, ("", "", ""))
        # The stat only spares the hash: a change is decided by content.
        if file_stat == landing_file.stat_key or fingerprint == landing_file.fingerprint:
            if file_stat != landing_file.stat_key:
                touched.append((landing_file.stat_key, landing_file.name))
            report.unchanged += 1
            continue
        inspection = inspect_file(landing_file)
        if inspection.header is None:
            report.held_back.append(
                HeldBackFile(landing_file.name, str(inspection.problem), landing_file.fingerprint)
            )
        else:
            by_header[inspection.header].append((landing_file, inspection))

    def land(header: tuple[str, ...], group: list[tuple[LandingFile, Inspection]]) -> None:
        _in_transaction(
            conn,
            lambda: _land(conn, source, header, group, ingestion_id, report, mapping, landing_dir),
        )

    for header, group in by_header.items():
        try:
            land(header, group)
        except unreadable:
            # One unparseable file fails the whole read: land the files one by one instead.
            for single in group:
                try:
                    land(header, [single])
                except unreadable as error:
                    landing_file = single[0]
                    reason = str(error).splitlines()[0].removeprefix("Invalid Input Error: ")
                    report.held_back.append(
                        HeldBackFile(
                            landing_file.name,
                            f"unreadable as {describe}: {reason}",
                            landing_file.fingerprint,
                        )
                    )
    # A held-back file that is no longer in the landing area is no longer waiting for anything.
    vanished = [
        name for name, (_, status, _) in landed.items() if status == "held_back" and name not in present
    ]

    def record_held_back() -> None:
        _record(
            conn,
            source,
            [
                (held.name, held.fingerprint, "held_back", held.reason, None, None, stats[held.name])
                for held in report.held_back
            ],
            ingestion_id,
        )
        if touched:
            conn.executemany(
                "UPDATE raw.landed_files SET file_stat = ? WHERE source = ? AND file = ?",
                [(stat, source.name, name) for stat, name in touched],
            )
        conn.execute(
            "DELETE FROM raw.landed_files WHERE source = ? AND status = 'held_back' "
            "AND file IN (SELECT unnest(?::VARCHAR[]))",
            [source.name, vanished],
        )

    _in_transaction(conn, record_held_back)
    return report


def _in_transaction(conn: duckdb.DuckDBPyConnection, work: Callable[[], None]) -> None:
    with transaction(conn):
        work()


def _land(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    header: tuple[str, ...],
    group: list[tuple[LandingFile, Inspection]],
    ingestion_id: str,
    report: IngestionReport,
    mapping: Mapping | None = None,
    landing_dir: Path | None = None,
) -> None:
    """Replace the raw rows of a group of files sharing one header, and record them as loaded."""
    files = [landing_file for landing_file, _ in group]
    names = [f.name for f in files]
    previously_loaded = {
        name
        for (name,) in conn.execute(
            "SELECT file FROM raw.landed_files WHERE source = ? AND status = 'loaded' "
            "AND file IN (SELECT unnest(?::VARCHAR[]))",
            [source.name, names],
        ).fetchall()
    }
    # Any of the files may have rows in raw, even one the ledger forgot (held back, then gone,
    # then delivered again). A file's rows carry the date in its name, so constant dates let
    # DuckDB skip the row groups of other days instead of scanning the whole history.
    dates = {f.file_date for f in files}
    same_days = "" if None in dates else f" AND _file_date IN {sql_value_list(sorted(dates))}"
    conn.execute(
        f"DELETE FROM {source.raw_table} WHERE _file IN (SELECT unnest(?::VARCHAR[])){same_days}",
        [names],
    )
    filtered: dict[str, int] = {}
    if mapping is None:
        stripped = [name.strip() for name in header]
        positions = [stripped.index(column) for column in source.columns]
        with tempfile.TemporaryDirectory(prefix="sales_pipeline_") as folder:
            read = readable_files(files, Path(folder))
            conn.execute(
                render("ingestion/read_files.sql", paths=[str(f.path) for f in read], width=len(header))
            )
        conn.execute(
            render(
                "ingestion/append_batch.sql",
                table=source.raw_table,
                files=read,
                blank_lines=[
                    (str(readable.path), line)
                    for readable, (_, inspection) in zip(read, group, strict=True)
                    for line in inspection.blank_lines
                ],
                positions=positions,
                ingestion_id=ingestion_id,
                max_field_length=MAX_FIELD_LENGTH,
                first_line=2,
            )
        )
    else:
        from sales_pipeline.ingestion.mapped import land_mapped_rows

        assert landing_dir is not None
        filtered = land_mapped_rows(
            conn, source, mapping, header, group, ingestion_id, landing_dir
        )
    # The equality on the ingestion id lets DuckDB skip the row groups of earlier ingestions.
    counts = {
        name: (read, malformed)
        for name, read, malformed in conn.execute(
            f"SELECT _file, count(*), count(_error) FROM {source.raw_table} "
            "WHERE _ingestion_id = ? AND _file IN (SELECT unnest(?::VARCHAR[])) GROUP BY _file",
            [ingestion_id, names],
        ).fetchall()
    }
    loaded = []
    for landing_file in files:
        read, malformed = counts.get(landing_file.name, (0, 0))
        loaded.append(
            LoadedFile(
                landing_file.name,
                read,
                malformed,
                landing_file.name in previously_loaded,
                filtered.get(landing_file.name, 0),
            )
        )
    by_name = {f.name: f for f in files}
    _record(
        conn,
        source,
        [
            (f.name, by_name[f.name].fingerprint, "loaded", None, f.rows_read, f.rows_malformed,
             by_name[f.name].stat_key)
            for f in loaded
        ],
        ingestion_id,
    )
    report.loaded.extend(loaded)


def _record(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    rows: list[tuple[str, str, str, str | None, int | None, int | None, str]],
    ingestion_id: str,
) -> None:
    """Record files as loaded or held back. A held-back file keeps whatever an earlier,
    readable version of it landed in raw."""
    if not rows:
        return
    conn.execute(
        "DELETE FROM raw.landed_files WHERE source = ? AND file IN (SELECT unnest(?::VARCHAR[]))",
        [source.name, [row[0] for row in rows]],
    )
    conn.executemany(
        "INSERT INTO raw.landed_files (source, file, fingerprint, status, reason, rows_read, "
        "rows_malformed, file_stat, ingestion_id, ingested_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [(source.name, *row, ingestion_id) for row in rows],
    )
