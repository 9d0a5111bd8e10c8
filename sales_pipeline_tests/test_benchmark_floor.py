"""The benchmark's floor (benchmarks/floor.sql) against the pipeline and against the contract.

The floor is an independent implementation of docs/contract.md in one DuckDB script. It must give
the pipeline's facts to the row, which makes it a cross-check of the pipeline as well: when they
differ, the contract test's hand-derived facts (which the floor is held to below) say which side
follows the contract.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from benchmarks.floor import compare_marts, execute_floor
from sales_pipeline.dagster_internals import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from sales_pipeline.jobs import INGEST_JOB, period_job_name
from sales_pipeline.partitions import GRAINS
from sales_pipeline.runner import period_keys
from sales_pipeline.sample import generate_sample
from sales_pipeline_tests.conftest import facts_definitions, settings_for
from sales_pipeline_tests.contract.landing import build_landing
from sales_pipeline_tests.contract.test_contract import (
    EXPECTED,
    KEY_COLUMNS,
    LEVELS,
    METRIC_COLUMNS,
    TIMEZONES,
    _expected,
    _normalize,
    _sorted,
)
from sales_pipeline_tests.contract.test_contract import (
    GRAINS as CONTRACT_GRAINS,
)

TIMEZONE = "Europe/Athens"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("floor_sample") / "landing"
    generate_sample(landing, reps=6, days=40, start=date(2024, 1, 1), seed=5)
    return landing


@pytest.fixture(scope="module")
def pipeline_warehouse(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The pipeline's fact marts for the sample: ingestion, then each grain's fact assets over
    every period in one run (a code location of the facts alone: no analysis, no reports)."""
    workdir = tmp_path_factory.mktemp("floor_pipeline")
    settings = settings_for(sample, workdir, timezone=TIMEZONE, SALES_MAX_REJECTED_SHARE="1")
    defs = facts_definitions(settings)
    with dg.instance_for_test() as instance:
        assert defs.resolve_job_def(INGEST_JOB).execute_in_process(instance=instance).success
        with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
            first, last = conn.execute(
                "SELECT min(activity_date), max(activity_date) FROM staging.activities"
            ).fetchone()
        for grain in GRAINS:
            first_key, last_key, _ = period_keys(grain, first, last)
            result = defs.resolve_job_def(period_job_name(grain)).execute_in_process(
                instance=instance,
                tags={ASSET_PARTITION_RANGE_START_TAG: first_key,
                      ASSET_PARTITION_RANGE_END_TAG: last_key},
            )
            assert result.success
        yield settings.warehouse


def test_floor_gives_the_pipelines_facts(
    sample: Path, pipeline_warehouse: Path, tmp_path: Path
) -> None:
    floor = tmp_path / "floor.duckdb"
    execute_floor(sample, floor, TIMEZONE)
    # Every column's name, type and nullability, then every row of the twelve marts.
    assert compare_marts(floor, pipeline_warehouse) == []
    with duckdb.connect(str(floor), read_only=True) as conn:
        rows = conn.execute("SELECT count(*) FROM marts.rep_activity_weekly").fetchone()[0]
    assert rows > 6 * 4  # the comparison compared something


@pytest.mark.parametrize("timezone", TIMEZONES)
def test_floor_gives_the_contracts_facts(tmp_path: Path, timezone: str) -> None:
    """The hand-derived facts of the contract test, every table, both time zones."""
    landing = build_landing(tmp_path / "landing")
    floor = tmp_path / "floor.duckdb"
    execute_floor(landing, floor, timezone, history_start="2000-01-01")
    with duckdb.connect(str(floor), read_only=True) as conn:
        for level in LEVELS:
            n_keys = len(KEY_COLUMNS[level])
            for grain in CONTRACT_GRAINS:
                columns = ", ".join(KEY_COLUMNS[level] + METRIC_COLUMNS)
                rows = conn.execute(f"SELECT {columns} FROM marts.{level}_activity_{grain}").fetchall()
                actual = _sorted([_normalize(r, n_keys) for r in rows], n_keys)
                expected = _sorted([_expected(r, n_keys) for r in EXPECTED[(timezone, level, grain)]],
                                   n_keys)
                assert actual == expected, f"{level}_activity_{grain} ({timezone})"
