"""Action plans: per rep and period, what went well, what cost sales, and what to do next.

`marts.action_plan_<grain>` holds up to two strengths, up to two development areas and one
commitment per rep and period, each a plain-English statement with its numbers and a `source`
list naming the mart rows it was made from. The rules (docs/reports.md):

- strength: a metric at or above its target (ranked by attainment), or in the top quartile of the
  rep's team (at least `MIN_PEERS_FOR_QUARTILE` reps, and above the team median);
- development: the most negative driver effects (activity, conversion, order value) of the first
  comparison that has one, in the order target, prior period, last year; a factor within the
  normal band of its comparison (`AnalysisConfig.driver_normal_band`) does not count;
- commitment: one per rep and period with a development, on its largest factor, with a measurable
  target for the next period.

Everything is generated in one SQL pass over the selected periods (`sql/analysis/action_plan_*`).
"""

from collections.abc import Callable
from datetime import date

import dagster as dg
import duckdb

from sales_pipeline.analysis.assets import ANALYSIS_ROWS_PER_RUN, rep_periods
from sales_pipeline.facts.metrics import DEFINITIONS
from sales_pipeline.grain_step import Results, TablePart, grain_step
from sales_pipeline.marts_catalog import OWNER, asset_metadata, document
from sales_pipeline.marts_catalog import action_plan_table as documented_action_plan_table
from sales_pipeline.metadata import markdown_table
from sales_pipeline.partitions import Grain
from sales_pipeline.resources import AnalysisConfig, SalesConfig, build_periods
from sales_pipeline.settings import SalesSettings
from sales_pipeline.sql import render

# Below four reps a "top quartile" is one rep out of three or fewer: no real comparison.
MIN_PEERS_FOR_QUARTILE = 4
# An effect costing less than one unit of the reporting currency is not worth a sentence.
MIN_COST = 1.0

ITEMS = ("strength", "development", "commitment")


def action_plan_table(grain: Grain) -> str:
    return f"marts.action_plan_{grain.name}"


def analysis_table(name: str, grain: Grain) -> str:
    return f"marts.{name}_{grain.name}"


def next_period_step(grain: Grain) -> str:
    """The SQL interval from a period's first day to the next period's."""
    return "INTERVAL 7 DAY" if grain.months == 0 else f"INTERVAL {grain.months} MONTH"


def _template_params(
    grain: Grain, start: date, end: date, currency: str, normal_band: float
) -> dict[str, object]:
    return {
        "table": action_plan_table(grain),
        "variance": analysis_table("variance", grain),
        "drivers": analysis_table("drivers", grain),
        "start": start,
        "end": end,
        "currency": currency,
        "unit": grain.unit,
        "period_type": grain.period_type,
        "step": next_period_step(grain),
        # Labels, nouns and display formats of every metric the sentences can name.
        "definitions": DEFINITIONS,
        "praisable": tuple(metric.name for metric in DEFINITIONS if metric.praisable),
        "min_peers": MIN_PEERS_FOR_QUARTILE,
        "min_cost": MIN_COST,
        "normal_band": float(normal_band),
    }


def build_action_plans(
    conn: duckdb.DuckDBPyConnection,
    grain: Grain,
    start: date,
    end: date,
    *,
    currency: str,
    normal_band: float,
    report: Callable[[str], None] | None = None,
    rows_per_run: int | None = None,
) -> None:
    """Rebuild the action plans of every period starting in [start, end), atomically; `report`
    hears of the periods done (build_periods)."""
    conn.execute(render("analysis/action_plan_create.sql",
                        **_template_params(grain, start, end, currency, normal_band)))
    document(conn, [documented_action_plan_table(grain)])
    build_periods(
        conn, grain, start, end,
        lambda run_start, run_end: conn.execute(render(
            "analysis/action_plan_build.sql",
            **_template_params(grain, run_start, run_end, currency, normal_band),
        )),
        what=action_plan_table(grain), rows=rep_periods(conn, grain, start, end),
        rows_per_run=rows_per_run or ANALYSIS_ROWS_PER_RUN, report=report,
    )


def unresolved_sources(
    conn: duckdb.DuckDBPyConnection, grain: Grain, start: date, end: date, *, currency: str
) -> list[tuple[str, int]]:
    """Traces of the plans in [start, end) that do not name the rows they should."""
    params = _template_params(grain, start, end, currency, 0.0)
    return conn.execute(render("analysis/action_plan_check.sql", **params)).fetchall()


def shape_violations(
    conn: duckdb.DuckDBPyConnection, grain: Grain, start: date, end: date
) -> list[dict[str, object]]:
    """Rep-periods that break the counting rules: at most two strengths and two developments,
    exactly one commitment when there is a development and none otherwise, and a commitment that
    asks for more than the period's number."""
    rows = conn.execute(
        f"""
        SELECT period_start, rep_id, team, department,
               count(*) FILTER (WHERE item = 'strength') AS strengths,
               count(*) FILTER (WHERE item = 'development') AS developments,
               count(*) FILTER (WHERE item = 'commitment') AS commitments,
               count(*) FILTER (WHERE item = 'commitment'
                                AND NOT commitment_target > actual) AS commitments_not_above
        FROM {action_plan_table(grain)}
        WHERE period_start >= $start AND period_start < $end
        GROUP BY ALL
        HAVING strengths > 2 OR developments > 2 OR commitments_not_above > 0
            OR commitments <> CASE WHEN developments > 0 THEN 1 ELSE 0 END
        ORDER BY ALL
        LIMIT 20
        """,
        {"start": start, "end": end},
    ).fetchall()
    names = ("period_start", "rep_id", "team", "department", "strengths", "developments",
             "commitments", "commitments_not_above")
    return [
        {name: str(value) if isinstance(value, date) else value
         for name, value in zip(names, row, strict=True)}
        for row in rows
    ]


def action_plan_table_part(grain: Grain) -> TablePart:
    key = dg.AssetKey(["marts", f"action_plan_{grain.name}"])
    table = action_plan_table(grain)
    documented = documented_action_plan_table(grain)
    spec = dg.AssetSpec(
        key,
        deps=[
            dg.AssetKey(["marts", f"variance_{grain.name}"]),
            dg.AssetKey(["marts", f"drivers_{grain.name}"]),
            dg.AssetKey(["marts", f"trends_{grain.name}"]),
            # Next period's set targets for the commitments, read from the CRM snapshot.
            dg.AssetKey(["staging", "sales_targets"]),
        ],
        group_name=f"analysis_{grain.name}",
        kinds={"duckdb"},
        owners=[OWNER],
        tags={"grain": grain.name},
        description=documented.description,
        metadata=asset_metadata(documented),
    )
    checks = [
        dg.AssetCheckSpec(
            "sources_resolve",
            asset=key,
            description="Every trace in `source` names exactly one row of the variance, "
            "driver or target table (a peer trace: the team's rep rows).",
        ),
        dg.AssetCheckSpec(
            "plan_shape",
            asset=key,
            description="At most two strengths and two developments per rep and period, "
            "exactly one commitment when there is a development, and every commitment "
            "above the period's actual.",
        ),
    ]

    def build(
        context: dg.AssetExecutionContext, conn: duckdb.DuckDBPyConnection, start: date, end: date
    ) -> Results:
        sales_config: SalesConfig = context.resources.sales_config
        analysis_config: AnalysisConfig = context.resources.analysis_config
        currency = sales_config.reporting_currency
        build_action_plans(
            conn, grain, start, end,
            currency=currency, normal_band=analysis_config.driver_normal_band,
            report=context.log.info,
        )
        unresolved = unresolved_sources(conn, grain, start, end, currency=currency)
        violations = shape_violations(conn, grain, start, end)
        counts = conn.execute(
            f"SELECT item, count(*), count(DISTINCT (period_start, rep_id, team, department)) "
            f"FROM {table} WHERE period_start >= $start AND period_start < $end "
            "GROUP BY item",
            {"start": start, "end": end},
        ).fetchall()
        causes = conn.execute(
            f"SELECT cause, count(*) AS developments, round(-sum(cost_in_sales_volume)) AS cost "
            f"FROM {table} WHERE period_start >= $start AND period_start < $end "
            "AND item = 'development' GROUP BY cause ORDER BY cost DESC",
            {"start": start, "end": end},
        ).fetchall()
        preview = conn.execute(
            f"SELECT period_start, rep_name, team, item, rank, statement FROM {table} "
            "WHERE period_start = (SELECT max(period_start) FROM "
            f"{table} WHERE period_start >= $start AND period_start < $end) "
            "ORDER BY department, team, rep_name, rep_id, "
            "CASE item WHEN 'strength' THEN 1 WHEN 'development' THEN 2 ELSE 3 END, rank "
            "LIMIT 30",
            {"start": start, "end": end},
        ).fetchall()

        by_item = {item: (rows, reps) for item, rows, reps in counts}
        context.log.info(
            f"{table}: "
            + ", ".join(f"{by_item.get(item, (0, 0))[0]} {item}(s)" for item in ITEMS)
            + f" in [{start}, {end})"
        )
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "window": dg.MetadataValue.text(f"{start} .. {end}"),
                **{
                    f"{item}s": dg.MetadataValue.int(by_item.get(item, (0, 0))[0])
                    for item in ITEMS
                },
                "reps_with_a_development": dg.MetadataValue.int(
                    by_item.get("development", (0, 0))[1]
                ),
                "developments_by_cause": markdown_table(
                    ["cause", "developments", f"cost ({currency})"], causes
                ),
                "preview_latest_period": markdown_table(
                    ["period_start", "rep", "team", "item", "rank", "statement"], preview
                ),
                **({"cost_by_cause_chart": _cost_chart(causes, currency)} if causes else {}),
            },
        )
        yield dg.AssetCheckResult(
            check_name="sources_resolve",
            asset_key=key,
            passed=not unresolved,
            metadata={
                "unresolved": dg.MetadataValue.int(len(unresolved)),
                "examples": dg.MetadataValue.json(
                    [{"trace": trace, "matching_rows": matches} for trace, matches in unresolved[:20]]
                ),
            },
        )
        yield dg.AssetCheckResult(
            check_name="plan_shape",
            asset_key=key,
            passed=not violations,
            metadata={"violations": dg.MetadataValue.json(violations)},
        )

    return TablePart(spec, checks, build, frozenset({"sales_config", "analysis_config"}))


def _cost_chart(causes: list[tuple[str, int, float]], currency: str) -> dg.MetadataValue:
    """Sales volume the development areas cost, per cause, as an inline image."""
    from sales_pipeline.reports.charts import COLORS, HorizontalBarChart

    chart = HorizontalBarChart(len(causes), (("cost", COLORS["behind"]),))
    image = chart.render(
        [f"{cause} ({count})" for cause, count, _ in causes],
        [[float(cost or 0) for _, _, cost in causes]],
        title=f"Sales volume the development areas cost, by cause ({currency})",
    )
    return dg.MetadataValue.md(f"![Development cost by cause]({image})")


def build_action_plan_asset(grain: Grain, settings: SalesSettings) -> dg.AssetsDefinition:
    """The grain's action plans alone, as a step of their own (the full code location builds
    them in the grain's step with the facts and analysis: definitions.py)."""
    return grain_step(f"{grain.name}_action_plan", grain, settings, [action_plan_table_part(grain)])
