"""Pages a planner can share, print and file: the report (HTML) and the A3 map sheet (PDF).

:func:`~spatial.checks.snapshot.take_snapshot` checks the layers as ``spatial check``
does; :mod:`~spatial.publish.sheet` draws the static map (matplotlib),
:mod:`~spatial.publish.chart` the target chart, :mod:`~spatial.publish.report_html`
the self-contained report; :mod:`~spatial.publish.fonts` embeds Noto Sans SC.
"""
