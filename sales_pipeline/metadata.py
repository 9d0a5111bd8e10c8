"""Small helpers for the metadata the assets show in the Dagster UI."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import dagster as dg


def markdown_table(
    header: Sequence[str], rows: Iterable[Sequence[object]], limit: int = 100
) -> dg.MetadataValue:
    """A Markdown table, cut at `limit` rows with a note of how many were left out."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    shown = 0
    total = 0
    for row in rows:
        total += 1
        if shown < limit:
            lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
            shown += 1
    if total > shown:
        lines.append(f"\n{total - shown} more row(s) not shown.")
    return dg.MetadataValue.md("\n".join(lines))
