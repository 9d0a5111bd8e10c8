"""Landing files into raw tables with DuckDB: new and changed files only, each file all or nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sales_pipeline.contract import Source
from sales_pipeline.ingestion.landing import LandingFile, discover, inspect
from sales_pipeline.sql import render


@dataclass(frozen=True)
class LoadedFile:
    name: str
    rows_read: int
    rows_malformed: int
    replaced: bool


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


def ensure_raw_tables(conn: duckdb.DuckDBPyConnection, source: Source) -> None:
    conn.execute(render("ingestion/create_raw.sql", table=source.raw_table, columns=source.columns))


def ingest_source(
    conn: duckdb.DuckDBPyConnection, source: Source, landing_dir: Path, ingestion_id: str
) -> IngestionReport:
    """Read every new or changed file of `source` into its raw table, in one transaction.

    A file whose header cannot be read with the contract's columns is held back whole and
    recorded with the reason; it is tried again once it is replaced (its fingerprint changes).
    """
    ensure_raw_tables(conn, source)
    report = IngestionReport(source=source.name, ingestion_id=ingestion_id)
    known = dict(
        conn.execute(
            "SELECT file, fingerprint FROM raw.landed_files WHERE source = ?", [source.name]
        ).fetchall()
    )
    loaded_before = {
        name
        for (name,) in conn.execute(
            "SELECT file FROM raw.landed_files WHERE source = ? AND status = 'loaded'",
            [source.name],
        ).fetchall()
    }
    by_header: dict[tuple[str, ...], list[LandingFile]] = defaultdict(list)
    for landing_file in discover(source, landing_dir):
        if known.get(landing_file.name) == landing_file.fingerprint:
            report.unchanged += 1
            continue
        inspection = inspect(landing_file)
        if inspection.header is None:
            report.held_back.append(
                HeldBackFile(landing_file.name, str(inspection.problem), landing_file.fingerprint)
            )
        else:
            by_header[inspection.header].append(landing_file)

    conn.execute("BEGIN TRANSACTION")
    try:
        for header, files in by_header.items():
            _load_group(conn, source, header, files, ingestion_id)
        counts = dict(
            (name, (read, malformed))
            for name, read, malformed in conn.execute(
                f"SELECT _file, count(*), count(_error) FROM {source.raw_table} "
                "WHERE _ingestion_id = ? GROUP BY _file",
                [ingestion_id],
            ).fetchall()
        )
        for files in by_header.values():
            for landing_file in files:
                read, malformed = counts.get(landing_file.name, (0, 0))
                report.loaded.append(
                    LoadedFile(landing_file.name, read, malformed, landing_file.name in loaded_before)
                )
        _record_files(conn, source, report, by_header, ingestion_id)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return report


def _load_group(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    header: tuple[str, ...],
    files: list[LandingFile],
    ingestion_id: str,
) -> None:
    stripped = [name.strip() for name in header]
    positions = [stripped.index(column) for column in source.columns]
    conn.execute(
        f"DELETE FROM {source.raw_table} WHERE _file IN (SELECT unnest(?::VARCHAR[]))",
        [[f.name for f in files]],
    )
    conn.execute(render("ingestion/read_files.sql", paths=[str(f.path) for f in files], width=len(header)))
    conn.execute(
        render(
            "ingestion/append_batch.sql",
            table=source.raw_table,
            files=files,
            positions=positions,
            ingestion_id=ingestion_id,
        )
    )


def _record_files(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    report: IngestionReport,
    by_header: dict[tuple[str, ...], list[LandingFile]],
    ingestion_id: str,
) -> None:
    fingerprints = {f.name: f.fingerprint for files in by_header.values() for f in files}
    rows = [
        (source.name, f.name, fingerprints[f.name], "loaded", None, f.rows_read, f.rows_malformed)
        for f in report.loaded
    ]
    # A held-back file keeps whatever an earlier, readable version of it landed.
    rows += [
        (source.name, held.name, held.fingerprint, "held_back", held.reason, None, None)
        for held in report.held_back
    ]
    if not rows:
        return
    conn.execute(
        "DELETE FROM raw.landed_files WHERE source = ? AND file IN (SELECT unnest(?::VARCHAR[]))",
        [source.name, [row[1] for row in rows]],
    )
    conn.executemany(
        "INSERT INTO raw.landed_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
        [(*row, ingestion_id) for row in rows],
    )
