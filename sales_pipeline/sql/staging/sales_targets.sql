{% import "staging/_common.sql" as c %}
{% import "staging/_lookups.sql" as lookups -%}
-- Targets per rep, metric and period, as set in the CRM.
CREATE OR REPLACE TEMP TABLE sales_targets_checked AS
WITH typed AS (
    SELECT
        _file, _line, _file_date, _error,
        sp_text("Id") AS target_id,
{%- if rep_identity_system %}
        -- The rep by another identity (an e-mail, an employee number: the mapping's
        -- rep_identity, through the identity map), else by User__c.
        coalesce(identities.user_id, sp_text("User__c")) AS user_id,
        sp_text(rep_identity) AS rep_identity,
        identities.user_id AS identified_user_id,
        identities.users_on_identifier,
{%- else %}
        sp_text("User__c") AS user_id,
{%- endif %}
        sp_text("Metric__c") AS metric,
        sp_text("Period_Type__c") AS period_type,
        sp_text("Period_Start__c") AS period_start_text,
        sp_date("Period_Start__c") AS period_start,
        sp_text("Target__c") AS target_text,
        sp_decimal("Target__c") AS target
    FROM raw.sales_targets
{%- if rep_identity_system %}
    LEFT JOIN ({{ lookups.rep_identities(rep_identity_system) }}) AS identities
        ON identities.identifier = {{ lookups.identifier(rep_identity_system, "rep_identity") }}
{%- endif %}
    -- Only the files of this delivery; the merge step takes care of earlier ones.
    WHERE _file IN (SELECT file FROM delivery_files)
),
checked AS (
    SELECT typed.*, sp_reasons(_error, concat_ws('; ',
        {{ c.required("Id", "target_id") }},
{%- if rep_identity_system %}
        CASE
            WHEN users_on_identifier > 1 THEN 'ambiguous rep: several people have '
                || {{ rep_identity_system | literal }} || ' ' || sp_quote(rep_identity)
            WHEN rep_identity IS NOT NULL AND identified_user_id IS NULL AND typed.user_id IS NULL
            THEN 'unknown rep: no person has ' || {{ rep_identity_system | literal }} || ' '
                || sp_quote(rep_identity) || ' in the identity map'
            ELSE {{ c.known_user("User__c", "typed.user_id", "users.user_id") }}
        END,
{%- else %}
        {{ c.known_user("User__c", "typed.user_id", "users.user_id") }},
{%- endif %}
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
SELECT * EXCLUDE (_error, {% if rep_identity_system %}rep_identity, identified_user_id, users_on_identifier, {% endif %}period_start_text, target_text) FROM checked;
