"""marts.trends_<grain>: which way each rep, team and department is heading, and what is unusual.

Per variance row: rolling mean and least-squares slope over the last trend_window periods, the
slope's t statistic and a direction (up, flat, down, insufficient_history), a z score against the
entity's own previous periods and a robust z against its peers in the same period. Built by
`sql/analysis/trends.sql` from marts.variance_<grain>; decisions in docs/analysis.md.
"""

from __future__ import annotations

from typing import Any

NAME = "trends"
DESCRIPTION = (
    "Rolling mean, slope and direction over the last trend_window {unit}s, and anomalies "
    "against the entity's own history and its peers (one row per row of marts.variance_{grain})."
)
CHECKS: dict[str, str] = {
    "one_row_per_variance_row": "Every variance row of the window has exactly one trend row and "
    "no trend row lacks one.",
    "windows_within_bounds": "No trend uses more than trend_window periods, and a direction is "
    "insufficient_history exactly when fewer than trend_min_periods were used "
    "(a running period's is in_progress).",
}
CHECKS_SQL = "analysis/trends_checks.sql"
KEY_TABLES = {
    "rep_directions_by_metric": "analysis/trends_summary_directions.sql",
    "strongest_anomalies": "analysis/trends_summary_anomalies.sql",
}


def evaluate_checks(counts: dict[str, Any]) -> dict[str, tuple[bool, dict[str, Any]]]:
    rows = {
        name: int(counts[name])
        for name in ("duplicate_keys", "variance_rows_without_trend",
                     "trend_rows_without_variance")
    }
    bounds = {"windows_out_of_bounds": int(counts["windows_out_of_bounds"])}
    return {
        "one_row_per_variance_row": (not any(rows.values()), rows),
        "windows_within_bounds": (not any(bounds.values()), bounds),
    }
