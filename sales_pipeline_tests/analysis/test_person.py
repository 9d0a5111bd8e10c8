"""Reps are sellers judged as persons: one row per period, all of the rep's teams together, and
no row for a manager.

Real Dagster runs of the whole pipeline on the contract's landing area (its people and rows are
described in `contract/landing.py`), plus a target and a manager.

A mover: 005B Ben Carter is in NY East until Wed
2026-03-04, in no team on Thu 03-05 and in NY West from Fri 03-06, and has a March target of 6
calls made. The contract's rep mart keeps three March rows for him, one per team; the analysis
judges him once, on all 5 of his calls (1 in NY East, 2 unassigned, 2 in NY West), under NY West,
his team at the end of March (docs/analysis.md, "A rep is judged as a person"). Judged per team he
was 2 of 6, 33 %, behind; as a person he is 5 of 6, 83 %, at risk.

Every figure is summed by hand from the contract's per-team rows (UTC):
    NY East     CA13 200 s, EV08 Visit, D08 9.009
    Unassigned  CA14 100 s + CA34 30 s
    NY West     CA15 (failed), CA38 45 s, EV09 Meeting, D07 80 + D24 12.344

A manager: 005M Mia Lopez, "Regional Sales Manager" of NY West, made one call (CA60, 60 s to the
decision maker 003C4) in March and has a March target of 20 calls (NY West's quota). She is not a
rep (SALES_NON_SELLER_TITLES): no rep row, ranking, driver or plan; her call counts for NY West,
her target does not (docs/analysis.md, "Only sellers are ranked").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from sales_pipeline.partitions import MONTHLY
from sales_pipeline.reports.data import load_report_data
from sales_pipeline_tests.contract.landing import (
    CALL_COLUMNS,
    CALLS_0309,
    MEMBERSHIP_COLUMNS,
    MEMBERSHIPS,
    OUT,
    TARGET_COLUMNS,
    TARGETS,
    USER_COLUMNS,
    USERS,
    build_landing,
    call,
    write_csv,
)

MARCH, WEEK_A = date(2026, 3, 1), date(2026, 3, 2)
BEN = "005B"
BEN_TARGET = {"Id": "t06", "User__c": BEN, "Metric__c": "calls_made", "Period_Type__c": "Month",
              "Period_Start__c": "2026-03-01", "Target__c": "6"}
MIA = "005M"
MIA_PHONE = "+1 212 555 0113"
METRIC_COUNT = 10


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple[object, ...]]:
    return conn.execute(sql, list(params)).fetchall()


def test_a_mover_is_one_row_with_all_of_his_activity_and_a_manager_is_no_rep(
    run_pipeline: Callable[..., duckdb.DuckDBPyConnection], tmp_path: Path
) -> None:
    landing = build_landing(tmp_path / "landing")
    write_csv(landing / "crm/Sales_Target__c.csv", TARGET_COLUMNS, [
        *TARGETS, BEN_TARGET,
        {"Id": "t07", "User__c": MIA, "Metric__c": "calls_made", "Period_Type__c": "Month",
         "Period_Start__c": "2026-03-01", "Target__c": "20"}])
    write_csv(landing / "crm/User.csv", USER_COLUMNS, [
        *USERS,
        {"Id": MIA, "Name": "Mia Lopez", "Email": "mia@example.com", "EmployeeNumber": "E13",
         "Phone": MIA_PHONE, "Title": "Regional Sales Manager", "IsActive": "true",
         "Department": "Sales"}])
    write_csv(landing / "crm/Team_Membership__c.csv", MEMBERSHIP_COLUMNS, [
        *MEMBERSHIPS,
        {"Id": "a20", "User__c": MIA, "Team__c": "NY West", "Department__c": "Americas",
         "Start_Date__c": "2025-01-01", "End_Date__c": ""}])
    write_csv(landing / "telephony/calls_2026-03-09.csv", CALL_COLUMNS, [
        *CALLS_0309,
        call("CA60", OUT, MIA_PHONE, "+1 212 555 0204", "completed", "2026-03-12T16:00:00Z", "60",
             "human")])
    # The landing's events end mid-March; the operator declares March complete, so it is judged
    # as a whole month (without it, March is "to date": test_periods.py).
    conn = run_pipeline(landing, SALES_AS_OF="2026-03-31")

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

    # Teams keep counting activity where it happened, the manager's call included; NY West's
    # target is its sellers' targets (Ben's 6, not Mia's 20).
    teams = dict((team, (actual, target)) for team, actual, target in _rows(
        conn, "SELECT entity_id, actual, target FROM marts.variance_monthly WHERE level = 'team' "
        "AND metric = 'calls_made' AND period_start = ? AND department = 'Americas'", MARCH))
    assert teams == {"NY East": (1.0, None), "NY West": (3.0, 6.0)}

    # The manager: her activity is in the facts, and she is nowhere a rep.
    assert _rows(conn, "SELECT team, calls_made, calls_connected FROM marts.rep_activity_monthly "
                 "WHERE rep_id = ? AND period_start = ?", MIA, MARCH) == [("NY West", 1, 1)]
    for grain in ("weekly", "monthly", "quarterly", "yearly"):
        for table, rep in ((f"variance_{grain}", "entity_id"), (f"trends_{grain}", "entity_id"),
                           (f"drivers_{grain}", "rep_id"), (f"action_plan_{grain}", "rep_id")):
            assert _rows(conn, f"SELECT count(*) FROM marts.{table} WHERE {rep} = ?", MIA) == [
                (0,)], table

    # Trends, drivers and the action plan follow the one row.
    assert _rows(conn, "SELECT DISTINCT team, periods_used FROM marts.trends_monthly "
                 "WHERE level = 'rep' AND entity_id = ? AND period_start = ? "
                 "AND metric = 'calls_made'", BEN, MARCH) == [("NY West", 1)]
    drivers = _rows(conn, "SELECT comparison, team, sales_volume, base_sales_volume, cause "
                    "FROM marts.drivers_monthly WHERE rep_id = ? AND period_start = ? "
                    "ORDER BY comparison", BEN, MARCH)
    assert drivers == [
        ("last_year", "NY West", Decimal("101.35"), None, "no_base"),
        # Ben is NY West's only seller (Mia manages it): fewer than three peers, no peer base.
        ("peers", "NY West", Decimal("101.35"), None, "no_base"),
        ("prior_period", "NY West", Decimal("101.35"), Decimal("0.00"), "no_shortfall"),
    ]
    # 'Unassigned' is no team: no team or department rows; its activity is a data-quality
    # finding that the reports list by rep, day and reason. Ben's Thursday 03-05 (CA14, CA34)
    # fell between his memberships; Dan's only membership was rejected (EV10 and the return D19
    # on 03-03, CA31 on 03-04).
    for grain in ("weekly", "monthly", "quarterly", "yearly"):
        assert _rows(conn, f"SELECT count(*) FROM marts.variance_{grain} WHERE level <> 'rep' "
                     "AND department = 'Unassigned'") == [(0,)]
    data = load_report_data(conn, MONTHLY, MARCH, date(2026, 4, 1))
    assert [(row["rep_id"], [str(day) for day in row["days"]], row["activities"], row["reason"])
            for row in data.unassigned[MARCH]] == [
        (BEN, ["2026-03-05"], 2, "between or after team memberships"),
        ("005D", ["2026-03-03", "2026-03-04"], 3, "no team membership in the CRM"),
    ]
    assert all(department != "Unassigned" for _, department in data.teams(MARCH))

    # No rep anywhere has two rows in one period: one variance row per metric, one drivers row
    # per comparison, one action plan.
    for grain in ("weekly", "monthly", "quarterly", "yearly"):
        for table, key in ((f"variance_{grain}", "level = 'rep'"), (f"drivers_{grain}", "TRUE"),
                           (f"action_plan_{grain}", "TRUE")):
            rep = "entity_id" if table.startswith("variance") else "rep_id"
            assert _rows(conn, f"SELECT period_start, {rep} FROM marts.{table} WHERE {key} "
                         f"GROUP BY ALL HAVING count(DISTINCT team) > 1") == [], table
