-- Per file: rows read at ingestion against what staging made of them.
SELECT
    checked._file AS file,
    any_value(landed.rows_read) AS rows_read,
    count(*) FILTER (WHERE checked._is_winner) AS accepted,
    count(*) FILTER (WHERE checked._reason IS NULL AND NOT checked._is_winner) AS superseded,
    count(*) FILTER (WHERE checked._reason IS NOT NULL) AS quarantined
FROM {{ name }}_checked AS checked
LEFT JOIN raw.landed_files AS landed
    ON landed.source = {{ name | literal }} AND landed.file = checked._file
GROUP BY checked._file
ORDER BY checked._file;
