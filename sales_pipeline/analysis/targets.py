"""marts.targets_<grain>: each rep's target per metric and period, as set or rolled up.

A target set in the CRM at the grain wins. Otherwise, for additive metrics only, a quarter gets
the sum of its three months when all three have one, and a year the sum of its four quarters
(set or rolled up) when all four have one. Weeks and months are never rolled up into. The rep's
team and department are those of the membership covering the period's last day.
Built by `sql/analysis/targets.sql`; decisions in docs/analysis.md.
"""

from __future__ import annotations

from typing import Any

NAME = "targets"
DESCRIPTION = (
    "Rep targets per metric and {unit} (one row per period_start, rep_id, metric): set in the "
    "CRM at this grain, or rolled up from finer periods (origin)."
)
CHECKS: dict[str, str] = {
    "keys_unique_and_present": "No two rows share (period_start, rep_id, metric); no key is null.",
    "rollup_consistent": "Targets set at this grain are kept as set; every rolled-up target is "
    "an additive metric and equals the sum of its months (quarters) or quarters (years), "
    "recomputed from staging.sales_targets.",
}
CHECKS_SQL = "analysis/targets_checks.sql"
KEY_TABLES = {"targets_by_metric": "analysis/targets_summary.sql"}


def evaluate_checks(counts: dict[str, Any]) -> dict[str, tuple[bool, dict[str, Any]]]:
    keys = {name: int(counts[name]) for name in ("duplicate_keys", "null_keys")}
    rollup = {
        name: int(counts[name])
        for name in ("rolled_up_rows", "rolled_up_non_additive", "set_targets_not_kept",
                     "rollups_not_matching")
    }
    rollup_failures = sum(v for k, v in rollup.items() if k != "rolled_up_rows")
    return {
        "keys_unique_and_present": (not any(keys.values()), keys),
        "rollup_consistent": (rollup_failures == 0, rollup),
    }
