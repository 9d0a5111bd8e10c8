{#- Period arithmetic and shared pieces of the analysis templates.

    Every macro takes the grain (sales_pipeline.partitions.Grain) explicitly: a week is 7 days,
    the other grains are whole months, so shifting a period start by n periods stays on a period
    start (months are only ever shifted from the first day of a month). -#}

{#- The start of the period `periods` periods after (negative: before) the period starting at `expr`. -#}
{% macro shift(grain, expr, periods) -%}
{%- if grain.months == 0 -%}
CAST({{ expr }} + to_days({{ 7 * periods }}) AS DATE)
{%- else -%}
CAST({{ expr }} + to_months({{ grain.months * periods }}) AS DATE)
{%- endif -%}
{%- endmacro %}

{#- `periods` periods as an interval, for window frames and series. -#}
{% macro span(grain, periods) -%}
{%- if grain.months == 0 -%}
INTERVAL ({{ 7 * periods }}) DAY
{%- else -%}
INTERVAL ({{ grain.months * periods }}) MONTH
{%- endif -%}
{%- endmacro %}

{#- Last day of the period starting at `expr`. -#}
{% macro last_day(grain, expr) -%}
CAST({{ shift(grain, expr, 1) }} - 1 AS DATE)
{%- endmacro %}

{#- A running number of the period starting at `expr`: consecutive periods differ by 1, so it is
    the x axis of the trend regressions. -#}
{% macro index(grain, expr) -%}
{%- if grain.months == 0 -%}
(date_diff('day', DATE '1970-01-05', {{ expr }}) // 7)
{%- else -%}
((year({{ expr }}) * 12 + month({{ expr }}) - 1) // {{ grain.months }})
{%- endif -%}
{%- endmacro %}

{#- The CRM's Period_Type__c of the grain. -#}
{% macro period_type(grain) -%}
{{ grain.unit.capitalize() | literal }}
{%- endmacro %}

{#- Every metric with what its value is for an entity with no counted event (0 for counts and
    amounts, NULL for averages), whether group targets may be summed from rep targets, and
    whether a running period's target is pro-rated (it accumulates over the days). -#}
{% macro metric_catalogue(metrics, alias="metric_catalogue") -%}
(VALUES
{%- for m in metrics %}
    ({{ m.name | literal }}, {{ m.additive | literal }}, {{ "NULL" if m.sql_type == "DOUBLE" else "0" }}::DOUBLE, {{ m.accumulates | literal }}){{ "," if not loop.last }}
{%- endfor %}
) AS {{ alias }}(metric, additive, empty_actual, accumulates)
{%- endmacro %}

{#- The last day the data is complete through: AnalysisConfig.as_of (SALES_AS_OF) when set, else
    the last day with a counted event. -#}
{% macro data_through(config) -%}
{%- if config.as_of_date -%}
{{ config.as_of_date | literal }}
{%- else -%}
(SELECT max(activity_date) FROM staging.activities)
{%- endif -%}
{%- endmacro %}

{#- One row per period starting in [lower, upper) (SQL expressions on period starts): its last
    day, its days and how many have elapsed by `data_through`, its working days and the holidays
    among them, and whether it is complete (docs/analysis.md, "Complete periods").

    A period is complete once the data reaches its last weekday: data through Friday completes a
    week whose weekend nobody works. A holiday is an elapsed weekday on which fewer than
    `config.holiday_share` of the reps active in that ISO week had a counted event (the whole
    organisation off, not one rep on leave), or of a week in which nobody had one. Working days are the weekdays that are not
    holidays; the days not yet elapsed count as working days when they are weekdays. -#}
{% macro period_calendar(grain, lower, upper, config) -%}
SELECT
    period_start,
    max(day) AS period_end,
    count(*)::INTEGER AS days_in_period,
    count(*) FILTER (WHERE elapsed)::INTEGER AS days_elapsed,
    count(*) FILTER (WHERE weekday AND NOT holiday)::INTEGER AS working_days,
    count(*) FILTER (WHERE weekday AND NOT holiday AND elapsed)::INTEGER AS working_days_elapsed,
    coalesce(list(day ORDER BY day) FILTER (WHERE holiday), []::DATE[]) AS holidays,
    coalesce(max(day) FILTER (WHERE weekday), max(day)) <= any_value(through) AS is_complete
FROM (
    SELECT
        days.day,
        date_trunc({{ grain.unit | literal }}, days.day)::DATE AS period_start,
        isodow(days.day) <= 5 AS weekday,
        days.day <= through AS elapsed,
        isodow(days.day) <= 5 AND days.day <= through
            AND (weekly.reps IS NULL
                 OR coalesce(daily.reps, 0) < {{ config.holiday_share | literal }} * weekly.reps) AS holiday,
        through
    FROM (
        SELECT CAST(range AS DATE) AS day
        FROM range(CAST({{ lower }} AS TIMESTAMP), CAST({{ upper }} AS TIMESTAMP), INTERVAL 1 DAY)
    ) AS days
    CROSS JOIN (SELECT {{ data_through(config) }} AS through) AS bounds
    LEFT JOIN (
        SELECT activity_date AS day, count(DISTINCT rep_id) AS reps
        FROM staging.activities
        WHERE {{ in_window("activity_date", lower, upper) }}
        GROUP BY ALL
    ) AS daily USING (day)
    LEFT JOIN (
        SELECT date_trunc('week', activity_date)::DATE AS week, count(DISTINCT rep_id) AS reps
        FROM staging.activities
        WHERE {{ in_window("activity_date", "CAST(" ~ lower ~ " AS DATE) - 6", "CAST(" ~ upper ~ " AS DATE) + 6") }}
        GROUP BY ALL
    ) AS weekly ON weekly.week = date_trunc('week', days.day)::DATE
)
GROUP BY period_start
{%- endmacro %}

{#- `column` in [lower, upper), both SQL expressions. -#}
{% macro in_window(column, lower, upper) -%}
{{ column }} >= {{ lower }} AND {{ column }} < {{ upper }}
{%- endmacro %}

{#- The team and department a rep's row is shown under in a period, for every (period_start,
    rep_id) of the relation `reps`: the membership covering the period's last day (of several,
    the latest start, then the highest id); failing that, the latest membership that started
    before the period ended (a rep who left mid-period stays with the team they left); else
    'Unassigned'. Targets take their team by the same rule, so a rep's row and target meet. -#}
{% macro rep_homes(grain, reps) -%}
SELECT
    r.period_start,
    r.rep_id,
    coalesce(membership.team, 'Unassigned') AS team,
    coalesce(membership.department, 'Unassigned') AS department
FROM (SELECT DISTINCT period_start, rep_id FROM {{ reps }}) AS r
LEFT JOIN staging.team_memberships AS membership
    ON membership.user_id = r.rep_id
    AND membership.start_date <= {{ last_day(grain, "r.period_start") }}
QUALIFY row_number() OVER (
    PARTITION BY r.rep_id, r.period_start
    ORDER BY
        (membership.end_date IS NULL OR membership.end_date >= {{ last_day(grain, "r.period_start") }}) DESC NULLS LAST,
        membership.start_date DESC NULLS LAST,
        membership.membership_id DESC NULLS LAST
) = 1
{%- endmacro %}

{#- True when the rep at `rep_expr` is a seller: a CRM user whose Title does not match the
    configured non-seller pattern (SALES_NON_SELLER_TITLES; docs/analysis.md, "Only sellers are
    ranked"). A rep with no user row or no title is a seller. -#}
{% macro is_seller(rep_expr, config) -%}
{{ rep_expr }} NOT IN (
    SELECT user_id FROM staging.users
    WHERE regexp_matches(coalesce(title, ''), {{ config.non_seller_titles | literal }}, 'i')
)
{%- endmacro %}

{#- False for the contract's 'Unassigned' (activity on days no team membership covers): it is a
    data-quality finding, not a team, so it gets no team or department rows in the analysis; the
    reports list it in a data-quality section instead (docs/analysis.md). -#}
{% macro is_real_group(department_expr) -%}
{{ department_expr }} <> 'Unassigned'
{%- endmacro %}
