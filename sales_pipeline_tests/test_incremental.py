"""Deliveries merged one at a time, in any order, give the marts of one run over everything."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sales_pipeline.partitions import GRAINS
from sales_pipeline.runner import run_backfill
from sales_pipeline.sample import generate_sample
from sales_pipeline_tests.conftest import facts_definitions, settings_for
from sales_pipeline_tests.test_pipeline import mart_fingerprints

DAILY = ("telephony/calls_*.csv", "erp/sales_documents_*.csv", "crm/Event_*.csv")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("sample") / "landing"
    generate_sample(landing, reps=4, days=28, start=date(2026, 1, 5), seed=11)
    return landing


def _backfill(landing: Path, workdir: Path, instance: dg.DagsterInstance) -> dict[str, str]:
    settings = settings_for(landing, workdir, timezone="Europe/Berlin", SALES_MAX_REJECTED_SHARE="1")
    summary = run_backfill(facts_definitions(settings), settings, instance, progress=lambda _: None)
    assert summary.success, summary.failed
    return mart_fingerprints(settings.warehouse)


def _daily_files(landing: Path) -> list[Path]:
    return sorted(path for pattern in DAILY for path in landing.glob(pattern))


def _days(files: list[Path]) -> list[str]:
    return sorted({path.stem.rsplit("_", 1)[1] for path in files})


def test_deliveries_in_any_order_equal_one_full_run(sample, tmp_path, instance) -> None:
    expected = _backfill(sample, tmp_path / "full", instance)

    landing = tmp_path / "landing"
    shutil.copytree(sample, landing)
    held = tmp_path / "held"
    files = _daily_files(landing)
    days = _days(files)
    # The last two weeks arrive later: first the very last days, then the ones before them.
    late, later = days[-14:-7], days[-7:]
    for path in files:
        if path.stem.rsplit("_", 1)[1] in late + later:
            target = held / path.relative_to(landing)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)

    workdir = tmp_path / "incremental"
    _backfill(landing, workdir, instance)
    for batch in (later, late):
        for path in sorted(held.rglob("*.csv")):
            if path.stem.rsplit("_", 1)[1] in batch:
                target = landing / path.relative_to(held)
                shutil.move(path, target)
        after = _backfill(landing, workdir, instance)

    assert after == expected
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as conn:
        touched = {start for (start,) in conn.execute(
            "SELECT DISTINCT period_start FROM pipeline.touched_periods WHERE grain = 'weekly'"
        ).fetchall()}
        weeks = {start for (start,) in conn.execute(
            "SELECT DISTINCT period_start FROM marts.rep_activity_weekly").fetchall()}
        last_run_touched = {start for (start,) in conn.execute(
            "SELECT period_start FROM pipeline.touched_periods WHERE grain = 'weekly' AND run_id = "
            "(SELECT run_id FROM pipeline.touched_periods ORDER BY touched_at DESC LIMIT 1)"
        ).fetchall()}
    # Every week with activity was marked for rebuilding by the delivery that brought it, and
    # no other week; the last delivery (`late`: Monday 2026-01-19 to Sunday 2026-01-25, one ISO
    # week) marked that week.
    assert touched == weeks
    assert date.fromisoformat(late[0]) in last_run_touched


def test_redelivered_file_replaces_its_rows(sample, tmp_path, instance) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(sample, landing)
    workdir = tmp_path / "run"
    before = _backfill(landing, workdir, instance)

    # The same file delivered again, unchanged but touched: nothing may change.
    calls = sorted(landing.glob("telephony/calls_*.csv"))[10]
    calls.write_bytes(calls.read_bytes())
    assert _backfill(landing, workdir, instance) == before

    # Delivered again with its last call removed: that call disappears from the marts.
    lines = calls.read_text().splitlines(keepends=True)
    calls.write_text("".join(lines[:-1]))
    after = _backfill(landing, workdir, instance)
    assert after != before
    fresh = _backfill(landing, tmp_path / "fresh", instance)
    assert after == fresh


def test_late_change_marks_exactly_its_periods_and_the_schedule_rebuilds_them(
    sample, tmp_path, instance
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sales_pipeline.schedules import out_of_date_period_keys
    from sales_pipeline.staging.assets import activity_versions_key

    landing = tmp_path / "landing"
    shutil.copytree(sample, landing)
    settings = settings_for(landing, tmp_path, timezone="Europe/Berlin", SALES_MAX_REJECTED_SHARE="1")
    defs = facts_definitions(settings)
    assert run_backfill(defs, settings, instance, progress=lambda _: None).success
    monthly = next(g for g in GRAINS if g.name == "monthly")
    assert out_of_date_period_keys(instance, monthly) == []

    # Weeks later, the ERP re-delivers an order of 2026-01-14 as cancelled.
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        document_no, currency, amount, rep_no = conn.execute(
            "SELECT document_no, currency, net_amount::VARCHAR, sales_rep_no "
            "FROM staging.sales_documents WHERE activity_date = DATE '2026-01-14' "
            "AND status <> 'CANCELLED' AND document_type = 'ORDER' ORDER BY document_no LIMIT 1"
        ).fetchone()
    late = landing / "erp" / "sales_documents_2026-02-20.csv"
    late.write_text(
        "document_no,document_type,document_date,customer_no,sales_rep_no,currency,net_amount,"
        f"status,changed_at\n{document_no},ORDER,2026-01-14,K1,{rep_no},{currency},{amount},"
        "CANCELLED,2026-02-20T10:00:00+01:00\n"
    )
    ingest = defs.resolve_job_def("ingest_landing").execute_in_process(instance=instance)
    assert ingest.success

    assert out_of_date_period_keys(instance, monthly) == ["2026-01-01"]
    weekly = next(g for g in GRAINS if g.name == "weekly")
    assert out_of_date_period_keys(instance, weekly) == ["2026-01-12"]
    observed = instance.fetch_observations(activity_versions_key(monthly), limit=100).records
    assert "2026-01-01" in {record.partition_key for record in observed}

    # The next monthly tick (1 March) asks for February and for the changed January.
    schedule = defs.get_repository_def().get_schedule_def("monthly_schedule")
    context = dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=datetime(2026, 3, 1, 3, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        repository_def=defs.get_repository_def(),
        resources=defs.get_repository_def().get_top_level_resources(),
    )
    requested = [request.partition_key for request in schedule.evaluate_tick(context).run_requests]
    assert requested == ["2026-01-01", "2026-02-01"]

    job = defs.resolve_job_def("build_monthly")
    for key in requested:
        assert job.execute_in_process(instance=instance, partition_key=key).success
    assert out_of_date_period_keys(instance, monthly) == []
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        (orders_left,) = conn.execute(
            "SELECT count(*) FROM staging.activities WHERE activity_id = ?",
            [f"document:{document_no}"],
        ).fetchone()
    assert orders_left == 0
