"""marts.drivers_<grain>: why a rep's sales volume deviates, split into exact driver effects.

sales_volume = activity x conversion x avg_order_value, where activity is visits for field reps
and connected calls for inside reps, conversion is orders per activity and avg_order_value is
sales_volume per order. The change against target, the prior period and the same period last
year is split into the three effects by LMDI (log-mean Divisia) when every factor is positive on
both sides, else by the Shapley value of the three factors; both add up to the change exactly,
and the effects are stored in cents that add up to the change in cents. Each deviation is
classified (effort, skill, value, mixed) beside the funnel calls -> connected -> decision-maker
conversations -> orders. Built by `sql/analysis/drivers.sql`; decisions in docs/analysis.md.
"""

from __future__ import annotations

from typing import Any

NAME = "drivers"
DESCRIPTION = (
    "sales_volume change per rep and {unit} against target, prior {unit} and last year, split "
    "into activity, conversion and order value effects that add up to the cent (one row per "
    "period_start, rep_id, team, department, comparison)."
)
CHECKS: dict[str, str] = {
    "effects_sum_to_total_change": "On every row with a base, activity_effect + "
    "conversion_effect + value_effect equals total_change within 0.005, and total_change is "
    "sales_volume - base_sales_volume.",
    "keys_unique": "No two rows share (period_start, rep_id, team, department, comparison).",
}
CHECKS_SQL = "analysis/drivers_checks.sql"
KEY_TABLES = {
    "largest_shortfalls": "analysis/drivers_summary_shortfalls.sql",
    "causes": "analysis/drivers_summary_causes.sql",
}


def evaluate_checks(counts: dict[str, Any]) -> dict[str, tuple[bool, dict[str, Any]]]:
    sums = {name: int(counts[name]) for name in ("effects_not_summing", "totals_not_matching")}
    largest = counts["largest_difference"]
    details: dict[str, Any] = {**sums, "largest_difference": float(largest or 0.0)}
    keys = {"duplicate_keys": int(counts["duplicate_keys"])}
    return {
        "effects_sum_to_total_change": (not any(sums.values()), details),
        "keys_unique": (not any(keys.values()), keys),
    }
