-- A wide sheet read long (sources/models.py UnpivotSpec): each of the named columns of a line
-- becomes a row of its own, carrying the column's name (c{{ width }}) and its cell
-- (c{{ width + 1 }}) beside the line's other columns. A malformed line stays one row, so it is
-- quarantined once.
CREATE OR REPLACE TEMP TABLE mapped_lines AS
SELECT lines.* EXCLUDE (_cell), _cell.name AS c{{ width }}, _cell.value AS c{{ width + 1 }}
FROM (
    SELECT
        *,
        unnest(CASE WHEN _error IS NULL THEN [
{%- for position, name in columns %}
            {'name': {{ name | literal }}::VARCHAR, 'value': c{{ position }}}{{ "," if not loop.last }}
{%- endfor %}
        ] ELSE [{'name': NULL::VARCHAR, 'value': NULL::VARCHAR}] END) AS _cell
    FROM mapped_lines
) AS lines;
