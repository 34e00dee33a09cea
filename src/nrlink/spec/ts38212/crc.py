"""Cyclic redundancy check: CRC calculation, attachment and check.

Implements TS 38.212 §5.1.

The parity bits p_0..p_{L-1} of a_0..a_{A-1} are the remainder of
a_0 D^{A+L-1} + ... + a_{A-1} D^{L} + p_0 D^{L-1} + ... + p_{L-1} divided by the
generator polynomial: all-zero initial register, no final inversion, bits in
transmission order (most significant first). The work is done 8 bits per step
with a 256-entry table by a Numba kernel, vectorised over any batch shape.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit

from nrlink.errors import ConfigError
from nrlink.spec._checks import as_bits

__all__ = [
    "CRC_POLYNOMIALS",
    "crc_attach",
    "crc_check",
    "crc_length",
    "crc_remainder",
]

#: TS 38.212 §5.1 generator polynomials: name -> exponents of D with non-zero coefficient.
CRC_POLYNOMIALS: dict[str, tuple[int, ...]] = {
    "24A": (24, 23, 18, 17, 14, 11, 10, 7, 6, 5, 4, 3, 1, 0),
    "24B": (24, 23, 6, 5, 1, 0),
    "24C": (24, 23, 21, 20, 17, 15, 13, 12, 8, 4, 2, 1, 0),
    "16": (16, 12, 5, 0),
    "11": (11, 10, 9, 5, 0),
    "6": (6, 5, 0),
}

_CLAUSE = "TS 38.212 §5.1"


def _check_poly(poly) -> str:
    if not isinstance(poly, str) or poly not in CRC_POLYNOMIALS:
        raise ConfigError(
            f"poly={poly!r} is not allowed: poly must be one of "
            f"{', '.join(repr(p) for p in CRC_POLYNOMIALS)} ({_CLAUSE})"
        )
    return poly


def crc_length(poly: str) -> int:
    """Number of parity bits L of CRC ``poly`` (24, 16, 11 or 6).

    Implements TS 38.212 §5.1.

    Raises
    ------
    ConfigError
        If ``poly`` is not one of "24A", "24B", "24C", "16", "11", "6".
    """
    return CRC_POLYNOMIALS[_check_poly(poly)][0]


@cache
def _table(poly: str) -> tuple[np.ndarray, int, int]:
    """Byte table of ``poly`` for a register of width W = max(L, 8).

    A CRC shorter than 8 bits is run left-aligned in an 8-bit register with the
    generator multiplied by D^(8-L): the register then holds the remainder times
    D^(8-L) (remainders modulo g·D^s of x·D^s are (x mod g)·D^s).
    """
    exps = CRC_POLYNOMIALS[poly]
    length = exps[0]
    width = max(length, 8)
    shift = width - length
    gen = 0
    for e in exps[1:]:  # generator without its leading D^L term, left-aligned
        gen |= 1 << (e + shift)
    top = 1 << (width - 1)
    mask = (1 << width) - 1
    table = np.zeros(256, dtype=np.uint32)
    for byte in range(256):  # 256 × 8 steps, once per polynomial
        reg = byte << (width - 8)
        for _ in range(8):
            reg = ((reg << 1) ^ gen) if reg & top else (reg << 1)
            reg &= mask
        table[byte] = reg
    table.setflags(write=False)
    return table, width, length


@njit(cache=True)
def _crc_table_kernel(packed, table, width, length, out):  # pragma: no cover - jitted
    """Remainder of each row of ``packed`` (bytes, MSB first) into ``out`` (rows, L) bits."""
    n_rows, n_bytes = packed.shape
    mask = np.uint32((1 << width) - 1)
    hi = width - 8
    lo = width - length
    for r in range(n_rows):
        reg = np.uint32(0)
        for i in range(n_bytes):
            idx = ((reg >> hi) ^ np.uint32(packed[r, i])) & np.uint32(0xFF)
            reg = ((reg << np.uint32(8)) & mask) ^ table[idx]
        reg = reg >> np.uint32(lo)
        for j in range(length):
            out[r, j] = np.uint8((reg >> np.uint32(length - 1 - j)) & np.uint32(1))


def _as_bits(x, name: str, min_len: int = 0) -> np.ndarray:
    x = as_bits(name, x, _CLAUSE)
    if x.shape[-1] < min_len:
        raise ConfigError(f"{name} has length {x.shape[-1]} along its last axis: it must be at "
                          f"least {min_len} ({_CLAUSE})")
    return x


def _remainder(x: np.ndarray, poly: str) -> np.ndarray:
    """Remainder bits (..., L) of already validated bits ``x`` (..., n)."""
    table, width, length = _table(poly)
    batch = x.shape[:-1]
    n = x.shape[-1]
    rows = x.reshape(int(np.prod(batch, dtype=np.int64)), n)
    pad = (-n) % 8
    if pad:  # leading zeros leave a zero-initialised CRC unchanged
        rows = np.concatenate([np.zeros((rows.shape[0], pad), dtype=rows.dtype), rows], axis=1)
    packed = np.packbits(rows.view(np.uint8) if rows.dtype.itemsize == 1 else rows != 0,
                         axis=-1)
    out = np.empty((rows.shape[0], length), dtype=np.uint8)
    if rows.shape[0]:
        _crc_table_kernel(np.ascontiguousarray(packed), table, width, length, out)
    return out.reshape(*batch, length)


def crc_remainder(a, poly: str) -> np.ndarray:
    """CRC parity bits p_0..p_{L-1} of each row of ``a``.

    Implements TS 38.212 §5.1.

    Parameters
    ----------
    a : array_like of 0/1 (uint8, int8 or bool), shape (..., A)
        Input bits a_0..a_{A-1}, any A ≥ 0, any leading batch shape.
    poly : {"24A", "24B", "24C", "16", "11", "6"}
        Generator polynomial g_CRC<poly>(D).

    Returns
    -------
    p : ndarray of uint8, shape (..., L)
        The parity bits, p_0 first.

    Raises
    ------
    ConfigError
        Unknown ``poly``; ``a`` a scalar, not integer/bool, or with values other than 0/1.

    Examples
    --------
    >>> crc_remainder([1, 0, 1], "6")
    array([0, 0, 0, 1, 1, 0], dtype=uint8)
    """
    poly = _check_poly(poly)
    return _remainder(_as_bits(a, "a"), poly)


def crc_attach(a, poly: str) -> np.ndarray:
    """Append the CRC parity bits to each row of ``a``: b = (a_0..a_{A-1}, p_0..p_{L-1}).

    Implements TS 38.212 §5.1.

    Parameters
    ----------
    a : array_like of 0/1 (uint8, int8 or bool), shape (..., A)
        Input bits, any A ≥ 0, any leading batch shape.
    poly : {"24A", "24B", "24C", "16", "11", "6"}
        Generator polynomial.

    Returns
    -------
    b : ndarray of uint8, shape (..., A + L)

    Raises
    ------
    ConfigError
        Unknown ``poly``; ``a`` a scalar, not integer/bool, or with values other than 0/1.
    """
    poly = _check_poly(poly)
    a = _as_bits(a, "a")
    p = _remainder(a, poly)
    return np.concatenate([a.astype(np.uint8, copy=False), p], axis=-1)


def crc_check(b, poly: str) -> np.ndarray:
    """Whether each row of ``b`` (data followed by its CRC) has a zero remainder.

    Implements TS 38.212 §5.1.

    Parameters
    ----------
    b : array_like of 0/1 (uint8, int8 or bool), shape (..., A + L)
        Bits with their parity bits last, A + L ≥ L.
    poly : {"24A", "24B", "24C", "16", "11", "6"}
        Generator polynomial.

    Returns
    -------
    ok : ndarray of bool, shape (...)
        True where the CRC checks (every g_CRC has a non-zero constant term, so the
        remainder of the whole of b is zero exactly when the parity bits are right).

    Raises
    ------
    ConfigError
        Unknown ``poly``; ``b`` shorter than L, a scalar, not integer/bool, or with
        values other than 0/1.
    """
    poly = _check_poly(poly)
    b = _as_bits(b, "b", min_len=CRC_POLYNOMIALS[poly][0])
    return ~_remainder(b, poly).any(axis=-1)
