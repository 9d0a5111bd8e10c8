"""Schedules: daily ingestion, and per grain the facts of the last complete period.

Each runs in the sales organisation's time zone. A period's facts are built a few hours after it
closed, once the nightly ingestion has picked up the last day's exports.
"""


from datetime import timedelta

import dagster as dg

from sales_pipeline.jobs import INGEST_JOB, period_job_name
from sales_pipeline.partitions import GRAINS, KEY_FORMAT, Grain

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


def build_period_schedule(grain: Grain, timezone: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"{grain.name}_schedule",
        job_name=period_job_name(grain),
        cron_schedule=PERIOD_CRONS[grain.name],
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Facts, analysis and reports of the last complete {grain.unit}.",
    )
    def period_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        key = last_complete_period_key(grain, context)
        return dg.RunRequest(run_key=f"{grain.name}:{key}", partition_key=key)

    return period_schedule


def build_schedules(timezone: str) -> list[dg.ScheduleDefinition]:
    ingest = dg.ScheduleDefinition(
        name="daily_ingestion_schedule",
        job_name=INGEST_JOB,
        cron_schedule=INGEST_CRON,
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Pick up the day's exports even if the landing sensor is off.",
    )
    return [ingest, *(build_period_schedule(grain, timezone) for grain in GRAINS)]
