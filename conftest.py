"""The root conftest: only what every pytest process must load, xdist's controller included (it
collects nothing, so the conftest files below the root never reach it)."""

# The reliability report (docs/reliability.md) is rendered and checked where the results of every
# worker meet: in the controller.
pytest_plugins = ("sales_pipeline_tests.reliability.report",)
