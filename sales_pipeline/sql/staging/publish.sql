{% import "staging/_common.sql" as c %}
-- Publish a checked source: winners to staging, rejected rows to quarantine. The temp table
-- {{ name }}_checked holds every raw row with _reason (NULL when accepted) and _is_winner.
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS quarantine;

CREATE OR REPLACE TABLE staging.{{ name }} AS
SELECT * EXCLUDE (_reason, _is_winner, _file_date)
FROM {{ name }}_checked
WHERE _is_winner;

-- The record as delivered is looked up for rejected rows only: building it for every row is
-- the single most expensive expression of staging.
CREATE OR REPLACE TABLE quarantine.{{ name }} AS
SELECT
    checked._file AS file,
    checked._line AS line,
    checked._reason AS reason,
    {{ c.record(columns) }} AS record
FROM {{ name }}_checked AS checked
JOIN {{ raw_table }} AS raw ON raw._file = checked._file AND raw._line = checked._line
WHERE checked._reason IS NOT NULL
ORDER BY file, line;
