-- Rebuild every period of {{ table }} that starts in [{{ start }}, {{ end }}) from staging.activities.
-- The caller runs this in one transaction: readers see the old periods or the new, never a mix.
DELETE FROM {{ table }}
WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }};

INSERT INTO {{ table }}
SELECT
    date_trunc({{ unit | literal }}, activity_date)::DATE AS period_start,
{%- for key in keys %}
    {{ key }},
{%- endfor %}
{%- for metric in metrics %}
    {{ metric.sql }} AS {{ metric.name }}{{ "," if not loop.last }}
{%- endfor %}
FROM staging.activities
WHERE activity_date >= {{ start | literal }} AND activity_date < {{ end | literal }}
GROUP BY ALL
ORDER BY ALL;
