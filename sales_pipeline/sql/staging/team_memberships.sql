{% import "staging/_common.sql" as c %}
{% import "staging/_lookups.sql" as lookups -%}
-- Rep -> team -> department history; dates are inclusive, an empty end date means still current.
CREATE OR REPLACE TEMP TABLE team_memberships_checked AS
WITH typed AS (
    SELECT
        _file, _line, _file_date, _error,
        sp_text("Id") AS membership_id,
        {{- lookups.user_columns(rep_identity_system) }}
        sp_text("Team__c") AS team,
        sp_text("Department__c") AS department,
        sp_text("Start_Date__c") AS start_text,
        sp_date("Start_Date__c") AS start_date,
        sp_text("End_Date__c") AS end_text,
        sp_date("End_Date__c") AS end_date
    FROM raw.team_memberships
    {{- lookups.user_join(rep_identity_system) }}
    -- Only the files of this delivery; the merge step takes care of earlier ones.
    WHERE _file IN (SELECT file FROM delivery_files)
),
checked AS (
    SELECT typed.*, sp_reasons(_error, concat_ws('; ',
        {{ c.required("Id", "membership_id") }},
        {{- lookups.user_reason(rep_identity_system, c.known_user("User__c", "typed.user_id", "users.user_id")) }}
        {{ c.required("Team__c", "team") }},
        {{ c.required("Department__c", "department") }},
        {{ c.unparsable("Start_Date__c", "start_text", "start_date", "a YYYY-MM-DD date") }},
        {{ c.unparsable("End_Date__c", "end_text", "end_date", "a YYYY-MM-DD date", required=False) }},
        CASE WHEN end_date < start_date THEN 'End_Date__c is before Start_Date__c' END
    )) AS _reason
    FROM typed
    LEFT JOIN staging.users AS users ON users.user_id = typed.user_id
)
SELECT * EXCLUDE (_error, {{ lookups.user_helper_columns(rep_identity_system) }}start_text, end_text) FROM checked;
