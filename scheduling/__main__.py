"""`python -m scheduling`: see scheduling/cli.py."""

import sys

from .cli import main

sys.exit(main())
