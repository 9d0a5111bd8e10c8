"""A rep without a sales target is developed against the team's median seller, through the
whole pipeline (docs/reports.md, "Development areas"), hand-derived.

The landing of test_periods.py, plus two inside sellers in Athens North, Xenia (005X, E24) and
Yannis (005Y, E25). In February 2026 each of the three made 6 connected calls (Maria's on 2, 5,
9, 12, 20 and 25 February; theirs on the same days). Xenia took 2 orders worth 1,000 EUR, Yannis
1 worth 500 EUR, Maria none. Nobody has an orders or sales target, so the drivers have no
target comparison, and the peers (three inside sellers of Athens North) are the base: the
median seller made 6 calls, 1 order, 500 EUR. Maria sold 500 EUR less; her calls match the
median (no activity effect), her conversion is 0 against 1/6 (the whole shortfall), and her
order value is undefined (taken as the base's: no value effect).

Her plan: a strength (calls made 6 against her target of 5, 120%) and a development against the
median seller, with a commitment to its conversion. She is not praised only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from sales_pipeline_tests.analysis.test_periods import FEBRUARY_DAYS, MARIA, _landing
from sales_pipeline_tests.contract.landing import (
    C1_PHONE,
    CALL_COLUMNS,
    DOCUMENT_COLUMNS,
    MEMBERSHIP_COLUMNS,
    MEMBERSHIPS,
    OUT,
    USER_COLUMNS,
    USERS,
    call,
    document,
    write_csv,
)

FEBRUARY = date(2026, 2, 1)
COLLEAGUES = (("005X", "Xenia Lamb", "E24", "+30 210 555 0124"),
              ("005Y", "Yannis Roe", "E25", "+30 210 555 0125"))


def _team_landing(root: Path) -> Path:
    landing = _landing(root)
    write_csv(landing / "crm/User.csv", USER_COLUMNS, [*USERS, *(
        {"Id": user, "Name": name, "Email": f"{user}@example.com", "EmployeeNumber": number,
         "Phone": phone, "Title": "Account Executive", "IsActive": "true", "Department": "Sales"}
        for user, name, number, phone in COLLEAGUES)])
    write_csv(landing / "crm/Team_Membership__c.csv", MEMBERSHIP_COLUMNS, [*MEMBERSHIPS, *(
        {"Id": f"m{user}", "User__c": user, "Team__c": "Athens North", "Department__c": "Greece",
         "Start_Date__c": "2025-01-01", "End_Date__c": ""} for user, *_ in COLLEAGUES)])
    calls = [call(f"C{user}{day:02d}", OUT, phone, C1_PHONE, "completed",
                  f"2026-02-{day:02d}T11:00:00Z", "60", "human")
             for user, _, _, phone in COLLEAGUES for day in FEBRUARY_DAYS]
    write_csv(landing / "telephony/calls_2026-02-28.csv", CALL_COLUMNS, calls)
    write_csv(landing / "erp/sales_documents_2026-02-28.csv", DOCUMENT_COLUMNS, [
        document("DX1", "ORDER", "2026-02-10", "E24", "EUR", "400", "INVOICED",
                 "2026-02-10T10:00:00Z"),
        document("DX2", "ORDER", "2026-02-17", "E24", "EUR", "600", "INVOICED",
                 "2026-02-17T10:00:00Z"),
        document("DY1", "ORDER", "2026-02-18", "E25", "EUR", "500", "INVOICED",
                 "2026-02-18T10:00:00Z"),
    ])
    return landing


def test_a_rep_without_a_target_and_no_sales_is_developed_against_the_median_seller(
    run_pipeline: Callable[..., duckdb.DuckDBPyConnection], tmp_path: Path
) -> None:
    conn = run_pipeline(_team_landing(tmp_path / "landing"))

    peers = conn.execute(
        "SELECT activity, base_activity, base_conversion, base_sales_volume, total_change, "
        "activity_effect, conversion_effect, value_effect, cause FROM marts.drivers_monthly "
        "WHERE period_start = ? AND rep_id = ? AND comparison = 'peers'", [FEBRUARY, MARIA]
    ).fetchall()
    assert peers == [(6, 6, 1 / 6, Decimal("500.00"), Decimal("-500.00"), Decimal("0.00"),
                      Decimal("-500.00"), Decimal("0.00"), "skill")]
    assert conn.execute(
        "SELECT count(*) FROM marts.drivers_monthly WHERE period_start = ? AND rep_id = ? "
        "AND comparison = 'target'", [FEBRUARY, MARIA]).fetchone() == (0,)

    plan = conn.execute(
        "SELECT item, metric, reference_kind, statement FROM marts.action_plan_monthly "
        "WHERE period_start = ? AND rep_id = ? ORDER BY item DESC, rank", [FEBRUARY, MARIA]
    ).fetchall()
    assert plan == [
        ("strength", "calls_made", "target", "Calls made 6 vs target 5 (120%)."),
        ("development", "conversion", "peers",
         "Conversion 0.00 orders per connected call vs 0.17 of the team's median seller (-100%), "
         "costing 500 EUR in sales volume (sales volume 0 EUR vs 500 EUR of the team's median "
         "seller). Cause: skill (activity turns into fewer orders)."),
        ("commitment", "conversion", "peers",
         "Next month: at least 0.17 orders per connected call (0.00 this month), the level of "
         "the team's median seller, i.e. 1 order from 6 connected calls."),
    ]
