"""Deliveries merged one at a time, in any order, give the marts of one run over everything."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sales_pipeline.definitions import build_definitions
from sales_pipeline.runner import run_backfill
from sales_pipeline.sample import generate_sample
from sales_pipeline_tests.conftest import settings_for
from sales_pipeline_tests.test_pipeline import mart_fingerprints

DAILY = ("telephony/calls_*.csv", "erp/sales_documents_*.csv", "crm/Event_*.csv")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("sample") / "landing"
    generate_sample(landing, reps=6, days=42, start=date(2026, 1, 5), seed=11)
    return landing


def _backfill(landing: Path, workdir: Path, instance: dg.DagsterInstance) -> dict[str, str]:
    settings = settings_for(landing, workdir, timezone="Europe/Berlin")
    summary = run_backfill(build_definitions(settings), settings, instance, progress=lambda _: None)
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
        _backfill(landing, workdir, instance)

    assert _backfill(landing, workdir, instance) == expected
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as conn:
        (touched,) = conn.execute(
            "SELECT count(*) FROM pipeline.touched_periods WHERE grain = 'weekly'"
        ).fetchone()
    assert touched > 0


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
