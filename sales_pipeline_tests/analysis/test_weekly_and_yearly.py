"""Variance and drivers at the weekly and yearly grains, every number worked out by hand.

Weekly: the same week last year is 52 weeks (364 days) back (docs/analysis.md, "Weeks last
year"). ISO 2026 has 53 weeks (1 January 2026 is a Thursday), so around its end:

    week        starts       52 weeks back  = that week          previous week
    2026-W52    2026-12-21   2025-12-22       2025-W52 (same no.)  2026-12-14
    2026-W53    2026-12-28   2025-12-29       2026-W01 (own year)  2026-12-21 (2026-W52)
    2027-W01    2027-01-04   2026-01-05       2026-W02 (w + 1)     2026-12-28 (2026-W53)
    2026-W01    2025-12-29   2024-12-30       before the data      2025-12-22 (2025-W52)

"One year back" would land on a Sunday (2025-12-28, 2026-01-04) and find nothing; matching the
ISO week number would compare 2027-W01 with 2026-W01 and find no 2025-W53 for 2026-W53. Each
compared week below holds a different amount, so any of those rules gives another number.

Yearly: the prior period and the same period last year are the same year; targets roll up from
quarters (set, or the sum of their months) into the year.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from sales_pipeline.partitions import WEEKLY, YEARLY
from sales_pipeline_tests.analysis.handmade import (
    Activity,
    Rep,
    add_facts,
    add_reps,
    add_targets,
    build,
    create_staging,
    rows,
)

ANN = Rep("ann", "Ann", "North", "Field Sales")
BOB = Rep("bob", "Bob", "North", "Field Sales")
CID = Rep("cid", "Cid", "North", "Field Sales")
# In a team and department of her own, so that North and Field Sales keep their figures.
DEE = Rep("dee", "Dee", "South", "Key Accounts")

W52_2025 = date(2025, 12, 22)   # the first week of the data
W01_2026 = date(2025, 12, 29)
W02_2026 = date(2026, 1, 5)
W52_2026 = date(2026, 12, 21)
W53_2026 = date(2026, 12, 28)
W01_2027 = date(2027, 1, 4)
WEEKS_END = date(2027, 1, 11)

Y2025, Y2026, YEARS_END = date(2025, 1, 1), date(2026, 1, 1), date(2027, 1, 1)

VARIANCE_COLUMNS = ("actual", "target", "gap", "attainment", "prior_actual", "pop_change",
                    "pop_change_pct", "last_year_actual", "yoy_change", "yoy_change_pct",
                    "status", "prior_period_start", "last_year_period_start")
DRIVER_COLUMNS = ("method", "base_activity", "base_sales_volume", "total_change",
                  "activity_effect", "conversion_effect", "value_effect", "off_model_change",
                  "cause")


def funnel(visits: int, orders: int, sales: float, **more: float) -> dict[str, float]:
    return {"visits": visits, "orders": orders, "sales_volume": sales, **more}


def variance(conn: duckdb.DuckDBPyConnection, grain_name: str, period: date, level: str,
             entity_id: str, metric: str = "sales_volume") -> tuple[object, ...]:
    (row,) = rows(conn, f"SELECT * FROM marts.variance_{grain_name} WHERE period_start = ? "
                  "AND level = ? AND entity_id = ? AND metric = ?",
                  [period, level, entity_id, metric])
    return tuple(row[column] for column in VARIANCE_COLUMNS)


def driver(conn: duckdb.DuckDBPyConnection, grain_name: str, period: date, rep_id: str,
           comparison: str) -> dict[str, object]:
    (row,) = rows(conn, f"SELECT * FROM marts.drivers_{grain_name} WHERE period_start = ? "
                  "AND rep_id = ? AND comparison = ?", [period, rep_id, comparison])
    return row


def split(row: dict[str, object]) -> tuple[object, ...]:
    return tuple(row[column] for column in DRIVER_COLUMNS)


def cents(text: str) -> Decimal:
    return Decimal(text)


# -- weekly ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def weekly() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    create_staging(conn)
    add_reps(conn, [ANN, BOB, DEE])
    # ann, a field rep (visits only): visits, orders, sales volume per week.
    add_facts(conn, WEEKLY, [
        Activity(W52_2025, ANN, funnel(10, 2, 400)),
        Activity(W01_2026, ANN, funnel(10, 2, 500)),
        Activity(W02_2026, ANN, funnel(8, 2, 700)),
        # Weeks between have no row: inside the data, so no activity (0).
        Activity(W52_2026, ANN, funnel(8, 0, 0)),
        Activity(W53_2026, ANN, funnel(20, 4, 1000)),
        Activity(W53_2026, BOB, funnel(5, 1, 200)),
        Activity(W01_2027, ANN, funnel(15, 5, 850)),
        Activity(W01_2027, BOB, funnel(5, 1, 300)),
        Activity(W53_2026, DEE, funnel(10, 3, 600)),
        Activity(W01_2027, DEE, funnel(16, 4, 700)),
    ])
    add_targets(conn, [
        ("ann", "sales_volume", "Week", W53_2026, 800),
        ("ann", "visits", "Week", W01_2027, 20),
        ("ann", "orders", "Week", W01_2027, 5),
        ("ann", "sales_volume", "Week", W01_2027, 1000),
        ("bob", "sales_volume", "Week", W01_2027, 400),
    ])
    build(conn, WEEKLY, W52_2025, WEEKS_END, analyses=("targets", "variance", "drivers"))
    return conn


def test_weekly_variance_compares_52_weeks_back_and_the_previous_week(
    weekly: duckdb.DuckDBPyConnection,
) -> None:
    # Columns: actual, target, gap, attainment, prior, pop, pop %, last year, yoy, yoy %, status,
    # prior period start, last-year period start.
    assert variance(weekly, "weekly", W01_2026, "rep", "ann") == (
        # prior 2025-W52 across the year boundary: 400 -> 500, +100, 100/400 = +25 %. 52 weeks
        # back (2024-12-30) is before the data starts (2025-12-22): NULL, not 0.
        500, None, None, None, 400, 100, 0.25, None, None, None, "no_target",
        W52_2025, date(2024, 12, 30))
    assert variance(weekly, "weekly", W52_2026, "rep", "ann") == (
        # 2026-12-14 is inside the data with no row: prior 0, no percentage. 52 weeks back is
        # 2025-W52 (the same week number): 0 - 400 = -400, -400/400 = -100 %.
        0, None, None, None, 0, 0, None, 400, -400, -1.0, "no_target",
        date(2026, 12, 14), W52_2025)
    assert variance(weekly, "weekly", W53_2026, "rep", "ann") == (
        # target 800: gap 200, 1000/800 = 1.25 >= 1.10 ahead. Prior 2026-W52 (0 sales): +1000,
        # no percentage. 2026-W53 against 2026-W01 of its own year (500): +500, +100 %.
        1000, 800, 200, 1.25, 0, 1000, None, 500, 500, 1.0, "ahead",
        W52_2026, W01_2026)
    assert variance(weekly, "weekly", W01_2027, "rep", "ann") == (
        # target 1000: gap -150, 0.85 (at risk: >= 0.80, < 0.95). Prior 2026-W53 across the
        # year boundary: 1000 -> 850, -150, -150/1000. 52 weeks back is 2026-W02 (700), not
        # 2026-W01 (500): +150, 150/700.
        850, 1000, -150, 850 / 1000, 1000, -150, -150 / 1000, 700, 150, 150 / 700, "at_risk",
        W53_2026, W02_2026)
    assert variance(weekly, "weekly", W01_2027, "rep", "bob") == (
        # 300 against 400 = 0.75, behind; bob had no row in 2026-W02 (inside the data): 0.
        300, 400, -100, 300 / 400, 200, 100, 100 / 200, 0, 300, None, "behind",
        W53_2026, W02_2026)
    # The team: ann + bob. 2027-W01: 850 + 300 = 1150 against 1000 + 400 = 1400 (1150/1400 =
    # 0.821..., at risk); 2026-W53 was 1000 + 200 = 1200; 2026-W02 was ann's 700.
    assert variance(weekly, "weekly", W01_2027, "team", "North") == (
        1150, 1400, -250, 1150 / 1400, 1200, -50, -50 / 1200, 700, 450, 450 / 700, "at_risk",
        W53_2026, W02_2026)
    # 2026-W53: 1200 against ann's 800 (bob has no target): 1.5, ahead; 2026-W01 was 500.
    assert variance(weekly, "weekly", W53_2026, "department", "Field Sales") == (
        1200, 800, 400, 1200 / 800, 0, 1200, None, 500, 700, 700 / 500, "ahead", W52_2026,
        W01_2026)


def test_weekly_drivers_split_against_the_week_52_weeks_back(
    weekly: duckdb.DuckDBPyConnection,
) -> None:
    # Columns: method, base activity, base sales, total change, activity, conversion and value
    # effects, volume outside the model, cause. a = visits, c = orders / visits, p = sales /
    # orders; LMDI: L = (V1 - V0) / ln(V1 / V0), effect = L x ln(X1 / X0).

    # 2026-W53 (20, 4, 1000: c 0.2, p 250) against 2026-W01 (10, 2, 500: c 0.2, p 250): only
    # activity changed, L = 500 / ln 2 = 721.35, activity = L ln 2 = 500.00, the others 0.
    assert split(driver(weekly, "weekly", W53_2026, "ann", "last_year")) == (
        "lmdi", 10, cents("500.00"), cents("500.00"), cents("500.00"), cents("0.00"),
        cents("0.00"), cents("0.00"), "no_shortfall")

    # 2026-W53 against the previous week 2026-W52 (8 visits, no order): c0 = 0, p0 undefined,
    # so it takes p1 = 250 (no cause). Shapley, a 8 -> 20, c 0 -> 0.2, p 250 -> 250:
    #   activity   = 12 x [(0 x 250 + 0.2 x 250) / 3 + (0 x 250 + 0.2 x 250) / 6] = 12 x 25 = 300
    #   conversion = 0.2 x [(8 x 250 + 20 x 250) / 3 + (8 x 250 + 20 x 250) / 6]
    #              = 0.2 x (7000 / 3 + 7000 / 6) = 0.2 x 3500 = 700
    #   value      = 0; total 1000 - 0 = 1000 = 300 + 700.
    assert split(driver(weekly, "weekly", W53_2026, "ann", "prior_period")) == (
        "shapley", 8, cents("0.00"), cents("1000.00"), cents("300.00"), cents("700.00"),
        cents("0.00"), cents("0.00"), "no_shortfall")

    # 2027-W01 (15, 5, 850: c 1/3, p 170) against the previous week 2026-W53 (20, 4, 1000:
    # c 0.2, p 250), across the year boundary. L = -150 / ln 0.85 = 922.9694:
    #   activity   = L ln(15/20)           = L x -0.2876821 = -265.52175 -> -265.52
    #   conversion = L ln((1/3)/0.2)       = L x  0.5108256 =  471.47642 ->  471.48
    #   value      = L ln(170/250)         = L x -0.3856625 = -355.95467 -> -355.95
    # The cents add up to -149.99; the cent left over (-0.01) goes to the largest effect,
    # conversion: 471.47. Cause: visits 0.75 and order value 0.68 of the base are both below
    # 0.90, conversion is above: several factors low, mixed.
    assert split(driver(weekly, "weekly", W01_2027, "ann", "prior_period")) == (
        "lmdi", 20, cents("1000.00"), cents("-150.00"), cents("-265.52"), cents("471.47"),
        cents("-355.95"), cents("0.00"), "mixed")

    # 2027-W01 against 52 weeks back, 2026-W02 (8, 2, 700: c 0.25, p 350), not 2026-W01.
    # L = 150 / ln(850/700) = 772.57457:
    #   activity   = L ln(15/8)            = L x  0.6286087 =  485.64707 ->  485.65
    #   conversion = L ln((1/3)/0.25)      = L x  0.2876821 =  222.25585 ->  222.26
    #   value      = L ln(170/350)         = L x -0.7221347 = -557.90292 -> -557.90
    # The cents add up to 150.01; the residue -0.01 goes to the largest effect, value: -557.91.
    assert split(driver(weekly, "weekly", W01_2027, "ann", "last_year")) == (
        "lmdi", 8, cents("700.00"), cents("150.00"), cents("485.65"), cents("222.26"),
        cents("-557.91"), cents("0.00"), "no_shortfall")

    # 2027-W01 against its week targets (20 visits, 5 orders, 1000: c 0.25, p 200).
    # L = -150 / ln 0.85 = 922.9694 as above:
    #   activity   = L ln(15/20)           = -265.52175 -> -265.52
    #   conversion = L ln((1/3)/0.25)      =  265.52175 ->  265.52
    #   value      = L ln(170/200)         = L ln 0.85 = -150.00 exactly; no residue.
    # Visits 0.75 and order value 0.85 of target are low: mixed.
    assert split(driver(weekly, "weekly", W01_2027, "ann", "target")) == (
        "lmdi", 20, cents("1000.00"), cents("-150.00"), cents("-265.52"), cents("265.52"),
        cents("-150.00"), cents("0.00"), "mixed")

    # dee 2027-W01 (16, 4, 700: c 0.25, p 175) against the previous week 2026-W53 (10, 3, 600:
    # c 0.3, p 200). L = 100 / ln(7/6) = 648.71592:
    #   activity   = L ln(16/10)           = L x  0.4700036 =  304.89884 ->  304.90
    #   conversion = L ln(0.25/0.3)        = L x -0.1823216 = -118.27490 -> -118.27
    #   value      = L ln(175/200)         = L x -0.1335314 =  -86.62394 ->  -86.62
    # The cents add up to 100.01; the residue -0.01 goes to the largest effect, activity: 304.89.
    assert split(driver(weekly, "weekly", W01_2027, "dee", "prior_period")) == (
        "lmdi", 10, cents("600.00"), cents("100.00"), cents("304.89"), cents("-118.27"),
        cents("-86.62"), cents("0.00"), "no_shortfall")

    # Every stored split adds up to its total change to the cent.
    (off,) = weekly.execute(
        "SELECT count(*) FROM marts.drivers_weekly WHERE method IS NOT NULL AND "
        "activity_effect + conversion_effect + value_effect <> total_change").fetchone()
    assert off == 0


# -- yearly ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def yearly() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    create_staging(conn)
    add_reps(conn, [ANN, BOB, CID])
    add_facts(conn, YEARLY, [
        Activity(Y2025, ANN, funnel(100, 50, 12_500)),
        # cid phoned in 2025 (1000 connected calls, no visit) and visits in 2026.
        Activity(Y2025, CID, funnel(0, 10, 2_000, calls_connected=1000)),
        Activity(Y2026, ANN, funnel(120, 48, 14_400)),
        Activity(Y2026, BOB, funnel(60, 20, 5_600)),
        Activity(Y2026, CID, funnel(50, 10, 3_000, calls_connected=400)),
    ])
    add_targets(conn, [
        # ann's sales: 1000 a month, so Q1-Q3 roll up to 3000 each; Q4 is set as a quarter
        # (4500), which wins over its months. The year: 3 x 3000 + 4500 = 13,500, rolled up.
        *[("ann", "sales_volume", "Month", date(2026, month, 1), 1000) for month in range(1, 13)],
        ("ann", "sales_volume", "Quarter", date(2026, 10, 1), 4500),
        # ann's orders: months of 5 would make 60, but the year set in the CRM (40) wins.
        *[("ann", "orders", "Month", date(2026, month, 1), 5) for month in range(1, 13)],
        ("ann", "orders", "Year", Y2026, 40),
        # ann's visits: four quarters of 25, rolled up to 100.
        *[("ann", "visits", "Quarter", date(2026, month, 1), 25) for month in (1, 4, 7, 10)],
        ("bob", "sales_volume", "Year", Y2026, 6000),
    ])
    build(conn, YEARLY, Y2025, YEARS_END, analyses=("targets", "variance", "drivers"))
    return conn


def test_yearly_targets_roll_up_and_prior_is_last_year(yearly: duckdb.DuckDBPyConnection) -> None:
    targets = {(r["rep_id"], r["metric"]): (r["target"], r["origin"]) for r in rows(
        yearly, "SELECT * FROM marts.targets_yearly WHERE period_start = ?", [Y2026])}
    assert targets == {
        ("ann", "sales_volume"): (13_500, "rolled_up"),
        ("ann", "orders"): (40, "set"),
        ("ann", "visits"): (100, "rolled_up"),
        ("bob", "sales_volume"): (6_000, "set"),
    }
    # ann 2026: 14,400 against 13,500: gap 900, 14400/13500 = 1.067 (on track: < 1.10). The
    # prior period and last year are both 2025: 12,500, +1,900, 1900/12500 = +15.2 %.
    assert variance(yearly, "yearly", Y2026, "rep", "ann") == (
        14_400, 13_500, 900, 14_400 / 13_500, 12_500, 1_900, 1_900 / 12_500, 12_500, 1_900,
        1_900 / 12_500, "on_track", Y2025, Y2025)
    # Orders 48 against the set 40, visits 120 against the rolled-up 100: 1.2 each, ahead.
    assert variance(yearly, "yearly", Y2026, "rep", "ann", "orders")[:4] == (48, 40, 8, 1.2)
    assert variance(yearly, "yearly", Y2026, "rep", "ann", "visits")[:4] == (120, 100, 20, 1.2)
    # bob: 5,600 against 6,000 = 0.933, at risk; no row in 2025, which is inside the data: 0.
    assert variance(yearly, "yearly", Y2026, "rep", "bob") == (
        5_600, 6_000, -400, 5_600 / 6_000, 0, 5_600, None, 0, 5_600, None, "at_risk",
        Y2025, Y2025)
    # The team: 14,400 + 5,600 + 3,000 = 23,000 against 13,500 + 6,000 = 19,500 (1.18, ahead);
    # 2025: 12,500 + 2,000 = 14,500, +8,500.
    assert variance(yearly, "yearly", Y2026, "team", "North") == (
        23_000, 19_500, 3_500, 23_000 / 19_500, 14_500, 8_500, 8_500 / 14_500, 14_500, 8_500,
        8_500 / 14_500, "ahead", Y2025, Y2025)
    # 2025 is the first year of the data: nothing to compare with.
    assert variance(yearly, "yearly", Y2025, "rep", "ann")[4:10] == (
        None, None, None, None, None, None)


def test_yearly_drivers(yearly: duckdb.DuckDBPyConnection) -> None:
    # ann against the rolled-up targets: 100 visits, 40 orders, 13,500 (c 0.4, p 337.5) -> 120,
    # 48, 14,400 (c 0.4, p 300). L = 900 / ln(14400/13500) = 13,945.16:
    #   activity   = L ln 1.2              =  2542.50327 ->  2542.50
    #   conversion = L ln 1                =  0
    #   value      = L ln(300/337.5)       = -1642.50327 -> -1642.50;  sum 900.00, no residue.
    assert split(driver(yearly, "yearly", Y2026, "ann", "target")) == (
        "lmdi", 100, cents("13500.00"), cents("900.00"), cents("2542.50"), cents("0.00"),
        cents("-1642.50"), cents("0.00"), "no_shortfall")
    # Against 2025 (100, 50, 12,500: c 0.5, p 250), the same base for both comparisons.
    # L = 1900 / ln 1.152 = 13,427.60:
    #   activity   = L ln 1.2              =  2448.14155 ->  2448.14
    #   conversion = L ln(0.4/0.5)         = -2996.28310 -> -2996.28
    #   value      = L ln(300/250)         =  2448.14155 ->  2448.14;  sum 1900.00.
    expected = ("lmdi", 100, cents("12500.00"), cents("1900.00"), cents("2448.14"),
                cents("-2996.28"), cents("2448.14"), cents("0.00"), "no_shortfall")
    assert split(driver(yearly, "yearly", Y2026, "ann", "prior_period")) == expected
    assert split(driver(yearly, "yearly", Y2026, "ann", "last_year")) == expected

    # cid's rep type is decided over the year itself: in 2026, visits 50 x 10 = 500 >= 400
    # connected calls, a field rep (with 2025's 1000 calls it would be inside).
    cid = driver(yearly, "yearly", Y2026, "cid", "prior_period")
    assert (cid["rep_type"], cid["activity_metric"], cid["activity"]) == ("field", "visits", 50)
    # Against 2025: no visit then (a0 = 0), so Shapley; conversion undefined in 2025 takes
    # 2026's 10/50 = 0.2; p 2000/10 = 200 -> 3000/10 = 300.
    #   activity   = 50 x [(0.2 x 200 + 0.2 x 300) / 3 + (0.2 x 300 + 0.2 x 200) / 6] = 50 x 50
    #              = 2500
    #   conversion = 0 (c unchanged)
    #   value      = 100 x [(0 + 50 x 0.2) / 3 + (0 + 50 x 0.2) / 6] = 100 x 5 = 500
    # 2025's 2000 of sales came with no visit: outside the model, (3000 - 50 x 0.2 x 300) -
    # (2000 - 0) = -2000, added to the value effect: -1500. Total 1000 = 2500 + 0 - 1500.
    assert split(cid) == (
        "shapley", 0, cents("2000.00"), cents("1000.00"), cents("2500.00"), cents("0.00"),
        cents("-1500.00"), cents("-2000.00"), "no_shortfall")
