"""Where a pipeline run's time goes: per run, step (asset) and check, from a Dagster instance's
event log."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.workspace import CODE, HELPER, code_env

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
