-- The marts' comments, from sales_pipeline/marts_catalog.py: what each table, view and column
-- holds, for anyone who opens the warehouse or the published copy.
{% for table in objects %}
COMMENT ON {{ "VIEW" if table.is_view else "TABLE" }} {{ table.qualified }} IS {{ table.description | literal }};
{%- endfor %}
{% for table, column in columns %}
COMMENT ON COLUMN {{ table.qualified }}.{{ column.name | ident }} IS {{ column.description | literal }};
{%- endfor %}
