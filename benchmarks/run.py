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

This module is the command line and the order of the measurements; the parts live beside it:
workspace.py (code under test, scales, landing samples), floor.py (floor.sql and comparing marts),
measure.py (measured processes and pipeline runs), event_log.py (per-step profile from Dagster's
event log) and results.py (results.json and RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.event_log import read_profile
from benchmarks.floor import compare_marts, execute_floor, periods_of, stale_rows_elsewhere
from benchmarks.measure import (
    EXTRA_ENV,
    incremental_day,
    measure_backfill,
    measure_code_location,
    measure_floor,
    measure_incremental,
)
from benchmarks.results import RESULTS_MD, load_results, render, save_results, summarize
from benchmarks.workspace import (
    CODE,
    DEFAULT_DAYS,
    DEFAULT_END,
    DEFAULT_TIMEZONE,
    ROOT,
    Scale,
    ensure_sample,
    git,
    parse_scales,
    short_history,
    use_code,
)


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
