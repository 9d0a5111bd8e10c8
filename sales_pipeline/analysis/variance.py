"""marts.variance_<grain>: every rep, team and department against target and against the past.

Long format, one row per (period_start, level, entity, metric): actual, target, gap, attainment,
the prior period and the same period last year with their changes, and a status from attainment
with the thresholds of AnalysisConfig. Built by `sql/analysis/variance.sql` from the fact marts
(current, prior and last-year periods) and marts.targets_<grain>; decisions in docs/analysis.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from sales_pipeline.sql import render

NAME = "variance"
DESCRIPTION = (
    "Actual against target, prior {unit} and the same {unit} last year, per rep, team and "
    "department and metric (one row per period_start, level, entity_id, team, department, "
    "metric), with a status from attainment."
)
CHECKS: dict[str, str] = {
    "keys_unique_and_present": "No two rows share (period_start, level, entity_id, team, "
    "department, metric); keys are present (team only on department rows is null); every "
    "entity has every metric.",
    "group_targets_add_up": "Team and department targets are the sum of their reps' targets "
    "for additive metrics, and null for the others.",
}
CHECKS_SQL = "analysis/variance_checks.sql"
KEY_TABLES = {
    "rep_status_by_metric": "analysis/variance_summary_status.sql",
    "teams_and_departments_sales_volume": "analysis/variance_summary_teams.sql",
}


def evaluate_checks(counts: dict[str, Any]) -> dict[str, tuple[bool, dict[str, Any]]]:
    keys = {
        name: int(counts[name])
        for name in ("duplicate_keys", "null_keys", "entities_missing_metrics")
    }
    groups = {"group_targets_not_summed": int(counts["group_targets_not_summed"])}
    return {
        "keys_unique_and_present": (not any(keys.values()), keys),
        "group_targets_add_up": (not any(groups.values()), groups),
    }


def stored_periods(conn: duckdb.DuckDBPyConnection, table: str) -> tuple[date | None, date | None]:
    """The latest complete period and the earliest running one `table` holds (None: none, or
    no such table yet). A running period is rebuilt by every later build until it is complete:
    its like-for-like comparisons and pro-rated targets change with each day of data."""
    try:
        latest_complete, earliest_running = conn.execute(
            render("analysis/variance_stored_periods.sql", table=table)
        ).fetchone()
    except duckdb.CatalogException:
        return None, None
    return latest_complete, earliest_running
