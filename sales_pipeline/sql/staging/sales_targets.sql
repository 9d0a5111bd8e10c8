{% import "staging/_common.sql" as c %}
{% import "staging/_lookups.sql" as lookups -%}
-- Targets per rep, metric and period, as set in the CRM.
CREATE OR REPLACE TEMP TABLE sales_targets_checked AS
WITH typed AS (
    SELECT
        _file, _line, _file_date, _error,
        sp_text("Id") AS target_id,
        {{- lookups.user_columns(rep_identity_system) }}
        sp_text("Metric__c") AS metric,
        sp_text("Period_Type__c") AS period_type,
        sp_text("Period_Start__c") AS period_start_text,
        sp_date("Period_Start__c") AS period_start,
        sp_text("Target__c") AS target_text,
        sp_decimal("Target__c") AS target
    FROM raw.sales_targets
    {{- lookups.user_join(rep_identity_system) }}
    -- Only the files of this delivery; the merge step takes care of earlier ones.
    WHERE _file IN (SELECT file FROM delivery_files)
),
checked AS (
    SELECT typed.*, sp_reasons(_error, concat_ws('; ',
        {{ c.required("Id", "target_id") }},
        {{- lookups.user_reason(rep_identity_system, c.known_user("User__c", "typed.user_id", "users.user_id")) }}
        {{ c.not_in_set("Metric__c", "metric", metric_names) }},
        {{ c.not_in_set("Period_Type__c", "period_type", contract.PERIOD_TYPES) }},
        {{ c.unparsable("Period_Start__c", "period_start_text", "period_start", "a YYYY-MM-DD date") }},
        CASE WHEN period_start <> CASE period_type
                WHEN 'Week' THEN date_trunc('week', period_start)
                WHEN 'Month' THEN date_trunc('month', period_start)
                WHEN 'Quarter' THEN date_trunc('quarter', period_start)
                WHEN 'Year' THEN date_trunc('year', period_start)
            END::DATE
            THEN 'Period_Start__c ' || period_start_text || ' is not the first day of a ' || period_type
        END,
        {{ c.unparsable("Target__c", "target_text", "target", "a plain decimal number (at most 12 decimals)") }}
    )) AS _reason
    FROM typed
    LEFT JOIN staging.users AS users ON users.user_id = typed.user_id
)
SELECT * EXCLUDE (_error, {{ lookups.user_helper_columns(rep_identity_system) }}period_start_text, target_text) FROM checked;
