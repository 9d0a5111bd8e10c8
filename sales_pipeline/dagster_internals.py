"""Every name the project takes from Dagster's private modules, in one place.

Dagster does not export these, so an upgrade may move them; when it does, this module is the only
one to change. Each is used knowingly:

- the run tags of a partition or a partition range, which single-run backfills and sensors set;
- the data version tag of a materialization (staging states its content version with it);
- Dagster's retry helper (the CLI retries opening an instance another process is creating).
"""

from dagster._core.definitions.data_version import DATA_VERSION_TAG
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)
from dagster._utils.backoff import backoff

__all__ = [
    "ASSET_PARTITION_RANGE_END_TAG",
    "ASSET_PARTITION_RANGE_START_TAG",
    "DATA_VERSION_TAG",
    "PARTITION_NAME_TAG",
    "backoff",
]
