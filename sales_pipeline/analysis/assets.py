"""Analysis marts as Dagster assets: targets, variance, trends and drivers at every grain.

Each table is one asset per grain, partitioned like the facts and tagged with the grain, so it runs
in the grain's job and schedule, in the grain's step (grain_step.py) right after the facts it
reads. Materializing a range of
partitions rebuilds exactly those periods (DELETE the window, INSERT it again) in one transaction,
with one set-wise SQL statement over the whole range (`sql/analysis/<table>.sql`).

The modules `targets`, `variance`, `trends` and `drivers` say what each table's checks and key
tables are (the `Analysis` protocol below); this module turns them into assets. Decisions are
documented in docs/analysis.md.
"""

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol

import dagster as dg
import duckdb

from sales_pipeline.analysis import drivers, targets, trends, variance
from sales_pipeline.facts.levels import LEVELS, REP, fact_table
from sales_pipeline.facts.metrics import METRICS
from sales_pipeline.grain_step import Results, TablePart, grain_step
from sales_pipeline.marts_catalog import (
    OWNER,
    TABLES_BY_NAME,
    analysis_tables,
    asset_metadata,
    create_scorecard_view,
    document,
    scorecard_view,
)
from sales_pipeline.metadata import markdown_table
from sales_pipeline.partitions import GRAINS, Grain
from sales_pipeline.resources import AnalysisConfig, build_periods
from sales_pipeline.settings import SalesSettings
from sales_pipeline.sql import render


class Analysis(Protocol):
    """What a module of this package declares about its table (the module is the implementation).

    Every SQL template is rendered with `sql_params(...)` and `table`; CHECKS_SQL returns one row
    of counts that `evaluate_checks` turns into (passed, metadata) per check name of CHECKS.
    """

    NAME: str                    # the table: marts.<NAME>_<grain>, built by analysis/<NAME>.sql
    DESCRIPTION: str             # formatted with grain and unit
    CHECKS: dict[str, str]       # check name -> description
    CHECKS_SQL: str
    KEY_TABLES: dict[str, str]   # metadata entry -> SQL template of a Markdown table

    def evaluate_checks(self, counts: dict[str, Any]) -> dict[str, tuple[bool, dict[str, Any]]]:
        ...


# In dependency order: variance and drivers read targets, trends reads variance.
ANALYSES: tuple[Analysis, ...] = (targets, variance, trends, drivers)

# Peer statistics (median, MAD) need a few peers to mean anything: with two, every robust z is
# +-0.67 whatever the values.
PEER_MIN_COUNT = 3


def table_name(analysis: str, grain: Grain) -> str:
    return f"marts.{analysis}_{grain.name}"


def asset_key(analysis: str, grain: Grain) -> dg.AssetKey:
    return dg.AssetKey(["marts", f"{analysis}_{grain.name}"])


def _fact_key(level_name: str, grain: Grain) -> dg.AssetKey:
    level = next(level for level in LEVELS if level.name == level_name)
    return dg.AssetKey(["marts", fact_table(level, grain)])


def sql_params(grain: Grain, start: date, end: date, config: AnalysisConfig) -> dict[str, Any]:
    """Everything the analysis templates of one grain and window are rendered with."""
    return {
        "grain": grain,
        "start": start,
        "end": end,
        "per_year": grain.periods_per_year,
        "metrics": METRICS,
        "config": config,
        "peer_min_count": PEER_MIN_COUNT,
        "facts": {level.name: f"marts.{fact_table(level, grain)}" for level in LEVELS},
        "targets": table_name("targets", grain),
        "variance": table_name("variance", grain),
    }


def create_tables(conn: duckdb.DuckDBPyConnection, grain: Grain) -> None:
    """The grain's analysis tables and its rep scorecard view, with their comments."""
    conn.execute(render("analysis/create_tables.sql", grain=grain))
    create_scorecard_view(conn, grain)
    document(conn, [*analysis_tables(grain), scorecard_view(grain)])


def rebuild(
    conn: duckdb.DuckDBPyConnection,
    analysis: str,
    grain: Grain,
    start: date,
    end: date,
    config: AnalysisConfig,
    report: Callable[[str], None] | None = None,
    rows_per_run: int | None = None,
) -> None:
    """Recompute the periods of `analysis` at `grain` that start in [start, end), atomically;
    `report` hears of the periods done (build_periods)."""
    create_tables(conn, grain)
    table = table_name(analysis, grain)
    build_periods(
        conn, grain, start, end,
        lambda run_start, run_end: conn.execute(render(
            f"analysis/{analysis}.sql", table=table, **sql_params(grain, run_start, run_end, config)
        )),
        what=table, rows=rep_periods(conn, grain, start, end),
        rows_per_run=rows_per_run or ANALYSIS_ROWS_PER_RUN, report=report,
    )


# Rep-period rows per run of periods an analysis step builds at once (resources.build_periods):
# each run re-reads the history its periods look back at, so runs are larger than the facts'.
ANALYSIS_ROWS_PER_RUN = 20_000


def rep_periods(conn: duckdb.DuckDBPyConnection, grain: Grain, start: date, end: date) -> int:
    """Rows of the rep facts in [start, end): the size of an analysis step over those periods.

    Only an estimate for cutting the step into runs: the targets read no facts, so on a fresh
    warehouse they may be built before the rep facts table exists (then: one run)."""
    table = fact_table(REP, grain)
    (exists,) = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = ?",
        [table],
    ).fetchone()
    if not exists:
        return 0
    (rows,) = conn.execute(
        f"SELECT count(*) FROM marts.{table} WHERE period_start >= ? AND period_start < ?",
        [start, end],
    ).fetchone()
    return rows


def _upstream(analysis: str, grain: Grain) -> list[dg.AssetDep]:
    """What each table reads, with the periods it reads as partition mappings."""
    # The period itself, the prior one and the same one last year (and all between: a time
    # window mapping is a contiguous range).
    year_back = dg.TimeWindowPartitionMapping(
        start_offset=-grain.periods_per_year, end_offset=0,
        allow_nonexistent_upstream_partitions=True,
    )
    if analysis == "targets":
        return [
            dg.AssetDep(dg.AssetKey(["staging", name]))
            for name in ("sales_targets", "team_memberships", "users")
        ]
    if analysis == "variance":
        return [
            *(dg.AssetDep(_fact_key(level_name, grain), partition_mapping=year_back)
              for level_name in ("rep_total", "team", "department")),
            dg.AssetDep(asset_key("targets", grain)),
        ]
    if analysis == "trends":
        # The own-history window: the period and the trend_window periods before it. Declared with
        # the default window; a run configured with a longer one reads further back than shown.
        history = dg.TimeWindowPartitionMapping(
            start_offset=-AnalysisConfig().trend_window, end_offset=0,
            allow_nonexistent_upstream_partitions=True,
        )
        return [dg.AssetDep(asset_key("variance", grain), partition_mapping=history)]
    if analysis == "drivers":
        return [
            dg.AssetDep(_fact_key("rep_total", grain), partition_mapping=year_back),
            dg.AssetDep(asset_key("targets", grain)),
        ]
    raise ValueError(f"unknown analysis {analysis!r}")


def fetch(conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None
          ) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Header and rows of a query, fully fetched (DuckDB 2 wants that before the next one)."""
    result = conn.execute(sql, params or {})
    header = [column[0] for column in result.description]
    return header, result.fetchall()


def analysis_table_part(analysis: Analysis, grain: Grain) -> TablePart:
    name = analysis.NAME
    key = asset_key(name, grain)
    table = table_name(name, grain)
    documented = TABLES_BY_NAME[f"{name}_{grain.name}"]
    spec = dg.AssetSpec(
        key,
        deps=_upstream(name, grain),
        group_name=f"analysis_{grain.name}",
        kinds={"duckdb"},
        owners=[OWNER],
        tags={"grain": grain.name},
        description=documented.description,
        metadata=asset_metadata(documented),
    )
    checks = [
        dg.AssetCheckSpec(check, asset=key, description=description)
        for check, description in analysis.CHECKS.items()
    ]

    def build(
        context: dg.AssetExecutionContext, conn: duckdb.DuckDBPyConnection, start: date, end: date
    ) -> Results:
        analysis_config: AnalysisConfig = context.resources.analysis_config
        params = sql_params(grain, start, end, analysis_config)
        queries = {"table": table, **params}
        rebuild(conn, name, grain, start, end, analysis_config, report=context.log.info)
        (rows,) = conn.execute(
            f"SELECT count(*) FROM {table} WHERE period_start >= $start AND period_start < $end",
            {"start": start, "end": end},
        ).fetchone()
        key_tables = {
            title: markdown_table(*fetch(conn, render(template, **queries)))
            for title, template in analysis.KEY_TABLES.items()
        }
        check_header, (check_row,) = fetch(conn, render(analysis.CHECKS_SQL, **queries))
        outcomes = analysis.evaluate_checks(dict(zip(check_header, check_row, strict=True)))

        context.log.info(f"{table}: {rows} rows in [{start}, {end})")
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "rows_in_partitions": dg.MetadataValue.int(rows),
                "window": dg.MetadataValue.text(f"{start} .. {end}"),
                **key_tables,
            },
        )
        for check in analysis.CHECKS:
            passed, details = outcomes[check]
            yield dg.AssetCheckResult(
                check_name=check,
                asset_key=key,
                passed=passed,
                metadata={k: _metadata_value(v) for k, v in details.items()},
            )

    return TablePart(spec, checks, build, frozenset({"analysis_config"}))


def _metadata_value(value: object) -> dg.MetadataValue:
    if isinstance(value, bool):
        return dg.MetadataValue.bool(value)
    if isinstance(value, int):
        return dg.MetadataValue.int(value)
    if isinstance(value, float):
        return dg.MetadataValue.float(value)
    if isinstance(value, str):
        return dg.MetadataValue.text(value)
    return dg.MetadataValue.json(value)


def analysis_table_parts(grain: Grain) -> list[TablePart]:
    return [analysis_table_part(analysis, grain) for analysis in ANALYSES]


def build_analysis_assets(
    settings: SalesSettings, grains: Sequence[Grain] = GRAINS
) -> list[dg.AssetsDefinition]:
    """The analysis tables alone, one step per grain, for code locations that build the facts
    in steps of their own (the full one builds both in one step: definitions.py)."""
    return [
        grain_step(f"{grain.name}_analysis", grain, settings, analysis_table_parts(grain))
        for grain in grains
    ]
