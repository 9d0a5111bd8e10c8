"""marts.variance: actual against target, prior period and last year, worked out by hand."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from sales_pipeline.partitions import MONTHLY
from sales_pipeline_tests.analysis.handmade import (
    Activity,
    Rep,
    add_facts,
    add_membership,
    add_reps,
    add_targets,
    analysis_config,
    build,
    check_outcomes,
    create_staging,
    rows,
)

ANN = Rep("ann", "Ann", "North", "Field Sales")
BOB = Rep("bob", "Bob", "North", "Field Sales")
CID = Rep("cid", "Cid", "South", "Field Sales")
DEE = Rep("dee", "Dee", "South", "Field Sales")  # a target, no activity
EVE = Rep("eve", "Eve", "South", "Field Sales")
MAR_2025 = date(2025, 3, 1)
START, END = date(2024, 1, 1), date(2025, 4, 1)


def sales(amount: float, **more: float) -> dict[str, float]:
    return {"sales_volume": amount, **more}


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    create_staging(connection)
    add_reps(connection, [ANN, BOB, CID, DEE, EVE])
    add_facts(connection, MONTHLY, [
        # January 2024 is where the data starts.
        Activity(date(2024, 1, 1), ANN, sales(500)),
        Activity(date(2024, 1, 1), BOB, sales(300)),
        # March 2024: last year for March 2025.
        Activity(date(2024, 3, 1), ANN, sales(550)),
        Activity(date(2024, 3, 1), CID, sales(700)),
        # February 2025: the prior period.
        Activity(date(2025, 2, 1), ANN, sales(880)),
        Activity(date(2025, 2, 1), CID, sales(1000)),
        # March 2025.
        Activity(MAR_2025, ANN, sales(1100, calls_connected=10, talk_seconds=1200, orders=4)),
        Activity(MAR_2025, BOB, sales(950, orders=2)),
        Activity(MAR_2025, CID, sales(800)),
        Activity(MAR_2025, EVE, sales(799.99)),
    ])
    add_targets(connection, [
        *[(rep.rep_id, "sales_volume", "Month", MAR_2025, 1000) for rep in (ANN, BOB, CID, DEE, EVE)],
        ("ann", "avg_call_seconds", "Month", MAR_2025, 100),
        ("ann", "orders", "Month", MAR_2025, 5),
        ("bob", "orders", "Month", MAR_2025, 0),
    ])
    build(connection, MONTHLY, START, END, analyses=("targets", "variance"))
    return connection


def variance(conn: duckdb.DuckDBPyConnection, metric: str, period: date = MAR_2025
             ) -> dict[tuple[str, str], dict[str, object]]:
    found = rows(conn, "SELECT * FROM marts.variance_monthly WHERE metric = ? AND period_start = ?",
                 [metric, period])
    return {(row["level"], row["entity_id"]): row for row in found}


COLUMNS = ("actual", "target", "gap", "attainment", "prior_actual", "pop_change", "pop_change_pct",
           "last_year_actual", "yoy_change", "yoy_change_pct", "status")
EXPECTED_SALES_VOLUME = {
    # level, entity: actual, target, gap, attainment, prior, pop, pop %, last year, yoy, yoy %, status
    ("rep", "ann"): (1100, 1000, 100, 1.1, 880, 220, 0.25, 550, 550, 1.0, "ahead"),
    # bob had no row in February 2025 or March 2024, both inside the data: 0, and no percentage.
    ("rep", "bob"): (950, 1000, -50, 0.95, 0, 950, None, 0, 950, None, "on_track"),
    ("rep", "cid"): (800, 1000, -200, 0.8, 1000, -200, -0.2, 700, 100, 100 / 700, "at_risk"),
    ("rep", "dee"): (0, 1000, -1000, 0, 0, 0, None, 0, 0, None, "behind"),
    ("rep", "eve"): (799.99, 1000, -200.01, 0.79999, 0, 799.99, None, 0, 799.99, None, "behind"),
    ("team", "North"): (2050, 2000, 50, 1.025, 880, 1170, 1170 / 880, 550, 1500, 1500 / 550,
                        "on_track"),
    ("team", "South"): (1599.99, 3000, -1400.01, 1599.99 / 3000, 1000, 599.99, 0.59999, 700,
                        899.99, 899.99 / 700, "behind"),
    ("department", "Field Sales"): (3649.99, 5000, -1350.01, 0.729998, 1880, 1769.99,
                                    1769.99 / 1880, 1250, 2399.99, 2399.99 / 1250, "behind"),
}


def test_sales_volume_against_target_prior_and_last_year(conn: duckdb.DuckDBPyConnection) -> None:
    found = variance(conn, "sales_volume")
    assert set(found) == set(EXPECTED_SALES_VOLUME)
    for key, expected in EXPECTED_SALES_VOLUME.items():
        row = found[key]
        actual = tuple(row[column] for column in COLUMNS)
        assert actual == pytest.approx(expected, abs=1e-9), key
    dee, department = found[("rep", "dee")], found[("department", "Field Sales")]
    assert (dee["team"], dee["department"], dee["entity_name"]) == ("South", "Field Sales", "Dee")
    assert department["team"] is None
    assert (department["prior_period_start"], department["last_year_period_start"]) == (
        date(2025, 2, 1), date(2024, 3, 1))


def test_non_additive_and_zero_targets(conn: duckdb.DuckDBPyConnection) -> None:
    average = variance(conn, "avg_call_seconds")
    # ann: 1200 s over 10 calls = 120 against 100. Teams get no target for an average.
    assert (average[("rep", "ann")]["actual"], average[("rep", "ann")]["attainment"]) == (120, 1.2)
    assert average[("rep", "ann")]["status"] == "ahead"
    assert average[("team", "North")]["target"] is None
    assert average[("team", "North")]["status"] == "no_target"
    # No call connected: no average (NULL), not 0; the same for dee who did nothing.
    assert average[("rep", "bob")]["actual"] is None and average[("rep", "dee")]["actual"] is None
    orders = variance(conn, "orders")
    # A target of 0 leaves attainment undefined.
    assert (orders[("rep", "bob")]["gap"], orders[("rep", "bob")]["attainment"],
            orders[("rep", "bob")]["status"]) == (2, None, "no_target")
    assert orders[("team", "North")]["target"] == 5  # 5 + 0
    assert orders[("rep", "cid")]["status"] == "no_target"


def test_first_period_has_no_prior_and_no_last_year(conn: duckdb.DuckDBPyConnection) -> None:
    january = variance(conn, "sales_volume", date(2024, 1, 1))
    assert {key: (row["prior_actual"], row["last_year_actual"], row["pop_change"],
                  row["yoy_change_pct"]) for key, row in january.items()} == {
        key: (None, None, None, None)
        for key in (("rep", "ann"), ("rep", "bob"), ("team", "North"), ("department", "Field Sales"))
    }
    march = variance(conn, "sales_volume", date(2024, 3, 1))
    # February 2024 is inside the data (no row at all that month): prior 0; March 2023 is not.
    assert (march[("rep", "ann")]["prior_actual"], march[("rep", "ann")]["last_year_actual"]) == (
        0, None)


def test_status_thresholds_are_configurable(conn: duckdb.DuckDBPyConnection) -> None:
    strict = analysis_config(status_ahead=1.2, status_on_track=1.0, status_at_risk=0.9)
    build(conn, MONTHLY, MAR_2025, END, config=strict, analyses=("variance",))
    statuses = {key: row["status"] for key, row in variance(conn, "sales_volume").items()}
    assert statuses[("rep", "ann")] == "on_track"
    assert statuses[("rep", "bob")] == "at_risk"
    assert statuses[("rep", "cid")] == "behind"


def test_a_rep_in_two_teams_in_one_period_is_one_row_with_all_of_her_activity(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    # eve also sold 5.00 for North in March before her move to South: the contract's rep mart
    # has a row in each team, her total is 804.99, and she is shown under South, her team at
    # the end of March, against her target of 1000 (80.5 %: at risk, not 80.0 % behind).
    conn.execute("INSERT INTO marts.rep_activity_monthly BY NAME SELECT * REPLACE ('North' AS team, "
                 "5.0 AS sales_volume) FROM marts.rep_activity_monthly WHERE rep_id = 'eve'")
    conn.execute("UPDATE marts.rep_total_activity_monthly SET sales_volume = sales_volume + 5 "
                 "WHERE rep_id = 'eve' AND period_start = ?", [MAR_2025])
    conn.execute("UPDATE marts.team_activity_monthly SET sales_volume = sales_volume + 5 "
                 "WHERE team = 'North' AND period_start = ?", [MAR_2025])
    # In February she was in North (from 1 February to 5 March) and sold 300 there: her prior
    # period is her own 300, though her row is now shown under South.
    add_membership(conn, "e-north", "eve", "North", "Field Sales", date(2025, 2, 1),
                   date(2025, 3, 5))
    conn.execute("INSERT INTO marts.rep_total_activity_monthly BY NAME SELECT * REPLACE "
                 "(DATE '2025-02-01' AS period_start, 300.0 AS sales_volume) "
                 "FROM marts.rep_total_activity_monthly WHERE rep_id = 'eve'")
    build(conn, MONTHLY, START, END, analyses=("targets", "variance"))
    eve = rows(conn, "SELECT team, actual, target, status, prior_actual FROM marts.variance_monthly "
               "WHERE entity_id = 'eve' AND metric = 'sales_volume' AND period_start = ? "
               "ORDER BY team", [MAR_2025])
    assert eve == [{"team": "South", "actual": 804.99, "target": 1000, "status": "at_risk",
                    "prior_actual": 300}]
    (february,) = rows(conn, "SELECT team FROM marts.variance_monthly WHERE entity_id = 'eve' "
                       "AND metric = 'sales_volume' AND period_start = DATE '2025-02-01'")
    assert february == {"team": "North"}
    # Teams keep counting activity where it happened.
    north = variance(conn, "sales_volume")[("team", "North")]
    assert (north["actual"], north["target"]) == (2055, 2000)


def test_window_rebuilds_are_idempotent_and_checked(conn: duckdb.DuckDBPyConnection) -> None:
    whole = rows(conn, "SELECT * FROM marts.variance_monthly ORDER BY ALL")
    # Month by month gives the same table as the whole range at once, and so does a re-run.
    month = START
    while month < END:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        build(conn, MONTHLY, month, following, analyses=("variance",))
        month = following
    assert rows(conn, "SELECT * FROM marts.variance_monthly ORDER BY ALL") == whole
    outcomes = check_outcomes(conn, "variance", MONTHLY, START, END)
    assert all(passed for passed, _ in outcomes.values()), outcomes
    # Every entity has every metric: 10 metrics x 8 entities in March 2025.
    assert len(rows(conn, "SELECT 1 FROM marts.variance_monthly WHERE period_start = ?",
                    [MAR_2025])) == 80


def test_only_sellers_are_reps_and_their_targets_make_the_team_target(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    # North's manager sold 400 in March and has a target of 2000 (North's quota, as managers'
    # targets usually are): no rep row for her, her sales count for North, her target does not.
    mia = Rep("mia", "Mia", "North", "Field Sales", title="Regional Sales Manager")
    add_reps(conn, [mia])
    conn.execute("INSERT INTO marts.rep_total_activity_monthly BY NAME SELECT * REPLACE "
                 "('mia' AS rep_id, 'Mia' AS rep_name, 400.0 AS sales_volume) "
                 "FROM marts.rep_total_activity_monthly WHERE rep_id = 'bob' AND period_start = ?",
                 [MAR_2025])
    conn.execute("UPDATE marts.team_activity_monthly SET sales_volume = sales_volume + 400 "
                 "WHERE team = 'North' AND period_start = ?", [MAR_2025])
    add_targets(conn, [("mia", "sales_volume", "Month", MAR_2025, 2000)])
    build(conn, MONTHLY, START, END, analyses=("targets", "variance"))
    found = variance(conn, "sales_volume")
    assert ("rep", "mia") not in found
    assert (found[("team", "North")]["actual"], found[("team", "North")]["target"]) == (2450, 2000)
    assert found[("team", "North")]["status"] == "ahead"  # 2450 / 2000 = 1.225
    outcomes = check_outcomes(conn, "variance", MONTHLY, START, END)
    assert all(passed for passed, _ in outcomes.values()), outcomes
    # Whoever the rule names: with no pattern that matches her, she is a rep again.
    build(conn, MONTHLY, START, END, config=analysis_config(non_seller_titles="^nobody$"),
          analyses=("variance",))
    assert variance(conn, "sales_volume")[("rep", "mia")]["actual"] == 400
