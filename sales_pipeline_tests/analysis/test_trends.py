"""marts.trends: slopes, directions and anomalies on tiny series worked out by hand."""

from __future__ import annotations

import math
from datetime import date

import duckdb
import pytest

from sales_pipeline.partitions import MONTHLY
from sales_pipeline_tests.analysis.handmade import (
    Activity,
    Rep,
    add_facts,
    add_reps,
    analysis_config,
    build,
    check_outcomes,
    create_staging,
    rows,
)

JUNE, JULY = date(2024, 6, 1), date(2024, 7, 1)
START, END = date(2024, 1, 1), date(2024, 8, 1)


def rep(rep_id: str, team: str) -> Rep:
    return Rep(rep_id, rep_id.capitalize(), team, "Field Sales")


ANN, BOB, HAL, IVY = (rep(name, "North") for name in ("ann", "bob", "hal", "ivy"))
DEE, EVE, GUS = (rep(name, "South") for name in ("dee", "eve", "gus"))
KIM = rep("kim", "Solo")
EAST = [rep(f"p{i}", "East") for i in range(1, 6)]

# Monthly sales_volume from January; None = no row that month.
SERIES: dict[Rep, list[float | None]] = {
    ANN: [10, 12, 11, 15, 14, 18],
    BOB: [10, 11, 10, 11, 10, 11],
    HAL: [1000, 1001, 1002, 1003, 1004, 1006],
    IVY: [18, 14, 15, 11, 12, 10],
    DEE: [10, 10, 11, 9, 10, 10, 20],
    EVE: [5, None, 6, 7, 8, 9],
    GUS: [None, None, None, 7, 8, 9],
}
# July orders of the East team and of a team of one.
PEER_ORDERS = {**dict(zip(EAST, (10, 11, 12, 13, 40), strict=True)), KIM: 50}


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    create_staging(connection)
    add_reps(connection, [*SERIES, *PEER_ORDERS])
    activity = [
        Activity(date(2024, month, 1), person, {"sales_volume": value})
        for person, series in SERIES.items()
        for month, value in enumerate(series, start=1)
        if value is not None
    ]
    activity += [Activity(JULY, person, {"orders": orders}) for person, orders in PEER_ORDERS.items()]
    add_facts(connection, MONTHLY, activity)
    build(connection, MONTHLY, START, END, analyses=("targets", "variance", "trends"))
    return connection


def trends(conn: duckdb.DuckDBPyConnection, metric: str, period: date
           ) -> dict[str, dict[str, object]]:
    found = rows(conn, "SELECT * FROM marts.trends_monthly WHERE level = 'rep' AND metric = ? "
                 "AND period_start = ?", [metric, period])
    return {row["entity_id"]: row for row in found}


def test_slope_and_t_of_a_rising_series(conn: duckdb.DuckDBPyConnection) -> None:
    # ann, January..June: 10 12 11 15 14 18 at x = 0..5. x mean 2.5, y mean 13.33;
    # Sxx = 17.5, Sxy = 225 - 6 x 2.5 x 13.33 = 25, slope = 25 / 17.5 = 1.4286 per month.
    # Syy = 1110 - 6 x 13.33^2 = 43.33, residual SS = 43.33 - 25^2 / 17.5 = 7.619,
    # SE = sqrt(7.619 / 4 / 17.5) = 0.32992, t = 1.4286 / 0.32992 = 4.3301.
    ann = trends(conn, "sales_volume", JUNE)["ann"]
    assert ann["periods_used"] == 6
    assert ann["rolling_mean"] == pytest.approx(80 / 6)
    assert ann["slope"] == pytest.approx(25 / 17.5)
    assert ann["slope_t"] == pytest.approx(4.3301270, abs=1e-6)
    assert ann["direction"] == "up"


def test_directions(conn: duckdb.DuckDBPyConnection) -> None:
    june = trends(conn, "sales_volume", JUNE)
    # bob zigzags: slope 0.0857, t = 0.61.
    assert (june["bob"]["slope_t"], june["bob"]["direction"]) == (pytest.approx(0.6124, abs=1e-4), "flat")
    # hal: t = 13.9, but 1.14 a month on a mean of 1003 is 0.1 % (< 2 %): flat.
    assert june["hal"]["slope_t"] == pytest.approx(13.8564, abs=1e-4)
    assert june["hal"]["direction"] == "flat"
    assert (june["ivy"]["slope_t"], june["ivy"]["direction"]) == (pytest.approx(-4.3301, abs=1e-4), "down")
    # eve had no row in February: a month of 0, so 5 0 6 7 8 9 (slope 1.2857, t = 2.298).
    assert june["eve"]["periods_used"] == 6
    assert (june["eve"]["slope"], june["eve"]["slope_t"]) == (
        pytest.approx(9 / 7), pytest.approx(2.2984, abs=1e-4))
    # gus started in April: the months before are not zeros, and 3 periods are too few.
    assert (june["gus"]["periods_used"], june["gus"]["direction"]) == (3, "insufficient_history")
    january = trends(conn, "sales_volume", START)
    assert {row["direction"] for row in january.values()} == {"insufficient_history"}


def test_an_exact_line_is_infinitely_significant(conn: duckdb.DuckDBPyConnection) -> None:
    build(conn, MONTHLY, JUNE, JULY, config=analysis_config(trend_window=3, trend_min_periods=3),
          analyses=("trends",))
    gus = trends(conn, "sales_volume", JUNE)["gus"]
    # 7 8 9: slope 1, no residual.
    assert (gus["periods_used"], gus["slope"], gus["slope_t"], gus["direction"]) == (
        3, 1.0, math.inf, "up")


def test_anomaly_against_own_history(conn: duckdb.DuckDBPyConnection) -> None:
    # dee: January..June 10 10 11 9 10 10 (mean 10, sd sqrt(2 / 5) = 0.6325), July 20:
    # z = (20 - 10) / 0.6325 = 15.81.
    dee = trends(conn, "sales_volume", JULY)["dee"]
    assert dee["own_z"] == pytest.approx(10 / math.sqrt(0.4))
    assert dee["own_anomaly"] is True
    ann = trends(conn, "sales_volume", JUNE)["ann"]
    # ann in June against January..May (10 12 11 15 14: mean 12.4, sd 2.074): z = 2.7 > 2.5.
    assert ann["own_z"] == pytest.approx((18 - 12.4) / math.sqrt(4.3))
    assert ann["own_anomaly"] is True
    assert trends(conn, "sales_volume", JUNE)["bob"]["own_anomaly"] is False


def test_anomaly_against_peers(conn: duckdb.DuckDBPyConnection) -> None:
    # East, July orders 10 11 12 13 40: median 12, absolute deviations 2 1 0 1 28, MAD 1;
    # robust z of 40 = 28 / 1.4826 = 18.89, of 10 = -2 / 1.4826 = -1.35.
    july = trends(conn, "orders", JULY)
    assert july["p5"]["peer_median"] == 12
    assert july["p5"]["peer_z"] == pytest.approx(28 / 1.4826)
    assert (july["p5"]["peer_anomaly"], july["p1"]["peer_anomaly"]) == (True, False)
    assert july["p1"]["peer_z"] == pytest.approx(-2 / 1.4826)
    assert july["p1"]["peer_count"] == 5
    # A team of one has no peers to compare with.
    assert (july["kim"]["peer_z"], july["kim"]["peer_anomaly"], july["kim"]["peer_count"]) == (
        None, False, 1)


def test_one_trend_row_per_variance_row(conn: duckdb.DuckDBPyConnection) -> None:
    outcomes = check_outcomes(conn, "trends", MONTHLY, START, END)
    assert all(passed for passed, _ in outcomes.values()), outcomes
    (teams,) = conn.execute("SELECT count(*) FROM marts.trends_monthly WHERE level = 'team' "
                            "AND period_start = ?", [JUNE]).fetchone()
    assert teams == 2 * 10  # North and South, every metric
