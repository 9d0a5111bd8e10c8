"""Measuring a process: wall time, CPU time and peak memory of it and its descendants, and the
measured runs themselves (floor, backfill, incremental day, loading the code location)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.event_log import profile_instance
from benchmarks.workspace import (
    BIN,
    CODE,
    HELPER,
    ROOT,
    WORK,
    Scale,
    code_env,
    last_day_files,
    link_tree,
)

SAMPLE_SECONDS = 0.1



def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]

# -------------------------------------------------------------------------- measurement


@dataclass
class Measurement:
    wall_s: float
    cpu_s: float
    peak_tree_rss_mib: float
    max_process_rss_mib: float
    returncode: int
    timed_out: bool
    load_before: list[float]
    load_after: list[float]
    log: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(root: int) -> int:
    """Summed VmRSS of a process and all its descendants (shared pages count once per process)."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_kib(pid)
        stack += _children(pid)
    return total


def run_measured(
    command: Sequence[str], *, env: dict[str, str], log: Path, timeout_s: float | None = None
) -> Measurement:
    """Run a command in its own process group and measure it (see the module docstring)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    load_before = load_average()
    peak, peak_at = 0, 0.0
    began = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(
            list(command), cwd=CODE["dir"], env=code_env(env), stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        done = threading.Event()
        timed_out = False

        def sample() -> None:
            nonlocal peak, peak_at, timed_out
            while not done.is_set():
                rss = tree_rss_kib(process.pid)
                if rss > peak:
                    peak, peak_at = rss, time.time()
                if timeout_s is not None and time.monotonic() - began > timeout_s and not timed_out:
                    timed_out = True
                    os.killpg(process.pid, signal.SIGTERM)
                    threading.Timer(20, lambda: _kill_group(process.pid)).start()
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - began
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    return Measurement(
        wall_s=round(wall, 2),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
        peak_tree_rss_mib=round(peak / 1024, 1),
        max_process_rss_mib=round(usage.ru_maxrss / 1024, 1),
        returncode=process.returncode,
        timed_out=timed_out,
        load_before=load_before,
        load_after=load_average(),
        log=str(log.relative_to(ROOT)),
        extra={"peak_at": peak_at},
    )


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


# Set by --max-rejected-share: tiny samples carry the planted defects on few rows, enough for the
# pipeline's rejected-share check to block them.
EXTRA_ENV: dict[str, str] = {}


def pipeline_env(landing: Path, run_dir: Path, timezone: str) -> dict[str, str]:
    """Environment of one pipeline run: everything it writes lives under run_dir."""
    home = run_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    instance_config = CODE["dir"] / ".dagster_home" / "dagster.yaml"
    if instance_config.exists():
        shutil.copy(instance_config, home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALES_", "DAGSTER_"))}
    env.update(
        SALES_LANDING_DIR=str(landing.resolve()),
        SALES_WAREHOUSE=str((run_dir / "warehouse.duckdb").resolve()),
        SALES_REPORTS_DIR=str((run_dir / "reports").resolve()),
        SALES_TIMEZONE=timezone,
        DAGSTER_HOME=str(home.resolve()),
    )
    env.update(EXTRA_ENV)
    return env

def measure_floor(scale: Scale, run: int, timezone: str) -> Measurement:
    database = scale.dir / "runs" / f"floor-{run}.duckdb"
    database.parent.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    timings = database.with_suffix(".json")
    measurement = run_measured(
        [*HELPER, "_floor", "--landing", str(scale.landing),
         "--database", str(database), "--timezone", timezone, "--timings", str(timings)],
        env=dict(os.environ), log=database.with_suffix(".log"),
    )
    if timings.exists():
        measurement.extra["statements"] = json.loads(timings.read_text())
    return measurement


# ------------------------------------------------------------------------- pipeline runs


def measure_backfill(landing: Path, run_dir: Path, timezone: str,
                     timeout_s: float | None) -> Measurement:
    if run_dir.exists():
        shutil.rmtree(run_dir)
    env = pipeline_env(landing, run_dir, timezone)
    measurement = run_measured([str(BIN / "sales-pipeline"), "backfill"], env=env,
                               log=log_path(run_dir, "backfill"), timeout_s=timeout_s)
    measurement.extra["profile"] = profile_instance(Path(env["DAGSTER_HOME"]))
    measurement.extra["held_back_files"] = held_back_files(run_dir / "warehouse.duckdb")
    return measurement


def incremental_day(day: date, publish: bool, reports_only: bool = False) -> dict[str, Any]:
    """In this process: ingest what landed, then build the four periods containing `day`; or,
    with `reports_only`, render the reports of those periods (what the report jobs do after the
    builds, off the critical path)."""
    began = time.monotonic()
    import dagster as dg

    from sales_pipeline import jobs
    from sales_pipeline.definitions import build_definitions
    from sales_pipeline.partitions import GRAINS, KEY_FORMAT
    from sales_pipeline.settings import SalesSettings

    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    settings = SalesSettings.from_env()
    defs = build_definitions(settings)
    loaded = time.monotonic()
    phases: dict[str, float] = {"import_and_load_definitions": round(loaded - began, 3)}
    failed = []
    with dg.DagsterInstance.get() as instance:
        if reports_only:
            planned = [(jobs.report_job_name(g), g.period_start(day).strftime(KEY_FORMAT))
                       for g in GRAINS] if hasattr(jobs, "report_job_name") else []
        else:
            planned = [(jobs.INGEST_JOB, None)]
            planned += [(jobs.period_job_name(g), g.period_start(day).strftime(KEY_FORMAT))
                        for g in GRAINS]
            if publish and hasattr(jobs, "PUBLISH_JOB"):
                planned.append((jobs.PUBLISH_JOB, None))
        for job_name, partition in planned:
            step_began = time.monotonic()
            result = defs.resolve_job_def(job_name).execute_in_process(
                run_config=quiet, instance=instance, partition_key=partition, raise_on_error=False
            )
            phases[job_name + (f" {partition}" if partition else "")] = round(
                time.monotonic() - step_began, 3)
            if not result.success:
                failed.append(job_name)
    return {"phases": phases, "failed": failed, "seconds": round(time.monotonic() - began, 3)}


def measure_incremental(scale: Scale, runs: int, timezone: str, timeout_s: float | None,
                        publish: bool, baseline_timeout_s: float | None = None) -> dict[str, Any]:
    """Backfill all days but the last, then time the last day's ingestion and periods."""
    root = scale.dir / "incremental"
    if root.exists():
        shutil.rmtree(root)
    landing = root / "landing"
    held = last_day_files(scale)
    link_tree(scale.landing, landing, exclude=held)
    print(f"[{scale.name}] incremental: baseline backfill of {scale.days - 1} days ...", flush=True)
    baseline = measure_backfill(landing, root / "baseline", timezone,
                                baseline_timeout_s or timeout_s)
    result: dict[str, Any] = {"day": scale.end.isoformat(), "baseline": asdict(baseline),
                              "runs": [], "new_rows": new_rows(held)}
    ingested = any(run["job"] == "ingest_landing" and run["status"] == "SUCCESS"
                   for run in baseline.extra.get("profile", {}).get("runs", []))
    if baseline.timed_out or not ingested:
        return result  # a failed period job still leaves a warehouse the day can land on
    for path in held:  # the day lands: same bytes, same mtime
        if path.exists():
            os.link(path, landing / path.relative_to(scale.landing))
    for run in range(runs):
        run_dir = root / f"run-{run}"
        if run_dir.exists():
            shutil.rmtree(run_dir)
        shutil.copytree(root / "baseline", run_dir)
        env = pipeline_env(landing, run_dir, timezone)
        report = run_dir / "incremental.json"
        print(f"[{scale.name}] incremental day {scale.end} run {run + 1}/{runs} ...", flush=True)
        measurement = run_measured(
            [*HELPER, "_incremental", "--day",
             scale.end.isoformat(), "--report", str(report)] + (["--publish"] if publish else []),
            env=env, log=log_path(run_dir, "incremental"), timeout_s=timeout_s,
        )
        if report.exists():
            measurement.extra.update(json.loads(report.read_text()))
        measurement.extra["profile"] = profile_instance(
            Path(env["DAGSTER_HOME"]), after=baseline_run_ids(baseline))
        # The day's reports, rendered after its tables by the report jobs: measured on their own.
        reports_report = run_dir / "reports.json"
        reports = run_measured(
            [*HELPER, "_incremental", "--day", scale.end.isoformat(), "--report",
             str(reports_report), "--reports-only"],
            env=env, log=log_path(run_dir, "reports"), timeout_s=timeout_s,
        )
        if reports_report.exists():
            reports.extra.update(json.loads(reports_report.read_text()))
        measurement.extra["reports_after"] = asdict(reports)
        measurement.extra["warehouse"] = str(run_dir / "warehouse.duckdb")
        result["runs"].append(asdict(measurement))
        if run < runs - 1:
            shutil.rmtree(run_dir)
    return result


def log_path(run_dir: Path, what: str) -> Path:
    """Logs live beside the run directories, which are removed after each run."""
    return run_dir.parent / "logs" / f"{run_dir.name}-{what}.log"


def baseline_run_ids(baseline: Measurement) -> list[str]:
    return [run["run_id"] for run in baseline.extra.get("profile", {}).get("runs", [])]


def new_rows(files: Iterable[Path]) -> dict[str, int]:
    """Data lines of the day's files (what an incremental day has to take in)."""
    counts = {}
    for path in files:
        if path.exists():
            with path.open("rb") as handle:
                counts[path.name] = max(sum(1 for _ in handle) - 1, 0)
    return counts


def held_back_files(warehouse: Path) -> int | None:
    import duckdb

    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            return conn.execute(
                "SELECT count(*) FROM raw.landed_files WHERE status <> 'loaded'").fetchone()[0]
    except duckdb.Error:
        return None

# ----------------------------------------------------------------- code location load time


def measure_code_location(runs: int) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALES_", "DAGSTER_"))}
    home = WORK / "load" / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(SALES_WAREHOUSE=str(WORK / "load" / "warehouse.duckdb"),
               SALES_LANDING_DIR=str(WORK / "load" / "landing"), DAGSTER_HOME=str(home))
    return [
        asdict(run_measured([sys.executable, "-c", "import sales_pipeline.definitions"],
                            env=env, log=WORK / "load" / f"load-{i}.log"))
        for i in range(runs)
    ]
