-- How many reps each cause applies to, per comparison, in the latest period of the window.
WITH latest AS (
    SELECT max(period_start) AS period_start FROM {{ table }}
    WHERE period_start >= {{ start | literal }} AND period_start < {{ end | literal }}
)
SELECT
    period_start, comparison,
    count(*) FILTER (WHERE cause = 'no_shortfall') AS no_shortfall,
    count(*) FILTER (WHERE cause = 'effort') AS effort,
    count(*) FILTER (WHERE cause = 'skill') AS skill,
    count(*) FILTER (WHERE cause = 'value') AS value,
    count(*) FILTER (WHERE cause = 'mixed') AS mixed,
    count(*) FILTER (WHERE cause = 'no_base') AS no_base,
    sum(total_change) AS total_change,
    sum(activity_effect) AS activity_effect,
    sum(conversion_effect) AS conversion_effect,
    sum(value_effect) AS value_effect
FROM {{ table }} JOIN latest USING (period_start)
GROUP BY ALL
ORDER BY comparison
