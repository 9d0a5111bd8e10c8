"""`sales-pipeline sources check`: read the configured files as the pipeline would, in memory.

Every source's new files are read with its mapping and the contract's staging rules applied, in a
DuckDB database in memory: the warehouse is never opened. Per source it shows the files found,
the rows read, a sample of mapped rows, the rejects by reason and the identities that map to
nobody, so a configuration can be tried on real exports before the first run.

Exit codes: 0 all files readable, 1 files held back (listed with the reason), 2 the configuration
itself cannot be used (file, line and key in the message).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sales_pipeline import contract
from sales_pipeline.contract import SOURCES
from sales_pipeline.ingestion.landing import discover
from sales_pipeline.ingestion.loader import IngestionReport, ingest_source
from sales_pipeline.ingestion.mapped import configured_source, files_no_source_reads
from sales_pipeline.settings import SalesSettings
from sales_pipeline.sources.config import SourcesConfigError, load_sources_config
from sales_pipeline.sql import render

# Staging order: a source after the ones its rows are resolved against.
STAGING_ORDER = (
    "users",
    "contacts",
    "fx_rates",
    "team_memberships",
    "sales_targets",
    "calls",
    "events",
    "sales_documents",
)
SAMPLE_ROWS = 5
# Files no source reads, listed by name up to this many.
MAX_LISTED = 20
Echo = Callable[[str], None]


@dataclass
class SourceCheck:
    name: str
    layout: str
    files_found: int = 0
    report: IngestionReport | None = None
    counts: dict[str, int] = field(default_factory=dict)
    sample: list[dict[str, object]] = field(default_factory=list)
    rejects: list[tuple[str, int, str]] = field(default_factory=list)
    unknown_identities: list[tuple[str, int]] = field(default_factory=list)


def _rejects(conn: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, int, str]]:
    # Reasons quote the rejected value: group on the rule, show where it first happened.
    return conn.execute(
        f"SELECT regexp_replace(reason, '''[^'']*''', '…', 'g') AS kind, count(*), "
        f"min(file || ':' || line) FROM quarantine.{name} GROUP BY kind ORDER BY 2 DESC, 1"
    ).fetchall()


def check_sources(settings: SalesSettings, only: Sequence[str] = ()) -> list[SourceCheck]:
    """Read and stage every source (or `only` these and the ones they are resolved against)."""
    from sales_pipeline.resources import SalesConfig
    from sales_pipeline.staging.merge import RULES, stage_source

    config = load_sources_config(settings.sources_config)
    wanted = set(only or SOURCES)
    needed = set(wanted)
    for name in wanted:
        needed |= set(RULES[name].lookups)
    sales_config = SalesConfig.from_settings(settings)
    checks = []
    conn = duckdb.connect(config={"memory_limit": settings.duckdb_memory_limit})
    try:
        conn.execute(render("macros.sql", contract=contract))
        conn.execute("CREATE SCHEMA IF NOT EXISTS staging; CREATE SCHEMA IF NOT EXISTS quarantine")
        for name in STAGING_ORDER:
            if name not in needed:
                continue
            entry = config.sources[name]
            source = configured_source(SOURCES[name], entry)
            layout = (
                "contract layout"
                if entry.mapping is None
                else f"{entry.preset or 'mapping'} ({entry.mapping.format})"
            )
            check = SourceCheck(name, f"{layout}, files {entry.files}")
            check.files_found = len(discover(source, settings.landing_dir))
            check.report = ingest_source(
                conn, source, settings.landing_dir, "sources-check", entry.mapping
            )
            stage_source(conn, name, sales_config)
            columns = ", ".join(f'"{c}"' for c in source.columns)
            cursor = conn.execute(
                f"SELECT _file, _line, {columns} FROM {source.raw_table} WHERE _error IS NULL "
                f"ORDER BY _file, _line LIMIT {SAMPLE_ROWS}"
            )
            names = [d[0] for d in cursor.description]
            check.sample = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            for label, table in (
                ("accepted", f"staging.{name}"),
                ("superseded", f"staging.{name}_superseded"),
                ("quarantined", f"quarantine.{name}"),
            ):
                (check.counts[label],) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            check.rejects = _rejects(conn, name)
            check.unknown_identities = conn.execute(
                f"SELECT reason, count(*) FROM quarantine.{name} "
                "WHERE reason LIKE '%unknown rep:%' GROUP BY reason ORDER BY 2 DESC, 1 LIMIT 20"
            ).fetchall()
            # The sources it is resolved against are shown too: a held-back user file is why
            # calls find no rep.
            checks.append(check)
    finally:
        conn.close()
    return checks


def print_checks(checks: list[SourceCheck], echo: Echo = print) -> bool:
    """Print the checks; True when every file could be read."""
    clean = True
    for check in checks:
        report = check.report
        assert report is not None
        echo(f"{check.name}: {check.layout}")
        echo(
            f"  files found: {check.files_found}, read: {len(report.loaded)}, "
            f"held back: {len(report.held_back)}"
        )
        for held in report.held_back:
            clean = False
            echo(f"    HELD BACK {held.name}: {held.reason}")
        echo(
            f"  rows read: {report.rows_read} (left out by the filter: {report.rows_filtered}); "
            f"accepted {check.counts['accepted']}, superseded {check.counts['superseded']}, "
            f"quarantined {check.counts['quarantined']}"
        )
        if check.rejects:
            echo("  rejects by reason:")
            for kind, count, first in check.rejects[:15]:
                echo(f"    {count:>6}  {kind}  (first at {first})")
        if check.unknown_identities:
            echo("  identities that map to nobody:")
            for reason, count in check.unknown_identities:
                echo(f"    {count:>6}  {reason.split('unknown rep: ', 1)[-1]}")
        if check.sample:
            echo("  sample of mapped rows:")
            for row in check.sample:
                where = f"{row.pop('_file')}:{row.pop('_line')}"
                values = ", ".join(f"{k}={'' if v is None else v}" for k, v in row.items())
                echo(f"    {where}  {values}")
        echo("")
    return clean


def run_check(settings: SalesSettings, only: Sequence[str], echo: Echo, error: Echo) -> int:
    unknown = [name for name in only if name not in SOURCES]
    if unknown:
        error(f"error: unknown source(s) {', '.join(unknown)}; sources: {', '.join(SOURCES)}")
        return 2
    if not Path(settings.landing_dir).is_dir():
        error(f"error: landing directory {settings.landing_dir} does not exist")
        return 2
    try:
        checks = check_sources(settings, only)
    except SourcesConfigError as problem:
        error(f"error: {problem}")
        return 2
    clean = print_checks(checks, echo)
    # A glob that misses its files shows here first: they are in the landing area, unread.
    config = load_sources_config(settings.sources_config)
    unread = files_no_source_reads(Path(settings.landing_dir), config, settings.sources_config)
    echo(f"landing files no source reads: {len(unread)}")
    for name in unread[:MAX_LISTED]:
        echo(f"    NOT RECOGNISED {name}")
    if len(unread) > MAX_LISTED:
        echo(f"    ... and {len(unread) - MAX_LISTED} more")
    return 0 if clean else 1
