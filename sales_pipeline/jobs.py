"""Jobs: landing -> staging, and the facts of each grain."""

from __future__ import annotations

import dagster as dg

from sales_pipeline.partitions import GRAINS, Grain

INGEST_JOB = "ingest_landing"


def facts_job_name(grain: Grain) -> str:
    return f"{grain.name}_facts"


ingest_job = dg.define_asset_job(
    INGEST_JOB,
    selection=dg.AssetSelection.groups("raw", "staging", "quarantine"),
    description="Read new and changed landing files and rebuild staging and quarantine.",
)


def build_facts_jobs() -> list[dg.UnresolvedAssetJobDefinition]:
    return [
        dg.define_asset_job(
            facts_job_name(grain),
            selection=dg.AssetSelection.groups(f"facts_{grain.name}"),
            description=f"Materialize the {grain.name} fact marts for the selected periods.",
        )
        for grain in GRAINS
    ]
