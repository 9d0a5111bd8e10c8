"""The HTML report set of each grain as a Dagster asset: `reports/sales_reports_<grain>`.

Materializing a range of partitions reads the marts of the whole range in a few queries, then
renders every period's team and department reports into SALES_REPORTS_DIR (see `render.py`).
It runs in the grain's report job: after every successful build run (`reports_after_build_sensor`)
for the periods that run built, and in `sales-pipeline backfill` for the latest period.
"""

import dagster as dg

from sales_pipeline.facts.levels import DEPARTMENT, REP_TOTAL, TEAM, fact_table
from sales_pipeline.jobs import report_group
from sales_pipeline.metadata import markdown_table
from sales_pipeline.partitions import GRAINS, Grain, partitions_for
from sales_pipeline.resources import WAREHOUSE_POOL, AnalysisConfig, SalesConfig, Warehouse
from sales_pipeline.settings import SalesSettings

# Enough to list a year of weekly reports in the UI without a multi-megabyte metadata entry;
# beyond it the period indexes, which link every report, are still all listed.
LISTED_FILES = 500


def build_report_asset(grain: Grain, settings: SalesSettings) -> dg.AssetsDefinition:
    key = dg.AssetKey(["reports", f"sales_reports_{grain.name}"])

    @dg.asset(
        key=key,
        deps=[
            # What the pages read: reps as persons (docs/analysis.md), teams, departments.
            *(dg.AssetKey(["marts", fact_table(level, grain)])
              for level in (REP_TOTAL, TEAM, DEPARTMENT)),
            dg.AssetKey(["marts", f"variance_{grain.name}"]),
            dg.AssetKey(["marts", f"trends_{grain.name}"]),
            dg.AssetKey(["marts", f"drivers_{grain.name}"]),
            dg.AssetKey(["marts", f"action_plan_{grain.name}"]),
        ],
        partitions_def=partitions_for(grain, settings.history_start, settings.timezone),
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name=report_group(grain),
        kinds={"html"},
        pool=WAREHOUSE_POOL,
        tags={"grain": grain.name},
        description=f"Self-contained HTML reports per team and department for every {grain.unit}: "
        "headline KPIs, leaderboard, attainment, trend and driver charts, action plans. Written "
        f"to SALES_REPORTS_DIR/{grain.name}/<period_start>/ (docs/reports.md).",
    )
    def sales_reports(
        context: dg.AssetExecutionContext,
        warehouse: Warehouse,
        sales_config: SalesConfig,
        analysis_config: AnalysisConfig,
    ) -> dg.MaterializeResult:
        # Imported when a report is rendered, not when the code location loads (Babel, Jinja).
        from sales_pipeline.reports.data import load_report_data
        from sales_pipeline.reports.render import render_reports

        window = context.partition_time_window
        start, end = window.start.date(), window.end.date()
        # Read everything first and close the warehouse: rendering takes longer than reading and
        # must not hold the file open.
        with warehouse.connect() as conn:
            data = load_report_data(conn, grain, start, end,
                                    status_thresholds=analysis_config.status_thresholds,
                                    trend_window=analysis_config.trend_window)
        result = render_reports(data, sales_config.reports_path, sales_config.reporting_currency,
                                locale=sales_config.report_locale)

        per_report_ms = 1000 * result.seconds / result.reports if result.reports else 0.0
        context.log.info(
            f"{result.reports} {grain.name} reports for {len(result.period_indexes)} period(s) "
            f"in {result.seconds:.1f}s ({per_report_ms:.0f} ms a report, {result.charts} charts, "
            f"{result.workers} process(es))"
        )
        metadata: dict[str, dg.MetadataValue] = {
            "window": dg.MetadataValue.text(f"{start} .. {end}"),
            "reports_written": dg.MetadataValue.int(result.reports),
            "files_written": dg.MetadataValue.int(len(result.files)),
            "periods": dg.MetadataValue.int(len(result.period_indexes)),
            "stale_files_removed": dg.MetadataValue.int(result.removed),
            "render_seconds": dg.MetadataValue.float(round(result.seconds, 2)),
            "ms_per_report": dg.MetadataValue.float(round(per_report_ms, 1)),
            "render_processes": dg.MetadataValue.int(result.workers),
            "index": dg.MetadataValue.path(str(sales_config.reports_path / "index.html")),
            "period_indexes": dg.MetadataValue.json([str(p) for p in result.period_indexes]),
            "files": dg.MetadataValue.json([str(p) for p in result.files[:LISTED_FILES]]),
            "files_not_listed": dg.MetadataValue.int(max(0, len(result.files) - LISTED_FILES)),
        }
        if result.example_report is not None:
            metadata["example_report"] = dg.MetadataValue.path(str(result.example_report))
        if result.latest_period is not None:
            metadata["latest_period"] = dg.MetadataValue.text(str(result.latest_period))
            metadata["latest_teams"] = _table(result.latest_teams)
            metadata["latest_leaderboard"] = _table(result.latest_leaderboard)
        if result.latest_chart is not None:
            metadata["latest_attainment_chart"] = dg.MetadataValue.md(
                f"![Sales volume attainment by team]({result.latest_chart})"
            )
        return dg.MaterializeResult(asset_key=key, metadata=metadata)

    return sales_reports


def _table(rows: list[dict[str, str]]) -> dg.MetadataValue:
    if not rows:
        return dg.MetadataValue.md("(none)")
    header = list(rows[0])
    return markdown_table(header, ([row[column] for column in header] for row in rows))


def build_report_assets(settings: SalesSettings) -> list[dg.AssetsDefinition]:
    return [build_report_asset(grain, settings) for grain in GRAINS]
