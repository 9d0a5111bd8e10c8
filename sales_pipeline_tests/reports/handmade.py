"""Hand-made upstream tables for the action-plan and report tests.

The facts, variance, trend, driver and target marts are created with the pipeline's own DDL and
filled with rows whose every number the test chooses, so the action-plan rules and the reports
can be checked on paper.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import duckdb

from sales_pipeline.analysis.action_plans import next_period_step
from sales_pipeline.analysis.assets import create_tables
from sales_pipeline.facts.levels import LEVELS, fact_table
from sales_pipeline.facts.metrics import METRICS
from sales_pipeline.partitions import Grain
from sales_pipeline.reports.formatting import add_periods
from sales_pipeline.sql import render

SALES_TARGET_COLUMNS = (
    "_file VARCHAR, _line BIGINT, target_id VARCHAR, user_id VARCHAR, metric VARCHAR, "
    "period_type VARCHAR, period_start DATE, target DECIMAL(20, 6)"
)


def create_upstream(conn: duckdb.DuckDBPyConnection, grain: Grain) -> None:
    """Empty facts, analysis marts and the staging tables the reports read, as the pipeline
    shapes them (no activity on days without a team: no data-quality rows)."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS marts")
    conn.execute("CREATE SCHEMA IF NOT EXISTS staging")
    for level in LEVELS:
        conn.execute(render("facts/create_table.sql", table=f"marts.{fact_table(level, grain)}",
                            keys=level.keys, metrics=METRICS))
    create_tables(conn, grain)
    conn.execute(f"CREATE TABLE IF NOT EXISTS staging.sales_targets ({SALES_TARGET_COLUMNS})")
    conn.execute("CREATE TABLE IF NOT EXISTS staging.activities (activity_date DATE, "
                 "rep_id VARCHAR, rep_name VARCHAR, team VARCHAR, department VARCHAR)")
    conn.execute("CREATE TABLE IF NOT EXISTS staging.team_memberships (user_id VARCHAR, "
                 "start_date DATE)")


def insert(conn: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Mapping[str, object]]) -> None:
    """Insert rows given as dicts; columns a row leaves out take their NULL."""
    for row in rows:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))


def variance_row(grain: Grain, period: date, rep: str, team: str, department: str, metric: str,
                 actual: float, target: float | None = None, **extra: object) -> dict[str, object]:
    attainment = actual / target if target else None
    return {
        "period_start": period, "level": "rep", "entity_id": rep, "entity_name": f"Rep {rep}",
        "team": team, "department": department, "metric": metric, "actual": actual,
        "target": target, "gap": None if target is None else actual - target,
        "attainment": attainment,
        "status": "no_target" if attainment is None else (
            "ahead" if attainment >= 1.1 else "on_track" if attainment >= 0.95 else
            "at_risk" if attainment >= 0.8 else "behind"),
        "prior_period_start": add_periods(grain, period, -1),
        "last_year_period_start": add_periods(grain, period, -grain.periods_per_year),
        "is_complete": True,
        **extra,
    }


def driver_row(period: date, rep: str, team: str, department: str, comparison: str, *,
               activity: float, base_activity: float | None, orders: float,
               base_orders: float | None, sales_volume: float, base_sales_volume: float | None,
               cause: str, activity_metric: str = "visits") -> dict[str, object]:
    """A driver row whose effects follow a sequential split (activity, then conversion, then
    order value), so they add up to the change like the real mart's; no base: `no_base`."""
    row: dict[str, object] = {
        "period_start": period, "rep_id": rep, "rep_name": f"Rep {rep}", "team": team,
        "department": department, "rep_type": "field" if activity_metric == "visits" else "inside",
        "comparison": comparison, "activity_metric": activity_metric, "activity": activity,
        "conversion": orders / activity if activity else None,
        "avg_order_value": sales_volume / orders if orders else None,
        "sales_volume": round(sales_volume, 2), "cause": cause,
        "calls_made": 0, "calls_connected": 0, "dm_conversations": 0, "orders": orders,
    }
    if base_activity is None or base_orders is None or base_sales_volume is None:
        return {**row, "cause": "no_base"}
    base_conversion = base_orders / base_activity if base_activity else None
    base_value = base_sales_volume / base_orders if base_orders else None
    activity_effect = round((activity - base_activity) * (base_conversion or 0)
                            * (base_value or 0), 2)
    conversion_effect = round(activity * ((row["conversion"] or 0) - (base_conversion or 0))
                              * (base_value or 0), 2)
    total = round(sales_volume - base_sales_volume, 2)
    return {
        **row,
        "base_activity": base_activity, "base_conversion": base_conversion,
        "base_avg_order_value": base_value, "base_sales_volume": round(base_sales_volume, 2),
        "total_change": total, "activity_effect": activity_effect,
        "conversion_effect": conversion_effect,
        "value_effect": round(total - activity_effect - conversion_effect, 2),
        "method": "shapley",
    }


def set_target(target_id: str, rep: str, metric: str, period_type: str, period: date,
               value: float) -> dict[str, object]:
    return {"_file": "crm/Sales_Target__c.csv", "_line": 2, "target_id": target_id,
            "user_id": rep, "metric": metric, "period_type": period_type,
            "period_start": period, "target": value}


# A small organisation for the report tests: two departments, three teams of uneven size, and
# names that need escaping in HTML and in file names.
ROSTER: tuple[tuple[str, str, str, str], ...] = (
    # rep_id, rep_name, team, department
    ("F01", "Ada Field", "Field North", "Field"),
    ("F02", "Ben Field", "Field North", "Field"),
    ("F03", "Cy Field", "Field North", "Field"),
    ("F04", "Di Field", "Field North", "Field"),
    ("F05", "Ed Field", "Field North", "Field"),
    ("F06", "Flo O'Brien", "Field South / Coast", "Field"),
    ("F07", "Gus <Field>", "Field South / Coast", "Field"),
    ("I01", "Hal Inside", "Inside East & Co", "Inside"),
    ("I02", "Ivy Inside", "Inside East & Co", "Inside"),
    ("I03", "Jo Inside", "Inside East & Co", "Inside"),
    ("I04", "Kim Inside", "Inside East & Co", "Inside"),
)


def rep_facts(period_index: int, rep_index: int, rep_id: str) -> dict[str, float]:
    """Deterministic, varied activity: reps differ by index, periods by a three-period cycle."""
    inside = rep_id.startswith("I")
    wave = 1 + 0.15 * ((period_index + rep_index) % 3 - 1)
    visits = 0 if inside else round((20 + 4 * rep_index) * wave)
    calls_connected = round((120 + 10 * rep_index) * wave) if inside else 5
    orders = max(1, round((visits or calls_connected / 5) * (0.12 + 0.01 * (rep_index % 4))))
    return {
        "calls_made": calls_connected * 3, "calls_connected": calls_connected,
        "talk_seconds": calls_connected * 180, "avg_call_seconds": 180.0,
        "dm_conversations": round((visits + calls_connected) * 0.3),
        "distinct_dms_reached": round((visits + calls_connected) * 0.2),
        "visits": visits, "meetings": visits // 4, "orders": orders,
        "sales_volume": round(orders * (900 + 50 * rep_index) * wave, 2),
    }


def populate(conn: duckdb.DuckDBPyConnection, grain: Grain, periods: list[date]) -> None:
    """Facts, targets, variance, trends and drivers for every rep of ROSTER in `periods`.

    The first period has no prior period and no last year: its variance has no comparisons and
    its drivers no base but the target.
    """
    create_upstream(conn, grain)
    g = grain.name
    facts: dict[tuple[date, str], dict[str, float]] = {}
    for p_index, period in enumerate(periods):
        for r_index, (rep_id, name, team, department) in enumerate(ROSTER):
            row = rep_facts(p_index, r_index, rep_id)
            facts[(period, rep_id)] = row
            insert(conn, f"marts.rep_activity_{g}", [{
                "period_start": period, "rep_id": rep_id, "rep_name": name, "team": team,
                "department": department, **row}])
    sums = ", ".join(f"sum({m.name}) AS {m.name}" for m in METRICS if m.additive)
    for keys, level in (("rep_id, rep_name", "rep_total"), ("team, department", "team"),
                        ("department", "department")):
        conn.execute(f"INSERT INTO marts.{level}_activity_{g} BY NAME SELECT period_start, {keys}, "
                     f"{sums}, 180.0 AS avg_call_seconds, "
                     "sum(distinct_dms_reached) AS distinct_dms_reached "
                     f"FROM marts.rep_activity_{g} GROUP BY ALL")
    # Targets: a flat plan per rep, at the level of the rep's second period.
    targets = []
    for r_index, (rep_id, name, team, department) in enumerate(ROSTER):
        plan = rep_facts(1, r_index, rep_id)
        for period in periods:
            for metric in ("visits", "calls_connected", "orders", "sales_volume"):
                if plan[metric] > 5:
                    targets.append({"period_start": period, "rep_id": rep_id, "rep_name": name,
                                    "team": team, "department": department, "metric": metric,
                                    "target": float(plan[metric]), "origin": "set"})
    insert(conn, f"marts.targets_{g}", targets)
    _variance_and_trends(conn, grain)
    drivers = []
    for p_index, period in enumerate(periods):
        for r_index, (rep_id, _, team, department) in enumerate(ROSTER):
            now = facts[(period, rep_id)]
            metric = "calls_connected" if rep_id.startswith("I") else "visits"
            bases = {"target": rep_facts(1, r_index, rep_id)}
            if p_index:
                bases["prior_period"] = facts[(periods[p_index - 1], rep_id)]
            for comparison in ("target", "prior_period", "last_year"):
                base = bases.get(comparison, {})
                row = driver_row(
                    period, rep_id, team, department, comparison,
                    activity=now[metric], base_activity=base.get(metric),
                    orders=now["orders"], base_orders=base.get("orders"),
                    sales_volume=now["sales_volume"], base_sales_volume=base.get("sales_volume"),
                    cause="no_shortfall", activity_metric=metric)
                if row["cause"] != "no_base" and row["total_change"] < 0:
                    effects = {"effort": row["activity_effect"], "skill": row["conversion_effect"],
                               "value": row["value_effect"]}
                    row["cause"] = min(effects, key=effects.__getitem__)
                drivers.append(row)
    insert(conn, f"marts.drivers_{g}", drivers)
    # Next month's set visit targets in the CRM snapshot, for the commitments.
    insert(conn, "staging.sales_targets", [
        set_target(f"T{i:03d}", rep_id, "visits", "Month", add_periods(grain, periods[-1], 1), 40)
        for i, (rep_id, *_rest) in enumerate(ROSTER) if rep_id.startswith("F")
    ])


def _variance_and_trends(conn: duckdb.DuckDBPyConnection, grain: Grain) -> None:
    """Variance at every level from the facts and the summed targets, and a crude trend."""
    g = grain.name
    conn.execute(f"""
        INSERT INTO marts.variance_{g} BY NAME
        WITH long AS (
            UNPIVOT marts.rep_activity_{g} ON COLUMNS(* EXCLUDE (period_start, rep_id, rep_name,
                team, department)) INTO NAME metric VALUE actual
        ),
        levels AS (
            SELECT period_start, 'rep' AS level, rep_id AS entity_id, rep_name AS entity_name,
                   team, department, metric, actual::DOUBLE AS actual FROM long
            UNION ALL
            SELECT period_start, 'team', team, team, team, department, metric, sum(actual)
            FROM long GROUP BY ALL
            UNION ALL
            SELECT period_start, 'department', department, department, NULL, department, metric,
                   sum(actual) FROM long GROUP BY ALL
        ),
        target_levels AS (
            SELECT period_start, 'rep' AS level, rep_id AS entity_id, metric, target
            FROM marts.targets_{g}
            UNION ALL
            SELECT period_start, 'team', team, metric, sum(target)
            FROM marts.targets_{g} GROUP BY ALL
            UNION ALL
            SELECT period_start, 'department', department, metric, sum(target)
            FROM marts.targets_{g} GROUP BY ALL
        )
        SELECT l.*, t.target, l.actual - t.target AS gap, l.actual / t.target AS attainment,
               lag(l.actual) OVER w AS prior_actual,
               l.actual - lag(l.actual) OVER w AS pop_change,
               (l.actual - lag(l.actual) OVER w) / nullif(lag(l.actual) OVER w, 0)
                   AS pop_change_pct,
               CASE WHEN t.target IS NULL THEN 'no_target'
                    WHEN l.actual / t.target >= 1.1 THEN 'ahead'
                    WHEN l.actual / t.target >= 0.95 THEN 'on_track'
                    WHEN l.actual / t.target >= 0.8 THEN 'at_risk' ELSE 'behind' END AS status,
               (l.period_start - {next_period_step(grain)})::DATE AS prior_period_start,
               (l.period_start - INTERVAL 1 YEAR)::DATE AS last_year_period_start,
               TRUE AS is_complete
        FROM levels AS l
        LEFT JOIN target_levels AS t USING (period_start, level, entity_id, metric)
        WINDOW w AS (PARTITION BY l.level, l.entity_id, l.team, l.department, l.metric
                     ORDER BY l.period_start)
    """)
    conn.execute(f"""
        INSERT INTO marts.trends_{g} BY NAME
        SELECT period_start, level, entity_id, entity_name, team, department, metric, actual,
               row_number() OVER w AS periods_used,
               CASE WHEN row_number() OVER w < 3 THEN 'insufficient_history'
                    WHEN actual > lag(actual) OVER w THEN 'up'
                    WHEN actual < lag(actual) OVER w THEN 'down' ELSE 'flat' END AS direction,
               FALSE AS own_anomaly, FALSE AS peer_anomaly, 0 AS peer_count
        FROM marts.variance_{g}
        WINDOW w AS (PARTITION BY level, entity_id, team, department, metric ORDER BY period_start)
    """)
