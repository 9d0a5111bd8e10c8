CREATE SCHEMA IF NOT EXISTS raw;

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
