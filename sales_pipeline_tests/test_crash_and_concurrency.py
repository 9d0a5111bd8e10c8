"""Killed runs and concurrent runs: the warehouse ends up as after one clean run.

These tests drive the real `sales-pipeline backfill` command in subprocesses, with the shipped
instance config (the warehouse concurrency pool), as an operator would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sales_pipeline.cli import LOCAL_DAGSTER_HOME
from sales_pipeline.jobs import INGEST_JOB
from sales_pipeline.resources import WAREHOUSE_POOL
from sales_pipeline.runner import PROCESS_TAG
from sales_pipeline.sample import generate_sample
from sales_pipeline_tests.test_pipeline import mart_fingerprints

# Every table derived from raw: what a rerun must leave exactly as a clean run does. (Raw rows
# carry the ingestion that read them, and `pipeline` holds run ids: both differ by design.)
DERIVED_SCHEMAS = ("staging", "quarantine", "marts")


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


def derived_fingerprints(warehouse: Path) -> dict[str, str]:
    """A hash of every staging, quarantine and mart table's full content, in a stable order."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = [t for (t,) in conn.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            f"WHERE schema_name IN {DERIVED_SCHEMAS} ORDER BY 1"
        ).fetchall()]
        return {
            table: conn.execute(
                f"SELECT md5(coalesce(string_agg(t::VARCHAR, '\n' ORDER BY t::VARCHAR), '')) "
                f"FROM {table} AS t"
            ).fetchone()[0]
            for table in tables
        }


@dataclass(frozen=True)
class Clean:
    marts: dict[str, str]
    derived: dict[str, str]


@pytest.fixture(scope="module")
def clean(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Clean:
    workdir = tmp_path_factory.mktemp("clean")
    _finish(_start(_environment(landing, workdir), workdir / "log.txt"), workdir / "log.txt")
    warehouse = workdir / "warehouse.duckdb"
    return Clean(mart_fingerprints(warehouse), derived_fingerprints(warehouse))


# ----------------------------------------------------------------------------- killing


@dataclass(frozen=True)
class KillSite:
    """Where a SIGKILL landed, as the Dagster instance of the killed backfill records it."""

    aimed_at: str
    run_id: str
    job: str
    status: dg.DagsterRunStatus
    # Steps of that run started and neither succeeded nor failed: running when the kill came.
    in_flight: tuple[str, ...]
    # (run, step) holding the warehouse pool's slot right after the kill.
    slot_holders: tuple[tuple[str, str], ...]
    # Status of every run the killed process had started, in order.
    runs: tuple[tuple[str, dg.DagsterRunStatus], ...]


_STEP_ENDS = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}


def _slot_holders(instance: dg.DagsterInstance) -> tuple[tuple[str, str], ...]:
    info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
    return tuple(sorted((slot.run_id, slot.step_key) for slot in info.claimed_slots))


def _in_flight(instance: dg.DagsterInstance, run_id: str) -> tuple[str, ...]:
    started, ended = [], set()
    for entry in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START, *_STEP_ENDS}):
        if entry.dagster_event.event_type == dg.DagsterEventType.STEP_START:
            started.append(entry.step_key)
        else:
            ended.add(entry.step_key)
    return tuple(step for step in started if step not in ended)


def _runs_of(instance: dg.DagsterInstance, pid: int) -> list[dg.DagsterRun]:
    """The runs a backfill process started, oldest first (the runner tags each with its pid)."""
    tag = f"{socket.gethostname()}:{pid}"
    return list(reversed(instance.get_runs(filters=dg.RunsFilter(tags={PROCESS_TAG: tag}))))


def _kill_during(
    instance: dg.DagsterInstance, env: dict[str, str], log: Path, step: str
) -> KillSite:
    """Start a backfill and SIGKILL it once `step` holds the warehouse slot and has started.

    The kill follows the run's own progress rather than a guessed delay, so it cannot land
    before the backfill starts or after it ends: if the step is never seen running, the test
    fails instead of passing with a kill that hit nothing.
    """
    process = _start(env, log)
    deadline = time.monotonic() + 600
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the backfill ended (exit {process.returncode}) before {step} "
                            f"was seen running: no kill landed\n{log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"{step} was not seen running within 600 s")
            ours = {run.run_id for run in _runs_of(instance, process.pid)}
            holder = next((run_id for run_id, key in _slot_holders(instance)
                           if key == step and run_id in ours), None)
            # The slot is claimed just before the step starts: kill once its start is logged.
            if holder is not None and step in _in_flight(instance, holder):
                break
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    runs = _runs_of(instance, process.pid)
    killed = [run for run in runs if run.status == dg.DagsterRunStatus.STARTED]
    assert len(killed) == 1, [(run.job_name, run.status) for run in runs]
    return KillSite(
        aimed_at=step,
        run_id=killed[0].run_id,
        job=killed[0].job_name,
        status=killed[0].status,
        in_flight=_in_flight(instance, killed[0].run_id),
        slot_holders=_slot_holders(instance),
        runs=tuple((run.job_name, run.status) for run in runs),
    )


@pytest.fixture
def killed_instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """The instance the killed backfills record their runs in, read from this process. Created
    here first, so that its SQLite tables exist before any backfill opens it."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(LOCAL_DAGSTER_HOME / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


# Where the two kills are aimed: in the middle of the ingestion run's staging (the calls merge),
# and in the step of the first grain built (the weekly facts and analysis: grain_step.py).
KILL_POINTS = ((INGEST_JOB, "stage_calls"), ("build_weekly", "weekly_tables"))


def test_killed_mid_run_then_rerun_equals_a_clean_run(
    landing, clean, killed_instance, tmp_path
) -> None:
    env = _environment(landing, tmp_path)
    log = tmp_path / "log.txt"
    instance = killed_instance
    sites: list[KillSite] = []
    for job, step in KILL_POINTS:
        site = _kill_during(instance, env, log, step)
        sites.append(site)
        # Landed where aimed: inside that step of that job's run, which is left "started" and
        # still holds the warehouse pool's slot, since the dead process could release nothing.
        assert (site.job, site.status, site.in_flight) == (job, dg.DagsterRunStatus.STARTED,
                                                          (step,)), site
        assert site.slot_holders == ((site.run_id, step),), site
        # Every run before it in that backfill finished.
        assert all(status == dg.DagsterRunStatus.SUCCESS for _, status in site.runs[:-1]), site
    # Two different places: one in ingestion/staging, one in the facts.
    assert [site.job for site in sites] == [INGEST_JOB, "build_weekly"]

    _finish(_start(env, log), log)
    text = log.read_text()
    for site in sites:
        # The next backfill found each killed run, marked it failed and freed its slot.
        assert f"Run {site.run_id} ({site.job}) was interrupted: marked failed." in text
        run = instance.get_run_by_id(site.run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.FAILURE
    info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
    assert (info.claimed_slots, info.pending_steps) == ([], [])

    warehouse = tmp_path / "warehouse.duckdb"
    assert mart_fingerprints(warehouse) == clean.marts
    assert derived_fingerprints(warehouse) == clean.derived
    with duckdb.connect(str(warehouse), read_only=True) as conn:
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
    expected = clean.marts
    env = _environment(landing, tmp_path)
    published = tmp_path / "published" / "warehouse.duckdb"
    first = _start(env, tmp_path / "first.txt")
    second = _start(env, tmp_path / "second.txt")

    reads = 0
    # A bound, so that a hang fails here instead of blocking the suite. Seen under heavy load: a
    # step enqueued on the warehouse pool just as the other backfill frees the slot is never
    # assigned it (Dagster's claim_concurrency_slot checks for a free slot, then enqueues, outside
    # one transaction) and waits forever.
    deadline = time.monotonic() + 900
    while first.poll() is None or second.poll() is None:
        if time.monotonic() > deadline:
            for process in (first, second):
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("the two backfills did not both finish within 900 s")
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
    assert derived_fingerprints(tmp_path / "warehouse.duckdb") == clean.derived
    with duckdb.connect(str(published), read_only=True) as conn:
        tables = conn.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0]
    assert tables == len(expected)
