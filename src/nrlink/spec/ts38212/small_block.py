"""Channel coding of small block lengths and its rate matching.

Implements TS 38.212 §5.3.3 (repetition with placeholders for K = 1, the (3, 2) simplex
code with placeholders for K = 2, the (32, K) Reed–Muller code for 3 ≤ K ≤ 11) and
§5.4.3 (rate matching by cyclic repetition, e_k = d_{k mod N}).

Placeholders. Tables 5.3.3.1-1 and 5.3.3.2-1 fill the Q_m-bit modulation groups with
the placeholder "bits" x and y, which are not bits but instructions to the scrambler
(TS 38.211 §6.3.1.1: x → 1, y → the previous scrambled bit, so that the modulation
symbol carrying one or two bits is an outer constellation point). They travel in the
uint8 bit arrays of nrlink as the integer codes :data:`PLACEHOLDER_X` = 2 and
:data:`PLACEHOLDER_Y` = 3 next to the bits 0/1; the scrambler that resolves them is
:func:`nrlink.spec.ts38211.scrambling.scramble_with_placeholders`.

All encoders are batched, (..., K) → (..., N), and the Reed–Muller code is one GF(2)
matrix product over the batch.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits, as_last_axis_array

__all__ = [
    "PLACEHOLDER_X",
    "PLACEHOLDER_Y",
    "QM_VALUES",
    "RM_BASIS",
    "encode_1bit",
    "encode_2bit",
    "rate_match_small",
    "rm_encode",
    "small_block_encode",
    "small_block_length",
]

_C533 = "TS 38.212 §5.3.3"
_C5331 = "TS 38.212 §5.3.3.1"
_C5332 = "TS 38.212 §5.3.3.2"
_C5333 = "TS 38.212 §5.3.3.3"
_C543 = "TS 38.212 §5.4.3"

#: Code of the placeholder "x" of Tables 5.3.3.1-1 / 5.3.3.2-1 in nrlink bit arrays.
PLACEHOLDER_X = 2
#: Code of the placeholder "y" of Table 5.3.3.1-1 in nrlink bit arrays.
PLACEHOLDER_Y = 3
#: Modulation orders Q_m of Tables 5.3.3.1-1 and 5.3.3.2-1.
QM_VALUES = (1, 2, 4, 6, 8)
#: Largest rate-matching output length accepted by :func:`rate_match_small` (nrlink
#: limit: 2 × 8192, the UCI maximum of two polar code blocks, §6.3.1.4.1).
E_MAX = 16384

# TS 38.212 Table 5.3.3.3-1: basis sequences M_{i,n} of the (32, K) code,
# row i = 0..31, columns n = 0..10.
_RM_ROWS = (
    "11000000001",
    "11100000011",
    "10010010111",
    "10110000101",
    "11110001001",
    "11001011101",
    "10101010111",
    "10011001101",
    "11011001011",
    "10111010011",
    "10100111011",
    "11100110101",
    "10010101111",
    "11010101011",
    "10001101001",
    "11001111011",
    "11101110010",
    "10011100100",
    "11011111000",
    "10000110000",
    "10100010001",
    "11010000011",
    "10001001101",
    "11101000111",
    "11111011110",
    "11000111001",
    "10110100110",
    "11110101110",
    "10101110100",
    "10111111100",
    "11111111111",
    "10000000000",
)

#: TS 38.212 Table 5.3.3.3-1 as an array: ``RM_BASIS[i, n]`` = M_{i,n}, shape (32, 11),
#: uint8, read-only.
RM_BASIS = np.array([[int(ch) for ch in row] for row in _RM_ROWS], dtype=np.uint8)
RM_BASIS.setflags(write=False)


# --------------------------------------------------------------------------- validation


def _check_qm(qm) -> int:
    return check_int("qm", qm, "one of 1, 2, 4, 6, 8", f"{_C5331} / {_C5332}",
                     choices=QM_VALUES)


def _check_k(k) -> int:
    return check_int("k", k, "an integer in 1..11 (channel coding of small block lengths)",
                     _C533, lo=1, hi=11)


def _bits_of_length(name, c, k_allowed, clause) -> np.ndarray:
    c = as_bits(name, c, clause)
    if c.shape[-1] not in k_allowed:
        allowed = (f"{k_allowed[0]}" if len(k_allowed) == 1
                   else f"{k_allowed[0]}..{k_allowed[-1]}")
        raise ConfigError(f"K={c.shape[-1]} (the last axis of {name}) is not allowed: K must "
                          f"be {allowed} ({clause})")
    return c


# --------------------------------------------------------------------------- tables


@cache
def _template(k: int, qm: int) -> np.ndarray:
    """Codeword template of K = 1 or 2: entries 0..K (c_0, c_1, c_2 = c_0 ⊕ c_1) as
    indices into [c_0, c_1, c_2], or −1 / −2 for the placeholders x / y."""
    x, y = -1, -2
    if k == 1:  # Table 5.3.3.1-1: [c0 y x ... x], N = Q_m
        t = [0] if qm == 1 else [0, y] + [x] * (qm - 2)
    else:  # Table 5.3.3.2-1: [c0 c1 c2] (Q_m = 1), else three groups of Q_m bits
        t = [0, 1, 2] if qm == 1 else (
            [0, 1] + [x] * (qm - 2) + [2, 0] + [x] * (qm - 2) + [1, 2] + [x] * (qm - 2))
    out = np.array(t, dtype=np.int64)
    out.setflags(write=False)
    return out


def small_block_length(k: int, qm: int = 2) -> int:
    """Length N of the small block codeword d of K bits.

    Implements TS 38.212 §5.3.3 (Tables 5.3.3.1-1, 5.3.3.2-1; §5.3.3.3).

    N = Q_m for K = 1, 3·Q_m for K = 2, 32 for 3 ≤ K ≤ 11.

    Parameters
    ----------
    k : int
        K, 1..11.
    qm : {1, 2, 4, 6, 8}, optional
        Modulation order Q_m (only K = 1, 2 depend on it). Default 2.

    Returns
    -------
    n : int

    Examples
    --------
    >>> small_block_length(1, 4), small_block_length(2, 4), small_block_length(7)
    (4, 12, 32)
    """
    k = _check_k(k)
    qm = _check_qm(qm)
    return qm if k == 1 else 3 * qm if k == 2 else 32


# --------------------------------------------------------------------------- encoders


def _encode_12(c: np.ndarray, k: int, qm: int) -> np.ndarray:
    """K = 1, 2 on validated uint8 bits (..., K)."""
    t = _template(k, qm)
    if k == 1:
        vals = c
    else:
        vals = np.concatenate([c, c[..., :1] ^ c[..., 1:2]], axis=-1)
    out = vals[..., np.maximum(t, 0)]
    out[..., t == -1] = PLACEHOLDER_X
    out[..., t == -2] = PLACEHOLDER_Y
    return np.ascontiguousarray(out, dtype=np.uint8)


def encode_1bit(c, qm: int) -> np.ndarray:
    """Encoding of 1-bit information with placeholders.

    Implements TS 38.212 §5.3.3.1 (Table 5.3.3.1-1).

    d = [c_0] for Q_m = 1, [c_0 y] for Q_m = 2, [c_0 y x x] for Q_m = 4, ... (Q_m − 2
    placeholders x), N = Q_m.

    Parameters
    ----------
    c : array_like of 0/1, shape (..., 1)
    qm : {1, 2, 4, 6, 8}
        Modulation order Q_m.

    Returns
    -------
    d : ndarray of uint8, shape (..., Q_m)
        Bits 0/1 and the placeholders :data:`PLACEHOLDER_X` (2), :data:`PLACEHOLDER_Y` (3).

    Examples
    --------
    >>> encode_1bit([1], 4)
    array([1, 3, 2, 2], dtype=uint8)
    """
    qm = _check_qm(qm)
    return _encode_12(_bits_of_length("c", c, (1,), _C5331), 1, qm)


def encode_2bit(c, qm: int) -> np.ndarray:
    """Encoding of 2-bit information: (3, 2) simplex code with placeholders.

    Implements TS 38.212 §5.3.3.2 (Table 5.3.3.2-1).

    c_2 = (c_0 + c_1) mod 2; d = [c_0 c_1 c_2] for Q_m = 1, [c_0 c_1 c_2 c_0 c_1 c_2] for
    Q_m = 2, else [c_0 c_1 x.. c_2 c_0 x.. c_1 c_2 x..] with Q_m − 2 placeholders x per
    group, N = 3·Q_m.

    Parameters
    ----------
    c : array_like of 0/1, shape (..., 2)
    qm : {1, 2, 4, 6, 8}

    Returns
    -------
    d : ndarray of uint8, shape (..., 3·Q_m)

    Examples
    --------
    >>> encode_2bit([1, 0], 4)
    array([1, 0, 2, 2, 1, 1, 2, 2, 0, 1, 2, 2], dtype=uint8)
    """
    qm = _check_qm(qm)
    return _encode_12(_bits_of_length("c", c, (2,), _C5332), 2, qm)


def _rm_encode(c: np.ndarray) -> np.ndarray:
    """(32, K) Reed–Muller code of validated uint8 bits (..., K), 3 ≤ K ≤ 11."""
    k = c.shape[-1]
    prod = c.astype(np.int32) @ RM_BASIS[:, :k].T.astype(np.int32)
    return (prod & 1).astype(np.uint8)


def rm_encode(c) -> np.ndarray:
    """(32, K) Reed–Muller encoding, d_i = Σ_n c_n·M_{i,n} mod 2.

    Implements TS 38.212 §5.3.3.3 (Table 5.3.3.3-1).

    Parameters
    ----------
    c : array_like of 0/1, shape (..., K), 3 ≤ K ≤ 11

    Returns
    -------
    d : ndarray of uint8, shape (..., 32)

    Raises
    ------
    ConfigError
        ``c`` not 0/1 bits, or K outside 3..11.

    Examples
    --------
    >>> rm_encode([1, 0, 0]).all()  # c_0 alone gives the basis sequence M_{i,0}: all ones
    np.True_
    >>> rm_encode([0, 1, 0])[:8]  # M_{0..7,1}
    array([1, 1, 0, 0, 1, 1, 0, 0], dtype=uint8)
    """
    return _rm_encode(_bits_of_length("c", c, tuple(range(3, 12)), _C5333))


def small_block_encode(c, *, qm: int = 2) -> np.ndarray:
    """Channel coding of small block lengths, K = 1..11 from the last axis of ``c``.

    Implements TS 38.212 §5.3.3 (§5.3.3.1 K = 1, §5.3.3.2 K = 2, §5.3.3.3 K = 3..11).

    Parameters
    ----------
    c : array_like of 0/1, shape (..., K), 1 ≤ K ≤ 11
    qm : {1, 2, 4, 6, 8}, optional
        Modulation order Q_m of the channel the bits are mapped onto; used for K = 1, 2
        only (their placeholders fill a modulation symbol). Default 2 (QPSK).

    Returns
    -------
    d : ndarray of uint8, shape (..., N), N = :func:`small_block_length`
        Bits 0/1, and for K ≤ 2 the placeholders :data:`PLACEHOLDER_X` /
        :data:`PLACEHOLDER_Y`.

    Raises
    ------
    ConfigError
        ``c`` not 0/1 bits, K outside 1..11, ``qm`` not one of 1, 2, 4, 6, 8.
    """
    qm = _check_qm(qm)
    c = _bits_of_length("c", c, tuple(range(1, 12)), _C533)
    k = c.shape[-1]
    return _encode_12(c, k, qm) if k <= 2 else _rm_encode(c)


# --------------------------------------------------------------------------- rate matching


def rate_match_small(d, e: int) -> np.ndarray:
    """Rate matching for channel coding of small block lengths, e_k = d_{k mod N}.

    Implements TS 38.212 §5.4.3.

    Cyclic repetition (E > N) or truncation (E < N) of the N coded bits; placeholders
    (codes 2 and 3) are carried along like bits.

    Parameters
    ----------
    d : array_like of uint8 / int8, shape (..., N), values 0..3
        Coded bits (and placeholder codes) of :func:`small_block_encode`.
    e : int
        Rate-matching output length E, 1..16384.

    Returns
    -------
    e_bits : ndarray of uint8, shape (..., E)

    Raises
    ------
    ConfigError
        ``d`` empty along its last axis or holding values outside 0..3, ``e`` out of
        range.

    Examples
    --------
    >>> rate_match_small([1, 0, 1], 7)
    array([1, 0, 1, 1, 0, 1, 1], dtype=uint8)
    """
    e = check_int("e", e, f"an integer in 1..{E_MAX}", _C543, lo=1, hi=E_MAX)
    d = as_last_axis_array("d", d, "biu", "d must be an integer array of bits 0/1 and "
                           "placeholder codes 2 (x), 3 (y)", "N", _C543)
    if d.shape[-1] == 0:
        raise ConfigError(f"d has length 0 along its last axis: N must be at least 1 ({_C543})")
    if d.size and (d.min() < 0 or d.max() > PLACEHOLDER_Y):
        raise ConfigError(f"d holds values outside 0..3 (bits 0/1, placeholders 2, 3) "
                          f"({_C543})")
    idx = np.arange(e) % d.shape[-1]
    return np.ascontiguousarray(d[..., idx], dtype=np.uint8)
