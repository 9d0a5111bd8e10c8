"""Action plans and reports on a generated sample, built by `run_backfill` like the CLI does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import dagster as dg
import duckdb
import pytest

from sales_pipeline.analysis.action_plans import shape_violations, unresolved_sources
from sales_pipeline.definitions import build_definitions
from sales_pipeline.partitions import GRAINS, Grain
from sales_pipeline.reports.formatting import add_periods, slug
from sales_pipeline.runner import BackfillSummary, run_backfill
from sales_pipeline.sample import generate_sample
from sales_pipeline.settings import SalesSettings
from sales_pipeline_tests.conftest import settings_for


@dataclass
class Built:
    settings: SalesSettings
    instance: dg.DagsterInstance
    summary: BackfillSummary


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("end_to_end")
    generate_sample(root / "landing", reps=8, days=35, start=date(2025, 12, 1), seed=3)
    settings = settings_for(root / "landing", root, timezone="Europe/Athens")
    with dg.instance_for_test() as instance:
        summary = run_backfill(build_definitions(settings), settings, instance,
                               progress=lambda _: None, reports="all")
        yield Built(settings, instance, summary)


def periods_and_teams(conn: duckdb.DuckDBPyConnection, grain: Grain
                      ) -> dict[date, tuple[set[str], set[str]]]:
    rows = conn.execute(
        f"SELECT period_start, team, department FROM marts.team_activity_{grain.name}"
    ).fetchall()
    result: dict[date, tuple[set[str], set[str]]] = {}
    for period, team, department in rows:
        teams, departments = result.setdefault(period, (set(), set()))
        teams.add(team)
        departments.add(department)
    return result


def test_backfill_builds_action_plans_and_reports_for_every_grain(built: Built) -> None:
    assert built.summary.success, built.summary.failed
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        for grain in GRAINS:
            covered = periods_and_teams(conn, grain)
            first, last = min(covered), max(covered)
            end = add_periods(grain, last, 1)
            items = dict(conn.execute(
                f"SELECT item, count(*) FROM marts.action_plan_{grain.name} GROUP BY item"
            ).fetchall())
            assert items.get("strength") and items.get("development"), grain.name
            assert items["commitment"] <= items["development"]
            assert unresolved_sources(conn, grain, first, end, currency="EUR") == []
            assert shape_violations(conn, grain, first, end) == []
            for period, (teams, departments) in covered.items():
                folder = built.settings.reports_dir / grain.name / period.isoformat()
                names = {p.name for p in folder.iterdir()}
                assert {f"team-{slug(t)}.html" for t in teams} <= names, (grain.name, period)
                assert {f"department-{slug(d)}.html" for d in departments} <= names
                assert "index.html" in names
                for team in teams:
                    text = (folder / f"team-{slug(team)}.html").read_text(encoding="utf-8")
                    assert f"<h1>{team}</h1>" in text
                    assert not re.search(r"(?:src|href)=\"https?://", text)


def test_each_grain_has_a_build_job_for_its_tables_and_a_report_job() -> None:
    defs = build_definitions(SalesSettings.from_env())
    for grain in GRAINS:
        build = set(defs.resolve_job_def(f"build_{grain.name}").graph.node_dict)
        report = set(defs.resolve_job_def(f"report_{grain.name}").graph.node_dict)
        assert f"marts__action_plan_{grain.name}" in build
        assert report == {f"reports__sales_reports_{grain.name}"}


def test_report_metadata_records_the_render_time(built: Built) -> None:
    for grain in GRAINS:
        event = built.instance.get_latest_materialization_event(
            dg.AssetKey(["reports", f"sales_reports_{grain.name}"]))
        assert event is not None and event.asset_materialization is not None
        metadata = event.asset_materialization.metadata
        assert metadata["reports_written"].value > 0
        assert metadata["ms_per_report"].value > 0
