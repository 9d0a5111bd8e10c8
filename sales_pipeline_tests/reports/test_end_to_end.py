"""Action plans and reports on a generated sample, built by `run_backfill` like the CLI does."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sales_pipeline.analysis.action_plans import shape_violations, unresolved_sources
from sales_pipeline.definitions import build_definitions
from sales_pipeline.facts.metrics import METRICS
from sales_pipeline.marts_catalog import TABLES_BY_NAME
from sales_pipeline.partitions import GRAINS, Grain
from sales_pipeline.reports import formatting as fmt
from sales_pipeline.reports.formatting import add_periods, slug
from sales_pipeline.reports.pages import CAUSE_LABELS, DIRECTION_LABELS
from sales_pipeline.runner import BackfillSummary, run_backfill
from sales_pipeline.sample import generate_sample
from sales_pipeline.settings import SalesSettings
from sales_pipeline_tests.conftest import settings_for
from sales_pipeline_tests.reports.page import ReportPage


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
        f"SELECT period_start, team, department FROM marts.team_activity_{grain.name} "
        "WHERE department <> 'Unassigned'"  # a data-quality finding, not a team
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
            # The sample runs 1 December .. 4 January: its quarters and years are a month of
            # data without targets or a comparison, so only weeks and months get plans.
            if grain.name in ("weekly", "monthly"):
                assert items.get("strength") and items.get("development"), grain.name
                assert items["commitment"] <= items["development"]
            # No plan is drawn from a running period (docs/analysis.md, "Complete periods").
            assert conn.execute(
                f"SELECT count(*) FROM marts.action_plan_{grain.name} JOIN (SELECT DISTINCT "
                f"period_start FROM marts.variance_{grain.name} WHERE NOT is_complete) "
                "USING (period_start)").fetchone() == (0,), grain.name
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


def test_running_periods_read_to_date_and_holiday_weeks_say_so(built: Built) -> None:
    """The sample runs 1 December 2025 .. 4 January 2026 (a Sunday): January, Q1 and 2026 are
    running, and their pages say "to date" with the days run, show targets to date and no
    verdict; the complete Christmas week names its two holidays (docs/analysis.md, "Complete
    periods")."""
    reports = built.settings.reports_dir
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        running = conn.execute(
            "SELECT DISTINCT period_start, days_elapsed, days_in_period FROM marts.variance_monthly "
            "WHERE NOT is_complete").fetchall()
    assert [period for period, *_ in running] == [date(2026, 1, 1)]
    (_, elapsed, days), = running
    for page in (reports / "monthly" / "2026-01-01").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert f"to date ({elapsed} of {days} days)" in text, page
        assert "This period is still running" in text, page
        assert "Target to date" in text, page
        assert not re.search(r'class="status (?:ahead|on_track|at_risk|behind)"', text), page
    for page in (reports / "monthly" / "2025-12-01").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "to date" not in text and "still running" not in text, page
    christmas = (reports / "weekly" / "2025-12-22" / "index.html").read_text(encoding="utf-8")
    assert ("This period had 3 working days: Thu 25 Dec 2025 and Fri 26 Dec 2025 were holidays"
            in christmas)


def test_each_grain_has_a_build_job_for_its_tables_and_a_report_job() -> None:
    defs = build_definitions(SalesSettings.from_env())
    for grain in GRAINS:
        build = defs.resolve_job_def(f"build_{grain.name}")
        report = set(defs.resolve_job_def(f"report_{grain.name}").graph.node_dict)
        # One step builds every table of the grain (grain_step.py), each table its own asset.
        assert set(build.graph.node_dict) == {f"{grain.name}_tables"}
        tables = {key.path[1] for key in build.asset_layer.executable_asset_keys}
        assert tables == {table.name for table in TABLES_BY_NAME.values()
                          if table.grain == grain and not table.is_view}
        assert report == {f"reports__sales_reports_{grain.name}"}


def test_report_metadata_records_the_render_time(built: Built) -> None:
    for grain in GRAINS:
        event = built.instance.get_latest_materialization_event(
            dg.AssetKey(["reports", f"sales_reports_{grain.name}"]))
        assert event is not None and event.asset_materialization is not None
        metadata = event.asset_materialization.metadata
        # One run rendered every period of the grain: one report per team and department file.
        files = [path for path in (built.settings.reports_dir / grain.name).rglob("*.html")
                 if path.name.startswith(("team-", "department-"))]
        assert metadata["reports_written"].value == len(files), grain.name
        assert metadata["ms_per_report"].value > 0


# -- the figures a report shows against the marts they come from ------------------------------

def _records(conn: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _number(value: object) -> float | None:
    """A mart value as the reports compute with it (money columns are DECIMAL in the marts)."""
    return None if value is None else float(value)


def _change(actual: float | None, base: float | None) -> float | None:
    """docs/reports.md: the change against the previous period and last year, relative to the
    base; none when there is no base or it is 0."""
    if actual is None or base is None or base == 0:
        return None
    return (actual - base) / abs(base)


@dataclass
class Group:
    """A team or department report and where its figures live in the marts."""

    grain: Grain
    period: date
    level: str                 # team | department
    name: str
    department: str
    file: str

    @property
    def team(self) -> str | None:
        return self.name if self.level == "team" else None

    def rep_filter(self) -> tuple[str, list[object]]:
        """SQL condition and parameters for the group's reps in the period."""
        if self.level == "team":
            return ("period_start = ? AND team = ? AND department = ?",
                    [self.period, self.name, self.department])
        return "period_start = ? AND department = ?", [self.period, self.department]


def _groups(conn: duckdb.DuckDBPyConnection, grain: Grain) -> list[Group]:
    groups = []
    for period, team, department in conn.execute(
        f"SELECT period_start, team, department FROM marts.team_activity_{grain.name} "
        "WHERE department <> 'Unassigned' ORDER BY ALL"  # a data-quality finding, not a team
    ).fetchall():
        groups.append(Group(grain, period, "team", team, department, f"team-{slug(team)}.html"))
    for period, department in conn.execute(
        f"SELECT period_start, department FROM marts.department_activity_{grain.name} "
        "WHERE department <> 'Unassigned' ORDER BY ALL"
    ).fetchall():
        groups.append(Group(grain, period, "department", department, department,
                            f"department-{slug(department)}.html"))
    return groups


def _facts(conn: duckdb.DuckDBPyConnection, group: Group) -> dict:
    table = f"marts.{group.level}_activity_{group.grain.name}"
    if group.level == "team":
        (row,) = _records(conn, f"SELECT * FROM {table} WHERE period_start = ? AND team = ? "
                          "AND department = ?", [group.period, group.name, group.department])
    else:
        (row,) = _records(conn, f"SELECT * FROM {table} WHERE period_start = ? "
                          "AND department = ?", [group.period, group.department])
    return row


def _variance(conn: duckdb.DuckDBPyConnection, grain: Grain, period: date, level: str,
              entity_id: str, team: str | None, department: str) -> dict[str, dict]:
    found = _records(
        conn,
        f"SELECT * FROM marts.variance_{grain.name} WHERE period_start = ? AND level = ? "
        "AND entity_id = ? AND team IS NOT DISTINCT FROM ? AND department = ?",
        [period, level, entity_id, team, department])
    return {row["metric"]: row for row in found}


def _directions(conn: duckdb.DuckDBPyConnection, grain: Grain, period: date, level: str,
                entity_id: str, team: str | None, department: str) -> dict[str, str]:
    return dict(conn.execute(
        f"SELECT metric, direction FROM marts.trends_{grain.name} WHERE period_start = ? "
        "AND level = ? AND entity_id = ? AND team IS NOT DISTINCT FROM ? AND department = ?",
        [period, level, entity_id, team, department]).fetchall())


def _reps(conn: duckdb.DuckDBPyConnection, group: Group) -> list[dict]:
    """The group's reps as the leaderboard lists them (docs/reports.md, docs/analysis.md): every
    rep as a person (all teams together) under the team the variance mart shows them in, and reps
    with a target but no counted event, with zeros; ranked by sales volume, then name, then id."""
    where, params = group.rep_filter()
    grain = group.grain.name
    return _records(
        conn,
        f"""
        WITH homes AS (
            SELECT DISTINCT period_start, entity_id AS rep_id, entity_name AS rep_name, team,
                   department
            FROM marts.variance_{grain} WHERE level = 'rep'
        )
        SELECT rep_id, coalesce(f.rep_name, h.rep_name) AS rep_name, team, department,
               coalesce(f.sales_volume, 0) AS sales_volume, coalesce(f.orders, 0) AS orders,
               coalesce(f.visits, 0) AS visits, coalesce(f.calls_connected, 0) AS calls_connected,
               coalesce(f.dm_conversations, 0) AS dm_conversations
        FROM homes AS h
        LEFT JOIN marts.rep_total_activity_{grain} AS f USING (period_start, rep_id)
        WHERE {where}
        ORDER BY sales_volume DESC, rep_name, rep_id
        """,
        params)


def _is_complete(conn: duckdb.DuckDBPyConnection, group: Group) -> bool:
    (complete,) = conn.execute(
        f"SELECT DISTINCT is_complete FROM marts.variance_{group.grain.name} "
        "WHERE period_start = ?", [group.period]).fetchone()
    return complete


def _judged(row: dict, running: bool, metric: str, currency: str) -> tuple[str, str]:
    """The target and attainment a table shows: of the days elapsed while the period is running,
    else of the whole period (docs/analysis.md, "Complete periods")."""
    target, attainment = ((row["target_to_date"], row["attainment_to_date"]) if running
                          else (row["target"], row["attainment"]))
    return fmt.metric_value(metric, _number(target), currency), fmt.attainment(attainment)


def _drivers(conn: duckdb.DuckDBPyConnection, group: Group) -> dict[tuple[str, str], dict]:
    """(rep_id, team) -> comparison -> cause and activity metric, of the group's reps."""
    where, params = group.rep_filter()
    found: dict[tuple[str, str], dict] = {}
    for rep_id, team, comparison, cause, activity_metric in conn.execute(
        f"SELECT rep_id, team, comparison, cause, activity_metric "
        f"FROM marts.drivers_{group.grain.name} WHERE {where}", params
    ).fetchall():
        found.setdefault((rep_id, team), {})[comparison] = (cause, activity_metric)
    return found


def _activity_metric(conn: duckdb.DuckDBPyConnection, group: Group,
                     drivers: dict[tuple[str, str], dict]) -> str:
    """docs/reports.md: the activity metric the group's drivers use (visits for field teams,
    connected calls for inside teams); of a mix, the one on most driver rows. A group with no
    seller in the period (only a manager was active) has no driver rows: the one activity
    metric with a target, else the larger of the two."""
    counts = Counter(metric for rows in drivers.values() for _, metric in rows.values())
    if counts:
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]
    assert not _reps(conn, group) or not _is_complete(conn, group), (
        "every seller of a complete period has prior-period and last-year driver rows")
    variance = _variance(conn, group.grain, group.period, group.level, group.name, group.team,
                         group.department)
    targeted = [m for m in ("visits", "calls_connected") if variance[m]["target"] is not None]
    if len(targeted) == 1:
        return targeted[0]
    facts = _facts(conn, group)
    return max(("visits", "calls_connected"), key=lambda m: facts[m] or 0)


def _comparison(drivers: dict[tuple[str, str], dict], reps: int) -> str | None:
    """docs/reports.md: the first of target, previous period and last year that at least half
    of the reps have a base for, else the best covered."""
    order = ("target", "prior_period", "last_year")
    covered = Counter(comparison for rows in drivers.values()
                      for comparison, (cause, _) in rows.items() if cause != "no_base")
    if not covered:
        return None
    for comparison in order:
        if covered[comparison] * 2 >= reps:
            return comparison
    return sorted(order, key=lambda c: (-covered[c], order.index(c)))[0]


def _expected_cards(conn: duckdb.DuckDBPyConnection, group: Group, activity_metric: str,
                    currency: str) -> list[tuple[str, str, str, str, str]]:
    """(label, value, target line, status, comparison line) of each KPI card."""
    facts = _facts(conn, group)
    variance = _variance(conn, group.grain, group.period, group.level, group.name, group.team,
                         group.department)
    directions = _directions(conn, group.grain, group.period, group.level, group.name,
                             group.team, group.department)
    running = not _is_complete(conn, group)
    cards = []
    for metric in ("sales_volume", "orders", activity_metric, "dm_conversations"):
        row = variance[metric]
        # The value shown is the group's fact row (a mis-summed total differs from it).
        actual = _number(facts[metric])
        assert actual == row["actual"], (group, metric)
        target = fmt.metric_value(metric, _number(row["target"]), currency)
        vs_prior = fmt.signed_percent(_change(actual, row["prior_actual"]))
        vs_last_year = fmt.signed_percent(_change(actual, row["last_year_actual"]))
        trend = DIRECTION_LABELS[directions[metric]]
        # No target: the status says so, without a line of dashes.
        target_line = (f"target {target} · {fmt.attainment(row['attainment'])}"
                       if row["target"] is not None else "")
        if running and row["target"] is not None:
            # docs/analysis.md, "Complete periods": the pro-rated target and the pace needed.
            target_line += (f" · to date {fmt.metric_value(metric, row['target_to_date'], currency)}"
                            f" · {fmt.attainment(row['attainment_to_date'])}")
            if row["pace_needed"] is not None:
                target_line += (f" · needs {fmt.metric_value(metric, row['pace_needed'], currency)}"
                                " a working day")
        cards.append((
            fmt.metric_label(metric),
            fmt.metric_value(metric, actual, currency),
            target_line,
            row["status"],
            f"vs previous {group.grain.unit} {vs_prior} · vs last year {vs_last_year} · "
            f"trend {trend}",
        ))
    return cards


def _expected_leaderboard(conn: duckdb.DuckDBPyConnection, group: Group, reps: list[dict],
                          activity_metric: str, comparison: str | None,
                          drivers: dict[tuple[str, str], dict], currency: str
                          ) -> list[tuple[object, ...]]:
    board = []
    running = not _is_complete(conn, group)
    for position, rep in enumerate(reps, start=1):
        sales = _variance(conn, group.grain, group.period, "rep", rep["rep_id"], rep["team"],
                          rep["department"]).get("sales_volume")
        direction = _directions(conn, group.grain, group.period, "rep", rep["rep_id"],
                                rep["team"], rep["department"]).get("sales_volume")
        driver = drivers.get((rep["rep_id"], rep["team"]), {}).get(comparison or "")
        board.append((
            str(position),
            rep["rep_name"],
            *((rep["team"],) if group.level == "department" else ()),
            fmt.money(_number(rep["sales_volume"]), currency),
            *_judged(sales, running, "sales_volume", currency),
            sales["status"],
            fmt.number(rep["orders"]),
            fmt.number(rep[activity_metric]),
            fmt.number(rep["dm_conversations"]),
            DIRECTION_LABELS[direction] if direction else fmt.MISSING,
            fmt.signed_percent(_change(_number(rep["sales_volume"]), sales["prior_actual"])),
            CAUSE_LABELS[driver[0]] if driver else fmt.MISSING,
        ))
    return board


def _shown_leaderboard(page: ReportPage, group: Group) -> list[tuple[object, ...]]:
    rows = []
    status_column = 6 if group.level == "department" else 5
    for cells in page.table("Leaderboard"):
        if len(cells) == 1:  # the one row of an empty board, which says why
            assert cells[0].text.startswith("No seller was active in this period"), cells[0].text
            continue
        texts: list[object] = [cell.text for cell in cells]
        texts[status_column] = cells[status_column].status
        rows.append(tuple(texts))
    return rows


def test_report_kpis_and_leaderboards_show_the_mart_rows(built: Built) -> None:
    """Every team and department report of every grain and period: each KPI card and leaderboard
    figure, formatted by the project's formatting module, equals the mart row it comes from."""
    currency = built.settings.reporting_currency
    checked_paths: set[Path] = set()
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        for grain in GRAINS:
            # A team's counts are the sums of its reps' fact rows. Its sales volume is its own
            # documents' amounts summed, then rounded to cents (docs/contract.md), so it may
            # differ from the sum of its reps' rounded values by their rounding: at most half a
            # cent per rep and half a cent for the team's own.
            (mis_summed,) = conn.execute(
                f"""
                SELECT count(*) FROM marts.team_activity_{grain.name} AS t
                FULL JOIN (
                    SELECT period_start, team, department, count(*) AS reps,
                           sum(sales_volume) AS sales_volume, sum(orders) AS orders,
                           sum(dm_conversations) AS dm_conversations, sum(visits) AS visits,
                           sum(calls_connected) AS calls_connected
                    FROM marts.rep_activity_{grain.name} GROUP BY ALL
                ) AS r USING (period_start, team, department)
                WHERE (t.orders, t.dm_conversations, t.visits, t.calls_connected)
                      IS DISTINCT FROM (r.orders, r.dm_conversations, r.visits, r.calls_connected)
                   OR NOT abs(t.sales_volume - r.sales_volume) <= 0.005 * (r.reps + 1)
                """).fetchone()
            assert mis_summed == 0, grain.name
            for group in _groups(conn, grain):
                path = (built.settings.reports_dir / grain.name / group.period.isoformat()
                        / group.file)
                page = ReportPage(path.read_text(encoding="utf-8"))
                drivers = _drivers(conn, group)
                reps = _reps(conn, group)
                activity_metric = _activity_metric(conn, group, drivers)
                comparison = _comparison(drivers, len(reps))

                shown_cards = [(c.label, c.value, c.target_line, c.status, c.comparison_line)
                               for c in page.cards()]
                assert shown_cards == _expected_cards(conn, group, activity_metric, currency), (
                    path)
                expected_board = _expected_leaderboard(conn, group, reps, activity_metric,
                                                       comparison, drivers, currency)
                assert _shown_leaderboard(page, group) == expected_board, path
                assert _shown_metric_table(page) == _expected_metric_table(conn, group,
                                                                           currency), path
                assert _shown_drivers(page) == _expected_drivers(conn, group, reps, comparison,
                                                                 currency), path
                if group.level == "team":
                    # Each row's link names its rep: a row shows that rep's own figures.
                    links = [cells[1].links for cells in page.table("Leaderboard")
                             if len(cells) > 1]
                    assert links == [[f"#rep-{slug(rep['rep_id'])}-{slug(rep['team'])}"]
                                     for rep in reps], path
                else:
                    _check_team_table(conn, page, group, currency)
                checked_paths.add(path)
    # No report went unchecked: every team and department file written is one of the above.
    written = {path for path in built.settings.reports_dir.rglob("*.html")
               if path.name.startswith(("team-", "department-"))}
    assert written == checked_paths


def _check_team_table(conn: duckdb.DuckDBPyConnection, page: ReportPage, group: Group,
                      currency: str) -> None:
    """A department report's team table: each team's reps, orders, sales volume (its fact row)
    and sales target, attainment and status (its variance row)."""
    teams = _groups(conn, group.grain)
    expected = []
    for team in teams:
        if team.level != "team" or team.period != group.period or (
                team.department != group.department):
            continue
        facts = _facts(conn, team)
        sales = _variance(conn, group.grain, group.period, "team", team.name, team.name,
                          team.department)["sales_volume"]
        expected.append((
            team.name, [team.file], str(len(_reps(conn, team))), fmt.number(facts["orders"]),
            fmt.money(_number(facts["sales_volume"]), currency),
            *_judged(sales, not _is_complete(conn, group), "sales_volume", currency),
            sales["status"]))
    shown = [(cells[0].text, cells[0].links, *(cell.text for cell in cells[1:6]), cells[6].status)
             for cells in page.table("Teams")]
    assert shown == expected, group


def test_published_copy_holds_exactly_the_warehouse_marts(built: Built) -> None:
    """After the run, the published DuckDB has every marts table of the warehouse with the same
    columns and the same rows (as multisets), and nothing else."""
    published = built.settings.published_warehouse
    assert published.exists()
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        conn.execute(f"ATTACH '{published}' AS published (READ_ONLY)")
        (warehouse_db,) = conn.execute("SELECT current_database()").fetchone()

        def columns(database: str) -> dict[str, list[tuple[str, str]]]:
            tables: dict[str, list[tuple[str, str]]] = {}
            for table, column, data_type in conn.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE database_name = ? AND schema_name = 'marts' "
                "ORDER BY table_name, column_index", [database]
            ).fetchall():
                tables.setdefault(table, []).append((column, data_type))
            return tables

        warehouse_tables, published_tables = columns(warehouse_db), columns("published")
        assert sorted(published_tables) == sorted(warehouse_tables)
        assert published_tables == warehouse_tables
        # Facts, analysis and action plans of every grain, at least.
        assert {f"{kind}_{grain.name}" for grain in GRAINS for kind in (
            "rep_activity", "variance", "drivers", "action_plan")} <= set(warehouse_tables)
        for table in warehouse_tables:
            ours, theirs = f"{warehouse_db}.marts.{table}", f"published.marts.{table}"
            (rows, copied, missing, extra) = conn.execute(
                f"SELECT (SELECT count(*) FROM {ours}), (SELECT count(*) FROM {theirs}), "
                f"(SELECT count(*) FROM (SELECT * FROM {ours} EXCEPT ALL SELECT * FROM {theirs})),"
                f"(SELECT count(*) FROM (SELECT * FROM {theirs} EXCEPT ALL SELECT * FROM {ours}))"
            ).fetchone()
            assert (copied, missing, extra) == (rows, 0, 0), table


def _expected_metric_table(conn: duckdb.DuckDBPyConnection, group: Group, currency: str
                           ) -> list[tuple[object, ...]]:
    """"Attainment by metric": every metric of the contract with the group's variance row."""
    facts = _facts(conn, group)
    variance = _variance(conn, group.grain, group.period, group.level, group.name, group.team,
                         group.department)
    directions = _directions(conn, group.grain, group.period, group.level, group.name,
                             group.team, group.department)
    table = []
    running = not _is_complete(conn, group)
    for metric in (m.name for m in METRICS):
        row = variance[metric]
        actual = _number(facts[metric])

        def shown(value: object, metric: str = metric) -> str:
            return fmt.metric_value(metric, _number(value), currency)

        table.append((
            fmt.metric_label(metric), shown(actual),
            *_judged(row, running, metric, currency), row["status"],
            shown(row["prior_actual"]), fmt.signed_percent(_change(actual, row["prior_actual"])),
            shown(row["last_year_actual"]),
            fmt.signed_percent(_change(actual, row["last_year_actual"])),
            DIRECTION_LABELS[directions[metric]],
        ))
    return table


def _shown_metric_table(page: ReportPage) -> list[tuple[object, ...]]:
    return [(*(cell.text for cell in cells[:4]), cells[4].status,
             *(cell.text for cell in cells[5:])) for cells in page.table("Attainment by metric")]


def _expected_drivers(conn: duckdb.DuckDBPyConnection, group: Group, reps: list[dict],
                      comparison: str | None, currency: str) -> list[tuple[str, ...]]:
    """"What drove sales volume": per rep (team report) the driver row of the report's
    comparison; per team (department report) its reps' rows summed, with their causes counted."""
    if comparison is None:
        return []
    where, params = group.rep_filter()
    rows = {(row["rep_id"], row["team"]): row for row in _records(
        conn, f"SELECT * FROM marts.drivers_{group.grain.name} WHERE {where} AND comparison = ? "
        "AND cause <> 'no_base'", [*params, comparison])}
    columns = ("sales_volume", "base_sales_volume", "total_change", "activity_effect",
               "conversion_effect", "value_effect")
    listed = [(rep, rows[(rep["rep_id"], rep["team"])]) for rep in reps
              if (rep["rep_id"], rep["team"]) in rows]
    if group.level == "team":
        entries = [(rep["rep_name"], [row[c] for c in columns], Counter([row["cause"]]))
                   for rep, row in listed]
    else:
        by_team: dict[str, tuple[list[Decimal], Counter]] = {}
        for rep, row in listed:
            sums, causes = by_team.setdefault(rep["team"], ([Decimal(0)] * 6, Counter()))
            sums[:] = [total + row[c] for total, c in zip(sums, columns, strict=True)]
            causes[row["cause"]] += 1
        entries = [(team, sums, causes) for team, (sums, causes) in sorted(by_team.items())]
    table = []
    for name, (sales, base, change, *effects), causes in entries:
        if group.level == "team":
            (cause,) = causes
            cause_text = CAUSE_LABELS[cause]
        else:
            cause_text = ", ".join(f"{CAUSE_LABELS[c]} {n}" for c, n in sorted(causes.items()))
        table.append((name, fmt.money(float(sales), currency), fmt.money(float(base), currency),
                      *(fmt.signed_money(float(v), currency) for v in (change, *effects)),
                      cause_text))
    return table


def _shown_drivers(page: ReportPage) -> list[tuple[str, ...]]:
    note = page.heading_text("What drove sales volume")
    if "No comparison is available" in note or note.startswith("Causes are drawn once"):
        return []
    return [tuple(cell.text for cell in cells) for cells in page.table("What drove sales volume")]


def test_activity_with_no_team_is_a_data_quality_finding_on_the_period_index(
    built: Built,
) -> None:
    """docs/reports.md: 'Unassigned' gets no team or department page; the period index lists
    each rep with activity on days no team membership covered, with the days and the reason."""
    assert not list(built.settings.reports_dir.rglob("*unassigned*.html"))
    found = 0
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        for grain in GRAINS:
            for period, rep_id, days in conn.execute(
                f"SELECT date_trunc('{grain.unit}', activity_date)::DATE, rep_id, "
                "count(DISTINCT activity_date) FROM staging.activities "
                "WHERE department = 'Unassigned' GROUP BY ALL"
            ).fetchall():
                index = built.settings.reports_dir / grain.name / period.isoformat() / "index.html"
                if not index.exists():
                    continue  # a period outside the rendered range
                text = index.read_text(encoding="utf-8")
                assert "Data quality: activity with no team" in text, index
                assert f'<td class="text">{rep_id}</td>' in text, (index, rep_id)
                assert days >= 1
                found += 1
    assert found, "the sample plants days without a team membership"
