"""Moved into ``bench_command.py``, one runner: ``--commands balance-zones,diff``."""

from bench_command import main

main()
