{% import "staging/_common.sql" as c %}
-- Exchange rates: units of the reporting currency per unit of `currency` on `date`.
CREATE OR REPLACE TEMP TABLE fx_rates_checked AS
WITH typed AS (
    SELECT
        _file, _line, _file_date, _error,
        sp_text("date") AS date_text,
        sp_date("date") AS rate_date,
        sp_text("currency") AS currency,
        sp_text("rate") AS rate_text,
        sp_rate("rate") AS rate
    FROM raw.fx_rates
    -- Only the files of this delivery; the merge step takes care of earlier ones.
    WHERE _file IN (SELECT file FROM delivery_files)
),
checked AS (
    SELECT *, sp_reasons(_error, concat_ws('; ',
        {{ c.unparsable("date", "date_text", "rate_date", "a YYYY-MM-DD date") }},
        CASE
            WHEN currency IS NULL THEN 'currency is empty'
            WHEN NOT regexp_full_match(currency, {{ contract.CURRENCY_PATTERN | literal }})
            THEN 'currency ' || sp_quote(currency) || ' is not an ISO 4217 code'
        END,
        {{ c.unparsable("rate", "rate_text", "rate", "a plain decimal number (at most 10 decimals)") }},
        CASE WHEN rate = 0 THEN 'rate is zero' END
    )) AS _reason
    FROM typed
)
SELECT * EXCLUDE (_error, date_text, rate_text) FROM checked;
