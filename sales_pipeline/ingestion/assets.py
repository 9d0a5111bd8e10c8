"""Raw layer: one asset per kind of landing file, each a DuckDB table `raw.<source>`."""


import dagster as dg

from sales_pipeline.contract import SOURCES, Source
from sales_pipeline.ingestion.loader import (
    NOT_RECOGNISED_REASON,
    IngestionReport,
    ingest_source,
    record_unrecognised,
)
from sales_pipeline.ingestion.mapped import configured_source, files_no_source_reads
from sales_pipeline.metadata import markdown_table
from sales_pipeline.resources import WAREHOUSE_POOL, AnalysisConfig, SalesConfig, Warehouse
from sales_pipeline.sources import sources_config
from sales_pipeline.validation.checks import ROWS_CONFORM, raw_rows_check
from sales_pipeline.warehouse_columns import schema_metadata

FILES_READABLE = "files_readable"
EVERY_FILE_RECOGNISED = "every_file_recognised"
LEDGER_KEY = dg.AssetKey(["raw", "landed_files"])


def _held_back_files(conn, source: Source) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT file, reason FROM raw.landed_files WHERE source = ? AND status = 'held_back' "
        "ORDER BY file",
        [source.name],
    ).fetchall()


def _report_metadata(
    report: IngestionReport, total_rows: int, layout: str | None
) -> dict[str, dg.MetadataValue]:
    # Only a configured source says how it was read: the contract's layout keeps its metadata.
    configured = (
        {
            "source_layout": dg.MetadataValue.text(layout),
            "rows_filtered": dg.MetadataValue.int(report.rows_filtered),
        }
        if layout is not None
        else {}
    )
    return {
        **configured,
        "files_loaded": dg.MetadataValue.int(len(report.loaded)),
        "files_unchanged": dg.MetadataValue.int(report.unchanged),
        "files_held_back": dg.MetadataValue.int(len(report.held_back)),
        "rows_read": dg.MetadataValue.int(report.rows_read),
        "rows_malformed": dg.MetadataValue.int(report.rows_malformed),
        "dagster/row_count": dg.MetadataValue.int(total_rows),
        "loaded_files": markdown_table(
            ["file", "rows read", "malformed", "replaced"],
            ((f.name, f.rows_read, f.rows_malformed, "yes" if f.replaced else "") for f in report.loaded),
        ),
    }


def build_raw_asset(source: Source) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", source.name])

    @dg.asset(
        key=key,
        group_name="raw",
        kinds={"duckdb"},
        pool=WAREHOUSE_POOL,
        description=f"{source.description} Rows as delivered (text), with file and line. "
        f"Landing files: `{source.glob}`, unless SALES_SOURCES_CONFIG maps another export "
        "onto the contract's columns (docs/sources.md).",
        check_specs=[
            dg.AssetCheckSpec(
                FILES_READABLE,
                asset=key,
                description="Every landing file could be read with the contract's columns; "
                "a file that cannot is held back whole and named here.",
            ),
            dg.AssetCheckSpec(
                ROWS_CONFORM,
                asset=key,
                description="Great Expectations suite of the contract over the rows ingested "
                "by this run (one batch per file); failing rows are quarantined by staging.",
            ),
        ],
    )
    def raw_asset(
        context: dg.AssetExecutionContext, warehouse: Warehouse, sales_config: SalesConfig
    ):
        entry = sources_config(sales_config.sources_config).sources[source.name]
        configured = configured_source(source, entry)
        layout = None if entry.is_contract_layout else f"{entry.preset or 'mapping'}: {entry.files}"
        with warehouse.connect() as conn:
            report = ingest_source(
                conn, configured, sales_config.landing_path, context.run_id, entry.mapping
            )
            for held in report.held_back:
                context.log.error(f"{held.name}: held back: {held.reason}")
            for loaded in report.loaded:
                if loaded.rows_malformed:
                    context.log.warning(
                        f"{loaded.name}: {loaded.rows_malformed} malformed line(s), "
                        "kept for quarantine"
                    )
            held_back = _held_back_files(conn, source)
            (total_rows,) = conn.execute(f"SELECT count(*) FROM {source.raw_table}").fetchone()
            rows_check = raw_rows_check(conn, configured, report)
            schema = schema_metadata(conn, *source.raw_table.split("."))

        context.log.info(
            f"{source.name}: {len(report.loaded)} file(s) loaded, {report.rows_read} row(s), "
            f"{report.unchanged} unchanged, {len(report.held_back)} held back"
        )
        yield dg.MaterializeResult(
            metadata={**schema, **_report_metadata(report, total_rows, layout)}
        )
        yield dg.AssetCheckResult(
            check_name=FILES_READABLE,
            passed=not held_back,
            severity=dg.AssetCheckSeverity.ERROR,
            description=(
                "; ".join(f"{name}: {reason}" for name, reason in held_back[:20])
                if held_back
                else "all files readable"
            ),
            metadata={
                "held_back_files": dg.MetadataValue.json(
                    [{"file": name, "reason": reason} for name, reason in held_back]
                ),
            },
        )
        yield rows_check

    return raw_asset


source_assets: list[dg.AssetsDefinition] = [build_raw_asset(source) for source in SOURCES.values()]


@dg.asset(
    key=LEDGER_KEY,
    group_name="raw",
    kinds={"duckdb"},
    pool=WAREHOUSE_POOL,
    deps=[asset.key for asset in source_assets],
    description="Every landing file the pipeline has seen and what became of it: loaded, held "
    "back (with the reason) or not recognised, a file in the landing area that no source reads "
    "(a compression it cannot open, a misspelt name), listed so that no delivery disappears "
    "without a trace.",
    check_specs=[
        dg.AssetCheckSpec(
            EVERY_FILE_RECOGNISED,
            asset=LEDGER_KEY,
            description="Every file in the landing area is read by a source (hidden files, the "
            "identity map and the sources configuration aside); the others are named here.",
        )
    ],
)
def landed_files(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    sales_config: SalesConfig,
    analysis_config: AnalysisConfig,
):
    from sales_pipeline.changes import (
        INPUTS_VERSION,
        LANDING_DIGEST,
        inputs_version,
        landing_digest_read,
    )

    names = files_no_source_reads(
        sales_config.landing_path,
        sources_config(sales_config.sources_config),
        sales_config.sources_config,
    )
    with warehouse.connect() as conn:
        record_unrecognised(conn, names, context.run_id)
        by_status = dict(
            conn.execute("SELECT status, count(*) FROM raw.landed_files GROUP BY ALL").fetchall()
        )
        # The files as this run read them, for the sensor and the schedules (changes.py).
        read = conn.execute(
            "SELECT source, file, file_stat FROM raw.landed_files WHERE status <> 'not_recognised'"
        ).fetchall()
        schema = schema_metadata(conn, "raw", "landed_files")
    for name in names:
        context.log.warning(f"{name}: {NOT_RECOGNISED_REASON}")
    yield dg.MaterializeResult(
        metadata={
            **schema,
            "files_loaded": dg.MetadataValue.int(by_status.get("loaded", 0)),
            "files_held_back": dg.MetadataValue.int(by_status.get("held_back", 0)),
            "files_not_recognised": dg.MetadataValue.int(len(names)),
            "not_recognised_files": markdown_table(["file"], ((name,) for name in names)),
            LANDING_DIGEST: dg.MetadataValue.text(landing_digest_read(sales_config, read)),
            INPUTS_VERSION: dg.MetadataValue.text(inputs_version(sales_config, analysis_config)),
        }
    )
    yield dg.AssetCheckResult(
        check_name=EVERY_FILE_RECOGNISED,
        passed=not names,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(names[:20]) if names else "every file is read by a source",
        metadata={"not_recognised_files": dg.MetadataValue.json(names)},
    )


# The raw layer: one table per source, and the ledger of every file they saw.
raw_assets: list[dg.AssetsDefinition] = [*source_assets, landed_files]
