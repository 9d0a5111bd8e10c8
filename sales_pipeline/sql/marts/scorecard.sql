-- A rep scorecard for BI tools: the variance table's rep rows, one row per rep and period, each
-- metric's actual, target, attainment and status in columns (marts_catalog.scorecard_view).
CREATE OR REPLACE VIEW {{ view }} AS
SELECT
    period_start,
    entity_id AS rep_id,
    entity_name AS rep_name,
    team,
    department,
    max(period_end) AS period_end,
    bool_and(is_complete) AS is_complete,
{%- for metric in metrics %}
{%- set last_metric = loop.last %}
{%- for part in ("actual", "target", "attainment", "status") %}
    any_value({{ part }}) FILTER (WHERE metric = {{ metric.name | literal }}) AS {{ metric.name }}_{{ part }}{{ "," if not (loop.last and last_metric) }}
{%- endfor %}
{%- endfor %}
FROM {{ variance }}
WHERE level = 'rep'
GROUP BY period_start, entity_id, entity_name, team, department;
