"""A grain's warehouse tables (facts, analysis, action plans) built in one Dagster step.

Each table stays an asset of its own, with its columns, checks, materializations and lineage;
only the step is shared. A step costs Dagster about a tenth of a second of fixed work (its
events, a DuckDB connection), and one period's tables often take less than that to build: nine
steps per grain were most of an incremental day (docs/scaling.md). The tables are built in the
order of `parts`, which is their dependency order, and always together (the step cannot be
subset): selecting one table in the UI selects the grain's others with it.
"""


from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import dagster as dg
import duckdb

from sales_pipeline.partitions import Grain, partitions_for
from sales_pipeline.resources import WAREHOUSE_POOL, Warehouse
from sales_pipeline.settings import SalesSettings

Results = Iterator[dg.MaterializeResult | dg.AssetCheckResult]


@dataclass(frozen=True)
class TablePart:
    """One table of a grain step: its asset, its checks, and how the periods [start, end) of it
    are rebuilt and checked."""

    spec: dg.AssetSpec
    checks: Sequence[dg.AssetCheckSpec]
    # Called with the step's context, its warehouse connection, and the window's start and end;
    # it finds the resources of `resource_keys` on context.resources.
    build: Callable[[dg.AssetExecutionContext, duckdb.DuckDBPyConnection, date, date], Results]
    resource_keys: frozenset[str] = frozenset()


def grain_step(
    name: str, grain: Grain, settings: SalesSettings, parts: Sequence[TablePart]
) -> dg.AssetsDefinition:
    """The tables of `parts` (in dependency order) as one partitioned step named `name`."""

    @dg.multi_asset(
        name=name,
        specs=[part.spec for part in parts],
        check_specs=[check for part in parts for check in part.checks],
        partitions_def=partitions_for(grain, settings.history_start, settings.timezone),
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        can_subset=False,
        required_resource_keys={"warehouse", *(key for part in parts for key in part.resource_keys)},
    )
    def tables(context: dg.AssetExecutionContext) -> Results:
        window = context.partition_time_window
        start, end = window.start.date(), window.end.date()
        warehouse: Warehouse = context.resources.warehouse
        # One connection for the whole step: opening the warehouse and defining the macros costs
        # tens of milliseconds, about what a period of a small table takes to build.
        with warehouse.connect() as conn:
            for part in parts:
                yield from part.build(context, conn, start, end)

    return tables
