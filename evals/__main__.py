"""`python -m evals`: the `agents eval` command."""

import sys

from evals.cli import main

sys.exit(main())
