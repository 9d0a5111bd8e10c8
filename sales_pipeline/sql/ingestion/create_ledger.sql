CREATE SCHEMA IF NOT EXISTS raw;

-- Every landing file the pipeline has seen, with what happened to it.
CREATE TABLE IF NOT EXISTS raw.landed_files (
    source        VARCHAR,           -- empty for a file no source reads
    file          VARCHAR NOT NULL,  -- relative to the landing directory
    fingerprint   VARCHAR,           -- of the content: a hash of the file's bytes (not taken
                                     -- of a file no source reads)
    status        VARCHAR NOT NULL,  -- 'loaded', 'held_back' or 'not_recognised'
    reason        VARCHAR,           -- why a file is held back or not recognised
    rows_read     BIGINT,
    rows_malformed BIGINT,
    ingestion_id  VARCHAR NOT NULL,
    ingested_at   TIMESTAMPTZ NOT NULL,
    -- Size and times when it was read: while they stay, the file is not hashed again.
    file_stat     VARCHAR
);
-- Warehouses made before file_stat existed, and before files no source reads were listed.
ALTER TABLE raw.landed_files ADD COLUMN IF NOT EXISTS file_stat VARCHAR;
ALTER TABLE raw.landed_files ALTER COLUMN source DROP NOT NULL;
ALTER TABLE raw.landed_files ALTER COLUMN fingerprint DROP NOT NULL;
