"""Killed runs and concurrent runs: the warehouse ends up as after one clean run.

These tests drive the real `sales-pipeline backfill` command in subprocesses, with the shipped
instance config (the warehouse concurrency pool), as an operator would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from sales_pipeline.cli import LOCAL_DAGSTER_HOME
from sales_pipeline.sample import generate_sample
from sales_pipeline_tests.test_pipeline import mart_fingerprints


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample") / "landing"
    generate_sample(root, reps=4, days=14, start=date(2026, 2, 9), seed=5)
    return root


def _environment(landing: Path, workdir: Path) -> dict[str, str]:
    home = workdir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(LOCAL_DAGSTER_HOME / "dagster.yaml", home / "dagster.yaml")
    return {
        **os.environ,
        "SALES_LANDING_DIR": str(landing),
        "SALES_WAREHOUSE": str(workdir / "warehouse.duckdb"),
        "SALES_REPORTS_DIR": str(workdir / "reports"),
        "SALES_TIMEZONE": "Europe/Athens",
        # A tiny sample carries every planted defect once: far above the default share.
        "SALES_MAX_REJECTED_SHARE": "1",
        "DAGSTER_HOME": str(home),
    }


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        # The marts are what is compared: reports would only lengthen every run.
        [sys.executable, "-m", "sales_pipeline.cli", "backfill", "--reports", "none"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # so that a kill takes the whole process group
    )


def _finish(process: subprocess.Popen[bytes], log: Path) -> None:
    assert process.wait(timeout=600) == 0, log.read_text()[-3000:]


@pytest.fixture(scope="module")
def clean(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], float]:
    workdir = tmp_path_factory.mktemp("clean")
    began = time.monotonic()
    _finish(_start(_environment(landing, workdir), workdir / "log.txt"), workdir / "log.txt")
    return mart_fingerprints(workdir / "warehouse.duckdb"), time.monotonic() - began


def test_killed_mid_run_then_rerun_equals_a_clean_run(landing, clean, tmp_path) -> None:
    expected, duration = clean
    env = _environment(landing, tmp_path)
    log = tmp_path / "log.txt"
    # Kill early (during ingestion and staging) and late (while the facts are written).
    for fraction in (0.35, 0.75):
        process = _start(env, log)
        time.sleep(duration * fraction)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    _finish(_start(env, log), log)
    assert "was interrupted: marked failed" in log.read_text()
    assert mart_fingerprints(tmp_path / "warehouse.duckdb") == expected
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as conn:
        half_ingested = conn.execute(
            """
            SELECT landed.file FROM raw.landed_files AS landed
            LEFT JOIN (SELECT _file, count(*) AS n FROM raw.calls GROUP BY _file) AS raw
                ON raw._file = landed.file
            WHERE landed.source = 'calls' AND landed.status = 'loaded'
              AND landed.rows_read IS DISTINCT FROM coalesce(raw.n, 0)
            """
        ).fetchall()
    assert half_ingested == []


def test_two_backfills_at_once_both_finish_and_readers_are_never_blocked(
    landing, clean, tmp_path
) -> None:
    expected, _ = clean
    env = _environment(landing, tmp_path)
    published = tmp_path / "published" / "warehouse.duckdb"
    first = _start(env, tmp_path / "first.txt")
    second = _start(env, tmp_path / "second.txt")

    reads = 0
    while first.poll() is None or second.poll() is None:
        if published.exists():
            # An analyst's query on the published copy while the pipeline writes.
            with duckdb.connect(str(published), read_only=True) as conn:
                conn.execute("SELECT count(*) FROM marts.rep_activity_weekly").fetchall()
            reads += 1
        time.sleep(0.2)

    _finish(first, tmp_path / "first.txt")
    _finish(second, tmp_path / "second.txt")
    logs = (tmp_path / "first.txt").read_text() + (tmp_path / "second.txt").read_text()
    assert "Could not set lock" not in logs and "Conflicting lock" not in logs
    assert reads > 0
    assert mart_fingerprints(tmp_path / "warehouse.duckdb") == expected
    with duckdb.connect(str(published), read_only=True) as conn:
        tables = conn.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0]
    assert tables == len(expected)
