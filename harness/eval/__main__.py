"""`python -m harness.eval [--solver ...]`: `debugbox eval` without the console script."""

import sys

from harness.eval.cli import main

sys.exit(main())
