"""The checked plan: what a check produces and every renderer draws.

``spatial check``, ``map``, ``report`` and the exports render one
:class:`~spatial.checked.snapshot.PlanSnapshot`, taken once by
:func:`spatial.checks.snapshot.take_snapshot`. This package holds only the
result types (:class:`~spatial.checked.status.Status`,
:class:`~spatial.checked.report.CheckReport`, the layers' provenance and the
snapshot); it imports neither the checks nor the plan reader, so that the
renderers (``webmap/``, ``publish/``, ``export/``) can take the checked result
without being able to re-derive it (the import contract in ``pyproject.toml``).
"""
