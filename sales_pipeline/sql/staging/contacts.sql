{% import "staging/_common.sql" as c %}
-- CRM contacts. Full snapshot: when an Id appears twice, the later line wins.
CREATE OR REPLACE TEMP TABLE contacts_checked AS
WITH typed AS (
    SELECT
        _file, _line, _file_date, _error,
        sp_text("Id") AS contact_id,
        sp_text("AccountId") AS account_id,
        sp_text("Name") AS contact_name,
        sp_text("Title") AS title,
        sp_phone("Phone") AS phone_digits,
        sp_phone("MobilePhone") AS mobile_digits,
        sp_text("Decision_Maker__c") AS decision_maker_text,
        coalesce(sp_boolean("Decision_Maker__c"), FALSE) AS is_decision_maker
    FROM raw.contacts
    -- Only the files of this delivery; the merge step takes care of earlier ones.
    WHERE _file IN (SELECT file FROM delivery_files)
),
checked AS (
    SELECT *, sp_reasons(_error, concat_ws('; ',
        {{ c.required("Id", "contact_id") }},
        {{ c.unparsable("Decision_Maker__c", "decision_maker_text", "sp_boolean(decision_maker_text)", "true or false", required=False) }}
    )) AS _reason
    FROM typed
)
SELECT * EXCLUDE (_error, decision_maker_text) FROM checked;
