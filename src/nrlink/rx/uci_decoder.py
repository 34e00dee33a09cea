"""Decoders of UCI on PUCCH: ML decoding of the small block codes, polar UCI decoding.

Implements TS 38.212 §5.3.3 and §5.4.3 (small block codes and their rate matching) and
§6.3.1 (the UCI coding chain of :mod:`nrlink.spec.ts38212.uci`, inverted; 3GPP
specifies the codes, not the decoders).

Small block codes (A ≤ 11) are decoded by maximum likelihood: the E LLRs are first
folded onto the N positions of the codeword d (LLRs of positions repeated by
e_k = d_{k mod N} add up), then correlated with the ±1 images of all 2^K codewords by
one matrix product over the batch (2^K ≤ 2048 codewords of N ≤ 32 positions). The
codeword with the largest correlation Σ_i (1 − 2 d_i)·λ_i is the ML decision for
independent bit LLRs λ. Placeholder positions are handled as the scrambler made them:
an x position carries nothing (weight 0), a y position repeats the bit before it.

LLR convention: positive means bit 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.rx.polar_decoder import polar_decode
from nrlink.spec._checks import as_last_axis_array
from nrlink.spec.ts38212.small_block import (
    PLACEHOLDER_X,
    PLACEHOLDER_Y,
    small_block_encode,
)
from nrlink.spec.ts38212.uci import uci_code_parameters

__all__ = [
    "SmallBlockDecodeResult",
    "UciDecodeResult",
    "small_block_codebook",
    "small_block_decode",
    "uci_decode",
]

_C533 = "TS 38.212 §5.3.3"
_C543 = "TS 38.212 §5.4.3"
_C631 = "TS 38.212 §6.3.1"
_LIST_SIZES = (1, 2, 4, 8, 16, 32)


@dataclass(frozen=True, slots=True)
class SmallBlockDecodeResult:
    """Output of :func:`small_block_decode`.

    Implements TS 38.212 §5.3.3 (ML decision on the small block code).

    Attributes
    ----------
    bits : ndarray of uint8, shape (..., K)
        ML decision c_0..c_{K−1}.
    margin : ndarray of float32, shape (...)
        Reliability of the decision: ln P(best codeword)/P(runner-up codeword) given the
        LLRs, i.e. half the gap between the two largest correlations (≥ 0; 0 for a tie
        or all-zero LLRs; large for a confident decision).
    """

    bits: np.ndarray
    margin: np.ndarray


@dataclass(frozen=True, slots=True)
class UciDecodeResult:
    """Output of :func:`uci_decode`.

    Implements TS 38.212 §6.3.1 (decoded UCI bit sequence a).

    Attributes
    ----------
    bits : ndarray of uint8, shape (..., A)
        Decoded UCI bits a.
    crc_ok : ndarray of bool, shape (...)
        A ≥ 12: whether the CRC of every code block passes (and, with segmentation, the
        filler bit decodes as 0). A ≤ 11: always True — the small block codes carry no
        CRC; judge those decisions by ``margin``.
    margin : ndarray of float32, shape (...)
        A ≤ 11: the ML reliability of :class:`SmallBlockDecodeResult`. A ≥ 12: NaN.
    """

    bits: np.ndarray
    crc_ok: np.ndarray
    margin: np.ndarray


# --------------------------------------------------------------------------- codebook


@cache
def _codebook(k: int, qm: int):
    """(messages (2^K, K) uint8, ±1/0 sign matrix (N, 2^K) float32) of validated K, Q_m."""
    m = np.arange(1 << k, dtype=np.int64)
    msgs = ((m[:, None] >> np.arange(k - 1, -1, -1)) & 1).astype(np.uint8)  # c_0 = MSB
    d = small_block_encode(msgs, qm=qm)  # (2^K, N), codes 0..3
    sign = 1.0 - 2.0 * (d & 1).astype(np.float32)
    sign[d == PLACEHOLDER_X] = 0.0
    # y repeats the previous (scrambled) bit: its LLR is a second LLR of that bit
    for i in np.flatnonzero((d == PLACEHOLDER_Y).any(axis=0)):
        sign[:, i] = sign[:, i - 1]  # y never comes first (Table 5.3.3.1-1)
    sign = np.ascontiguousarray(sign.T, dtype=np.float32)
    for arr in (msgs, sign):
        arr.setflags(write=False)
    return msgs, sign


def small_block_codebook(k: int, qm: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """All 2^K messages and their codewords d of the small block code.

    Implements TS 38.212 §5.3.3.

    Parameters
    ----------
    k : int
        K, 1..11.
    qm : {1, 2, 4, 6, 8}, optional
        Modulation order (K = 1, 2). Default 2.

    Returns
    -------
    messages : ndarray of uint8, shape (2^K, K), read-only
        Row m holds the bits of m, c_0 the most significant.
    codewords : ndarray of uint8, shape (2^K, N)
        ``small_block_encode(messages, qm=qm)`` (placeholder codes 2, 3 included).
    """
    k = check_int("k", k, "an integer in 1..11", _C533, lo=1, hi=11)
    qm = check_int("qm", qm, "one of 1, 2, 4, 6, 8", _C533, choices=(1, 2, 4, 6, 8))
    msgs, _ = _codebook(k, qm)
    return msgs, small_block_encode(msgs, qm=qm)


# --------------------------------------------------------------------------- decoders


def _as_llr(llr, clause):
    llr = as_last_axis_array("llr", llr, "fiu", "LLRs must be a real (float or integer) array", "E",
                             clause)
    llr = np.asarray(llr, dtype=np.float32)
    if not np.isfinite(llr).all():
        raise ConfigError(f"llr holds NaN or infinite values: LLRs must be finite ({clause})")
    return llr


def _fold(llr2: np.ndarray, n: int) -> np.ndarray:
    """(B, E) LLRs → (B, N): sum over the positions e_k = d_{k mod N}."""
    rows, e = llr2.shape
    reps = -(-e // n)
    pad = np.zeros((rows, reps * n), dtype=np.float64)
    pad[:, :e] = llr2
    return pad.reshape(rows, reps, n).sum(axis=1)


def _ml(llr2: np.ndarray, k: int, qm: int):
    msgs, sign = _codebook(k, qm)
    n = sign.shape[0]
    corr = _fold(llr2, n).astype(np.float32) @ sign  # (B, 2^K)
    best = corr.argmax(axis=1)
    rows = np.arange(corr.shape[0])
    top = corr[rows, best]
    corr[rows, best] = -np.inf
    margin = 0.5 * (top - corr.max(axis=1))
    return msgs[best], margin.astype(np.float32)


def small_block_decode(llr, k: int, *, qm: int = 2) -> SmallBlockDecodeResult:
    """Maximum-likelihood decoding of a rate-matched small block code.

    Implements TS 38.212 §5.3.3 and §5.4.3 (inverse).

    The E LLRs are folded onto the N codeword positions (e_k = d_{k mod N}, repeated
    positions add up, E < N leaves the missing positions at 0), and the 2^K codewords
    are scored by Σ_i s_i·λ_i with s_i = +1 for a 0 bit, −1 for a 1 bit, 0 at an x
    placeholder, and at a y placeholder the sign of the bit before it; the best score
    wins (ties: the smallest message, c_0 most significant).

    Parameters
    ----------
    llr : array_like of float, shape (..., E)
        LLRs of the rate-matched bits (positive means bit 0), after descrambling. For
        K = 1, 2 with placeholders they must come from
        :func:`nrlink.spec.ts38211.scrambling.descramble_llr_with_placeholders` (x
        positions are ignored, a y position is read as a second LLR of the bit before
        it).
    k : int
        K, 1..11.
    qm : {1, 2, 4, 6, 8}, optional
        Modulation order of the encoder (K = 1, 2). Default 2.

    Returns
    -------
    SmallBlockDecodeResult
        ``bits`` (..., K) uint8 and ``margin`` (...) float32.

    Raises
    ------
    ConfigError
        ``k`` or ``qm`` out of range, ``llr`` not a finite real array, E < K.
    """
    k = check_int("k", k, "an integer in 1..11", _C533, lo=1, hi=11)
    qm = check_int("qm", qm, "one of 1, 2, 4, 6, 8", _C533, choices=(1, 2, 4, 6, 8))
    llr = _as_llr(llr, _C543)
    e = llr.shape[-1]
    if e < k:
        raise ConfigError(f"E={e} (the last axis of llr) is not allowed: E must be at least "
                          f"K={k} ({_C543})")
    batch = llr.shape[:-1]
    bits, margin = _ml(llr.reshape(-1, e), k, qm)
    return SmallBlockDecodeResult(bits=bits.reshape(*batch, k), margin=margin.reshape(batch))


def uci_decode(llr, a_size: int, *, qm: int = 2, list_size: int = 8) -> UciDecodeResult:
    """Decode a single-part UCI on PUCCH: E_UCI LLRs → UCI bits a.

    Implements TS 38.212 §6.3.1.2–§6.3.1.5 (inverse of
    :func:`nrlink.spec.ts38212.uci.uci_encode`).

    A ≤ 11: :func:`small_block_decode` (ML; no CRC, ``crc_ok`` always True, the
    reliability is ``margin``). A ≥ 12: CA-SCL polar decoding
    (:func:`nrlink.rx.polar_decoder.polar_decode`, uplink) of each of the C code blocks
    (E_r LLRs each, the bit left over for an odd E with C = 2 ignored); with
    segmentation the two segments are joined and the filler bit removed, and
    ``crc_ok`` requires both CRCs to pass and the filler bit to decode as 0.

    Parameters
    ----------
    llr : array_like of float, shape (..., E)
        LLRs of g after descrambling (positive means bit 0; for A ≤ 2 see
        :func:`small_block_decode` about placeholders). E = E_UCI is the last axis.
    a_size : int
        A, 1..1706.
    qm : {1, 2, 4, 6, 8}, optional
        Modulation order of the encoder (A = 1, 2 only). Default 2.
    list_size : {1, 2, 4, 8, 16, 32}, optional
        Polar list size L (A ≥ 12). Default 8.

    Returns
    -------
    UciDecodeResult
        ``bits`` (..., A) uint8, ``crc_ok`` (...) bool, ``margin`` (...) float32.

    Raises
    ------
    ConfigError
        ``a_size``, ``qm`` or ``list_size`` out of range, ``llr`` not a finite real
        array, E out of range or too small for the code.
    """
    list_size = check_int("list_size", list_size, "one of 1, 2, 4, 8, 16, 32 (1 = SC)",
                          f"{_C631} decoder", choices=_LIST_SIZES)
    llr = _as_llr(llr, _C631)
    e = llr.shape[-1]
    p = uci_code_parameters(a_size, e, qm=qm)
    batch = llr.shape[:-1]
    if p.scheme != "polar":
        r = small_block_decode(llr, p.a, qm=qm)
        return UciDecodeResult(bits=r.bits, crc_ok=np.ones(batch, dtype=bool),
                               margin=r.margin)
    nan = np.full(batch, np.nan, dtype=np.float32)
    if p.c == 1:
        r = polar_decode(llr, p.a, e, "uplink", list_size=list_size)
        return UciDecodeResult(bits=r.bits, crc_ok=r.crc_ok, margin=nan)
    seg = p.a_prime // 2
    parts = [polar_decode(llr[..., i * p.e_r:(i + 1) * p.e_r], seg, p.e_r, "uplink",
                          list_size=list_size, segmented=True) for i in range(2)]
    a_prime = np.concatenate([parts[0].bits, parts[1].bits], axis=-1)
    n_fill = p.a_prime - p.a
    ok = parts[0].crc_ok & parts[1].crc_ok
    if n_fill:
        ok = ok & (a_prime[..., 0] == 0)
    return UciDecodeResult(bits=np.ascontiguousarray(a_prime[..., n_fill:]), crc_ok=ok,
                           margin=nan)
