"""Schedules: daily ingestion, and per grain the last complete period plus every period a late
delivery changed since its facts were built.

Each runs in the sales organisation's time zone. A period's facts are built a few hours after it
closed, once the nightly ingestion has picked up the last day's exports.
"""

from collections.abc import Callable
from datetime import timedelta

import dagster as dg

from sales_pipeline.changes import INPUTS_TAG, NOTHING_CHANGED, ingestion_unchanged, inputs_version
from sales_pipeline.jobs import INGEST_JOB, period_job_name
from sales_pipeline.partitions import GRAINS, KEY_FORMAT, Grain
from sales_pipeline.resources import AnalysisConfig, SalesConfig
from sales_pipeline.staging.assets import activity_versions_key

INGEST_CRON = "0 1 * * *"

# Three hours after the period starts (and the previous one ended), after the 01:00 ingestion.
PERIOD_CRONS: dict[str, str] = {
    "weekly": "0 3 * * 1",
    "monthly": "0 3 1 * *",
    "quarterly": "0 3 1 1,4,7,10 *",
    "yearly": "0 3 1 1 *",
}


def last_complete_period_key(grain: Grain, context: dg.ScheduleEvaluationContext) -> str:
    local_day = context.scheduled_execution_time.date()
    return grain.period_start(local_day - timedelta(days=1)).strftime(KEY_FORMAT)


def _latest_by_partition(
    fetch: Callable[..., dg.EventRecordsResult], asset_key: dg.AssetKey
) -> dict[str, int]:
    """Storage id of the newest event per partition of an asset."""
    latest: dict[str, int] = {}
    cursor = None
    while True:
        result = fetch(asset_key, limit=1000, cursor=cursor, ascending=True)
        for record in result.records:
            if record.partition_key is not None:
                latest[record.partition_key] = record.storage_id
        if not result.has_more:
            return latest
        cursor = result.cursor


def out_of_date_period_keys(instance: dg.DagsterInstance, grain: Grain) -> list[str]:
    """Periods whose counted events changed after the grain's facts were last built for them."""
    changed = _latest_by_partition(instance.fetch_observations, activity_versions_key(grain))
    built = _latest_by_partition(
        instance.fetch_materializations, dg.AssetKey(["marts", f"rep_activity_{grain.name}"])
    )
    return sorted(key for key, storage_id in changed.items() if storage_id > built.get(key, -1))


def built_since_last_ingestion(
    instance: dg.DagsterInstance, grain: Grain, key: str, inputs: str
) -> bool:
    """Whether the grain's tables of period `key` were built, with these settings and code,
    after the latest ingestion: built again, they would be the same."""
    built = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey(["marts", f"rep_activity_{grain.name}"]),
            asset_partitions=[key],
        ),
        limit=1,
    ).records
    if not built:
        return False
    ingested = instance.fetch_materializations(dg.AssetKey(["staging", "activities"]), limit=1)
    if ingested.records and ingested.records[0].storage_id > built[0].storage_id:
        return False
    run = instance.get_run_by_id(built[0].run_id)
    return run is not None and run.tags.get(INPUTS_TAG) == inputs


def build_period_schedule(grain: Grain, timezone: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"{grain.name}_schedule",
        job_name=period_job_name(grain),
        cron_schedule=PERIOD_CRONS[grain.name],
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Facts and analysis of the last complete {grain.unit}, and of every "
        f"earlier {grain.unit} a late delivery changed; their reports follow "
        "(reports_after_build_sensor).",
    )
    def period_schedule(
        context: dg.ScheduleEvaluationContext,
        sales_config: SalesConfig,
        analysis_config: AnalysisConfig,
    ) -> list[dg.RunRequest] | dg.SkipReason:
        tick = context.scheduled_execution_time.strftime("%Y-%m-%dT%H:%M")
        inputs = inputs_version(sales_config, analysis_config)
        last_complete = last_complete_period_key(grain, context)
        out_of_date = set(out_of_date_period_keys(context.instance, grain))
        due = sorted(
            key
            for key in {last_complete, *out_of_date}
            if key in out_of_date
            or not built_since_last_ingestion(context.instance, grain, key, inputs)
        )
        if not due:
            return dg.SkipReason(
                f"{NOTHING_CHANGED}: {grain.unit} {last_complete} was built after the latest "
                "ingestion with these settings and code"
            )
        return [
            dg.RunRequest(
                run_key=f"{grain.name}:{key}:{tick}", partition_key=key, tags={INPUTS_TAG: inputs}
            )
            for key in due
        ]

    return period_schedule


def build_ingestion_schedule(timezone: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="daily_ingestion_schedule",
        job_name=INGEST_JOB,
        cron_schedule=INGEST_CRON,
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Pick up the day's exports even if the landing sensor is off; skipped when "
        "no landing file, setting or code changed since the latest ingestion succeeded.",
    )
    def daily_ingestion_schedule(
        context: dg.ScheduleEvaluationContext,
        sales_config: SalesConfig,
        analysis_config: AnalysisConfig,
    ) -> dg.RunRequest | dg.SkipReason:
        if ingestion_unchanged(context.instance, sales_config, analysis_config):
            return dg.SkipReason(
                f"{NOTHING_CHANGED}: the latest ingestion read every landing file as it is, "
                "with these settings and code"
            )
        return dg.RunRequest(tags={INPUTS_TAG: inputs_version(sales_config, analysis_config)})

    return daily_ingestion_schedule


def build_schedules(timezone: str) -> list[dg.ScheduleDefinition]:
    return [
        build_ingestion_schedule(timezone),
        *(build_period_schedule(grain, timezone) for grain in GRAINS),
    ]
