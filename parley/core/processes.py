"""The process tree as Linux's /proc shows it: `parley bench` and the multi-worker tests find a
server's workers and job consumer this way (the consumer runs in a session of its own, so a
process group would miss it)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def parents() -> dict[int, int]:
    """Every running process id -> its parent's id."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                found[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def descendants(pid: int) -> list[int]:
    """Children, grandchildren… of `pid`, whatever process group or session they are in."""
    tree, found, frontier = parents(), [], [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in tree.items() if parent == current]
        found += children
        frontier += children
    return found
