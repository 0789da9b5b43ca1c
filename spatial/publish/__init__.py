"""Pages a planner can share, print and file: the report (HTML) and the A3 map sheet (PDF).

Each page draws one checked plan (:class:`~spatial.checked.snapshot.PlanSnapshot`,
taken by :func:`spatial.checks.snapshot.take_snapshot`) and imports neither the checks
nor the plan reader; :mod:`~spatial.publish.sheet` draws the static map (matplotlib),
:mod:`~spatial.publish.chart` the target chart, :mod:`~spatial.publish.report_html`
the self-contained report; :mod:`~spatial.publish.fonts` embeds Noto Sans SC and
:mod:`~spatial.publish.escape` makes outside text safe on every page, the map's too.
"""
