"""The read-only copy of the marts that analysts query.

DuckDB lets one process write a database file, and readers in other processes cannot open it
while it does. Analysts therefore never open the warehouse: after each successful run the marts
are copied into a new file beside the published one, which then replaces it in one atomic
rename. A reader holds either the previous copy or the new one, never a half-written period.
"""

import os
from collections.abc import Iterable
from pathlib import Path

import dagster as dg
import duckdb

from sales_pipeline.marts_catalog import (
    OWNER,
    create_scorecard_view,
    document,
    mart_tables,
    scorecard_name,
)
from sales_pipeline.partitions import GRAINS
from sales_pipeline.resources import WAREHOUSE_POOL, SalesConfig, Warehouse
from sales_pipeline.sql import sql_identifier

PUBLISHED_SCHEMA = "marts"


def publish_marts(conn: duckdb.DuckDBPyConnection, target: Path) -> list[tuple[str, int]]:
    """Copy every table and scorecard view of the marts schema into `target`, with the
    catalog's comments, replacing it atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging_copy = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging_copy.unlink(missing_ok=True)
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = ? ORDER BY table_name",
            [PUBLISHED_SCHEMA],
        ).fetchall()
    ]
    views = {
        name
        for (name,) in conn.execute(
            "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = ?",
            [PUBLISHED_SCHEMA],
        ).fetchall()
    }
    counts = []
    conn.execute(f"ATTACH {_literal(str(staging_copy))} AS published")
    try:
        conn.execute(f"CREATE SCHEMA published.{PUBLISHED_SCHEMA}")
        for table in tables:
            qualified = f"{PUBLISHED_SCHEMA}.{sql_identifier(table)}"
            conn.execute(f"CREATE TABLE published.{qualified} AS SELECT * FROM {qualified}")
            (rows,) = conn.execute(f"SELECT count(*) FROM published.{qualified}").fetchone()
            counts.append((table, rows))
    finally:
        conn.execute("DETACH published")
    _describe(staging_copy, views)
    os.replace(staging_copy, target)
    return counts


def _describe(copy: Path, views: set[str]) -> None:
    """The warehouse's scorecard views and the catalog's comments, in the copy: a CREATE TABLE
    AS copies rows, not comments, and a view is made in the database it reads from."""
    with duckdb.connect(str(copy)) as published:
        for grain in GRAINS:
            if scorecard_name(grain) in views:
                create_scorecard_view(published, grain)
        document(published, mart_tables())
        published.execute("CHECKPOINT")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_published_marts(upstream: Iterable[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    """The published copy, depending on every `marts` table among `upstream`: the asset graph
    shows what it copies, and Dagster marks it stale when a mart it copied changes."""
    marts = sorted(
        {key for assets in upstream for key in assets.keys if key.path[0] == PUBLISHED_SCHEMA},
        key=lambda key: key.to_user_string(),
    )

    @dg.asset(
        key=["published", "marts"],
        group_name="published",
        kinds={"duckdb"},
        owners=[OWNER],
        pool=WAREHOUSE_POOL,
        deps=marts,
        description="Read-only copy of every marts table and view for analysts "
        "(SALES_PUBLISHED_WAREHOUSE), with their comments (docs/marts.md), replaced atomically "
        "after each successful run.",
    )
    def published_marts(
        context: dg.AssetExecutionContext, warehouse: Warehouse, sales_config: SalesConfig
    ) -> dg.MaterializeResult:
        target = Path(sales_config.published_warehouse)
        with warehouse.connect() as conn:
            counts = publish_marts(conn, target)
        context.log.info(f"published {len(counts)} marts table(s) to {target}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(target)),
                "tables": dg.MetadataValue.json(dict(counts)),
            }
        )

    return published_marts
