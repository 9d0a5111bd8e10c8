"""The benchmark: the pipeline against plain DuckDB on the same landing files, at several scales.

    python -m benchmarks.run --scales 50,200,1000 --repeat 3 --history-pairs 1000
    python -m benchmarks.run --quick

For each scale (reps x days of history, ending on --end) it generates the landing files once with
`sales-pipeline sample`, then measures, each in a fresh process:

1. the floor: benchmarks/floor.sql, one DuckDB script that builds the twelve fact marts;
2. `sales-pipeline backfill` from empty (fresh warehouse and DAGSTER_HOME), end to end;
3. an incremental day: a backfill of every day but the last, then the last day's daily files land
   and ingestion plus the week, month, quarter and year containing that day run through Dagster;
4. where the pipeline's time goes, per step (asset) and per check, from the run's event log;

and checks that the floor and the pipeline give identical facts. Wall time, CPU time (user + sys
of the process and every child it waited for, from wait4) and peak memory (the largest sum of
VmRSS over the process and all its descendants, sampled every 100 ms; the kernel's ru_maxrss of
the largest single process is kept beside it) are recorded with the load average. Results
accumulate in benchmarks/work/results.json and are rendered to benchmarks/RESULTS.md with the
median of the repeats.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
WORK = BENCH / "work"
FLOOR_SQL = BENCH / "floor.sql"
RESULTS_JSON = WORK / "results.json"
RESULTS_MD = BENCH / "RESULTS.md"
BIN = Path(sys.executable).parent
HELPER = [sys.executable, str(Path(__file__).resolve())]  # this file's internal subcommands

DEFAULT_END = date(2026, 3, 4)  # a Wednesday in early March: the incremental day is a full working day
DEFAULT_DAYS = 731
DEFAULT_SEED = 7
DEFAULT_TIMEZONE = "Europe/Berlin"
SAMPLE_SECONDS = 0.1
DAILY_PATTERNS = ("telephony/calls_{day}.csv", "crm/Event_{day}.csv", "erp/sales_documents_{day}.csv")

GRAIN_UNITS = {"weekly": "week", "monthly": "month", "quarterly": "quarter", "yearly": "year"}
LEVEL_KEYS = {
    "rep": ("period_start", "rep_id", "rep_name", "team", "department"),
    "team": ("period_start", "team", "department"),
    "department": ("period_start", "department"),
}
MART_TABLES = tuple(f"{level}_activity_{grain}" for level in LEVEL_KEYS for grain in GRAIN_UNITS)
AVG_TOLERANCE = 1e-9


# ----------------------------------------------------------------------------------- scales


@dataclass(frozen=True)
class Scale:
    reps: int
    days: int
    end: date
    seed: int = DEFAULT_SEED

    @property
    def name(self) -> str:
        return f"r{self.reps}_d{self.days}"

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    @property
    def dir(self) -> Path:
        return WORK / self.name

    @property
    def landing(self) -> Path:
        return self.dir / "landing"

    @property
    def label(self) -> str:
        return f"{self.reps} reps x {self.days} days"


def parse_scales(text: str, days: int, end: date) -> list[Scale]:
    """'50,200,1000x183' -> scales; a bare number of reps takes --days."""
    scales = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        reps, _, item_days = item.partition("x")
        scales.append(Scale(int(reps), int(item_days or days), end))
    return scales


def short_history(scale: Scale, factor: int) -> Scale:
    """The same reps and end day with 1/factor of the history (the history-growth pair)."""
    return Scale(scale.reps, -(-scale.days // factor), scale.end, scale.seed)


# ------------------------------------------------------------------------------ environment


def git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 2**20, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "duckdb": version("duckdb"),
        "dagster": version("dagster"),
        "commit": CODE["commit"] or git("rev-parse", "--short", "HEAD"),
        "code": "snapshot of the commit" if CODE["snapshot"] else "working tree",
        "dirty_files": 0 if CODE["snapshot"] else len(
            [line for line in git("status", "--porcelain").splitlines() if line]),
    }


def generator_hash() -> str:
    """A content hash of the sample generator's modules: the same hash and arguments, the same files."""
    digest = hashlib.sha256()
    for path in sorted((CODE["dir"] / "sales_pipeline" / "sample").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# The pipeline code under test. Others commit to this repository while a benchmark runs for hours,
# so by default every pipeline process runs a snapshot of one commit (`git archive`), put first on
# PYTHONPATH; `--code worktree` runs the working tree as it is at each moment instead.
CODE: dict[str, Any] = {"dir": ROOT, "commit": "", "snapshot": False}


def use_code(revision: str) -> None:
    if revision == "worktree":
        CODE.update(dir=ROOT, commit=git("rev-parse", "--short", "HEAD"), snapshot=False)
        return
    commit = git("rev-parse", "--short", revision)
    target = WORK / f"code-{commit}"
    if not (target / "sales_pipeline").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    CODE.update(dir=target, commit=commit, snapshot=True)


def code_env(env: dict[str, str]) -> dict[str, str]:
    """`env` with the code under test first on the import path."""
    if CODE["snapshot"]:
        env = {**env, "PYTHONPATH": os.pathsep.join(
            filter(None, (str(CODE["dir"]), env.get("PYTHONPATH"))))}
    return env


# ------------------------------------------------------------------------ landing samples


def ensure_sample(scale: Scale, regenerate: bool = False) -> dict[str, Any]:
    """Generate the scale's landing files unless the same arguments already made them."""
    marker = scale.dir / "sample.json"
    wanted = {"reps": scale.reps, "days": scale.days, "start": scale.start.isoformat(),
              "seed": scale.seed}
    if marker.exists() and not regenerate:
        recorded = json.loads(marker.read_text())
        if {k: recorded.get(k) for k in wanted} == wanted:
            return recorded
    if scale.dir.exists():
        shutil.rmtree(scale.dir)
    scale.dir.mkdir(parents=True)
    print(f"[{scale.name}] generating {scale.label} ...", flush=True)
    began = time.monotonic()
    output = subprocess.run(
        [str(BIN / "sales-pipeline"), "sample", "--reps", str(scale.reps), "--days",
         str(scale.days), "--start", scale.start.isoformat(), "--seed", str(scale.seed),
         "--out", str(scale.landing)],
        cwd=CODE["dir"], env=code_env(dict(os.environ)), capture_output=True, text=True,
        check=True,
    ).stdout.strip()
    recorded = {
        **wanted,
        "end": scale.end.isoformat(),
        "generator": generator_hash(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - began, 1),
        "summary": output,
        "bytes": sum(p.stat().st_size for p in scale.landing.rglob("*") if p.is_file()),
    }
    marker.write_text(json.dumps(recorded, indent=2))
    return recorded


def last_day_files(scale: Scale) -> list[Path]:
    day = scale.end.isoformat()
    return [scale.landing / pattern.format(day=day) for pattern in DAILY_PATTERNS]


def link_tree(source: Path, target: Path, exclude: Iterable[Path] = ()) -> None:
    """Hard-link every file of `source` under `target` (same bytes and mtime, no copy)."""
    excluded = {p.resolve() for p in exclude}
    for path in sorted(source.rglob("*")):
        if path.is_file() and path.resolve() not in excluded:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, destination)


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


# -------------------------------------------------------------------------------- floor


def split_statements(sql: str) -> list[str]:
    """The statements of a script: split on ';' outside quotes and comments."""
    statements, current, quote, i = [], [], "", 0
    while i < len(sql):
        char = sql[i]
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            current.append(char)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif char == ";":
            if "".join(current).strip():
                statements.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    if "".join(current).strip():
        statements.append("".join(current).strip())
    return statements


def execute_floor(landing: Path, database: Path, timezone: str, currency: str = "EUR",
                  history_start: str = "2020-01-01") -> list[tuple[str, float]]:
    """Run floor.sql against `database`, statement by statement; returns (statement, seconds)."""
    import duckdb

    timings = []
    with duckdb.connect(str(database)) as conn:
        for name, value in (("landing", str(landing)), ("timezone", timezone),
                            ("reporting_currency", currency), ("history_start", history_start)):
            conn.execute(f"SET VARIABLE {name} = ?", [value])
        for statement in split_statements(FLOOR_SQL.read_text()):
            began = time.monotonic()
            conn.execute(statement)
            first_line = statement.splitlines()[0]
            timings.append((first_line[:80], round(time.monotonic() - began, 3)))
    return timings


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


# -------------------------------------------------------------------- event-log profile


def profile_instance(home: Path, after: Sequence[str] = ()) -> dict[str, Any]:
    """Per run, step and check durations from a Dagster instance's event log (in a subprocess,
    so this process never holds the instance's storage open)."""
    output = subprocess.run(
        [*HELPER, "_profile", "--skip", ",".join(after)],
        cwd=CODE["dir"], env=code_env({**os.environ, "DAGSTER_HOME": str(home.resolve())}),
        capture_output=True, text=True,
    )
    if output.returncode != 0:
        return {"error": output.stderr[-2000:]}
    return json.loads(output.stdout)


def read_profile(skip: Sequence[str]) -> dict[str, Any]:
    import dagster as dg

    types = {
        dg.DagsterEventType.RUN_START, dg.DagsterEventType.RUN_SUCCESS,
        dg.DagsterEventType.RUN_FAILURE, dg.DagsterEventType.STEP_START,
        dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE,
        dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION,
    }
    runs, steps, checks = [], [], []
    with dg.DagsterInstance.get() as instance:
        for record in reversed(instance.get_run_records()):
            run = record.dagster_run
            if run.run_id in skip:
                continue
            events = [
                entry for entry in instance.all_logs(run.run_id)
                if entry.dagster_event is not None and entry.dagster_event.event_type in types
            ]
            events.sort(key=lambda entry: entry.timestamp)
            starts: dict[str, float] = {}
            last_event: dict[str, float] = {}
            assets: dict[str, list[str]] = {}
            run_start = run_end = None
            for entry in events:
                event = entry.dagster_event
                kind, step = event.event_type, event.step_key
                if kind == dg.DagsterEventType.RUN_START:
                    run_start = entry.timestamp
                elif kind in (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE):
                    run_end = entry.timestamp
                elif kind == dg.DagsterEventType.STEP_START:
                    starts[step] = last_event[step] = entry.timestamp
                elif kind in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                    steps.append({
                        "run_id": run.run_id, "job": run.job_name, "step": step,
                        "assets": assets.get(step, []),
                        "start": starts.get(step, entry.timestamp), "end": entry.timestamp,
                        "seconds": round(entry.timestamp - starts.get(step, entry.timestamp), 3),
                        "failed": kind == dg.DagsterEventType.STEP_FAILURE,
                    })
                elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
                    assets.setdefault(step, []).append(event.asset_key.to_user_string())
                    last_event[step] = entry.timestamp
                elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
                    data = event.event_specific_data
                    checks.append({
                        "run_id": run.run_id, "job": run.job_name, "step": step,
                        "check": f"{data.asset_key.to_user_string()}:{data.check_name}",
                        # A check evaluated inside its asset's step has no events of its own:
                        # the time since the step's previous event is what it is charged with.
                        "seconds": round(entry.timestamp - last_event.get(step, entry.timestamp), 3),
                        "passed": bool(data.passed),
                    })
                    last_event[step] = entry.timestamp
            unfinished = [s for s in starts if s not in {x["step"] for x in steps
                                                          if x["run_id"] == run.run_id}]
            now = time.time()
            for step in unfinished:
                steps.append({"run_id": run.run_id, "job": run.job_name, "step": step,
                              "assets": assets.get(step, []), "failed": True,
                              "start": starts[step], "end": run_end or now,
                              "seconds": round((run_end or now) - starts[step], 3),
                              "unfinished": True})
            runs.append({
                "run_id": run.run_id, "job": run.job_name, "status": run.status.value,
                "partition": run.tags.get("dagster/partition")
                or "..".join(filter(None, (run.tags.get("dagster/asset_partition_range_start"),
                                           run.tags.get("dagster/asset_partition_range_end")))),
                "seconds": round((run_end or time.time()) - run_start, 3) if run_start else None,
            })
    return {"runs": runs, "steps": steps, "checks": checks}


# ----------------------------------------------------------------------------- comparing


def _mart_columns(conn: Any, catalog: str, table: str) -> list[tuple[str, str, str]]:
    return conn.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = 'marts' AND table_name = ? "
        "ORDER BY ordinal_position",
        [catalog, table],
    ).fetchall()


def compare_marts(
    floor_db: Path, pipeline_db: Path, *, only_periods: dict[str, date] | None = None,
    limit: int = 20,
) -> list[str]:
    """Differences between the twelve marts of two warehouses; empty when the facts are identical.

    Rows are compared sorted by their keys: every column exactly (sales_volume as a decimal),
    avg_call_seconds within 1e-9. `only_periods` restricts each grain to the one period whose
    start it gives (grain name -> period_start).
    """
    import duckdb

    differences: list[str] = []
    with duckdb.connect() as conn:
        conn.execute(f"ATTACH '{floor_db}' AS floor (READ_ONLY)")
        conn.execute(f"ATTACH '{pipeline_db}' AS pipeline (READ_ONLY)")
        for table in MART_TABLES:
            level, grain = table.split("_activity_")
            columns = _mart_columns(conn, "pipeline", table)
            if not columns:
                differences.append(f"{table}: missing from the pipeline's warehouse")
                continue
            if columns != _mart_columns(conn, "floor", table):
                differences.append(f"{table}: columns differ: pipeline {columns}, "
                                   f"floor {_mart_columns(conn, 'floor', table)}")
                continue
            keys = LEVEL_KEYS[level]
            where, params = "", []
            if only_periods is not None:
                where, params = "WHERE period_start = ?", [only_periods[grain]]
            names = [name for name, _, _ in columns]
            query = (f"SELECT {', '.join(names)} FROM {{}}.marts.{table} {where} "
                     f"ORDER BY {', '.join(keys)}")
            rows = {side: conn.execute(query.format(side), params).fetchall()
                    for side in ("floor", "pipeline")}
            differences += _diff_rows(table, names, len(keys), rows["floor"], rows["pipeline"])
            if len(differences) >= limit:
                break
    return differences[:limit]


def _diff_rows(table: str, names: list[str], n_keys: int, floor: list[tuple],
               pipeline: list[tuple]) -> list[str]:
    floor_by_key = {row[:n_keys]: row for row in floor}
    pipeline_by_key = {row[:n_keys]: row for row in pipeline}
    found = []
    for key in sorted(floor_by_key.keys() | pipeline_by_key.keys(), key=str):
        a, b = floor_by_key.get(key), pipeline_by_key.get(key)
        if a is None or b is None:
            found.append(f"{table} {key}: only in {'pipeline' if a is None else 'floor'}: "
                         f"{b if a is None else a}")
            continue
        for name, x, y in zip(names[n_keys:], a[n_keys:], b[n_keys:], strict=True):
            if not _same(name, x, y):
                found.append(f"{table} {key}: {name} floor={x!r} pipeline={y!r}")
    if len(floor_by_key) != len(floor) or len(pipeline_by_key) != len(pipeline):
        found.append(f"{table}: duplicate keys (floor {len(floor) - len(floor_by_key)}, "
                     f"pipeline {len(pipeline) - len(pipeline_by_key)})")
    return found


def _same(name: str, x: Any, y: Any) -> bool:
    if x is None or y is None:
        return x is None and y is None
    if name == "avg_call_seconds":
        return abs(float(x) - float(y)) <= AVG_TOLERANCE
    if name == "sales_volume":
        return Decimal(str(x)) == Decimal(str(y))
    return x == y


def stale_rows_elsewhere(floor_db: Path, pipeline_db: Path, day: date) -> int:
    """Mart rows outside the periods containing `day` that differ from the floor's."""
    import duckdb

    with duckdb.connect() as conn:
        conn.execute(f"ATTACH '{floor_db}' AS floor (READ_ONLY)")
        conn.execute(f"ATTACH '{pipeline_db}' AS pipeline (READ_ONLY)")
        total = 0
        for table in MART_TABLES:
            unit = GRAIN_UNITS[table.split("_activity_")[1]]
            for a, b in (("floor", "pipeline"), ("pipeline", "floor")):
                total += conn.execute(
                    f"SELECT count(*) FROM (SELECT * EXCLUDE (avg_call_seconds) FROM {a}.marts.{table} "
                    f"WHERE period_start <> date_trunc('{unit}', ?::DATE) EXCEPT ALL "
                    f"SELECT * EXCLUDE (avg_call_seconds) FROM {b}.marts.{table} "
                    f"WHERE period_start <> date_trunc('{unit}', ?::DATE))",
                    [day, day],
                ).fetchone()[0]
        return total


def periods_of(day: date) -> dict[str, date]:
    return {
        "weekly": day - timedelta(days=day.weekday()),
        "monthly": day.replace(day=1),
        "quarterly": date(day.year, 1 + (day.month - 1) // 3 * 3, 1),
        "yearly": date(day.year, 1, 1),
    }


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


# ---------------------------------------------------------------------- results and report


def load_results() -> dict[str, Any]:
    if RESULTS_JSON.exists():
        return json.loads(RESULTS_JSON.read_text())
    return {"scales": {}, "history_pairs": {}}


def save_results(results: dict[str, Any]) -> None:
    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(results, indent=1, default=str))


def median(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def summarize(measurements: Sequence[dict[str, Any]]) -> dict[str, Any]:
    ok = [m for m in measurements if m["returncode"] == 0 and not m["timed_out"]]
    used = ok or list(measurements)
    return {
        "n": len(measurements),
        "ok": len(ok),
        "wall_s": median(m["wall_s"] for m in used),
        "cpu_s": median(m["cpu_s"] for m in used),
        "peak_mib": median(max(m["peak_tree_rss_mib"], m["max_process_rss_mib"]) for m in used),
        "load": [m["load_before"][0] for m in measurements],
    }


def fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}{unit}"


def mib(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024:.2f} GiB" if value >= 1024 else f"{value:.0f} MiB"


LAYERS = (
    ("ingestion (raw)", re.compile(r"^raw__")),
    ("staging", re.compile(r"^(stage_|staging__)")),
    ("facts", re.compile(r"^marts__\w+_activity_")),
    ("analysis", re.compile(r"^marts__")),
    ("reports", re.compile(r"^reports__")),
    ("publish", re.compile(r"^publish")),
)


def layer_of(step: str) -> str:
    return next((name for name, pattern in LAYERS if pattern.search(step)), "other")


def step_at_peak(measurement: dict[str, Any]) -> str:
    """The Dagster step that was running when the process tree's memory peaked."""
    at = measurement["extra"].get("peak_at")
    if not at:
        return "an unrecorded moment"
    steps = measurement["extra"].get("profile", {}).get("steps", [])
    running = [s["step"] for s in steps if "start" in s and s["start"] <= at <= s["end"]]
    return ", ".join(f"`{name}`" for name in running) or "outside any step"


def layer_table(measurement: dict[str, Any]) -> list[str]:
    """Process wall time split into Dagster steps by layer, run overhead and the rest."""
    profile = measurement["extra"]["profile"]
    by_layer: dict[str, float] = {}
    for step in profile.get("steps", []):
        by_layer[layer_of(step["step"])] = by_layer.get(layer_of(step["step"]), 0) + step["seconds"]
    steps = sum(by_layer.values())
    runs = sum(r["seconds"] or 0 for r in profile.get("runs", []))
    wall = measurement["wall_s"]
    rows = sorted(by_layer.items(), key=lambda item: -item[1])
    rows += [("Dagster run overhead (run time outside steps)", runs - steps),
             ("outside Dagster runs (interpreter, imports, definitions, summaries)", wall - runs)]
    lines = ["| part | seconds | share of wall |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {seconds:.1f} | {100 * seconds / wall:.0f}% |" for name, seconds in rows]
    lines.append(f"| **process wall time** | **{wall:.1f}** | |")
    return lines


def step_table(profile: dict[str, Any], top: int) -> list[str]:
    steps = sorted(profile.get("steps", []), key=lambda s: -s["seconds"])
    total = sum(s["seconds"] for s in steps) or 1.0
    lines = ["| step (asset) | job | seconds | share |", "| --- | --- | ---: | ---: |"]
    for step in steps[:top]:
        name = step["step"] + (" (unfinished)" if step.get("unfinished") else "")
        lines.append(f"| `{name}` | {step['job']} | {step['seconds']:.1f} | "
                     f"{100 * step['seconds'] / total:.0f}% |")
    rest = steps[top:]
    if rest:
        seconds = sum(s["seconds"] for s in rest)
        lines.append(f"| {len(rest)} more steps | | {seconds:.1f} | {100 * seconds / total:.0f}% |")
    lines.append(f"| **all steps** | | **{total:.1f}** | |")
    return lines


def check_table(profile: dict[str, Any], top: int) -> list[str]:
    checks = sorted(profile.get("checks", []), key=lambda c: -c["seconds"])
    lines = ["| check | seconds | passed |", "| --- | ---: | --- |"]
    lines += [f"| `{c['check']}` | {c['seconds']:.1f} | {'yes' if c['passed'] else 'NO'} |"
              for c in checks[:top]]
    if len(checks) > top:
        lines.append(f"| {len(checks) - top} more checks | "
                     f"{sum(c['seconds'] for c in checks[top:]):.1f} | |")
    return lines


def run_table(profile: dict[str, Any]) -> list[str]:
    lines = ["| run (job) | partitions | seconds | status |", "| --- | --- | ---: | --- |"]
    lines += [f"| {r['job']} | {r['partition'] or ''} | {fmt(r['seconds'])} | {r['status']} |"
              for r in profile.get("runs", [])]
    return lines


def render(results: dict[str, Any]) -> str:
    info = results.get("machine", {})
    lines = [
        "# Benchmark results",
        "",
        "Generated by `benchmarks/run.py` (see [README](README.md)); do not edit by hand.",
        "",
        f"- command: `{results.get('command', '')}`",
        f"- machine: {info.get('cpu')}, {info.get('cores')} cores, {info.get('ram_gib')} GiB RAM, "
        f"{info.get('os')}",
        f"- software: Python {info.get('python')}, DuckDB {info.get('duckdb')}, "
        f"Dagster {info.get('dagster')}",
        f"- pipeline code: commit {info.get('commit')}, "
        + ("a clean snapshot (`git archive`) first on PYTHONPATH"
           if info.get("code") == "snapshot of the commit"
           else f"the working tree ({info.get('dirty_files')} files with uncommitted changes)"),
        f"- time zone `{results.get('timezone')}`, reporting currency EUR; each scale ends on "
        f"{results.get('end')}, the incremental day",
        "- the machine is shared: the load average (1 min) before each measurement is listed; "
        "figures are medians over the repeats",
        "",
        "## Summary",
        "",
        "| scale | calls | floor wall / CPU / peak | backfill wall / CPU / peak | backfill / floor "
        "| incremental day wall / CPU / peak | facts identical | pipeline commit | load |",
        "| --- | ---: | --- | --- | ---: | --- | --- | --- | --- |",
    ]
    scales = sorted(results["scales"].values(), key=lambda s: (s["reps"], s["days"]))
    for entry in scales:
        floor = summarize(entry.get("floor", [])) if entry.get("floor") else None
        backfill = summarize(entry.get("backfill", [])) if entry.get("backfill") else None
        incremental = entry.get("incremental", {})
        incr = summarize(incremental.get("runs", [])) if incremental.get("runs") else None
        ratio = (backfill["wall_s"] / floor["wall_s"]
                 if floor and backfill and floor["wall_s"] and backfill["wall_s"] else None)

        def cell(summary: dict[str, Any] | None) -> str:
            if summary is None:
                return "-"
            failed = "" if summary["ok"] == summary["n"] else f" ({summary['n'] - summary['ok']} failed)"
            return (f"{fmt(summary['wall_s'], ' s')} / {fmt(summary['cpu_s'], ' s')} / "
                    f"{mib(summary['peak_mib'])} (n={summary['n']}){failed}")

        loads = (floor["load"] if floor else []) + (backfill["load"] if backfill else [])
        lines.append(
            f"| {entry['label']} | {entry.get('calls', '-')} | {cell(floor)} | {cell(backfill)} | "
            f"{fmt(ratio, 'x', 2)} | {cell(incr)} | {entry.get('facts_identical', '-')} | "
            f"{entry.get('commit', '-')} | {', '.join(f'{x:.1f}' for x in loads)} |"
        )
    lines += ["", *render_targets(results), "", *render_history(results), "",
              *render_load(results), "", *render_details(scales)]
    return "\n".join(lines) + "\n"


def render_targets(results: dict[str, Any]) -> list[str]:
    entries = [e for e in results["scales"].values() if e.get("backfill")]
    if not entries:
        return []
    biggest = max(entries, key=lambda e: (e["reps"], e["days"]))
    floor = summarize(biggest["floor"]) if biggest.get("floor") else None
    backfill = summarize(biggest["backfill"])
    incremental = biggest.get("incremental", {})
    incr = summarize(incremental["runs"]) if incremental.get("runs") else None
    peaks = [summarize(m)["peak_mib"] for m in (biggest.get("backfill"), incremental.get("runs"))
             if m]
    load = results.get("code_location_load")
    load_s = median(m["wall_s"] for m in load) if load else None
    pair = next(iter(results.get("history_pairs", {}).values()), None)

    def verdict(ok: bool | None) -> str:
        return "-" if ok is None else "met" if ok else "**missed**"

    ratio = backfill["wall_s"] / floor["wall_s"] if floor and backfill["wall_s"] else None
    growth = pair.get("growth") if pair else None
    return [
        f"## Targets ({biggest['label']})",
        "",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
        f"| full backfill within 2x the floor | {fmt(ratio, 'x', 2)} | "
        f"{verdict(None if ratio is None else ratio <= 2)} |",
        f"| incremental day within 15 s | {fmt(incr['wall_s'] if incr else None, ' s')} | "
        f"{verdict(None if incr is None else incr['wall_s'] <= 15)} |",
        f"| incremental day no more than 20% slower at 4x the history | "
        f"{fmt(None if growth is None else 100 * (growth - 1), '%', 0)} "
        f"{'(' + pair['label'] + ')' if pair else ''} | "
        f"{verdict(None if growth is None else growth <= 1.2)} |",
        f"| peak memory of the process tree under 3 GiB | {mib(max(peaks) if peaks else None)} | "
        f"{verdict(None if not peaks else max(peaks) < 3 * 1024)} |",
        f"| loading the code location under 2 s | {fmt(load_s, ' s', 2)} | "
        f"{verdict(None if load_s is None else load_s < 2)} |",
    ]


def render_history(results: dict[str, Any]) -> list[str]:
    pairs = results.get("history_pairs", {})
    if not pairs:
        return []
    lines = ["## Incremental day against the length of history", "",
             "The same reps and the same last day (so the same weekday and season), with a quarter "
             "of the history; the new day's files are generated independently for each history, "
             "their line counts are listed.", "",
             "| pair | short history: wall / CPU | long history: wall / CPU | long / short | "
             "new lines (short; long) |", "| --- | --- | --- | ---: | --- |"]
    for pair in pairs.values():
        short, long = pair["short"] or {}, pair["long"] or {}
        lines.append(
            f"| {pair['label']} | {fmt(short.get('wall_s'), ' s')} / {fmt(short.get('cpu_s'), ' s')} | "
            f"{fmt(long.get('wall_s'), ' s')} / {fmt(long.get('cpu_s'), ' s')} | "
            f"{fmt(pair.get('growth'), 'x', 2)} | {pair.get('new_rows', '')} |"
        )
    return lines


def render_load(results: dict[str, Any]) -> list[str]:
    runs = results.get("code_location_load")
    if not runs:
        return []
    walls = ", ".join(f"{m['wall_s']:.2f}" for m in runs)
    return ["## Loading the code location", "",
            f"`python -c \"import sales_pipeline.definitions\"` in a fresh interpreter, "
            f"{len(runs)} times: median {fmt(median(m['wall_s'] for m in runs), ' s', 2)} "
            f"(runs: {walls} s), peak {mib(median(m['peak_tree_rss_mib'] for m in runs))}, "
            f"load {', '.join(str(m['load_before'][0]) for m in runs)}."]


def render_details(scales: Sequence[dict[str, Any]]) -> list[str]:
    lines = ["## Details per scale"]
    for entry in scales:
        lines += ["", f"### {entry['label']}", "", f"Landing files: {entry.get('sample', '')}", ""]
        for name in ("floor", "backfill"):
            for i, m in enumerate(entry.get(name, [])):
                status = "ok" if m["returncode"] == 0 and not m["timed_out"] else (
                    "TIMED OUT" if m["timed_out"] else f"exit {m['returncode']}")
                lines.append(
                    f"- {name} run {i + 1}: {m['wall_s']:.1f} s wall, {m['cpu_s']:.1f} s CPU, "
                    f"peak {mib(max(m['peak_tree_rss_mib'], m['max_process_rss_mib']))} "
                    f"(tree sampled {mib(m['peak_tree_rss_mib'])}, largest process "
                    f"{mib(m['max_process_rss_mib'])}), load {m['load_before']} -> "
                    f"{m['load_after']}, {status}"
                )
        if entry.get("facts"):
            lines.append(f"- facts, floor against pipeline: {entry['facts']}")
        incremental = entry.get("incremental")
        if incremental:
            base = incremental["baseline"]
            lines.append(f"- incremental day {incremental['day']}: new lines {incremental['new_rows']}; "
                         f"baseline backfill of the earlier days {base['wall_s']:.1f} s wall, "
                         f"{base['cpu_s']:.1f} s CPU")
            for i, m in enumerate(incremental.get("runs", [])):
                phases = ", ".join(f"{k} {v:.1f} s" for k, v in m["extra"].get("phases", {}).items())
                lines.append(
                    f"- incremental run {i + 1}: {m['wall_s']:.1f} s wall, {m['cpu_s']:.1f} s CPU, "
                    f"peak {mib(max(m['peak_tree_rss_mib'], m['max_process_rss_mib']))}, load "
                    f"{m['load_before']}; phases: {phases}"
                )
                after = m["extra"].get("reports_after")
                if after and after["extra"].get("phases"):
                    phases = ", ".join(f"{k} {v:.1f} s" for k, v in after["extra"]["phases"].items()
                                       if k != "import_and_load_definitions")
                    lines.append(
                        f"  - then the day's reports (report jobs, off the critical path): "
                        f"{after['wall_s']:.1f} s wall, {after['cpu_s']:.1f} s CPU, peak "
                        f"{mib(max(after['peak_tree_rss_mib'], after['max_process_rss_mib']))}; "
                        f"{phases}"
                    )
            if incremental.get("facts"):
                lines.append(f"- incremental facts: {incremental['facts']}")
        floors = entry.get("floor", [])
        if floors and floors[-1]["extra"].get("statements"):
            statements = sorted(floors[-1]["extra"]["statements"], key=lambda s: -s[1])[:8]
            lines += ["", "Floor, slowest statements (last run): " + "; ".join(
                f"`{text.split(' AS')[0]}` {seconds:.1f} s" for text, seconds in statements)]
        backfills = [m for m in entry.get("backfill", []) if m["extra"].get("profile")]
        if backfills:
            profile = backfills[-1]["extra"]["profile"]
            lines += ["", f"Backfill (last run): memory peaked during {step_at_peak(backfills[-1])}.",
                      "", "Backfill (last run): by layer", "", *layer_table(backfills[-1]),
                      "", "Backfill (last run): Dagster runs", "", *run_table(profile), "",
                      "Backfill (last run): where the time goes, per step", "",
                      *step_table(profile, 25), "", "Backfill (last run): asset checks", "",
                      *check_table(profile, 15)]
        runs = [m for m in (incremental or {}).get("runs", []) if m["extra"].get("profile")]
        if runs:
            profile = runs[-1]["extra"]["profile"]
            lines += ["", f"Incremental day (last run): memory peaked during {step_at_peak(runs[-1])}.",
                      "", "Incremental day (last run): by layer", "", *layer_table(runs[-1]),
                      "", "Incremental day (last run): Dagster runs", "", *run_table(profile), "",
                      "Incremental day (last run): where the time goes, per step", "",
                      *step_table(profile, 20), "", "Incremental day (last run): asset checks",
                      "", *check_table(profile, 10)]
    return lines


# ------------------------------------------------------------------------------ driver


def benchmark_scale(scale: Scale, args: argparse.Namespace, results: dict[str, Any]) -> None:
    sample = ensure_sample(scale, args.regenerate)
    entry = results["scales"].setdefault(scale.name, {})
    entry.update(name=scale.name, label=scale.label, reps=scale.reps, days=scale.days,
                 commit=CODE["commit"],
                 sample=f"{sample['summary']} ({sample['bytes'] / 2**20:,.0f} MiB, generator "
                 f"{sample['generator'][:10]})" + (
                     f"; SALES_MAX_REJECTED_SHARE={args.max_rejected_share}"
                     if args.max_rejected_share else ""),
                 calls=_calls(sample["summary"]))
    timeout_s = args.timeout_minutes * 60
    floor_db = scale.dir / "runs" / "floor-reference.duckdb"
    if "floor" in args.phases:
        entry["floor"] = []
        for run in range(args.repeat):
            print(f"[{scale.name}] floor run {run + 1}/{args.repeat} ...", flush=True)
            measurement = measure_floor(scale, run, args.timezone)
            entry["floor"].append(asdict(measurement))
            if measurement.ok:
                shutil.move(scale.dir / "runs" / f"floor-{run}.duckdb", floor_db)
            save_results(results)
    if "backfill" in args.phases:
        entry["backfill"] = []
        facts = []
        for run in range(args.repeat):
            print(f"[{scale.name}] backfill run {run + 1}/{args.repeat} ...", flush=True)
            run_dir = scale.dir / "runs" / f"backfill-{run}"
            measurement = measure_backfill(scale.landing, run_dir, args.timezone, timeout_s)
            warehouse = run_dir / "warehouse.duckdb"
            if floor_db.exists() and warehouse.exists():
                # Also after a failed run: which facts it did build, and whether they are right.
                differences = compare_marts(floor_db, warehouse)
                measurement.extra["differences"] = differences
                facts.append(not differences)
            entry["backfill"].append(asdict(measurement))
            if not args.keep:
                shutil.rmtree(run_dir, ignore_errors=True)
            save_results(results)
        last = entry["backfill"][-1]["extra"] if entry["backfill"] else {}
        entry["facts_identical"] = ("yes" if facts and all(facts) else "NO" if facts else "-")
        entry["facts"] = (
            f"{sum(facts)} of {len(facts)} backfills identical to the floor (12 marts, every row)"
            + ("" if all(facts) else f"; first differences: {last.get('differences', [])[:5]}")
            + f"; held-back files: {last.get('held_back_files')}"
        ) if facts else "not compared"
        failures = sorted({run["job"] for m in entry["backfill"]
                           for run in m["extra"].get("profile", {}).get("runs", [])
                           if run["status"] != "SUCCESS"})
        if failures:
            entry["facts"] += f"; Dagster runs that failed: {', '.join(failures)}"
    if "incremental" in args.phases:
        entry["incremental"] = incremental_with_check(scale, args, floor_db, timeout_s)
    save_results(results)


def incremental_with_check(scale: Scale, args: argparse.Namespace, floor_db: Path,
                           timeout_s: float) -> dict[str, Any]:
    incremental = measure_incremental(scale, args.repeat, args.timezone, timeout_s, args.publish,
                                      args.baseline_timeout_minutes * 60)
    runs = incremental.get("runs", [])
    if runs and Path(runs[-1]["extra"]["warehouse"]).exists() and floor_db.exists():
        warehouse = Path(runs[-1]["extra"]["warehouse"])
        differences = compare_marts(floor_db, warehouse, only_periods=periods_of(scale.end))
        stale = stale_rows_elsewhere(floor_db, warehouse, scale.end)
        incremental["facts"] = (
            ("the four periods containing the day are identical to the floor on all files"
             if not differences else f"DIFFERENCES in the day's periods: {differences[:5]}")
            + f"; rows of other periods that differ (late corrections the run did not rebuild): "
            f"{stale}"
        )
    if not args.keep:
        for path in (scale.dir / "incremental").glob("*"):
            if path.name not in ("landing", "logs"):
                shutil.rmtree(path, ignore_errors=True)
    return incremental


def _calls(summary: str) -> str:
    match = re.search(r"(\d+) calls", summary)
    return f"{int(match.group(1)):,}" if match else "-"


def benchmark_history_pair(reps_scale: Scale, args: argparse.Namespace,
                           results: dict[str, Any]) -> None:
    short = short_history(reps_scale, 4)
    long_entry = results["scales"].get(reps_scale.name, {}).get("incremental")
    if not long_entry or not long_entry.get("runs"):
        print(f"[{reps_scale.name}] no incremental result for the long history: run it first")
        return
    sample = ensure_sample(short, args.regenerate)
    timeout_s = args.timeout_minutes * 60
    short_result = measure_incremental(short, args.repeat, args.timezone, timeout_s, args.publish,
                                       args.baseline_timeout_minutes * 60)
    if not args.keep:
        for path in (short.dir / "incremental").glob("*"):
            if path.name not in ("landing", "logs"):
                shutil.rmtree(path, ignore_errors=True)
    short_summary = summarize(short_result["runs"]) if short_result.get("runs") else None
    long_summary = summarize(long_entry["runs"])
    results["history_pairs"][reps_scale.name] = {
        "label": f"{reps_scale.reps} reps: {short.days} vs {reps_scale.days} days "
                 f"(ending {reps_scale.end})",
        "short": short_summary or {},
        "long": long_summary,
        "growth": (long_summary["wall_s"] / short_summary["wall_s"]
                   if short_summary and short_summary["wall_s"] else None),
        "new_rows": f"{sum(short_result['new_rows'].values()):,}; "
                    f"{sum(long_entry['new_rows'].values()):,}",
        "short_detail": short_result,
        "short_sample": sample.get("summary"),
    }
    save_results(results)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="internal")
    floor = sub.add_parser("_floor", help=argparse.SUPPRESS)
    floor.add_argument("--landing", required=True)
    floor.add_argument("--database", required=True)
    floor.add_argument("--timezone", required=True)
    floor.add_argument("--timings")
    incremental = sub.add_parser("_incremental", help=argparse.SUPPRESS)
    incremental.add_argument("--day", type=date.fromisoformat, required=True)
    incremental.add_argument("--report", required=True)
    incremental.add_argument("--publish", action="store_true")
    incremental.add_argument("--reports-only", action="store_true")
    profile = sub.add_parser("_profile", help=argparse.SUPPRESS)
    profile.add_argument("--skip", default="")

    parser.add_argument("--scales", default="50,200,1000",
                        help="reps per scale, optionally 'REPSxDAYS' (default 50,200,1000)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="days of history (731)")
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END,
                        help=f"last day of every sample, the incremental day ({DEFAULT_END})")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (3)")
    parser.add_argument("--history-pairs", default="",
                        help="reps of the scales whose incremental day is also measured with a "
                             "quarter of the history, e.g. 1000")
    parser.add_argument("--phases", default="floor,backfill,incremental,load",
                        help="what to measure (floor,backfill,incremental,load)")
    parser.add_argument("--timezone", default=DEFAULT_TIMEZONE, help=f"({DEFAULT_TIMEZONE})")
    parser.add_argument("--timeout-minutes", type=float, default=30,
                        help="stop a pipeline run after this long (30)")
    parser.add_argument("--baseline-timeout-minutes", type=float, default=120,
                        help="the same for the backfill an incremental day starts from: it is "
                             "set-up, not a measurement (120)")
    parser.add_argument("--publish", action="store_true",
                        help="include publishing the marts in the incremental day")
    parser.add_argument("--max-rejected-share",
                        help="SALES_MAX_REJECTED_SHARE for the pipeline (its default when unset)")
    parser.add_argument("--quick", action="store_true",
                        help="a small smoke run: 8 reps x 60 days (and 15), one repeat")
    parser.add_argument("--regenerate", action="store_true", help="generate the samples again")
    parser.add_argument("--code", default="HEAD",
                        help="commit whose snapshot is measured, or 'worktree' (HEAD)")
    parser.add_argument("--keep", action="store_true", help="keep warehouses and Dagster homes")
    parser.add_argument("--fresh", action="store_true",
                        help="forget earlier results instead of merging into them")
    args = parser.parse_args(argv)

    if args.internal == "_floor":
        timings = execute_floor(Path(args.landing), Path(args.database), args.timezone)
        if args.timings:
            Path(args.timings).write_text(json.dumps(timings))
        return 0
    if args.internal == "_incremental":
        report = incremental_day(args.day, args.publish, args.reports_only)
        Path(args.report).write_text(json.dumps(report))
        return 1 if report["failed"] else 0
    if args.internal == "_profile":
        print(json.dumps(read_profile([s for s in args.skip.split(",") if s])))
        return 0

    if args.quick:
        args.scales, args.days, args.repeat, args.history_pairs = "8", 60, 1, "8"
        args.max_rejected_share = args.max_rejected_share or "1"
    if args.max_rejected_share:
        EXTRA_ENV["SALES_MAX_REJECTED_SHARE"] = args.max_rejected_share
    args.phases = {p.strip() for p in args.phases.split(",")}
    use_code(args.code)
    scales = parse_scales(args.scales, args.days, args.end)
    pairs = {int(r) for r in args.history_pairs.split(",") if r.strip()}
    results = {"scales": {}, "history_pairs": {}} if args.fresh else load_results()
    results.update(machine=machine(), timezone=args.timezone, end=args.end.isoformat(),
                   command="python -m benchmarks.run " + " ".join(sys.argv[1:] if argv is None
                                                                   else argv))
    for scale in scales:
        benchmark_scale(scale, args, results)
        if scale.reps in pairs and "incremental" in args.phases:
            benchmark_history_pair(scale, args, results)
        RESULTS_MD.write_text(render(results))
    if "load" in args.phases:
        print("code location load ...", flush=True)
        results["code_location_load"] = measure_code_location(5)
        save_results(results)
    RESULTS_MD.write_text(render(results))
    print(f"wrote {RESULTS_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
