"""The action-plan rules on hand-made variance, driver and target rows (docs/reports.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import duckdb
import pytest

from sales_pipeline.analysis.action_plans import (
    build_action_plans,
    shape_violations,
    unresolved_sources,
)
from sales_pipeline.partitions import MONTHLY
from sales_pipeline.reports.i18n import language
from sales_pipeline.reports.statements import Sentences
from sales_pipeline_tests.reports.handmade import (
    create_upstream,
    driver_row,
    insert,
    set_target,
    variance_row,
)

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)
FEBRUARY = date(2026, 2, 1)
VARIANCE, DRIVERS = "marts.variance_monthly", "marts.drivers_monthly"


@pytest.fixture
def conn() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as connection:
        create_upstream(connection, MONTHLY)
        yield connection


def plans(conn: duckdb.DuckDBPyConnection, start: date = MARCH, end: date = APRIL,
          **where: str) -> list[dict[str, Any]]:
    build_action_plans(conn, MONTHLY, start, end, currency="EUR", normal_band=0.10)
    filters = " AND ".join(f"{column} = ?" for column in where) or "TRUE"
    cursor = conn.execute(
        f"SELECT * FROM marts.action_plan_monthly WHERE {filters} ORDER BY period_start, rep_id, "
        "CASE item WHEN 'strength' THEN 1 WHEN 'development' THEN 2 ELSE 3 END, rank",
        list(where.values()),
    )
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    # Every statement the SQL wrote reads the same when a report composes it from the row's
    # parts (reports/statements.py): what an English report shows is what analysts query.
    english = Sentences("monthly", "EUR", language("en"))
    for row in rows:
        assert english.statement(row) == row["statement"]
    return rows


def field_rep(rep: str, metric: str, actual: float, target: float | None = None,
              team: str = "Field North") -> dict[str, object]:
    return variance_row(MONTHLY, MARCH, rep, team, "Field", metric, actual, target)


# A rep who lost sales against target mostly through fewer visits, then through conversion:
# base 40 visits x 20% x 2,000 EUR = 16,000 EUR; now 30 visits, 5 orders, 10,500 EUR.
# Sequential split: activity -4,000, conversion -2,000, order value +500.
def shortfall(rep: str, comparison: str = "target", **overrides: Any) -> dict[str, object]:
    numbers = {"activity": 30, "base_activity": 40, "orders": 5, "base_orders": 8,
               "sales_volume": 10_500, "base_sales_volume": 16_000, "cause": "effort"}
    numbers.update(overrides)
    return driver_row(MARCH, rep, "Field North", "Field", comparison, **numbers)


# -- strengths ---------------------------------------------------------------------------------

def test_strengths_by_attainment_ranked_and_at_most_two(conn: duckdb.DuckDBPyConnection) -> None:
    insert(conn, VARIANCE, [
        field_rep("A", "visits", 42, 36),            # 117%
        field_rep("A", "orders", 8, 6),              # 133%
        field_rep("A", "sales_volume", 13_000, 12_000),  # 108%, third: left out
        field_rep("A", "meetings", 3, 5),            # below target: no strength
        field_rep("A", "avg_call_seconds", 400, 200),  # 200%, but longer calls are no praise
    ])
    rows = plans(conn, item="strength")
    assert [(r["metric"], r["rank"]) for r in rows] == [("orders", 1), ("visits", 2)]
    orders = rows[0]
    assert orders["statement"] == "Orders 8 vs target 6 (133%)."
    assert (orders["actual"], orders["reference_value"], orders["reference_kind"]) == (8, 6, "target")
    assert orders["source"] == [f"{VARIANCE}/2026-03-01/rep/A/Field North/Field/orders"]
    assert orders["cost_in_sales_volume"] is None and orders["commitment_target"] is None


def test_strength_by_top_quartile_of_the_team(conn: duckdb.DuckDBPyConnection) -> None:
    # Field North: five reps, no targets. The 75th percentile is 31, the median 30.
    insert(conn, VARIANCE, [field_rep(rep, "visits", visits)
                            for rep, visits in zip("ABCDE", (42, 30, 31, 29, 20), strict=True)])
    # Field South: three reps, too few for a quartile; Field East: five reps, all tied.
    insert(conn, VARIANCE, [field_rep(rep, "visits", visits, team="Field South")
                            for rep, visits in zip("FGH", (50, 10, 5), strict=True)])
    insert(conn, VARIANCE, [field_rep(rep, "visits", 10, team="Field East") for rep in "JKLMN"])
    rows = plans(conn, item="strength")
    assert {r["rep_id"] for r in rows} == {"A", "C"}
    top = next(r for r in rows if r["rep_id"] == "A")
    assert top["statement"] == "Visits 42, top quartile of Field North (peer median 30 over 5 reps)."
    assert top["reference_kind"] == "peer_top_quartile"
    assert top["reference_value"] == pytest.approx(31)
    assert top["source"] == [f"{VARIANCE}/2026-03-01/rep/A/Field North/Field/visits",
                             f"{VARIANCE}/2026-03-01/rep/*/Field North/Field/visits"]


def test_top_quartile_below_target_states_the_attainment(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert(conn, VARIANCE, [field_rep(rep, "visits", visits, 60)
                            for rep, visits in zip("ABCDE", (42, 30, 31, 29, 20), strict=True)])
    [row] = plans(conn, item="strength", rep_id="A")
    assert row["statement"] == ("Visits 42, top quartile of Field North (peer median 30 over 5 "
                                "reps); 70% of target.")
    assert row["reference_kind"] == "peer_top_quartile"


def test_target_and_quartile_in_one_statement(conn: duckdb.DuckDBPyConnection) -> None:
    insert(conn, VARIANCE, [field_rep(rep, "visits", visits, 36)
                            for rep, visits in zip("ABCDE", (42, 30, 31, 29, 20), strict=True)])
    [row] = plans(conn, item="strength", rep_id="A")
    assert row["statement"] == (
        "Visits 42 vs target 36 (117%), top quartile of Field North (peer median 30 over 5 reps).")
    assert row["reference_kind"] == "target"


def test_nothing_to_praise_gives_no_strength(conn: duckdb.DuckDBPyConnection) -> None:
    insert(conn, VARIANCE, [field_rep("A", "visits", 20, 36), field_rep("A", "orders", 2, 6)])
    assert plans(conn) == []


# -- developments and commitments ------------------------------------------------------------

def test_development_is_the_largest_negative_driver_of_the_target_comparison(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert(conn, DRIVERS, [
        shortfall("A"),
        # Against the prior period the loss is larger, but the target comes first.
        shortfall("A", "prior_period", base_activity=60, base_orders=12, base_sales_volume=24_000),
        shortfall("A", "last_year", base_activity=None, base_orders=None, base_sales_volume=None),
    ])
    developments = plans(conn, item="development")
    assert [(d["factor"], d["rank"]) for d in developments] == [("activity", 1), ("conversion", 2)]
    visits, conversion = developments
    assert visits["metric"] == "visits"
    assert visits["cost_in_sales_volume"] == pytest.approx(-4000)
    assert (visits["actual"], visits["reference_value"]) == (30, 40)
    assert visits["reference_kind"] == "target" and visits["cause"] == "effort"
    assert visits["statement"] == (
        "Visits 30 vs 40 at target (-25%), costing 4,000 EUR in sales volume "
        "(sales volume 10,500 EUR vs 16,000 EUR at target). Cause: effort (not enough activity).")
    assert visits["source"] == [f"{DRIVERS}/2026-03-01/A/Field North/Field/target"]
    assert conversion["cost_in_sales_volume"] == pytest.approx(-2000)
    assert conversion["statement"].startswith(
        "Conversion 0.17 orders per visit vs 0.20 at target (-17%), costing 2,000 EUR")


def test_factors_within_the_normal_band_are_not_developments(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert(conn, DRIVERS, [
        # Against target: 38 visits vs 40 and an order value 5 % low are within 10%: nothing
        # to develop there, and with a target the prior period is no measure of a shortfall,
        # though visits fell by a quarter on it.
        shortfall("A", activity=38, orders=8, sales_volume=15_200),
        shortfall("A", "prior_period", activity=38, base_activity=50, orders=8, base_orders=10,
                  sales_volume=15_200, base_sales_volume=20_000),
    ])
    assert plans(conn, item="development") == []


def test_a_rep_without_a_target_is_developed_against_the_median_seller(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    """No target: the peers comparison (the team's median seller) is the shortfall a development
    is raised against; a rise on the prior period does not hide it. A rep with no target and no
    sales is not praised only (docs/reports.md, "Action plans")."""
    insert(conn, DRIVERS, [
        shortfall("A", "peers", activity=10, base_activity=20, orders=0, base_orders=4,
                  sales_volume=0, base_sales_volume=2_000, cause="mixed"),
        shortfall("A", "prior_period", activity=10, base_activity=5, orders=0, base_orders=0,
                  sales_volume=0, base_sales_volume=0, cause="no_shortfall"),
    ])
    developments = plans(conn, item="development")
    assert [d["reference_kind"] for d in developments] == ["peers", "peers"]
    assert developments[0]["statement"].startswith(
        "Visits 10 vs 20 of the team's median seller (-50%), costing")
    [commitment] = plans(conn, item="commitment")
    assert commitment["reference_kind"] == "peers"
    assert "the level of the team's median seller" in commitment["statement"]


def test_a_fall_on_the_prior_period_is_no_development_at_target(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    """At target, neither a fall on the prior period nor being below the team's median seller is
    a development: the target is the rep's measure."""
    insert(conn, DRIVERS, [
        shortfall("A", activity=45, base_activity=40, orders=9, base_orders=8,
                  sales_volume=18_000, base_sales_volume=16_000, cause="no_shortfall"),
        shortfall("A", "prior_period"),
        shortfall("A", "peers"),
    ])
    assert plans(conn, item="development") == []


def test_no_base_means_no_development(conn: duckdb.DuckDBPyConnection) -> None:
    insert(conn, DRIVERS, [
        shortfall("A", comparison, base_activity=None, base_orders=None, base_sales_volume=None)
        for comparison in ("target", "prior_period", "last_year")
    ])
    assert plans(conn) == []


def test_a_metric_to_develop_is_not_also_a_strength(conn: duckdb.DuckDBPyConnection) -> None:
    insert(conn, VARIANCE, [field_rep(rep, "visits", visits)
                            for rep, visits in zip("ABCDE", (30, 12, 11, 10, 9), strict=True)])
    insert(conn, VARIANCE, [field_rep("A", "orders", 5, 4)])
    insert(conn, DRIVERS, [shortfall("A")])
    rows = plans(conn, rep_id="A")
    assert [(r["item"], r["metric"]) for r in rows] == [
        ("strength", "orders"), ("development", "visits"), ("development", "conversion"),
        ("commitment", "visits")]


def test_commitment_uses_next_periods_set_activity_target(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert(conn, DRIVERS, [shortfall("A")])
    insert(conn, "staging.sales_targets", [
        set_target("T1", "A", "visits", "Month", APRIL, 45),
        set_target("T2", "A", "visits", "Week", APRIL, 99),  # another grain's target
    ])
    [commitment] = plans(conn, item="commitment")
    assert commitment["commitment_target"] == 45
    assert commitment["commitment_basis"] == "set_target"
    assert commitment["next_period_start"] == APRIL
    assert commitment["metric"] == "visits" and commitment["cause"] == "effort"
    assert commitment["statement"] == "Next month: at least 45 visits, the set target (30 this month)."
    assert commitment["source"] == [f"{DRIVERS}/2026-03-01/A/Field North/Field/target",
                                    "staging.sales_targets/T1"]


def test_a_next_target_below_this_periods_number_is_no_commitment(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert(conn, DRIVERS, [shortfall("A")])
    insert(conn, "staging.sales_targets", [
        set_target("T1", "A", "visits", "Month", APRIL, 25),          # 30 done already
        set_target("T2", "A", "sales_volume", "Month", APRIL, 8_000),  # 20 visits would do
    ])
    [commitment] = plans(conn, item="commitment")
    assert (commitment["commitment_target"], commitment["commitment_basis"]) == (40, "reference")
    assert commitment["commitment_target"] > commitment["actual"]


def test_commitment_from_next_sales_target_at_base_conversion_and_value(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert(conn, DRIVERS, [shortfall("A")])
    insert(conn, "staging.sales_targets", [set_target("T9", "A", "sales_volume", "Month", APRIL,
                                                      20_000)])
    [commitment] = plans(conn, item="commitment")
    # 20,000 EUR at 20% conversion and 2,000 EUR an order: 50 visits.
    assert commitment["commitment_target"] == 50
    assert commitment["commitment_basis"] == "sales_target"
    assert "enough for the sales volume target of 20,000 EUR" in commitment["statement"]


def test_commitment_without_next_target_restores_the_base(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert(conn, DRIVERS, [shortfall("A"),
                           # Conversion the only factor down: 40 visits, 6 orders, 2,000 EUR each.
                           shortfall("B", activity=40, orders=6, sales_volume=12_000, cause="skill")])
    activity, conversion = plans(conn, item="commitment")
    assert (activity["commitment_target"], activity["commitment_basis"]) == (40, "reference")
    assert activity["statement"] == (
        "Next month: at least 40 visits (30 this month), the level at target that recovers the "
        "4,000 EUR the shortfall cost.")
    assert conversion["factor"] == "conversion"
    assert conversion["commitment_target"] == pytest.approx(0.2)
    assert conversion["statement"] == (
        "Next month: at least 0.20 orders per visit (0.15 this month), the level at "
        "target, i.e. 8 orders from 40 visits.")


def test_every_source_names_the_row_the_statement_was_made_from(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert(conn, VARIANCE, [field_rep(rep, "visits", visits, 36)
                            for rep, visits in zip("ABCDE", (42, 30, 31, 29, 20), strict=True)])
    insert(conn, DRIVERS, [shortfall("E")])
    insert(conn, "staging.sales_targets", [set_target("T1", "E", "visits", "Month", APRIL, 45)])
    rows = plans(conn)
    assert rows and unresolved_sources(conn, MONTHLY, MARCH, APRIL, currency="EUR") == []
    assert shape_violations(conn, MONTHLY, MARCH, APRIL) == []
    for row in rows:
        for trace in row["source"]:
            table, *key = trace.split("/")
            if table == VARIANCE and key[2] != "*":
                period, level, rep, team, department, metric = key
                (actual,) = conn.execute(
                    f"SELECT actual FROM {VARIANCE} WHERE period_start = ? AND level = ? "
                    "AND entity_id = ? AND team = ? AND department = ? AND metric = ?",
                    [period, level, rep, team, department, metric]).fetchone()
                assert actual == row["actual"]
            elif table == DRIVERS:
                period, rep, team, department, comparison = key
                assert conn.execute(
                    f"SELECT count(*) FROM {DRIVERS} WHERE period_start = ? AND rep_id = ? "
                    "AND team = ? AND department = ? AND comparison = ?",
                    [period, rep, team, department, comparison]).fetchone() == (1,)
    # A trace that names no row is reported.
    conn.execute("UPDATE marts.action_plan_monthly SET source = ['marts.drivers_monthly/x']")
    assert unresolved_sources(conn, MONTHLY, MARCH, APRIL, currency="EUR") == [
        ("marts.drivers_monthly/x", 0)]


def test_rebuild_replaces_only_its_window_and_is_deterministic(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert(conn, DRIVERS, [shortfall("A"),
                           {**shortfall("A"), "period_start": FEBRUARY}])
    first = plans(conn, FEBRUARY, APRIL)
    assert {r["period_start"] for r in first} == {FEBRUARY, MARCH}
    again = plans(conn, MARCH, APRIL)
    assert again == first  # March rebuilt to the same rows, February untouched
