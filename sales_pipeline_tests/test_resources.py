"""The warehouse helpers every layer writes through."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sales_pipeline.resources import transaction


def test_a_transaction_commits_its_block_and_rolls_back_one_that_raises(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        conn.execute("CREATE TABLE facts (period INTEGER)")
        with transaction(conn):
            conn.execute("INSERT INTO facts VALUES (1)")
        with pytest.raises(KeyboardInterrupt), transaction(conn):
            conn.execute("DELETE FROM facts")
            conn.execute("INSERT INTO facts VALUES (2)")
            raise KeyboardInterrupt  # a step interrupted half-way
        assert conn.execute("SELECT list(period) FROM facts").fetchone()[0] == [1]
        # The connection is usable again: the failed block's transaction is closed.
        with transaction(conn):
            conn.execute("INSERT INTO facts VALUES (3)")
        assert conn.execute("SELECT list(period ORDER BY period) FROM facts").fetchone()[0] == [1, 3]
