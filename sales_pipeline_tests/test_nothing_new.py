"""Nothing new: a backfill, a schedule tick or a sensor tick over unchanged landing files builds
nothing and says so; any change to a file, a setting or the identity map is still seen."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from sales_pipeline.backfill_state import Unchanged, what_changed
from sales_pipeline.changes import NOTHING_CHANGED, inputs_version
from sales_pipeline.partitions import GRAINS
from sales_pipeline.resources import build_resources, open_warehouse
from sales_pipeline.runner import run_backfill
from sales_pipeline.sample import generate_sample
from sales_pipeline.schedules import build_schedules
from sales_pipeline.sensors import landing_files_sensor
from sales_pipeline.settings import SalesSettings
from sales_pipeline_tests.conftest import facts_definitions, settings_for


@dataclass
class Built:
    settings: SalesSettings
    defs: dg.Definitions
    instance: dg.DagsterInstance


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("nothing_new")
    generate_sample(root / "landing", reps=4, days=14, start=date(2026, 1, 5), seed=5)
    settings = settings_for(root / "landing", root, SALES_MAX_REJECTED_SHARE="1")
    defs = facts_definitions(settings)
    with dg.instance_for_test() as instance:
        summary = run_backfill(defs, settings, instance, progress=lambda _: None, reports="none")
        assert summary.success and not summary.nothing_changed, summary.failed
        assert summary.changed == "no warehouse yet"
        yield Built(settings, defs, instance)


def _materializations(instance: dg.DagsterInstance) -> int:
    return len(
        instance.get_event_records(
            dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        )
    )


def _resources(built: Built) -> dict[str, dg.ConfigurableResource]:
    resources = build_resources(built.settings)
    return {"sales_config": resources["sales_config"], "analysis_config": resources["analysis_config"]}


def _what_changed(settings: SalesSettings, **request: object) -> str | Unchanged:
    resources = build_resources(settings)
    inputs = inputs_version(resources["sales_config"], resources["analysis_config"])
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    text = "start={start} end={end} reports={reports}".format(
        **{"start": None, "end": None, "reports": "none", **request}
    )
    with open_warehouse(str(settings.warehouse)) as conn:
        return what_changed(conn, settings, inputs, text, None, today)


def test_second_backfill_over_unchanged_files_builds_nothing(built: Built) -> None:
    runs, materialized = built.instance.get_runs_count(), _materializations(built.instance)
    lines: list[str] = []

    summary = run_backfill(built.defs, built.settings, built.instance, progress=lines.append,
                           reports="none")

    assert summary.success and summary.nothing_changed
    assert summary.runs == [] and summary.periods == {}
    assert any(NOTHING_CHANGED in line.lower() for line in lines), lines
    assert built.instance.get_runs_count() == runs
    assert _materializations(built.instance) == materialized


def test_sensor_tick_over_unchanged_files_skips(built: Built) -> None:
    resources = {"sales_config": _resources(built)["sales_config"]}
    # A fresh cursor, as after a daemon restart: the files are what the backfill's ingestion read.
    context = dg.build_sensor_context(instance=built.instance, resources=resources)
    result = landing_files_sensor(context)
    assert isinstance(result, dg.SkipReason)
    assert NOTHING_CHANGED in (result.skip_message or "")

    new = built.settings.landing_dir / "telephony" / "calls_2026-01-20.csv"
    new.write_text("sid,parent_call_sid,direction,from,to,status,start_time,end_time,duration,"
                   "answered_by\n")
    try:
        context = dg.build_sensor_context(
            instance=built.instance, resources=resources, cursor=context.cursor
        )
        assert isinstance(landing_files_sensor(context), dg.RunRequest)
    finally:
        new.unlink()


def test_schedules_over_unchanged_files_skip(built: Built) -> None:
    by_name = {schedule.name: schedule for schedule in build_schedules(built.settings.timezone)}
    zone = ZoneInfo(built.settings.timezone)
    # Each tick's last complete period is one the backfill built (the data: 5 to 18 January).
    ticks = {
        "daily_ingestion_schedule": datetime(2026, 1, 20, 1, tzinfo=zone),
        "weekly_schedule": datetime(2026, 1, 19, 3, tzinfo=zone),
        "monthly_schedule": datetime(2026, 2, 1, 3, tzinfo=zone),
        "quarterly_schedule": datetime(2026, 4, 1, 3, tzinfo=zone),
        "yearly_schedule": datetime(2027, 1, 1, 3, tzinfo=zone),
    }
    assert set(ticks) == {"daily_ingestion_schedule", *(f"{g.name}_schedule" for g in GRAINS)}
    for name, tick in ticks.items():
        context = dg.build_schedule_context(
            instance=built.instance, scheduled_execution_time=tick, resources=_resources(built)
        )
        result = by_name[name](context)
        assert isinstance(result, dg.SkipReason), (name, result)
        assert NOTHING_CHANGED in (result.skip_message or "")

    # Another as-of day is another build: the schedules run again.
    other = settings_for(built.settings.landing_dir, built.settings.warehouse.parent,
                         SALES_MAX_REJECTED_SHARE="1", SALES_AS_OF="2026-01-14")
    resources = build_resources(other)
    context = dg.build_schedule_context(
        instance=built.instance, scheduled_execution_time=ticks["weekly_schedule"],
        resources={"sales_config": resources["sales_config"],
                   "analysis_config": resources["analysis_config"]},
    )
    requests = by_name["weekly_schedule"](context)
    assert [request.partition_key for request in requests] == ["2026-01-12"]
    assert isinstance(by_name["daily_ingestion_schedule"](context), dg.RunRequest)


def test_changes_that_must_rebuild_are_seen(built: Built, tmp_path: Path) -> None:
    settings = built.settings
    assert isinstance(_what_changed(settings), Unchanged)

    # A setting the marts depend on, another request, a changed or a new file.
    assert "settings" in _what_changed(settings_for(
        settings.landing_dir, settings.warehouse.parent, SALES_MAX_REJECTED_SHARE="1",
        timezone="Europe/Berlin",
    ))
    assert "settings" in _what_changed(settings_for(
        settings.landing_dir, settings.warehouse.parent, SALES_MAX_REJECTED_SHARE="1",
        SALES_AS_OF="2026-01-12",
    ))
    assert "other periods" in _what_changed(settings, start=date(2026, 1, 12))

    events = sorted(settings.landing_dir.glob("crm/Event_*.csv"))[2]
    original = events.read_bytes()
    try:
        events.write_bytes(original.rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n")
        assert _what_changed(settings) == f"changed file {events.relative_to(settings.landing_dir)}"
    finally:
        events.write_bytes(original)
    new = settings.landing_dir / "telephony" / "calls_2026-01-19.csv"
    shutil.copy(sorted(settings.landing_dir.glob("telephony/calls_*.csv"))[0], new)
    try:
        assert _what_changed(settings) == "new file telephony/calls_2026-01-19.csv"
    finally:
        new.unlink()
    assert isinstance(_what_changed(settings), Unchanged)


def test_an_identity_map_change_is_a_change(built: Built, tmp_path: Path) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text("version: 1\nextends: default\nidentity_map: {file: people.csv}\nsources: {}\n")
    people = built.settings.landing_dir / "people.csv"
    people.write_text("crm_user_id,phone_extension\nU1,101\n")
    try:
        with_map = settings_for(
            built.settings.landing_dir, built.settings.warehouse.parent,
            SALES_MAX_REJECTED_SHARE="1", SALES_SOURCES_CONFIG=str(config),
        )
        resources = build_resources(with_map)
        before = inputs_version(resources["sales_config"], resources["analysis_config"])
        people.write_text("crm_user_id,phone_extension\nU1,102\n")
        after = inputs_version(resources["sales_config"], resources["analysis_config"])
        assert before != after
    finally:
        people.unlink()


def test_a_touched_file_is_hashed_and_found_unchanged(built: Built) -> None:
    calls = sorted(built.settings.landing_dir.glob("telephony/calls_*.csv"))[3]
    calls.write_bytes(calls.read_bytes())  # new times, same bytes
    # The backfill hashes the one file whose times moved and finds it unchanged. (The sensor,
    # which reads no content, starts one ingestion for it, which loads nothing.)
    assert isinstance(_what_changed(built.settings), Unchanged)
