-- Per file of {{ name }}: rows read at ingestion against where each of them is now. A full
-- rebuild checks every file; a merge only the files it touched (merge.sql: touched_files), so a
-- day's delivery does not count the whole history again.
{%- macro scope(column) -%}
{% if not full %} WHERE {{ column }} IN (SELECT file FROM touched_files){% endif %}
{%- endmacro %}
WITH counts AS (
    SELECT _file AS file, count(*) AS n, 'read' AS kind FROM {{ raw_table }}{{ scope("_file") }} GROUP BY ALL
    UNION ALL SELECT _file, count(*), 'accepted' FROM staging.{{ name }}{{ scope("_file") }} GROUP BY ALL
    UNION ALL SELECT _file, count(*), 'superseded' FROM staging.{{ name }}_superseded{{ scope("_file") }} GROUP BY ALL
    UNION ALL SELECT file, count(*), 'quarantined' FROM quarantine.{{ name }}{{ scope("file") }} GROUP BY ALL
)
SELECT
    file,
    sum(n) FILTER (WHERE kind = 'read') AS rows_read,
    coalesce(sum(n) FILTER (WHERE kind = 'accepted'), 0) AS accepted,
    coalesce(sum(n) FILTER (WHERE kind = 'superseded'), 0) AS superseded,
    coalesce(sum(n) FILTER (WHERE kind = 'quarantined'), 0) AS quarantined
FROM counts
GROUP BY file
ORDER BY file;
