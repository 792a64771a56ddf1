"""`python -m parley.core.knobs`: rewrite the README's configuration tables from the knobs."""

import sys
from pathlib import Path

from parley.core.knobs import readme_with_tables

path = Path(__file__).resolve().parents[3] / "README.md"
path.write_text(readme_with_tables(path.read_text(encoding="utf-8")), encoding="utf-8")
sys.stdout.write(f"{path}: configuration tables rewritten from parley/core/knobs/\n")
