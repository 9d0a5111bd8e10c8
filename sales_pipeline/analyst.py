"""`sales-pipeline sql` and `sales-pipeline shell`: the marts for analysts, with no DuckDB CLI.

Both open the published copy (SALES_PUBLISHED_WAREHOUSE, publish.py) read-only through Python's
duckdb, never the warehouse: a run may be writing the warehouse, and DuckDB keeps other processes
out of a file while one writes it. A write statement fails on the read-only connection.
"""

from __future__ import annotations

import csv
import shutil
import sys
from collections.abc import Callable
from contextlib import redirect_stdout, suppress
from datetime import datetime
from pathlib import Path
from typing import TextIO

import duckdb

Echo = Callable[[str], None]

# How many rows a table shows before it elides the middle; --csv prints every row.
TABLE_ROWS = 40
SHELL_HELP = """\
End a statement with ';' (it may span lines). Commands:
  .tables      the marts tables and their row counts
  .reconnect   open the newest published copy (a connection keeps the copy it opened)
  .quit        leave (or Ctrl-D)"""


class NotPublished(RuntimeError):
    """No published copy to read yet."""


def connect_published(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published copy."""
    if not path.is_file():
        raise NotPublished(
            f"no published copy of the marts at {path} yet: run `make run` or "
            "`sales-pipeline backfill` (or set SALES_PUBLISHED_WAREHOUSE)"
        )
    return duckdb.connect(str(path), read_only=True)


def render_result(
    conn: duckdb.DuckDBPyConnection, query: str, out: TextIO, *, as_csv: bool = False
) -> None:
    """Run `query` and print what it returns: a table (DuckDB's own layout), or CSV."""
    if as_csv:
        result = conn.execute(query)
        if result.description is None:  # a statement that returns no rows (SET, PRAGMA ...)
            return
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(column for column, *_ in result.description)
        while rows := result.fetchmany(10_000):
            writer.writerows(rows)
        return
    relation = conn.sql(query)
    if relation is None:
        return
    # DuckDB prints the table through sys.stdout, eliding middle rows and the columns that do not
    # fit the terminal, as its own CLI does.
    with redirect_stdout(out):
        relation.show(max_rows=TABLE_ROWS, max_width=shutil.get_terminal_size().columns)


def run_sql(path: Path, query: str, *, as_csv: bool, out: TextIO, error: Echo) -> int:
    """Print the result of one query on the published copy: 0, or 1 with DuckDB's message."""
    try:
        with connect_published(path) as conn:
            render_result(conn, query, out, as_csv=as_csv)
    except duckdb.Error as failure:
        error(f"error: {failure}")
        return 1
    return 0


TABLES = (
    "SELECT schema_name || '.' || table_name AS \"table\", estimated_size AS \"rows\" "
    "FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1"
)


def run_shell(path: Path, *, read: Callable[[str], str] = input, out: TextIO = sys.stdout) -> int:
    """A read-only prompt on the published copy until `.quit` or end of input."""
    with suppress(ImportError):
        import readline  # noqa: F401  (line editing and history for input(), where available)
    conn = connect_published(path)
    try:
        published = datetime.fromtimestamp(path.stat().st_mtime).isoformat(" ", "seconds")
        out.write(f"{path} (published {published}), read-only.\n{SHELL_HELP}\n")
        statement: list[str] = []
        while True:
            try:
                line = read("marts> " if not statement else "  ...> ")
            except EOFError:
                out.write("\n")
                return 0
            command = line.strip()
            if not statement and command.startswith("."):
                if command in (".quit", ".exit"):
                    return 0
                if command == ".reconnect":
                    conn.close()
                    conn = connect_published(path)
                    out.write("reconnected\n")
                elif command == ".tables":
                    render_result(conn, TABLES, out)
                else:
                    out.write(f"{SHELL_HELP}\n")
                continue
            statement.append(line)
            if not command.endswith(";"):
                continue
            query, statement = "\n".join(statement), []
            try:
                render_result(conn, query, out)
            except duckdb.Error as failure:
                out.write(f"error: {failure}\n")
    finally:
        conn.close()
