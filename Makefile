# Two entry points: `make run` (set up, generate the sample, backfill it through Dagster) and
# `make test` (set up, lint, run the test suite). Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LANDING := $(or $(SALES_LANDING_DIR),data/landing)

.PHONY: setup run test reliability-doc ui clean mutation

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: setup
	@test -d $(LANDING) || $(BIN)/sales-pipeline sample --out $(LANDING)
	$(BIN)/sales-pipeline backfill

# `dg check defs` loads the code location as `dg dev` and the webserver do. One worker per core,
# whole files to a worker (module fixtures are built once). Nothing is written into the
# repository: the reliability tests check that docs/reliability.md is current instead.
test: setup
	$(BIN)/ruff check .
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg check defs
	$(BIN)/pytest -q -n auto --dist loadfile

# Run the reliability cases and rewrite docs/reliability.md from them (`make test` fails while it is
# out of date).
reliability-doc: setup
	WRITE_RELIABILITY_DOC=1 $(BIN)/pytest -q -n auto --dist loadfile sales_pipeline_tests/reliability

# Break each documented rule on purpose (SQL and rule constants one at a time, then mutmut over the
# Python rule functions) in a temporary copy, and report to docs/mutation.md what the tests miss.
# MUTATION_ARGS passes options, e.g. MUTATION_ARGS="-j 2" or "--only review-*" (see --help).
mutation: setup
	$(BIN)/python -m sales_pipeline_tests.mutation $(MUTATION_ARGS)

# `dg dev` starts the webserver, the daemon and their code servers in this terminal's process group:
# Ctrl-C stops them all. VIRTUAL_ENV tells dg the project's .venv is the one meant (it warns
# otherwise); UI_ARGS passes options, e.g. UI_ARGS="--port 3001". The webserver and the daemon
# create runs over ranges of periods with one planned event per table, as the backfill does
# (sales_pipeline/dagster_internals.py, PLANNED_EVENTS_AS_SUBSETS).
ui: setup
	DAGSTER_HOME=$(CURDIR)/.dagster_home VIRTUAL_ENV=$(CURDIR)/$(VENV) \
	DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=$(or $(DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS),true) \
	$(BIN)/dg dev $(UI_ARGS)

clean:
	rm -rf data/landing data/warehouse.duckdb* data/reports data/published
	find .dagster_home -mindepth 1 ! -name dagster.yaml -exec rm -rf {} +
