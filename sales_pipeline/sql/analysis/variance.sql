{% import "analysis/_periods.sql" as p %}
{% set window_start, window_end = start | literal, end | literal %}
{#- Rebuild {{ table }} for the periods starting in [start, end): actuals against target, the
    prior period and the same period last year, per rep, team and department and metric. The
    caller runs this in one transaction. -#}
{%- macro metric_columns() -%}
{%- for m in metrics %}{{ m.name }}::DOUBLE AS {{ m.name }}{{ ", " if not loop.last }}{% endfor -%}
{%- endmacro -%}
{%- macro facts_read(column) -%}
    -- Only the periods compared: the window, the period before each, and the same one last year.
    ({{ p.in_window(column, p.shift(grain, window_start, -1), window_end) }}
     OR {{ p.in_window(column, p.shift(grain, window_start, -per_year), p.shift(grain, window_end, -per_year)) }})
{%- endmacro -%}
{#- The same entity in two rows: a rep is one person whatever team their row is shown under;
    a team or department is its keys. -#}
{%- macro same_entity(a, b) -%}
{{ a }}.level = {{ b }}.level AND {{ a }}.entity_id = {{ b }}.entity_id
        AND ({{ a }}.level = 'rep' OR ({{ a }}.team IS NOT DISTINCT FROM {{ b }}.team AND {{ a }}.department = {{ b }}.department))
{%- endmacro -%}
DELETE FROM {{ table }} WHERE {{ p.in_window("period_start", window_start, window_end) }};

INSERT INTO {{ table }}
WITH rep_totals AS (
    -- A rep is judged as a person: all of their activity in the period, whichever team it was
    -- in, shown under the team of the period's end (`rep_homes`). Only sellers are reps.
    SELECT * FROM {{ facts.rep_total }}
    WHERE {{ facts_read("period_start") }} AND {{ p.is_seller("rep_id", config) }}
),
homes AS (
    {{ p.rep_homes(grain, "rep_totals") }}
),
facts_wide AS (
    SELECT period_start, 'rep' AS level, rep_id AS entity_id, rep_name AS entity_name,
           team, department, {{ metric_columns() }}
    FROM rep_totals JOIN homes USING (period_start, rep_id)
    UNION ALL
    SELECT period_start, 'team', team, team, team, department, {{ metric_columns() }}
    FROM {{ facts.team }}
    WHERE {{ facts_read("period_start") }} AND {{ p.is_real_group("department") }}
    UNION ALL
    SELECT period_start, 'department', department, department, NULL, department, {{ metric_columns() }}
    FROM {{ facts.department }}
    WHERE {{ facts_read("period_start") }} AND {{ p.is_real_group("department") }}
),
-- A comparison period counts as covered from the first period the fact table holds: before it
-- there is no data, so no comparison (NULL) rather than "no activity" (0).
data_start AS (
    SELECT 'rep' AS level, min(period_start) AS first_period FROM {{ facts.rep_total }}
    UNION ALL
    SELECT 'team', min(period_start) FROM {{ facts.team }}
    UNION ALL
    SELECT 'department', min(period_start) FROM {{ facts.department }}
),
metric_catalogue AS (
    SELECT * FROM {{ p.metric_catalogue(metrics) }}
),
calendar AS (
    {{ p.period_calendar(grain, window_start, window_end, config) }}
),
-- A running period is compared like for like: with the first days_elapsed days of the prior
-- period and of the same period last year, aggregated from the events with the metrics' own
-- definitions (the fact marts only hold whole periods).
like_for_like_windows AS (
    SELECT period_start, 'prior' AS comparison,
           {{ p.shift(grain, "period_start", -1) }} AS from_day, days_elapsed
    FROM calendar WHERE NOT is_complete
    UNION ALL
    SELECT period_start, 'last_year', {{ p.shift(grain, "period_start", -per_year) }}, days_elapsed
    FROM calendar WHERE NOT is_complete
),
like_for_like AS (
    SELECT
        w.period_start, w.comparison,
        CASE WHEN GROUPING(a.rep_id) = 0 THEN 'rep' WHEN GROUPING(a.team) = 0 THEN 'team' ELSE 'department' END AS level,
        coalesce(a.rep_id, a.team, a.department) AS entity_id,
        a.team, a.department,
        {%- for m in metrics %}
        ({{ m.sql }})::DOUBLE AS {{ m.name }}{{ "," if not loop.last }}
        {%- endfor %}
    FROM like_for_like_windows AS w
    JOIN staging.activities AS a
        ON {{ p.in_window("a.activity_date", "w.from_day", "w.from_day + w.days_elapsed") }}
    GROUP BY GROUPING SETS (
        (w.period_start, w.comparison, a.rep_id),
        (w.period_start, w.comparison, a.team, a.department),
        (w.period_start, w.comparison, a.department)
    )
),
-- Sellers' targets only: a manager's own target is usually the team's quota, and summing it
-- with the reps' would count the team twice.
rep_targets AS (
    SELECT * FROM {{ targets }}
    WHERE {{ p.in_window("period_start", window_start, window_end) }}
      AND {{ p.is_seller("rep_id", config) }}
),
-- Team and department targets are the sum of their reps' (additive metrics only). 'Unassigned'
-- is no team: it has no group rows at all.
entity_targets AS (
    SELECT period_start, 'rep' AS level, rep_id AS entity_id, rep_name AS entity_name,
           team, department, metric, target
    FROM rep_targets
    UNION ALL
    SELECT period_start, 'team', team, team, team, department, metric, sum(target)
    FROM rep_targets JOIN metric_catalogue USING (metric)
    WHERE additive AND {{ p.is_real_group("department") }}
    GROUP BY ALL
    UNION ALL
    SELECT period_start, 'department', department, department, NULL, department, metric, sum(target)
    FROM rep_targets JOIN metric_catalogue USING (metric)
    WHERE additive AND {{ p.is_real_group("department") }}
    GROUP BY ALL
),
-- An entity with a target and no fact row in the period still appears, with the values of no
-- activity: counts and amounts 0, averages NULL.
idle_entities AS (
    SELECT DISTINCT period_start, level, entity_id, entity_name, team, department
    FROM entity_targets AS t
    WHERE NOT EXISTS (
        SELECT 1 FROM facts_wide AS f
        WHERE f.period_start = t.period_start AND {{ same_entity("f", "t") }}
    )
),
current AS (
    SELECT * FROM facts_wide
    WHERE {{ p.in_window("period_start", window_start, window_end) }}
    UNION ALL
    SELECT
        period_start, level, entity_id, entity_name, team, department,
        {%- for m in metrics %}
        {{ "NULL" if m.sql_type == "DOUBLE" else "0" }}::DOUBLE AS {{ m.name }}{{ "," if not loop.last }}
        {%- endfor %}
    FROM idle_entities
),
-- What each period in the window is compared with: whole periods for a complete one, the
-- like-for-like days for a running one.
comparables AS (
    SELECT * FROM (
        SELECT {{ p.shift(grain, "period_start", 1) }} AS for_period, 'prior' AS comparison, *
        FROM facts_wide
        UNION ALL
        SELECT {{ p.shift(grain, "period_start", per_year) }}, 'last_year', * FROM facts_wide
    )
    WHERE for_period NOT IN (SELECT period_start FROM calendar WHERE NOT is_complete)
    UNION ALL BY NAME
    SELECT period_start AS for_period, comparison, level, entity_id, team, department,
           {%- for m in metrics %} {{ m.name }}{{ "," if not loop.last }}{% endfor %}
    FROM like_for_like
),
-- Prior and last-year rows are looked up once per entity (all metrics at once), then the
-- metrics are turned into rows.
joined AS (
    SELECT
        c.*,
        prior.for_period IS NOT NULL AS prior_found,
        last_year.for_period IS NOT NULL AS last_year_found,
        {%- for m in metrics %}
        prior.{{ m.name }} AS {{ m.name }}__prior,
        last_year.{{ m.name }} AS {{ m.name }}__last_year{{ "," if not loop.last }}
        {%- endfor %}
    FROM (SELECT * FROM current JOIN calendar USING (period_start)) AS c
    LEFT JOIN comparables AS prior
        ON prior.for_period = c.period_start AND prior.comparison = 'prior'
        AND {{ same_entity("prior", "c") }}
    LEFT JOIN comparables AS last_year
        ON last_year.for_period = c.period_start AND last_year.comparison = 'last_year'
        AND {{ same_entity("last_year", "c") }}
),
long AS (
    SELECT * FROM joined
    UNPIVOT INCLUDE NULLS ((actual, prior_value, last_year_value) FOR metric IN (
        {%- for m in metrics %}
        ({{ m.name }}, {{ m.name }}__prior, {{ m.name }}__last_year) AS {{ m.name | literal }}{{ "," if not loop.last }}
        {%- endfor %}
    ))
),
compared AS (
    SELECT
        l.period_start, l.level, l.entity_id, l.entity_name, l.team, l.department, l.metric,
        l.actual,
        t.target,
        l.period_end, l.days_in_period, l.days_elapsed, l.working_days, l.working_days_elapsed,
        l.holidays, l.is_complete,
        -- A running period's target, pro-rated to the working days elapsed (averages are not).
        CASE
            WHEN l.is_complete OR NOT mc.accumulates THEN t.target
            ELSE t.target * l.working_days_elapsed / nullif(l.working_days, 0)
        END AS target_to_date,
        mc.accumulates,
        {{ p.shift(grain, "l.period_start", -1) }} AS prior_period_start,
        {{ p.shift(grain, "l.period_start", -per_year) }} AS last_year_period_start,
        CASE
            WHEN l.prior_found THEN l.prior_value
            WHEN {{ p.shift(grain, "l.period_start", -1) }} >= data_start.first_period THEN mc.empty_actual
        END AS prior_actual,
        CASE
            WHEN l.last_year_found THEN l.last_year_value
            WHEN {{ p.shift(grain, "l.period_start", -per_year) }} >= data_start.first_period THEN mc.empty_actual
        END AS last_year_actual
    FROM long AS l
    JOIN metric_catalogue AS mc USING (metric)
    JOIN data_start USING (level)
    LEFT JOIN entity_targets AS t
        ON t.period_start = l.period_start AND t.level = l.level AND t.entity_id = l.entity_id
        AND t.team IS NOT DISTINCT FROM l.team AND t.department = l.department
        AND t.metric = l.metric
),
measured AS (
    SELECT
        *,
        actual - target AS gap,
        actual / nullif(target, 0) AS attainment,
        actual / nullif(target_to_date, 0) AS attainment_to_date,
        -- What each remaining working day must bring to reach the full-period target.
        CASE WHEN NOT is_complete AND accumulates AND target IS NOT NULL THEN
            greatest(target - coalesce(actual, 0), 0) / nullif(working_days - working_days_elapsed, 0)
        END AS pace_needed,
        actual - prior_actual AS pop_change,
        (actual - prior_actual) / nullif(prior_actual, 0) AS pop_change_pct,
        actual - last_year_actual AS yoy_change,
        (actual - last_year_actual) / nullif(last_year_actual, 0) AS yoy_change_pct
    FROM compared
)
SELECT
    period_start, level, entity_id, entity_name, team, department, metric,
    actual, target, gap, attainment,
    prior_actual, pop_change, pop_change_pct,
    last_year_actual, yoy_change, yoy_change_pct,
    -- A target of 0 leaves attainment undefined: no target to classify against. A missing
    -- actual (an average over nothing) against a target counts as attainment 0.
    CASE
        WHEN target IS NULL OR target = 0 THEN 'no_target'
        -- No verdict on a period that has not ended: the reports show it "to date".
        WHEN NOT is_complete THEN 'in_progress'
        WHEN coalesce(attainment, 0) >= {{ config.status_ahead | literal }}::DOUBLE THEN 'ahead'
        WHEN coalesce(attainment, 0) >= {{ config.status_on_track | literal }}::DOUBLE THEN 'on_track'
        WHEN coalesce(attainment, 0) >= {{ config.status_at_risk | literal }}::DOUBLE THEN 'at_risk'
        ELSE 'behind'
    END AS status,
    prior_period_start,
    last_year_period_start,
    period_end, days_in_period, days_elapsed, working_days, working_days_elapsed, holidays,
    is_complete, target_to_date, attainment_to_date, pace_needed
FROM measured
-- Stored by period so that the DELETE and reads of a window touch only its row groups.
ORDER BY period_start;
