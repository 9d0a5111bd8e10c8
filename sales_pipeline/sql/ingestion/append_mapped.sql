-- Turn the batch of a configured source (mapped_lines, see read_mapped_*.sql) into rows of
-- {{ table }}: each contract field as text in the contract's form, the vendor's record as JSON
-- in _raw_line (shown with the row in quarantine), and in _error the reader's error or the
-- reasons a value could not be mapped ('mapping: ...', quarantined as such by staging).
CREATE OR REPLACE TEMP TABLE mapped_batch AS
WITH mapped AS (
    SELECT
        lines._file,
        lines._line,
        lines._file_date,
        lines._ingestion_id,
        lines._error AS _read_error,
        coalesce(lines._raw_line, {{ compiled.record }}) AS _raw_line,
        {{ compiled.keep }} AS _keep,
{%- if compiled.rep_identity is not none %}
        {{ compiled.rep_identity }} AS rep_identity,
{%- endif %}
{%- if compiled.credit_split is not none %}
        {{ compiled.credit_split }} AS credit_split,
{%- endif %}
{%- if compiled.legs is not none %}
        {{ compiled.legs.group }} AS _leg_group,
        {{ compiled.legs.preferred }} AS _leg_preferred,
        row_number() OVER (
            PARTITION BY lines._file, lines._error IS NULL, {{ compiled.legs.group }}
            ORDER BY {{ compiled.legs.preferred }} DESC, {{ compiled.legs.order }}
        ) AS _leg_rank,
{%- endif %}
{%- if compiled.errors %}
        nullif(concat_ws('; '{% for error in compiled.errors %}, {{ error }}{% endfor %}), '') AS _mapping_error,
{%- else %}
        NULL::VARCHAR AS _mapping_error,
{%- endif %}
{%- for name, expression in compiled.fields %}
        left({{ expression }}, {{ max_field_length }}) AS {{ name | ident }}{{ "," if not loop.last }}
{%- endfor %}
    FROM mapped_lines AS lines
)
SELECT
    _file, _line, _file_date, _ingestion_id,
    coalesce(_read_error, 'mapping: ' || _mapping_error) AS _error,
    _raw_line,
{%- if compiled.rep_identity is not none %}
    rep_identity,
{%- endif %}
{%- if compiled.credit_split is not none %}
    credit_split,
{%- endif %}
{%- for name, _ in compiled.fields %}
{%- if compiled.legs is not none and name == "sid" %}
    -- The chosen leg is the call, named by its group; the other legs are its child legs.
    CASE WHEN _read_error IS NULL AND _leg_group IS NOT NULL AND _leg_rank = 1 THEN _leg_group ELSE sid END AS sid,
{%- elif compiled.legs is not none and name == "direction" %}
    -- A call has one direction: its legs take the chosen leg's.
    CASE WHEN _read_error IS NULL AND _leg_group IS NOT NULL
         THEN first_value(direction) OVER (PARTITION BY _file, _read_error IS NULL, _leg_group ORDER BY _leg_rank)
         ELSE direction END AS direction,
{%- elif compiled.legs is not none and name == "parent_call_sid" %}
    CASE WHEN _read_error IS NULL AND _leg_group IS NOT NULL AND _leg_rank > 1 THEN _leg_group ELSE parent_call_sid END AS parent_call_sid,
{%- else %}
    CASE WHEN _read_error IS NULL THEN {{ name | ident }} END AS {{ name | ident }},
{%- endif %}
{%- endfor %}
    _keep OR _read_error IS NOT NULL AS _keep
FROM mapped;

-- Rows outside the source's filter are no records of it (a malformed line always lands).
INSERT INTO {{ table }} BY NAME
SELECT * EXCLUDE (_keep) FROM mapped_batch WHERE _keep;
