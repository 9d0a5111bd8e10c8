-- Read a group of a configured source's JSON files into the temporary batch the mapping reads:
-- one row per record, its number in the file as its line (records of a page in page order; for
-- JSON lines, the line itself when the file has no empty lines).
CREATE OR REPLACE TEMP TABLE mapped_documents AS
SELECT filename AS path, json AS document
FROM read_json_objects(
    {{ paths | literal }},
    format = {{ ("newline_delimited" if lines else "auto") | literal }},
    filename = true,
    maximum_object_size = 268435456
);
CREATE OR REPLACE TEMP TABLE mapped_lines AS
WITH files(path, file, file_date) AS (
    VALUES {% for f in files %}({{ f.path | string | literal }}, {{ f.name | literal }}, {{ f.file_date | literal }}::DATE){{ ", " if not loop.last }}{% endfor %}
),
records AS (
{%- if records_path %}
    SELECT documents.path, documents.rowid AS document_no, items.record, items.item_no
    FROM mapped_documents AS documents,
         unnest(json_extract(documents.document, {{ (records_path ~ "[*]") | literal }}))
             WITH ORDINALITY AS items(record, item_no)
{%- else %}
    SELECT path, rowid AS document_no, document AS record, 1 AS item_no FROM mapped_documents
{%- endif %}
)
SELECT
    files.file AS _file,
    row_number() OVER (PARTITION BY records.path ORDER BY document_no, item_no) AS _line,
    files.file_date AS _file_date,
    {{ ingestion_id | literal }} AS _ingestion_id,
    CASE WHEN json_type(records.record) <> 'OBJECT'
         THEN 'mapping: the JSON record is ' || json_type(records.record) || ', not an object' END AS _error,
    NULL::VARCHAR AS _raw_line,
    records.record AS _record
FROM records
JOIN files USING (path);
