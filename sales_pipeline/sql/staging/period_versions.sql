-- Re-hash the days in touched_days(day) and every period containing one; leave in
-- changed_periods(grain, period_start, version) the periods whose content changed.
DELETE FROM pipeline.day_versions WHERE day IN (SELECT day FROM touched_days);
INSERT INTO pipeline.day_versions
SELECT activity_date, bit_xor(hash(
    activity_id, activity, activity_date, rep_id, rep_name, team, department, call_status,
    call_duration, call_answered_by, contact_id, contact_is_decision_maker, signed_amount
))
FROM staging.activities
WHERE activity_date IN (SELECT day FROM touched_days)
GROUP BY activity_date;

CREATE OR REPLACE TEMP TABLE changed_periods AS
WITH grains(grain, unit) AS (
    VALUES {% for grain in grains %}({{ grain.name | literal }}, {{ grain.unit | literal }}){{ ", " if not loop.last }}{% endfor %}
),
touched AS (
    SELECT DISTINCT grain, unit, date_trunc(unit, day)::DATE AS period_start
    FROM touched_days, grains
),
current AS (
    SELECT touched.grain, touched.period_start,
           coalesce(bit_xor(days.version)::VARCHAR, 'empty') AS version
    FROM touched
    LEFT JOIN pipeline.day_versions AS days
        ON date_trunc(touched.unit, days.day)::DATE = touched.period_start
    GROUP BY ALL
)
SELECT current.*
FROM current
LEFT JOIN pipeline.period_versions AS known USING (grain, period_start)
WHERE known.version IS DISTINCT FROM current.version
  AND NOT (known.version IS NULL AND current.version = 'empty');

DELETE FROM pipeline.period_versions AS known
USING changed_periods AS changed
WHERE known.grain = changed.grain AND known.period_start = changed.period_start;
INSERT INTO pipeline.period_versions SELECT grain, period_start, version FROM changed_periods;
