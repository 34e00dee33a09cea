"""Pseudo-random (Gold) sequence generation.

Implements TS 38.211 §5.2.1.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nrlink.errors import check_int
from nrlink.spec._checks import check_int_array

__all__ = ["N_C", "gold_sequence"]

#: Offset N_c of the Gold sequence output (TS 38.211 §5.2.1).
N_C = 1600

_CLAUSE = "TS 38.211 §5.2.1"
_MASK28 = (1 << 28) - 1


def gold_sequence(c_init, length: int) -> np.ndarray:
    """Length-``length`` Gold sequence c(n) for one or many initialisations ``c_init``.

    Implements TS 38.211 §5.2.1.

    c(n) = (x_1(n + N_c) + x_2(n + N_c)) mod 2 with N_c = 1600, where
    x_1(n + 31) = (x_1(n + 3) + x_1(n)) mod 2 starts from x_1(0) = 1, x_1(n) = 0
    (n = 1..30), and x_2(n + 31) = (x_2(n + 3) + x_2(n + 2) + x_2(n + 1) + x_2(n)) mod 2
    starts from c_init = sum_i x_2(i) 2^i.

    Parameters
    ----------
    c_init : int or array_like of int
        Initialisation c_init of x_2, 0 <= c_init < 2^31. An integer array gives one
        sequence per element (its shape becomes the leading batch shape).
    length : int
        Number of output bits M_PN >= 0.

    Returns
    -------
    c : ndarray of uint8, shape ``np.shape(c_init) + (length,)``
        The sequence bits c(0), ..., c(length - 1).

    Raises
    ------
    ConfigError
        If ``c_init`` is not an integer (array) in [0, 2^31) or ``length`` < 0.

    Notes
    -----
    The kernel steps both 31-bit shift registers 28 bits at a time: with the
    window s = (x(n), ..., x(n + 30)) held in one integer (bit i = x(n + i)), the next
    28 outputs of x_1 are ``(s ^ (s >> 3)) & (2^28 - 1)`` and those of x_2 are
    ``(s ^ (s >> 1) ^ (s >> 2) ^ (s >> 3)) & (2^28 - 1)``.

    Examples
    --------
    >>> gold_sequence(1000, 8)
    array([0, 0, 0, 0, 1, 1, 0, 0], dtype=uint8)
    >>> gold_sequence([0, 1000], 4).shape
    (2, 4)
    """
    length = check_int("length", length, "an integer >= 0", _CLAUSE, lo=0)
    c_arr = check_int_array(
        "c_init", c_init, _CLAUSE, lo=0, hi=(1 << 31) - 1, range_text="0..2^31-1"
    )
    flat = np.ascontiguousarray(c_arr.reshape(-1))
    out = np.empty((flat.size, length), dtype=np.uint8)
    _gold_sequence_kernel(flat, out)
    return out.reshape(c_arr.shape + (length,))


@njit(cache=True)
def _gold_sequence_kernel(c_init, out):  # pragma: no cover - compiled
    """Fill ``out[b, :]`` with c(0..M-1) for ``c_init[b]`` (no validation)."""
    mask28 = np.int64(_MASK28)
    length = out.shape[1]
    for b in range(c_init.size):
        s1 = np.int64(1)  # window x_1(n..n+30), bit i = x_1(n+i)
        s2 = c_init[b]  # window x_2(n..n+30)
        # Advance the windows to n = N_c: 57 steps of 28 bits, then one of 4.
        n = 0
        while n < N_C:
            k = min(28, N_C - n)
            mask = (np.int64(1) << k) - 1
            new1 = (s1 ^ (s1 >> 3)) & mask
            new2 = (s2 ^ (s2 >> 1) ^ (s2 >> 2) ^ (s2 >> 3)) & mask
            s1 = (s1 >> k) | (new1 << (31 - k))
            s2 = (s2 >> k) | (new2 << (31 - k))
            n += k
        # Emit 28 bits of c per step from the low bits of the windows.
        pos = 0
        while pos < length:
            y = s1 ^ s2
            k = min(28, length - pos)
            for j in range(k):
                out[b, pos + j] = (y >> j) & 1
            new1 = (s1 ^ (s1 >> 3)) & mask28
            new2 = (s2 ^ (s2 >> 1) ^ (s2 >> 2) ^ (s2 >> 3)) & mask28
            s1 = (s1 >> 28) | (new1 << 3)
            s2 = (s2 >> 28) | (new2 << 3)
            pos += 28
