"""Sensor on the landing area: a run of the ingestion job whenever files arrive or change."""


import dagster as dg

from sales_pipeline.ingestion.landing import landing_digest
from sales_pipeline.jobs import INGEST_JOB, PUBLISH_JOB, publish_job
from sales_pipeline.resources import SalesConfig


@dg.sensor(
    name="landing_files_sensor",
    job_name=INGEST_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the ingestion when any landing file is added or replaced. It only lists "
    "file names, sizes and times; it never opens the warehouse.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext, sales_config: SalesConfig):
    digest = landing_digest(sales_config.landing_path)
    if digest == context.cursor:
        return dg.SkipReason("no new or changed landing files")
    context.update_cursor(digest)
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
    if context.dagster_run.job_name in (PUBLISH_JOB, INGEST_JOB):
        return dg.SkipReason("this run built no marts")
    return dg.RunRequest(run_key=f"publish-after-{context.dagster_run.run_id}")
