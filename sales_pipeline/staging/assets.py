"""Staging layer: the contract applied once per source (the work itself is in merge.py).

Each source is one multi-asset writing three tables in one transaction: `staging.<source>`
(clean, typed, deduplicated rows), `staging.<source>_superseded` (accepted rows a later delivery
replaced) and `quarantine.<source>` (every rejected row with file, line and reason).
`staging.activities` then joins the counted events to reps, days and teams.
"""


from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from sales_pipeline import contract
from sales_pipeline.contract import SOURCES
from sales_pipeline.dagster_internals import DATA_VERSION_TAG
from sales_pipeline.history import record_history_start
from sales_pipeline.metadata import markdown_table
from sales_pipeline.partitions import GRAINS, KEY_FORMAT, Grain, partitions_for
from sales_pipeline.resources import WAREHOUSE_POOL, SalesConfig, Warehouse
from sales_pipeline.settings import SalesSettings
from sales_pipeline.staging.merge import RULES, build_activities, stage_source
from sales_pipeline.validation.checks import STAGED_ROWS_CONFORM, staging_rows_check
from sales_pipeline.validation.suites import STAGING_SPECS
from sales_pipeline.warehouse_columns import schema_metadata

RECONCILES = "reconciles_per_file"
TOUCHED_PERIODS = "touched_periods"
# A delivery is blocked for its share of rejected rows only once this many rows are rejected, so
# that two bad rows in a small day's file do not stop the facts (they are quarantined all the same).
MIN_REJECTED_ROWS_TO_BLOCK = 10
REJECTED_SHARE = "rejected_share_within_threshold"

def latest_delivery_files(conn: duckdb.DuckDBPyConnection, sources: list[str]) -> list[str]:
    """Files of each source's latest ingestion that loaded any: the newest delivery."""
    return [
        file
        for (file,) in conn.execute(
            """
            SELECT file FROM raw.landed_files AS landed
            WHERE source IN (SELECT unnest($sources::VARCHAR[])) AND status = 'loaded'
              AND ingestion_id = (
                SELECT arg_max(ingestion_id, ingested_at) FROM raw.landed_files AS latest
                WHERE latest.source = landed.source AND latest.status = 'loaded'
              )
            ORDER BY file
            """,
            {"sources": sources},
        ).fetchall()
    ]


def _rejected_per_file(
    conn: duckdb.DuckDBPyConnection, name: str, files: list[str]
) -> list[tuple[str, int, int]]:
    """(file, rows read, rows rejected) for `files`, most rejected first. Rows read are the
    ingestion's own count: counting raw again would scan the whole history for one day's file."""
    return conn.execute(
        f"""
        SELECT f.file,
               coalesce(landed.rows_read, 0),
               -- Rows older than the configured history are no sign of a bad delivery.
               (SELECT count(*) FROM quarantine.{name} q
                WHERE q.file = f.file AND NOT starts_with(q.reason, $history_reason)) AS rejected
        FROM (SELECT unnest($files::VARCHAR[]) AS file) AS f
        LEFT JOIN raw.landed_files AS landed
            ON landed.source = $source AND landed.file = f.file AND landed.status = 'loaded'
        ORDER BY rejected DESC, f.file
        """,
        {"files": files, "source": name, "history_reason": contract.HISTORY_REASON},
    ).fetchall()


def _top_reasons(conn: duckdb.DuckDBPyConnection, name: str) -> dg.MetadataValue:
    rows = conn.execute(
        f"SELECT regexp_replace(reason, '''[^'']*''', '…', 'g') AS kind, count(*) AS n, "
        f"min(file || ':' || line) AS first_seen FROM quarantine.{name} "
        "GROUP BY kind ORDER BY n DESC LIMIT 15"
    ).fetchall()
    return markdown_table(["reason", "rows", "first at"], rows)


def _unknown_reps(conn: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, int, str]]:
    """Activity that maps to nobody, per identifier: never counted, never given to someone else."""
    return conn.execute(
        f"SELECT regexp_extract(reason, 'unknown rep: ([^;]*)', 1) AS identity, count(*) AS n, "
        f"min(file || ':' || line) AS first_seen FROM quarantine.{name} "
        "WHERE reason LIKE '%unknown rep: %' GROUP BY identity ORDER BY n DESC, identity LIMIT 50"
    ).fetchall()


def build_staging_asset(name: str) -> dg.AssetsDefinition:
    staging_key = dg.AssetKey(["staging", name])
    superseded_key = dg.AssetKey(["staging", f"{name}_superseded"])
    quarantine_key = dg.AssetKey(["quarantine", name])
    deps = [dg.AssetKey(["raw", name])] + [
        dg.AssetKey(["staging", upstream]) for upstream in RULES[name].lookups
    ]

    @dg.multi_asset(
        name=f"stage_{name}",
        specs=[
            dg.AssetSpec(
                staging_key,
                deps=deps,
                group_name="staging",
                kinds={"duckdb"},
                description=f"raw.{name} with the contract applied: typed, validated, "
                "deduplicated, identities resolved.",
            ),
            dg.AssetSpec(
                superseded_key,
                deps=deps,
                group_name="staging",
                kinds={"duckdb"},
                description=f"Accepted rows of raw.{name} that a later or newer row of the same "
                "key replaced: kept so that every delivered row is accounted for.",
            ),
            dg.AssetSpec(
                quarantine_key,
                deps=deps,
                group_name="quarantine",
                kinds={"duckdb"},
                description=f"Every rejected row of raw.{name} with file, line and reason.",
            ),
        ],
        check_specs=[
            *(
                [
                    dg.AssetCheckSpec(
                        STAGED_ROWS_CONFORM,
                        asset=staging_key,
                        description="Great Expectations suite of the staging table over the "
                        "rows of the latest delivery (one batch per group of files).",
                    )
                ]
                if f"staging.{name}" in STAGING_SPECS
                else []
            ),
            dg.AssetCheckSpec(
                RECONCILES,
                asset=staging_key,
                description="For every file: rows read = accepted + superseded duplicates "
                "+ quarantined.",
            ),
            dg.AssetCheckSpec(
                REJECTED_SHARE,
                asset=staging_key,
                blocking=True,
                description="The share of rejected rows in the latest delivery stays within "
                "SALES_MAX_REJECTED_SHARE (ignored below "
                f"{MIN_REJECTED_ROWS_TO_BLOCK} rejected rows); above it, nothing downstream "
                "is built.",
            ),
        ],
        pool=WAREHOUSE_POOL,
    )
    def stage(context: dg.AssetExecutionContext, warehouse: Warehouse, sales_config: SalesConfig):
        with warehouse.connect() as conn:
            merge = stage_source(conn, name, sales_config)
            # The staged rows now rest on this history start: later loads keep it (history.py).
            record_history_start(
                Path(warehouse.database), date.fromisoformat(sales_config.history_start)
            )
            reconciliation = merge.reconciliation
            (staged,) = conn.execute(f"SELECT count(*) FROM staging.{name}").fetchone()
            (superseded,) = conn.execute(
                f"SELECT count(*) FROM staging.{name}_superseded"
            ).fetchone()
            (quarantined,) = conn.execute(f"SELECT count(*) FROM quarantine.{name}").fetchone()
            delivery = latest_delivery_files(conn, [name])
            examples = conn.execute(
                f"SELECT file, line, reason FROM quarantine.{name} "
                "WHERE file IN (SELECT unnest(?::VARCHAR[])) ORDER BY file, line LIMIT 100",
                [delivery],
            ).fetchall()
            per_file = _rejected_per_file(conn, name, delivery)
            top_reasons = _top_reasons(conn, name)
            unknown_reps = _unknown_reps(conn, name)
            schemas = {
                key: schema_metadata(conn, *key.path)
                for key in (staging_key, superseded_key, quarantine_key)
            }
            staged_rows_check = (
                staging_rows_check(conn, f"staging.{name}", delivery)
                if f"staging.{name}" in STAGING_SPECS
                else None
            )
        read = sum(r[1] for r in per_file)
        rejected = sum(r[2] for r in per_file)
        # One log entry, not one per row: each entry is an event written to the instance.
        if examples:
            listed = "\n".join(f"{file}, line {line}: {reason}" for file, line, reason in examples)
            more = rejected - len(examples)
            context.log.warning(
                f"{rejected} row(s) of the latest delivery quarantined in quarantine.{name}:\n"
                + listed + (f"\n... and {more} more" if more > 0 else "")
            )

        context.log.info(
            f"staging.{name}: merged {len(merge.files)} file(s)"
            + (" (full rebuild: rules or lookups changed)" if merge.full else "")
        )
        totals = {
            "files_merged": len(merge.files),
            "rows_read": sum(r.rows_read for r in reconciliation),
            "accepted": sum(r.accepted for r in reconciliation),
            "superseded": sum(r.superseded for r in reconciliation),
            "quarantined": sum(r.quarantined for r in reconciliation),
        }
        unbalanced = [r for r in reconciliation if not r.balances]
        notable = [r for r in reconciliation if r.quarantined or r.superseded or not r.balances]
        yield dg.MaterializeResult(
            asset_key=staging_key,
            metadata={
                **schemas[staging_key],
                "dagster/row_count": dg.MetadataValue.int(staged),
                **{key: dg.MetadataValue.int(value) for key, value in totals.items()},
                "full_rebuild": dg.MetadataValue.bool(merge.full),
                "files": dg.MetadataValue.int(len(reconciliation)),
                "reconciliation": markdown_table(
                    ["file", "read", "accepted", "superseded", "quarantined"],
                    ((r.file, r.rows_read, r.accepted, r.superseded, r.quarantined) for r in notable),
                ),
            },
        )
        yield dg.MaterializeResult(
            asset_key=superseded_key,
            metadata={
                **schemas[superseded_key],
                "dagster/row_count": dg.MetadataValue.int(superseded),
            },
        )
        yield dg.MaterializeResult(
            asset_key=quarantine_key,
            metadata={
                **schemas[quarantine_key],
                "dagster/row_count": dg.MetadataValue.int(quarantined),
                "reasons": top_reasons,
                "unknown_reps": markdown_table(["identity", "rows", "first at"], unknown_reps),
            },
        )
        yield dg.AssetCheckResult(
            check_name=RECONCILES,
            asset_key=staging_key,
            passed=not unbalanced,
            metadata={
                "files": dg.MetadataValue.int(len(reconciliation)),
                "unbalanced": dg.MetadataValue.json([r.__dict__ for r in unbalanced[:50]]),
            },
        )
        share = rejected / read if read else 0.0
        yield dg.AssetCheckResult(
            check_name=REJECTED_SHARE,
            asset_key=staging_key,
            passed=share <= sales_config.max_rejected_share or rejected < MIN_REJECTED_ROWS_TO_BLOCK,
            description=f"{rejected} of {read} row(s) rejected in the latest delivery "
            f"({share:.2%}; threshold {sales_config.max_rejected_share:.2%})",
            metadata={
                "share": dg.MetadataValue.float(share),
                "threshold": dg.MetadataValue.float(sales_config.max_rejected_share),
                "worst_files": dg.MetadataValue.json(
                    [{"file": f, "read": n, "rejected": r} for f, n, r in per_file[:10]]
                ),
                "rejected_rows": dg.MetadataValue.json(
                    [{"file": f, "line": line, "reason": reason} for f, line, reason in examples]
                ),
            },
        )
        if staged_rows_check is not None:
            yield staged_rows_check

    return stage


@dg.asset(
    key=["staging", "activities"],
    deps=[
        dg.AssetKey(["staging", name])
        for name in ("calls", "events", "sales_documents", "users", "team_memberships")
    ],
    group_name="staging",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    description="One row per counted event (outbound call, Visit/Meeting, non-cancelled "
    "document) with rep, local day, team and department as of that day.",
    check_specs=[
        dg.AssetCheckSpec(
            "activity_ids_unique",
            asset=dg.AssetKey(["staging", "activities"]),
            description="Each counted event appears once per rep (a split document once per "
            "member of its sales team), with a rep, a day and a team.",
        ),
        dg.AssetCheckSpec(
            STAGED_ROWS_CONFORM,
            asset=dg.AssetKey(["staging", "activities"]),
            description="Great Expectations suite of staging.activities over the counted events "
            "of the latest delivery.",
        ),
    ],
)
def staging_activities(
    context: dg.AssetExecutionContext, warehouse: Warehouse, sales_config: SalesConfig
):
    with warehouse.connect() as conn:
        result = build_activities(conn, context.run_id)
        # A merge rewrites only the changed events, so only they can break the check: checking
        # them keeps a day's run from counting distinct ids over the whole history.
        checked = "" if result.full else (
            "WHERE activity_id IN (SELECT activity_id FROM changed_activity_ids)"
        )
        checked_rows, duplicates, missing = conn.execute(
            "SELECT count(*), count(*) - count(DISTINCT (activity_id, rep_id)), "
            "count(*) FILTER (WHERE rep_id IS NULL OR activity_date IS NULL OR team IS NULL) "
            f"FROM staging.activities {checked}"
        ).fetchone()
        by_activity = conn.execute(
            "SELECT activity, count(*), min(activity_date)::VARCHAR, max(activity_date)::VARCHAR "
            "FROM staging.activities GROUP BY activity ORDER BY activity"
        ).fetchall()
        rows = sum(count for _, count, _, _ in by_activity)
        first_day = min((first for _, _, first, _ in by_activity), default=None)
        last_day = max((last for _, _, _, last in by_activity), default=None)
        delivery = latest_delivery_files(conn, ["calls", "events", "sales_documents"])
        staged_rows_check = staging_rows_check(conn, "staging.activities", delivery)
        schema = schema_metadata(conn, "staging", "activities")
    context.log.info(
        f"staging.activities: {rows} counted events; "
        + ("rebuilt in full" if result.full else f"{result.changed_events} changed")
    )
    history_start = date.fromisoformat(sales_config.history_start)
    for grain in GRAINS:
        first_period = grain.period_start(history_start)
        for period_start, version in result.changed_periods[grain.name].items():
            if period_start >= first_period:
                context.log_event(
                    dg.AssetObservation(
                        asset_key=activity_versions_key(grain),
                        partition=period_start.strftime(KEY_FORMAT),
                        tags={DATA_VERSION_TAG: version},
                    )
                )
    yield dg.MaterializeResult(
        # Changes are versioned per period (pipeline/activity_versions_<grain>), so that Dagster
        # marks exactly the fact partitions they touch as stale, not every partition.
        data_version=dg.DataVersion("versioned-per-period"),
        metadata={
            **schema,
            "dagster/row_count": dg.MetadataValue.int(rows),
            "full_rebuild": dg.MetadataValue.bool(result.full),
            "changed_events": dg.MetadataValue.int(result.changed_events),
            # Read by the backfill command, which must not open the warehouse between steps.
            "first_day": dg.MetadataValue.text(first_day or ""),
            "last_day": dg.MetadataValue.text(last_day or ""),
            TOUCHED_PERIODS: dg.MetadataValue.json(
                {
                    grain: [day.isoformat() for day in periods]
                    for grain, periods in result.changed_periods.items()
                }
            ),
            "by_activity": markdown_table(["activity", "rows", "first day", "last day"], by_activity),
        }
    )
    yield dg.AssetCheckResult(
        check_name="activity_ids_unique",
        passed=duplicates == 0 and missing == 0,
        metadata={
            "rows_checked": dg.MetadataValue.int(checked_rows),
            "scope": dg.MetadataValue.text("every row" if result.full else "changed events"),
            "duplicates": dg.MetadataValue.int(duplicates),
            "rows_missing_keys": dg.MetadataValue.int(missing),
        },
    )
    yield staged_rows_check


def activity_versions_key(grain: Grain) -> dg.AssetKey:
    return dg.AssetKey(["pipeline", f"activity_versions_{grain.name}"])


def build_activity_versions_asset(grain: Grain, settings: SalesSettings) -> dg.SourceAsset:
    """Per-period content versions of staging.activities, the upstream of the grain's facts.

    staging.activities reports a version for every period it changes, as an observation of this
    asset; observing it by hand reads the same versions back from the warehouse.
    """
    partitions_def = partitions_for(grain, settings.history_start, settings.timezone)
    first_period = grain.period_start(settings.history_start)

    @dg.observable_source_asset(
        key=activity_versions_key(grain),
        partitions_def=partitions_def,
        group_name="pipeline",
        required_resource_keys={"warehouse"},
        op_tags={"dagster/concurrency_key": WAREHOUSE_POOL},
        description=f"Content version of each {grain.unit}'s counted events (view "
        f"pipeline.activity_versions_{grain.name}): a new version marks that period's facts stale.",
    )
    def activity_versions(context) -> dg.DataVersionsByPartition:
        with context.resources.warehouse.connect() as conn:
            rows = conn.execute(
                "SELECT period_start, version FROM pipeline.period_versions "
                "WHERE grain = ? AND period_start >= ?",
                [grain.name, first_period],
            ).fetchall()
        return dg.DataVersionsByPartition(
            {period.strftime(KEY_FORMAT): version for period, version in rows}
        )

    return activity_versions


def build_staging_assets(settings: SalesSettings) -> list[dg.AssetsDefinition | dg.SourceAsset]:
    return [
        *(build_staging_asset(name) for name in SOURCES),
        staging_activities,
        *(build_activity_versions_asset(grain, settings) for grain in GRAINS),
    ]
