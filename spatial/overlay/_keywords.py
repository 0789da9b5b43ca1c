"""One name for the overlay operations' id parameters: ``id_field``, ``a_id_field``, ``b_id_field``.

One layer's id column is ``id_field`` (:func:`overlaps`, :func:`overlap_matrix`);
where two layers meet, ``a_id_field`` and ``b_id_field`` (:func:`tabulate_intersection`,
:func:`difference`, :func:`buffer_coverage`, :func:`assign_points`). The older
keywords (``a_id``, ``b_id``, ``id_col``, ``point_id``, ``polygon_id``) are
still accepted, so scripts written against them keep working.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["id_keywords"]

F = TypeVar("F", bound=Callable[..., Any])


def id_keywords(**aliases: str) -> Callable[[F], F]:
    """Let a function take older keywords for its id parameters (``a_id="a_id_field"``).

    Examples
    --------
    >>> @id_keywords(a_id="id_field")
    ... def f(layer, id_field="id"):
    ...     return id_field
    >>> f(None, a_id="code"), f(None, id_field="code")
    ('code', 'code')
    """

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            for old, param in aliases.items():
                if old in kwargs:
                    if param in kwargs:
                        raise TypeError(f"{func.__name__}: give {param}= or {old}=, not both")
                    kwargs[param] = kwargs.pop(old)
            return func(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap
