"""marts.targets: targets as set in the CRM and rolled up into quarters and years, by hand."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from sales_pipeline.partitions import MONTHLY, QUARTERLY, WEEKLY, YEARLY, Grain
from sales_pipeline_tests.analysis.handmade import (
    Rep,
    add_facts,
    add_membership,
    add_reps,
    add_targets,
    build,
    check_outcomes,
    create_staging,
    rows,
)

ANN = Rep("ann", "Ann", "North", "Field Sales")
BOB = Rep("bob", "Bob", "North", "Field Sales")


def months(rep_id: str, metric: str, year: int, values: dict[int, float]
           ) -> list[tuple[str, str, str, date, float]]:
    return [(rep_id, metric, "Month", date(year, month, 1), value)
            for month, value in values.items()]


def targets(conn: duckdb.DuckDBPyConnection, grain: Grain) -> dict[tuple, tuple]:
    found = rows(conn, f"SELECT * FROM marts.targets_{grain.name}")
    return {(r["rep_id"], r["metric"], r["period_start"]): (r["target"], r["origin"])
            for r in found}


def build_all(conn: duckdb.DuckDBPyConnection, grain: Grain) -> None:
    add_facts(conn, grain, [])
    build(conn, grain, date(2024, 1, 1), date(2025, 1, 1), analyses=("targets",))


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    create_staging(connection)
    add_reps(connection, [ANN, BOB])
    every_month = dict.fromkeys(range(1, 13), 100.0)
    add_targets(connection, [
        # ann, sales_volume: Q1 from 100 + 200 + 300; Q2 set as a quarter (900) although its
        # months are there too; Q3 and Q4 from their months. The year: 600 + 900 + 300 + 300.
        *months("ann", "sales_volume", 2024, {1: 100, 2: 200, 3: 300, **{m: 100 for m in range(4, 13)}}),
        ("ann", "sales_volume", "Quarter", date(2024, 4, 1), 900),
        # ann, orders: complete months, but a year target set in the CRM wins.
        *months("ann", "orders", 2024, dict.fromkeys(range(1, 13), 10.0)),
        ("ann", "orders", "Year", date(2024, 1, 1), 400),
        # ann, avg_call_seconds: not additive, so months never make a quarter; a quarter set
        # in the CRM stays.
        *months("ann", "avg_call_seconds", 2024, every_month),
        ("ann", "avg_call_seconds", "Quarter", date(2024, 7, 1), 120),
        # bob, sales_volume: May missing, so no Q2 and no year.
        *months("bob", "sales_volume", 2024, {m: 50.0 for m in range(1, 13) if m != 5}),
        # bob, calls_made: twice for January with different Ids; the later line wins.
        ("bob", "calls_made", "Month", date(2024, 1, 1), 500),
        ("bob", "calls_made", "Month", date(2024, 1, 1), 700),
        # Weekly targets never roll up into months.
        *[("bob", "visits", "Week", date(2024, 1, day), 5) for day in (1, 8, 15, 22, 29)],
    ])
    return connection


def test_months_and_weeks_as_set(conn: duckdb.DuckDBPyConnection) -> None:
    build_all(conn, MONTHLY)
    monthly = targets(conn, MONTHLY)
    assert monthly[("bob", "calls_made", date(2024, 1, 1))] == (700, "set")
    assert monthly[("ann", "sales_volume", date(2024, 3, 1))] == (300, "set")
    assert not any(metric == "visits" for _, metric, _ in monthly)
    build_all(conn, WEEKLY)
    weekly = targets(conn, WEEKLY)
    assert weekly == {("bob", "visits", date(2024, 1, day)): (5, "set") for day in (1, 8, 15, 22, 29)}


def test_quarters_from_three_months(conn: duckdb.DuckDBPyConnection) -> None:
    build_all(conn, QUARTERLY)
    quarterly = targets(conn, QUARTERLY)
    q1, q2, q3, q4 = (date(2024, m, 1) for m in (1, 4, 7, 10))
    assert quarterly[("ann", "sales_volume", q1)] == (600, "rolled_up")
    assert quarterly[("ann", "sales_volume", q2)] == (900, "set")
    assert quarterly[("ann", "sales_volume", q3)] == (300, "rolled_up")
    assert quarterly[("bob", "sales_volume", q1)] == (150, "rolled_up")
    assert ("bob", "sales_volume", q2) not in quarterly  # May has no target
    assert quarterly[("ann", "orders", q4)] == (30, "rolled_up")
    # Not additive: only the quarter set in the CRM.
    assert {key: value for key, value in quarterly.items() if key[1] == "avg_call_seconds"} == {
        ("ann", "avg_call_seconds", q3): (120, "set")
    }
    # bob's calls_made has one month in Q1 only.
    assert not any(metric == "calls_made" for _, metric, _ in quarterly)


def test_years_from_four_quarters(conn: duckdb.DuckDBPyConnection) -> None:
    build_all(conn, YEARLY)
    assert targets(conn, YEARLY) == {
        ("ann", "sales_volume", date(2024, 1, 1)): (2100, "rolled_up"),
        ("ann", "orders", date(2024, 1, 1)): (400, "set"),
    }


def test_team_of_a_target_is_the_team_on_the_last_day(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("INSERT INTO staging.users (user_id, rep_name) VALUES ('cat', 'Cat'), ('dan', 'Dan'), "
                 "('eve', 'Eve'), ('zed', 'Zed')")
    # cat moves from North to South on 21 January: January's target belongs to South.
    add_membership(conn, "c1", "cat", "North", "Field Sales", date(2023, 1, 1), date(2024, 1, 20))
    add_membership(conn, "c2", "cat", "South", "Inside Sales", date(2024, 1, 21), None)
    # dan leaves North on 10 February and joins no team: February's target stays with North.
    add_membership(conn, "d1", "dan", "North", "Field Sales", date(2023, 1, 1), date(2024, 2, 10))
    # eve is in two teams on 31 March: the one she joined last wins.
    add_membership(conn, "e1", "eve", "East", "Field Sales", date(2023, 1, 1), None)
    add_membership(conn, "e2", "eve", "West", "Field Sales", date(2024, 3, 15), None)
    # zed has no membership at all.
    add_targets(conn, [("cat", "orders", "Month", date(2024, 1, 1), 1),
                       ("dan", "orders", "Month", date(2024, 2, 1), 1),
                       ("eve", "orders", "Month", date(2024, 3, 1), 1),
                       ("zed", "orders", "Month", date(2024, 6, 1), 1)])
    build_all(conn, MONTHLY)

    teams = {r["rep_id"]: (r["team"], r["department"]) for r in rows(
        conn, "SELECT * FROM marts.targets_monthly WHERE rep_id IN ('cat', 'dan', 'eve', 'zed')")}
    assert teams == {
        "cat": ("South", "Inside Sales"),
        "dan": ("North", "Field Sales"),
        "eve": ("West", "Field Sales"),
        "zed": ("Unassigned", "Unassigned"),
    }


def test_rebuilding_a_window_is_idempotent(conn: duckdb.DuckDBPyConnection) -> None:
    build_all(conn, QUARTERLY)
    first = rows(conn, "SELECT * FROM marts.targets_quarterly ORDER BY ALL")
    # One quarter on its own, then the year again: the same table.
    build(conn, QUARTERLY, date(2024, 4, 1), date(2024, 7, 1), analyses=("targets",))
    build(conn, QUARTERLY, date(2024, 1, 1), date(2025, 1, 1), analyses=("targets",))
    assert rows(conn, "SELECT * FROM marts.targets_quarterly ORDER BY ALL") == first


def test_rollup_check_recomputes_from_staging(conn: duckdb.DuckDBPyConnection) -> None:
    window = (date(2024, 1, 1), date(2025, 1, 1))
    for grain in (MONTHLY, QUARTERLY, YEARLY):
        build_all(conn, grain)
        assert all(passed for passed, _ in check_outcomes(conn, "targets", grain, *window).values())
    conn.execute("UPDATE marts.targets_yearly SET target = target + 1 WHERE origin = 'rolled_up'")
    passed, details = check_outcomes(conn, "targets", YEARLY, *window)["rollup_consistent"]
    assert not passed and details["rollups_not_matching"] == 1
