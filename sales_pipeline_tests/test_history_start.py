"""Where the history starts without SALES_HISTORY_START: the month a month before the first day the
landing files are named after, kept once the warehouse is staged (sales_pipeline/history.py)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sales_pipeline.contract import HISTORY_REASON
from sales_pipeline.definitions import build_definitions
from sales_pipeline.history import FALLBACK_HISTORY_START, record_path
from sales_pipeline.jobs import INGEST_JOB
from sales_pipeline.sample import generate_sample
from sales_pipeline.settings import SalesSettings, SettingsError
from sales_pipeline_tests.conftest import settings_for

FIRST_DAY = date(2025, 3, 5)  # a Wednesday
# A month before it is 2 February: the history starts on 1 February (a Saturday).
START = date(2025, 2, 1)
FIRST_PARTITION = {
    "weekly": "2025-01-27", "monthly": "2025-02-01", "quarterly": "2025-01-01", "yearly": "2025-01-01",
}


@pytest.fixture(scope="module")
def sample_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("sample") / "landing"
    generate_sample(landing, reps=4, days=5, start=FIRST_DAY, seed=1)
    return landing


def _first_partitions(settings: SalesSettings) -> dict[str, str]:
    graph = build_definitions(settings).resolve_asset_graph()
    return {
        grain: graph.get(dg.AssetKey(["marts", f"rep_activity_{grain}"]))
        .partitions_def.get_first_partition_key()
        for grain in FIRST_PARTITION
    }


def test_partitions_start_where_the_landing_data_starts(sample_landing: Path, tmp_path: Path) -> None:
    settings = settings_for(sample_landing, tmp_path)
    assert settings.history_start == START
    assert _first_partitions(settings) == FIRST_PARTITION
    # Deriving it lists file names and writes nothing: only staging records it.
    assert not record_path(settings.warehouse).exists()


def test_an_explicit_history_start_wins(sample_landing: Path, tmp_path: Path) -> None:
    record_path(tmp_path / "warehouse.duckdb").write_text("2025-02-01\n")
    settings = settings_for(sample_landing, tmp_path, SALES_HISTORY_START="2024-06-01")
    assert settings.history_start == date(2024, 6, 1)
    assert _first_partitions(settings)["monthly"] == "2024-06-01"


def test_without_dated_landing_files_the_fallback(tmp_path: Path) -> None:
    (tmp_path / "landing" / "erp").mkdir(parents=True)
    (tmp_path / "landing" / "erp" / "fx_rates.csv").write_text("date,currency,rate\n")
    assert settings_for(tmp_path / "landing", tmp_path).history_start == FALLBACK_HISTORY_START
    assert settings_for(tmp_path / "absent", tmp_path).history_start == FALLBACK_HISTORY_START


def test_the_first_ingestion_records_the_start_and_older_files_do_not_move_it(
    sample_landing: Path, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(sample_landing, landing)
    # The sample's deliberately bad rows are a large share of a five-day sample.
    settings = settings_for(landing, tmp_path, SALES_MAX_REJECTED_SHARE="1")
    result = build_definitions(settings).resolve_job_def(INGEST_JOB).execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert result.success
    assert record_path(settings.warehouse).read_text() == f"{START}\n"
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        (before_history,) = conn.execute(
            "SELECT count(*) FROM (SELECT reason FROM quarantine.calls UNION ALL "
            "SELECT reason FROM quarantine.events UNION ALL "
            "SELECT reason FROM quarantine.sales_documents) WHERE starts_with(reason, ?)",
            [HISTORY_REASON],
        ).fetchone()
    assert before_history == 0  # the sample's first day is its first event's day

    # A late delivery of older days, and the first day's files archived away: the start stays.
    calls = landing / "telephony"
    (calls / "calls_2025-03-05.csv").rename(calls / "calls_2025-02-20.csv")
    for first_day_file in landing.glob("*/*_2025-03-05.csv"):
        first_day_file.unlink()
    assert settings_for(landing, tmp_path).history_start == START
    # Before any ingestion, the same landing area would have started in January.
    assert settings_for(landing, tmp_path / "elsewhere").history_start == date(2025, 1, 1)


def test_a_record_that_is_no_date_is_a_settings_error(sample_landing: Path, tmp_path: Path) -> None:
    record_path(tmp_path / "warehouse.duckdb").write_text("yesterday\n")
    with pytest.raises(SettingsError, match=r"SALES_HISTORY_START is not set and .*history_start"):
        settings_for(sample_landing, tmp_path)
