"""Applying the contract to each delivery: validate its rows, merge them into staging.

A delivery is the set of raw files a source has not merged yet. Its rows are validated on their
own (sql/staging/<source>.sql), then merged (sql/staging/merge.sql): only the keys the delivery
touches are recomputed, so a day's files cost a day's work whatever the history. A source is
rebuilt from raw in full when the rules themselves change (code) or when a table its rows are
resolved against changes (a new user, contact, rate or team), because then any row may change.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from sales_pipeline import contract
from sales_pipeline.contract import SOURCES
from sales_pipeline.facts.metrics import METRICS
from sales_pipeline.partitions import GRAINS
from sales_pipeline.resources import SalesConfig, transaction
from sales_pipeline.sources import SourcesConfig, SourcesConfigError, sources_config
from sales_pipeline.sources.models import IDENTITY_SYSTEMS
from sales_pipeline.sql import render


@dataclass(frozen=True)
class StagingRule:
    """How a source's accepted rows are deduplicated and what they are resolved against."""

    keys: tuple[str, ...]
    # Latest wins: compared in turn, all descending.
    order: tuple[str, ...]
    # Staged tables the validation looks rows up in.
    lookups: tuple[str, ...] = ()
    # Whether its winners are counted events (feed staging.activities).
    counted: bool = False


SNAPSHOT_ORDER = ("_line",)
DAILY_ORDER = ("_file_date", "_file", "_line")

RULES: dict[str, StagingRule] = {
    "users": StagingRule(("user_id",), SNAPSHOT_ORDER),
    "contacts": StagingRule(("contact_id",), SNAPSHOT_ORDER),
    "fx_rates": StagingRule(("rate_date", "currency"), SNAPSHOT_ORDER),
    "team_memberships": StagingRule(("membership_id",), SNAPSHOT_ORDER, ("users",)),
    "sales_targets": StagingRule(("target_id",), SNAPSHOT_ORDER, ("users",)),
    "calls": StagingRule(("sid",), DAILY_ORDER, ("users", "contacts"), counted=True),
    "events": StagingRule(
        ("event_id",), ("last_modified_at", *DAILY_ORDER), ("users", "contacts"), counted=True
    ),
    "sales_documents": StagingRule(
        ("document_no",), ("changed_at", *DAILY_ORDER), ("users", "fx_rates"), counted=True
    ),
}
ACTIVITY_LOOKUPS = ("users", "team_memberships")


@dataclass(frozen=True)
class FileReconciliation:
    file: str
    rows_read: int
    accepted: int
    superseded: int
    quarantined: int

    @property
    def balances(self) -> bool:
        return self.rows_read == self.accepted + self.superseded + self.quarantined


@dataclass(frozen=True)
class MergeResult:
    full: bool
    files: list[str]
    reconciliation: list[FileReconciliation]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _lookups_hash(conn: duckdb.DuckDBPyConnection, lookups: tuple[str, ...]) -> str:
    """A content hash of the (small) lookup tables: a new export with equal content is no change."""
    parts = []
    for table in lookups:
        (part,) = conn.execute(
            f"SELECT count(*) || ':' || coalesce(bit_xor(hash(t::VARCHAR)), 0) FROM staging.{table} t"
        ).fetchone()
        parts.append(part)
    return _digest(*parts)


def _table_exists(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _record_state(
    conn: duckdb.DuckDBPyConnection, source: str, rules_hash: str, lookups_hash: str
) -> None:
    conn.execute("DELETE FROM pipeline.merge_state WHERE source = ?", [source])
    conn.execute(
        "INSERT INTO pipeline.merge_state VALUES (?, ?, ?)", [source, rules_hash, lookups_hash]
    )


def stage_source(
    conn: duckdb.DuckDBPyConnection, name: str, sales_config: SalesConfig
) -> MergeResult:
    """Merge the files of raw.<name> not yet staged into staging/quarantine, atomically."""
    rule = RULES[name]
    source = SOURCES[name]
    config = sources_config(sales_config.sources_config)
    mapping = config.sources[name].mapping
    # A source that names its reps in its own terms (an extension, a phone-system user) is
    # resolved through the identity map before the contract's rules (sql/staging/identities.sql).
    identity_system = (
        mapping.rep_identity.system if mapping is not None and mapping.rep_identity else None
    )
    validate_sql = render(
        f"staging/{name}.sql",
        columns=source.columns,
        contract=contract,
        timezone=sales_config.timezone,
        reporting_currency=sales_config.reporting_currency,
        history_start=date.fromisoformat(sales_config.history_start),
        metric_names=[metric.name for metric in METRICS],
        rep_identity_system=identity_system,
        credit_split=mapping is not None and mapping.split is not None,
    )
    identities_sql = (
        identities_query(config, sales_config.landing_path) if identity_system else None
    )

    def merge_sql(full: bool) -> str:
        return render(
            "staging/merge.sql",
            name=name,
            keys=rule.keys,
            order=rule.order,
            columns=source.columns,
            raw_table=source.raw_table,
            full=full,
        )

    def work() -> MergeResult:
        conn.execute(render("staging/state.sql", grains=GRAINS))
        rules_hash = _digest(validate_sql, merge_sql(False), merge_sql(True))
        lookups_hash = _lookups_hash(conn, rule.lookups)
        if identities_sql is not None:
            conn.execute(identities_sql)
            (identities,) = conn.execute(
                "SELECT count(*) || ':' || coalesce(bit_xor(hash(t::VARCHAR)), 0) "
                "FROM rep_identities t"
            ).fetchone()
            lookups_hash = _digest(lookups_hash, identities)
        state = conn.execute(
            "SELECT rules_hash, lookups_hash FROM pipeline.merge_state WHERE source = ?", [name]
        ).fetchone()
        full = (
            state != (rules_hash, lookups_hash)
            or not _table_exists(conn, "staging", name)
            # Snapshots are small and replaced whole: rebuilding is simpler than merging.
            or not source.daily
        )
        if full:
            conn.execute("DELETE FROM pipeline.merged_files WHERE source = ?", [name])
        # In full, every file with rows in raw: one held back since it landed keeps the rows of
        # the version that landed.
        delivery_query = (
            f"SELECT DISTINCT _file FROM {source.raw_table} UNION SELECT file FROM raw.landed_files "
            "WHERE source = $source AND status = 'loaded' ORDER BY 1"
            if full
            else """
                SELECT landed.file FROM raw.landed_files AS landed
                LEFT JOIN pipeline.merged_files AS merged
                    ON merged.source = landed.source AND merged.file = landed.file
                WHERE landed.source = $source AND landed.status = 'loaded'
                  AND merged.fingerprint IS DISTINCT FROM landed.fingerprint
                ORDER BY landed.file
                """
        )
        files = [file for (file,) in conn.execute(delivery_query, {"source": name}).fetchall()]
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE delivery_files AS "
            "SELECT unnest(?::VARCHAR[]) AS file",
            [files],
        )
        conn.execute(validate_sql)
        conn.execute(merge_sql(full))
        conn.execute(
            "DELETE FROM pipeline.merged_files "
            "WHERE source = ? AND file IN (SELECT file FROM delivery_files)",
            [name],
        )
        conn.execute(
            "INSERT INTO pipeline.merged_files SELECT source, file, fingerprint "
            "FROM raw.landed_files WHERE source = ? AND file IN (SELECT file FROM delivery_files)",
            [name],
        )
        _record_state(conn, name, rules_hash, lookups_hash)
        if rule.counted:
            if full:
                conn.execute("INSERT INTO pipeline.activity_changes VALUES (?, '*')", [name])
            else:
                conn.execute(
                    f"INSERT INTO pipeline.activity_changes SELECT ?, {rule.keys[0]} "
                    "FROM affected_keys",
                    [name],
                )
        reconciliation = [
            FileReconciliation(*row)
            for row in conn.execute(
                render("staging/reconciliation.sql", name=name, raw_table=source.raw_table,
                       full=full)
            ).fetchall()
        ]
        return MergeResult(full=full, files=files, reconciliation=reconciliation)

    with transaction(conn):
        return work()


def identities_query(config: SourcesConfig, landing_dir: Path) -> str:
    """SQL that builds the temporary table rep_identities (system, identifier, user_id)."""
    map_path: Path | None = None
    map_columns: list[str] = []
    if config.identity_map is not None:
        map_path = landing_dir / config.identity_map.file
        map_columns = identity_map_columns(map_path)
    return render(
        "staging/identities.sql",
        map_path=str(map_path) if map_path else None,
        map_columns=map_columns,
    )


def identity_map_columns(path: Path) -> list[str]:
    """The identifier columns of an identity map file, checked against the known systems."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            header = [name.strip() for name in next(csv.reader(file), [])]
    except OSError as error:
        raise SourcesConfigError(f"identity map {path}: cannot be read: {error}") from error
    unknown = [name for name in header if name not in IDENTITY_SYSTEMS]
    if unknown or not header:
        raise SourcesConfigError(
            f"identity map {path}, line 1: unknown column(s) {', '.join(unknown) or '(none)'}; "
            f"its columns are any of {', '.join(IDENTITY_SYSTEMS)}"
        )
    if not {"crm_user_id", "email", "employee_number"} & set(header):
        raise SourcesConfigError(
            f"identity map {path}, line 1: needs crm_user_id, email or employee_number to know "
            "whose identifiers a row lists"
        )
    return header


@dataclass(frozen=True)
class ActivitiesResult:
    full: bool
    changed_events: int
    # Per grain: the periods whose counted events changed, with their new content version.
    changed_periods: dict[str, dict[date, str]]


def build_activities(conn: duckdb.DuckDBPyConnection, run_id: str) -> ActivitiesResult:
    """Bring staging.activities up to date with the sources' changes since its last build.

    Records, per grain, the periods whose counted events changed and their new content version
    (pipeline.period_versions, pipeline.touched_periods): the facts of exactly those periods are
    out of date until they are rebuilt.
    """

    def work() -> ActivitiesResult:
        conn.execute(render("staging/state.sql", grains=GRAINS))
        rules_hash = _digest(render("staging/activities.sql", changed_only=False))
        lookups_hash = _lookups_hash(conn, ACTIVITY_LOOKUPS)
        state = conn.execute(
            "SELECT rules_hash, lookups_hash FROM pipeline.merge_state WHERE source = 'activities'"
        ).fetchone()
        (rebuild_all,) = conn.execute(
            "SELECT count(*) > 0 FROM pipeline.activity_changes WHERE key = '*'"
        ).fetchone()
        full = bool(
            rebuild_all
            or state != (rules_hash, lookups_hash)
            or not _table_exists(conn, "staging", "activities")
        )
        (changed,) = conn.execute("SELECT count(*) FROM pipeline.activity_changes").fetchone()
        conn.execute("CREATE OR REPLACE TEMP TABLE touched_days (day DATE)")
        if full:
            conn.execute(render("staging/activities.sql", changed_only=False))
            conn.execute(
                "INSERT INTO touched_days SELECT DISTINCT activity_date FROM staging.activities "
                "UNION SELECT day FROM pipeline.day_versions"
            )
        else:
            conn.execute(
                """
                CREATE OR REPLACE TEMP TABLE changed_activity_ids AS
                SELECT DISTINCT CASE source WHEN 'calls' THEN 'call:' WHEN 'events' THEN 'event:'
                       ELSE 'document:' END || key AS activity_id
                FROM pipeline.activity_changes
                """
            )
            conn.execute(
                "INSERT INTO touched_days SELECT DISTINCT activity_date FROM staging.activities "
                "WHERE activity_id IN (SELECT activity_id FROM changed_activity_ids)"
            )
            conn.execute(
                "DELETE FROM staging.activities "
                "WHERE activity_id IN (SELECT activity_id FROM changed_activity_ids)"
            )
            conn.execute(render("staging/activities.sql", changed_only=True))
            conn.execute(
                "INSERT INTO touched_days SELECT DISTINCT activity_date FROM staging.activities "
                "WHERE activity_id IN (SELECT activity_id FROM changed_activity_ids)"
            )
        conn.execute(render("staging/period_versions.sql", grains=GRAINS))
        changed_periods: dict[str, dict[date, str]] = {grain.name: {} for grain in GRAINS}
        for grain, period_start, version in conn.execute(
            "SELECT grain, period_start, version FROM changed_periods ORDER BY ALL"
        ).fetchall():
            changed_periods[grain][period_start] = version
        conn.execute(
            "INSERT INTO pipeline.touched_periods "
            "SELECT ?, grain, period_start, now() FROM changed_periods",
            [run_id],
        )
        conn.execute("DELETE FROM pipeline.activity_changes")
        _record_state(conn, "activities", rules_hash, lookups_hash)
        return ActivitiesResult(full=full, changed_events=changed, changed_periods=changed_periods)

    with transaction(conn):
        return work()
