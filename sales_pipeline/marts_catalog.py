"""Every table and view of the `marts` schema, its columns and what they mean, defined once.

The Dagster assets' column schemas (`dagster/column_schema`), the DuckDB comments on every mart
table, view and column (in the warehouse and in the published copy) and the data dictionary
docs/marts.md are generated from here. A fact table's metric columns are the metrics of
`facts/metrics.py`; the analysis tables' columns are listed below, in their tables' order.
A test compares this catalog, the comments and docs/marts.md with a warehouse built by a real
backfill, so a column added to a table without a description here fails it.

    .venv/bin/python -m sales_pipeline.marts_catalog > docs/marts.md
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg
import duckdb

from sales_pipeline.analysis import drivers, targets, trends, variance
from sales_pipeline.facts.levels import LEVELS, Level, fact_table
from sales_pipeline.facts.metrics import METRICS, RATIOS, Metric
from sales_pipeline.partitions import GRAINS, Grain
from sales_pipeline.resources import transaction
from sales_pipeline.sql import render

SCHEMA = "marts"
# Who answers for the marts, in the Dagster UI and the data dictionary.
OWNER = "team:sales-analytics"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as DuckDB reports it in duckdb_columns()
    description: str


@dataclass(frozen=True)
class MartTable:
    name: str  # without the schema: rep_activity_monthly
    description: str
    columns: tuple[Column, ...]
    grain: Grain
    family: str  # facts, analysis, action plans, scorecards: the dictionary's sections
    is_view: bool = False

    @property
    def qualified(self) -> str:
        return f"{SCHEMA}.{self.name}"

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey([SCHEMA, self.name])


# -- columns shared by many tables ---------------------------------------------------------------

KEYS: dict[str, Column] = {
    column.name: column
    for column in (
        Column("period_start", "DATE", "First day of the period (ISO week from Monday, month, "
               "quarter, year), in SALES_TIMEZONE; the Dagster partition key."),
        Column("rep_id", "VARCHAR", "The rep's CRM user Id."),
        Column("rep_name", "VARCHAR", "The rep's name in the CRM users snapshot."),
        Column("team", "VARCHAR", "Team of the activity, from the CRM team memberships on its "
               "day ('Unassigned' on days no membership covers)."),
        Column("department", "VARCHAR", "Department of that team ('Unassigned' likewise)."),
    )
}
ENTITY: tuple[Column, ...] = (
    KEYS["period_start"],
    Column("level", "VARCHAR", "rep, team or department: what entity_id names."),
    Column("entity_id", "VARCHAR", "The rep's CRM user Id, or the team or department name."),
    Column("entity_name", "VARCHAR", "The rep's name, or the team or department name."),
    Column("team", "VARCHAR", "The rep's team (of the period's end) or the team; NULL on "
           "department rows."),
    KEYS["department"],
    Column("metric", "VARCHAR", "A metric of marts.*_activity_* (facts/metrics.py)."),
)
REP_HOME: tuple[Column, ...] = (
    KEYS["period_start"], KEYS["rep_id"], KEYS["rep_name"],
    Column("team", "VARCHAR", "The rep's team at the period's end (a rep is judged as a "
           "person, all teams together)."),
    Column("department", "VARCHAR", "Department of that team."),
)


def _metric_column(metric: Metric) -> Column:
    return Column(metric.name, metric.sql_type.replace(", ", ","), metric.description)


def _c(name: str, type_: str, description: str) -> Column:
    return Column(name, type_, description)


# -- the analysis tables, in their tables' column order (sql/analysis/create_tables.sql) ---------

TARGET_COLUMNS: tuple[Column, ...] = (
    *REP_HOME[:3],
    Column("team", "VARCHAR", "The rep's team at the period's end."),
    Column("department", "VARCHAR", "Department of that team."),
    _c("metric", "VARCHAR", "The metric the target is for (facts/metrics.py)."),
    _c("target", "DOUBLE", "The target for the whole period."),
    _c("origin", "VARCHAR", "'set' in the CRM at this grain, or 'rolled_up' from the months "
       "(or quarters) inside it."),
)
VARIANCE_COLUMNS: tuple[Column, ...] = (
    *ENTITY,
    _c("actual", "DOUBLE", "The metric in the period (to date while it runs)."),
    _c("target", "DOUBLE", "The full period's target: the rep's, or the sum of the reps' for a "
       "team or department (additive metrics only)."),
    _c("gap", "DOUBLE", "actual - target."),
    _c("attainment", "DOUBLE", "actual / target (1.0 = 100 %)."),
    _c("prior_actual", "DOUBLE", "The metric in the previous period (0 for no activity; NULL "
       "before the data starts)."),
    _c("pop_change", "DOUBLE", "actual - prior_actual."),
    _c("pop_change_pct", "DOUBLE", "pop_change / prior_actual."),
    _c("last_year_actual", "DOUBLE", "The metric in the same period last year (52 weeks, 12 "
       "months, 4 quarters or 1 year back)."),
    _c("yoy_change", "DOUBLE", "actual - last_year_actual."),
    _c("yoy_change_pct", "DOUBLE", "yoy_change / last_year_actual."),
    _c("status", "VARCHAR", "ahead, on_track, at_risk or behind by attainment (thresholds in "
       "docs/analysis.md); no_target; in_progress while the period runs."),
    _c("prior_period_start", "DATE", "First day of the previous period."),
    _c("last_year_period_start", "DATE", "First day of the same period last year."),
    _c("period_end", "DATE", "Last day of the period."),
    _c("days_in_period", "INTEGER", "Days in the period."),
    _c("days_elapsed", "INTEGER", "Days of it the data covers (SALES_AS_OF)."),
    _c("working_days", "INTEGER", "Monday to Friday days that are not holidays."),
    _c("working_days_elapsed", "INTEGER", "Working days of it the data covers."),
    _c("holidays", "DATE[]", "Weekdays found to be holidays (no activity by anyone)."),
    _c("is_complete", "BOOLEAN", "Whether the data covers the whole period."),
    _c("target_to_date", "DOUBLE", "The target pro-rated to the working days elapsed (the full "
       "target once complete, and for averages)."),
    _c("attainment_to_date", "DOUBLE", "actual / target_to_date."),
    _c("pace_needed", "DOUBLE", "While the period runs: what each remaining working day must "
       "bring to reach the full target."),
)
TREND_COLUMNS: tuple[Column, ...] = (
    *ENTITY,
    _c("actual", "DOUBLE", "The metric in the period, as in marts.variance_*."),
    _c("periods_used", "INTEGER", "Periods of the trend window with a value."),
    _c("rolling_mean", "DOUBLE", "Mean over the trend window."),
    _c("slope", "DOUBLE", "Least-squares slope per period over the window."),
    _c("slope_t", "DOUBLE", "t statistic of the slope (complete periods only)."),
    _c("direction", "VARCHAR", "up, flat, down, insufficient_history, or in_progress while the "
       "period runs."),
    _c("own_z", "DOUBLE", "How far actual is from the entity's own history, in standard "
       "deviations."),
    _c("own_anomaly", "BOOLEAN", "|own_z| at or above the anomaly threshold."),
    _c("peer_median", "DOUBLE", "Median of the same metric over the team's reps (rep rows)."),
    _c("peer_z", "DOUBLE", "Robust z against the peers (median and MAD)."),
    _c("peer_anomaly", "BOOLEAN", "|peer_z| at or above the peer anomaly threshold."),
    _c("peer_count", "INTEGER", "Peers the median was taken over."),
)
DRIVER_COLUMNS: tuple[Column, ...] = (
    *REP_HOME,
    _c("rep_type", "VARCHAR", "field (visits and meetings at least a tenth of connected calls "
       "over the trailing year) or inside."),
    _c("comparison", "VARCHAR", "What the period is compared with: target, prior_period, "
       "last_year or peers (the team's median seller of the same type)."),
    _c("activity_metric", "VARCHAR", "visits for a field rep, calls_connected for an inside rep."),
    _c("activity", "DOUBLE", "The activity metric in the period."),
    _c("base_activity", "DOUBLE", "The activity metric of the comparison."),
    _c("conversion", "DOUBLE", RATIOS[0].description),
    _c("base_conversion", "DOUBLE", "Conversion of the comparison."),
    _c("avg_order_value", "DOUBLE", RATIOS[1].description),
    _c("base_avg_order_value", "DOUBLE", "Average order value of the comparison."),
    _c("sales_volume", "DECIMAL(18,2)", "Sales volume in the period."),
    _c("base_sales_volume", "DECIMAL(18,2)", "Sales volume of the comparison."),
    _c("total_change", "DECIMAL(18,2)", "sales_volume - base_sales_volume: the sum of the three "
       "effects."),
    _c("activity_effect", "DECIMAL(18,2)", "Part of the change due to more or less activity."),
    _c("conversion_effect", "DECIMAL(18,2)", "Part due to conversion (orders per activity)."),
    _c("value_effect", "DECIMAL(18,2)", "Part due to the average order value (and off_model_change)."),
    _c("method", "VARCHAR", "lmdi, or shapley where a factor is zero; NULL without a base."),
    _c("cause", "VARCHAR", "effort, skill, value or mixed for a shortfall; no_shortfall; no_base."),
    _c("calls_made", "BIGINT", "Calls made in the period."),
    _c("calls_connected", "BIGINT", "Connected calls in the period."),
    _c("dm_conversations", "BIGINT", "Decision-maker conversations in the period."),
    _c("orders", "BIGINT", "Orders in the period."),
    _c("off_model_change", "DECIMAL(18,2)", "Part of value_effect the factor model cannot express "
       "(orders without activity, returns without orders)."),
)
ACTION_PLAN_COLUMNS: tuple[Column, ...] = (
    KEYS["period_start"], KEYS["rep_id"], KEYS["rep_name"], *REP_HOME[3:],
    _c("item", "VARCHAR", "strength, development or commitment."),
    _c("rank", "INTEGER", "1 or 2 within the rep, period and item."),
    _c("metric", "VARCHAR", "A fact metric, 'conversion' or 'avg_order_value'."),
    _c("factor", "VARCHAR", "activity, conversion or value (developments and commitments)."),
    _c("statement", "VARCHAR", "The item as an English sentence with its numbers (the reports "
       "compose it in their language from the columns)."),
    _c("actual", "DOUBLE", "The metric's value in the period."),
    _c("reference_value", "DOUBLE", "What it was compared with."),
    _c("reference_kind", "VARCHAR", "target, peer_top_quartile, prior_period, last_year or peers."),
    _c("cost_in_sales_volume", "DOUBLE", "Developments: the negative driver effect (<= 0)."),
    _c("cause", "VARCHAR", "From the drivers: effort, skill, value, mixed or on_track."),
    _c("next_period_start", "DATE", "The period a commitment is for."),
    _c("commitment_target", "DOUBLE", "Commitments: the measurable target for next_period_start."),
    _c("commitment_basis", "VARCHAR", "Where that target came from: set_target, sales_target or "
       "reference."),
    _c("source", "VARCHAR[]", "Trace keys of the mart rows the statement was made from."),
    _c("target", "DOUBLE", "Strengths: the metric's target."),
    _c("attainment", "DOUBLE", "Strengths: actual / target."),
    _c("top_quartile", "BOOLEAN", "Strengths: in the team's top quartile."),
    _c("peer_median", "DOUBLE", "Strengths: the team's median."),
    _c("peer_count", "INTEGER", "Strengths: reps the median and quartile were taken over."),
    _c("activity_metric", "VARCHAR", "Developments and commitments: visits or calls_connected."),
    _c("activity", "DOUBLE", "Commitments: this period's activity."),
    _c("sales_volume", "DOUBLE", "Developments: the period's sales volume."),
    _c("base_sales_volume", "DOUBLE", "Developments: the comparison's sales volume."),
    _c("base_conversion", "DOUBLE", "Commitments: the comparison's conversion."),
    _c("base_avg_order_value", "DOUBLE", "Commitments: the comparison's average order value."),
    _c("next_sales_target", "DOUBLE", "Commitments: next period's set sales volume target."),
    _c("development_cost", "DOUBLE", "Commitments: what the factor cost (>= 0)."),
)
ANALYSIS_COLUMNS: dict[str, tuple[Column, ...]] = {
    targets.NAME: TARGET_COLUMNS,
    variance.NAME: VARIANCE_COLUMNS,
    trends.NAME: TREND_COLUMNS,
    drivers.NAME: DRIVER_COLUMNS,
}
ANALYSIS_DESCRIPTIONS: dict[str, str] = {
    module.NAME: module.DESCRIPTION for module in (targets, variance, trends, drivers)
}

# Per metric in a scorecard: (column suffix, type, what it is), from the variance rows.
SCORECARD_PARTS: tuple[tuple[str, str, str], ...] = (
    ("actual", "DOUBLE", "{label}: the period's value (to date while it runs)."),
    ("target", "DOUBLE", "{label}: the period's target."),
    ("attainment", "DOUBLE", "{label}: actual / target."),
    ("status", "VARCHAR", "{label}: ahead, on_track, at_risk, behind, no_target or in_progress."),
)


# -- the tables of each grain -------------------------------------------------------------------

def fact_description(level: Level, grain: Grain) -> str:
    return (f"Activity metrics per {level.per} and {grain.unit} "
            f"(one row per period_start, {', '.join(level.unique_key)}).")


def action_plan_description(grain: Grain) -> str:
    return (f"Per rep and {grain.unit}: up to two strengths, up to two development areas with "
            "their cost in sales volume and cause, and one measurable commitment for the next "
            f"{grain.unit}, each traced to its source rows (docs/reports.md).")


def scorecard_name(grain: Grain) -> str:
    return f"rep_scorecard_{grain.name}"


def fact_tables(grain: Grain) -> list[MartTable]:
    return [
        MartTable(
            fact_table(level, grain), fact_description(level, grain),
            (KEYS["period_start"], *(KEYS[key] for key in level.keys),
             *(_metric_column(metric) for metric in METRICS)),
            grain, "facts",
        )
        for level in LEVELS
    ]


def analysis_tables(grain: Grain) -> list[MartTable]:
    return [
        MartTable(f"{name}_{grain.name}",
                  ANALYSIS_DESCRIPTIONS[name].format(grain=grain.name, unit=grain.unit),
                  columns, grain, "analysis")
        for name, columns in ANALYSIS_COLUMNS.items()
    ]


def action_plan_table(grain: Grain) -> MartTable:
    return MartTable(f"action_plan_{grain.name}", action_plan_description(grain),
                     ACTION_PLAN_COLUMNS, grain, "action plans")


def scorecard_view(grain: Grain) -> MartTable:
    columns = [
        *REP_HOME,
        _c("period_end", "DATE", "Last day of the period."),
        _c("is_complete", "BOOLEAN", "Whether the data covers the whole period (a running "
           "period has status in_progress)."),
    ]
    for metric in METRICS:
        columns += [Column(f"{metric.name}_{part}", type_, text.format(label=metric.label))
                    for part, type_, text in SCORECARD_PARTS]
    return MartTable(
        scorecard_name(grain),
        f"One row per rep and {grain.unit}, each metric's actual, target, attainment and "
        f"status in columns: marts.variance_{grain.name}'s rep rows, wide, for BI tools.",
        tuple(columns), grain, "scorecards", is_view=True,
    )


def grain_tables(grain: Grain) -> list[MartTable]:
    return [*fact_tables(grain), *analysis_tables(grain), action_plan_table(grain),
            scorecard_view(grain)]


def mart_tables() -> list[MartTable]:
    """Every table and view of the marts schema, grain by grain."""
    return [table for grain in GRAINS for table in grain_tables(grain)]


TABLES_BY_NAME: dict[str, MartTable] = {table.name: table for table in mart_tables()}


# -- what is generated from it -------------------------------------------------------------------

def asset_metadata(table: MartTable) -> dict[str, object]:
    """The definition metadata the Dagster UI shows as the asset's columns and table name (the
    keys Dagster documents for table assets)."""
    return {
        "dagster/table_name": table.qualified,
        "dagster/column_schema": dg.TableSchema(columns=[
            dg.TableColumn(column.name, column.type, description=column.description)
            for column in table.columns
        ]),
    }


def create_scorecard_view(conn: duckdb.DuckDBPyConnection, grain: Grain) -> None:
    conn.execute(render("marts/scorecard.sql", view=scorecard_view(grain).qualified,
                        variance=f"{SCHEMA}.variance_{grain.name}", metrics=METRICS))


def document(conn: duckdb.DuckDBPyConnection, tables: Iterable[MartTable]) -> int:
    """Comment every table, view and column of `tables` that exists in `conn`'s database, and
    whose comment differs from the catalog's; returns how many comments were written."""
    wanted = list(tables)
    if not wanted:
        return 0
    names = [table.name for table in wanted]
    current_tables = dict(conn.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = $schema AND list_contains($names, table_name) "
        "UNION ALL SELECT view_name, comment FROM duckdb_views() "
        "WHERE database_name = current_database() AND schema_name = $schema "
        "AND list_contains($names, view_name)",
        {"schema": SCHEMA, "names": names},
    ).fetchall())
    current_columns = {
        (table, column): comment
        for table, column, comment in conn.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = $schema "
            "AND list_contains($names, table_name)",
            {"schema": SCHEMA, "names": names},
        ).fetchall()
    }
    objects, columns = [], []
    for table in wanted:
        if table.name not in current_tables:
            continue
        if current_tables[table.name] != table.description:
            objects.append(table)
        columns += [(table, column) for column in table.columns
                    if (table.name, column.name) in current_columns
                    and current_columns[table.name, column.name] != column.description]
    if objects or columns:
        # One commit for all of them: each COMMENT on its own commits the catalog once, and a new
        # warehouse's first build writes several hundred.
        with transaction(conn):
            conn.execute(render("marts/comments.sql", objects=objects, columns=columns))
    return len(objects) + len(columns)


FAMILY_SECTIONS = ("facts", "analysis", "action plans", "scorecards")


def family(table: MartTable) -> str:
    """The table's name without its grain: one family has a table of the same columns per grain."""
    return table.name.removesuffix(f"_{table.grain.name}")


def markdown() -> str:
    """docs/marts.md: every table and view of the marts, each column with its type and meaning."""
    tables = mart_tables()
    families: dict[str, list[MartTable]] = {}
    for table in tables:
        families.setdefault(family(table), []).append(table)
    views = sum(table.is_view for table in tables)
    lines = [
        "# The marts: data dictionary",
        "",
        "<!-- Generated; do not edit. Regenerate with:",
        "     .venv/bin/python -m sales_pipeline.marts_catalog > docs/marts.md -->",
        "",
        "Generated from [`sales_pipeline/marts_catalog.py`](../sales_pipeline/marts_catalog.py) "
        "and the metric definitions in [`sales_pipeline/facts/metrics.py`]"
        "(../sales_pipeline/facts/metrics.py) with",
        "",
        "```bash",
        ".venv/bin/python -m sales_pipeline.marts_catalog > docs/marts.md",
        "```",
        "",
        f"The `{SCHEMA}` schema holds {len(tables) - views} tables and {views} views, one of "
        f"each family below per grain ({', '.join(g.name for g in GRAINS)}). Every table, view "
        "and column carries the same text as a DuckDB comment, in the warehouse and in the "
        "published copy (`SELECT table_name, column_name, comment FROM duckdb_columns() WHERE "
        f"schema_name = '{SCHEMA}'`), and as its Dagster asset's column schema. Owner: "
        f"`{OWNER}`. A test builds a warehouse and checks that this file, the comments and the "
        "tables agree.",
        "",
        "## Grains",
        "",
        "| grain | one period | CRM `Period_Type__c` | periods per year |",
        "| --- | --- | --- | --- |",
        *(f"| {g.name} | {g.unit} | {g.period_type} | {g.periods_per_year} |" for g in GRAINS),
        "",
        "## Metrics",
        "",
        "Each is a column of every fact table and a `metric` of the analysis tables; the two "
        "ratios are computed in the drivers and action plans.",
        "",
        "| metric | label | unit | additive | praisable | description |",
        "| --- | --- | --- | --- | --- | --- |",
        *(f"| `{m.name}` | {m.label} | {m.unit} | {'yes' if m.additive else 'no'} | "
          f"{'yes' if m.praisable else 'no'} | {m.description} |" for m in (*METRICS, *RATIOS)),
        "",
    ]
    for section in FAMILY_SECTIONS:
        lines += [f"## {section.capitalize()}", ""]
        for name, members in families.items():
            if members[0].family != section:
                continue
            kind = "view" if members[0].is_view else "table"
            lines += [
                f"### {name}",
                "",
                f"One {kind} per grain: "
                + ", ".join(f"`{table.qualified}`" for table in members) + ".",
                "",
                *(f"- `{table.name}`: {table.description}" for table in members),
                "",
                "| column | type | description |",
                "| --- | --- | --- |",
                *(f"| `{c.name}` | {c.type} | {c.description} |" for c in members[0].columns),
                "",
            ]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str]) -> None:
    if argv:
        raise SystemExit(__doc__)
    sys.stdout.write(markdown())


if __name__ == "__main__":
    main(sys.argv[1:])
