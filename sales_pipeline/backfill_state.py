"""Whether a backfill has anything to do: what the last complete one built from, kept in the
warehouse (`pipeline.backfill_state`), against the landing area, the settings and the code now.

Nothing changed when, since the last backfill that succeeded:

- every landing file a source reads is in the ledger (`raw.landed_files`) with the size and
  times it was read with, or, when those moved, with the same content (then, and only then, the
  file is hashed); no held-back file went away, and the files no source reads are the same;
- the inputs version is the same (changes.py: every setting, the source configuration, the
  identity map, the code);
- no run changed the warehouse's ledger or staging bookkeeping since (an ingestion launched by
  the sensor or the nightly schedule, a failed backfill: its first step forgets the state);
- the backfill asks for the same periods and reports, and "today" has not moved past the last
  day it built.

Then the backfill launches no run at all. The check reads the warehouse the way the backfill
already does between its runs (`open_warehouse`, waiting while a run holds the file).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from sales_pipeline.partitions import GRAINS
from sales_pipeline.resources import SalesConfig, open_warehouse, transaction
from sales_pipeline.settings import SalesSettings
from sales_pipeline.sql import render


@dataclass
class Unchanged:
    """What the last backfill left, for the summary of one that has nothing to do."""

    completed_at: str
    held_back: list[tuple[str, str, str]] = field(default_factory=list)  # source, file, reason
    not_recognised: list[str] = field(default_factory=list)


def _table_exists(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    (found,) = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found)


def warehouse_version(conn: duckdb.DuckDBPyConnection) -> str:
    conn.execute(render("ingestion/create_ledger.sql"))
    conn.execute(render("staging/state.sql", grains=GRAINS))
    (version,) = conn.execute(render("pipeline/warehouse_version.sql")).fetchone()
    return str(version)


def built_through(data_last_day: date | None, end: date | None, today: date) -> date | None:
    """The last day a backfill builds: the last counted event's, never past --end or today."""
    if data_last_day is None:
        return None
    return min(day for day in (data_last_day, end, today) if day is not None)


def _landing_change(conn: duckdb.DuckDBPyConnection, sales_config: SalesConfig) -> str | None:
    """The first landing file that differs from the ledger, described; None when none does."""
    from sales_pipeline.ingestion.mapped import discover_configured, files_no_source_reads
    from sales_pipeline.sources import sources_config

    ledger = {
        (source, file): (fingerprint, status, file_stat)
        for source, file, fingerprint, status, file_stat in conn.execute(
            "SELECT source, file, fingerprint, status, file_stat FROM raw.landed_files "
            "WHERE status <> 'not_recognised'"
        ).fetchall()
    }
    present = set()
    config = sources_config(sales_config.sources_config)
    for landing_file in discover_configured(config, sales_config.landing_path):
        key = (landing_file.source.name, landing_file.name)
        present.add(key)
        if key not in ledger:
            return f"new file {landing_file.name}"
        fingerprint, _, file_stat = ledger[key]
        # Size and times spare the hash; only a file whose stat moved is read.
        if file_stat != landing_file.stat_key and fingerprint != landing_file.fingerprint:
            return f"changed file {landing_file.name}"
    for (source, file), (_, status, _) in sorted(ledger.items()):
        if status == "held_back" and (source, file) not in present:
            return f"held-back file {file} is gone"
    recorded = sorted(
        file for (file,) in conn.execute(
            "SELECT file FROM raw.landed_files WHERE status = 'not_recognised'"
        ).fetchall()
    )
    read_otherwise = {config.identity_map.file} if config.identity_map else set()
    others = _visible_files(sales_config.landing_path) - {name for _, name in present}
    # By name first: when that agrees, so does the exact comparison (by resolved path), which
    # costs a second walk and a resolve per file.
    if sorted(others - read_otherwise) == recorded:
        return None
    landing = sales_config.landing_path
    if files_no_source_reads(landing, config, sales_config.sources_config) != recorded:
        return "the files no source reads changed"
    return None


def _visible_files(landing_dir: Path) -> set[str]:
    """Every file of the landing area by name relative to it, hidden files and folders aside."""
    names = set()
    for folder, subfolders, files in os.walk(landing_dir):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        relative = Path(folder).relative_to(landing_dir)
        names.update(
            (relative / name).as_posix() for name in files if not name.startswith(".")
        )
    return names


def _state(conn: duckdb.DuckDBPyConnection) -> tuple | None:
    if not _table_exists(conn, "pipeline", "backfill_state"):
        return None
    return conn.execute(
        "SELECT inputs_version, request, warehouse_version, data_last_day, built_through, "
        "strftime(completed_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S UTC') "
        "FROM pipeline.backfill_state"
    ).fetchone()


def what_changed(
    conn: duckdb.DuckDBPyConnection,
    settings: SalesSettings,
    inputs: str,
    request: str,
    end: date | None,
    today: date,
) -> str | Unchanged:
    """What changed since the last complete backfill (the first thing found), or, when nothing
    did, what that backfill left."""
    state = _state(conn)
    if state is None:
        return "no complete backfill recorded in the warehouse"
    recorded_inputs, recorded_request, recorded_warehouse, data_last_day, through, completed = state
    if recorded_inputs != inputs:
        return "settings, source configuration, identity map or code"
    if recorded_request != request:
        return f"this backfill asks for other periods or reports ({request})"
    if built_through(data_last_day, end, today) != through:
        return f"today ({today}) is past the last day built ({through})"
    if warehouse_version(conn) != recorded_warehouse:
        return "a run since the last backfill changed the ledger or staging"
    change = _landing_change(conn, SalesConfig.from_settings(settings))
    if change is not None:
        return change
    if through is not None and not Path(settings.published_warehouse).exists():
        return "the published copy is missing"
    unchanged = Unchanged(completed_at=completed)
    unchanged.held_back = conn.execute(
        "SELECT source, file, reason FROM raw.landed_files WHERE status = 'held_back' "
        "ORDER BY source, file"
    ).fetchall()
    unchanged.not_recognised = [
        file for (file,) in conn.execute(
            "SELECT file FROM raw.landed_files WHERE status = 'not_recognised' ORDER BY file"
        ).fetchall()
    ]
    return unchanged


def check_and_forget(
    settings: SalesSettings, inputs: str, request: str, end: date | None, today: date
) -> str | Unchanged:
    """`what_changed`; when something did, the recorded state is deleted before any run
    starts, so that a backfill that fails leaves none behind."""
    if not settings.warehouse.exists():
        return "no warehouse yet"
    with open_warehouse(str(settings.warehouse)) as conn:
        found = what_changed(conn, settings, inputs, request, end, today)
        if not isinstance(found, Unchanged) and _table_exists(conn, "pipeline", "backfill_state"):
            conn.execute("DELETE FROM pipeline.backfill_state")
    return found


def remember(
    settings: SalesSettings,
    inputs: str,
    request: str,
    data_last_day: date | None,
    through: date | None,
) -> None:
    """Record a backfill that succeeded."""
    with open_warehouse(str(settings.warehouse)) as conn:
        conn.execute(render("pipeline/backfill_state.sql"))
        version = warehouse_version(conn)
        with transaction(conn):
            conn.execute("DELETE FROM pipeline.backfill_state")
            conn.execute(
                "INSERT INTO pipeline.backfill_state VALUES (?, ?, ?, ?, ?, now())",
                [inputs, request, version, data_last_day, through],
            )
