"""The code location loads, and its shape is what the docs promise."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from sales_pipeline.facts.metrics import METRICS
from sales_pipeline.partitions import GRAINS
from sales_pipeline.schedules import last_complete_period_key
from sales_pipeline.settings import SalesSettings


def test_definitions_module_loads_in_a_fresh_interpreter() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from sales_pipeline.definitions import defs; "
         "defs.get_repository_def().load_all_definitions()"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # Great Expectations costs seconds to import: the code location must not pay for it.
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from sales_pipeline.definitions import defs; "
         "print('great_expectations' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )
    assert probe.stdout.strip() == "False"


def test_asset_keys_mirror_warehouse_tables() -> None:
    from sales_pipeline.definitions import defs

    keys = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    for source in ("calls", "events", "sales_documents", "fx_rates", "users", "contacts",
                   "team_memberships", "sales_targets"):
        assert {f"raw/{source}", f"staging/{source}", f"quarantine/{source}"} <= keys
    assert "staging/activities" in keys
    for level in ("rep", "team", "department"):
        for grain in ("weekly", "monthly", "quarterly", "yearly"):
            assert f"marts/{level}_activity_{grain}" in keys
    assert all(len(key.split("/")) == 2 for key in keys)


def test_jobs_schedules_and_sensor_are_registered() -> None:
    from sales_pipeline.definitions import defs

    repo = defs.get_repository_def()
    # Dagster's implicit asset job aside, exactly the documented jobs.
    assert {job.name for job in repo.get_all_jobs()} - {"__ASSET_JOB"} == {
        "ingest_landing", "publish_marts", *(
            f"{job}_{grain}" for job in ("build", "report")
            for grain in ("weekly", "monthly", "quarterly", "yearly"))}
    assert {s.name for s in repo.schedule_defs} == {
        "daily_ingestion_schedule", "weekly_schedule", "monthly_schedule",
        "quarterly_schedule", "yearly_schedule",
    }
    assert {s.name for s in repo.sensor_defs} == {
        "landing_files_sensor", "reports_after_build_sensor", "publish_after_success_sensor"}


def _succeeded(job_name: str, tags: dict[str, str]) -> dg.RunStatusSensorContext:
    return dg.build_run_status_sensor_context(
        sensor_name="test",
        dagster_instance=dg.DagsterInstance.ephemeral(),
        dagster_run=dg.DagsterRun(job_name=job_name, run_id="run-1", tags=tags),
        dagster_event=dg.DagsterEvent(dg.DagsterEventType.RUN_SUCCESS.value, job_name=job_name),
    )


def test_reports_follow_a_grains_build_for_the_same_periods() -> None:
    from sales_pipeline.sensors import publish_after_success_sensor, reports_after_build_sensor

    single = reports_after_build_sensor(_succeeded("build_monthly", {"dagster/partition": "2026-02-01"}))
    assert isinstance(single, dg.RunRequest)
    assert (single.job_name, single.partition_key) == ("report_monthly", "2026-02-01")
    ranged = reports_after_build_sensor(_succeeded("build_weekly", {
        "dagster/asset_partition_range_start": "2026-01-05",
        "dagster/asset_partition_range_end": "2026-02-02", "other": "x"}))
    assert isinstance(ranged, dg.RunRequest) and ranged.job_name == "report_weekly"
    assert ranged.partition_key is None
    assert ranged.tags == {"dagster/asset_partition_range_start": "2026-01-05",
                           "dagster/asset_partition_range_end": "2026-02-02"}
    for job in ("ingest_landing", "report_weekly", "publish_marts"):
        assert isinstance(reports_after_build_sensor(_succeeded(job, {})), dg.SkipReason)
    # Reports build no marts: nothing to publish after them; a build run is published.
    assert isinstance(publish_after_success_sensor(_succeeded("report_weekly", {})), dg.SkipReason)
    assert isinstance(publish_after_success_sensor(_succeeded("build_weekly", {})), dg.RunRequest)


def test_every_metric_has_a_column_type_and_description() -> None:
    assert [m.name for m in METRICS] == [
        "calls_made", "calls_connected", "talk_seconds", "avg_call_seconds", "dm_conversations",
        "distinct_dms_reached", "visits", "meetings", "orders", "sales_volume",
    ]
    assert all(m.sql_type and m.description for m in METRICS)


def _schedule_key(grain_name: str, when: datetime) -> str:
    grain = next(g for g in GRAINS if g.name == grain_name)
    context = dg.build_schedule_context(scheduled_execution_time=when)
    return last_complete_period_key(grain, context)


def test_schedules_target_the_last_complete_period() -> None:
    athens = ZoneInfo("Europe/Athens")
    # Monday 2 March 2026, 03:00 in Athens: the week that just ended started on 23 February.
    monday = datetime(2026, 3, 2, 3, 0, tzinfo=athens)
    assert _schedule_key("weekly", monday) == "2026-02-23"
    assert _schedule_key("monthly", datetime(2026, 3, 1, 3, 0, tzinfo=athens)) == "2026-02-01"
    assert _schedule_key("quarterly", datetime(2026, 4, 1, 3, 0, tzinfo=athens)) == "2026-01-01"
    assert _schedule_key("yearly", datetime(2026, 1, 1, 3, 0, tzinfo=athens)) == "2025-01-01"


def test_schedule_run_requests_name_a_partition_of_the_job() -> None:
    from sales_pipeline.definitions import build_definitions

    defs = build_definitions(SalesSettings.from_env({"SALES_TIMEZONE": "America/New_York"}))
    repo = defs.get_repository_def()
    schedule = repo.get_schedule_def("monthly_schedule")
    assert schedule.execution_timezone == "America/New_York"
    when = datetime(2026, 3, 1, 3, 0, tzinfo=ZoneInfo("America/New_York"))
    with dg.instance_for_test() as instance:
        # The schedule reads the settings it builds with (its resources), as in the daemon.
        context = dg.build_schedule_context(
            instance=instance, scheduled_execution_time=when, repository_def=repo,
            resources=repo.get_top_level_resources(),
        )
        data = schedule.evaluate_tick(context)
    [request] = data.run_requests
    assert request.partition_key == "2026-02-01"
    job = defs.resolve_job_def("build_monthly")
    assert request.partition_key in job.partitions_def.get_partition_keys(
        current_time=datetime(2026, 3, 2)
    )


def test_private_dagster_names_are_imported_only_through_dagster_internals() -> None:
    """An upgrade that moves one of Dagster's private names must break one module, with the
    reason each is needed noted beside it (sales_pipeline/dagster_internals.py)."""
    root = Path(__file__).resolve().parent.parent
    private = re.compile(r"^\s*(from|import)\s+dagster\._", re.MULTILINE)
    offenders = [
        str(path.relative_to(root))
        for folder in ("sales_pipeline", "sales_pipeline_tests", "benchmarks")
        for path in (root / folder).rglob("*.py")
        if "work" not in path.relative_to(root).parts and path.name != "dagster_internals.py"
        and private.search(path.read_text())
    ]
    assert offenders == []


def test_every_warehouse_table_asset_names_its_table_owner_and_kinds() -> None:
    """The UI shows each DuckDB table's name, owner and kinds; a mart also its columns, each with
    a description (marts_catalog.py), and a suite-validated table the great_expectations and
    pandas kinds (the suites validate pandas batches)."""
    from sales_pipeline.definitions import defs
    from sales_pipeline.marts_catalog import TABLES_BY_NAME

    tables = [spec for spec in defs.resolve_all_asset_specs() if "duckdb" in spec.kinds]
    assert len(tables) > 70  # 9 raw, 8 quarantine, 17 staging, 36 marts, published
    for spec in tables:
        assert spec.owners and spec.description, spec.key
        if spec.key.path[0] == "published":
            continue
        assert spec.metadata["dagster/table_name"] == ".".join(spec.key.path)
        if spec.key.path[0] == "marts":
            columns = spec.metadata["dagster/column_schema"].columns
            assert [c.name for c in columns] == [
                c.name for c in TABLES_BY_NAME[spec.key.path[1]].columns]
            assert all(column.description for column in columns)
    kinds = {spec.key.to_user_string(): spec.kinds for spec in tables}
    for validated in ("great_expectations", "pandas"):
        assert validated in kinds["raw/calls"] & kinds["staging/activities"]
        assert validated not in kinds["marts/variance_monthly"] | kinds["raw/landed_files"]
