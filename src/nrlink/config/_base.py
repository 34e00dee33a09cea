"""Helpers shared by the configuration dataclasses."""

from __future__ import annotations

import dataclasses
import difflib
import typing
from typing import Any, Self

from nrlink.errors import ConfigError


def _nested_class(hint) -> type | None:
    """The FromDictMixin subclass named by a field's type hint (``X`` or ``X | None``)."""
    candidates = typing.get_args(hint) or (hint,)
    for c in candidates:
        if isinstance(c, type) and issubclass(c, FromDictMixin):
            return c
    return None


def _nested_item_class(hint) -> type | None:
    """The FromDictMixin subclass X of a ``tuple[X, ...]`` field hint."""
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if args and isinstance(args[0], type) and issubclass(args[0], FromDictMixin):
            return args[0]
    return None


def _plain(v):
    """A configuration value as plain data (nested configurations as mappings)."""
    if isinstance(v, FromDictMixin):
        return v.to_dict()
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    return v


class FromDictMixin:
    """``from_dict`` for frozen dataclasses: unknown keys are refused with a hint.

    Nested configurations (a field typed as another ``FromDictMixin`` dataclass) are
    built from nested mappings, and lists (TOML arrays) become tuples, so that a TOML
    table maps one to one onto the dataclass tree.
    """

    __slots__ = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, path: str = "") -> Self:
        """Build the configuration from a mapping (e.g. a TOML table).

        Raises :class:`ConfigError` for an unknown key, naming its path and the
        closest known key.
        """
        if not isinstance(data, dict):
            raise ConfigError(
                f"{path or cls.__name__}: expected a table (mapping) for {cls.__name__}, "
                f"got {type(data).__name__}"
            )
        names = [f.name for f in dataclasses.fields(cls) if f.init]
        hints = typing.get_type_hints(cls)
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in names:
                hint = difflib.get_close_matches(key, names, n=1)
                near = f"; did you mean {hint[0]!r}?" if hint else ""
                raise ConfigError(
                    f"{path}{key}: unknown key for {cls.__name__} (allowed: "
                    f"{', '.join(names)}){near}"
                )
            nested = _nested_class(hints.get(key))
            item = _nested_item_class(hints.get(key))
            if nested is not None and isinstance(value, dict):
                value = nested.from_dict(value, path=f"{path}{key}.")
            elif item is not None and isinstance(value, list | tuple):
                value = tuple(item.from_dict(v, path=f"{path}{key}[{i}].")
                              if isinstance(v, dict) else v for i, v in enumerate(value))
            elif isinstance(value, list):
                value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
            kwargs[key] = value
        return cls(**kwargs)

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied, validated again (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The init fields as a plain mapping (nested configurations as mappings)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if not f.init:
                continue
            out[f.name] = _plain(getattr(self, f.name))
        return out
