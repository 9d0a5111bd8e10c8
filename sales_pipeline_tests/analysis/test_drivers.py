"""marts.drivers: the decomposition of sales_volume changes, worked out by hand."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import duckdb
import numpy as np
import pytest

from sales_pipeline.partitions import MONTHLY
from sales_pipeline_tests.analysis.handmade import (
    Activity,
    Rep,
    add_facts,
    add_reps,
    add_targets,
    analysis_config,
    build,
    create_staging,
    rows,
)

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
FIELD = "Field Sales"


def field_rep(rep_id: str, team: str = "North") -> Rep:
    return Rep(rep_id, rep_id.capitalize(), team, FIELD)


def funnel(visits: int, orders: int, sales: float, **more: float) -> dict[str, float]:
    return {"visits": visits, "orders": orders, "sales_volume": sales, **more}


def month_targets(rep_id: str, start: date, visits: float, orders: float, sales: float
                  ) -> list[tuple[str, str, str, date, float]]:
    return [(rep_id, "visits", "Month", start, visits), (rep_id, "orders", "Month", start, orders),
            (rep_id, "sales_volume", "Month", start, sales)]


def drivers(conn: duckdb.DuckDBPyConnection, comparison: str, period: date = FEB
            ) -> dict[str, dict[str, object]]:
    found = rows(conn, "SELECT * FROM marts.drivers_monthly WHERE comparison = ? "
                 "AND period_start = ?", [comparison, period])
    return {row["rep_id"]: row for row in found}


def effects(row: dict[str, object]) -> tuple[Decimal, Decimal, Decimal]:
    return row["activity_effect"], row["conversion_effect"], row["value_effect"]


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    create_staging(connection)
    return connection


def test_lmdi_on_positive_factors(conn: duckdb.DuckDBPyConnection) -> None:
    # Target: 100 visits x 0.2 orders per visit x 500 per order = 10,000.
    # Actual:  80 visits x 0.25                x 600           = 12,000.
    ann = field_rep("ann")
    add_reps(conn, [ann])
    add_targets(conn, month_targets("ann", FEB, 100, 20, 10_000))
    add_facts(conn, MONTHLY, [Activity(FEB, ann, funnel(80, 20, 12_000))])
    build(conn, MONTHLY, FEB, MAR)

    row = drivers(conn, "target")["ann"]
    # L(12000, 10000) = 2000 / ln 1.2 = 10,969.63; each effect is L x ln(factor ratio).
    log_mean = 2000 / math.log(1.2)
    assert log_mean == pytest.approx(10_969.6299, abs=1e-4)
    assert row["method"] == "lmdi"
    assert row["total_change"] == Decimal("2000.00")
    assert effects(row) == (Decimal("-2447.80"), Decimal("2447.80"), Decimal("2000.00"))
    assert (row["activity"], row["base_activity"]) == (80, 100)
    assert row["conversion"] == pytest.approx(0.25) and row["base_conversion"] == pytest.approx(0.2)
    assert row["avg_order_value"] == pytest.approx(600) and row["base_avg_order_value"] == 500
    assert row["cause"] == "no_shortfall"
    assert (row["rep_type"], row["activity_metric"]) == ("field", "visits")


def test_rounding_residue_goes_to_the_largest_effect(conn: duckdb.DuckDBPyConnection) -> None:
    # 1 visit -> 1 order -> 1.00 becomes 2 visits -> 4 orders -> 8.00: every factor doubles, so
    # each effect is 7.00 / 3 = 2.333...; rounded they make 6.99, and the cent left over goes to
    # the largest (all equal: activity, the first).
    ann = field_rep("ann")
    add_reps(conn, [ann])
    add_facts(conn, MONTHLY, [Activity(JAN, ann, funnel(1, 1, 1.00)),
                              Activity(FEB, ann, funnel(2, 4, 8.00))])
    build(conn, MONTHLY, JAN, MAR)

    row = drivers(conn, "prior_period")["ann"]
    assert row["method"] == "lmdi"
    assert row["total_change"] == Decimal("7.00")
    assert effects(row) == (Decimal("2.34"), Decimal("2.33"), Decimal("2.33"))
    assert sum(effects(row)) == row["total_change"]


def test_shapley_when_a_factor_is_zero(conn: duckdb.DuckDBPyConnection) -> None:
    # January: 50 visits, no order: conversion 0, order value undefined (taken as February's
    # 600, so it is no cause). February: 80 visits x 0.25 x 600 = 12,000.
    # Shapley, a = visits, c = conversion, p = order value, 0 = January, 1 = February:
    #   activity   = (a1 - a0) [(c0 p0 + c1 p1) / 3 + (c0 p1 + c1 p0) / 6]
    #              = 30 x [(0 + 150) / 3 + (0 + 150) / 6] = 30 x 75 = 2,250
    #   conversion = (c1 - c0) [(a0 p0 + a1 p1) / 3 + (a0 p1 + a1 p0) / 6]
    #              = 0.25 x [(30,000 + 48,000) / 3 + (30,000 + 48,000) / 6] = 0.25 x 39,000 = 9,750
    #   value      = (p1 - p0) x ... = 0
    ann = field_rep("ann")
    add_reps(conn, [ann])
    add_facts(conn, MONTHLY, [Activity(JAN, ann, funnel(50, 0, 0)),
                              Activity(FEB, ann, funnel(80, 20, 12_000))])
    build(conn, MONTHLY, JAN, MAR)

    row = drivers(conn, "prior_period")["ann"]
    assert row["method"] == "shapley"
    assert row["total_change"] == Decimal("12000.00")
    assert effects(row) == (Decimal("2250.00"), Decimal("9750.00"), Decimal("0.00"))
    assert row["base_conversion"] == 0 and row["base_avg_order_value"] is None


def test_no_activity_against_target_is_all_activity_effect(conn: duckdb.DuckDBPyConnection) -> None:
    # A rep with targets and nothing done: 0 visits against 100 at 0.2 and 500. With no activity
    # conversion and order value are undefined and keep the target's values, so the whole
    # -10,000 is the activity effect: -100 x [(100 + 100) / 3 + (100 + 100) / 6] = -10,000.
    bob = field_rep("bob")
    add_reps(conn, [bob])
    add_targets(conn, month_targets("bob", FEB, 100, 20, 10_000))
    add_facts(conn, MONTHLY, [])
    build(conn, MONTHLY, FEB, MAR)

    row = drivers(conn, "target")["bob"]
    assert (row["activity"], row["orders"], row["sales_volume"]) == (0, 0, Decimal("0.00"))
    assert row["method"] == "shapley"
    assert effects(row) == (Decimal("-10000.00"), Decimal("0.00"), Decimal("0.00"))
    assert row["cause"] == "effort"


def test_orders_without_activity_stay_exactly_additive(conn: duckdb.DuckDBPyConnection) -> None:
    # February: 2 orders worth 1,000 and no visit, which activity x conversion x value cannot
    # express. January: 10 visits, 2 orders, 1,000. The model change (0 - 1,000) is all activity;
    # the 1,000 of volume outside the model is reported with the value effect.
    ann = field_rep("ann")
    add_reps(conn, [ann])
    add_facts(conn, MONTHLY, [Activity(JAN, ann, funnel(10, 2, 1000)),
                              Activity(FEB, ann, funnel(0, 2, 1000))])
    build(conn, MONTHLY, JAN, MAR)

    row = drivers(conn, "prior_period")["ann"]
    assert row["total_change"] == Decimal("0.00")
    assert effects(row) == (Decimal("-1000.00"), Decimal("0.00"), Decimal("1000.00"))
    assert row["off_model_change"] == Decimal("1000.00")
    assert row["conversion"] is None


@pytest.mark.parametrize(
    ("visits", "orders", "sales", "cause"),
    [
        # Against 100 visits x 0.2 x 500 = 10,000, band 10 %:
        (80, 16, 8_000, "effort"),    # visits -20 %, conversion and order value unchanged
        (100, 15, 7_500, "skill"),    # conversion 0.15 (-25 %)
        (100, 20, 8_000, "value"),    # order value 400 (-20 %)
        (80, 12, 6_000, "mixed"),     # visits and conversion both low
        (95, 18, 8_550, "mixed"),     # every factor about -5 %: none low, together -14.5 %
        (120, 24, 9_600, "value"),    # more visits is no cause: order value 400 (-20 %)
        (100, 20, 10_000, "no_shortfall"),
    ],
)
def test_cause_of_a_shortfall(conn: duckdb.DuckDBPyConnection, visits: int, orders: int,
                              sales: float, cause: str) -> None:
    ann = field_rep("ann")
    add_reps(conn, [ann])
    add_targets(conn, month_targets("ann", FEB, 100, 20, 10_000))
    add_facts(conn, MONTHLY, [Activity(FEB, ann, funnel(visits, orders, sales))])
    build(conn, MONTHLY, FEB, MAR, config=analysis_config(driver_normal_band=0.10))
    assert drivers(conn, "target")["ann"]["cause"] == cause


def test_bases_inside_and_outside_the_data(conn: duckdb.DuckDBPyConnection) -> None:
    ann, cid = field_rep("ann"), Rep("cid", "Cid", "Phones", "Inside Sales")
    add_reps(conn, [ann, cid])
    # cid phones (calls connected, no visits): an inside rep, measured on connected calls.
    add_targets(conn, [("cid", "calls_connected", "Month", FEB, 200),
                       ("cid", "orders", "Month", FEB, 10), ("cid", "sales_volume", "Month", FEB, 5000),
                       # a sales target alone is no base for the split
                       ("ann", "sales_volume", "Month", FEB, 5000)])
    add_facts(conn, MONTHLY, [
        Activity(JAN, ann, funnel(10, 2, 1000)),
        Activity(FEB, cid, funnel(0, 12, 6000, calls_made=500, calls_connected=150,
                                  dm_conversations=40)),
    ])
    build(conn, MONTHLY, JAN, MAR)

    january = rows(conn, "SELECT rep_id, comparison, cause, total_change, method "
                   "FROM marts.drivers_monthly WHERE period_start = ? ORDER BY ALL", [JAN])
    # January is the first period of the data: nothing before it to compare with.
    assert january == [
        {"rep_id": "ann", "comparison": "last_year", "cause": "no_base", "total_change": None,
         "method": None},
        {"rep_id": "ann", "comparison": "peers", "cause": "no_base", "total_change": None,
         "method": None},
        {"rep_id": "ann", "comparison": "prior_period", "cause": "no_base", "total_change": None,
         "method": None},
    ]
    cid_target = drivers(conn, "target")["cid"]
    assert (cid_target["rep_type"], cid_target["activity_metric"]) == ("inside", "calls_connected")
    assert (cid_target["activity"], cid_target["base_activity"]) == (150, 200)
    assert (cid_target["calls_made"], cid_target["calls_connected"],
            cid_target["dm_conversations"], cid_target["orders"]) == (500, 150, 40, 12)
    # cid had no January row although January is covered: a base of zeros.
    cid_prior = drivers(conn, "prior_period")["cid"]
    assert (cid_prior["base_activity"], cid_prior["base_sales_volume"]) == (0, Decimal("0.00"))
    assert cid_prior["total_change"] == Decimal("6000.00") and cid_prior["cause"] == "no_shortfall"
    # ann has no February activity and only a sales target: no target row, a prior row of zeros.
    assert "ann" not in drivers(conn, "target")
    assert drivers(conn, "prior_period")["ann"]["total_change"] == Decimal("-1000.00")
    # February 2024 is before the data: no last-year base for anyone.
    assert {r["cause"] for r in drivers(conn, "last_year").values()} == {"no_base"}


def test_random_rows_add_up_to_the_cent(conn: duckdb.DuckDBPyConnection) -> None:
    """Zeros, returns (negative volume) and large amounts: every split adds up exactly."""
    generator = np.random.default_rng(11)
    reps = [field_rep(f"rep{i:03d}") for i in range(300)]
    add_reps(conn, reps)
    activity = []
    for month in (JAN, FEB):
        for rep in reps:
            visits = int(generator.choice([0, 1, 3, 17, 40]))
            orders = int(generator.choice([0, 1, 2, 9, 25]))
            sales = float(np.round(generator.uniform(-500, 90_000) * (orders > 0 or 0.01), 2))
            activity.append(Activity(month, rep, funnel(visits, orders, sales)))
    add_facts(conn, MONTHLY, activity)
    build(conn, MONTHLY, JAN, MAR, analyses=("targets", "drivers"))

    (checked, off, methods) = conn.execute(
        "SELECT count(*), count(*) FILTER (WHERE activity_effect + conversion_effect + value_effect"
        " <> total_change OR total_change <> sales_volume - base_sales_volume), "
        "list(DISTINCT method ORDER BY method) "
        "FROM marts.drivers_monthly WHERE period_start = ? AND comparison = 'prior_period'", [FEB]
    ).fetchone()
    assert checked == 300 and off == 0
    assert methods == ["lmdi", "shapley"]


def test_peers_are_the_median_seller_of_the_team(conn: duckdb.DuckDBPyConnection) -> None:
    """Three field reps of North with no target in February: the peer base is their median rep
    (visits 20, orders 4, sales 2000; the medians of each, not one rep's row). Ann visited 10
    times and sold nothing: 2000 short of the median, a mixed cause (every factor fell: no visit
    turned into an order). Cid, the median on every count, has no shortfall. South has two reps:
    too few peers for a median."""
    ann, bob, cid = field_rep("ann"), field_rep("bob"), field_rep("cid")
    dan, eve = field_rep("dan", "South"), field_rep("eve", "South")
    add_reps(conn, [ann, bob, cid, dan, eve])
    add_facts(conn, MONTHLY, [
        Activity(FEB, ann, funnel(10, 0, 0)),
        Activity(FEB, bob, funnel(30, 6, 4000)),
        Activity(FEB, cid, funnel(20, 4, 2000)),
        Activity(FEB, dan, funnel(20, 4, 2000)),
        Activity(FEB, eve, funnel(10, 1, 500)),
    ])
    build(conn, MONTHLY, FEB, MAR)

    peers = drivers(conn, "peers")
    ann_row = peers["ann"]
    assert (ann_row["base_activity"], ann_row["base_conversion"], ann_row["base_avg_order_value"],
            ann_row["base_sales_volume"]) == (20, 0.2, 500, Decimal("2000.00"))
    assert ann_row["total_change"] == Decimal("-2000.00")
    assert sum(effects(ann_row)) == Decimal("-2000.00")
    assert ann_row["cause"] == "mixed"
    assert (peers["cid"]["total_change"], peers["cid"]["cause"]) == (Decimal("0.00"), "no_shortfall")
    assert (peers["bob"]["cause"], peers["dan"]["cause"], peers["eve"]["cause"]) == (
        "no_shortfall", "no_base", "no_base")
