"""A table is a dict of equally long numpy columns; joining and slicing them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Table = dict[str, np.ndarray]



def concat(tables: Sequence[Table]) -> Table:
    tables = [t for t in tables if t]
    if not tables:
        return {}
    return {name: np.concatenate([t[name] for t in tables]) for name in tables[0]}


def take(table: Table, index: np.ndarray) -> Table:
    return {name: column[index] for name, column in table.items()}
