"""The 用地用海分类 codes of the 2023 guide, read from the package's data file.

A class has a code of 2 (一级类), 4 (二级类) or 6 (三级类) digits; its parent is
the code less its last two digits. What the data file could not source (the
建设用地 flag, standard colours) is not here either: see the file's header.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["DATA_FILE", "LEVEL_DIGITS", "LandUseClass", "LandUseClasses", "load_classes"]

#: The data file: codes and names with their source.
DATA_FILE = Path(__file__).with_name("data") / "ydyh_2023.toml"
#: Digits of a code at each level: 一级类 2, 二级类 4, 三级类 6.
LEVEL_DIGITS: dict[int, int] = {1: 2, 2: 4, 3: 6}


@dataclass(frozen=True)
class LandUseClass:
    """One class of the guide: its code, its name and its place in the hierarchy."""

    code: str
    name_zh: str

    @property
    def level(self) -> int:
        """1, 2 or 3 (一级类, 二级类, 三级类), from the code's length."""
        return len(self.code) // 2

    @property
    def parent(self) -> str | None:
        """The code of the class above (None for an 一级类)."""
        return self.code[:-2] or None


class LandUseClasses(Mapping[str, LandUseClass]):
    """The classes by code, with the data file's source.

    Examples
    --------
    >>> classes = load_classes()
    >>> classes.ancestor("080403", 1).name_zh
    '公共管理与公共服务用地'
    >>> "2005" in classes  # left out: the transcriptions disagree
    False
    """

    def __init__(self, classes: Mapping[str, LandUseClass], source: Mapping[str, Any]) -> None:
        self._classes = dict(classes)
        self.source = dict(source)

    def __getitem__(self, code: str) -> LandUseClass:
        return self._classes[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)

    def ancestor(self, code: str, level: int) -> LandUseClass | None:
        """Return the class of ``code`` at ``level`` (1-3), None when the code is above it."""
        digits = LEVEL_DIGITS[level]
        return self._classes.get(code[:digits]) if len(code) >= digits else None

    def citation(self) -> str:
        """One line naming the source document."""
        s = self.source
        return f"{s['issuer']}《{s['title']}》({s['document']}, {s['year']})"


@cache
def load_classes() -> LandUseClasses:
    """Return the 2023 guide's classes (read once from :data:`DATA_FILE`)."""
    with open(DATA_FILE, "rb") as fh:
        data = tomllib.load(fh)
    classes = {code: LandUseClass(code, name) for code, name in data["classes"].items()}
    return LandUseClasses(classes, data["source"])
