"""Where the bundled plan data (``geodata/`` and ``seeds/``) lives.

From a source checkout (including an editable install) the data are the
repository's own ``geodata/`` and ``seeds/`` folders; in an installed wheel they
are copied into ``spatial/_bundled/`` (see ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["LAYER_NAMES", "REQUIRED_PROPERTIES", "bundled_dir"]

#: The bundled layers, in drawing order (bottom to top); here, not in
#: :mod:`spatial.io.layers`, so that a command's options are named without geopandas.
LAYER_NAMES: tuple[str, ...] = (
    "district",
    "corridor",
    "clusters",
    "zones",
    "functional_areas",
    "platforms",
    "towns",
)

#: Properties every feature of a bundled or checked layer must carry.
REQUIRED_PROPERTIES: tuple[str, ...] = ("id", "name_zh", "name_en", "kind", "source", "accuracy")

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # spatial/


def bundled_dir(name: str) -> Path:
    """Return the folder of bundled data ``name`` (``"geodata"`` or ``"seeds"``).

    Raises
    ------
    FileNotFoundError
        When neither the wheel copy nor the repository folder exists.
    """
    for candidate in (_PACKAGE_DIR / "_bundled" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled data folder {name!r} not found beside {_PACKAGE_DIR}")
