"""Source configurations: where each logical source's files are and how they map onto the
contract's fields (docs/sources.md)."""

from sales_pipeline.sources.config import (
    SourcesConfig,
    SourcesConfigError,
    load_sources_config,
    sources_config,
)

__all__ = ["SourcesConfig", "SourcesConfigError", "load_sources_config", "sources_config"]
