"""Complete periods (docs/analysis.md, "Complete periods"), hand-derived on a tiny landing.

Maria (005A, Athens North / Greece) is the only rep with events. Her calls, two a day:

- February 2026: one call on each of Mon 2, Thu 5, Mon 9, Thu 12, Fri 20 and Wed 25 (6).
- March 2026: two on each of Mon 2 .. Thu 5 and Mon 9 .. Wed 11 (14); none on Friday 6 March,
  when nobody worked: a holiday (no rep of the week active that day).

So the data runs through Wednesday 11 March:

- March is running: 11 of 31 days. Its weekdays are 22, of which Friday 6 is a holiday: 21
  working days (the weekdays still to come count as working days), 7 of them elapsed. Her March calls_made target is 42: 42 x 7 / 21 = 14 to
  date, exactly met (attainment to date 1.0, of the month 1/3); the 28 calls left over the 14
  remaining working days need 2 a day. Compared like for like with the first 11 days of
  February: 3 calls (2, 5 and 9 February). No status, trend, cause or plan is drawn.
- The week of Monday 9 March is running, 3 of 7 days; the week of 2 March is complete, with 4
  working days and 6 March among its holidays.
- February is complete: its drivers and plan exist, and the reports render it as the latest
  complete month.

With SALES_AS_OF=2026-03-31 the operator declares March complete: 14 of 42, behind, compared
with all of February (6). With SALES_AS_OF=2026-03-13 (a Friday) the week of 9 March is
complete: the data reaches its last weekday.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sales_pipeline.definitions import build_definitions
from sales_pipeline.runner import run_backfill
from sales_pipeline_tests.conftest import settings_for
from sales_pipeline_tests.contract.landing import (
    C1_PHONE,
    CALL_COLUMNS,
    DOCUMENT_COLUMNS,
    EVENT_COLUMNS,
    OUT,
    TARGET_COLUMNS,
    U1_PHONE,
    build_landing,
    call,
    write_csv,
)

MARIA = "005A"
FEBRUARY, MARCH = date(2026, 2, 1), date(2026, 3, 1)
WEEK_OF_2, WEEK_OF_9 = date(2026, 3, 2), date(2026, 3, 9)
FEBRUARY_DAYS = (2, 5, 9, 12, 20, 25)
MARCH_DAYS = (2, 3, 4, 5, 9, 10, 11)


def _landing(root: Path) -> Path:
    landing = build_landing(root)
    for old in (*landing.glob("telephony/*.csv"), *landing.glob("crm/Event_*.csv"),
                *landing.glob("erp/sales_documents_*.csv")):
        old.unlink()
    calls = [call(f"CF{day:02d}", OUT, U1_PHONE, C1_PHONE, "completed",
                  f"2026-02-{day:02d}T10:00:00Z", "60", "human") for day in FEBRUARY_DAYS]
    calls += [call(f"CM{day:02d}{n}", OUT, U1_PHONE, C1_PHONE, "completed",
                   f"2026-03-{day:02d}T1{n}:00:00Z", "60", "human")
              for day in MARCH_DAYS for n in (0, 1)]
    write_csv(landing / "telephony/calls_2026-03-11.csv", CALL_COLUMNS, calls)
    write_csv(landing / "crm/Event_2026-03-11.csv", EVENT_COLUMNS, [])
    write_csv(landing / "erp/sales_documents_2026-03-11.csv", DOCUMENT_COLUMNS, [])
    write_csv(landing / "crm/Sales_Target__c.csv", TARGET_COLUMNS, [
        {"Id": "t01", "User__c": MARIA, "Metric__c": "calls_made", "Period_Type__c": "Month",
         "Period_Start__c": "2026-03-01", "Target__c": "42"},
        {"Id": "t02", "User__c": MARIA, "Metric__c": "calls_made", "Period_Type__c": "Month",
         "Period_Start__c": "2026-02-01", "Target__c": "5"},
        {"Id": "t03", "User__c": MARIA, "Metric__c": "avg_call_seconds", "Period_Type__c": "Month",
         "Period_Start__c": "2026-03-01", "Target__c": "90"}])
    return landing


def _one(conn: duckdb.DuckDBPyConnection, sql: str, *params: object) -> tuple[object, ...]:
    rows = conn.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


CALENDAR = ("SELECT DISTINCT period_end, days_in_period, days_elapsed, working_days, "
            "working_days_elapsed, holidays, is_complete FROM marts.variance_{grain} "
            "WHERE period_start = ?")
CALLS_MADE = ("SELECT actual, target, target_to_date, attainment, attainment_to_date, pace_needed, "
              "prior_actual, last_year_actual, status FROM marts.variance_{grain} "
              "WHERE period_start = ? AND level = 'rep' AND entity_id = ? AND metric = 'calls_made'")


def test_a_running_month_is_to_date_like_for_like_and_pro_rated(
    run_pipeline: Callable[..., duckdb.DuckDBPyConnection], tmp_path: Path
) -> None:
    conn = run_pipeline(_landing(tmp_path / "landing"))

    assert _one(conn, CALENDAR.format(grain="monthly"), MARCH) == (
        date(2026, 3, 31), 31, 11, 21, 7, [date(2026, 3, 6)], False)
    assert _one(conn, CALLS_MADE.format(grain="monthly"), MARCH, MARIA) == (
        14.0, 42.0, 14.0, pytest.approx(1 / 3), 1.0, 2.0, 3.0, None, "in_progress")
    # Team and department rows are running too, and compared over the same days.
    assert _one(conn, "SELECT actual, prior_actual, status FROM marts.variance_monthly "
                "WHERE period_start = ? AND level = 'team' AND metric = 'calls_made'", MARCH
                ) == (14.0, 3.0, "in_progress")
    # An average is not pro-rated and needs no pace.
    assert _one(conn, "SELECT target_to_date, pace_needed FROM marts.variance_monthly "
                "WHERE period_start = ? AND level = 'rep' AND metric = 'avg_call_seconds'", MARCH
                ) == (90.0, None)
    assert _one(conn, "SELECT DISTINCT direction, slope, own_anomaly FROM marts.trends_monthly "
                "WHERE period_start = ? AND level = 'rep'", MARCH) == ("in_progress", None, False)
    assert conn.execute("SELECT count(*) FROM marts.drivers_monthly WHERE period_start = ?",
                        [MARCH]).fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM marts.action_plan_monthly WHERE period_start = ?",
                        [MARCH]).fetchone() == (0,)

    # February is complete: judged against its whole target (6 of 5: ahead), with drivers.
    assert _one(conn, CALENDAR.format(grain="monthly"), FEBRUARY)[-1] is True
    assert _one(conn, CALLS_MADE.format(grain="monthly"), FEBRUARY, MARIA)[-1] == "ahead"
    assert conn.execute("SELECT count(*) > 0 FROM marts.drivers_monthly WHERE period_start = ?",
                        [FEBRUARY]).fetchone() == (True,)

    # Weeks: the week of 9 March has run 3 of 7 days (compared with 2..4 March: 6 calls); the
    # week of 2 March is complete with 4 working days, 6 March a holiday.
    assert _one(conn, CALENDAR.format(grain="weekly"), WEEK_OF_9) == (
        date(2026, 3, 15), 7, 3, 5, 3, [], False)
    assert _one(conn, CALLS_MADE.format(grain="weekly"), WEEK_OF_9, MARIA)[-3:] == (
        6.0, None, "no_target")
    assert _one(conn, CALENDAR.format(grain="weekly"), WEEK_OF_2) == (
        date(2026, 3, 8), 7, 7, 4, 4, [date(2026, 3, 6)], True)


def test_the_operator_declares_the_data_complete_through_a_day(
    run_pipeline: Callable[..., duckdb.DuckDBPyConnection], tmp_path: Path
) -> None:
    landing = _landing(tmp_path / "landing")

    conn = run_pipeline(landing, SALES_AS_OF="2026-03-31")
    # The weekdays after her last call are elapsed now, and nobody worked them: holidays too.
    assert _one(conn, CALENDAR.format(grain="monthly"), MARCH) == (
        date(2026, 3, 31), 31, 31, 7, 7, [date(2026, 3, 6)] + [
            date(2026, 3, d) for d in (12, 13, 16, 17, 18, 19, 20, 23, 24, 25, 26, 27, 30, 31)
        ], True)
    assert _one(conn, CALLS_MADE.format(grain="monthly"), MARCH, MARIA) == (
        14.0, 42.0, 42.0, pytest.approx(1 / 3), pytest.approx(1 / 3), None, 6.0, None, "behind")

    # Data through Friday 13 March completes the week of 9 March: nobody works its weekend.
    conn = run_pipeline(landing, SALES_AS_OF="2026-03-13")
    assert _one(conn, CALENDAR.format(grain="weekly"), WEEK_OF_9)[2:] == (
        5, 3, 3, [date(2026, 3, 12), date(2026, 3, 13)], True)


def test_the_backfill_renders_the_latest_complete_period(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    """By default each grain's latest complete period gets its reports: February, the week of 2
    March (with its holiday named), Q4 2025 is before the data, so no quarter; `running` adds
    March and the week of 9 March, "to date"."""
    landing = _landing(tmp_path / "landing")
    settings = settings_for(landing, tmp_path, SALES_HISTORY_START="2025-01-01",
                            SALES_MAX_REJECTED_SHARE="1")
    summary = run_backfill(build_definitions(settings), settings, instance,
                           progress=lambda _: None)
    assert summary.success, summary.failed

    def folders(grain: str) -> list[str]:
        return sorted(p.name for p in (settings.reports_dir / grain).iterdir())

    assert folders("monthly") == ["2026-02-01"]
    assert folders("weekly") == ["2026-03-02"]
    assert summary.reported_periods == {"weekly": 1, "monthly": 1}
    week = (settings.reports_dir / "weekly" / "2026-03-02" / "index.html").read_text("utf-8")
    assert "This period had 4 working days: Fri 6 Mar 2026 was a holiday" in week

    summary = run_backfill(build_definitions(settings), settings, instance,
                           progress=lambda _: None, reports="running")
    assert summary.success, summary.failed
    assert folders("monthly") == ["2026-02-01", "2026-03-01"]
    assert folders("weekly") == ["2026-03-02", "2026-03-09"]
    march = (settings.reports_dir / "monthly" / "2026-03-01" / "index.html").read_text("utf-8")
    assert "to date (11 of 31 days)" in march
