"""Helpers shared by the configuration dataclasses."""

from __future__ import annotations

import dataclasses
import difflib
from typing import Any, Self

from nrlink.errors import ConfigError


class FromDictMixin:
    """``from_dict`` for frozen dataclasses: unknown keys are refused with a hint."""

    __slots__ = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, path: str = "") -> Self:
        """Build the configuration from a mapping (e.g. a TOML table).

        Raises :class:`ConfigError` for an unknown key, naming its path and the
        closest known key.
        """
        names = [f.name for f in dataclasses.fields(cls) if f.init]
        for key in data:
            if key not in names:
                hint = difflib.get_close_matches(key, names, n=1)
                near = f"; did you mean {hint[0]!r}?" if hint else ""
                raise ConfigError(
                    f"{path}{key}: unknown key for {cls.__name__} (allowed: "
                    f"{', '.join(names)}){near}"
                )
        return cls(**data)

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied, validated again (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)
