CREATE SCHEMA IF NOT EXISTS marts;
CREATE TABLE IF NOT EXISTS {{ table }} (
    period_start DATE NOT NULL,
{%- for key in keys %}
    {{ key }} VARCHAR NOT NULL,
{%- endfor %}
{%- for metric in metrics %}
    {{ metric.name }} {{ metric.sql_type }}{{ "," if not loop.last }}
{%- endfor %}
);
