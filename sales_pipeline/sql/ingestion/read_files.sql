-- Read a group of files sharing one header into a temporary batch, every value as text. Columns
-- are named by position (c0, c1, ...) so no header text ever becomes an identifier. Lines that do
-- not fit the header go to the rejects tables with their line number instead of failing the read.
DROP TABLE IF EXISTS landing_rejects;
DROP TABLE IF EXISTS landing_reject_scans;
CREATE OR REPLACE TEMP TABLE landing_batch AS
SELECT *
FROM read_csv(
    {{ paths | literal }},
    auto_detect = false,
    header = true,
    columns = { {%- for position in range(width) %}'c{{ position }}': 'VARCHAR'{{ ", " if not loop.last }}{% endfor -%} },
    delim = ',',
    quote = '"',
    escape = '"',
    encoding = 'utf-8',
    filename = '_landing_path',
    -- DuckDB drops a line far beyond max_line_size without a trace: a generous maximum keeps
    -- every line of a sane file readable (append_batch.sql rejects over-long fields itself).
    max_line_size = 67108864,
    buffer_size = 134217728,
    store_rejects = true,
    rejects_table = 'landing_rejects',
    rejects_scan = 'landing_reject_scans'
);
