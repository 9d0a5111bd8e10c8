"""Contract test of the settings: reporting currency, time zone, history start, `--start`.

The landing area is ``landing_settings.py`` (each row commented with its line number and
purpose). Three real pipeline runs read it, all with ``SALES_TIMEZONE=America/New_York`` and
``SALES_REPORTING_CURRENCY=USD``:

1. "full": every period the data covers (``SALES_HISTORY_START=2000-01-01``). Its twelve marts
   are compared cell by cell below; they cover the reporting currency (USD at 1, EUR and GBP at
   their own rate to USD, no rate -> ``missing FX rate``), the daylight-saving change inside the
   data and sums that land on an exact half cent, positive and negative.
2. "history": ``SALES_HISTORY_START=2026-03-04`` (a Wednesday).
3. "backfill --start": ``sales-pipeline backfill --start 2026-03-09`` through the real CLI
   (``sales_pipeline.cli.main``), the history start left far back.

What a start day means. `backfill --start` narrows the periods built: a period is a Dagster
partition and is built whole or not at all, so each grain's facts begin with the period that
contains the start day, and that period holds all of its events. SALES_HISTORY_START is a window
on the data itself (docs/contract.md, "History"): an event whose local day, or a document whose
date, is before it is quarantined (`before SALES_HISTORY_START`), and the partitions of every
grain begin with the period that contains it (``partitions.partitions_for``). So the history run's
first periods hold only the days from Wed 03-04 on (its expectations are worked out below), while
the `--start` run's marts are exactly the full run's rows from each grain's first period on:

| start day | weekly | monthly | quarterly | yearly |
| --- | --- | --- | --- | --- |
| history start Wed 2026-03-04 | 2026-03-02 | 2026-03-01 | 2026-01-01 | 2026-01-01 |
| `--start` Mon 2026-03-09 | 2026-03-09 | 2026-03-01 | 2026-01-01 | 2026-01-01 |

Counted events per rep (full run). "DM" = decision maker (003C1, the only contact). Local days
in America/New_York: UTC-5 until Sun 2026-03-08 02:00 local, UTC-4 after.

005N Nora, Manhattan / East; every call connected (completed, human) with DM 003C1:
  CN0 2026-01-01 04:30Z = Wed 2025-12-31 23:30 EST  160 s  week 2025-12-29, Dec, Q4 2025, 2025
  CN1 2026-03-01 04:30Z = Sat 2026-02-28 23:30 EST   10 s  week 02-23, February
  EN1 Meeting Sat 02-28 23:45 EST (03-01 04:45Z)            week 02-23, February
  CN2 2026-03-01 05:30Z = Sun 2026-03-01 00:30 EST   20 s  week 02-23, March
  CN3 2026-03-09 03:30Z = Sun 2026-03-08 23:30 EDT   40 s  week 03-02, March
  EN2 Visit Sun 03-08 23:45 EDT (03-09 03:45Z)              week 03-02, March
  CN4 2026-03-09 04:30Z = Mon 2026-03-09 00:30 EDT   80 s  week 03-09, March
  (In UTC, CN0 would be in 2026, CN1 and EN1 in March, CN3 and EN2 in week 03-09; with the
  winter offset all year, CN4 would be in week 03-02; with the summer offset all year, CN0 in
  2026 and CN1 in March.)
005F Felix, Boston / East (documents; rate = USD one unit of the currency buys):
  week 03-02: DF1 100 USD x 1 = 100, DF2 10 EUR x 1.1 = 11, DF3 RETURN 4 GBP x 1.25 = -5
              -> 106.00, orders 2 (DF1, DF2; a return is no order)
  week 03-09: DF6 20 EUR x 1.2 = 24 -> 24.00, orders 1
  rejected: DF4 (CHF, no rate at all), DF5 (EUR on 03-01, before the first EUR rate)
005H Hana, Austin / South:
  week 03-02: DH1 0.0625 + DH2 0.0625 = 0.125 -> 0.13, orders 2
  week 03-09: DH3 10.05 GBP x 1.3 = 13.065 -> 13.07, orders 1
  March: 0.125 + 13.065 = 13.190 -> 13.19 (the sum is rounded, not the weeks: not 0.13 + 13.07)
005R Raj, Dallas / South:
  week 03-02: DR1 +1 - DR2 1.125 = -0.125 -> -0.13, orders 1
  week 03-09: DR3 RETURN 0.25 GBP x 1.3 = -0.325 -> -0.33, orders 0
  March: -0.125 - 0.325 = -0.450 -> -0.45 (not -0.13 - 0.33 = -0.46)
Half away from zero (docs/contract.md): 0.125 -> 0.13, -0.125 -> -0.13, 13.065 -> 13.07,
-0.325 -> -0.33. Half-even would give 0.12, -0.12, 13.06, -0.32; half-up -0.12 and -0.32.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import dagster as dg
import duckdb
import pytest

from sales_pipeline.cli import LOCAL_DAGSTER_HOME, main
from sales_pipeline.runner import run_backfill
from sales_pipeline_tests.conftest import facts_definitions, settings_for
from sales_pipeline_tests.contract.landing_settings import (
    CALLS_FILE,
    DOCUMENTS_FILE,
    EVENTS_FILE,
    build_settings_landing,
)
from sales_pipeline_tests.contract.test_contract import (
    GRAINS,
    KEY_COLUMNS,
    LEVELS,
    METRIC_COLUMNS,
    QUARANTINE_TABLES,
    M,
    _count,
    _expected,
    _normalize,
    _sorted,
)

TIMEZONE = "America/New_York"
CURRENCY = "USD"
HISTORY_START = "2026-03-04"
BACKFILL_START = "2026-03-09"


# --------------------------------------------------------------------------- expectations


def m(
    *,
    made: int = 0,
    conn: int = 0,
    talk: int = 0,
    avg: float | None = None,
    dm: int = 0,
    dms: int = 0,
    visits: int = 0,
    meetings: int = 0,
    orders: int = 0,
    sales: str = "0",
) -> M:
    return M(made, conn, talk, avg, dm, dms, visits, meetings, orders, Decimal(sales))


# One block per line on purpose: keep the formatter off them.
# fmt: off
# 005N Nora (Manhattan / East): calls and events only ------------------------------------------
# CN0 160 s with DM 003C1 (Wed 2025-12-31 local): its week, December, Q4 2025 and year 2025
N_CN0 = m(made=1, conn=1, talk=160, avg=160.0, dm=1, dms=1)
# week 02-23: CN1 10 s + CN2 20 s + EN1 Meeting, all with DM 003C1
N_W0223 = m(made=2, conn=2, talk=30, avg=15.0, dm=3, dms=1, meetings=1)
# week 03-02: CN3 40 s + EN2 Visit (both Sunday 03-08 local, after the change)
N_W0302 = m(made=1, conn=1, talk=40, avg=40.0, dm=2, dms=1, visits=1)
# week 03-09: CN4 80 s
N_W0309 = m(made=1, conn=1, talk=80, avg=80.0, dm=1, dms=1)
# February: CN1 10 s + EN1 Meeting (Saturday 02-28 local)
N_M02 = m(made=1, conn=1, talk=10, avg=10.0, dm=2, dms=1, meetings=1)
# March: CN2 20 + CN3 40 + CN4 80 = 140 s over 3 calls, + EN2 Visit
N_M03 = m(made=3, conn=3, talk=140, avg=140 / 3, dm=4, dms=1, visits=1)
# Q1 / 2026: February + March: 150 s over 4 calls, EN1 + EN2
N_Q1 = m(made=4, conn=4, talk=150, avg=37.5, dm=6, dms=1, visits=1, meetings=1)

# 005F Felix (Boston / East): documents only -------------------------------------------------
# week 03-02: 100 x 1 + 10 x 1.1 - 4 x 1.25 = 100 + 11 - 5 = 106
F_W0302 = m(orders=2, sales="106.00")
# week 03-09: 20 x 1.2 = 24
F_W0309 = m(orders=1, sales="24.00")
# March, Q1, 2026: 106 + 24
F_M03 = m(orders=3, sales="130.00")

# 005H Hana (Austin / South) ------------------------------------------------------------------
H_W0302 = m(orders=2, sales="0.13")    # 0.0625 + 0.0625 = 0.125
H_W0309 = m(orders=1, sales="13.07")   # 10.05 x 1.3 = 13.065
H_M03 = m(orders=3, sales="13.19")     # 0.125 + 13.065 = 13.190

# 005R Raj (Dallas / South) -------------------------------------------------------------------
R_W0302 = m(orders=1, sales="-0.13")   # 1 - 1.125 = -0.125
R_W0309 = m(orders=0, sales="-0.33")   # -0.25 x 1.3 = -0.325
R_M03 = m(orders=1, sales="-0.45")     # -0.125 - 0.325 = -0.450

# Departments of two reps ---------------------------------------------------------------------
# East week 03-02: N_W0302 + F_W0302
EAST_W0302 = m(made=1, conn=1, talk=40, avg=40.0, dm=2, dms=1, visits=1, orders=2, sales="106.00")
# East week 03-09: N_W0309 + F_W0309
EAST_W0309 = m(made=1, conn=1, talk=80, avg=80.0, dm=1, dms=1, orders=1, sales="24.00")
# East March: N_M03 + F_M03
EAST_M03 = m(made=3, conn=3, talk=140, avg=140 / 3, dm=4, dms=1, visits=1, orders=3, sales="130.00")
# East Q1 / 2026: N_Q1 + F_M03
EAST_Q1 = m(made=4, conn=4, talk=150, avg=37.5, dm=6, dms=1, visits=1, meetings=1, orders=3, sales="130.00")
# South week 03-02: 0.125 - 0.125 = 0; orders DH1, DH2, DR1
SOUTH_W0302 = m(orders=3, sales="0.00")
# South week 03-09: 13.065 - 0.325 = 12.740; order DH3
SOUTH_W0309 = m(orders=1, sales="12.74")
# South March, Q1, 2026: 13.190 - 0.450 = 12.740
SOUTH_M03 = m(orders=4, sales="12.74")

REPS = {
    "005N": ("Nora Quinn", "Manhattan", "East"),
    "005F": ("Felix Brandt", "Boston", "East"),
    "005H": ("Hana Mori", "Austin", "South"),
    "005R": ("Raj Patel", "Dallas", "South"),
}
# fmt: on

Row = tuple[Any, ...]


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def rep(period: str, rep_id: str, metrics: M) -> Row:
    return (_day(period), rep_id, *REPS[rep_id], *metrics)


def team(period: str, rep_id: str, metrics: M) -> Row:
    """A team row: every team here is one rep's, so it is that rep's row without the rep."""
    _, team_name, department_name = REPS[rep_id]
    return (_day(period), team_name, department_name, *metrics)


def department(period: str, name: str, metrics: M) -> Row:
    return (_day(period), name, *metrics)


# Per rep and period, at each grain; team rows are the same (one rep a team).
REP_PERIODS: dict[str, list[tuple[str, str, M]]] = {
    "weekly": [
        ("2025-12-29", "005N", N_CN0),  # ISO week across the year boundary
        ("2026-02-23", "005N", N_W0223),  # Sat 02-28 and Sun 03-01 local
        ("2026-03-02", "005N", N_W0302),
        ("2026-03-02", "005F", F_W0302),
        ("2026-03-02", "005H", H_W0302),
        ("2026-03-02", "005R", R_W0302),
        ("2026-03-09", "005N", N_W0309),
        ("2026-03-09", "005F", F_W0309),
        ("2026-03-09", "005H", H_W0309),
        ("2026-03-09", "005R", R_W0309),
    ],
    "monthly": [
        ("2025-12-01", "005N", N_CN0),
        ("2026-02-01", "005N", N_M02),
        ("2026-03-01", "005N", N_M03),
        ("2026-03-01", "005F", F_M03),
        ("2026-03-01", "005H", H_M03),
        ("2026-03-01", "005R", R_M03),
    ],
    "quarterly": [
        ("2025-10-01", "005N", N_CN0),
        ("2026-01-01", "005N", N_Q1),
        ("2026-01-01", "005F", F_M03),
        ("2026-01-01", "005H", H_M03),
        ("2026-01-01", "005R", R_M03),
    ],
    "yearly": [
        ("2025-01-01", "005N", N_CN0),
        ("2026-01-01", "005N", N_Q1),
        ("2026-01-01", "005F", F_M03),
        ("2026-01-01", "005H", H_M03),
        ("2026-01-01", "005R", R_M03),
    ],
}
DEPARTMENT_PERIODS: dict[str, list[tuple[str, str, M]]] = {
    "weekly": [
        ("2025-12-29", "East", N_CN0),
        ("2026-02-23", "East", N_W0223),
        ("2026-03-02", "East", EAST_W0302),
        ("2026-03-02", "South", SOUTH_W0302),
        ("2026-03-09", "East", EAST_W0309),
        ("2026-03-09", "South", SOUTH_W0309),
    ],
    "monthly": [
        ("2025-12-01", "East", N_CN0),
        ("2026-02-01", "East", N_M02),
        ("2026-03-01", "East", EAST_M03),
        ("2026-03-01", "South", SOUTH_M03),
    ],
    "quarterly": [
        ("2025-10-01", "East", N_CN0),
        ("2026-01-01", "East", EAST_Q1),
        ("2026-01-01", "South", SOUTH_M03),
    ],
    "yearly": [
        ("2025-01-01", "East", N_CN0),
        ("2026-01-01", "East", EAST_Q1),
        ("2026-01-01", "South", SOUTH_M03),
    ],
}


def expected_full(level: str, grain: str) -> list[Row]:
    """The full run's rows of marts.<level>_activity_<grain>."""
    if level == "department":
        return [department(p, name, metrics) for p, name, metrics in DEPARTMENT_PERIODS[grain]]
    build = rep if level == "rep" else team
    return [build(p, rep_id, metrics) for p, rep_id, metrics in REP_PERIODS[grain]]


# The first period each grain has in a run that starts on a given day: the period containing
# that day (see the module docstring and its table).
FIRST_PERIOD = {
    HISTORY_START: {  # Wed 2026-03-04
        "weekly": "2026-03-02",
        "monthly": "2026-03-01",
        "quarterly": "2026-01-01",
        "yearly": "2026-01-01",
    },
    BACKFILL_START: {  # Mon 2026-03-09
        "weekly": "2026-03-09",
        "monthly": "2026-03-01",
        "quarterly": "2026-01-01",
        "yearly": "2026-01-01",
    },
}
# The periods with rows in each run, listed by hand from the tables above.
PERIODS_WITH_ROWS = {
    "full": {
        "weekly": ["2025-12-29", "2026-02-23", "2026-03-02", "2026-03-09"],
        "monthly": ["2025-12-01", "2026-02-01", "2026-03-01"],
        "quarterly": ["2025-10-01", "2026-01-01"],
        "yearly": ["2025-01-01", "2026-01-01"],
    },
    HISTORY_START: {
        "weekly": ["2026-03-02", "2026-03-09"],
        "monthly": ["2026-03-01"],
        "quarterly": ["2026-01-01"],
        "yearly": ["2026-01-01"],
    },
    BACKFILL_START: {
        "weekly": ["2026-03-09"],
        "monthly": ["2026-03-01"],
        "quarterly": ["2026-01-01"],
        "yearly": ["2026-01-01"],
    },
}


# The history run (SALES_HISTORY_START = Wed 2026-03-04): quarantined as before the history are
# CN0, CN1, CN2 and EN1 (local days up to Sun 03-01) and DH1, DR1 (Tue 03-03); DF4 and DF5 were
# rejected already. What is left:
# Nora March / Q1 / 2026: CN3 40 s + CN4 80 s, DM: the two calls + EN2 Visit
HIST_N_M03 = m(made=2, conn=2, talk=120, avg=60.0, dm=3, dms=1, visits=1)
# Hana week 03-02: DH2 alone, 0.0625 -> 0.06; March: 0.0625 + 13.065 = 13.1275 -> 13.13
HIST_H_W0302 = m(orders=1, sales="0.06")
HIST_H_M03 = m(orders=2, sales="13.13")
# Raj week 03-02: the return DR2 alone, -1.125 -> -1.13 (half away from zero); no order left;
# March: -1.125 - 0.325 = -1.450
HIST_R_W0302 = m(orders=0, sales="-1.13")
HIST_R_M03 = m(orders=0, sales="-1.45")
# East March: Nora's + Felix's (orders 3, 130.00)
HIST_EAST_M03 = m(made=2, conn=2, talk=120, avg=60.0, dm=3, dms=1, visits=1, orders=3, sales="130.00")
# South week 03-02: 0.0625 - 1.125 = -1.0625 -> -1.06; March: 13.1275 - 1.450 = 11.6775 -> 11.68
HIST_SOUTH_W0302 = m(orders=1, sales="-1.06")
HIST_SOUTH_M03 = m(orders=2, sales="11.68")

HISTORY_REP_PERIODS: dict[str, list[tuple[str, str, M]]] = {
    "weekly": [
        ("2026-03-02", "005N", N_W0302),
        ("2026-03-02", "005F", F_W0302),
        ("2026-03-02", "005H", HIST_H_W0302),
        ("2026-03-02", "005R", HIST_R_W0302),
        ("2026-03-09", "005N", N_W0309),
        ("2026-03-09", "005F", F_W0309),
        ("2026-03-09", "005H", H_W0309),
        ("2026-03-09", "005R", R_W0309),
    ],
    **{
        grain: [
            (period, "005N", HIST_N_M03),
            (period, "005F", F_M03),
            (period, "005H", HIST_H_M03),
            (period, "005R", HIST_R_M03),
        ]
        for grain, period in (("monthly", "2026-03-01"), ("quarterly", "2026-01-01"),
                              ("yearly", "2026-01-01"))
    },
}
HISTORY_DEPARTMENT_PERIODS: dict[str, list[tuple[str, str, M]]] = {
    "weekly": [
        ("2026-03-02", "East", EAST_W0302),
        ("2026-03-02", "South", HIST_SOUTH_W0302),
        ("2026-03-09", "East", EAST_W0309),
        ("2026-03-09", "South", SOUTH_W0309),
    ],
    **{
        grain: [(period, "East", HIST_EAST_M03), (period, "South", HIST_SOUTH_M03)]
        for grain, period in (("monthly", "2026-03-01"), ("quarterly", "2026-01-01"),
                              ("yearly", "2026-01-01"))
    },
}


def expected_history(level: str, grain: str) -> list[Row]:
    """The history run's rows of marts.<level>_activity_<grain>."""
    if level == "department":
        return [department(p, n, metrics) for p, n, metrics in HISTORY_DEPARTMENT_PERIODS[grain]]
    build = rep if level == "rep" else team
    return [build(p, rep_id, metrics) for p, rep_id, metrics in HISTORY_REP_PERIODS[grain]]


def expected_from(start_day: str, level: str, grain: str) -> list[Row]:
    """The full run's rows from the grain's first period on (periods are built whole)."""
    first = _day(FIRST_PERIOD[start_day][grain])
    return [row for row in expected_full(level, grain) if row[0] >= first]


# (file, line, reason) of every quarantined row of the full run, per quarantine table. The
# reasons are the texts of sql/staging/sales_documents.sql.
EXPECTED_QUARANTINE: dict[str, list[tuple[str, int, str]]] = {
    "sales_documents": [
        (DOCUMENTS_FILE, 5, "missing FX rate: no CHF rate on or before 2026-03-03"),  # DF4
        (DOCUMENTS_FILE, 6, "missing FX rate: no EUR rate on or before 2026-03-01"),  # DF5
    ],
    "calls": [],
    "events": [],
    "users": [],
    "contacts": [],
    "team_memberships": [],
    "sales_targets": [],
    "fx_rates": [],  # the USD row is a valid row; it is only never used
}


# --------------------------------------------------------------------------- running


class Warehouse(NamedTuple):
    """What one run left in the warehouse, read into memory right after it."""

    tables: dict[str, list[Row]]
    errors: dict[str, str]

    def rows(self, table: str) -> list[Row]:
        if table in self.errors:
            pytest.fail(f"cannot read {table}: {self.errors[table]}")
        return self.tables[table]


def read_warehouse(path: Path) -> Warehouse:
    queries = {
        f"marts.{level}_activity_{grain}": ", ".join(KEY_COLUMNS[level] + METRIC_COLUMNS)
        for level in LEVELS
        for grain in GRAINS
    }
    queries |= {f"quarantine.{name}": '"file", "line", "reason"' for name in QUARANTINE_TABLES}
    tables: dict[str, list[Row]] = {}
    errors: dict[str, str] = {}
    with duckdb.connect(str(path), read_only=True) as conn:
        for table, columns in queries.items():
            try:
                tables[table] = conn.execute(f"SELECT {columns} FROM {table}").fetchall()
            except duckdb.Error as exc:
                errors[table] = str(exc)
    return Warehouse(tables, errors)


@pytest.fixture(scope="module")
def settings_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_settings_landing(tmp_path_factory.mktemp("settings_landing"))


def _run_backfill(landing: Path, workdir: Path, history_start: str) -> Warehouse:
    """Ingest and build every period through Dagster (the facts without analysis and reports:
    what is compared here are the fact marts)."""
    settings = settings_for(
        landing,
        workdir,
        timezone=TIMEZONE,
        currency=CURRENCY,
        SALES_HISTORY_START=history_start,
        SALES_MAX_REJECTED_SHARE="1",
    )
    # The instance is left before returning: module-scoped fixtures must not hold one open.
    with dg.instance_for_test() as instance:
        summary = run_backfill(
            facts_definitions(settings), settings, instance, progress=lambda _: None,
            reports="none",
        )
    assert summary.success, summary.failed
    return read_warehouse(settings.warehouse)


@pytest.fixture(scope="module")
def full_run(settings_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return _run_backfill(settings_landing, tmp_path_factory.mktemp("full"), "2000-01-01")


@pytest.fixture(scope="module")
def history_run(settings_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return _run_backfill(settings_landing, tmp_path_factory.mktemp("history"), HISTORY_START)


@pytest.fixture(scope="module")
def backfill_start_run(
    settings_landing: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Warehouse]:
    """`sales-pipeline backfill --start 2026-03-09 --reports none`, as an operator runs it: the
    settings come from the environment, the runs go to the DAGSTER_HOME instance."""
    workdir = tmp_path_factory.mktemp("backfill_start")
    home = workdir / "dagster_home"
    home.mkdir()
    shutil.copy(LOCAL_DAGSTER_HOME / "dagster.yaml", home / "dagster.yaml")
    environment = {
        "SALES_LANDING_DIR": str(settings_landing),
        "SALES_WAREHOUSE": str(workdir / "warehouse.duckdb"),
        "SALES_REPORTS_DIR": str(workdir / "reports"),
        "SALES_TIMEZONE": TIMEZONE,
        "SALES_REPORTING_CURRENCY": CURRENCY,
        "SALES_HISTORY_START": "2000-01-01",  # only --start narrows the periods
        "SALES_MAX_REJECTED_SHARE": "1",
        "DAGSTER_HOME": str(home),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        patch.delenv("SALES_PUBLISHED_WAREHOUSE", raising=False)
        exit_code = main(["backfill", "--start", BACKFILL_START, "--reports", "none"])
    assert exit_code == 0
    yield read_warehouse(workdir / "warehouse.duckdb")


# --------------------------------------------------------------------------- comparing


def assert_mart(warehouse: Warehouse, level: str, grain: str, expected: list[Row]) -> None:
    n_keys = len(KEY_COLUMNS[level])
    rows = warehouse.rows(f"marts.{level}_activity_{grain}")
    actual = _sorted([_normalize(r, n_keys) for r in rows], n_keys)
    assert actual == _sorted([_expected(r, n_keys) for r in expected], n_keys)


def cell(row: Row, level: str, metric: str) -> Any:
    return row[len(KEY_COLUMNS[level]) + METRIC_COLUMNS.index(metric)]


def periods(warehouse: Warehouse, level: str, grain: str) -> list[str]:
    rows = warehouse.rows(f"marts.{level}_activity_{grain}")
    return sorted({row[0].isoformat() for row in rows})


# --------------------------------------------------------------------------- full run


@pytest.mark.parametrize("grain", GRAINS)
@pytest.mark.parametrize("level", LEVELS)
def test_fact_mart_usd_new_york(full_run: Warehouse, level: str, grain: str) -> None:
    assert_mart(full_run, level, grain, expected_full(level, grain))


@pytest.mark.parametrize("table", QUARANTINE_TABLES)
def test_quarantine_usd_new_york(full_run: Warehouse, table: str) -> None:
    rows = full_run.rows(f"quarantine.{table}")
    assert sorted((str(f), int(line), str(reason)) for f, line, reason in rows) == sorted(
        EXPECTED_QUARANTINE[table]
    )


def test_reporting_currency_usd(full_run: Warehouse) -> None:
    """USD converts at 1 (its stale 0.9 row unused), EUR and GBP at their rate to USD."""
    weekly = {
        (row[0].isoformat(), row[1]): (
            _count(cell(row, "rep", "orders")),
            Decimal(str(cell(row, "rep", "sales_volume"))),
        )
        for row in full_run.rows("marts.rep_activity_weekly")
        if row[1] == "005F"
    }
    # 100 x 1 + 10 x 1.1 - 4 x 1.25 = 106; 20 x 1.2 = 24
    assert weekly == {
        ("2026-03-02", "005F"): (2, Decimal("106.00")),
        ("2026-03-09", "005F"): (1, Decimal("24.00")),
    }


def test_local_day_across_daylight_saving_change(full_run: Warehouse) -> None:
    """Talk seconds of 005N per period: 160, 10, 20, 40, 80 s name the calls (CN0 .. CN4)."""

    def talk(grain: str) -> dict[str, int]:
        rows = full_run.rows(f"marts.rep_activity_{grain}")
        return {
            row[0].isoformat(): _count(cell(row, "rep", "talk_seconds"))
            for row in rows
            if row[1] == "005N"
        }

    # CN0 Wed 12-31 EST; CN1 + CN2 Sat/Sun before the change; CN3 Sun 03-08 EDT; CN4 Mon EDT
    assert talk("weekly") == {
        "2025-12-29": 160,
        "2026-02-23": 10 + 20,
        "2026-03-02": 40,
        "2026-03-09": 80,
    }
    # CN1 (Sat 02-28 23:30 EST) is February, CN2 (Sun 03-01 00:30 EST) March
    assert talk("monthly") == {"2025-12-01": 160, "2026-02-01": 10, "2026-03-01": 20 + 40 + 80}
    # CN0 (Wed 2025-12-31 23:30 EST) is in 2025
    assert talk("yearly") == {"2025-01-01": 160, "2026-01-01": 10 + 20 + 40 + 80}


def test_sales_volume_rounds_half_away_from_zero(full_run: Warehouse) -> None:
    def volume(level: str, grain: str, name: str) -> dict[str, Decimal]:
        # row[1] is the rep_id, team or department
        rows = full_run.rows(f"marts.{level}_activity_{grain}")
        return {
            row[0].isoformat(): Decimal(str(cell(row, level, "sales_volume")))
            for row in rows
            if row[1] == name
        }

    assert volume("rep", "weekly", "005H") == {
        "2026-03-02": Decimal("0.13"),  # 0.0625 + 0.0625 = 0.125
        "2026-03-09": Decimal("13.07"),  # 10.05 x 1.3 = 13.065
    }
    assert volume("rep", "weekly", "005R") == {
        "2026-03-02": Decimal("-0.13"),  # 1 - 1.125 = -0.125
        "2026-03-09": Decimal("-0.33"),  # -0.25 x 1.3 = -0.325
    }
    # each period's sum is rounded once: 13.190 and -0.450, not 13.20 and -0.46
    assert volume("rep", "monthly", "005H") == {"2026-03-01": Decimal("13.19")}
    assert volume("rep", "monthly", "005R") == {"2026-03-01": Decimal("-0.45")}
    assert volume("team", "weekly", "Austin") == volume("rep", "weekly", "005H")


# --------------------------------------------------------------------------- history start


@pytest.mark.parametrize("grain", GRAINS)
@pytest.mark.parametrize("level", LEVELS)
def test_fact_mart_history_start(history_run: Warehouse, level: str, grain: str) -> None:
    assert_mart(history_run, level, grain, expected_history(level, grain))


@pytest.mark.parametrize("grain", GRAINS)
def test_history_start_periods(
    full_run: Warehouse, history_run: Warehouse, grain: str
) -> None:
    """No period wholly before Wed 2026-03-04; the periods containing it are built whole."""
    for level in LEVELS:
        assert periods(full_run, level, grain) == PERIODS_WITH_ROWS["full"][grain]
        assert periods(history_run, level, grain) == PERIODS_WITH_ROWS[HISTORY_START][grain]


@pytest.mark.parametrize("grain", GRAINS)
def test_history_start_is_the_first_partition(tmp_path: Path, grain: str) -> None:
    """The partitions themselves begin with the period of the history start (no run needed):
    nothing older can be built, by the backfill or from the UI."""
    settings = settings_for(
        tmp_path, tmp_path, timezone=TIMEZONE, currency=CURRENCY, SALES_HISTORY_START=HISTORY_START
    )
    defs = facts_definitions(settings)
    for level in LEVELS:
        fact = defs.resolve_assets_def(dg.AssetKey(["marts", f"{level}_activity_{grain}"]))
        assert fact.partitions_def is not None
        first = fact.partitions_def.get_first_partition_key()
        assert first == FIRST_PERIOD[HISTORY_START][grain]


def test_history_start_quarantines_what_is_older(history_run: Warehouse) -> None:
    """Every event and document dated before Wed 03-04 is quarantined with the history reason,
    after any other reason it has; nothing else is."""
    before = "before SALES_HISTORY_START: {} is before 2026-03-04"
    history_rows = {
        table: sorted(
            (file, line, reason)
            for file, line, reason in history_run.rows(f"quarantine.{table}")
        )
        for table in ("calls", "events", "sales_documents")
    }
    assert history_rows == {
        "calls": [
            (CALLS_FILE, 2, before.format("2025-12-31")),  # CN0
            (CALLS_FILE, 3, before.format("2026-02-28")),  # CN1
            (CALLS_FILE, 4, before.format("2026-03-01")),  # CN2
        ],
        "events": [(EVENTS_FILE, 2, before.format("2026-02-28"))],  # EN1
        "sales_documents": [
            (DOCUMENTS_FILE, 5, "missing FX rate: no CHF rate on or before 2026-03-03; "
             + before.format("2026-03-03")),  # DF4
            (DOCUMENTS_FILE, 6, "missing FX rate: no EUR rate on or before 2026-03-01; "
             + before.format("2026-03-01")),  # DF5
            (DOCUMENTS_FILE, 8, before.format("2026-03-03")),  # DH1
            (DOCUMENTS_FILE, 11, before.format("2026-03-03")),  # DR1
        ],
    }


# --------------------------------------------------------------------------- backfill --start


@pytest.mark.parametrize("grain", GRAINS)
@pytest.mark.parametrize("level", LEVELS)
def test_fact_mart_backfill_start(backfill_start_run: Warehouse, level: str, grain: str) -> None:
    assert_mart(backfill_start_run, level, grain, expected_from(BACKFILL_START, level, grain))


@pytest.mark.parametrize("grain", GRAINS)
def test_backfill_start_periods(backfill_start_run: Warehouse, grain: str) -> None:
    """Only the periods from that of Mon 2026-03-09 on: weeks 02-23 and 03-02 are absent."""
    for level in LEVELS:
        assert periods(backfill_start_run, level, grain) == PERIODS_WITH_ROWS[BACKFILL_START][grain]
