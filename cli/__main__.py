"""`python3 -m cli ...`: `debugbox` without the console script."""

import sys

from cli.main import main

sys.exit(main())
