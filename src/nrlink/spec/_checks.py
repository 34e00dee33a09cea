"""Validation helpers shared by the spec modules (besides :func:`nrlink.errors.check_int`).

Every helper raises :class:`~nrlink.errors.ConfigError` with the message format of
:func:`~nrlink.errors.check_int`: ``"{name}={value!r} is not allowed: {name} must be
{allowed} ({clause})"``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from nrlink.errors import ConfigError

__all__ = [
    "as_bits",
    "as_last_axis_array",
    "check_bool",
    "check_choice",
    "check_index_set",
    "check_int_array",
    "check_real",
]


def _fail(name: str, value, allowed: str, clause: str):
    raise ConfigError(f"{name}={value!r} is not allowed: {name} must be {allowed} ({clause})")


def check_choice(name: str, value, choices, clause: str, allowed: str | None = None):
    """Validate that ``value`` is one of ``choices`` (a bool never is) and return it.

    ``allowed`` defaults to ``"one of 'a', 'b'"`` (the reprs of ``choices``).
    """
    try:
        ok = not isinstance(value, bool) and value in choices
    except (TypeError, ValueError):  # e.g. an array compared with the choices
        ok = False
    if not ok:
        _fail(name, value, allowed or "one of " + ", ".join(map(repr, choices)), clause)
    return value


def check_bool(name: str, value, clause: str) -> bool:
    """Validate a flag (``bool`` or ``numpy.bool_``) and return it as ``bool``."""
    if not isinstance(value, bool | np.bool_):
        _fail(name, value, "True or False", clause)
    return bool(value)


def check_real(name: str, value, allowed: str, clause: str, *, positive: bool = False) -> float:
    """Validate a finite real number (``> 0`` with ``positive``) and return it as ``float``.

    Accepts Python and NumPy integers and floats and ``fractions.Fraction``; not bools,
    strings or arrays.
    """
    v = math.nan
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        v = float(value)
    if not math.isfinite(v) or (positive and v <= 0):
        _fail(name, value, allowed, clause)
    return v


def check_int_array(name: str, value, clause: str, *, lo: int, hi: int,
                    range_text: str | None = None) -> np.ndarray:
    """Validate an integer scalar or array with every element in ``lo..hi``.

    Returns it as an int64 array of the same shape. ``range_text`` replaces ``"lo..hi"``
    in the message.
    """
    rng = range_text or f"{lo}..{hi}"
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        _fail(name, value, f"an integer (or integer array) in {rng}", clause)
    if arr.size and (int(arr.min()) < lo or int(arr.max()) > hi):
        bad = int(arr[(arr < lo) | (arr > hi)].ravel()[0])
        _fail(name, bad, f"in {rng}", clause)
    return arr.astype(np.int64)


def check_index_set(name: str, values, hi: int, clause: str) -> np.ndarray:
    """Validate a non-empty 1-D sequence of distinct integers in ``0..hi`` (e.g. PRBs).

    Returns it as an int64 array, in the given order.
    """
    arr = np.asarray(values)
    if arr.ndim != 1 or (
        arr.size and (arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer))
    ):
        _fail(name, values, f"a sequence of distinct integers in 0..{hi}", clause)
    if arr.size == 0 or arr.min() < 0 or arr.max() > hi or np.unique(arr).size != arr.size:
        _fail(name, values, f"a non-empty sequence of distinct integers in 0..{hi}", clause)
    return arr.astype(np.int64)


def as_last_axis_array(name: str, a, kinds: str, what: str, axis: str, clause: str):
    """``np.asarray(a)``, checked to have an ``axis`` axis (last) and a dtype kind in ``kinds``.

    ``what`` says what the array must be, e.g. ``"bits must be an integer or bool array"``.
    """
    a = np.asarray(a)
    if a.ndim < 1:
        raise ConfigError(f"{name} must have at least one dimension ({axis} last), got a scalar "
                          f"({clause})")
    if a.dtype.kind not in kinds:
        raise ConfigError(f"{name} has dtype {a.dtype}: {what} ({clause})")
    return a


def as_bits(name: str, b, clause: str) -> np.ndarray:
    """Validate bits 0/1 (an integer or bool array, bits on the last axis) as uint8.

    Returns ``b`` itself (or a view) where it already is contiguous one-byte 0/1 data,
    a uint8 copy otherwise.
    """
    what = "bits must be an integer or bool array of 0/1"
    b = as_last_axis_array(name, b, "biu", what, "bits", clause)
    if b.dtype.kind == "b":
        return np.ascontiguousarray(b).view(np.uint8)
    if b.dtype.itemsize == 1:
        b = b.view(np.uint8)  # int8 -1 becomes 255
        if b.size and b.max() > 1:
            raise ConfigError(f"{name} holds values other than 0 and 1 ({clause})")
        return np.ascontiguousarray(b)
    if b.size and (b.max() > 1 or b.min() < 0):
        raise ConfigError(f"{name} holds values other than 0 and 1 ({clause})")
    return b.astype(np.uint8)
