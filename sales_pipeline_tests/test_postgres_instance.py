"""The multi-user deployment: a Dagster instance on a real PostgreSQL server (docs/deployment.md).

Every backfill on PostgreSQL here is the real `sales-pipeline backfill` command in a subprocess,
with the shipped deploy/dagster-postgres.yaml as its instance config and the connection in
DAGSTER_PG_*; the test server is started by the `postgres_server` fixture
(sales_pipeline_tests/postgres.py). The checks
read the runs, their events and the warehouse pool's slots back from PostgreSQL through the
Dagster instance API, as the webserver and the daemon would see them.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import pytest
import yaml

from sales_pipeline.cli import EXIT_USAGE, LOCAL_DAGSTER_HOME, PROJECT_ROOT, main
from sales_pipeline.dagster_internals import ensure_pool_limit
from sales_pipeline.definitions import build_definitions
from sales_pipeline.resources import WAREHOUSE_POOL
from sales_pipeline.runner import PROCESS_TAG, run_backfill
from sales_pipeline.settings import SalesSettings
from sales_pipeline_tests import postgres, test_crash_and_concurrency
from sales_pipeline_tests.postgres import PostgresServer, process_alive, running_postgres
from sales_pipeline_tests.test_crash_and_concurrency import _start
from sales_pipeline_tests.test_pipeline import mart_fingerprints

# Fixtures of other modules, made this module's: the server, and the crash tests' tiny sample.
postgres_server = postgres.postgres_server
landing = test_crash_and_concurrency.landing

DEPLOY_CONFIG = PROJECT_ROOT / "deploy" / "dagster-postgres.yaml"
# Generous: on a loaded CI machine one backfill of the tiny sample takes about a minute.
BACKFILL_TIMEOUT = 600


def _environment(
    landing: Path,
    workdir: Path,
    server: PostgresServer | None,
    db_name: str,
    home: str = "dagster_home",
) -> dict[str, str]:
    """A backfill's environment: the warehouse in `workdir`, the instance in PostgreSQL.

    Each DAGSTER_HOME gets a copy of the shipped deploy config, as each user's machine would.
    """
    dagster_home = workdir / home
    dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEPLOY_CONFIG, dagster_home / "dagster.yaml")
    return {
        **os.environ,
        **(server.dagster_env(db_name) if server else {}),
        "SALES_LANDING_DIR": str(landing),
        "SALES_WAREHOUSE": str(workdir / "warehouse.duckdb"),
        "SALES_REPORTS_DIR": str(workdir / "reports"),
        "SALES_TIMEZONE": "Europe/Athens",
        # A tiny sample carries every planted defect once: far above the default share.
        "SALES_MAX_REJECTED_SHARE": "1",
        "DAGSTER_HOME": str(dagster_home),
    }


# As in test_crash_and_concurrency.py, with a longer wait: a PostgreSQL-backed run is slower.
def _finish(process: subprocess.Popen[bytes], log: Path) -> None:
    try:
        code = process.wait(timeout=BACKFILL_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    assert code == 0, log.read_text()[-3000:]


def _open(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dg.DagsterInstance:
    """The instance the backfills of `env` recorded their runs in, opened from this process."""
    for name, value in env.items():
        if name.startswith("DAGSTER_PG_"):
            monkeypatch.setenv(name, value)  # the config reads its connection from these
    return dg.DagsterInstance.from_config(env["DAGSTER_HOME"])


@pytest.fixture
def kill_on_exit() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Backfills a test starts; any still running when it ends (a failed assert) are killed, so
    none is left writing the warehouse or holding connections to the server."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def clean(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The marts of one clean backfill: what every run below must end with.

    Built in this process on a throwaway SQLite instance, with the settings the subprocesses get
    from their environment: the instance does not change the marts, and this spares the server a
    whole backfill's worth of connections (the module's runtime is mostly backfills).
    """
    workdir = tmp_path_factory.mktemp("clean")
    settings = SalesSettings.from_env(_environment(landing, workdir, None, ""))
    with dg.instance_for_test() as instance:
        summary = run_backfill(build_definitions(settings), settings, instance,
                               progress=lambda _: None, reports="none")
    assert summary.success, summary.failed
    return mart_fingerprints(settings.warehouse)


def test_deploy_config_keeps_the_pool_and_run_monitoring_of_the_shipped_one() -> None:
    deploy = yaml.safe_load(DEPLOY_CONFIG.read_text())
    local = yaml.safe_load((LOCAL_DAGSTER_HOME / "dagster.yaml").read_text())
    for block in ("concurrency", "run_monitoring", "telemetry"):
        assert deploy[block] == local[block], block
    assert set(deploy["storage"]) == {"postgres"}
    # No credential in the file: each field of the connection comes from the environment.
    connection = deploy["storage"]["postgres"]["postgres_db"]
    assert {key: value for key, value in connection.items() if key != "scheme"} == {
        "hostname": {"env": "DAGSTER_PG_HOST"},
        "port": {"env": "DAGSTER_PG_PORT"},
        "username": {"env": "DAGSTER_PG_USER"},
        "password": {"env": "DAGSTER_PG_PASSWORD"},
        "db_name": {"env": "DAGSTER_PG_DB"},
    }


def test_a_connection_variable_not_set_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_CONFIG, home / "dagster.yaml")
    (tmp_path / "landing").mkdir()
    for name, value in {"DAGSTER_HOME": str(home), "SALES_LANDING_DIR": str(tmp_path / "landing"),
                        "SALES_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
                        "DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": "5432",
                        "DAGSTER_PG_USER": "dagster", "DAGSTER_PG_DB": "dagster"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DAGSTER_PG_PASSWORD", raising=False)

    assert main(["backfill"]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert error.startswith(f"error: the Dagster instance config {home / 'dagster.yaml'}: ")
    assert '"DAGSTER_PG_PASSWORD" which is not set' in error
    assert len(error.strip().splitlines()) == 1


def test_the_server_is_stopped_and_removed_even_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError, match="a failing test"), running_postgres() as server:
        children = [
            int(proc.name) for proc in Path("/proc").iterdir() if proc.name.isdigit()
            and f"PPid:\t{server.postmaster}\n" in _status(proc)
        ]
        assert process_alive(server.postmaster) and children
        raise RuntimeError("a failing test")
    deadline = time.monotonic() + 120  # its workers leave right after the postmaster (slower under load)
    while any(process_alive(pid) for pid in [server.postmaster, *children]):
        assert time.monotonic() < deadline, "PostgreSQL processes left running"
        time.sleep(0.1)
    assert not server.root.exists()


def _status(proc: Path) -> str:
    try:
        return (proc / "status").read_text()
    except OSError:
        return ""


def _pool_steps(instance: dg.DagsterInstance, run_ids: list[str]) -> list[tuple[float, float, str]]:
    """(start, end, run) of every step of these runs that started (all are in the warehouse pool)."""
    steps = []
    for run_id in run_ids:
        started: dict[str, float] = {}
        for entry in instance.all_logs(run_id, of_type={
            dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS,
            dg.DagsterEventType.STEP_FAILURE,
        }):
            assert entry.step_key is not None
            if entry.dagster_event_type == dg.DagsterEventType.STEP_START:
                started[entry.step_key] = entry.timestamp
            else:
                steps.append((started.pop(entry.step_key), entry.timestamp, run_id))
        assert not started, f"steps of run {run_id} never ended: {sorted(started)}"
    return sorted(steps)


def test_two_backfills_of_two_users_at_once_on_a_fresh_database(
    landing, clean, postgres_server, tmp_path, monkeypatch, kill_on_exit
) -> None:
    """Two users, each with a DAGSTER_HOME of their own, start a backfill at the same moment on
    an instance nobody has used yet: both create its tables, both finish, the pool in PostgreSQL
    runs their warehouse steps one at a time, and the marts are those of one clean run."""
    expected = clean
    db_name = postgres_server.create_database()
    envs = [_environment(landing, tmp_path, postgres_server, db_name, home)
            for home in ("home_ann", "home_bob")]
    logs = [tmp_path / "ann.txt", tmp_path / "bob.txt"]
    kill_on_exit += [_start(env, log) for env, log in zip(envs, logs, strict=True)]
    for process, log in zip(kill_on_exit, logs, strict=True):
        _finish(process, log)

    text = "".join(log.read_text() for log in logs)
    assert "Could not set lock" not in text and "Conflicting lock" not in text
    assert mart_fingerprints(tmp_path / "warehouse.duckdb") == expected

    instance = _open(envs[0], monkeypatch)
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        runs = instance.get_runs()
        assert runs and all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
        by_process: dict[str, list[str]] = {}
        for run in runs:
            by_process.setdefault(run.tags[PROCESS_TAG], []).append(run.run_id)
        assert len(by_process) == 2, "both backfills record their runs in the one database"
        steps = _pool_steps(instance, [run.run_id for run in runs])
        spans = {record.dagster_run.run_id: (record.start_time, record.end_time)
                 for record in instance.get_run_records()}
        pool = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
        assert (pool.slot_count, pool.claimed_slots) == (1, [])
    finally:
        instance.dispose()
    # The pool kept the steps of both processes apart: no two ever ran at the same time...
    overlaps = [(a, b) for a, b in itertools.pairwise(steps) if b[0] < a[1]]
    assert overlaps == []
    # ...while runs of the two backfills were in progress at the same time (so the pool, not
    # the timing, kept them apart).
    ann, bob = by_process.values()
    assert any(spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1] for a in ann for b in bob)
    # Nothing went to the SQLite files a DAGSTER_HOME holds by default.
    for env in envs:
        home = Path(env["DAGSTER_HOME"])
        assert not list(home.glob("**/*.db")) and not (home / "history").exists()


def test_killed_backfill_is_failed_its_slot_freed_and_the_rerun_equals_a_clean_run(
    landing, clean, postgres_server, tmp_path, monkeypatch, kill_on_exit
) -> None:
    expected = clean
    env = _environment(landing, tmp_path, postgres_server, postgres_server.create_database())
    log = tmp_path / "log.txt"
    victim = _start(env, log)
    kill_on_exit.append(victim)

    # SIGKILL the backfill while one of its steps holds the warehouse pool's slot, as seen in
    # PostgreSQL: the worst moment, since nobody but a recovery can give the slot back.
    instance = _open(env, monkeypatch)
    try:
        deadline = time.monotonic() + BACKFILL_TIMEOUT
        holder: list[str] = []
        while not holder:
            assert victim.poll() is None, "the backfill ended before it took the pool's slot"
            assert time.monotonic() < deadline, "the backfill never took the pool's slot"
            time.sleep(0.2)  # each look is a new connection to the server: not too often
            pool = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
            holder = [slot.run_id for slot in pool.claimed_slots]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        killed = holder[0]
        killed_run = instance.get_run_by_id(killed)
        assert killed_run is not None and killed_run.status == dg.DagsterRunStatus.STARTED
        pool = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
        assert [slot.run_id for slot in pool.claimed_slots] == [killed]  # held by a dead run

        rerun = _start(env, log)
        kill_on_exit.append(rerun)
        _finish(rerun, log)

        message = f"Run {killed} ({killed_run.job_name}) was interrupted: marked failed."
        assert message in log.read_text()
        assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
        pool = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
        assert (pool.slot_count, pool.claimed_slots, pool.pending_steps) == (1, [], [])
        assert killed not in instance.event_log_storage.get_concurrency_run_ids()
        others = [run for run in instance.get_runs() if run.run_id != killed]
        assert others and all(run.status == dg.DagsterRunStatus.SUCCESS for run in others)
    finally:
        instance.dispose()
    assert mart_fingerprints(tmp_path / "warehouse.duckdb") == expected


def _claim_at_once(
    barrier: threading.Barrier, pool: str, instance: dg.DagsterInstance, run_id: str, step_key: str
) -> bool:
    barrier.wait()
    return instance.event_log_storage.claim_concurrency_slot(pool, run_id, step_key).is_claimed


def test_one_free_slot_goes_to_one_step_however_many_race_for_it(
    postgres_server, tmp_path, monkeypatch
) -> None:
    """The pool's slot is a semaphore on PostgreSQL too.

    Dagster can mark more waiting steps as assigned than the pool has free slots (two processes
    both see the free slot before either records its step, or a free and a new claim cross);
    then the slot row alone must decide. Seen under load: two steps of two backfills started
    6 ms apart and ran together. Here several processes' worth of steps, all assigned, claim the
    one slot at the same moment, round after round: exactly one may get it each time. (Importing
    the code location, as every process that runs steps does, applies the workaround.)
    """
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_CONFIG, home / "dagster.yaml")
    for name, value in postgres_server.dagster_env(postgres_server.create_database()).items():
        monkeypatch.setenv(name, value)
    pool, racers, rounds = "race_pool", 6, 25
    instances = [dg.DagsterInstance.from_config(str(home)) for _ in range(racers)]
    try:
        storage = instances[0].event_log_storage
        ensure_pool_limit(instances[0], pool)
        assert storage.get_concurrency_info(pool).slot_count == 1
        winners_per_round = []
        for round_number in range(rounds):
            steps = [(f"run-{round_number}-{n}", "step") for n in range(racers)]
            for run_id, step_key in steps:
                storage.add_pending_step(pool, run_id, step_key, should_assign=True)
            claim = functools.partial(_claim_at_once, threading.Barrier(racers), pool)
            with ThreadPoolExecutor(racers) as threads:
                claimed = list(threads.map(claim, instances, *zip(*steps, strict=True)))
            holders = [slot.run_id for slot in storage.get_concurrency_info(pool).claimed_slots]
            winners_per_round.append((sum(claimed), len(holders)))
            for run_id, _ in steps:
                storage.free_concurrency_slots_for_run(run_id)
    finally:
        for instance in instances:
            instance.dispose()
    assert winners_per_round == [(1, 1)] * rounds
