"""Mutation check: break each documented rule on purpose and see the tests fail.

`python -m sales_pipeline_tests.mutation` (or `make mutation`) copies the project to a temporary
folder, applies the textual mutations of `mutations.py` there one at a time (SQL templates and the
rule constants of the Python modules), runs each one's tests, then runs mutmut over the Python rule
functions. The working tree is never modified; the report goes to docs/mutation.md.

No module here is named `test_*.py`: pytest must not collect the runner.
"""
