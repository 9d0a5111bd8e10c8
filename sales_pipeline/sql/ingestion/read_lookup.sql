-- A mapping's lookup file(s) (sources/models.py LookupSpec) as a table with one row per key:
-- every column as text, `_key` the trimmed key. Of rows sharing a key, the last one read wins
-- (files in name order, lines in order), as a later line of an export is the later state.
-- A lookup that is not required and has no file is an empty table of the columns it is read for.
{% if not paths -%}
CREATE OR REPLACE TEMP TABLE {{ table }} AS
SELECT NULL::VARCHAR AS _key{% for column in columns %}, NULL::VARCHAR AS {{ column | ident }}{% endfor %}
LIMIT 0;
{%- else -%}
CREATE OR REPLACE TEMP TABLE {{ table }} AS
WITH read AS (
    SELECT nullif(trim({{ key | ident }}), '') AS _key, *, row_number() OVER () AS _read_order
    FROM read_csv(
        {{ paths | literal }},
        header = true,
        all_varchar = true,
        delim = {{ delimiter | literal }},
        quote = {{ quote | literal }},
        escape = {{ escape | literal }},
        encoding = {{ encoding | literal }},
        null_padding = true
    )
)
SELECT * EXCLUDE (_read_order)
FROM read
WHERE _key IS NOT NULL AND {{ keep }}
QUALIFY row_number() OVER (PARTITION BY _key ORDER BY _read_order DESC) = 1;
{%- endif %}
