"""The whole pipeline on a small generated sample: every asset, its checks, re-runs, the sensor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_START_TAG

from sales_pipeline.definitions import build_definitions
from sales_pipeline.partitions import GRAINS
from sales_pipeline.runner import BackfillSummary, run_backfill
from sales_pipeline.sample import generate_sample
from sales_pipeline.sensors import landing_files_sensor
from sales_pipeline.settings import SalesSettings
from sales_pipeline_tests.conftest import settings_for


@dataclass
class Built:
    settings: SalesSettings
    defs: dg.Definitions
    instance: dg.DagsterInstance
    summary: BackfillSummary


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("pipeline")
    generate_sample(root / "landing", reps=8, days=70, start=date(2025, 12, 1), seed=3)
    settings = settings_for(root / "landing", root, timezone="Europe/Athens")
    defs = build_definitions(settings)
    with dg.instance_for_test() as instance:
        summary = run_backfill(defs, settings, instance, progress=lambda _: None)
        yield Built(settings, defs, instance, summary)


def test_backfill_renders_the_reports_of_the_latest_period_of_each_grain(built: Built) -> None:
    assert built.summary.reported_periods == {grain.name: 1 for grain in GRAINS}
    for grain in GRAINS:
        folders = [p.name for p in (built.settings.reports_dir / grain.name).iterdir() if p.is_dir()]
        [latest] = folders
        with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
            (last,) = conn.execute(
                f"SELECT max(period_start) FROM marts.team_activity_{grain.name}").fetchone()
        assert latest == last.isoformat()


def mart_fingerprints(warehouse: Path) -> dict[str, str]:
    """A hash of every mart table's full content, in a stable order."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = [t for (t,) in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
        ).fetchall()]
        return {
            table: conn.execute(
                f"SELECT md5(coalesce(string_agg(t::VARCHAR, '\n' ORDER BY t::VARCHAR), '')) "
                f"FROM marts.{table} AS t"
            ).fetchone()[0]
            for table in tables
        }


def test_backfill_builds_every_grain(built: Built) -> None:
    assert built.summary.success, built.summary.failed
    assert built.summary.periods["monthly"] == 3  # December, January, February
    assert built.summary.periods["quarterly"] == 2
    assert built.summary.periods["yearly"] == 2
    assert built.summary.quarantined_rows > 0  # the sample carries malformed rows on purpose
    facts = [t for t in mart_fingerprints(built.settings.warehouse) if "_activity_" in t]
    assert len(facts) == 12


def test_every_check_of_every_run_passes(built: Built) -> None:
    evaluations = []
    for run_id in built.summary.runs:
        records = built.instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
        evaluations += [r.event_log_entry.dagster_event.event_specific_data for r in records]
    failed = [
        (e.asset_key.to_user_string(), e.check_name)
        for e in evaluations
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert evaluations and not failed


def test_range_backfill_is_one_run_per_grain(built: Built) -> None:
    weekly_runs = [
        built.instance.get_run_by_id(run_id)
        for run_id in built.summary.runs
        if built.instance.get_run_by_id(run_id).job_name == "build_weekly"
    ]
    assert len(weekly_runs) == 1
    assert weekly_runs[0].tags[ASSET_PARTITION_RANGE_START_TAG] == "2025-12-01"
    materialized = built.instance.get_materialized_partitions(
        dg.AssetKey(["marts", "rep_activity_weekly"])
    )
    assert len(materialized) == built.summary.periods["weekly"]


def test_marts_match_staging_and_respect_keys(built: Built) -> None:
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        for grain in ("weekly", "monthly", "yearly"):
            for level in ("rep", "team", "department"):
                total = conn.execute(
                    f"SELECT sum(calls_made), sum(orders), sum(sales_volume) "
                    f"FROM marts.{level}_activity_{grain}"
                ).fetchone()
                expected = conn.execute(
                    "SELECT count(*) FILTER (WHERE activity = 'call'), "
                    "count(*) FILTER (WHERE activity = 'order'), "
                    "sum(signed_amount) FROM staging.activities"
                ).fetchone()
                assert total[:2] == expected[:2]
                assert abs(float(total[2]) - float(expected[2])) < 0.01 * 500
        starts = conn.execute(
            "SELECT DISTINCT isodow(period_start) FROM marts.rep_activity_weekly"
        ).fetchall()
        assert starts == [(1,)]


def test_rematerializing_a_partition_changes_nothing(built: Built) -> None:
    before = mart_fingerprints(built.settings.warehouse)
    job = built.defs.resolve_job_def("build_monthly")
    result = job.execute_in_process(instance=built.instance, partition_key="2026-01-01")
    assert result.success
    assert mart_fingerprints(built.settings.warehouse) == before


def test_second_backfill_leaves_marts_identical(built: Built) -> None:
    before = mart_fingerprints(built.settings.warehouse)
    summary = run_backfill(built.defs, built.settings, built.instance, progress=lambda _: None)
    assert summary.success
    assert mart_fingerprints(built.settings.warehouse) == before


def test_sensor_requests_ingestion_only_when_files_change(built: Built) -> None:
    resources = {"sales_config": built.defs.get_repository_def().get_top_level_resources()["sales_config"]}
    context = dg.build_sensor_context(instance=built.instance, resources=resources)
    first = landing_files_sensor(context)
    assert isinstance(first, dg.RunRequest)
    context = dg.build_sensor_context(
        instance=built.instance, resources=resources, cursor=context.cursor
    )
    assert isinstance(landing_files_sensor(context), dg.SkipReason)
    new_file = built.settings.landing_dir / "telephony" / "calls_2026-03-01.csv"
    new_file.write_text(
        "sid,parent_call_sid,direction,from,to,status,start_time,end_time,duration,answered_by\n"
    )
    try:
        context = dg.build_sensor_context(
            instance=built.instance, resources=resources, cursor=context.cursor
        )
        request = landing_files_sensor(context)
        assert isinstance(request, dg.RunRequest) and request.run_key != first.run_key
    finally:
        new_file.unlink()
