"""Error types shared by every layer of nrlink."""

import numpy as np


class ConfigError(ValueError):
    """A parameter is outside what the 3GPP specification (or nrlink) allows.

    The message names the parameter, its value, the allowed values and the clause.
    """


def check_int(name: str, value, allowed: str, clause: str, *, lo=None, hi=None, choices=None):
    """Validate an integer parameter and return it as a Python ``int``.

    Raises :class:`ConfigError` naming ``name``, ``value``, ``allowed`` and ``clause``.
    """
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if ok:
        v = int(value)
        if choices is not None and v not in choices:
            ok = False
        if lo is not None and v < lo:
            ok = False
        if hi is not None and v > hi:
            ok = False
    if not ok:
        raise ConfigError(f"{name}={value!r} is not allowed: {name} must be {allowed} ({clause})")
    return int(value)


def check_rng(rng, clause: str = "nrlink: every random draw takes an explicit Generator"):
    """Validate that ``rng`` is a :class:`numpy.random.Generator` and return it.

    nrlink draws randomness only from an explicit generator (reproducible from its seed);
    a seed, ``None`` or the legacy ``RandomState`` is refused with :class:`ConfigError`.
    """
    if not isinstance(rng, np.random.Generator):
        raise ConfigError(
            f"rng={rng!r} is not allowed: rng must be a numpy.random.Generator, e.g. "
            f"numpy.random.default_rng(seed) ({clause})"
        )
    return rng
