"""Whether anything changed since the pipeline last ran, decided without opening the warehouse.

A sensor tick, the nightly ingestion and the period schedules run whether or not anything
arrived; over unchanged landing files they must launch nothing. Two versions decide it:

- the **landing digest**: every landing file a source reads (and the identity map) by name,
  size and times, as `os.stat` gives them: cheap, no file is opened. The ingestion records the
  digest of the files as it read them (their size and times in `raw.landed_files`, taken before
  reading) in the metadata of `raw/landed_files`, so a file that changes while it is being
  read, or after, makes the next digest differ;
- the **inputs version**: every setting of the resources (zone, currency, history start, as-of,
  thresholds, …), the content of the source configuration and of the identity map, and the code
  itself (the package's files and the versions of DuckDB, Dagster and Great Expectations). A
  new deployment or a changed setting rebuilds what it affects.

The backfill, which may open the warehouse between its runs, checks more (backfill_state.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import metadata
from pathlib import Path

import dagster as dg

from sales_pipeline.resources import AnalysisConfig, SalesConfig

# Tag on every run the backfill or a schedule launches: the inputs version it built with.
INPUTS_TAG = "sales_pipeline/inputs_version"
# Metadata of raw/landed_files: what the ingestion read.
LANDING_DIGEST = "landing_digest"
INPUTS_VERSION = "inputs_version"
NOTHING_CHANGED = "nothing changed"
# A file the ledger has no size and times for: never equal to a real one.
_UNSEEN = "unseen"
_PACKAGE = Path(__file__).parent
_LIBRARIES = ("duckdb", "dagster", "great_expectations")


@cache
def code_version() -> str:
    """A hash of the package's files (code, SQL, templates, catalogs) and the library versions.

    Cached per process: a deployment starts new processes (the code server reloads).
    """
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for library in _LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=absent\0".encode())
    return digest.hexdigest()


def _file_hash(path: Path | None) -> str:
    if path is None:
        return "none"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        return f"unreadable ({error.strerror})"


def _identity_map_path(sales_config: SalesConfig) -> Path | None:
    from sales_pipeline.sources import sources_config

    identity_map = sources_config(sales_config.sources_config).identity_map
    return sales_config.landing_path / identity_map.file if identity_map else None


def inputs_version(sales_config: SalesConfig, analysis_config: AnalysisConfig) -> str:
    """Everything besides the landing files that decides what the pipeline builds."""
    parts = [
        repr(sorted(sales_config.model_dump().items())),
        repr(sorted(analysis_config.model_dump().items())),
        _file_hash(Path(sales_config.sources_config) if sales_config.sources_config else None),
        _file_hash(_identity_map_path(sales_config)),
        code_version(),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _stat_key(path: Path) -> str:
    # The same key the ingestion records in raw.landed_files.file_stat (landing.discover).
    try:
        stat = path.stat()
    except OSError:
        return "absent"
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


def _digest(entries: Mapping[tuple[str, str], str]) -> str:
    digest = hashlib.sha256()
    for (source, name), stat_key in sorted(entries.items()):
        digest.update(f"{source}\0{name}\0{stat_key}\n".encode())
    return digest.hexdigest()


def _present_files(sales_config: SalesConfig) -> dict[tuple[str, str], str]:
    """(source, file name) -> size and times of every landing file a source reads (with its
    lookup files', as the ingestion records them)."""
    from sales_pipeline.ingestion.mapped import discover_configured
    from sales_pipeline.sources import sources_config

    return {
        (landing_file.source.name, landing_file.name): landing_file.stat_key
        for landing_file in discover_configured(
            sources_config(sales_config.sources_config), sales_config.landing_path
        )
    }


def _with_identity_map(
    entries: dict[tuple[str, str], str], sales_config: SalesConfig
) -> dict[tuple[str, str], str]:
    path = _identity_map_path(sales_config)
    if path is not None:
        entries[("identity_map", path.name)] = _stat_key(path)
    return entries


def landing_digest_now(sales_config: SalesConfig) -> str:
    """The landing digest of the files as they are now (names, sizes and times only)."""
    return _digest(_with_identity_map(_present_files(sales_config), sales_config))


def landing_digest_read(
    sales_config: SalesConfig, ledger: Iterable[tuple[str, str, str | None]]
) -> str:
    """The landing digest of the files as the ingestion read them: each present file with the
    size and times `ledger` (source, file, file_stat) recorded for it before reading. Equal to
    `landing_digest_now` exactly when no file changed since it was read."""
    recorded = {(source, name): stat for source, name, stat in ledger}
    entries = {key: recorded.get(key) or _UNSEEN for key in _present_files(sales_config)}
    return _digest(_with_identity_map(entries, sales_config))


def last_ingestion(
    instance: dg.DagsterInstance,
) -> tuple[dict[str, str], dg.DagsterRun | None]:
    """The landing digest and inputs version the latest ingestion recorded, and its run."""
    from sales_pipeline.ingestion.assets import LEDGER_KEY

    event = instance.get_latest_materialization_event(LEDGER_KEY)
    if event is None or event.asset_materialization is None:
        return {}, None
    recorded = {
        key: str(value.value)
        for key, value in event.asset_materialization.metadata.items()
        if key in (LANDING_DIGEST, INPUTS_VERSION)
    }
    return recorded, instance.get_run_by_id(event.run_id)


def landing_unchanged(instance: dg.DagsterInstance, sales_config: SalesConfig) -> bool:
    """True when no landing file changed since the latest ingestion read them."""
    recorded, _ = last_ingestion(instance)
    return recorded.get(LANDING_DIGEST) == landing_digest_now(sales_config)


def ingestion_unchanged(
    instance: dg.DagsterInstance, sales_config: SalesConfig, analysis_config: AnalysisConfig
) -> bool:
    """True when the latest ingestion succeeded, read the landing files as they are now and
    ran with the same settings and code: running it again would change nothing."""
    recorded, run = last_ingestion(instance)
    return (
        run is not None
        and run.status == dg.DagsterRunStatus.SUCCESS
        and recorded.get(LANDING_DIGEST) == landing_digest_now(sales_config)
        and recorded.get(INPUTS_VERSION) == inputs_version(sales_config, analysis_config)
    )
