"""The analysis tables as Dagster assets: their definitions, a run on a hand-made warehouse, and
the whole pipeline end to end (landing -> staging -> facts -> analysis) through real runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sales_pipeline.analysis.assets import asset_key, build_analysis_assets
from sales_pipeline.definitions import build_definitions
from sales_pipeline.partitions import GRAINS, MONTHLY
from sales_pipeline.resources import AnalysisConfig, Warehouse
from sales_pipeline.runner import BackfillSummary, run_backfill
from sales_pipeline.sample import generate_sample
from sales_pipeline.settings import SalesSettings
from sales_pipeline_tests.analysis.handmade import (
    Activity,
    Rep,
    add_facts,
    add_reps,
    add_targets,
    analysis_config,
    create_staging,
)
from sales_pipeline_tests.conftest import settings_for

ANALYSES = ("targets", "variance", "trends", "drivers")
# 22 December to 7 January: three weeks, and two months, quarters and years.
SAMPLE_START, SAMPLE_DAYS = date(2025, 12, 22), 17


def definitions(settings: SalesSettings) -> dg.Definitions:
    """The code location's definitions with the analysis assets, whether or not it wires them
    in itself yet."""
    base = build_definitions(settings)
    if asset_key("variance", GRAINS[0]) in base.resolve_all_asset_keys():
        return base
    return dg.Definitions.merge(base, dg.Definitions(assets=build_analysis_assets(settings)))


def test_assets_mirror_tables_and_join_their_grain_job(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, tmp_path)
    defs = definitions(settings)
    graph = defs.resolve_asset_graph()
    for grain in GRAINS:
        job_keys = {key.to_user_string() for key in
                    defs.resolve_job_def(f"build_{grain.name}").asset_layer.executable_asset_keys}
        for analysis in ANALYSES:
            key = dg.AssetKey(["marts", f"{analysis}_{grain.name}"])
            node = graph.get(key)
            assert key.to_user_string() in job_keys
            assert node.group_name == f"analysis_{grain.name}"
            assert node.partitions_def == graph.get(
                dg.AssetKey(["marts", f"rep_activity_{grain.name}"])).partitions_def
            assert node.backfill_policy == dg.BackfillPolicy.single_run()
            assert node.check_keys
    # variance reads the period, the one before and the same one a year earlier.
    variance = graph.get(dg.AssetKey(["marts", "variance_weekly"]))
    mapping = variance.partition_mappings[dg.AssetKey(["marts", "rep_total_activity_weekly"])]
    assert (mapping.start_offset, mapping.end_offset) == (-52, 0)
    yearly = graph.get(dg.AssetKey(["marts", "drivers_quarterly"]))
    assert yearly.partition_mappings[dg.AssetKey(["marts", "rep_total_activity_quarterly"])].start_offset == -4
    trends = graph.get(dg.AssetKey(["marts", "trends_monthly"]))
    assert trends.partition_mappings[dg.AssetKey(["marts", "variance_monthly"])].start_offset == (
        -AnalysisConfig().trend_window)


def test_first_partition_of_the_data(tmp_path: Path) -> None:
    """A materialization of the month the data starts with: no prior period, no last year."""
    warehouse = tmp_path / "warehouse.duckdb"
    ann = Rep("ann", "Ann", "North", "Field Sales")
    with duckdb.connect(str(warehouse)) as conn:
        create_staging(conn)
        add_reps(conn, [ann])
        add_targets(conn, [("ann", metric, "Month", date(2024, 1, 1), value)
                           for metric, value in (("visits", 10), ("orders", 5),
                                                 ("sales_volume", 1000))])
        add_facts(conn, MONTHLY, [Activity(date(2024, 1, 1), ann,
                                           {"visits": 8, "orders": 4, "sales_volume": 900})])
    settings = settings_for(tmp_path, tmp_path, SALES_HISTORY_START="2024-01-01")
    assets = build_analysis_assets(settings, grains=[MONTHLY])
    result = dg.materialize(
        assets,
        partition_key="2024-01-01",
        resources={"warehouse": Warehouse(database=str(warehouse)),
                   "analysis_config": analysis_config()},
    )
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 8 and all(e.passed for e in evaluations)
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        assert metadata["rows_in_partitions"].value > 0
        assert any(str(entry.value).startswith("| ") for entry in metadata.values())
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        variance = conn.execute(
            "SELECT prior_actual, last_year_actual, pop_change, yoy_change, status "
            "FROM marts.variance_monthly WHERE level = 'rep' AND metric = 'sales_volume'"
        ).fetchall()
        drivers = conn.execute("SELECT comparison, cause, total_change FROM marts.drivers_monthly "
                               "ORDER BY comparison").fetchall()
        trends = conn.execute("SELECT DISTINCT direction FROM marts.trends_monthly").fetchall()
    assert variance == [(None, None, None, None, "at_risk")]  # 900 of 1000
    assert drivers == [("last_year", "no_base", None), ("peers", "no_base", None),
                       ("prior_period", "no_base", None),
                       ("target", "effort", -100)]
    assert trends == [("insufficient_history",)]


@dataclass
class Built:
    settings: SalesSettings
    instance: dg.DagsterInstance
    summary: BackfillSummary


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("analysis_pipeline")
    generate_sample(root / "landing", reps=6, days=SAMPLE_DAYS, start=SAMPLE_START, seed=5)
    # A sample this small rejects a larger share of rows than the production threshold allows.
    settings = settings_for(root / "landing", root, SALES_HISTORY_START=SAMPLE_START.isoformat(),
                            SALES_MAX_REJECTED_SHARE="1")
    with dg.instance_for_test() as instance:
        summary = run_backfill(definitions(settings), settings, instance, progress=lambda _: None,
                               reports="none")
        yield Built(settings, instance, summary)


def test_end_to_end_runs_build_every_grain(built: Built) -> None:
    assert built.summary.success, built.summary.failed
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        for grain in GRAINS:
            for analysis in ANALYSES[1:]:
                (count,) = conn.execute(f"SELECT count(*) FROM marts.{analysis}_{grain.name}").fetchone()
                assert count > 0, f"{analysis}_{grain.name}"
        first_week = conn.execute(
            "SELECT count(*), count(prior_actual), count(last_year_actual) "
            "FROM marts.variance_weekly WHERE period_start = '2025-12-22'").fetchone()
        assert first_week[0] > 0 and first_week[1:] == (0, 0)
        second_week = conn.execute(
            "SELECT count(prior_actual) FROM marts.variance_weekly "
            "WHERE period_start = '2025-12-29'").fetchone()[0]
        assert second_week > 0
        # 2026 is compared with 2025 (ten days of December, but inside the data); an average
        # over no call stays NULL.
        covered = conn.execute(
            "SELECT count(*) = count(last_year_actual) FROM marts.variance_yearly "
            "WHERE period_start = '2026-01-01' AND metric <> 'avg_call_seconds'").fetchone()[0]
        assert covered
        unbalanced = conn.execute(
            "SELECT count(*) FROM marts.drivers_monthly WHERE cause <> 'no_base' AND "
            "activity_effect + conversion_effect + value_effect <> total_change").fetchone()[0]
        assert unbalanced == 0
        # The sample sets its first targets for January 2026, which is still running (data
        # through 7 January): it is judged "in progress" and no cause is drawn from it; the
        # complete December has its drivers (docs/analysis.md, "Complete periods").
        statuses = conn.execute(
            "SELECT DISTINCT status FROM marts.variance_monthly "
            "WHERE period_start = '2026-01-01' AND target IS NOT NULL").fetchall()
        assert statuses == [("in_progress",)]
        driven = conn.execute("SELECT DISTINCT period_start FROM marts.drivers_monthly").fetchall()
        assert driven == [(date(2025, 12, 1),)]


def test_end_to_end_checks_pass(built: Built) -> None:
    evaluations = []
    for run_id in built.summary.runs:
        records = built.instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
        evaluations += [r.event_log_entry.dagster_event.event_specific_data for r in records]
    analysis = [e for e in evaluations
                if e.asset_key.path[1].split("_")[0] in ANALYSES]
    assert len(analysis) == 2 * len(ANALYSES) * len(GRAINS)
    assert [(e.asset_key.to_user_string(), e.check_name) for e in analysis if not e.passed] == []


def test_a_range_run_plans_one_event_per_table_and_builds_every_period(built: Built) -> None:
    """The weekly build covers three weeks in one run: Dagster records one planned event per
    table for the range (dagster_internals.plan_ranges_as_one_event_per_asset), not one per week
    and table, and every week is still materialized."""
    weekly = next(record for record in built.instance.get_run_records()
                  if record.dagster_run.job_name == "build_weekly")
    planned = built.instance.all_logs(
        weekly.dagster_run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
    tables = {entry.dagster_event.asset_key for entry in planned}
    assert len(planned) == len(tables) == 9  # 4 fact tables, 4 analysis tables, action plans
    materialized = built.instance.get_materialized_partitions(
        dg.AssetKey(["marts", "variance_weekly"]))
    assert materialized == {"2025-12-22", "2025-12-29", "2026-01-05"}
