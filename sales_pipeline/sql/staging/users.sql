{% import "staging/_common.sql" as c %}
-- CRM users (the reps). Full snapshot: when an Id appears twice, the later line wins.
CREATE OR REPLACE TEMP TABLE users_checked AS
WITH typed AS (
    SELECT
        _file, _line, _file_date, _error,
        sp_text("Id") AS user_id,
        sp_text("Name") AS rep_name,
        sp_text("Email") AS email,
        sp_text("EmployeeNumber") AS employee_number,
        sp_text("Phone") AS phone,
        sp_phone("Phone") AS phone_digits,
        sp_text("Title") AS title,
        sp_text("IsActive") AS is_active_text,
        sp_boolean("IsActive") AS is_active
    FROM raw.users
    -- Only the files of this delivery; the merge step takes care of earlier ones.
    WHERE _file IN (SELECT file FROM delivery_files)
),
checked AS (
    SELECT *, sp_reasons(_error, concat_ws('; ',
        {{ c.required("Id", "user_id") }},
        {{ c.unparsable("IsActive", "is_active_text", "is_active", "true or false", required=False) }}
    )) AS _reason
    FROM typed
)
SELECT * EXCLUDE (_error, is_active_text) FROM checked;
