{% import "staging/_lookups.sql" as lookups %}
-- One person across systems: every identifier a rep has (system, identifier) -> CRM user id.
-- Derived from the CRM users (their id, e-mail, employee number, phone) and, when configured,
-- from the identity map file, whose rows name their CRM user by `crm_user_id`, else by the
-- e-mail (any case) or employee number of a CRM user.
CREATE OR REPLACE TEMP TABLE rep_identities AS
WITH derived AS (
    SELECT 'crm_user_id' AS system, user_id AS identifier, user_id FROM staging.users
    UNION ALL
    SELECT 'email', lower(email), user_id FROM staging.users WHERE email IS NOT NULL
    UNION ALL
    SELECT 'employee_number', employee_number, user_id FROM staging.users WHERE employee_number IS NOT NULL
    UNION ALL
    SELECT 'phone_number', phone_digits, user_id FROM staging.users WHERE phone_digits IS NOT NULL
){% if map_path %},
people AS (
    SELECT
        people.*,
        coalesce(
            {% if "crm_user_id" in map_columns %}(SELECT min(u.user_id) FROM staging.users AS u WHERE u.user_id = sp_text(people.crm_user_id)),{% endif %}
            {% if "email" in map_columns %}(SELECT min(u.user_id) FROM staging.users AS u WHERE lower(u.email) = lower(sp_text(people.email))),{% endif %}
            {% if "employee_number" in map_columns %}(SELECT min(u.user_id) FROM staging.users AS u WHERE u.employee_number = sp_text(people.employee_number)),{% endif %}
            NULL
        ) AS person_user_id
    FROM read_csv({{ map_path | literal }}, header = true, all_varchar = true, auto_detect = true) AS people
),
configured AS (
{%- for system in map_columns %}
    SELECT {{ system | literal }} AS system, {{ lookups.identifier(system, "people." ~ (system | ident)) }} AS identifier, person_user_id AS user_id
    FROM people WHERE person_user_id IS NOT NULL
    {{ "UNION ALL" if not loop.last }}
{%- endfor %}
)
SELECT DISTINCT system, identifier, user_id FROM (SELECT * FROM derived UNION ALL SELECT * FROM configured)
{%- else %}
SELECT DISTINCT system, identifier, user_id FROM derived
{%- endif %}
WHERE identifier IS NOT NULL;
