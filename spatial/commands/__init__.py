"""The commands as library functions: each takes a request and returns a result.

One module per command (``check``, ``balance``, ``diff``, ``overlay``,
``validate``, ``qc``, ``map``, ``report``, ``review``), each with
``run_<name>(request: <Name>Request) -> <Name>Result``: frozen dataclasses holding
what the command line's options hold (paths, the plan input, constraints, the
output CRS) and what the command produces (tables, layers, a summary, notes and
the exit status: 0 ok, 1 problems found). The work is here, composed of the
operations below (:mod:`spatial.checks`, :mod:`spatial.review`, :mod:`spatial.qc`)
and drawn by the renderers (:mod:`spatial.export`, :mod:`spatial.webmap`,
:mod:`spatial.publish`). The command line (:mod:`spatial.cli`) only parses the
call into a request, runs it, prints and writes the result; a script calls the
same functions::

    from spatial.commands.check import CheckRequest, run_check

    result = run_check(CheckRequest())  # the bundled plan
    result.targets  # the target table spatial check prints

``spatial review`` composes the single commands' work into one folder
(:func:`spatial.commands.review.run_review`).

A bad input raises a :class:`spatial.errors.SpatialError` (exit 2 on the command
line). This package imports nothing heavy until a command runs.
"""
