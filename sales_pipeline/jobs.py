"""Jobs: landing -> staging, and per grain everything partitioned by it (facts, analysis, reports).

Assets join a grain's job through their `grain` tag, so a new partitioned asset only needs the tag.
"""

from __future__ import annotations

import dagster as dg

from sales_pipeline.partitions import GRAINS, Grain

INGEST_JOB = "ingest_landing"
PUBLISH_JOB = "publish_marts"


def period_job_name(grain: Grain) -> str:
    return f"build_{grain.name}"


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
            selection=dg.AssetSelection.tag("grain", grain.name),
            description=f"Build the {grain.name} facts, analysis and reports of the selected "
            "periods.",
        )
        for grain in GRAINS
    ]
