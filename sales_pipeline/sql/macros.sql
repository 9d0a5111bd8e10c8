-- Parsing rules of the contract (section 2 and 3), as temporary macros on every connection so
-- that staging SQL applies each rule by name instead of repeating it.

-- Empty field = null; surrounding blanks are not part of a value.
CREATE OR REPLACE TEMP MACRO sp_text(value) AS nullif(trim(value), '');

-- Phone numbers match on their digits, after dropping a leading international '00'.
CREATE OR REPLACE TEMP MACRO sp_phone(value) AS nullif(
    regexp_replace(regexp_replace(coalesce(value, ''), '[^0-9]', '', 'g'), '^00', ''), '');

-- ISO 8601 with a mandatory offset; NULL when absent, unparseable or offset-less.
CREATE OR REPLACE TEMP MACRO sp_timestamp(value) AS CASE
    WHEN regexp_full_match(trim(value), {{ contract.TIMESTAMP_PATTERN | literal }})
    THEN try_cast(upper(trim(value)) AS TIMESTAMPTZ)
END;

CREATE OR REPLACE TEMP MACRO sp_date(value) AS CASE
    WHEN regexp_full_match(trim(value), {{ contract.DATE_PATTERN | literal }}) THEN try_cast(trim(value) AS DATE)
END;

CREATE OR REPLACE TEMP MACRO sp_boolean(value) AS CASE lower(trim(value))
    WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE
END;

-- A plain decimal with '.' as decimal point: thousands separators and exponents are rejected,
-- and so are more decimals than the type holds, rather than rounded.
CREATE OR REPLACE TEMP MACRO sp_decimal(value) AS CASE
    WHEN regexp_full_match(trim(value), {{ contract.DECIMAL_PATTERN | literal }})
        AND length(split_part(trim(value), '.', 2)) <= 12
    THEN try_cast(trim(value) AS DECIMAL(38, 12))
END;

CREATE OR REPLACE TEMP MACRO sp_rate(value) AS CASE
    WHEN regexp_full_match(trim(value), {{ contract.DECIMAL_PATTERN | literal }})
        AND length(split_part(trim(value), '.', 2)) <= 10
    THEN try_cast(trim(value) AS DECIMAL(18, 10))
END;

CREATE OR REPLACE TEMP MACRO sp_count(value) AS CASE
    WHEN regexp_full_match(trim(value), {{ contract.NON_NEGATIVE_INTEGER_PATTERN | literal }}) THEN try_cast(trim(value) AS BIGINT)
END;

-- Why a row is rejected: the CSV reader's error for a line it could not split into the header's
-- columns (or, for a configured source, why its record could not be mapped: 'mapping: ...'),
-- else a reason for each failed rule, joined; NULL when the row is clean.
-- `reasons` is a concat_ws('; ', ...) of CASE expressions that are NULL when their rule holds.
CREATE OR REPLACE TEMP MACRO sp_reasons(malformed, reasons) AS coalesce(
    CASE WHEN starts_with(malformed, 'mapping: ') THEN substr(malformed, 10)
         ELSE 'malformed CSV line: ' || malformed END,
    nullif(reasons, ''));

-- How a rejected value is quoted in a reason.
CREATE OR REPLACE TEMP MACRO sp_quote(value) AS
    CASE WHEN value IS NULL THEN 'empty' ELSE '''' || left(value, 80) || '''' END;
