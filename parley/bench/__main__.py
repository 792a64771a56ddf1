"""`python -m parley.bench`: the same as `parley bench`."""

from __future__ import annotations

import sys

from parley.bench import main

if __name__ == "__main__":
    sys.exit(main())
