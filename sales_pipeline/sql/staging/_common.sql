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

{#- A reason when an activity's day lies outside the window the pipeline accepts: more than
    `days_ahead` days after the run's date, or before SALES_HISTORY_START. The history reason comes
    last, so a row rejected for that alone has a reason that starts with it: the rejected-share
    check leaves such rows out, since data older than the configured history is no sign of a bad
    delivery. -#}
{% macro outside_window(column, day, days_ahead, history_start, history_reason) -%}
CASE
    WHEN {{ day }} > current_date + {{ days_ahead }}
    THEN '{{ column }} is implausible: its day ' || {{ day }}::VARCHAR
        || ' is more than {{ days_ahead }} day(s) after the run''s date ' || current_date::VARCHAR
END,
CASE
    WHEN {{ day }} < {{ history_start | literal }}
    THEN {{ history_reason | literal }} || ': ' || {{ day }}::VARCHAR || ' is before '
        || {{ history_start | string | literal }}
END
{%- endmacro %}
