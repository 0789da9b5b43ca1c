"""The commands as library functions: each takes a request and returns a result.

One module per command (``check``, ``balance``, ``diff``, ``overlay``,
``validate``, ``qc``, ``map``, ``report``), each with ``run_<name>(request:
<Name>Request) -> <Name>Result``: frozen dataclasses holding what the command
line's options hold (paths, the plan input, constraints, the output CRS) and
what the command produces (tables, layers, a summary, notes and the exit status:
0 ok, 1 problems found). The command line (:mod:`spatial.cli`) only parses the
call into a request, runs it, prints and writes the result; a script calls the
same functions::

    from spatial.commands.check import CheckRequest, run_check

    result = run_check(CheckRequest())  # the bundled plan
    result.targets  # the target table spatial check prints

A bad input raises a :class:`spatial.errors.SpatialError` (exit 2 on the command
line). This package imports nothing heavy until a command runs.
"""
