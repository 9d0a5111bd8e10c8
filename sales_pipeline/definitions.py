"""The sales_pipeline code location: every asset, check, job, schedule, sensor and resource."""

from __future__ import annotations

import warnings

import dagster as dg

from sales_pipeline.analysis.action_plans import action_plan_table_part
from sales_pipeline.analysis.assets import analysis_table_parts
from sales_pipeline.dagster_internals import (
    patch_concurrency_pools,
    plan_ranges_as_one_event_per_asset,
)
from sales_pipeline.facts.assets import fact_table_parts
from sales_pipeline.grain_step import grain_step
from sales_pipeline.ingestion.assets import raw_assets
from sales_pipeline.jobs import ingest_job, period_jobs, publish_job, report_jobs
from sales_pipeline.marts_catalog import OWNER
from sales_pipeline.partitions import GRAINS
from sales_pipeline.publish import build_published_marts
from sales_pipeline.reports.assets import build_report_assets
from sales_pipeline.resources import build_resources
from sales_pipeline.schedules import build_schedules
from sales_pipeline.sensors import (
    landing_files_sensor,
    publish_after_success_sensor,
    reports_after_build_sensor,
)
from sales_pipeline.settings import SalesSettings
from sales_pipeline.sources import load_sources_config
from sales_pipeline.staging.assets import build_staging_assets
from sales_pipeline.validation.checks import ROWS_CONFORM, STAGED_ROWS_CONFORM

# Single-run backfills, partition mappings that tolerate missing history and observable source
# assets are labelled beta by Dagster; the pipeline relies on them knowingly, and the warnings
# would otherwise repeat for every asset on every load of the code location.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
# Every process that loads the code location runs steps: each must claim pool slots soundly and
# wait for them without busy-waiting.
patch_concurrency_pools()
# Every process that loads it may create runs over ranges of periods: one planned event per table,
# not per period and table (dagster_internals.py). The webserver and the daemon create runs
# without loading it: `make ui` sets the variable for them.
plan_ranges_as_one_event_per_asset()


# Checks that run a Great Expectations suite on their asset.
GE_CHECKS = frozenset({ROWS_CONFORM, STAGED_ROWS_CONFORM})


def _as_warehouse_tables(assets: list) -> list:
    """Every DuckDB asset as the UI shows a table: its `schema.table` name, the owner, and the
    great_expectations and pandas kinds where a suite validates it (Great Expectations reads the
    rows it validates as pandas batches: validation/great_expectations.py). The marts also carry their column
    schemas (marts_catalog.py); raw, staging and quarantine their names only."""
    validated = {
        spec.asset_key for asset in assets if isinstance(asset, dg.AssetsDefinition)
        for spec in asset.check_specs if spec.name in GE_CHECKS
    }

    def described(spec: dg.AssetSpec) -> dg.AssetSpec:
        if "duckdb" not in spec.kinds or spec.key.path[0] == "published":
            return spec
        return spec.replace_attributes(
            owners=spec.owners or [OWNER],
            kinds={*spec.kinds, *(["great_expectations", "pandas"] if spec.key in validated else [])},
        ).merge_attributes(
            metadata={} if "dagster/table_name" in spec.metadata
            else {"dagster/table_name": ".".join(spec.key.path)},
        )

    # Observable source assets (the per-period versions) are bookkeeping, not tables.
    return [dg.map_asset_specs(described, [asset])[0]
            if isinstance(asset, dg.AssetsDefinition) else asset for asset in assets]


def build_grain_steps(settings: SalesSettings) -> list[dg.AssetsDefinition]:
    """Per grain, one step that builds its facts, then its analysis, then its action plans."""
    return [
        grain_step(f"{grain.name}_tables", grain, settings, [
            *fact_table_parts(grain), *analysis_table_parts(grain), action_plan_table_part(grain),
        ])
        for grain in GRAINS
    ]


def build_definitions(settings: SalesSettings) -> dg.Definitions:
    # A source configuration that cannot be used stops the code location from loading, with the
    # file, line and key in the message, before any run reads a file with it.
    load_sources_config(settings.sources_config)
    assets = [
        *_as_warehouse_tables([
            *raw_assets,
            *build_staging_assets(settings),
            *build_grain_steps(settings),
        ]),
        *build_report_assets(settings),
    ]
    tables = [asset for asset in assets if isinstance(asset, dg.AssetsDefinition)]
    return dg.Definitions(
        assets=[*assets, build_published_marts(tables)],
        jobs=[ingest_job, *period_jobs, *report_jobs, publish_job],
        schedules=build_schedules(settings.timezone),
        sensors=[landing_files_sensor, reports_after_build_sensor, publish_after_success_sensor],
        resources=build_resources(settings),
    )


defs = build_definitions(SalesSettings.from_env())
