"""Dagster resources: the DuckDB warehouse and the sales organisation's settings.

Both are built from `SalesSettings` (the `SALES_*` environment variables), so a test or a deployment
points the whole pipeline elsewhere through the environment alone.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from sales_pipeline import contract
from sales_pipeline.partitions import Grain, period_chunks
from sales_pipeline.settings import DEFAULTS, SalesSettings
from sales_pipeline.sql import render

# The concurrency pool every step that opens the warehouse for writing belongs to. Its limit of one
# is set in the shipped instance config (.dagster_home/dagster.yaml): DuckDB allows a single
# writing process per file, so steps of concurrent runs queue instead of failing on the file lock.
WAREHOUSE_POOL = "duckdb_warehouse"


class WarehouseUnavailable(RuntimeError):
    """The warehouse file cannot be opened: for a reason waiting will not fix (permissions, a full
    disk, a file that is no DuckDB database), or it stayed locked; the message says what and
    where in one line."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


# DuckDB's message when another process holds the file: the only failure worth waiting out.
_LOCK_HELD = "Could not set lock on file"
# About two minutes in all: long enough for another process's step to finish its transaction.
LOCK_RETRY_DELAYS = (0.1, 0.2, 0.5, 1, 2, 4, 8, 15, 30, 60)


def open_warehouse(
    database: str,
    config: dict[str, str] | None = None,
    lock_retry_delays: Sequence[float] = LOCK_RETRY_DELAYS,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing, waiting only while another process holds its lock."""
    path = Path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WarehouseUnavailable(
            f"cannot create the warehouse folder {path.parent}: {error.strerror}"
        ) from None
    delays = iter(lock_retry_delays)
    while True:
        try:
            return duckdb.connect(database, config=config or {})
        except duckdb.IOException as error:
            message = str(error).removeprefix("IO Error: ")
            locked = _LOCK_HELD in message
            delay = next(delays, None) if locked else None
            if delay is None:
                what = "stayed locked by another process" if locked else "cannot be opened"
                raise WarehouseUnavailable(
                    f"the warehouse {path} {what}: {message}", locked=locked
                ) from None
            time.sleep(delay)


def warehouse_problem(database: Path) -> str | None:
    """Why the warehouse cannot be written, found without waiting: None when it can, or when
    another process holds it (the steps wait that out)."""
    try:
        open_warehouse(str(database), lock_retry_delays=()).close()
    except WarehouseUnavailable as error:
        return None if error.locked else str(error)
    # DuckDB writes its WAL and spill files beside the database: an existing file in a read-only
    # folder opens, then fails at the first write.
    if not os.access(database.parent, os.W_OK | os.X_OK):
        return f"the warehouse folder {database.parent} is not writable"
    return None


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """The block as one DuckDB transaction: committed when it ends, rolled back when it raises
    (anything, an interrupt too), so a failed or killed step leaves no half-written table."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


# How a step's periods-done line looks; the backfill picks these lines out of the run's log.
PERIODS_DONE = re.compile(r"^(?P<what>\S+): (?P<done>\d+)/(?P<total>\d+) periods$")


def build_periods(
    conn: duckdb.DuckDBPyConnection,
    grain: Grain,
    start: date,
    end: date,
    build: Callable[[date, date], None],
    *,
    what: str,
    rows: int,
    rows_per_run: int,
    report: Callable[[str], None] | None = None,
) -> None:
    """`build(run_start, run_end)` over the periods starting in [start, end), all in one
    transaction, and after each run `report` gets `<what>: <done>/<total> periods`.

    Each run of `build` costs a fixed part (planning, reading what a period looks back at) besides
    its rows: one run of many small periods was five times faster than ten. So the periods are cut
    into runs of whole periods, ascending, only where the step is long enough to want progress:
    about `rows_per_run` of the step's `rows` input rows a run, at most ten runs.
    """
    chunks = period_chunks(grain, start, end, parts=min(10, max(1, rows // rows_per_run)))
    total = chunks[-1][2] if chunks else 0
    with transaction(conn):
        for chunk_start, chunk_end, done in chunks:
            build(chunk_start, chunk_end)
            if report is not None:
                report(f"{what}: {done}/{total} periods")


@cache
def _macros() -> str:
    # Rendered once per process: every step's connection runs it.
    return render("macros.sql", contract=contract)


class Warehouse(DuckDBResource):
    """The DuckDB file every layer lives in, with the pipeline's SQL macros on each connection."""

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection with the macros, closed even when the step fails.

        (DuckDBResource.get_connection does not close on an exception, which leaves a failed
        step's last writes in the WAL of a connection nobody owns; and it retries every I/O
        error, so a read-only folder took minutes to report.)
        """
        conn = open_warehouse(self.database, self.connection_config)
        try:
            conn.execute(_macros())
            yield conn
        finally:
            conn.close()


class SalesConfig(dg.ConfigurableResource):
    """Where landing files and reports live, and the organisation's zone and currency."""

    landing_dir: str
    timezone: str
    reporting_currency: str
    reports_dir: str
    max_rejected_share: float
    history_start: str
    published_warehouse: str
    # The source configuration (SALES_SOURCES_CONFIG); empty: the contract's own layout.
    sources_config: str = ""
    # The reports' language (SALES_REPORT_LOCALE), one of reports.i18n.LOCALES.
    report_locale: str = "en"

    @classmethod
    def from_settings(cls, settings: SalesSettings) -> SalesConfig:
        return cls(
            landing_dir=str(settings.landing_dir),
            timezone=settings.timezone,
            reporting_currency=settings.reporting_currency,
            reports_dir=str(settings.reports_dir),
            max_rejected_share=settings.max_rejected_share,
            history_start=settings.history_start.isoformat(),
            published_warehouse=str(settings.published_warehouse),
            sources_config=str(settings.sources_config or ""),
            report_locale=settings.report_locale,
        )

    @property
    def landing_path(self) -> Path:
        return Path(self.landing_dir)

    @property
    def reports_path(self) -> Path:
        return Path(self.reports_dir)


class AnalysisConfig(dg.ConfigurableResource):
    """Thresholds of the analysis layer; defaults documented in docs/analysis.md.

    They can be changed per run in the Dagster launchpad (resource config) without a deploy.
    """

    # Attainment (actual / target) at or above which a status applies; below at_risk: behind.
    status_ahead: float = 1.10
    status_on_track: float = 0.95
    status_at_risk: float = 0.80
    # Trends: how many periods the rolling mean and slope look back over, the fewest that make a
    # trend, the |t| of the slope and its size relative to the mean needed to call it up or down.
    trend_window: int = 6
    trend_min_periods: int = 4
    trend_min_t: float = 2.0
    trend_min_relative_slope: float = 0.02
    # Anomalies: |z| against the entity's own history, and robust |z| (median, MAD) against peers.
    anomaly_z: float = 2.5
    peer_anomaly_z: float = 2.5
    # Drivers: a factor within this relative band of its comparison value counts as normal.
    driver_normal_band: float = 0.10
    # Users whose CRM Title matches are not sellers (SALES_NON_SELLER_TITLES sets the default).
    non_seller_titles: str = DEFAULTS["SALES_NON_SELLER_TITLES"]
    # The last day the data is complete through (ISO date; empty: the last day with a counted
    # event, SALES_AS_OF sets the default). Periods ending after it are "to date".
    as_of: str = ""
    # A weekday on which fewer than this share of the week's active reps worked is a holiday:
    # it is not a working day when targets are pro-rated, and the weekly report names it.
    holiday_share: float = 0.2

    @property
    def as_of_date(self) -> date | None:
        return date.fromisoformat(self.as_of) if self.as_of else None

    @property
    def status_thresholds(self) -> tuple[float, float, float]:
        """The attainments at which the status changes: ahead, on track, at risk."""
        return (self.status_ahead, self.status_on_track, self.status_at_risk)


def build_resources(settings: SalesSettings) -> dict[str, dg.ConfigurableResource]:
    return {
        "warehouse": Warehouse(
            database=str(settings.warehouse),
            connection_config={"memory_limit": settings.duckdb_memory_limit},
        ),
        "sales_config": SalesConfig.from_settings(settings),
        "analysis_config": AnalysisConfig(
            non_seller_titles=settings.non_seller_titles,
            as_of=settings.as_of.isoformat() if settings.as_of else "",
        ),
    }
