"""A rep is judged as a person: one row per period, all of the rep's teams together.

Real Dagster runs of the whole pipeline on the contract's landing area (its people and rows are
described in `contract/landing.py`), plus one target: 005B Ben Carter is in NY East until Wed
2026-03-04, in no team on Thu 03-05 and in NY West from Fri 03-06, and has a March target of 6
calls made. The contract's rep mart keeps three March rows for him, one per team; the analysis
judges him once, on all 5 of his calls (1 in NY East, 2 unassigned, 2 in NY West), under NY West,
his team at the end of March (docs/analysis.md, "A rep is judged as a person"). Judged per team he
was 2 of 6, 33 %, behind; as a person he is 5 of 6, 83 %, at risk.

Every figure is summed by hand from the contract's per-team rows (UTC):
    NY East     CA13 200 s, EV08 Visit, D08 9.009
    Unassigned  CA14 100 s + CA34 30 s
    NY West     CA15 (failed), CA38 45 s, EV09 Meeting, D07 80 + D24 12.344
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from sales_pipeline_tests.contract.landing import (
    TARGET_COLUMNS,
    TARGETS,
    build_landing,
    write_csv,
)

MARCH, WEEK_A = date(2026, 3, 1), date(2026, 3, 2)
BEN = "005B"
BEN_TARGET = {"Id": "t06", "User__c": BEN, "Metric__c": "calls_made", "Period_Type__c": "Month",
              "Period_Start__c": "2026-03-01", "Target__c": "6"}
METRIC_COUNT = 10


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple[object, ...]]:
    return conn.execute(sql, list(params)).fetchall()


def test_a_rep_who_changed_team_mid_month_is_one_row_with_all_of_his_activity(
    run_pipeline: Callable[..., duckdb.DuckDBPyConnection], tmp_path: Path
) -> None:
    landing = build_landing(tmp_path / "landing")
    write_csv(landing / "crm/Sales_Target__c.csv", TARGET_COLUMNS, [*TARGETS, BEN_TARGET])
    conn = run_pipeline(landing)

    # The contract's mart counts him where he worked; rep_total counts him once.
    assert _rows(conn, "SELECT team, calls_made FROM marts.rep_activity_monthly "
                 "WHERE rep_id = ? AND period_start = ? ORDER BY team", BEN, MARCH) == [
        ("NY East", 1), ("NY West", 2), ("Unassigned", 2)]
    assert _rows(conn, "SELECT * FROM marts.rep_total_activity_monthly "
                 "WHERE rep_id = ? AND period_start = ?", BEN, MARCH) == [
        (MARCH, BEN, "Ben Carter", 5, 4, 375, 375 / 4, 5, 1, 1, 1, 3, Decimal("101.35"))]
    # Week A holds the whole move: 1 + 2 + 1 calls, 9.009 + 80 = 89.01.
    assert _rows(conn, "SELECT calls_made, sales_volume FROM marts.rep_total_activity_weekly "
                 "WHERE rep_id = ? AND period_start = ?", BEN, WEEK_A) == [(4, Decimal("89.01"))]

    # Variance: one row per metric, under NY West, against his target; February is inside the
    # data (it starts in December 2025) with nothing of his: 0; March 2025 is before it: NULL.
    variance = _rows(
        conn,
        "SELECT metric, team, department, actual, target, attainment, status, prior_actual, "
        "last_year_actual FROM marts.variance_monthly "
        "WHERE level = 'rep' AND entity_id = ? AND period_start = ? ORDER BY metric", BEN, MARCH)
    assert len(variance) == METRIC_COUNT
    assert {(team, department) for _, team, department, *_ in variance} == {("NY West", "Americas")}
    by_metric = {row[0]: row[3:] for row in variance}
    assert by_metric["calls_made"] == (5.0, 6.0, 5 / 6, "at_risk", 0.0, None)
    assert by_metric["sales_volume"] == (101.35, None, None, "no_target", 0.0, None)
    assert by_metric["avg_call_seconds"][0] == 93.75
    # The weekly rows too: one per metric, under NY West (his team on Sunday 03-08).
    assert _rows(conn, "SELECT DISTINCT team, count(*) FROM marts.variance_weekly "
                 "WHERE level = 'rep' AND entity_id = ? AND period_start = ? GROUP BY team",
                 BEN, WEEK_A) == [("NY West", METRIC_COUNT)]

    # Teams keep counting activity where it happened; NY West's target is its reps' targets.
    teams = dict((team, (actual, target)) for team, actual, target in _rows(
        conn, "SELECT entity_id, actual, target FROM marts.variance_monthly WHERE level = 'team' "
        "AND metric = 'calls_made' AND period_start = ? AND department = 'Americas'", MARCH))
    assert teams == {"NY East": (1.0, None), "NY West": (2.0, 6.0)}

    # Trends, drivers and the action plan follow the one row.
    assert _rows(conn, "SELECT DISTINCT team, periods_used FROM marts.trends_monthly "
                 "WHERE level = 'rep' AND entity_id = ? AND period_start = ? "
                 "AND metric = 'calls_made'", BEN, MARCH) == [("NY West", 1)]
    drivers = _rows(conn, "SELECT comparison, team, sales_volume, base_sales_volume, cause "
                    "FROM marts.drivers_monthly WHERE rep_id = ? AND period_start = ? "
                    "ORDER BY comparison", BEN, MARCH)
    assert drivers == [
        ("last_year", "NY West", Decimal("101.35"), None, "no_base"),
        ("prior_period", "NY West", Decimal("101.35"), Decimal("0.00"), "on_track"),
    ]
    # No rep anywhere has two rows in one period: one variance row per metric, one drivers row
    # per comparison, one action plan.
    for grain in ("weekly", "monthly", "quarterly", "yearly"):
        for table, key in ((f"variance_{grain}", "level = 'rep'"), (f"drivers_{grain}", "TRUE"),
                           (f"action_plan_{grain}", "TRUE")):
            rep = "entity_id" if table.startswith("variance") else "rep_id"
            assert _rows(conn, f"SELECT period_start, {rep} FROM marts.{table} WHERE {key} "
                         f"GROUP BY ALL HAVING count(DISTINCT team) > 1") == [], table
