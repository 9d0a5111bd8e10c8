{% import "analysis/_periods.sql" as p %}
{% set window_start, window_end = start | literal, end | literal %}
-- Rebuild the rep targets of {{ table }} for the periods starting in [{{ start }}, {{ end }}).
-- The caller runs this in one transaction. Windows are whole periods of the grain, so the
-- months and quarters a rolled-up target sums are exactly the ones inside the window.
DELETE FROM {{ table }} WHERE {{ p.in_window("period_start", window_start, window_end) }};

INSERT INTO {{ table }}
WITH set_targets AS (
    -- Two lines for the same rep, metric and period (different Ids): the later line wins.
    SELECT user_id AS rep_id, metric, period_type, period_start, target::DOUBLE AS target
    FROM staging.sales_targets
    WHERE {{ p.in_window("period_start", window_start, window_end) }}
    QUALIFY row_number() OVER (
        PARTITION BY user_id, metric, period_type, period_start ORDER BY _file DESC, _line DESC
    ) = 1
),
additive AS (
    SELECT metric FROM {{ p.metric_catalogue(metrics) }} WHERE additive
),
quarter_candidates AS (
    SELECT rep_id, metric, period_start, target, 'set' AS origin
    FROM set_targets WHERE period_type = 'Quarter'
    UNION ALL
    SELECT rep_id, metric, date_trunc('quarter', period_start)::DATE, sum(target), 'rolled_up'
    FROM set_targets
    WHERE period_type = 'Month' AND metric IN (SELECT metric FROM additive)
    GROUP BY ALL
    HAVING count(*) = 3
),
quarters AS (
    -- A quarter target set in the CRM wins over the sum of its months.
    SELECT * FROM quarter_candidates
    QUALIFY row_number() OVER (PARTITION BY rep_id, metric, period_start ORDER BY origin = 'set' DESC) = 1
),
year_candidates AS (
    SELECT rep_id, metric, period_start, target, 'set' AS origin
    FROM set_targets WHERE period_type = 'Year'
    UNION ALL
    SELECT rep_id, metric, date_trunc('year', period_start)::DATE, sum(target), 'rolled_up'
    FROM quarters
    WHERE metric IN (SELECT metric FROM additive)
    GROUP BY ALL
    HAVING count(*) = 4
),
years AS (
    -- Likewise a year target set in the CRM wins over the sum of its quarters.
    SELECT * FROM year_candidates
    QUALIFY row_number() OVER (PARTITION BY rep_id, metric, period_start ORDER BY origin = 'set' DESC) = 1
),
grain_targets AS (
{%- if grain.unit == "quarter" %}
    SELECT * FROM quarters
{%- elif grain.unit == "year" %}
    SELECT * FROM years
{%- else %}
    -- Weeks straddle months, months are the finest period type: neither is rolled up into.
    SELECT rep_id, metric, period_start, target, 'set' AS origin
    FROM set_targets WHERE period_type = {{ p.period_type(grain) }}
{%- endif %}
),
-- The team of a target is the team the rep's row is shown under (`rep_homes`).
homes AS (
    {{ p.rep_homes(grain, "grain_targets") }}
)
SELECT
    t.period_start,
    t.rep_id,
    coalesce(users.rep_name, t.rep_id) AS rep_name,
    homes.team,
    homes.department,
    t.metric,
    t.target,
    t.origin
FROM grain_targets AS t
JOIN homes USING (period_start, rep_id)
LEFT JOIN staging.users AS users ON users.user_id = t.rep_id
ORDER BY t.period_start, t.rep_id, t.metric;
