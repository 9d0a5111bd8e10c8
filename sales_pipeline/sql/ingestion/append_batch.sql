-- Land the batch read by read_files.sql in {{ table }}, numbering rows by their line in the file
-- (the first record is on line {{ first_line }}: after the header, or the first line without one).
-- DuckDB reports the line of each rejected record and skips empty lines; accepted records take
-- the remaining lines in order (exact for files whose records do not span lines, which is every
-- export we know of).
INSERT INTO {{ table }}
WITH files(path, file, file_date) AS (
    VALUES {% for f in files %}({{ f.path | string | literal }}, {{ f.name | literal }}, {{ f.file_date | literal }}::DATE){{ ", " if not loop.last }}{% endfor %}
),
blank AS (
    SELECT v.path::VARCHAR AS path, v.line::BIGINT AS line
    FROM (VALUES {% for path, line in blank_lines %}({{ path | literal }}, {{ line }}), {% endfor %}(NULL, NULL)) AS v(path, line)
    WHERE v.path IS NOT NULL
),
-- The batch keeps the files' order (insertion order is preserved), so a file's rows are
-- consecutive: its n-th accepted record is its first rowid + n - 1, with no sort of the batch.
accepted AS (
    SELECT
        batch._landing_path AS path,
        batch.rowid - first_rows.first_rowid + 1 AS ordinal,
        batch.*
    FROM landing_batch AS batch
    JOIN (
        SELECT _landing_path, min(rowid) AS first_rowid FROM landing_batch GROUP BY ALL
    ) AS first_rows USING (_landing_path)
),
reported AS (
    SELECT
        scans.file_path AS path,
        errors.line::BIGINT AS line,
        first(errors.error_type::VARCHAR || ': ' || errors.error_message) AS error,
        first(errors.csv_line) AS csv_line
    FROM landing_rejects AS errors
    JOIN landing_reject_scans AS scans USING (scan_id, file_id)
    GROUP BY ALL
),
-- After empty lines DuckDB reports the first of them as the record's line: move to the record.
malformed AS (
    SELECT path,
           (SELECT min(candidate.range) FROM range(reported.line, reported.line + 1000) AS candidate
            WHERE candidate.range NOT IN (SELECT line FROM blank WHERE blank.path = reported.path)
           ) AS line,
           error,
           csv_line
    FROM reported
),
taken AS (
    SELECT path, line FROM malformed UNION ALL SELECT path, line FROM blank
),
free_lines AS (
    SELECT bad.path, candidate.line,
           row_number() OVER (PARTITION BY bad.path ORDER BY candidate.line) AS ordinal
    FROM (SELECT path, count(*) AS n_bad, max(line) AS last_bad FROM taken GROUP BY path) AS bad
    JOIN (SELECT path, count(*) AS n_ok FROM accepted GROUP BY path) AS ok USING (path)
    CROSS JOIN LATERAL (
        SELECT range AS line FROM range({{ first_line }}, greatest({{ first_line }} + ok.n_ok + bad.n_bad, bad.last_bad + 1))
    ) AS candidate
    ANTI JOIN taken ON taken.path = bad.path AND taken.line = candidate.line
)
SELECT
    files.file,
    coalesce(free_lines.line, accepted.ordinal + {{ first_line - 1 }}),
    files.file_date,
    {{ ingestion_id | literal }},
    CASE WHEN too_long THEN 'FIELD TOO LONG: a field has more than {{ max_field_length }} characters' END,
    NULL,
{%- for position in positions %}
    left(accepted.c{{ position }}, {{ max_field_length }}){{ "," if not loop.last }}
{%- endfor %}
FROM (
    SELECT *, greatest({% for position in positions %}length(c{{ position }}){{ ", " if not loop.last }}{% endfor %}) > {{ max_field_length }} AS too_long
    FROM accepted
) AS accepted
JOIN files USING (path)
LEFT JOIN free_lines USING (path, ordinal)
UNION ALL
SELECT
    files.file,
    malformed.line,
    files.file_date,
    {{ ingestion_id | literal }},
    malformed.error,
    malformed.csv_line,
{%- for position in positions %}
    NULL{{ "," if not loop.last }}
{%- endfor %}
FROM malformed
JOIN files USING (path);
