"""Polar encoder chain: CRC attachment, input interleaving, code construction, encoding,
sub-block interleaving, bit selection and coded-bit interleaving.

Implements TS 38.212 §5.3.1 (polar coding) and §5.4.1 (rate matching for polar codes),
with the CRC attachment and parameters of §7.3.2 (DCI, downlink) and §6.3.1.2 /
§6.3.1.3.1 (UCI, uplink).

The construction (tables, n, PC bits, frozen / information / parity-check sets) and the
interleavers live in :mod:`nrlink.spec.ts38212.polar_construction` and are re-exported
here. Everything but the data is a fixed function of the scalar parameters (K, E, link): the
positions of the information and parity-check bits in u and the single gather from d to
the rate-matched output f are computed once per parameter set (``functools.lru_cache``)
and applied to the whole batch with NumPy. The transform d = u·G_N runs as n vectorised
butterfly stages over the batch.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits, check_bool
from nrlink.spec.ts38212.crc import crc_remainder
from nrlink.spec.ts38212.polar_construction import (
    _A_RANGE,
    _N_MAX,
    INPUT_INTERLEAVER_PATTERN,
    SUBBLOCK_INTERLEAVER_PATTERN,
    _check_e,
    _check_k_total,
    _check_link,
    _check_n,
    _coded_bit_interleaver,
    _construction,
    _input_interleaver,
    _subblock,
    coded_bit_interleaver_indices,
    frozen_set,
    info_set,
    input_interleave,
    input_interleaver_indices,
    parity_check_counts,
    parity_check_set,
    polar_n,
    reliability_sequence,
    subblock_interleaver_indices,
)

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
