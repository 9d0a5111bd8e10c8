-- Read a group of a configured source's CSV files (one layout) into the temporary batch that
-- append_batch.sql numbers by line, every value as text. Like read_files.sql, with the source's
-- own dialect; short rows are padded with empty values, because exports such as Asterisk's
-- Master.csv leave optional trailing columns out.
DROP TABLE IF EXISTS landing_rejects;
DROP TABLE IF EXISTS landing_reject_scans;
CREATE OR REPLACE TEMP TABLE landing_batch AS
SELECT *
FROM read_csv(
    {{ paths | literal }},
    auto_detect = false,
    header = {{ "true" if header else "false" }},
    columns = { {%- for position in range(width) %}'c{{ position }}': 'VARCHAR'{{ ", " if not loop.last }}{% endfor -%} },
    delim = {{ delimiter | literal }},
    quote = {{ quote | literal }},
    escape = {{ escape | literal }},
    encoding = {{ encoding | literal }},
    null_padding = true,
    filename = '_landing_path',
    max_line_size = 67108864,
    buffer_size = 134217728,
    store_rejects = true,
    rejects_table = 'landing_rejects',
    rejects_scan = 'landing_reject_scans'
);
-- The lines of the batch, numbered, before the mapping turns them into contract fields.
CREATE OR REPLACE TEMP TABLE mapped_lines (
    _file VARCHAR, _line BIGINT, _file_date DATE, _ingestion_id VARCHAR, _error VARCHAR,
    _raw_line VARCHAR{% for position in range(width) %}, c{{ position }} VARCHAR{% endfor %}
);
