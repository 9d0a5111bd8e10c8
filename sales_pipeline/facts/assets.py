"""Fact marts: activity metrics per rep, team and department at four grains.

All sixteen tables come from one definition of the metrics (`facts/metrics.py`) and one SQL
template; a table is a Dagster asset partitioned by its grain, built in its grain's step
(grain_step.py), and materializing a range of partitions rebuilds exactly those periods in one
transaction.
"""


from collections.abc import Callable
from datetime import date
from typing import Any

import dagster as dg
import duckdb

from sales_pipeline.facts.levels import LEVELS, Level, fact_table
from sales_pipeline.facts.metrics import METRICS, METRICS_BY_NAME
from sales_pipeline.grain_step import Results, TablePart, grain_step
from sales_pipeline.marts_catalog import OWNER, TABLES_BY_NAME, asset_metadata, document
from sales_pipeline.metadata import markdown_table
from sales_pipeline.partitions import GRAINS, Grain
from sales_pipeline.resources import build_periods
from sales_pipeline.settings import SalesSettings
from sales_pipeline.sql import render
from sales_pipeline.staging.assets import activity_versions_key

ADDITIVE_COUNTS = tuple(
    metric.name for metric in METRICS if metric.additive and metric.sql_type == "BIGINT"
)


# Counted events per run of periods a fact step builds at once (resources.build_periods): a
# backfill of a year of 1000 reps reports its progress about ten times, a small one once.
FACT_ROWS_PER_RUN = 1_000_000


def build_fact_periods(
    conn: Any,
    level: Level,
    grain: Grain,
    start: date,
    end: date,
    *,
    report: Callable[[str], None] | None = None,
    rows_per_run: int = FACT_ROWS_PER_RUN,
) -> None:
    """Rebuild the fact table of `level` and `grain` for the periods starting in [start, end)."""
    table = f"marts.{fact_table(level, grain)}"
    conn.execute(render("facts/create_table.sql", table=table, keys=level.keys, metrics=METRICS))
    (rows,) = conn.execute(
        "SELECT count(*) FROM staging.activities WHERE activity_date >= ? AND activity_date < ?",
        [start, end],
    ).fetchone()
    build_periods(
        conn, grain, start, end,
        lambda run_start, run_end: conn.execute(render(
            "facts/build_periods.sql", table=table, unit=grain.unit, keys=level.keys,
            metrics=METRICS, start=run_start, end=run_end,
        )),
        what=table, rows=rows, rows_per_run=rows_per_run, report=report,
    )


def fact_table_part(level: Level, grain: Grain) -> TablePart:
    table = fact_table(level, grain)
    key = dg.AssetKey(["marts", table])
    qualified = f"marts.{table}"
    documented = TABLES_BY_NAME[table]
    spec = dg.AssetSpec(
        key,
        deps=[dg.AssetKey(["staging", "activities"]), activity_versions_key(grain)],
        group_name=f"facts_{grain.name}",
        kinds={"duckdb"},
        owners=[OWNER],
        tags={"grain": grain.name, "level": level.name},
        description=documented.description,
        metadata={
            **asset_metadata(documented),
            "metrics": dg.MetadataValue.json({m.name: m.description for m in METRICS}),
        },
    )
    checks = [
        dg.AssetCheckSpec(
            "keys_unique_and_present",
            asset=key,
            description=f"No two rows share (period_start, {', '.join(level.unique_key)}), "
            "and no key is null.",
        ),
        dg.AssetCheckSpec(
            "reconciles_with_staging",
            asset=key,
            description="Additive counts summed over the table equal the counted events in "
            "staging.activities for the same periods.",
        ),
    ]

    def build(
        context: dg.AssetExecutionContext, conn: duckdb.DuckDBPyConnection, start: date, end: date
    ) -> Results:
        # build_fact_periods creates the table when it is new; its comments follow.
        build_fact_periods(conn, level, grain, start, end, report=context.log.info)
        document(conn, [documented])
        rows, periods, duplicates, null_keys = _shape(conn, qualified, level, start, end)
        mismatches = _reconcile(conn, qualified, start, end)
        preview = conn.execute(
            f"SELECT * FROM {qualified} WHERE period_start >= ? AND period_start < ? "
            "ORDER BY period_start DESC, sales_volume DESC LIMIT 10",
            [start, end],
        )
        preview_header = [column[0] for column in preview.description]
        preview_rows = preview.fetchall()

        context.log.info(f"{qualified}: {rows} rows over {periods} period(s) in [{start}, {end})")
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "rows_in_partitions": dg.MetadataValue.int(rows),
                "periods_with_activity": dg.MetadataValue.int(periods),
                "window": dg.MetadataValue.text(f"{start} .. {end}"),
                "preview": markdown_table(preview_header, preview_rows),
            },
        )
        yield dg.AssetCheckResult(
            check_name="keys_unique_and_present",
            asset_key=key,
            passed=duplicates == 0 and null_keys == 0,
            metadata={
                "duplicate_keys": dg.MetadataValue.int(duplicates),
                "null_keys": dg.MetadataValue.int(null_keys),
            },
        )
        yield dg.AssetCheckResult(
            check_name="reconciles_with_staging",
            asset_key=key,
            passed=not mismatches,
            metadata={"mismatches": dg.MetadataValue.json(mismatches)},
        )

    return TablePart(spec, checks, build)


def _shape(conn, table: str, level: Level, start: date, end: date) -> tuple[int, int, int, int]:
    keys = ", ".join(("period_start", *level.unique_key))
    null_test = " OR ".join(f"{k} IS NULL" for k in ("period_start", *level.keys))
    return conn.execute(
        f"""
        SELECT count(*), count(DISTINCT period_start),
               count(*) - (SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {table}
                           WHERE period_start >= $start AND period_start < $end)),
               count(*) FILTER (WHERE {null_test})
        FROM {table} WHERE period_start >= $start AND period_start < $end
        """,
        {"start": start, "end": end},
    ).fetchone()


def _reconcile(conn, table: str, start: date, end: date) -> list[dict[str, object]]:
    sums = ", ".join(f"sum({name})" for name in ADDITIVE_COUNTS)
    expected = ", ".join(METRICS_BY_NAME[name].sql for name in ADDITIVE_COUNTS)
    params = {"start": start, "end": end}
    actual_row = conn.execute(
        f"SELECT {sums} FROM {table} WHERE period_start >= $start AND period_start < $end", params
    ).fetchone()
    expected_row = conn.execute(
        f"SELECT {expected} FROM staging.activities "
        "WHERE activity_date >= $start AND activity_date < $end",
        params,
    ).fetchone()
    return [
        {"metric": name, "table": int(actual or 0), "staging": int(wanted or 0)}
        for name, actual, wanted in zip(ADDITIVE_COUNTS, actual_row, expected_row, strict=True)
        if int(actual or 0) != int(wanted or 0)
    ]


def fact_table_parts(grain: Grain) -> list[TablePart]:
    return [fact_table_part(level, grain) for level in LEVELS]


def build_fact_assets(settings: SalesSettings) -> list[dg.AssetsDefinition]:
    """The fact tables alone, one step per grain (the full code location builds each grain's
    facts and analysis in one step: definitions.py)."""
    return [grain_step(f"{grain.name}_facts", grain, settings, fact_table_parts(grain))
            for grain in GRAINS]
