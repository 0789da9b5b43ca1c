"""How many threads the toolkit uses by default: the CPUs this process may run on.

One answer for the overlays, the GeoParquet and GDAL scans, the batched validator and the
fast review paths (balance, diff).
"""

from __future__ import annotations

import os

__all__ = ["usable_cpus"]


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask), not all the machine has."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
