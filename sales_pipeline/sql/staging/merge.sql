{% import "staging/_common.sql" as c %}
{%- set key_list = keys | join(", ") -%}
{%- macro key_match(left, right) -%}
{% for key in keys %}{{ left }}.{{ key }} = {{ right }}.{{ key }}{{ " AND " if not loop.last }}{% endfor %}
{%- endmacro -%}
{%- macro order_key(table) -%}
struct_pack({% for column in order %}k{{ loop.index }} := {{ table }}.{{ column }}{{ ", " if not loop.last }}{% endfor %})
{%- endmacro -%}
-- Merge one delivery of {{ name }} into staging. Inputs: delivery_files(file), the files read
-- since the last merge, and {{ name }}_checked, their rows with _reason (NULL = accepted).
-- Among accepted rows sharing ({{ key_list }}), the latest by ({{ order | join(", ") }}) wins
-- and is in staging.{{ name }}; the others are in staging.{{ name }}_superseded. A merge
-- recomputes only the keys the delivery touches, so its cost follows the delivery, not the
-- history; a full rebuild (new rules, a snapshot, a first load) starts from empty tables.

{% if full %}
CREATE OR REPLACE TABLE staging.{{ name }} AS
SELECT * EXCLUDE (_reason) FROM {{ name }}_checked LIMIT 0;
CREATE OR REPLACE TABLE staging.{{ name }}_superseded AS
SELECT * FROM staging.{{ name }} LIMIT 0;
CREATE OR REPLACE TABLE quarantine.{{ name }} (
    file VARCHAR NOT NULL, line BIGINT NOT NULL, reason VARCHAR NOT NULL, record VARCHAR
);

-- Everything is rebuilt into the empty tables above: only keys delivered more than once need a
-- ranking (a narrow aggregate; rare), every other accepted row goes straight in. Materializing
-- and ranking every candidate, as a merge does, cost most of a backfill's staging time.
CREATE OR REPLACE TEMP TABLE repeated_keys AS
SELECT {{ key_list }}, max({{ order_key("checked") }}) AS order_key
FROM {{ name }}_checked AS checked
WHERE checked._reason IS NULL
GROUP BY ALL
HAVING count(*) > 1;

INSERT INTO staging.{{ name }} BY NAME
SELECT checked.* EXCLUDE (_reason)
FROM {{ name }}_checked AS checked ANTI JOIN repeated_keys AS k ON {{ key_match("k", "checked") }}
WHERE checked._reason IS NULL;

INSERT INTO staging.{{ name }} BY NAME
SELECT checked.* EXCLUDE (_reason)
FROM {{ name }}_checked AS checked JOIN repeated_keys AS k ON {{ key_match("k", "checked") }}
WHERE checked._reason IS NULL AND {{ order_key("checked") }} = k.order_key;

INSERT INTO staging.{{ name }}_superseded BY NAME
SELECT checked.* EXCLUDE (_reason)
FROM {{ name }}_checked AS checked JOIN repeated_keys AS k ON {{ key_match("k", "checked") }}
WHERE checked._reason IS NULL AND {{ order_key("checked") }} <> k.order_key;
{% else %}
-- The keys of the delivery's accepted rows, and of the rows it replaces (a file delivered again).
CREATE OR REPLACE TEMP TABLE affected_keys AS
SELECT {{ key_list }} FROM {{ name }}_checked WHERE _reason IS NULL
UNION
SELECT {{ key_list }} FROM staging.{{ name }} WHERE _file IN (SELECT file FROM delivery_files)
UNION
SELECT {{ key_list }} FROM staging.{{ name }}_superseded WHERE _file IN (SELECT file FROM delivery_files);

CREATE OR REPLACE TEMP TABLE candidates AS
SELECT kept.* FROM staging.{{ name }} AS kept SEMI JOIN affected_keys AS k ON {{ key_match("k", "kept") }}
WHERE kept._file NOT IN (SELECT file FROM delivery_files)
UNION ALL BY NAME
SELECT kept.* FROM staging.{{ name }}_superseded AS kept SEMI JOIN affected_keys AS k ON {{ key_match("k", "kept") }}
WHERE kept._file NOT IN (SELECT file FROM delivery_files)
UNION ALL BY NAME
SELECT * EXCLUDE (_reason) FROM {{ name }}_checked WHERE _reason IS NULL;

-- Every file whose rows the merge may move: the delivery's, and those of the rows it competes
-- with (reconciliation.sql checks these; a full rebuild checks every file).
CREATE OR REPLACE TEMP TABLE touched_files AS
SELECT file FROM delivery_files UNION SELECT DISTINCT _file FROM candidates;

CREATE OR REPLACE TEMP TABLE ranked AS
SELECT candidates.*, {{ order_key("candidates") }} = latest.order_key AS _is_winner
FROM candidates
JOIN (
    SELECT {{ key_list }}, max({{ order_key("candidates") }}) AS order_key
    FROM candidates
    GROUP BY ALL
) AS latest ON {{ key_match("latest", "candidates") }};

DELETE FROM staging.{{ name }} AS kept USING affected_keys AS k WHERE {{ key_match("k", "kept") }};
DELETE FROM staging.{{ name }}_superseded AS kept USING affected_keys AS k WHERE {{ key_match("k", "kept") }};
INSERT INTO staging.{{ name }} BY NAME SELECT * EXCLUDE (_is_winner) FROM ranked WHERE _is_winner;
INSERT INTO staging.{{ name }}_superseded BY NAME SELECT * EXCLUDE (_is_winner) FROM ranked WHERE NOT _is_winner;
{% endif %}

-- The record as delivered is looked up for rejected rows only.
DELETE FROM quarantine.{{ name }} WHERE file IN (SELECT file FROM delivery_files);
INSERT INTO quarantine.{{ name }}
SELECT checked._file, checked._line, checked._reason, {{ c.record(columns) }}
FROM {{ name }}_checked AS checked
JOIN {{ raw_table }} AS raw ON raw._file = checked._file AND raw._line = checked._line
WHERE checked._reason IS NOT NULL;
