-- Formatting and tracing macros of the action plans, as temporary macros so the build and the
-- check spell a trace key the same way.

-- A key value inside a trace path: '%', '/' and '*' are escaped so the path splits back
-- unambiguously and '*' stays free to mean "every value" (the peers of a quartile).
CREATE OR REPLACE TEMP MACRO ap_key(value) AS replace(replace(replace(
    coalesce(value::VARCHAR, ''), '%', '%25'), '/', '%2F'), '*', '%2A');

-- A number as a sales leader reads it: thousands separators, no decimals unless it has them.
CREATE OR REPLACE TEMP MACRO ap_number(value) AS CASE
    WHEN value IS NULL THEN 'n/a'
    WHEN value = round(value) OR abs(value) >= 100 THEN format('{:,.0f}', value::DOUBLE)
    ELSE format('{:,.1f}', value::DOUBLE)
END;

CREATE OR REPLACE TEMP MACRO ap_money(value) AS
    ap_number(round(value)) || ' ' || {{ currency | literal }};

CREATE OR REPLACE TEMP MACRO ap_percent(ratio) AS CASE
    WHEN ratio IS NULL THEN 'n/a' ELSE format('{:.0f}%', 100 * ratio::DOUBLE)
END;

CREATE OR REPLACE TEMP MACRO ap_signed_percent(ratio) AS CASE
    WHEN ratio IS NULL THEN 'n/a'
    WHEN ratio >= 0 THEN format('+{:.0f}%', 100 * ratio::DOUBLE)
    ELSE format('-{:.0f}%', -100 * ratio::DOUBLE)
END;

-- A metric value as its definition's display says (facts/metrics.py, Display): money, hours of
-- talk time, seconds per call, a ratio (orders per unit of activity) or a plain number.
{%- macro displayed_as(display) -%}
{{ definitions | selectattr("display", "equalto", display) | map(attribute="name") | list | in_list }}
{%- endmacro %}
CREATE OR REPLACE TEMP MACRO ap_metric_value(metric, value) AS CASE
    WHEN value IS NULL THEN 'n/a'
    WHEN metric IN {{ displayed_as("money") }} THEN ap_money(value)
    WHEN metric IN {{ displayed_as("hours") }} THEN format('{:,.1f} h', value::DOUBLE / 3600)
    WHEN metric IN {{ displayed_as("seconds") }} THEN format('{:.0f} s', value::DOUBLE)
    WHEN metric IN {{ displayed_as("ratio") }} THEN format('{:.2f}', value::DOUBLE)
    ELSE ap_number(value)
END;

-- What a comparison is, after "vs <value>".
CREATE OR REPLACE TEMP MACRO ap_against(comparison) AS CASE comparison
    WHEN 'target' THEN 'at target'
    WHEN 'prior_period' THEN 'in the previous ' || {{ unit | literal }}
    WHEN 'last_year' THEN 'in the same ' || {{ unit | literal }} || ' last year'
    WHEN 'peers' THEN 'of the team''s median seller'
END;
