"""The pipeline's SQL, kept in `.sql` files beside this module and rendered with Jinja.

Templates receive values (zones, value sets, dates) through `render`, which quotes them as SQL
literals, so no caller builds SQL by string concatenation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

SQL_DIR = Path(__file__).parent


def sql_literal(value: object) -> str:
    """A Python value as a DuckDB literal (strings quoted, sequences as lists)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, Iterable):
        return "[" + ", ".join(sql_literal(item) for item in value) + "]"
    raise TypeError(f"no SQL literal for {value!r}")


def sql_value_list(values: Iterable[object]) -> str:
    """Values as the parenthesised list of an IN clause."""
    return "(" + ", ".join(sql_literal(value) for value in values) + ")"


def sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@cache
def _environment() -> jinja2.Environment:
    # Imported on first use: loading the code location renders no SQL.
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(SQL_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["literal"] = sql_literal
    env.filters["ident"] = sql_identifier
    env.filters["in_list"] = sql_value_list
    return env


def render(template: str, **params: object) -> str:
    return _environment().get_template(template).render(**params)
