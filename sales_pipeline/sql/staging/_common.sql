{#- Shared pieces of the staging templates. -#}

{#- The row as delivered, for the quarantine: the raw line when the CSV reader could not split it,
    else the contract columns as JSON. -#}
{% macro record(columns) -%}
coalesce(raw._raw_line, to_json({ {%- for c in columns %}{{ c | literal }}: raw.{{ c | ident }}{{ ", " if not loop.last }}{% endfor -%} })::VARCHAR)
{%- endmacro %}

{#- A reason when a value is not one of an enumerated set (exact match, case matters). -#}
{% macro not_in_set(column, expression, values, required=True) -%}
CASE
{%- if required %}
    WHEN {{ expression }} IS NULL THEN '{{ column }} is empty'
{%- endif %}
    WHEN {{ expression }} NOT IN {{ values | in_list }}
    THEN '{{ column }} ' || sp_quote({{ expression }}) || ' is not one of {{ values | join(", ") }}'
END
{%- endmacro %}

{#- A reason when a required text value is empty. -#}
{% macro required(column, expression) -%}
CASE WHEN {{ expression }} IS NULL THEN '{{ column }} is empty' END
{%- endmacro %}

{#- A reason when a value is present but does not parse; `required` also rejects it when empty. -#}
{% macro unparsable(column, text, parsed, what, required=True) -%}
CASE
{%- if required %}
    WHEN {{ text }} IS NULL THEN '{{ column }} is empty'
{%- endif %}
    WHEN {{ text }} IS NOT NULL AND {{ parsed }} IS NULL
    THEN '{{ column }} ' || sp_quote({{ text }}) || {{ (" is not " ~ what) | literal }}
END
{%- endmacro %}

{%- set TIMESTAMP = "an ISO 8601 timestamp with a UTC offset" -%}

{#- A reason when a user reference is empty or names no CRM user (`found` is NULL after the join
    to staging.users). Events say the same of OwnerId. -#}
{% macro known_user(column, expression, found) -%}
CASE
    WHEN {{ expression }} IS NULL THEN '{{ column }} is empty'
    WHEN {{ found }} IS NULL THEN 'unknown rep: {{ column }} ' || sp_quote({{ expression }}) || ' is no CRM user'
END
{%- endmacro %}
