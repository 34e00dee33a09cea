"""Polar code construction: the tables, n, parity-check bits, frozen / information /
parity-check sets and the interleavers of the polar encoder chain.

Implements TS 38.212 §5.3.1.1 (input interleaver, Table 5.3.1.1-1), §5.3.1 (n), §5.3.1.2
(reliability sequence Table 5.3.1.2-1, frozen and parity-check sets), §5.4.1.1 (sub-block
interleaver, Table 5.4.1.1-1) and §5.4.1.3 (coded-bit interleaver), with the PC-bit counts
of §6.3.1.3.1. The encoder and its public entry points are in
:mod:`nrlink.spec.ts38212.polar`, which re-exports these names.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib.resources import files

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits, check_choice

__all__ = [
    "INPUT_INTERLEAVER_PATTERN",
    "SUBBLOCK_INTERLEAVER_PATTERN",
    "coded_bit_interleaver_indices",
    "frozen_set",
    "info_set",
    "input_interleave",
    "input_interleaver_indices",
    "parity_check_counts",
    "parity_check_set",
    "polar_n",
    "reliability_sequence",
    "subblock_interleaver_indices",
]

_C531 = "TS 38.212 §5.3.1"
_C5311 = "TS 38.212 §5.3.1.1"
_C5312 = "TS 38.212 §5.3.1.2"
_C541 = "TS 38.212 §5.4.1"
_C5411 = "TS 38.212 §5.4.1.1"
_C5413 = "TS 38.212 §5.4.1.3"
_C_DCI = "TS 38.212 §7.3.2"
_C_UCI = "TS 38.212 §6.3.1.2.1"

#: TS 38.212 Table 5.3.1.1-1: interleaving pattern Π_IL^max(m), K_IL^max = 164.
INPUT_INTERLEAVER_PATTERN: tuple[int, ...] = (
    0, 2, 4, 7, 9, 14, 19, 20, 24, 25, 26, 28, 31, 34, 42, 45, 49, 50, 51, 53, 54, 56, 58,
    59, 61, 62, 65, 66, 67, 69, 70, 71, 72, 76, 77, 81, 82, 83, 87, 88, 89, 91, 93, 95, 98,
    101, 104, 106, 108, 110, 111, 113, 115, 118, 119, 120, 122, 123, 126, 127, 129, 132,
    134, 138, 139, 140, 1, 3, 5, 8, 10, 15, 21, 27, 29, 32, 35, 43, 46, 52, 55, 57, 60, 63,
    68, 73, 78, 84, 90, 92, 94, 96, 99, 102, 105, 107, 109, 112, 114, 116, 121, 124, 128,
    130, 133, 135, 141, 6, 11, 16, 22, 30, 33, 36, 44, 47, 64, 74, 79, 85, 97, 100, 103,
    117, 125, 131, 136, 142, 12, 17, 23, 37, 48, 75, 80, 86, 137, 143, 13, 18, 38, 144, 39,
    145, 40, 146, 41, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160,
    161, 162, 163,
)
_K_IL_MAX = 164

#: TS 38.212 Table 5.4.1.1-1: sub-block interleaver pattern P(i), i = 0..31.
SUBBLOCK_INTERLEAVER_PATTERN: tuple[int, ...] = (
    0, 1, 2, 4, 3, 5, 6, 7, 8, 16, 9, 17, 10, 18, 11, 19,
    12, 20, 13, 21, 14, 22, 15, 23, 24, 25, 26, 28, 27, 29, 30, 31,
)

_N_MIN = 5
_E_MAX = 8192
_LINKS = ("downlink", "uplink")
#: n_max of §7.3.3 (DCI) and §6.3.1.3.1 / §6.3.2.3.1 (UCI).
_N_MAX = {"downlink": 9, "uplink": 10}
#: Payload ranges: DCI A = 12..140 (§7.3.2, K = A + 24 ≤ K_IL^max), UCI A = 12..1706
#: (§6.3.1.2.1; A ≤ 11 uses the small block codes of §5.3.3).
_A_RANGE = {"downlink": (12, 140), "uplink": (12, 1706)}


# --------------------------------------------------------------------------- tables


@cache
def reliability_sequence() -> np.ndarray:
    """Polar sequence Q_0^{N_max−1}, N_max = 1024, in ascending order of reliability.

    Implements TS 38.212 §5.3.1.2 (Table 5.3.1.2-1).

    Returns
    -------
    q : ndarray of int16, shape (1024,), read-only
        ``q[w]`` is the bit index of reliability rank W = w (``q[0] = 0`` least reliable).
    """
    text = (files("nrlink.spec.tables") / "polar_reliability_sequence.csv").read_text()
    rows = np.array([line.split(";") for line in text.split() if line], dtype=np.int64)
    q = np.empty(1024, dtype=np.int16)
    q[rows[:, 0]] = rows[:, 1]
    q.setflags(write=False)
    return q


# --------------------------------------------------------------------------- validation


def _check_link(link) -> str:
    return check_choice("link", link, _LINKS, "TS 38.212 §7.3.2 / §6.3.1.2")


def _check_n(n) -> int:
    return check_int("n", n, "an integer in 5..10 (N = 2^n = 32..1024)", _C531, lo=5, hi=10)


def _check_e(e) -> int:
    return check_int("e", e, f"an integer in 1..{_E_MAX}", _C541, lo=1, hi=_E_MAX)


def _check_k_total(k_total, e) -> int:
    return check_int("k_total", k_total, f"an integer in 1..e={e} (E ≥ K)", _C541, lo=1, hi=e)


# --------------------------------------------------------------------------- code size


def polar_n(k: int, e: int, n_max: int) -> int:
    """Exponent n of the mother code length N = 2^n.

    Implements TS 38.212 §5.3.1.

    n = max(min(n_1, n_2, n_max), n_min) with n_min = 5, n_2 = ⌈log2(K/R_min)⌉,
    R_min = 1/8, and n_1 = ⌈log2 E⌉ − 1 where E ≤ (9/8)·2^(⌈log2 E⌉−1) and K/E < 9/16,
    else n_1 = ⌈log2 E⌉.

    Parameters
    ----------
    k : int
        Number of information bits K (payload plus CRC), 1 ≤ K ≤ E.
    e : int
        Rate-matching output length E, 1..8192.
    n_max : {9, 10}
        9 for the downlink (§7.1.4, §7.3.3), 10 for the uplink (§6.3.1.3.1).

    Returns
    -------
    n : int
        5 ≤ n ≤ n_max.

    Raises
    ------
    ConfigError
        ``e``, ``k`` or ``n_max`` out of range.
    """
    e = _check_e(e)
    k = check_int("k", k, f"an integer in 1..e={e} (E ≥ K)", _C541, lo=1, hi=e)
    n_max = check_int("n_max", n_max, "9 (downlink) or 10 (uplink)", _C531, choices=(9, 10))
    clog_e = (e - 1).bit_length()  # ⌈log2 E⌉
    if clog_e and 8 * e <= 9 * (1 << (clog_e - 1)) and 16 * k < 9 * e:
        n_1 = clog_e - 1
    else:
        n_1 = clog_e
    n_2 = (8 * k - 1).bit_length()  # ⌈log2(8K)⌉
    return max(min(n_1, n_2, n_max), _N_MIN)


def parity_check_counts(k_total: int, e: int, link: str) -> tuple[int, int]:
    """Numbers of parity-check bits (n_PC, n_PC^wm).

    Implements TS 38.212 §6.3.1.3.1 and §6.3.2.3.1 (used by §5.3.1.2).

    On the uplink with 18 ≤ K ≤ 25 (payload 12..19 plus CRC6): n_PC = 3 and n_PC^wm = 1
    if E − K + 3 > 192, else 0. Otherwise (downlink, or K > 30 on the uplink) both are 0.

    Parameters
    ----------
    k_total : int
        K, the payload plus CRC bits.
    e : int
        Rate-matching output length E.
    link : {"downlink", "uplink"}

    Returns
    -------
    n_pc, n_pc_wm : int
    """
    link = _check_link(link)
    e = _check_e(e)
    k_total = _check_k_total(k_total, e)
    if link == "uplink" and 18 <= k_total <= 25:
        return 3, int(e - k_total + 3 > 192)
    return 0, 0


# --------------------------------------------------------------------------- interleavers


@cache
def _input_interleaver(k: int) -> np.ndarray:
    pat = np.asarray(INPUT_INTERLEAVER_PATTERN, dtype=np.int64)
    pi = pat[pat >= _K_IL_MAX - k] - (_K_IL_MAX - k)
    pi.setflags(write=False)
    return pi


def input_interleaver_indices(k: int) -> np.ndarray:
    """Interleaving pattern Π(k), k = 0..K−1, with I_IL = 1.

    Implements TS 38.212 §5.3.1.1 (Table 5.3.1.1-1).

    Parameters
    ----------
    k : int
        K, 1..164 (K_IL^max).

    Returns
    -------
    pi : ndarray of int64, shape (K,), read-only
        c'_k = c_{Π(k)}.
    """
    k = check_int("k", k, f"an integer in 1..{_K_IL_MAX} (K ≤ K_IL^max)", _C5311,
                  lo=1, hi=_K_IL_MAX)
    return _input_interleaver(k)


def input_interleave(c) -> np.ndarray:
    """Input bit interleaving with I_IL = 1: c'_k = c_{Π(k)}.

    Implements TS 38.212 §5.3.1.1 (Table 5.3.1.1-1).

    Parameters
    ----------
    c : array_like of 0/1, shape (..., K)
        Bits c_0..c_{K−1} (payload and CRC), 1 ≤ K ≤ 164.

    Returns
    -------
    c_prime : ndarray of uint8, shape (..., K)

    Raises
    ------
    ConfigError
        ``c`` not 0/1 bits, or K outside 1..164.
    """
    c = as_bits("c", c, _C5311)
    k = c.shape[-1]
    if not 1 <= k <= _K_IL_MAX:
        raise ConfigError(f"K={k} (the last axis of c) is not allowed: K must be in "
                          f"1..{_K_IL_MAX} (K ≤ K_IL^max, {_C5311})")
    return c[..., _input_interleaver(k)]


@cache
def _subblock(n: int) -> np.ndarray:
    n_len = 1 << n
    idx = np.arange(n_len)
    p = np.asarray(SUBBLOCK_INTERLEAVER_PATTERN, dtype=np.int64)
    j = p[(32 * idx) // n_len] * (n_len // 32) + idx % (n_len // 32)
    j.setflags(write=False)
    return j


def subblock_interleaver_indices(n: int) -> np.ndarray:
    """Sub-block interleaver J(n'), n' = 0..N−1: y_{n'} = d_{J(n')}.

    Implements TS 38.212 §5.4.1.1 (Table 5.4.1.1-1).

    J(n') = P(i)·(N/32) + mod(n', N/32) with i = ⌊32 n'/N⌋.

    Parameters
    ----------
    n : int
        log2 N, 5..10.

    Returns
    -------
    j : ndarray of int64, shape (N,), read-only
    """
    return _subblock(_check_n(n))


@lru_cache(maxsize=1024)
def _coded_bit_interleaver(e: int) -> np.ndarray:
    t = 0
    while t * (t + 1) // 2 < e:  # smallest T with T(T+1)/2 ≥ E (T ≤ 128)
        t += 1
    i, j = np.indices((t, t))
    valid = i + j < t
    # row-wise write order: k = Σ_{i'<i} (T − i') + j
    k_write = i * t - i * (i - 1) // 2 + j
    keep = valid & (k_write < e)
    # read column by column (j outer, i inner): transpose then flatten
    order = k_write.T[keep.T]
    order.setflags(write=False)
    return order


def coded_bit_interleaver_indices(e: int) -> np.ndarray:
    """Coded-bit interleaver with I_BIL = 1 as a gather: f_k = e_{idx[k]}.

    Implements TS 38.212 §5.4.1.3.

    E bits are written row by row into the upper-left triangle of a T×T array (T the
    smallest integer with T(T+1)/2 ≥ E, NULL after the last bit) and read column by
    column, skipping NULL.

    Parameters
    ----------
    e : int
        E, 1..8192.

    Returns
    -------
    idx : ndarray of int64, shape (E,), read-only
    """
    return _coded_bit_interleaver(_check_e(e))


# --------------------------------------------------------------------------- construction


@lru_cache(maxsize=1024)
def _construction(k_total: int, e: int, n: int, n_pc: int, n_pc_wm: int):
    """(Q_I^N sorted, Q_PC^N sorted, Q_F^N sorted) of validated parameters."""
    n_len = 1 << n
    q = reliability_sequence()
    q_n = q[q < n_len].astype(np.int64)  # Q_0^{N−1}, ascending reliability
    frozen_tmp = np.zeros(n_len, dtype=bool)
    if e < n_len:
        j = _subblock(n)
        if 16 * k_total <= 7 * e:  # puncturing
            frozen_tmp[j[: n_len - e]] = True
            if 4 * e >= 3 * n_len:
                frozen_tmp[: -(-(3 * n_len - 2 * e) // 4)] = True
            else:
                frozen_tmp[: -(-(9 * n_len - 4 * e) // 16)] = True
        else:  # shortening
            frozen_tmp[j[e:]] = True
    q_i_tmp = q_n[~frozen_tmp[q_n]]  # ascending reliability
    n_info = k_total + n_pc
    if q_i_tmp.size < n_info:
        raise ConfigError(
            f"e={e} is not allowed: with K={k_total} and n_PC={n_pc}, E leaves only "
            f"{q_i_tmp.size} unfrozen positions of N={n_len} for the K + n_PC = {n_info} "
            f"information and parity-check bits ({_C5312})")
    q_i = q_i_tmp[q_i_tmp.size - n_info:]  # ascending reliability
    pc = list(q_i[: n_pc - n_pc_wm])  # least reliable of Q_I^N
    if n_pc_wm:
        q_tilde = q_i[n_pc:]  # the |Q_I^N| − n_PC most reliable, ascending reliability
        weight = np.array([bin(int(x)).count("1") for x in q_tilde])
        cand = q_tilde[weight == weight.min()]
        pc.extend(cand[::-1][:n_pc_wm])  # highest reliability among the minimum weight
    mask = np.zeros(n_len, dtype=bool)
    mask[q_i] = True
    out = (np.flatnonzero(mask), np.sort(np.asarray(pc, dtype=np.int64)),
           np.flatnonzero(~mask))
    for a in out:
        a.setflags(write=False)
    return out


def _check_construction(k_total, e, n, n_pc, n_pc_wm):
    n = _check_n(n)
    e = _check_e(e)
    k_total = _check_k_total(k_total, e)
    n_pc = check_int("n_pc", n_pc, "0 or 3", _C5312, choices=(0, 3))
    n_pc_wm = check_int("n_pc_wm", n_pc_wm, f"0..{min(n_pc, 1)} (n_PC^wm ≤ n_PC)", _C5312,
                        lo=0, hi=min(n_pc, 1))
    if k_total + n_pc > (1 << n):
        raise ConfigError(f"k_total={k_total} is not allowed: K + n_PC must be at most "
                          f"N={1 << n} ({_C5312})")
    return _construction(k_total, e, n, n_pc, n_pc_wm)


def info_set(k_total: int, e: int, n: int, *, n_pc: int = 0, n_pc_wm: int = 0) -> np.ndarray:
    """Information-bit positions Q_I^N (information and parity-check bits), ascending.

    Implements TS 38.212 §5.3.1.2 (Table 5.3.1.2-1) with the punctured and shortened
    positions of §5.4.1.1 (Table 5.4.1.1-1).

    If E < N, Q_F^tmp holds J(0..N−E−1) when K/E ≤ 7/16 (puncturing) plus the first
    ⌈3N/4 − E/2⌉ (E ≥ 3N/4) or ⌈9N/16 − E/4⌉ indices, else J(E..N−1) (shortening);
    Q_I^N is the K + n_PC most reliable indices of Q_0^{N−1} \\ Q_F^tmp.

    Parameters
    ----------
    k_total : int
        K, payload plus CRC bits (parity-check bits not counted), 1 ≤ K ≤ E.
    e : int
        E, 1..8192.
    n : int
        log2 N, 5..10 (see :func:`polar_n`).
    n_pc, n_pc_wm : int, optional
        Parity-check bit counts (see :func:`parity_check_counts`): n_PC ∈ {0, 3},
        0 ≤ n_PC^wm ≤ 1.

    Returns
    -------
    q_i : ndarray of int64, shape (K + n_PC,), read-only

    Raises
    ------
    ConfigError
        A parameter out of range, or too few unfrozen positions for K + n_PC bits.
    """
    return _check_construction(k_total, e, n, n_pc, n_pc_wm)[0]


def frozen_set(k_total: int, e: int, n: int, *, n_pc: int = 0,
               n_pc_wm: int = 0) -> np.ndarray:
    """Frozen-bit positions Q_F^N = Q_0^{N−1} \\ Q_I^N, ascending.

    Implements TS 38.212 §5.3.1.2 (Table 5.3.1.2-1) and §5.4.1.1.

    Parameters as :func:`info_set`.

    Returns
    -------
    q_f : ndarray of int64, shape (N − K − n_PC,), read-only
    """
    return _check_construction(k_total, e, n, n_pc, n_pc_wm)[2]


def parity_check_set(k_total: int, e: int, n: int, *, n_pc: int = 3,
                     n_pc_wm: int = 0) -> np.ndarray:
    """Parity-check bit positions Q_PC^N ⊂ Q_I^N, ascending.

    Implements TS 38.212 §5.3.1.2.

    n_PC − n_PC^wm bits take the least reliable indices of Q_I^N; the n_PC^wm others take
    the indices of minimum row weight of G_N (2^popcount) among the |Q_I^N| − n_PC most
    reliable ones, the most reliable first where several share that weight.

    Parameters as :func:`info_set` (``n_pc`` defaults to 3).

    Returns
    -------
    q_pc : ndarray of int64, shape (n_PC,), read-only
    """
    return _check_construction(k_total, e, n, n_pc, n_pc_wm)[1]


# --------------------------------------------------------------------------- encoding
