"""Every name the project and its tests take from Dagster's private modules, in one place.

Dagster does not export these, so an upgrade may move them; when it does, this module is the only
one to change. Each is used knowingly, because Dagster 1.13 has no public equivalent:

- `ASSET_PARTITION_RANGE_START_TAG`, `ASSET_PARTITION_RANGE_END_TAG`: the run tags of a
  partition range. The backfill (runner.py) runs all periods of a grain as one run with them, as
  Dagster's own single-run backfills do; `execute_in_process` and `materialize` take only a
  single `partition_key`. The sensors read them to follow a build's periods, and the tests run
  ranges the same way and check the tags of the runs the backfill launched.
- `PARTITION_NAME_TAG`: the run tag of a single partition, which the sensors read and drop when
  they launch a follow-up run for a range.
- `DATA_VERSION_TAG`: the tag of an observation carrying a data version; staging states each
  period's content version with it.
- `forget_current_defs_state_storage`: tests only; see its docstring.
- `PLANNED_EVENTS_AS_SUBSETS`: an environment variable Dagster reads, not a name it exports; see
  `plan_ranges_as_one_event_per_asset`.
- the storage calls, tables and classes behind workarounds for defects of concurrency pools (below).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING

from dagster import DagsterInstance
from dagster._core.definitions.data_version import DATA_VERSION_TAG
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)
from dagster._utils.concurrency import ConcurrencySlotStatus

# Since 1.11, a run over a range of partitions records one "materialization planned" event per
# partition and asset before it starts (dagster-io/dagster#32242): 105 weeks x 9 tables is 945
# events, written one by one, which cost a sample backfill's weekly build 6 of its 17 s. The
# maintainers' opt-out records one event per asset naming the range. Its price: when such a run
# fails, the UI's partition view does not show those partitions as failed (the run is failed,
# and the backfill says so).
PLANNED_EVENTS_AS_SUBSETS = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def plan_ranges_as_one_event_per_asset() -> None:
    """Opt this process out of per-partition planned events, unless its environment says
    otherwise (`DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=false` keeps Dagster's default)."""
    os.environ.setdefault(PLANNED_EVENTS_AS_SUBSETS, "true")

if TYPE_CHECKING:
    from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage

__all__ = [
    "ASSET_PARTITION_RANGE_END_TAG",
    "ASSET_PARTITION_RANGE_START_TAG",
    "DATA_VERSION_TAG",
    "PARTITION_NAME_TAG",
    "ensure_pool_limit",
    "forget_current_defs_state_storage",
    "patch_concurrency_pools",
    "pool_watchdog",
]


def forget_current_defs_state_storage() -> None:
    """Forget the definitions-state storage a closed instance may have left in Dagster's context.

    Tests only. Dagster keeps the "current" one in a context variable it sets when an instance is
    entered; fixtures that leave instances out of nesting order can leave it pointing at a closed
    one, and the next test that loads definitions outside an instance context fails on it. No
    public call resets it.
    """
    from dagster._core.storage.defs_state.base import _current_storage

    _current_storage.set(None)


# ------------------------------------------------------------------ concurrency pool workarounds
#
# Three defects of Dagster 1.13's op-level concurrency pools, met when two backfills share the
# warehouse pool (limit 1):
#
# - A slot claimed twice (PostgreSQL): a step takes a slot with SELECT ... FOR UPDATE SKIP LOCKED
#   and then an UPDATE, but on the PostgreSQL storage's autocommit connection the row lock ends
#   with the SELECT. Dagster may mark more waiting steps as assigned than there are free slots
#   (two processes both see the free slot before either records its step), so two steps can read
#   the same free slot and both "claim" it: seen under load, two backfills' steps started 6 ms
#   apart and wrote the warehouse together. `_claim_slot_in_one_transaction` takes the lock and
#   the slot in one transaction, and only a slot still free, so the slot row is a semaphore again.
#
# - A lost wake-up: a step that queues for the pool checks for a free slot, then inserts itself as
#   pending, in two statements. When the slot's holder frees it between the two, the holder wakes
#   the pending steps before the new one is there, and nobody wakes it later: it waits for ever
#   although the slot is free (seen in test_two_backfills_at_once...). `pool_watchdog` wakes it.
# - A busy wait: `InstanceConcurrencyContext.interval_to_next_pending_claim_check` returns
#   min(0, ...), never a positive interval, so a run waiting for a slot polls the instance storage
#   in a tight loop and takes a whole core. `patch_pending_claim_interval` makes it wait for the
#   next pending claim's time instead (Dagster's intent; their PR #20367 describes the same loop).


def _interval_to_next_pending_claim_check(self) -> float:  # type: ignore[no-untyped-def]
    if not self._pending_claims:
        return 0.0
    now = time.time()
    return max(0.0, min(ready_at - now for ready_at in self._pending_timeouts.values()))


def _claim_slot_in_one_transaction(
    self: SqlEventLogStorage, concurrency_key: str, run_id: str, step_key: str
) -> ConcurrencySlotStatus:
    # Imported here, not at the top: SQLAlchemy and Alembic are a third of the time it takes to
    # load the code location, and only a process that claims a slot needs them.
    from dagster._core.storage.event_log.schema import ConcurrencySlotsTable
    from dagster._core.storage.sqlalchemy_compat import db_select

    slots = ConcurrencySlotsTable.c
    with self.index_transaction() as conn:
        free = conn.execute(
            db_select([slots.id])
            .where(
                slots.concurrency_key == concurrency_key,
                slots.step_key.is_(None),
                slots.deleted.is_(False),
            )
            .with_for_update(skip_locked=True)
            .limit(1)
        ).fetchone()
        if free is not None and conn.execute(
            ConcurrencySlotsTable.update()
            .values(run_id=run_id, step_key=step_key)
            .where(slots.id == free[0], slots.step_key.is_(None))
        ).rowcount:
            return ConcurrencySlotStatus.CLAIMED
    return ConcurrencySlotStatus.BLOCKED


_SQL_EVENT_LOG = "dagster._core.storage.event_log.sql_event_log"


def _patch_sql_event_log(module: ModuleType) -> None:
    module.SqlEventLogStorage._claim_concurrency_slot = _claim_slot_in_one_transaction


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches a module as soon as it is imported, so that loading the code location does not
    import it (and SQLAlchemy with it) only to patch it: every process that claims a pool slot
    has imported the SQL event log storage first, through its instance."""

    def __init__(self, name: str, patch: Callable[[ModuleType], None]) -> None:
        self.name, self.patch = name, patch

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = next(
            (
                found
                for finder in sys.meta_path
                if hasattr(finder, "find_spec")
                and (found := finder.find_spec(fullname, path, target)) is not None
            ),
            None,
        )
        if spec is None or spec.loader is None:
            return spec
        loader, patch = spec.loader, self.patch

        class PatchingLoader(importlib.abc.Loader):
            def create_module(self, spec):  # type: ignore[no-untyped-def]
                return loader.create_module(spec)

            def exec_module(self, module: ModuleType) -> None:
                loader.exec_module(module)
                patch(module)

        spec.loader = PatchingLoader()
        return spec


def patch_concurrency_pools() -> None:
    """Apply the workarounds every process that runs steps needs (the code location does)."""
    InstanceConcurrencyContext.interval_to_next_pending_claim_check = (
        _interval_to_next_pending_claim_check
    )
    if _SQL_EVENT_LOG in sys.modules:
        _patch_sql_event_log(sys.modules[_SQL_EVENT_LOG])
    elif not any(isinstance(finder, _PatchOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport(_SQL_EVENT_LOG, _patch_sql_event_log))


@contextmanager
def pool_watchdog(instance: DagsterInstance, pool: str, every: float = 2.0) -> Iterator[None]:
    """While the block runs, assign the pool's free slots to steps left waiting for them."""
    stop = threading.Event()
    storage = instance.event_log_storage

    def watch() -> None:
        while not stop.wait(every):
            try:
                if storage.has_unassigned_slots(pool):
                    storage.assign_pending_steps([pool])
            except Exception:  # a busy storage is tried again at the next tick
                continue

    watcher = threading.Thread(target=watch, name=f"pool-watchdog-{pool}", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()


def ensure_pool_limit(instance: DagsterInstance, pool: str, attempts: int = 5) -> None:
    """Create the pool's default limit before any step asks for a slot.

    A third defect: the first claim on a new instance inserts the pool's limit row, and two
    processes doing that at once on PostgreSQL both insert; the loser's transaction is aborted
    and its step fails ("duplicate key ... concurrency_limits_concurrency_key_key"). Done here,
    the loser retries and finds the row.
    """
    from sqlalchemy.exc import SQLAlchemyError

    storage = instance.event_log_storage
    for attempt in range(attempts):
        try:
            if pool not in storage.get_concurrency_keys():
                storage.initialize_concurrency_limit_to_default(pool)
            return
        except SQLAlchemyError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
