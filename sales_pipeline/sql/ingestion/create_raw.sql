CREATE SCHEMA IF NOT EXISTS raw;

-- Every landing file the pipeline has seen, with what happened to it.
CREATE TABLE IF NOT EXISTS raw.landed_files (
    source        VARCHAR NOT NULL,
    file          VARCHAR NOT NULL,
    fingerprint   VARCHAR NOT NULL,  -- of the content: a hash of the file's bytes
    status        VARCHAR NOT NULL,  -- 'loaded' or 'held_back'
    reason        VARCHAR,           -- why a file is held back
    rows_read     BIGINT,
    rows_malformed BIGINT,
    ingestion_id  VARCHAR NOT NULL,
    ingested_at   TIMESTAMPTZ NOT NULL,
    -- Size and times when it was read: while they stay, the file is not hashed again.
    file_stat     VARCHAR
);
-- Warehouses made before file_stat existed.
ALTER TABLE raw.landed_files ADD COLUMN IF NOT EXISTS file_stat VARCHAR;

-- Rows exactly as delivered (text), with where they came from. A line the CSV reader could not
-- split into the header's columns keeps its raw text in _raw_line and the reader's error in _error.
CREATE TABLE IF NOT EXISTS {{ table }} (
    _file         VARCHAR NOT NULL,
    _line         BIGINT NOT NULL,
    _file_date    DATE,
    _ingestion_id VARCHAR NOT NULL,
    _error        VARCHAR,
    _raw_line     VARCHAR,
{%- for column in columns %}
    {{ column | ident }} VARCHAR{{ "," if not loop.last }}
{%- endfor %}
);
