"""Benchmark: nothing new, and loading the code location (issue 14).

    .venv/bin/python -m benchmarks.nothing_new --reps 200 --days 731 --repeat 5

1. The landing files of `REPS x DAYS` ending on `--end` (seed 7), in the same folder and with the
   same arguments as `benchmarks.run` (`work/r<R>_d<D>/landing`), generated only if missing.
2. Set-up (not a measurement): one `sales-pipeline backfill` into a fresh warehouse and
   `DAGSTER_HOME` under `work/nothing_new/`.
3. **A second backfill** over the unchanged files, `--repeat` times, each a fresh process
   (`sales-pipeline backfill`, wall time from start to exit): it must say "nothing changed" and
   add no run to the instance.
4. **Sensor and schedule ticks**, `--repeat` times, each a fresh process that loads the code
   location and evaluates the landing sensor (a fresh cursor, as after a daemon restart), the
   nightly ingestion schedule and the four period schedules at their ticks after the last day,
   against the same instance: each must skip with "nothing changed" and no run may be added.
5. **Loading the code location**, `--repeat` times each: `import sales_pipeline.definitions`,
   and that plus resolving the Definitions (the repository, every job, schedule and sensor),
   in a fresh interpreter; the time inside the interpreter is recorded beside the process's.

Results go to `work/nothing_new.json` and to the section of RESULTS.md between the
`nothing_new` markers (the rest of RESULTS.md is `benchmarks.run`'s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
BIN = Path(sys.executable).parent
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- nothing_new: begin -->", "<!-- nothing_new: end -->"
SEED = 7
TIMEZONE = "Europe/Berlin"
NOTHING_CHANGED = "nothing changed"

LOAD = "import time; t = time.perf_counter(); import sales_pipeline.definitions; " \
    "print(json.dumps({'inside_s': time.perf_counter() - t}))"
RESOLVE = (
    "import time; t = time.perf_counter(); import sales_pipeline.definitions as d; "
    "r = d.defs.get_repository_def(); [r.get_job(name) for name in r.job_names]; "
    "r.schedule_defs; r.sensor_defs; print(json.dumps({'inside_s': time.perf_counter() - t}))"
)


def _load_average() -> float:
    return round(os.getloadavg()[0], 2)


def measure(command: Sequence[str], env: dict[str, str]) -> dict[str, Any]:
    """Wall and CPU time (the process and the children it waited for) and peak RSS of one run."""
    load = _load_average()
    began = time.monotonic()
    process = subprocess.Popen(list(command), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    return {
        "wall_s": round(time.monotonic() - began, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_mib": round(usage.ru_maxrss / 1024, 1),
        "returncode": os.waitstatus_to_exitcode(status),
        "load": load,
        "output": output[-4000:],
    }


def pipeline_env(landing: Path, run_dir: Path) -> dict[str, str]:
    home = run_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALES_", "DAGSTER_"))}
    env.update(
        SALES_LANDING_DIR=str(landing), SALES_WAREHOUSE=str(run_dir / "warehouse.duckdb"),
        SALES_REPORTS_DIR=str(run_dir / "reports"), SALES_TIMEZONE=TIMEZONE,
        DAGSTER_HOME=str(home),
    )
    return env


def ensure_landing(reps: int, days: int, end: date) -> Path:
    folder = WORK / f"r{reps}_d{days}"
    landing = folder / "landing"
    start = end - timedelta(days=days - 1)
    marker = folder / "sample.json"
    wanted = {"reps": reps, "days": days, "start": start.isoformat(), "seed": SEED}
    if marker.exists():
        recorded = json.loads(marker.read_text())
        if {key: recorded.get(key) for key in wanted} == wanted:
            return landing
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"generating {reps} reps x {days} days ...", flush=True)
    subprocess.run([str(BIN / "sales-pipeline"), "sample", "--reps", str(reps), "--days",
                    str(days), "--start", start.isoformat(), "--seed", str(SEED), "--out",
                    str(landing)], cwd=ROOT, check=True, capture_output=True)
    marker.write_text(json.dumps({**wanted, "end": end.isoformat()}, indent=2))
    return landing


# ----------------------------------------------------------------- the ticks, in a fresh process


def ticks(end: date) -> dict[str, Any]:
    """Evaluate the landing sensor and every schedule against DAGSTER_HOME's instance."""
    from zoneinfo import ZoneInfo

    import dagster as dg

    began = time.perf_counter()
    from sales_pipeline.definitions import defs
    from sales_pipeline.partitions import GRAINS
    from sales_pipeline.sensors import landing_files_sensor

    loaded = time.perf_counter() - began
    repository = defs.get_repository_def()
    resources = repository.get_top_level_resources()
    zone = ZoneInfo(os.environ["SALES_TIMEZONE"])
    schedule_ticks = {
        "daily_ingestion_schedule": datetime.combine(end + timedelta(days=1), clock(1), zone),
        **{f"{grain.name}_schedule": datetime.combine(grain.period_start(end), clock(3), zone)
           for grain in GRAINS},
    }
    results: dict[str, Any] = {"load_s": round(loaded, 3)}
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs_count()
        began = time.perf_counter()
        context = dg.build_sensor_context(
            instance=instance, resources={"sales_config": resources["sales_config"]}
        )
        outcome = landing_files_sensor(context)
        results["landing_files_sensor"] = _outcome(outcome, time.perf_counter() - began)
        for name, tick in schedule_ticks.items():
            began = time.perf_counter()
            context = dg.build_schedule_context(
                instance=instance, scheduled_execution_time=tick,
                resources={key: resources[key] for key in ("sales_config", "analysis_config")},
            )
            outcome = repository.get_schedule_def(name)(context)
            results[name] = _outcome(outcome, time.perf_counter() - began)
        results["runs_added"] = instance.get_runs_count() - runs
    return results


def _outcome(outcome: Any, seconds: float) -> dict[str, Any]:
    import dagster as dg

    skipped = isinstance(outcome, dg.SkipReason)
    return {"skipped": skipped, "seconds": round(seconds, 3),
            "message": outcome.skip_message if skipped else repr(outcome)[:300]}


def _runs_count(env: dict[str, str]) -> int:
    script = ("import dagster as dg\nwith dg.DagsterInstance.get() as i: "
              "print(i.get_runs_count())")
    return int(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, check=True).stdout.split()[-1])


# ------------------------------------------------------------------------------- measurement


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    landing = ensure_landing(args.reps, args.days, args.end)
    run_dir = WORK / "nothing_new" / f"r{args.reps}_d{args.days}"
    if not args.reuse:
        shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    env = pipeline_env(landing.resolve(), run_dir.resolve())
    backfill = [str(BIN / "sales-pipeline"), "backfill"]
    # With --reuse, the warehouse of an earlier run is brought up to date (a backfill that
    # rebuilds only if the code or settings changed since).
    print("set-up: the first backfill ...", flush=True)
    first = measure(backfill, env)
    if first["returncode"] != 0:
        raise SystemExit(f"the first backfill failed:\n{first['output']}")
    runs = _runs_count(env)

    second = []
    for attempt in range(args.repeat):
        result = measure(backfill, env)
        result["nothing_changed"] = NOTHING_CHANGED in result["output"].lower()
        second.append(result)
        print(f"second backfill {attempt + 1}: {result['wall_s']} s, nothing changed: "
              f"{result['nothing_changed']}", flush=True)
    runs_after_backfills = _runs_count(env)

    tick_runs = []
    for attempt in range(args.repeat):
        result = measure([sys.executable, "-m", "benchmarks.nothing_new", "_ticks",
                          "--end", args.end.isoformat()], env)
        match = re.search(r"^\{.*\}$", result["output"], re.MULTILINE)
        result["ticks"] = json.loads(match.group(0)) if match else None
        tick_runs.append(result)
        print(f"ticks {attempt + 1}: {result['wall_s']} s", flush=True)

    return {
        "scale": {"reps": args.reps, "days": args.days, "end": args.end.isoformat()},
        "first_backfill": {key: first[key] for key in ("wall_s", "cpu_s", "peak_mib", "load")},
        "second_backfill": second,
        "runs_before": runs,
        "runs_added_by_second_backfills": runs_after_backfills - runs,
        "ticks": tick_runs,
    }


def benchmark_load(repeat: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALES_", "DAGSTER_"))}
    home = WORK / "nothing_new" / "load_home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(DAGSTER_HOME=str(home), SALES_WAREHOUSE=str(home / "warehouse.duckdb"))
    found: dict[str, list[dict[str, Any]]] = {"import": [], "import_and_resolve": []}
    for _ in range(repeat):
        for name, script in (("import", LOAD), ("import_and_resolve", RESOLVE)):
            result = measure([sys.executable, "-c", "import json; " + script], env)
            if result["returncode"] != 0:
                raise SystemExit(result["output"])
            result.update(json.loads(result.pop("output").strip().splitlines()[-1]))
            found[name].append(result)
    return found


# -------------------------------------------------------------------------------- the report


def _median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 2)


def render(results: dict[str, Any]) -> str:
    lines = [BEGIN, "## Nothing new, and loading the code location", "",
             "Generated by `benchmarks/nothing_new.py` (README: \"Nothing new\"); "
             f"commit {results.get('commit', '?')}, {results.get('measured_at', '?')}.", ""]
    load = results.get("load")
    if load:
        imports, resolves = load["import"], load["import_and_resolve"]
        lines += [
            "| code location | process wall (median) | inside the interpreter | runs (wall s) | load |",
            "| --- | ---: | ---: | --- | --- |",
            *(f"| {label} | {_median([r['wall_s'] for r in runs])} s | "
              f"{_median([r['inside_s'] for r in runs])} s | "
              f"{', '.join(str(r['wall_s']) for r in runs)} | "
              f"{', '.join(str(r['load']) for r in runs)} |"
              for label, runs in (("`import sales_pipeline.definitions`", imports),
                                  ("import and resolve the Definitions", resolves))),
            "",
        ]
    nothing = results.get("nothing_new")
    if nothing:
        scale = nothing["scale"]
        second, tick_runs = nothing["second_backfill"], nothing["ticks"]
        first = nothing["first_backfill"]
        lines += [
            f"Over unchanged files, {scale['reps']} reps x {scale['days']} days ending "
            f"{scale['end']} (the first backfill, set-up: {first['wall_s']} s):",
            "",
            "| what | wall (median) | CPU | peak | said \"nothing changed\" | runs added | runs (wall s) | load |",
            "| --- | ---: | ---: | ---: | --- | ---: | --- | --- |",
            f"| second `sales-pipeline backfill` (a fresh process) | "
            f"{_median([r['wall_s'] for r in second])} s | "
            f"{_median([r['cpu_s'] for r in second])} s | "
            f"{_median([r['peak_mib'] for r in second])} MiB | "
            f"{sum(r['nothing_changed'] for r in second)} of {len(second)} | "
            f"{nothing['runs_added_by_second_backfills']} | "
            f"{', '.join(str(r['wall_s']) for r in second)} | "
            f"{', '.join(str(r['load']) for r in second)} |",
            f"| sensor and five schedule ticks (a fresh process loading the code location) | "
            f"{_median([r['wall_s'] for r in tick_runs])} s | "
            f"{_median([r['cpu_s'] for r in tick_runs])} s | "
            f"{_median([r['peak_mib'] for r in tick_runs])} MiB | "
            f"{sum(all(t['skipped'] for k, t in r['ticks'].items() if isinstance(t, dict)) for r in tick_runs if r['ticks'])}"
            f" of {len(tick_runs)} (all six skipped) | "
            f"{sum(r['ticks']['runs_added'] for r in tick_runs if r['ticks'])} | "
            f"{', '.join(str(r['wall_s']) for r in tick_runs)} | "
            f"{', '.join(str(r['load']) for r in tick_runs)} |",
            "",
        ]
        last = next((r["ticks"] for r in reversed(tick_runs) if r["ticks"]), None)
        if last:
            lines += ["Each tick of the last run (seconds inside the process, after loading the "
                      f"code location in {last['load_s']} s):", "",
                      "| tick | seconds | skip reason |", "| --- | ---: | --- |"]
            lines += [f"| `{name}` | {tick['seconds']} | {tick['message']} |"
                      for name, tick in last.items() if isinstance(tick, dict)]
            lines.append("")
    lines.append(END)
    return "\n".join(lines)


def update_results_md(results: dict[str, Any]) -> None:
    text = RESULTS_MD.read_text() if RESULTS_MD.exists() else "# Benchmark results\n"
    section = render(results)
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS_MD.write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="?", default="all", choices=["all", "load", "_ticks"])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--days", type=int, default=731)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 3, 4))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the warehouse and instance of an earlier run under work/")
    args = parser.parse_args(argv)
    if args.what == "_ticks":
        print(json.dumps(ticks(args.end)))
        return 0
    path = WORK / "nothing_new.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["load"] = benchmark_load(args.repeat)
    if args.what == "all":
        results["nothing_new"] = benchmark(args)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    results.update(commit=commit, measured_at=datetime.now().isoformat(timespec="minutes"))
    WORK.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
    update_results_md(results)
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
