"""CPU time of processes, read from ``/proc`` (Linux): what a bench charges to each part."""

from __future__ import annotations

import os
from pathlib import Path


def _stat_fields(pid: int) -> list[str]:
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one live process."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU of ``root`` and every live descendant, plus what its children that
    ended (and were waited for) used: a server's workers, PostgreSQL's backends."""
    parents: dict[int, int] = {}
    own: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = _stat_fields(int(entry))
        except OSError:  # ended meanwhile
            continue
        parents[int(entry)] = int(fields[1])
        own[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    in_tree = {root}
    for pid in sorted(parents):
        ancestor = pid
        while ancestor in parents and ancestor not in in_tree and ancestor > 1:
            ancestor = parents[ancestor]
        if ancestor in in_tree:
            in_tree.add(pid)
    try:
        ended = _stat_fields(root)
    except OSError:
        return 0.0
    waited = (int(ended[13]) + int(ended[14])) / tick
    return waited + sum(own.get(pid, 0.0) for pid in in_tree)
