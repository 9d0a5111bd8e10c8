"""Jobs: landing -> staging; per grain, the warehouse tables (facts and analysis) of the selected
periods; per grain, the HTML reports read from them; and the published copy of the marts.

Assets join a grain's build job through their `grain` tag, so a new partitioned table only needs
the tag. Reports are a job of their own: rendering files for readers is not on the warehouse's
critical path, and a backfill of two years of history needs the tables of every period but the
reports of the latest only (docs/architecture.md).
"""

from __future__ import annotations

import dagster as dg

from sales_pipeline.partitions import GRAINS, Grain

INGEST_JOB = "ingest_landing"
PUBLISH_JOB = "publish_marts"


def period_job_name(grain: Grain) -> str:
    return f"build_{grain.name}"


def report_job_name(grain: Grain) -> str:
    return f"report_{grain.name}"


def report_group(grain: Grain) -> str:
    return f"reports_{grain.name}"


ingest_job = dg.define_asset_job(
    INGEST_JOB,
    selection=dg.AssetSelection.groups("raw", "staging", "quarantine"),
    description="Read new and changed landing files and rebuild staging and quarantine.",
)


publish_job = dg.define_asset_job(
    PUBLISH_JOB,
    selection=dg.AssetSelection.groups("published"),
    description="Copy the marts to the read-only file analysts query.",
)


def build_period_jobs() -> list[dg.UnresolvedAssetJobDefinition]:
    return [
        dg.define_asset_job(
            period_job_name(grain),
            selection=dg.AssetSelection.tag("grain", grain.name)
            - dg.AssetSelection.groups(report_group(grain)),
            description=f"Build the {grain.name} facts and analysis of the selected periods; "
            f"{report_job_name(grain)} renders their reports after it.",
        )
        for grain in GRAINS
    ]


def build_report_jobs() -> list[dg.UnresolvedAssetJobDefinition]:
    return [
        dg.define_asset_job(
            report_job_name(grain),
            selection=dg.AssetSelection.groups(report_group(grain)),
            description=f"Render the {grain.name} HTML reports of the selected periods from the "
            "marts.",
        )
        for grain in GRAINS
    ]


period_jobs = build_period_jobs()
report_jobs = build_report_jobs()
