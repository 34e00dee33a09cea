"""Polar encoder chain: CRC attachment, input interleaving, code construction, encoding,
sub-block interleaving, bit selection and coded-bit interleaving.

Implements TS 38.212 §5.3.1 (polar coding) and §5.4.1 (rate matching for polar codes),
with the CRC attachment and parameters of §7.3.2 (DCI, downlink) and §6.3.1.2 /
§6.3.1.3.1 (UCI, uplink).

Everything but the data is a fixed function of the scalar parameters (K, E, link): the
positions of the information and parity-check bits in u and the single gather from d to
the rate-matched output f are computed once per parameter set (``functools.lru_cache``)
and applied to the whole batch with NumPy. The transform d = u·G_N runs as n vectorised
butterfly stages over the batch.
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib.resources import files

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits, check_bool, check_choice
from nrlink.spec.ts38212.crc import crc_remainder

__all__ = [
    "INPUT_INTERLEAVER_PATTERN",
    "SUBBLOCK_INTERLEAVER_PATTERN",
    "check_crc_mask",
    "code_parameters",
    "coded_bit_interleaver_indices",
    "crc_poly_for",
    "frozen_set",
    "info_set",
    "input_interleave",
    "input_interleaver_indices",
    "parity_check_counts",
    "parity_check_set",
    "polar_encode",
    "polar_n",
    "polar_transform",
    "rate_match_indices",
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


def polar_transform(u) -> np.ndarray:
    """Polar transform d = u·G_N, G_N = (G_2)^{⊗n}, G_2 = [[1, 0], [1, 1]] over GF(2).

    Implements TS 38.212 §5.3.1.2.

    Computed in n butterfly stages over the whole batch (the upper half of every block
    of size 2s is XORed with its lower half).

    Parameters
    ----------
    u : array_like of 0/1, shape (..., N), N = 2^n, 1 ≤ n ≤ 10

    Returns
    -------
    d : ndarray of uint8, shape (..., N)
    """
    u = as_bits("u", u, _C5312)
    n_len = u.shape[-1]
    if n_len < 2 or n_len > 1024 or n_len & (n_len - 1):
        raise ConfigError(f"N={n_len} (the last axis of u) is not allowed: N must be a power "
                          f"of two in 2..1024 ({_C5312})")
    return _transform(u.astype(np.uint8, copy=True))


def _transform(d: np.ndarray) -> np.ndarray:
    """In place d ← d·G_N on validated uint8 bits (..., N)."""
    batch = d.shape[:-1]
    n_len = d.shape[-1]
    flat = d.reshape(-1, n_len)
    s = 1
    while s < n_len:
        v = flat.reshape(flat.shape[0], n_len // (2 * s), 2, s)
        v[:, :, 0, :] ^= v[:, :, 1, :]
        s *= 2
    return flat.reshape(*batch, n_len)


@lru_cache(maxsize=1024)
def _rate_match(k_total: int, e: int, n: int, link: str) -> np.ndarray:
    n_len = 1 << n
    j = _subblock(n)
    k_idx = np.arange(e)
    if e >= n_len:  # repetition
        sel = k_idx % n_len
    elif 16 * k_total <= 7 * e:  # puncturing
        sel = k_idx + n_len - e
    else:  # shortening
        sel = k_idx
    idx = j[sel]  # e_k = y_{sel(k)} = d_{J(sel(k))}
    if link == "uplink":
        idx = idx[_coded_bit_interleaver(e)]
    idx = np.ascontiguousarray(idx)
    idx.setflags(write=False)
    return idx


def rate_match_indices(k_total: int, e: int, n: int, link: str) -> np.ndarray:
    """Rate matching as a gather from the encoded bits: f_k = d_{idx[k]}.

    Implements TS 38.212 §5.4.1 (§5.4.1.1 sub-block interleaving, §5.4.1.2 bit selection,
    §5.4.1.3 coded-bit interleaving with I_BIL = 1 on the uplink, 0 on the downlink).

    Bit selection: E ≥ N repeats, e_k = y_{mod(k, N)}; else K/E ≤ 7/16 punctures,
    e_k = y_{k+N−E}; else shortens, e_k = y_k.

    Parameters
    ----------
    k_total : int
        K, payload plus CRC bits, 1 ≤ K ≤ E.
    e : int
        E, 1..8192.
    n : int
        log2 N, 5..10.
    link : {"downlink", "uplink"}

    Returns
    -------
    idx : ndarray of int64, shape (E,), read-only
    """
    link = _check_link(link)
    n = _check_n(n)
    e = _check_e(e)
    return _rate_match(_check_k_total(k_total, e), e, n, link)


def crc_poly_for(k: int, link: str) -> str:
    """CRC polynomial of a polar-coded payload of A = ``k`` bits.

    Implements TS 38.212 §7.3.2 (DCI: CRC24C) and §6.3.1.2.1 (UCI: CRC6 for
    12 ≤ A ≤ 19, CRC11 for A ≥ 20).
    """
    link = _check_link(link)
    lo, hi = _A_RANGE[link]
    clause = _C_DCI if link == "downlink" else _C_UCI
    k = check_int("k", k, f"an integer in {lo}..{hi} on the {link}", clause, lo=lo, hi=hi)
    if link == "downlink":
        return "24C"
    return "6" if k <= 19 else "11"


#: Segment payload sizes A'/C of a segmented UCI (§6.3.1.2.1: A = 360..1706, C = 2).
_SEG_A_RANGE = (180, 853)


def _check_segmented(segmented, link) -> bool:
    segmented = check_bool("segmented", segmented, _C_UCI)
    if segmented and link != "uplink":
        raise ConfigError(f"segmented=True is not allowed on the {link}: code block "
                          f"segmentation applies to UCI only, link must be 'uplink' ({_C_UCI})")
    return segmented


@lru_cache(maxsize=1024)
def code_parameters(k: int, e: int, link: str, *,
                    segmented: bool = False) -> tuple[str, int, int]:
    """(CRC polynomial, K = A + L, n) of payload size A = ``k``, E and the link, checked.

    Implements TS 38.212 §5.3.1 (n) with the CRC choice of §7.3.2 / §6.3.1.2.1; shared by
    the encoder and the decoders (:mod:`nrlink.rx.polar_decoder`).

    With ``segmented=False`` (default) ``k`` is the whole payload A, and a UCI payload
    that needs code block segmentation (I_seg = 1: A ≥ 1013, or A ≥ 360 and E ≥ 1088,
    §6.3.1.2.1) is refused. With ``segmented=True`` (uplink only) ``k`` is the size
    A'/C of one of the C = 2 segments of §5.2.1 and ``e`` its E_r = ⌊E_UCI/C⌋
    (§6.3.1.4.1): the segment must come from a payload that §6.3.1.2.1 segments, i.e.
    180 ≤ A'/2 ≤ 853 (A = 360..1706), and E_r ≥ 544 (E_UCI ≥ 1088) unless A'/2 ≥ 507
    (A ≥ 1013); its CRC is CRC11.

    Raises
    ------
    ConfigError
        E < K, an unsegmented uplink payload that needs segmentation, or a segment
        that §6.3.1.2.1 would not produce.
    """
    link = _check_link(link)
    e = _check_e(e)
    segmented = _check_segmented(segmented, link)
    if segmented:
        lo, hi = _SEG_A_RANGE
        k = check_int("k", k, f"an integer in {lo}..{hi} (the segment size A'/2 of a "
                      f"segmented UCI of A = 360..1706 bits)", _C_UCI, lo=lo, hi=hi)
        if k < 507 and e < 544:
            raise ConfigError(
                f"e={e} is not allowed for a segment of k={k} bits: a UCI of A < 1013 bits "
                f"is segmented only when E_UCI ≥ 1088, so E_r = ⌊E_UCI/2⌋ must be at least "
                f"544 ({_C_UCI}, §6.3.1.4.1)")
    poly = crc_poly_for(k, link)
    k_total = k + {"24C": 24, "11": 11, "6": 6}[poly]
    if k_total > e:
        raise ConfigError(f"e={e} is not allowed: e must be at least K = A + L = {k_total} "
                          f"(E ≥ K, {_C541})")
    if not segmented and link == "uplink" and (k >= 1013 or (k >= 360 and e >= 1088)):
        raise ConfigError(
            f"k={k} with e={e} is not allowed without segmentation: code block "
            f"segmentation (I_seg = 1 for A ≥ 1013, or A ≥ 360 and E ≥ 1088) is needed; "
            f"encode the two segments with segmented=True (see "
            f"nrlink.spec.ts38212.uci.uci_encode), or use k < 360, or k < 1013 with "
            f"e < 1088 ({_C_UCI}, TS 38.212 §5.2.1)")
    return poly, k_total, polar_n(k_total, e, _N_MAX[link])


def _plan(k: int, e: int, link: str, segmented: bool = False):
    """(poly, K, n, u-positions of c' in order, PC positions and masks, f gather)."""
    poly, k_total, n = code_parameters(k, e, link, segmented=segmented)
    n_pc, n_pc_wm = parity_check_counts(k_total, e, link)
    q_i, q_pc, _ = _construction(k_total, e, n, n_pc, n_pc_wm)
    info_pos = np.setdiff1d(q_i, q_pc)  # ascending: c'_0 .. c'_{K−1}
    # PC bit at position p: XOR of all u_m, m < p, m ≡ p (mod 5) (the cyclic register y
    # of §5.3.1.2 keeps one running XOR per residue), evaluated in ascending p.
    pc_masks = tuple(
        np.flatnonzero((np.arange(1 << n) < p) & (np.arange(1 << n) % 5 == p % 5))
        for p in q_pc
    )
    f_idx = _rate_match(k_total, e, n, link)
    return poly, k_total, n, info_pos, tuple(int(p) for p in q_pc), pc_masks, f_idx


def check_crc_mask(crc_mask, batch: tuple, crc_len: int) -> np.ndarray | None:
    """``crc_mask`` as uint8 bits broadcast to ``batch + (crc_len,)``, or None."""
    if crc_mask is None:
        return None
    m = as_bits("crc_mask", crc_mask, _C_DCI)
    if m.ndim == 0 or m.shape[-1] != crc_len:
        raise ConfigError(f"crc_mask has shape {m.shape}: its last axis must be the CRC length "
                          f"L={crc_len} ({_C_DCI})")
    try:
        return np.broadcast_to(m, (*batch, crc_len))
    except ValueError:
        raise ConfigError(f"crc_mask has shape {m.shape}: it must broadcast to the batch "
                          f"shape {(*batch, crc_len)} ({_C_DCI})") from None


def polar_encode(a, k: int, e: int, link: str, *, crc_ones: bool = False,
                 crc_mask=None, segmented: bool = False) -> np.ndarray:
    """Polar encoder chain: payload bits a → rate-matched bits f.

    Implements TS 38.212 §5.3.1 and §5.4.1 (CRC of §7.3.2 / §6.3.1.2.1).

    Downlink (DCI-like): CRC24C over a (§5.1; no leading ones, no RNTI masking), input
    interleaving I_IL = 1 (§5.3.1.1), n_max = 9, no parity-check bits, no coded-bit
    interleaving. Uplink (UCI): CRC6 (12 ≤ A ≤ 19) or CRC11 (A ≥ 20), I_IL = 0,
    n_max = 10, n_PC = 3 for 12 ≤ A ≤ 19 (§6.3.1.3.1), coded-bit interleaving
    I_BIL = 1 (§5.4.1.3). Then u is built per §5.3.1.2, d = u·G_N, and d is sub-block
    interleaved, bit selected (§5.4.1.1-2) and (uplink) interleaved.

    Parameters
    ----------
    a : array_like of 0/1 (uint8, int8 or bool), shape (B, A) or (..., A)
        Payload bits, batch dimension(s) first.
    k : int
        Number of payload bits A (must equal ``a.shape[-1]``): 12..140 on the downlink,
        12..1706 on the uplink (a payload that needs uplink code block segmentation,
        A ≥ 1013 or A ≥ 360 with E ≥ 1088, is refused unless ``segmented``).
    e : int
        Rate-matched length E, K = A + L ≤ E ≤ 8192.
    link : {"downlink", "uplink"}
    crc_ones : bool, optional
        Downlink only: compute the CRC over 24 ones followed by a, as DCI does (§7.3.2;
        the RNTI masking of the last 16 CRC bits is the DCI layer's). Default False, the
        plain CRC24C of §5.1 (what ``shared/vectors/polar.npz`` holds).
    crc_mask : array_like of 0/1, shape (L,) or broadcastable to (..., L), optional
        XORed onto the L CRC bits before interleaving: the RNTI scrambling of the DCI CRC
        (§7.3.2, the mask is 8 zeros then the 16 RNTI bits, see
        :func:`nrlink.spec.ts38212.dci.rnti_crc_mask`). Default None (no masking).
    segmented : bool, optional
        Uplink only: ``a`` is one segment (A'/2 = 180..853 bits, filler bit included)
        of a UCI that §6.3.1.2.1 segments into C = 2 code blocks and ``e`` its
        E_r = ⌊E_UCI/2⌋; the size check follows §6.3.1.2.1 (see
        :func:`code_parameters`) instead of refusing. Default False.

    Returns
    -------
    f : ndarray of uint8, shape (..., E)

    Raises
    ------
    ConfigError
        ``link``, ``k`` or ``e`` out of range, ``a`` not 0/1 bits or of the wrong length,
        ``crc_ones`` not a bool or True on the uplink, ``crc_mask`` not 0/1 bits of the
        CRC length.
    """
    link = _check_link(link)
    crc_ones = check_bool("crc_ones", crc_ones, _C_DCI)
    if crc_ones and link != "downlink":
        raise ConfigError(f"crc_ones=True is not allowed on the {link}: crc_ones must be False "
                          f"unless link='downlink' ({_C_DCI})")
    e = _check_e(e)
    segmented = _check_segmented(segmented, link)
    crc_poly_for(k, link)  # validates k for the link
    poly, k_total, n, info_pos, q_pc, pc_masks, f_idx = _plan(int(k), e, link, segmented)
    a = as_bits("a", a, _C531)
    if a.shape[-1] != k:
        raise ConfigError(f"a has length {a.shape[-1]} along its last axis: it must be k={k} "
                          f"({_C531})")
    batch = a.shape[:-1]
    a2 = a.reshape(-1, k)
    if crc_ones:
        ones = np.ones((a2.shape[0], 24), dtype=np.uint8)
        p = crc_remainder(np.concatenate([ones, a2], axis=1), poly)
    else:
        p = crc_remainder(a2, poly)
    mask = check_crc_mask(crc_mask, batch, k_total - k)
    if mask is not None:
        p = p ^ mask.reshape(-1, k_total - k)
    c = np.concatenate([a2, p], axis=1)
    if link == "downlink":
        c = c[:, _input_interleaver(k_total)]
    u = np.zeros((c.shape[0], 1 << n), dtype=np.uint8)
    u[:, info_pos] = c
    for pos, m in zip(q_pc, pc_masks, strict=True):
        u[:, pos] = np.bitwise_xor.reduce(u[:, m], axis=1) if m.size else 0
    d = _transform(u)
    return np.ascontiguousarray(d[:, f_idx]).reshape(*batch, e)
