"""Sensors: ingestion whenever landing files arrive or change; reports after a grain's tables are
built; the published copy of the marts after anything built marts."""


import dagster as dg

from sales_pipeline.changes import (
    LANDING_DIGEST,
    NOTHING_CHANGED,
    landing_digest_now,
    last_ingestion,
)
from sales_pipeline.dagster_internals import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)
from sales_pipeline.jobs import (
    INGEST_JOB,
    PUBLISH_JOB,
    period_job_name,
    publish_job,
    report_job_name,
    report_jobs,
)
from sales_pipeline.partitions import GRAINS
from sales_pipeline.resources import SalesConfig

REPORT_JOBS = {job.name for job in report_jobs}
_REPORT_JOB_OF_BUILD = {period_job_name(grain): report_job_name(grain) for grain in GRAINS}
# The partition (or range) a run built, carried over to the report run that follows it.
_PARTITION_TAGS = (
    PARTITION_NAME_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    ASSET_PARTITION_RANGE_END_TAG,
)


@dg.sensor(
    name="landing_files_sensor",
    job_name=INGEST_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the ingestion when any landing file is added or replaced. It only lists "
    "file names, sizes and times, and compares them with what the latest ingestion read (its "
    "raw/landed_files metadata); it never opens the warehouse.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext, sales_config: SalesConfig):
    digest = landing_digest_now(sales_config)
    if digest == context.cursor:
        return dg.SkipReason(f"{NOTHING_CHANGED}: no new or changed landing files since the last tick")
    context.update_cursor(digest)
    # A fresh cursor (a new daemon, the sensor switched on) after a backfill or a run the sensor
    # did not launch: the files may be exactly what that run read.
    recorded, run = last_ingestion(context.instance)
    if recorded.get(LANDING_DIGEST) == digest:
        return dg.SkipReason(
            f"{NOTHING_CHANGED}: every landing file is as ingestion run "
            f"{run.run_id if run else '?'} read it"
        )
    return dg.RunRequest(run_key=digest)


@dg.run_status_sensor(
    name="publish_after_success_sensor",
    run_status=dg.DagsterRunStatus.SUCCESS,
    request_job=publish_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After every successful run that built marts, refresh the read-only copy of the "
    "marts analysts query.",
)
def publish_after_success_sensor(context: dg.RunStatusSensorContext):
    if context.dagster_run.job_name in (PUBLISH_JOB, INGEST_JOB, *REPORT_JOBS):
        return dg.SkipReason("this run built no marts")
    return dg.RunRequest(run_key=f"publish-after-{context.dagster_run.run_id}")


@dg.run_status_sensor(
    name="reports_after_build_sensor",
    run_status=dg.DagsterRunStatus.SUCCESS,
    request_jobs=report_jobs,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a grain's facts and analysis are built for some periods, render the "
    "reports of the same periods.",
)
def reports_after_build_sensor(
    context: dg.RunStatusSensorContext,
) -> dg.RunRequest | dg.SkipReason:
    run = context.dagster_run
    report_job = _REPORT_JOB_OF_BUILD.get(run.job_name)
    if report_job is None:
        return dg.SkipReason("this run built no grain's tables")
    tags = {key: value for key, value in run.tags.items() if key in _PARTITION_TAGS}
    partition = tags.pop(PARTITION_NAME_TAG, None)
    return dg.RunRequest(
        run_key=f"reports-after-{run.run_id}", job_name=report_job, partition_key=partition,
        tags=tags,
    )
