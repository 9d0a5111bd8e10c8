"""Shared fixtures: a warehouse in a temporary folder, built by real Dagster runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sales_pipeline.dagster_internals import forget_current_defs_state_storage
from sales_pipeline.definitions import build_definitions
from sales_pipeline.runner import run_backfill
from sales_pipeline.settings import SalesSettings


def settings_for(
    landing_dir: Path, workdir: Path, *, timezone: str = "UTC", currency: str = "EUR", **extra: str
) -> SalesSettings:
    return SalesSettings.from_env(
        {
            "SALES_LANDING_DIR": str(landing_dir),
            "SALES_WAREHOUSE": str(workdir / "warehouse.duckdb"),
            "SALES_TIMEZONE": timezone,
            "SALES_REPORTING_CURRENCY": currency,
            "SALES_REPORTS_DIR": str(workdir / "reports"),
            **extra,
        }
    )


@pytest.fixture(autouse=True)
def _no_stale_defs_state_storage() -> Iterator[None]:
    """Forget the definitions-state storage a closed instance may have left in Dagster's context.

    Module-scoped fixtures enter and leave instances out of nesting order, which can leave a
    weak reference to a closed instance as the "current" storage; the next test that loads
    definitions outside an instance context then fails on it (a Dagster test-isolation issue,
    not a pipeline one).
    """
    forget_current_defs_state_storage()
    yield


def facts_definitions(settings: SalesSettings) -> dg.Definitions:
    """The code location without analysis and reports: for tests about the facts alone."""
    from sales_pipeline.facts.assets import build_fact_assets
    from sales_pipeline.ingestion.assets import raw_assets
    from sales_pipeline.jobs import build_period_jobs, ingest_job, publish_job
    from sales_pipeline.publish import build_published_marts
    from sales_pipeline.resources import build_resources
    from sales_pipeline.schedules import build_schedules
    from sales_pipeline.staging.assets import build_staging_assets

    assets = [*raw_assets, *build_staging_assets(settings), *build_fact_assets(settings)]
    return dg.Definitions(
        assets=[
            *assets,
            build_published_marts(a for a in assets if isinstance(a, dg.AssetsDefinition)),
        ],
        jobs=[ingest_job, *build_period_jobs(), publish_job],
        schedules=build_schedules(settings.timezone),
        resources=build_resources(settings),
    )


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture
def run_pipeline(
    tmp_path: Path, instance: dg.DagsterInstance
) -> Iterator[Callable[..., duckdb.DuckDBPyConnection]]:
    """Ingest a landing area and build every fact mart for every period it covers."""
    connections: list[duckdb.DuckDBPyConnection] = []

    def run(
        landing_dir: Path, *, timezone: str = "UTC", currency: str = "EUR", **environ: str
    ) -> duckdb.DuckDBPyConnection:
        workdir = tmp_path / f"run{len(connections)}"
        workdir.mkdir()
        settings = settings_for(landing_dir, workdir, timezone=timezone, currency=currency,
                                SALES_HISTORY_START="2000-01-01", SALES_MAX_REJECTED_SHARE="1",
                                **environ)
        summary = run_backfill(
            build_definitions(settings), settings, instance, progress=lambda _: None,
            reports="none",
        )
        assert summary.success, summary.failed
        conn = duckdb.connect(str(settings.warehouse), read_only=True)
        connections.append(conn)
        return conn

    yield run
    for conn in connections:
        conn.close()
