"""`python -m sales_pipeline_tests.mutation --help`."""

import sys

from sales_pipeline_tests.mutation.runner import main

sys.exit(main())
