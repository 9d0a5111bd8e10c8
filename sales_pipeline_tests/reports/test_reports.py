"""The report assets on hand-made marts: every team and department, self-contained, re-runnable."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sales_pipeline.analysis.action_plans import build_action_plan_asset, build_action_plans
from sales_pipeline.dagster_internals import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from sales_pipeline.partitions import MONTHLY
from sales_pipeline.reports.assets import build_report_asset
from sales_pipeline.reports.charts import COLORS
from sales_pipeline.reports.data import load_report_data
from sales_pipeline.reports.formatting import slug
from sales_pipeline.reports.pages import STATUS_LABELS, TEMPLATES_DIR
from sales_pipeline.reports.render import render_reports
from sales_pipeline.resources import build_resources
from sales_pipeline.settings import SalesSettings
from sales_pipeline_tests.reports.handmade import ROSTER, insert, populate, variance_row

PERIODS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
TEAMS = sorted({(team, department) for _, _, team, department in ROSTER})
DEPARTMENTS = sorted({department for _, _, _, department in ROSTER})
# Seeded in the last period only: a team and department with targets but no fact rows.
NEW_GROUP = ("Launch Team", "Expansion")
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|"""
                      r"""<link\b|<script\b""", re.IGNORECASE)


@dataclass
class Rendered:
    settings: SalesSettings
    result: dg.ExecuteInProcessResult

    @property
    def reports(self) -> Path:
        return self.settings.reports_dir / "monthly"


def settings_for(root: Path) -> SalesSettings:
    return SalesSettings.from_env({
        "SALES_WAREHOUSE": str(root / "warehouse.duckdb"),
        "SALES_REPORTS_DIR": str(root / "reports"),
        "SALES_HISTORY_START": "2025-01-01",
    })


def materialize(settings: SalesSettings, first: str, last: str) -> dg.ExecuteInProcessResult:
    """The action plan and the reports of the monthly grain over [first, last], as one run."""
    assets = [build_action_plan_asset(MONTHLY, settings), build_report_asset(MONTHLY, settings)]
    with dg.instance_for_test() as instance:
        return dg.materialize(
            assets,
            resources=build_resources(settings),
            instance=instance,
            tags={ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last},
            raise_on_error=False,
        )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    settings = settings_for(tmp_path_factory.mktemp("reports"))
    with duckdb.connect(str(settings.warehouse)) as conn:
        populate(conn, MONTHLY, PERIODS)
        # A rep with targets but not one counted event in March: in the variance, not the facts.
        insert(conn, "marts.variance_monthly", [
            variance_row(MONTHLY, PERIODS[-1], "F99", "Field North", "Field", metric, 0.0, target)
            for metric, target in (("sales_volume", 3000.0), ("orders", 3.0), ("visits", 20.0))])
        conn.execute("UPDATE marts.variance_monthly SET entity_name = 'Zed Idle' "
                     "WHERE entity_id = 'F99'")
        # A new team in a new department whose only rep has a target and no activity yet.
        insert(conn, "marts.variance_monthly", [
            variance_row(MONTHLY, PERIODS[-1], "N01", *NEW_GROUP, "sales_volume", 0.0, 1000.0)])
        conn.execute("UPDATE marts.variance_monthly SET entity_name = 'Nia Newhire' "
                     "WHERE entity_id = 'N01'")
    yield Rendered(settings, materialize(settings, "2026-01-01", "2026-03-01"))


def page(path: Path) -> str:
    """The report as a reader sees its text: entities decoded, white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(path.read_text(encoding="utf-8")))


def words(path: Path) -> str:
    """Only the text, without tags: table cells read as one line."""
    text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", html.unescape(text))


def test_one_run_renders_every_team_and_department_of_every_period(rendered: Rendered) -> None:
    assert rendered.result.success
    for period in PERIODS:
        folder = rendered.reports / period.isoformat()
        expected = {f"team-{slug(team)}.html" for team, _ in TEAMS}
        expected |= {f"department-{slug(d)}.html" for d in DEPARTMENTS}
        if period == PERIODS[-1]:
            expected |= {f"team-{slug(NEW_GROUP[0])}.html", f"department-{slug(NEW_GROUP[1])}.html"}
        assert {p.name for p in folder.iterdir()} == expected | {"index.html"}
        index = page(folder / "index.html")
        for team, _ in TEAMS:
            assert team in index
    root = (rendered.settings.reports_dir / "index.html").read_text()
    for period in PERIODS:
        assert f'href="monthly/{period.isoformat()}/index.html"' in root


def test_reports_are_self_contained(rendered: Rendered) -> None:
    pages = sorted(rendered.settings.reports_dir.rglob("*.html"))
    assert len(pages) == 3 * (len(TEAMS) + len(DEPARTMENTS) + 1) + 2 + 1
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert not EXTERNAL.search(text), path
        for source in re.findall(r'<img[^>]*\ssrc="([^"]*)"', text):
            assert source.startswith("data:image/svg+xml;base64,"), path
        assert not list(path.parent.glob(".*.tmp"))


def test_team_report_shows_its_reps_figures_and_action_plans(rendered: Rendered) -> None:
    with duckdb.connect(str(rendered.settings.warehouse), read_only=True) as conn:
        plans = conn.execute(
            "SELECT team, statement FROM marts.action_plan_monthly "
            "WHERE period_start = DATE '2026-03-01'").fetchall()
    assert plans
    for team, department in TEAMS:
        text = page(rendered.reports / "2026-03-01" / f"team-{slug(team)}.html")
        assert f"<h1>{team}</h1>" in text
        assert f"department {department}" in text
        for section in ("At a glance", "Leaderboard", "Attainment by metric", "Trend",
                        "What drove sales volume", "Action plans"):
            assert f"<h2>{section}</h2>" in text
        for _, name, rep_team, _ in ROSTER:
            assert (name in text) == (rep_team == team)
        for plan_team, statement in plans:
            assert (statement in text) == (plan_team == team)
        assert text.count("<img class=\"chart\"") == 2  # trend and drivers
    # Names are escaped, never markup.
    raw = (rendered.reports / "2026-03-01" / "team-field-south-coast.html").read_text()
    assert "Gus &lt;Field&gt;" in raw and "<Field>" not in raw


def test_rep_with_a_target_and_no_activity_is_on_the_leaderboard(rendered: Rendered) -> None:
    folder = rendered.reports / "2026-03-01"
    assert "Zed Idle 0 EUR 3,000 EUR 0% Behind" in words(folder / "team-field-north.html")
    assert "Zed Idle" not in page(folder / "team-field-south-coast.html")


def test_team_and_department_without_any_activity_get_their_pages(rendered: Rendered) -> None:
    folder = rendered.reports / "2026-03-01"
    team, department = NEW_GROUP
    assert "Nia Newhire 0 EUR 1,000 EUR 0% Behind" in words(folder / f"team-{slug(team)}.html")
    assert "Nia Newhire" in words(folder / f"department-{slug(department)}.html")
    assert team in words(folder / "index.html")


def test_department_report_lists_every_team_and_the_commitments(rendered: Rendered) -> None:
    with duckdb.connect(str(rendered.settings.warehouse), read_only=True) as conn:
        commitments = conn.execute(
            "SELECT department, statement FROM marts.action_plan_monthly "
            "WHERE period_start = DATE '2026-03-01' AND item = 'commitment'").fetchall()
    assert commitments
    for department in DEPARTMENTS:
        text = page(rendered.reports / "2026-03-01" / f"department-{slug(department)}.html")
        for team, team_department in TEAMS:
            assert (f'href="team-{slug(team)}.html"' in text) == (team_department == department)
        for commitment_department, statement in commitments:
            assert (statement in text) == (commitment_department == department)
        assert text.count("<img class=\"chart\"") == 3  # attainment by team, trend, drivers


def test_first_period_reports_without_prior_period_or_last_year(rendered: Rendered) -> None:
    text = page(rendered.reports / "2026-01-01" / "team-field-north.html")
    assert "vs previous month \u2013 · vs last year \u2013" in text
    # Drivers fall back to the target, the one comparison January has.
    assert "Each rep's change in sales volume against target split into three factors" in text


def test_materialization_metadata_has_files_tables_and_a_chart(rendered: Rendered) -> None:
    # A range run records one materialization per partition, each with the run's metadata.
    reports = [m for m in rendered.result.get_asset_materialization_events()
               if m.asset_key.path[0] == "reports"]
    assert sorted(m.partition for m in reports) == [p.isoformat() for p in PERIODS]
    metadata = reports[-1].materialization.metadata
    assert metadata["reports_written"].value == 3 * (len(TEAMS) + len(DEPARTMENTS)) + 2
    assert metadata["periods"].value == 3
    assert Path(metadata["example_report"].value).is_file()
    assert "Field North" in metadata["latest_teams"].value
    assert "Ada Field" in metadata["latest_leaderboard"].value
    assert "data:image/svg+xml;base64," in metadata["latest_attainment_chart"].value
    [plan] = [m for m in rendered.result.get_asset_materialization_events()
              if m.asset_key.path[1] == "action_plan_monthly"][-1:]
    plan_metadata = plan.materialization.metadata
    assert plan_metadata["developments"].value > 0
    assert "data:image/svg+xml;base64," in plan_metadata["cost_by_cause_chart"].value
    checks = rendered.result.get_asset_check_evaluations()
    assert {c.check_name for c in checks} == {"sources_resolve", "plan_shape"}
    assert all(c.passed for c in checks)


def test_rerendering_rewrites_the_same_bytes_and_drops_stale_files(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    with duckdb.connect(str(settings.warehouse)) as conn:
        populate(conn, MONTHLY, PERIODS[:1])  # one period: nothing before it at all
    assert materialize(settings, "2026-01-01", "2026-01-01").success
    folder = settings.reports_dir / "monthly" / "2026-01-01"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    (folder / "team-disbanded.html").write_text("old")
    (folder / ".team-field-north.html.abc.tmp").write_text("half")
    assert materialize(settings, "2026-01-01", "2026-01-01").success
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_rendering_in_worker_processes_writes_the_same_files(
    rendered: Rendered, tmp_path: Path
) -> None:
    with duckdb.connect(str(rendered.settings.warehouse), read_only=True) as conn:
        data = load_report_data(conn, MONTHLY, PERIODS[0], date(2026, 4, 1))
    contents = []
    for workers in (1, 2):
        result = render_reports(data, tmp_path / str(workers), "EUR", workers=workers)
        assert result.workers == workers
        contents.append({p.relative_to(tmp_path / str(workers)): p.read_bytes()
                         for p in (tmp_path / str(workers)).rglob("*.html")})
    assert contents[0] == contents[1]
    assert len(contents[0]) == 3 * (len(TEAMS) + len(DEPARTMENTS) + 1) + 2 + 1


def test_a_period_whose_activity_was_withdrawn_loses_its_reports(tmp_path: Path) -> None:
    january, february = PERIODS[0], PERIODS[1]
    with duckdb.connect() as conn:
        populate(conn, MONTHLY, PERIODS[:1])
        build_action_plans(conn, MONTHLY, january, february, currency="EUR", normal_band=0.1)
        render_reports(load_report_data(conn, MONTHLY, january, february), tmp_path, "EUR")
        assert (tmp_path / "monthly" / "2026-01-01" / "index.html").is_file()
        for level in ("rep", "team", "department"):
            conn.execute(f"DELETE FROM marts.{level}_activity_monthly")
        result = render_reports(load_report_data(conn, MONTHLY, january, february), tmp_path,
                                "EUR")
    assert result.reports == 0 and result.removed == len(TEAMS) + len(DEPARTMENTS) + 1
    assert not (tmp_path / "monthly" / "2026-01-01").exists()
    assert "2026-01-01" not in (tmp_path / "index.html").read_text()


def test_every_status_has_a_colour_and_a_badge_style() -> None:
    """A status without a CSS rule renders as white text on nothing: an invisible badge (the
    first running-period pages had one)."""
    styles = (TEMPLATES_DIR / "base.html").read_text(encoding="utf-8")
    for status in STATUS_LABELS:
        assert status in COLORS, status
        assert f".status.{status} {{ background: var(--{status}); }}" in styles, status
        assert f"--{status}: {{{{ colors.{status} }}}};" in styles, status
