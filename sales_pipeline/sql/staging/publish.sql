-- Publish a checked source: winners to staging, rejected rows to quarantine. The temp table
-- {{ name }}_checked holds every raw row with _reason (NULL when accepted) and _is_winner.
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS quarantine;

CREATE OR REPLACE TABLE staging.{{ name }} AS
SELECT * EXCLUDE (_reason, _is_winner, _record, _file_date)
FROM {{ name }}_checked
WHERE _is_winner
ORDER BY ALL;

CREATE OR REPLACE TABLE quarantine.{{ name }} AS
SELECT _file AS file, _line AS line, _reason AS reason, _record AS record
FROM {{ name }}_checked
WHERE _reason IS NOT NULL
ORDER BY file, line;
