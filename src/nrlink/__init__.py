"""nrlink — an open, spec-exact and fast 5G NR physical-layer link simulator.

Layers (imported downwards only): :mod:`nrlink.spec` (pure 3GPP functions and
tables) → :mod:`nrlink.config` → :mod:`nrlink.channel` → :mod:`nrlink.rx` →
:mod:`nrlink.link` → :mod:`nrlink.sim` → :mod:`nrlink.cli`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nrlink")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
