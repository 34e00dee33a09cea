"""Built-in campaign presets: TOML files shipped with nrlink (``nrlink presets``)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

__all__ = ["preset_names", "preset_summary", "preset_text"]


def _files():
    return resources.files(__name__)


@cache
def preset_names() -> tuple[str, ...]:
    """Names of the built-in presets (their file names without ``.toml``), sorted."""
    return tuple(sorted(f.name[:-5] for f in _files().iterdir() if f.name.endswith(".toml")))


def preset_text(name: str) -> str:
    """The TOML text of preset ``name``."""
    if name not in preset_names():
        raise KeyError(name)
    return (_files() / f"{name}.toml").read_text(encoding="utf-8")


def preset_summary(name: str) -> str:
    """The preset's one-line ``description``."""
    return str(tomllib.loads(preset_text(name)).get("description", ""))
