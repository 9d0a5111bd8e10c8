CREATE SCHEMA IF NOT EXISTS pipeline;
-- What the last complete backfill built from: while none of it moves, the next backfill has
-- nothing to do (sales_pipeline/backfill_state.py). One row; deleted when a backfill starts
-- working, written again when it succeeds, so a failed backfill leaves none behind.
CREATE TABLE IF NOT EXISTS pipeline.backfill_state (
    inputs_version    VARCHAR NOT NULL,  -- settings, source configuration, identity map, code
    request           VARCHAR NOT NULL,  -- --start, --end and --reports of that backfill
    warehouse_version VARCHAR NOT NULL,  -- the ledger and the staging bookkeeping afterwards
    data_last_day     DATE,              -- the last day with a counted event
    built_through     DATE,              -- the last day built: data_last_day, --end or today
    completed_at      TIMESTAMPTZ NOT NULL
);
