"""Uplink control information on PUCCH formats 2/3/4: bit sequence, coding, rate matching.

Implements TS 38.212 §6.3.1 for a single-part UCI: the UCI bit sequence a of
§6.3.1.1 (HARQ-ACK, SR, CSI part 1), the total rate-matching length E_tot of
§6.3.1.4 (Table 6.3.1.4-1), and the coding chain from a to the E_UCI = E_tot coded
bits g: for A ≤ 11 the small block codes of §5.3.3 with the rate matching of §5.4.3
(§6.3.1.2.2, §6.3.1.3.2, §6.3.1.4.2); for A ≥ 12 code block segmentation and CRC
attachment (§6.3.1.2.1, §5.2.1), polar coding (§6.3.1.3.1, §5.3.1), polar rate
matching with E_r = ⌊E_UCI/C⌋ (§6.3.1.4.1, §5.4.1) and code block concatenation
(§6.3.1.5, §5.5).

Two-part CSI (part 2 coded separately, §6.3.1.1.3 and the E_UCI split of
Table 6.3.1.4.1-1) is not covered. The decoder is :func:`nrlink.rx.uci_decoder.uci_decode`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits, check_bool
from nrlink.spec.ts38212.polar import code_parameters, polar_encode
from nrlink.spec.ts38212.small_block import (
    E_MAX,
    rate_match_small,
    small_block_encode,
    small_block_length,
)

__all__ = [
    "A_MAX",
    "UciCodeParameters",
    "e_tot",
    "uci_bit_sequence",
    "uci_code_parameters",
    "uci_encode",
]

_C6311 = "TS 38.212 §6.3.1.1"
_C63121 = "TS 38.212 §6.3.1.2.1"
_C6314 = "TS 38.212 §6.3.1.4 (Table 6.3.1.4-1)"
_C631 = "TS 38.212 §6.3.1"

#: Largest UCI payload A (TS 38.212 §5.2.1: A ≤ 1706).
A_MAX = 1706

#: PRB counts allowed for PUCCH format 3 (M_RB = 2^α2·3^α3·5^α5 ≤ 16, TS 38.211
#: §6.3.2.6.3 and TS 38.213 §9.2.1 nrofPRBs).
_F3_PRBS = (1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16)


# --------------------------------------------------------------------------- bit sequence


def uci_bit_sequence(harq_ack=None, sr=None, csi_part1=None) -> np.ndarray:
    """UCI bit sequence a of a single-part UCI on PUCCH.

    Implements TS 38.212 §6.3.1.1 (§6.3.1.1.1 HARQ-ACK/SR only, §6.3.1.1.2 CSI only,
    §6.3.1.1.3 HARQ-ACK/SR and CSI in one part).

    a = [õ^ACK, õ^SR, CSI part 1], the present parts concatenated in this order, A the
    total length. The HARQ-ACK codebook (TS 38.213 §9.1), the SR bits (TS 38.213
    §9.2.5.1) and the ordered CSI part 1 bits (fields of Tables 6.3.1.1.2-x) are given
    as bit arrays; building them from reports is not done here.

    Parameters
    ----------
    harq_ack, sr, csi_part1 : array_like of 0/1, shape (..., O), or None
        The parts (None or length 0: absent). Batch shapes broadcast.

    Returns
    -------
    a : ndarray of uint8, shape (..., A), 1 ≤ A ≤ 1706

    Raises
    ------
    ConfigError
        A part not 0/1 bits, batch shapes that do not broadcast, no bits at all, or
        A > 1706.

    Examples
    --------
    >>> uci_bit_sequence(harq_ack=[1, 0], sr=[1])
    array([1, 0, 1], dtype=uint8)
    """
    parts = []
    for name, p in (("harq_ack", harq_ack), ("sr", sr), ("csi_part1", csi_part1)):
        if p is None or (np.ndim(p) == 1 and np.size(p) == 0):  # absent (a bare [] too)
            continue
        bits = as_bits(name, p, _C6311)
        if bits.shape[-1]:
            parts.append(bits)
    if not parts:
        raise ConfigError(f"harq_ack, sr and csi_part1 are all absent or empty: a UCI needs at "
                          f"least one bit ({_C6311})")
    try:
        batch = np.broadcast_shapes(*(p.shape[:-1] for p in parts))
    except ValueError:
        raise ConfigError(f"the batch shapes {[p.shape[:-1] for p in parts]} of harq_ack, sr "
                          f"and csi_part1 do not broadcast ({_C6311})") from None
    a = np.concatenate([np.broadcast_to(p, (*batch, p.shape[-1])) for p in parts], axis=-1)
    if a.shape[-1] > A_MAX:
        raise ConfigError(f"A={a.shape[-1]} is not allowed: the UCI payload A must be at most "
                          f"{A_MAX} bits (TS 38.212 §5.2.1, {_C6311})")
    return np.ascontiguousarray(a, dtype=np.uint8)


# --------------------------------------------------------------------------- E_tot


def e_tot(pucch_format: int, n_symb_uci: int, *, n_prb: int = 1, pi2_bpsk: bool = False,
          n_sf: int | None = None) -> int:
    """Total rate-matching output length E_tot of a PUCCH format 2/3/4.

    Implements TS 38.212 §6.3.1.4 (Table 6.3.1.4-1).

    Format 2: 16·N_symb,UCI·N_PRB. Format 3: 24·N_symb,UCI·N_PRB (QPSK) or
    12·N_symb,UCI·N_PRB (π/2-BPSK). Format 4: 24·N_symb,UCI/N_SF (QPSK) or
    12·N_symb,UCI/N_SF (π/2-BPSK).

    Parameters
    ----------
    pucch_format : {2, 3, 4}
    n_symb_uci : int
        N_symb,UCI, the PUCCH symbols that carry UCI (DMRS symbols excluded): 1..2 for
        format 2, 2..12 for formats 3 and 4 (4..14 symbols less 1..4 DMRS symbols,
        TS 38.211 Table 6.4.1.3.3.2-1).
    n_prb : int, optional
        N_PRB: 1..16 for format 2; 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15 or 16 for
        format 3 (2^α2·3^α3·5^α5, TS 38.211 §6.3.2.6.3); 1 for format 4. Default 1.
    pi2_bpsk : bool, optional
        π/2-BPSK instead of QPSK (formats 3 and 4 only). Default False.
    n_sf : {2, 4}, optional
        Spreading factor N_SF^PUCCH,4 of format 4 (required there, None otherwise).

    Returns
    -------
    e_tot : int

    Raises
    ------
    ConfigError
        A parameter out of its range for the format.

    Examples
    --------
    >>> e_tot(2, 2, n_prb=4), e_tot(3, 12, n_prb=16), e_tot(4, 12, n_sf=2, pi2_bpsk=True)
    (128, 4608, 72)
    """
    fmt = check_int("pucch_format", pucch_format, "one of 2, 3, 4", _C6314, choices=(2, 3, 4))
    pi2_bpsk = check_bool("pi2_bpsk", pi2_bpsk, _C6314)
    if fmt == 2:
        n_symb = check_int("n_symb_uci", n_symb_uci, "an integer in 1..2 for PUCCH format 2",
                           _C6314, lo=1, hi=2)
        n_prb = check_int("n_prb", n_prb, "an integer in 1..16 for PUCCH format 2", _C6314,
                          lo=1, hi=16)
        if pi2_bpsk:
            raise ConfigError(f"pi2_bpsk=True is not allowed with PUCCH format 2: format 2 is "
                              f"QPSK only ({_C6314})")
    else:
        n_symb = check_int("n_symb_uci", n_symb_uci,
                           f"an integer in 2..12 for PUCCH format {fmt}", _C6314, lo=2, hi=12)
        if fmt == 3:
            n_prb = check_int("n_prb", n_prb, "one of " + ", ".join(map(str, _F3_PRBS))
                              + " for PUCCH format 3 (TS 38.211 §6.3.2.6.3)", _C6314,
                              choices=_F3_PRBS)
        else:
            n_prb = check_int("n_prb", n_prb, "1 for PUCCH format 4", _C6314, choices=(1,))
    if fmt == 4:
        if n_sf is None:
            raise ConfigError(f"n_sf=None is not allowed with PUCCH format 4: n_sf must be one "
                              f"of 2, 4 ({_C6314})")
        n_sf = check_int("n_sf", n_sf, "one of 2, 4 for PUCCH format 4", _C6314, choices=(2, 4))
        return (12 if pi2_bpsk else 24) * n_symb // n_sf
    if n_sf is not None:
        raise ConfigError(f"n_sf={n_sf!r} is not allowed with PUCCH format {fmt}: n_sf must be "
                          f"None (a spreading factor exists for format 4 only) ({_C6314})")
    per = 16 if fmt == 2 else 12 if pi2_bpsk else 24
    return per * n_symb * n_prb


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True, slots=True)
class UciCodeParameters:
    """Coding parameters of a UCI of A bits rate matched to E bits.

    Implements TS 38.212 §6.3.1.2–§6.3.1.4 (single-part UCI on PUCCH).

    Attributes
    ----------
    scheme : {"repetition", "simplex", "reed-muller", "polar"}
        §5.3.3.1 (A = 1), §5.3.3.2 (A = 2), §5.3.3.3 (A = 3..11), §5.3.1 (A ≥ 12).
    a : int
        Payload size A.
    e : int
        E_UCI.
    c : int
        Number of code blocks C (2 when I_seg = 1, else 1).
    a_prime : int
        A' = ⌈A/C⌉·C (A' − A zero filler bits lead the first segment).
    crc : {"6", "11"} or None
        CRC polynomial (None for the small block codes).
    k_r : int
        Bits into each encoder: A'/C + L (polar), A (small block codes).
    e_r : int
        Rate-matched length per code block, ⌊E/C⌋.
    n : int
        Encoder output length: N = 2^n of the polar code, or the small block length.
    """

    scheme: str
    a: int
    e: int
    c: int
    a_prime: int
    crc: str | None
    k_r: int
    e_r: int
    n: int


@lru_cache(maxsize=1024)
def _parameters(a: int, e: int, qm: int) -> UciCodeParameters:
    if a <= 11:
        if e < a:
            raise ConfigError(f"e={e} is not allowed: e must be at least A={a} (E ≥ K for the "
                              f"small block codes, TS 38.212 §5.4.3)")
        scheme = {1: "repetition", 2: "simplex"}.get(a, "reed-muller")
        return UciCodeParameters(scheme, a, e, 1, a, None, a, e, small_block_length(a, qm))
    i_seg = a >= 1013 or (a >= 360 and e >= 1088)
    c = 2 if i_seg else 1
    a_prime = -(-a // c) * c
    e_r = e // c
    poly, k_r, n = code_parameters(a_prime // c, e_r, "uplink", segmented=i_seg)
    return UciCodeParameters("polar", a, e, c, a_prime, poly, k_r, e_r, 1 << n)


def uci_code_parameters(a_size: int, e: int, *, qm: int = 2) -> UciCodeParameters:
    """Coding parameters (scheme, segmentation, CRC, K_r, E_r, N) of a UCI.

    Implements TS 38.212 §6.3.1.2.1 (I_seg, C, L), §6.3.1.2.2, §6.3.1.3 and §6.3.1.4.1
    (E_r = ⌊E_UCI/C⌋).

    I_seg = 1 (C = 2) if A ≥ 1013, or A ≥ 360 and E ≥ 1088; L = 6 for 12 ≤ A ≤ 19,
    11 for A ≥ 20.

    Parameters
    ----------
    a_size : int
        A, 1..1706.
    e : int
        E_UCI, 1..16384 (A ≤ 11: E ≥ A; A ≥ 12: K_r ≤ E_r ≤ 8192).
    qm : {1, 2, 4, 6, 8}, optional
        Modulation order (the small block length of A = 1, 2 depends on it). Default 2.

    Returns
    -------
    UciCodeParameters

    Raises
    ------
    ConfigError
        ``a_size``, ``e`` or ``qm`` out of range, or E too small for the code.

    Examples
    --------
    >>> p = uci_code_parameters(1000, 1200)
    >>> p.c, p.a_prime, p.crc, p.k_r, p.e_r
    (2, 1000, '11', 511, 600)
    """
    a_size = check_int("a_size", a_size, f"an integer in 1..{A_MAX}", _C631, lo=1, hi=A_MAX)
    e = check_int("e", e, f"an integer in 1..{E_MAX} (E_r ≤ 8192 for each of at most two "
                  f"polar code blocks)", "TS 38.212 §6.3.1.4", lo=1, hi=E_MAX)
    qm = check_int("qm", qm, "one of 1, 2, 4, 6, 8", "TS 38.212 §5.3.3.1 / §5.3.3.2",
                   choices=(1, 2, 4, 6, 8))
    return _parameters(a_size, e, qm)


# --------------------------------------------------------------------------- encoder


def uci_encode(a, e: int, *, qm: int = 2) -> np.ndarray:
    """UCI coding chain on PUCCH: bit sequence a → E_UCI coded bits g.

    Implements TS 38.212 §6.3.1.2–§6.3.1.5 (single-part UCI).

    A ≤ 11: c = a (§6.3.1.2.2), small block code of §5.3.3 (K = 1, 2 with the
    placeholders of the modulation order ``qm``), rate matching e_k = d_{k mod N}
    (§5.4.3). A ≥ 12: if I_seg = 1 the payload is split into C = 2 segments of A'/2
    bits with A' − A zero filler bits prepended (§5.2.1), each segment gets its CRC6 /
    CRC11, is polar coded (uplink: n_max = 10, PC bits for A ≤ 19) and rate matched to
    E_r = ⌊E/C⌋ with the coded-bit interleaver (§5.4.1), and the C blocks are
    concatenated (§6.3.1.5). When C = 2 and E is odd (never on PUCCH, whose E_tot is
    even wherever I_seg = 1) the one bit left over at the end is 0.

    Parameters
    ----------
    a : array_like of 0/1, shape (..., A), 1 ≤ A ≤ 1706
        UCI bit sequence (see :func:`uci_bit_sequence`), batch dimension(s) first.
    e : int
        E_UCI (on PUCCH formats 2/3/4 with a single-part UCI, E_tot of :func:`e_tot`).
    qm : {1, 2, 4, 6, 8}, optional
        Modulation order, used for A = 1, 2 only (π/2-BPSK: 1, QPSK: 2). Default 2.

    Returns
    -------
    g : ndarray of uint8, shape (..., E)
        Bits 0/1; for A ≤ 2 also the placeholder codes 2 (x) and 3 (y) of
        :mod:`nrlink.spec.ts38212.small_block`, which the scrambler resolves
        (:func:`nrlink.spec.ts38211.scrambling.scramble_with_placeholders`).

    Raises
    ------
    ConfigError
        ``a`` not 0/1 bits or A out of 1..1706, ``e`` or ``qm`` out of range, E too
        small for the code.

    Examples
    --------
    >>> uci_encode([1], 6, qm=2)
    array([1, 3, 1, 3, 1, 3], dtype=uint8)
    """
    a = as_bits("a", a, _C631)
    a_size = a.shape[-1]
    if not 1 <= a_size <= A_MAX:
        raise ConfigError(f"A={a_size} (the last axis of a) is not allowed: A must be in "
                          f"1..{A_MAX} ({_C631}, TS 38.212 §5.2.1)")
    p = uci_code_parameters(a_size, e, qm=qm)
    if p.scheme != "polar":
        return rate_match_small(small_block_encode(a, qm=qm), p.e)
    batch = a.shape[:-1]
    if p.c == 1:
        return polar_encode(a, a_size, p.e, "uplink")
    seg = p.a_prime // 2
    a_prime = np.zeros((*batch, p.a_prime), dtype=np.uint8)
    a_prime[..., p.a_prime - a_size:] = a
    g = np.zeros((*batch, p.e), dtype=np.uint8)
    for r in range(2):
        g[..., r * p.e_r:(r + 1) * p.e_r] = polar_encode(
            a_prime[..., r * seg:(r + 1) * seg], seg, p.e_r, "uplink", segmented=True)
    return g
