"""Deterministic, realistic sample landing data for development, demos and benchmarks."""

from sales_pipeline.sample.generator import SampleSummary, generate_sample

__all__ = ["SampleSummary", "generate_sample"]
