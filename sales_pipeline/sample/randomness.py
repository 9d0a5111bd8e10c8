"""Seeded numpy streams, one per part of the sample, and the small sampling helpers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Generator = np.random.Generator


class Streams:
    """Independent, reproducible random streams: one per purpose, optionally per day."""

    ROSTER, CONTACTS, ACTIVITY, FX, CALLS, CALL_FILES, EVENTS, EVENT_CHANGES, EVENT_FILES, \
        DOCUMENTS, DOCUMENT_CHANGES, DOCUMENT_FILES, ACCOUNT, SNAPSHOTS, ROW_ORDER = range(15)

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError("seed must be >= 0")
        self.seed = seed

    def rng(self, stream: int, *keys: int) -> Generator:
        return np.random.default_rng([self.seed, stream, *keys])


def pick(rng: Generator, eligible: np.ndarray, rate: float,
         force_pool: np.ndarray | None = None) -> np.ndarray:
    """Choose eligible rows at `rate`; with a force pool, at least one row from it if possible."""
    chosen = eligible & (rng.random(eligible.size) < rate)
    if force_pool is not None and not (chosen & force_pool).any():
        pool = np.flatnonzero(force_pool & eligible)
        if pool.size:
            chosen[pool[rng.integers(pool.size)]] = True
    return chosen


def weighted(rng: Generator, weights: Sequence[float], size: int) -> np.ndarray:
    """Indices drawn with the given relative weights."""
    cumulative = np.cumsum(weights, dtype=float)
    drawn = np.searchsorted(cumulative / cumulative[-1], rng.random(size), side="right")
    return np.minimum(drawn, len(cumulative) - 1)


def runs_offsets(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Running total of `values` before each element, restarting at 0 for each run of `counts`."""
    before = np.cumsum(values) - values
    run_first = np.repeat(np.cumsum(counts) - counts, counts)
    return before - before[run_first]
