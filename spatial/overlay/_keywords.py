"""One set of keyword names across the overlay operations: ``a_id`` and ``b_id``.

:func:`tabulate_intersection` names the id columns ``a_id`` and ``b_id``; the
one-layer operations and :func:`difference` and :func:`buffer_coverage` were
written with ``id_col``, :func:`assign_points` with ``point_id``/``polygon_id``.
Each now also takes ``a_id`` (and ``b_id``), so one spelling works everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["id_keywords"]

F = TypeVar("F", bound=Callable[..., Any])


def id_keywords(**aliases: str) -> Callable[[F], F]:
    """Let a function take ``a_id=``/``b_id=`` for its own id parameters (``a_id="id_col"``).

    Examples
    --------
    >>> @id_keywords(a_id="id_col")
    ... def f(layer, id_col="id"):
    ...     return id_col
    >>> f(None, a_id="code"), f(None, id_col="code")
    ('code', 'code')
    """

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            for new, old in aliases.items():
                if new in kwargs:
                    if old in kwargs:
                        raise TypeError(f"{func.__name__}: give {new}= or {old}=, not both")
                    kwargs[old] = kwargs.pop(new)
            return func(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap
