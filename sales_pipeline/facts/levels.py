"""The levels the facts are counted at: rep (per team worked in), rep total, team, department."""

from __future__ import annotations

from dataclasses import dataclass

from sales_pipeline.partitions import Grain


@dataclass(frozen=True)
class Level:
    name: str                # rep, rep_total, team, department
    keys: tuple[str, ...]    # columns after period_start
    unique_key: tuple[str, ...]
    per: str                 # what one row is about, for descriptions

# The contract's three levels count activity where it happened: a rep who changed team inside a
# period has a row in each team. `rep_total` is the rep as a person, all teams together: the
# analysis judges reps on it (docs/analysis.md, "A rep is judged as a person").
REP = Level("rep", ("rep_id", "rep_name", "team", "department"), ("rep_id", "team", "department"),
            "rep and team")
REP_TOTAL = Level("rep_total", ("rep_id", "rep_name"), ("rep_id",), "rep, whichever team(s)")
TEAM = Level("team", ("team", "department"), ("team", "department"), "team")
DEPARTMENT = Level("department", ("department",), ("department",), "department")
LEVELS: tuple[Level, ...] = (REP, REP_TOTAL, TEAM, DEPARTMENT)


def fact_table(level: Level, grain: Grain) -> str:
    return f"{level.name}_activity_{grain.name}"
