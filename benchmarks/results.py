"""Results: benchmarks/work/results.json (every run merges into it) and its rendering,
benchmarks/RESULTS.md."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from benchmarks.workspace import BENCH, WORK

RESULTS_JSON = WORK / "results.json"
RESULTS_MD = BENCH / "RESULTS.md"


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
    # Since one step builds a grain's facts and analysis (grain_step.py): <grain>_tables.
    ("facts and analysis", re.compile(r"^[a-z]+_(tables|facts|analysis|action_plan)$")),
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


# Issue 14's targets: the backfill within 3x the floor at 200 and 1000 reps, the incremental day at
# 200 reps within 8 s and at most 10% slower with 4x the history, peak memory under 2 GiB at every
# scale, the code location loaded in under 1.5 s.
BACKFILL_RATIO, INCREMENTAL_REPS, INCREMENTAL_S, HISTORY_GROWTH = 3.0, 200, 8.0, 1.10
PEAK_MIB, LOAD_S = 2 * 1024, 1.5


def render_targets(results: dict[str, Any]) -> list[str]:
    entries = sorted((e for e in results["scales"].values() if e.get("backfill")),
                     key=lambda e: (e["reps"], e["days"]))
    if not entries:
        return []

    def verdict(ok: bool | None) -> str:
        return "-" if ok is None else "met" if ok else "**missed**"

    rows = []
    for entry in entries:
        floor = summarize(entry["floor"]) if entry.get("floor") else None
        backfill = summarize(entry["backfill"])
        ratio = backfill["wall_s"] / floor["wall_s"] if floor and backfill["wall_s"] else None
        rows.append(f"| full backfill within {BACKFILL_RATIO:g}x the floor, {entry['label']} | "
                    f"{fmt(ratio, 'x', 2)} | "
                    f"{verdict(None if ratio is None else ratio <= BACKFILL_RATIO)} |")
    for entry in entries:
        runs = entry.get("incremental", {}).get("runs")
        if entry["reps"] != INCREMENTAL_REPS or not runs:
            continue
        wall = summarize(runs)["wall_s"]
        rows.append(f"| incremental day within {INCREMENTAL_S:g} s, {entry['label']} | "
                    f"{fmt(wall, ' s')} | {verdict(None if wall is None else wall <= INCREMENTAL_S)} |")
    for pair in results.get("history_pairs", {}).values():
        growth = pair.get("growth")
        rows.append(f"| incremental day at most {100 * (HISTORY_GROWTH - 1):.0f}% slower at 4x the "
                    f"history ({pair['label']}) | "
                    f"{fmt(None if growth is None else 100 * (growth - 1), '%', 0)} | "
                    f"{verdict(None if growth is None else growth <= HISTORY_GROWTH)} |")
    peaks = [summarize(runs)["peak_mib"] for entry in entries
             for runs in (entry.get("backfill"), entry.get("incremental", {}).get("runs")) if runs]
    rows.append(f"| peak memory of the process tree under {mib(PEAK_MIB)} at every scale | "
                f"{mib(max(peaks) if peaks else None)} | "
                f"{verdict(None if not peaks else max(peaks) < PEAK_MIB)} |")
    load = results.get("code_location_load")
    load_s = median(m["wall_s"] for m in load) if load else None
    rows.append(f"| loading the code location under {LOAD_S:g} s | {fmt(load_s, ' s', 2)} | "
                f"{verdict(None if load_s is None else load_s < LOAD_S)} |")
    return ["## Targets (issue 14)", "", "| target | measured | verdict |", "| --- | --- | --- |",
            *rows]


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
