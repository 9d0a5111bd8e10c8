"""The whole pipeline on a small generated sample: every asset, its checks, re-runs, the sensor."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_START_TAG

from benchmarks.run import compare_marts, execute_floor
from sales_pipeline.definitions import build_definitions
from sales_pipeline.partitions import GRAINS
from sales_pipeline.runner import BackfillSummary, run_backfill
from sales_pipeline.sample import SampleSummary, generate_sample
from sales_pipeline.sensors import landing_files_sensor
from sales_pipeline.settings import SalesSettings
from sales_pipeline_tests.conftest import settings_for


@dataclass
class Built:
    settings: SalesSettings
    defs: dg.Definitions
    instance: dg.DagsterInstance
    summary: BackfillSummary
    sample: SampleSummary  # what the generator wrote, and the defects it planted


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("pipeline")
    sample = generate_sample(root / "landing", reps=8, days=70, start=date(2025, 12, 1), seed=3)
    settings = settings_for(root / "landing", root, timezone="Europe/Athens")
    defs = build_definitions(settings)
    with dg.instance_for_test() as instance:
        summary = run_backfill(defs, settings, instance, progress=lambda _: None)
        yield Built(settings, defs, instance, summary, sample)


def test_backfill_renders_the_reports_of_the_latest_complete_period_of_each_grain(
    built: Built,
) -> None:
    """The sample's data runs to Sunday 8 February 2026: the week of 2 February is complete (its
    weekend is all that is left), February, Q1 and 2026 are running, so the reports are of that
    week, January, Q4 2025 and 2025 (docs/analysis.md, "Complete periods")."""
    assert built.summary.reported_periods == {grain.name: 1 for grain in GRAINS}
    expected = {"weekly": "2026-02-02", "monthly": "2026-01-01", "quarterly": "2025-10-01",
                "yearly": "2025-01-01"}
    for grain in GRAINS:
        folders = [p.name for p in (built.settings.reports_dir / grain.name).iterdir() if p.is_dir()]
        assert folders == [expected[grain.name]], grain.name
        with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
            (latest_complete,) = conn.execute(
                f"SELECT max(period_start) FROM marts.variance_{grain.name} WHERE is_complete"
            ).fetchone()
        assert latest_complete.isoformat() == expected[grain.name], grain.name


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


def chf_documents_before_the_first_chf_rate(landing: Path) -> int:
    """Document rows in CHF dated before the first CHF rate, read from the landing files."""
    with (landing / "erp" / "fx_rates.csv").open(newline="") as handle:
        first_rate = min(r["date"] for r in csv.DictReader(handle) if r["currency"] == "CHF")
    count = 0
    for path in sorted(landing.glob("erp/sales_documents_*.csv")):
        with path.open(newline="") as handle:
            count += sum(row.get("currency") == "CHF" and (row.get("document_date") or "")
                         < first_rate for row in csv.DictReader(handle))
    return count


def test_backfill_builds_every_grain(built: Built) -> None:
    assert built.summary.success, built.summary.failed
    # 70 days from Monday 2025-12-01 are ten ISO weeks to Sunday 2026-02-08; no activity of
    # this sample falls outside them in Athens time.
    assert built.summary.periods["weekly"] == 10
    assert built.summary.periods["monthly"] == 3  # December, January, February
    assert built.summary.periods["quarterly"] == 2
    assert built.summary.periods["yearly"] == 2
    # The sample breaks the contract on purpose in two ways only: the rows the generator
    # corrupted (its defect log, one rule broken per row) and every version of a CHF document
    # dated before the first CHF rate (no FX rate yet). Each is quarantined, nothing else.
    assert built.summary.quarantined_rows == (
        built.sample.malformed + chf_documents_before_the_first_chf_rate(built.settings.landing_dir)
    )
    facts = [t for t in mart_fingerprints(built.settings.warehouse) if "_activity_" in t]
    assert len(facts) == 16  # the contract's twelve and the four rep totals


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
    assert failed == []
    # Every check the code location defines was evaluated by the backfill's runs.
    defined = {(key.asset_key.to_user_string(), key.name)
               for key in built.defs.resolve_asset_graph().asset_check_keys}
    assert {(e.asset_key.to_user_string(), e.check_name) for e in evaluations} == defined


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


# The key of each level's mart tables (docs/contract.md, "Fact marts").
MART_KEYS = {
    "rep": ("period_start", "rep_id", "team", "department"),
    "rep_total": ("period_start", "rep_id"),
    "team": ("period_start", "team", "department"),
    "department": ("period_start", "department"),
}
GRAIN_NAMES = ("weekly", "monthly", "quarterly", "yearly")


def period_start(grain: str, day: date) -> date:
    """The first day of the period holding `day`: ISO week (Monday), month, quarter, year."""
    if grain == "weekly":
        return day - timedelta(days=day.weekday())
    if grain == "monthly":
        return day.replace(day=1)
    if grain == "quarterly":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def test_every_mart_has_one_row_per_key(built: Built) -> None:
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        for grain in GRAIN_NAMES:
            for level, key in MART_KEYS.items():
                table = f"marts.{level}_activity_{grain}"
                columns = ", ".join(key)
                rows, keys, null_keys = conn.execute(
                    f"SELECT count(*), count(DISTINCT ({columns})), "
                    f"count(*) FILTER (WHERE {' OR '.join(f'{c} IS NULL' for c in key)}) "
                    f"FROM {table}"
                ).fetchone()
                assert (keys, null_keys) == (rows, 0), table
                # Periods are named by their first day.
                starts = {start for (start,) in conn.execute(
                    f"SELECT DISTINCT period_start FROM {table}").fetchall()}
                assert starts == {period_start(grain, start) for start in starts}, table


def test_marts_match_staging(built: Built) -> None:
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        expected_counts = conn.execute(
            "SELECT count(*) FILTER (WHERE activity = 'call'), "
            "count(*) FILTER (WHERE activity = 'order') FROM staging.activities"
        ).fetchone()
        # Every counted document with its exact amount in EUR (returns negative): DECIMAL sums
        # in DuckDB and Decimal sums here are exact, so nothing below needs a tolerance.
        documents = conn.execute(
            "SELECT activity_date, rep_id, team, department, signed_amount "
            "FROM staging.activities WHERE signed_amount IS NOT NULL"
        ).fetchall()
        assert len(documents) == expected_counts[1] + conn.execute(
            "SELECT count(*) FROM staging.activities WHERE activity = 'return'").fetchone()[0]
        for grain in GRAIN_NAMES:
            for level, key in MART_KEYS.items():
                table = f"marts.{level}_activity_{grain}"
                calls, orders = conn.execute(
                    f"SELECT sum(calls_made), sum(orders) FROM {table}").fetchone()
                assert (calls, orders) == expected_counts, table
                # sales_volume of a mart row: the sum of net_amount x rate over its documents,
                # rounded once, to 2 decimals, half away from zero (ROUND_HALF_UP on Decimal
                # rounds ties away from zero for negative sums too); rows without documents 0.
                unrounded: dict[tuple, Decimal] = defaultdict(Decimal)
                for day, rep_id, team, department, amount in documents:
                    values = {"period_start": period_start(grain, day), "rep_id": rep_id,
                              "team": team, "department": department}
                    unrounded[tuple(values[c] for c in key)] += amount
                expected = {k: v.quantize(Decimal("0.01"), ROUND_HALF_UP)
                            for k, v in unrounded.items()}
                actual = {tuple(row[:-1]): row[-1] for row in conn.execute(
                    f"SELECT {', '.join(key)}, sales_volume FROM {table}").fetchall()}
                assert {k: v for k, v in actual.items() if k in expected} == expected, table
                assert {v for k, v in actual.items() if k not in expected} <= {Decimal("0")}, table
                # The total is then the sum of those rounded rows, to the cent.
                (total,) = conn.execute(f"SELECT sum(sales_volume) FROM {table}").fetchone()
                assert total == sum(expected.values()), table


SOURCES = ("calls", "events", "sales_documents", "fx_rates", "users", "contacts",
           "team_memberships", "sales_targets")


def test_every_landing_row_is_accounted_for(built: Built) -> None:
    """Per file: rows read = accepted + superseded + quarantined (docs/contract.md,
    "Reconciliation"), and rows read = the file's data records as Python's csv module reads
    them (no record of the sample spans lines, so a line is a record)."""
    landing = built.settings.landing_dir
    records = {}
    for path in sorted(landing.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            records[path.relative_to(landing).as_posix()] = sum(1 for _ in csv.reader(handle)) - 1
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        read: dict[str, int] = {}
        accounted: dict[str, int] = defaultdict(int)
        for source in SOURCES:
            read.update(conn.execute(f"SELECT _file, count(*) FROM raw.{source} GROUP BY 1").fetchall())
            for table, file_column in ((f"staging.{source}", "_file"),
                                       (f"staging.{source}_superseded", "_file"),
                                       (f"quarantine.{source}", "file")):
                for file, rows in conn.execute(
                        f"SELECT {file_column}, count(*) FROM {table} GROUP BY 1").fetchall():
                    accounted[file] += rows
    # Header-only files read no rows and have none in any table.
    assert {file: n for file, n in records.items() if n} == read
    assert dict(accounted) == read


def test_facts_equal_the_floors(built: Built, tmp_path: Path) -> None:
    """benchmarks/floor.sql, an independent implementation of the contract in one DuckDB script,
    gives the same twelve marts, row by row, from the same landing files."""
    floor = tmp_path / "floor.duckdb"
    execute_floor(built.settings.landing_dir, floor, built.settings.timezone,
                  history_start=built.settings.history_start.isoformat())
    assert compare_marts(floor, built.settings.warehouse) == []


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
    # The backfill's ingestion read every file as it is now: even a first tick starts nothing.
    first = landing_files_sensor(context)
    assert isinstance(first, dg.SkipReason)
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
        assert isinstance(request, dg.RunRequest) and request.run_key == context.cursor
    finally:
        new_file.unlink()
