{% import "staging/_common.sql" as c %}
{% import "staging/_lookups.sql" as lookups -%}
-- Rep -> team -> department history; dates are inclusive, an empty end date means still current.
CREATE OR REPLACE TEMP TABLE team_memberships_checked AS
WITH typed AS (
    SELECT
        _file, _line, _file_date, _error,
        sp_text("Id") AS membership_id,
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
        sp_text("Team__c") AS team,
        sp_text("Department__c") AS department,
        sp_text("Start_Date__c") AS start_text,
        sp_date("Start_Date__c") AS start_date,
        sp_text("End_Date__c") AS end_text,
        sp_date("End_Date__c") AS end_date
    FROM raw.team_memberships
{%- if rep_identity_system %}
    LEFT JOIN ({{ lookups.rep_identities(rep_identity_system) }}) AS identities
        ON identities.identifier = {{ lookups.identifier(rep_identity_system, "rep_identity") }}
{%- endif %}
    -- Only the files of this delivery; the merge step takes care of earlier ones.
    WHERE _file IN (SELECT file FROM delivery_files)
),
checked AS (
    SELECT typed.*, sp_reasons(_error, concat_ws('; ',
        {{ c.required("Id", "membership_id") }},
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
        {{ c.required("Team__c", "team") }},
        {{ c.required("Department__c", "department") }},
        {{ c.unparsable("Start_Date__c", "start_text", "start_date", "a YYYY-MM-DD date") }},
        {{ c.unparsable("End_Date__c", "end_text", "end_date", "a YYYY-MM-DD date", required=False) }},
        CASE WHEN end_date < start_date THEN 'End_Date__c is before Start_Date__c' END
    )) AS _reason
    FROM typed
    LEFT JOIN staging.users AS users ON users.user_id = typed.user_id
)
SELECT * EXCLUDE (_error, {% if rep_identity_system %}rep_identity, identified_user_id, users_on_identifier, {% endif %}start_text, end_text) FROM checked;
