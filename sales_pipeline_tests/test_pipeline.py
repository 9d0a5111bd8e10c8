"""The whole pipeline on a small generated sample: every asset, its checks, re-runs, the sensor."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from benchmarks.floor import compare_marts, execute_floor
from sales_pipeline.analysis.action_plans import build_action_plans
from sales_pipeline.analysis.assets import rebuild
from sales_pipeline.cli import main
from sales_pipeline.dagster_internals import ASSET_PARTITION_RANGE_START_TAG
from sales_pipeline.definitions import build_definitions
from sales_pipeline.facts.assets import build_fact_periods
from sales_pipeline.facts.levels import LEVELS
from sales_pipeline.facts.metrics import METRICS
from sales_pipeline.marts_catalog import markdown, mart_tables
from sales_pipeline.partitions import GRAINS, WEEKLY
from sales_pipeline.resources import PERIODS_DONE, Warehouse, build_resources
from sales_pipeline.runner import BackfillSummary, run_backfill
from sales_pipeline.sample import SampleSummary, generate_sample
from sales_pipeline.sensors import landing_files_sensor
from sales_pipeline.settings import SalesSettings
from sales_pipeline_tests.browser import UI, dagster_ui
from sales_pipeline_tests.conftest import settings_for


@dataclass
class Built:
    settings: SalesSettings
    defs: dg.Definitions
    instance: dg.DagsterInstance
    summary: BackfillSummary
    sample: SampleSummary  # what the generator wrote, and the defects it planted
    progress: list[str]  # what the backfill printed


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("pipeline")
    sample = generate_sample(root / "landing", reps=8, days=70, start=date(2025, 12, 1), seed=3)
    settings = settings_for(root / "landing", root, timezone="Europe/Athens")
    defs = build_definitions(settings)
    with dg.instance_for_test() as instance:
        progress: list[str] = []
        summary = run_backfill(defs, settings, instance, progress=progress.append)
        yield Built(settings, defs, instance, summary, sample, progress)


def test_backfill_renders_the_reports_of_the_latest_complete_period_of_each_grain(
    built: Built,
) -> None:
    """The sample's data runs to Sunday 8 February 2026: the week of 2 February is complete (its
    weekend is all that is left), February, Q1 and 2026 are running, so the reports are of that
    week, January, Q4 2025 and 2025 (docs/analysis.md, "Complete periods")."""
    assert built.summary.reported_periods == {grain.name: 1 for grain in GRAINS}
    expected = {"weekly": "2026-02-02", "monthly": "2026-01-01", "quarterly": "2025-10-01",
                "yearly": "2025-01-01"}
    for grain in GRAINS:
        folders = [p.name for p in (built.settings.reports_dir / grain.name).iterdir() if p.is_dir()]
        assert folders == [expected[grain.name]], grain.name
        with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
            (latest_complete,) = conn.execute(
                f"SELECT max(period_start) FROM marts.variance_{grain.name} WHERE is_complete"
            ).fetchone()
        assert latest_complete.isoformat() == expected[grain.name], grain.name


def mart_fingerprints(warehouse: Path) -> dict[str, str]:
    """A hash of every mart table's full content, in a stable order."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = [t for (t,) in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
        ).fetchall()]
        return {
            table: conn.execute(
                f"SELECT md5(coalesce(string_agg(t::VARCHAR, '\n' ORDER BY t::VARCHAR), '')) "
                f"FROM marts.{table} AS t"
            ).fetchone()[0]
            for table in tables
        }


def chf_documents_before_the_first_chf_rate(landing: Path) -> int:
    """Document rows in CHF dated before the first CHF rate, read from the landing files."""
    with (landing / "erp" / "fx_rates.csv").open(newline="") as handle:
        first_rate = min(r["date"] for r in csv.DictReader(handle) if r["currency"] == "CHF")
    count = 0
    for path in sorted(landing.glob("erp/sales_documents_*.csv")):
        with path.open(newline="") as handle:
            count += sum(row.get("currency") == "CHF" and (row.get("document_date") or "")
                         < first_rate for row in csv.DictReader(handle))
    return count


def test_backfill_builds_every_grain(built: Built) -> None:
    assert built.summary.success, built.summary.failed
    # 70 days from Monday 2025-12-01 are ten ISO weeks to Sunday 2026-02-08; no activity of
    # this sample falls outside them in Athens time.
    assert built.summary.periods["weekly"] == 10
    assert built.summary.periods["monthly"] == 3  # December, January, February
    assert built.summary.periods["quarterly"] == 2
    assert built.summary.periods["yearly"] == 2
    # The sample breaks the contract on purpose in two ways only: the rows the generator
    # corrupted (its defect log, one rule broken per row) and every version of a CHF document
    # dated before the first CHF rate (no FX rate yet). Each is quarantined, nothing else.
    assert built.summary.quarantined_rows == (
        built.sample.malformed + chf_documents_before_the_first_chf_rate(built.settings.landing_dir)
    )
    facts = [t for t in mart_fingerprints(built.settings.warehouse) if "_activity_" in t]
    assert len(facts) == 16  # the contract's twelve and the four rep totals


def test_every_check_of_every_run_passes(built: Built) -> None:
    evaluations = []
    for run_id in built.summary.runs:
        records = built.instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
        evaluations += [r.event_log_entry.dagster_event.event_specific_data for r in records]
    failed = [
        (e.asset_key.to_user_string(), e.check_name)
        for e in evaluations
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert failed == []
    # Every check the code location defines was evaluated by the backfill's runs.
    defined = {(key.asset_key.to_user_string(), key.name)
               for key in built.defs.resolve_asset_graph().asset_check_keys}
    assert {(e.asset_key.to_user_string(), e.check_name) for e in evaluations} == defined


def test_range_backfill_is_one_run_per_grain(built: Built) -> None:
    weekly_runs = [
        built.instance.get_run_by_id(run_id)
        for run_id in built.summary.runs
        if built.instance.get_run_by_id(run_id).job_name == "build_weekly"
    ]
    assert len(weekly_runs) == 1
    assert weekly_runs[0].tags[ASSET_PARTITION_RANGE_START_TAG] == "2025-12-01"
    materialized = built.instance.get_materialized_partitions(
        dg.AssetKey(["marts", "rep_activity_weekly"])
    )
    assert len(materialized) == built.summary.periods["weekly"]


def test_steps_report_the_periods_done_of_the_total(built: Built) -> None:
    """A step over many periods logs `<table>: done/total periods` in its run's log, at most ten
    times, ascending (once, for a sample this small); the backfill passes the latest of them on
    (`  <table>: n/n periods`)."""
    weeks = built.summary.periods["weekly"]
    assert weeks > 1
    (run_id,) = [run_id for run_id in built.summary.runs
                 if built.instance.get_run_by_id(run_id).job_name == "build_weekly"]
    said: dict[str, list[tuple[int, int]]] = {}
    for entry in built.instance.all_logs(run_id):
        match = PERIODS_DONE.match(entry.user_message) if entry.dagster_event is None else None
        if match:
            said.setdefault(match["what"], []).append((int(match["done"]), int(match["total"])))
    steps = ("marts.rep_activity_weekly", "marts.variance_weekly", "marts.trends_weekly",
             "marts.action_plan_weekly")
    assert set(steps) <= set(said)
    for table in steps:
        done = [d for d, _ in said[table]]
        assert {total for _, total in said[table]} == {weeks}, table
        assert done == sorted(set(done)) and done[-1] == weeks and len(done) <= 10, table
    assert any(re.fullmatch(rf"  marts\.\w+_weekly: {weeks}/{weeks} periods", line)
               for line in built.progress), built.progress


def test_building_periods_in_runs_gives_the_marts_of_one_run(built: Built) -> None:
    """Long steps build their periods in runs to report progress: forced into as many runs as
    they may take (ten at most), the weekly facts, analysis and action plans come out row for row
    as the backfill made them in one."""
    before = mart_fingerprints(built.settings.warehouse)
    weeks = built.summary.periods["weekly"]
    reported: list[str] = []
    config = build_resources(built.settings)["analysis_config"]
    with Warehouse(database=str(built.settings.warehouse)).connect() as conn:
        first, last = conn.execute(
            "SELECT min(period_start), max(period_start) FROM marts.rep_activity_weekly"
        ).fetchone()
        start, end = first, last + timedelta(days=7)
        for level in LEVELS:
            build_fact_periods(conn, level, WEEKLY, start, end, report=reported.append,
                               rows_per_run=1)
        for analysis in ("targets", "variance", "trends", "drivers"):
            rebuild(conn, analysis, WEEKLY, start, end, config, report=reported.append,
                    rows_per_run=1)
        build_action_plans(conn, WEEKLY, start, end, currency=built.settings.reporting_currency,
                           normal_band=config.driver_normal_band, report=reported.append,
                           rows_per_run=1)
    assert mart_fingerprints(built.settings.warehouse) == before
    for table in ("marts.rep_activity_weekly", "marts.trends_weekly", "marts.action_plan_weekly"):
        said = [PERIODS_DONE.match(line) for line in reported if line.startswith(table + ":")]
        done = [int(match["done"]) for match in said]
        assert 1 < len(done) <= 10 and done == sorted(set(done)) and done[-1] == weeks, said
        assert {int(match["total"]) for match in said} == {weeks}


# The key of each level's mart tables (docs/contract.md, "Fact marts").
MART_KEYS = {
    "rep": ("period_start", "rep_id", "team", "department"),
    "rep_total": ("period_start", "rep_id"),
    "team": ("period_start", "team", "department"),
    "department": ("period_start", "department"),
}
GRAIN_NAMES = ("weekly", "monthly", "quarterly", "yearly")


def period_start(grain: str, day: date) -> date:
    """The first day of the period holding `day`: ISO week (Monday), month, quarter, year."""
    if grain == "weekly":
        return day - timedelta(days=day.weekday())
    if grain == "monthly":
        return day.replace(day=1)
    if grain == "quarterly":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def test_every_mart_has_one_row_per_key(built: Built) -> None:
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        for grain in GRAIN_NAMES:
            for level, key in MART_KEYS.items():
                table = f"marts.{level}_activity_{grain}"
                columns = ", ".join(key)
                rows, keys, null_keys = conn.execute(
                    f"SELECT count(*), count(DISTINCT ({columns})), "
                    f"count(*) FILTER (WHERE {' OR '.join(f'{c} IS NULL' for c in key)}) "
                    f"FROM {table}"
                ).fetchone()
                assert (keys, null_keys) == (rows, 0), table
                # Periods are named by their first day.
                starts = {start for (start,) in conn.execute(
                    f"SELECT DISTINCT period_start FROM {table}").fetchall()}
                assert starts == {period_start(grain, start) for start in starts}, table


def test_marts_match_staging(built: Built) -> None:
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        expected_counts = conn.execute(
            "SELECT count(*) FILTER (WHERE activity = 'call'), "
            "count(*) FILTER (WHERE activity = 'order') FROM staging.activities"
        ).fetchone()
        # Every counted document with its exact amount in EUR (returns negative): DECIMAL sums
        # in DuckDB and Decimal sums here are exact, so nothing below needs a tolerance.
        documents = conn.execute(
            "SELECT activity_date, rep_id, team, department, signed_amount "
            "FROM staging.activities WHERE signed_amount IS NOT NULL"
        ).fetchall()
        assert len(documents) == expected_counts[1] + conn.execute(
            "SELECT count(*) FROM staging.activities WHERE activity = 'return'").fetchone()[0]
        for grain in GRAIN_NAMES:
            for level, key in MART_KEYS.items():
                table = f"marts.{level}_activity_{grain}"
                calls, orders = conn.execute(
                    f"SELECT sum(calls_made), sum(orders) FROM {table}").fetchone()
                assert (calls, orders) == expected_counts, table
                # sales_volume of a mart row: the sum of net_amount x rate over its documents,
                # rounded once, to 2 decimals, half away from zero (ROUND_HALF_UP on Decimal
                # rounds ties away from zero for negative sums too); rows without documents 0.
                unrounded: dict[tuple, Decimal] = defaultdict(Decimal)
                for day, rep_id, team, department, amount in documents:
                    values = {"period_start": period_start(grain, day), "rep_id": rep_id,
                              "team": team, "department": department}
                    unrounded[tuple(values[c] for c in key)] += amount
                expected = {k: v.quantize(Decimal("0.01"), ROUND_HALF_UP)
                            for k, v in unrounded.items()}
                actual = {tuple(row[:-1]): row[-1] for row in conn.execute(
                    f"SELECT {', '.join(key)}, sales_volume FROM {table}").fetchall()}
                assert {k: v for k, v in actual.items() if k in expected} == expected, table
                assert {v for k, v in actual.items() if k not in expected} <= {Decimal("0")}, table
                # The total is then the sum of those rounded rows, to the cent.
                (total,) = conn.execute(f"SELECT sum(sales_volume) FROM {table}").fetchone()
                assert total == sum(expected.values()), table


SOURCES = ("calls", "events", "sales_documents", "fx_rates", "users", "contacts",
           "team_memberships", "sales_targets")


def test_every_landing_row_is_accounted_for(built: Built) -> None:
    """Per file: rows read = accepted + superseded + quarantined (docs/contract.md,
    "Reconciliation"), and rows read = the file's data records as Python's csv module reads
    them (no record of the sample spans lines, so a line is a record)."""
    landing = built.settings.landing_dir
    records = {}
    for path in sorted(landing.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            records[path.relative_to(landing).as_posix()] = sum(1 for _ in csv.reader(handle)) - 1
    with duckdb.connect(str(built.settings.warehouse), read_only=True) as conn:
        read: dict[str, int] = {}
        accounted: dict[str, int] = defaultdict(int)
        for source in SOURCES:
            read.update(conn.execute(f"SELECT _file, count(*) FROM raw.{source} GROUP BY 1").fetchall())
            for table, file_column in ((f"staging.{source}", "_file"),
                                       (f"staging.{source}_superseded", "_file"),
                                       (f"quarantine.{source}", "file")):
                for file, rows in conn.execute(
                        f"SELECT {file_column}, count(*) FROM {table} GROUP BY 1").fetchall():
                    accounted[file] += rows
    # Header-only files read no rows and have none in any table.
    assert {file: n for file, n in records.items() if n} == read
    assert dict(accounted) == read


def _published_env(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("SALES_LANDING_DIR", built.settings.landing_dir),
                        ("SALES_WAREHOUSE", built.settings.warehouse)):
        monkeypatch.setenv(name, str(value))


def test_raw_staging_and_quarantine_tables_show_their_columns_described(built: Built) -> None:
    """The tables before the marts show their columns in the UI too, as DuckDB has them."""
    conn = duckdb.connect(str(built.settings.warehouse), read_only=True)
    with conn:
        for schema, table in (
            ("raw", "calls"), ("raw", "users"), ("staging", "calls"),
            ("staging", "calls_superseded"), ("staging", "sales_documents"),
            ("staging", "activities"), ("raw", "landed_files"), ("quarantine", "events"),
        ):
            event = built.instance.get_latest_materialization_event(dg.AssetKey([schema, table]))
            assert event is not None and event.asset_materialization is not None
            columns = event.asset_materialization.metadata["dagster/column_schema"].value.columns
            actual = conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? "
                "AND table_name = ? ORDER BY column_index",
                [schema, table],
            ).fetchall()
            assert [c.name for c in columns] == [name for (name,) in actual], (schema, table)
            assert all(c.description for c in columns), (schema, table)


def test_sql_prints_a_table_from_the_published_copy(
    built: Built, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _published_env(built, monkeypatch)
    query = ("SELECT team, sum(calls_made) AS calls FROM marts.team_activity_monthly "
             "GROUP BY 1 ORDER BY 1")
    assert main(["sql", query]) == 0
    printed = capsys.readouterr().out
    with duckdb.connect(str(built.settings.published_warehouse), read_only=True) as conn:
        expected = conn.execute(query).fetchall()
    assert expected and "team" in printed and "calls" in printed
    for team, calls in expected:
        assert re.search(rf"│\s*{re.escape(str(team))}\s*│\s*{calls}\s*│", printed), (team, calls)


def test_sql_csv_prints_every_row_of_the_published_copy(
    built: Built, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _published_env(built, monkeypatch)
    query = "SELECT * FROM marts.rep_activity_weekly ORDER BY ALL"
    assert main(["sql", "--csv", query]) == 0
    header, *rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    with duckdb.connect(str(built.settings.published_warehouse), read_only=True) as conn:
        relation = conn.sql(query)
        columns, expected = relation.columns, relation.fetchall()
    assert header == columns
    assert len(rows) == len(expected) > 40  # more than a table shows
    assert rows == [["" if v is None else str(v) for v in row] for row in expected]


def test_sql_cannot_write_and_says_why(
    built: Built, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _published_env(built, monkeypatch)
    assert main(["sql", "DROP TABLE marts.team_activity_monthly"]) == 1
    assert "read-only" in capsys.readouterr().err
    assert main(["sql", "SELECT count(*) FROM marts.team_activity_monthly"]) == 0
    assert main(["sql", "SELECT * FROM marts.no_such_table"]) == 1
    assert "no_such_table" in capsys.readouterr().err


def test_shell_reads_statements_until_quit(built: Built) -> None:
    from sales_pipeline.analyst import run_shell

    lines = iter([".tables", "SELECT count(*) AS weeks", "FROM marts.rep_activity_weekly;",
                  "CREATE TABLE marts.mine (i INTEGER);", ".reconnect", "SELECT 41 + 1 AS answer;",
                  ".quit", "SELECT 'never read';"])
    out = io.StringIO()
    assert run_shell(built.settings.published_warehouse, read=lambda _: next(lines), out=out) == 0
    printed = out.getvalue()
    with duckdb.connect(str(built.settings.published_warehouse), read_only=True) as conn:
        (weeks,) = conn.execute("SELECT count(*) FROM marts.rep_activity_weekly").fetchone()
    assert "marts.team_activity_monthly" in printed  # .tables
    assert re.search(rf"│\s*{weeks}\s*│", printed)
    assert "error:" in printed and "read-only" in printed
    assert "reconnected" in printed and "42" in printed
    assert "never read" not in printed


COLUMN_SCHEMA = "dagster/column_schema"


def check_dagster_ui(ui: UI, defs: dg.Definitions, instance: dg.DagsterInstance) -> None:
    """The asset graph, an asset's page (definition, metadata, columns where it has a schema),
    its checks and the runs, rendered in the browser from the run's instance."""
    graph = defs.resolve_asset_graph()
    page = ui.visit("/asset-groups")
    # The graph draws only the nodes in view: the first and the last layer's groups are.
    for group in ("raw", "published"):
        ui.wait_for(page.locator("svg foreignObject").filter(has_text=re.compile(rf"^{group}")))
    ui.screenshot("1_asset_graph")

    mart = dg.AssetKey(["marts", "team_activity_monthly"])
    page = ui.visit(f"/assets/{mart.to_user_string()}?view=lineage")
    # Its neighbours, the published copy among them (group `published`, asset `marts`).
    for shown in ("activities", "team_activity_monthly", "variance_monthly", "published", "marts"):
        ui.wait_for(page.locator("svg foreignObject").filter(has_text=re.compile(rf"^{shown}")))
    ui.screenshot("2_lineage_team_activity_monthly")

    node = graph.get(mart)
    page = ui.visit(f"/assets/{mart.to_user_string()}")
    ui.wait_for(page.get_by_text(node.description or "", exact=True))
    definition = page.locator("div", has=page.get_by_text("Definition", exact=True))
    for shown in (node.group_name, "DuckDB", "build_monthly"):
        ui.wait_for(definition.get_by_text(shown, exact=True))
    materialized = instance.get_latest_materialization_event(mart)
    assert materialized is not None and materialized.asset_materialization is not None
    metadata = page.locator("table", has=page.get_by_text("Key", exact=True))
    for key in materialized.asset_materialization.metadata:
        ui.wait_for(metadata.get_by_text(key, exact=True))
    entry = node.metadata.get(COLUMN_SCHEMA) or materialized.asset_materialization.metadata.get(
        COLUMN_SCHEMA)
    schema = entry.schema if isinstance(entry, dg.TableSchemaMetadataValue) else entry
    if schema is not None:  # the columns, their types and descriptions, as the UI lists them
        columns = page.locator("table", has=page.get_by_text("Column name", exact=True))
        for column in schema.columns:
            row = columns.locator("tr", has=page.get_by_text(column.name, exact=True))
            ui.wait_for(row)
            if column.description:
                assert column.description in row.first.inner_text(), column.name
    ui.screenshot("3_asset_team_activity_monthly")

    checked = dg.AssetKey(["staging", "calls"])
    page = ui.visit(f"/assets/{checked.to_user_string()}?view=checks")
    for check in graph.get(checked).check_keys:
        ui.wait_for(page.get_by_text(check.name, exact=True))
    ui.wait_for(page.get_by_text("Evaluation result", exact=True))
    ui.screenshot("4_checks_staging_calls")

    page = ui.visit("/runs")
    for job in ("ingest_landing", "build_weekly", "build_monthly", "publish_marts"):
        ui.wait_for(page.get_by_text(job, exact=True))
    ui.screenshot("5_runs")


def check_reports(ui: UI, reports_dir: Path) -> None:
    """The reports as a sales leader opens them: the index of every grain, then a team's latest
    monthly page with its sections and charts."""
    page = ui.open_file(reports_dir / "index.html")
    for grain in GRAINS:
        ui.wait_for(page.get_by_role("heading", name=grain.name.capitalize()))
    ui.screenshot("6_reports_index")
    team_page = sorted(reports_dir.glob("monthly/*/team-*.html"))[-1]
    page = ui.open_file(team_page)
    for section in ("At a glance", "Leaderboard", "Trend", "Action plans"):
        ui.wait_for(page.get_by_role("heading", name=section))
    ui.wait_for(page.locator("img"))
    ui.screenshot("7_report_team_monthly")


def test_the_dagster_ui_shows_the_backfill(built: Built, tmp_path: Path) -> None:
    """A read-only webserver on the backfill's instance, in headless chromium (browser.py); the
    same browser then opens the reports the backfill rendered."""
    with dagster_ui(built.settings, Path(built.instance.root_directory), tmp_path) as ui:
        check_dagster_ui(ui, built.defs, built.instance)
        check_reports(ui, built.settings.reports_dir)


def test_facts_equal_the_floors(built: Built, tmp_path: Path) -> None:
    """benchmarks/floor.sql, an independent implementation of the contract in one DuckDB script,
    gives the same twelve marts, row by row, from the same landing files."""
    floor = tmp_path / "floor.duckdb"
    execute_floor(built.settings.landing_dir, floor, built.settings.timezone,
                  history_start=built.settings.history_start.isoformat())
    assert compare_marts(floor, built.settings.warehouse) == []


def test_rematerializing_a_partition_changes_nothing(built: Built) -> None:
    before = mart_fingerprints(built.settings.warehouse)
    job = built.defs.resolve_job_def("build_monthly")
    result = job.execute_in_process(instance=built.instance, partition_key="2026-01-01")
    assert result.success
    assert mart_fingerprints(built.settings.warehouse) == before


def test_second_backfill_leaves_marts_identical(built: Built) -> None:
    before = mart_fingerprints(built.settings.warehouse)
    summary = run_backfill(built.defs, built.settings, built.instance, progress=lambda _: None)
    assert summary.success
    assert mart_fingerprints(built.settings.warehouse) == before


def test_sensor_requests_ingestion_only_when_files_change(built: Built) -> None:
    resources = {"sales_config": built.defs.get_repository_def().get_top_level_resources()["sales_config"]}
    context = dg.build_sensor_context(instance=built.instance, resources=resources)
    # The backfill's ingestion read every file as it is now: even a first tick starts nothing.
    first = landing_files_sensor(context)
    assert isinstance(first, dg.SkipReason)
    context = dg.build_sensor_context(
        instance=built.instance, resources=resources, cursor=context.cursor
    )
    assert isinstance(landing_files_sensor(context), dg.SkipReason)
    new_file = built.settings.landing_dir / "telephony" / "calls_2026-03-01.csv"
    new_file.write_text(
        "sid,parent_call_sid,direction,from,to,status,start_time,end_time,duration,answered_by\n"
    )
    try:
        context = dg.build_sensor_context(
            instance=built.instance, resources=resources, cursor=context.cursor
        )
        request = landing_files_sensor(context)
        assert isinstance(request, dg.RunRequest) and request.run_key == context.cursor
    finally:
        new_file.unlink()


DICTIONARY = Path(__file__).resolve().parents[1] / "docs" / "marts.md"


def _marts_in(database: Path) -> dict[str, tuple[str | None, list[tuple[str, str, str | None]]]]:
    """Every table and view of the marts schema: its comment and its columns (name, type,
    comment) in order."""
    with duckdb.connect(str(database), read_only=True) as conn:
        objects = conn.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts' "
            "UNION ALL SELECT view_name, comment FROM duckdb_views() "
            "WHERE schema_name = 'marts' AND NOT internal"
        ).fetchall()
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
            "WHERE schema_name = 'marts' ORDER BY table_name, column_index"
        ).fetchall()
    marts: dict[str, tuple[str | None, list[tuple[str, str, str | None]]]] = {
        name: (comment, []) for name, comment in objects
    }
    for table, column, data_type, comment in columns:
        marts[table][1].append((column, data_type, comment))
    return marts


def _dictionary_columns(text: str) -> dict[str, list[str]]:
    """Per table docs/marts.md names, the columns its section lists."""
    documented: dict[str, list[str]] = {}
    for section in text.split("\n### ")[1:]:
        tables = re.findall(r"`marts\.(\w+)`", section.split("\n\n")[1])
        columns = re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE)
        documented.update({table: columns for table in tables})
    return documented


def test_data_dictionary_comments_and_warehouse_agree(built: Built) -> None:
    """docs/marts.md is current, and the warehouse and its published copy hold exactly the
    tables, views and columns it documents, each commented with the catalog's text."""
    assert DICTIONARY.read_text(encoding="utf-8") == markdown(), (
        "docs/marts.md is stale: .venv/bin/python -m sales_pipeline.marts_catalog > docs/marts.md")
    catalog = {
        table.name: (table.description,
                     [(column.name, column.type, column.description) for column in table.columns])
        for table in mart_tables()
    }
    documented = _dictionary_columns(DICTIONARY.read_text(encoding="utf-8"))
    assert len(catalog) == 40  # 36 tables (16 facts, 16 analysis, 4 action plans), 4 views
    for database in (built.settings.warehouse, built.settings.published_warehouse):
        marts = _marts_in(database)
        assert marts == catalog, database
        assert documented == {name: [c for c, _, _ in columns]
                              for name, (_, columns) in marts.items()}
        assert all(comment for name, (comment, columns) in marts.items()
                   for comment in (comment, *(c for _, _, c in columns)))


def test_scorecard_views_are_the_variance_rep_rows_wide(built: Built) -> None:
    with duckdb.connect(str(built.settings.published_warehouse), read_only=True) as conn:
        for grain in GRAINS:
            long = conn.execute(
                f"SELECT period_start, entity_id, metric, actual, target, attainment, status "
                f"FROM marts.variance_{grain.name} WHERE level = 'rep' ORDER BY ALL").fetchall()
            wide = conn.execute(f"SELECT * FROM marts.rep_scorecard_{grain.name}")
            header = [column[0] for column in wide.description]
            unpivoted = sorted(
                (row[0], row[1], metric.name, *(row[header.index(f"{metric.name}_{part}")]
                                                for part in ("actual", "target", "attainment",
                                                             "status")))
                for row in wide.fetchall() for metric in METRICS
            )
            assert long and unpivoted == long, grain.name
