"""Decoders of the 5G NR polar codes: rate recovery, SC and CRC-aided SC-list decoding.

Implements TS 38.212 §5.3.1 and §5.4.1 (the code and its rate matching; 3GPP specifies
the code, not the decoder).

The receiver inverts the encoder chain of :mod:`nrlink.spec.ts38212.polar`:
rate recovery (the single gather d → f of :func:`rate_match_indices` turned into a
scatter-add of LLRs: repeated positions are summed, punctured positions get LLR 0,
shortened positions a large positive LLR — they are known zeros), then successive
cancellation (SC, ``list_size=1``) or CRC-aided SC-list decoding (CA-SCL, ``list_size``
L = 2..32) with min-sum f/g updates and LLR-domain path metrics
(PM += |λ| when the decision disagrees with the sign of λ). Frozen bits are 0; the
parity-check bits of the uplink (12 ≤ A ≤ 19) are recomputed on each path by the
encoder's rule (u_p = XOR of the earlier u_m with m ≡ p mod 5). The surviving paths are
checked by the CRC (after undoing the input interleaver on the downlink) and the
best-metric path that passes is returned.

LLR convention: positive means bit 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numba import njit

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_last_axis_array, check_bool, check_choice
from nrlink.spec.ts38212.crc import crc_remainder
from nrlink.spec.ts38212.polar import (
    check_crc_mask,
    code_parameters,
    crc_poly_for,
    info_set,
    input_interleaver_indices,
    parity_check_counts,
    parity_check_set,
    rate_match_indices,
)

__all__ = ["LLR_SHORTENED", "PolarDecodeResult", "polar_decode", "polar_rate_recover"]

_C531 = "TS 38.212 §5.3.1"
_C541 = "TS 38.212 §5.4.1"
_LINKS = ("downlink", "uplink")
_E_MAX = 8192
_LIST_SIZES = (1, 2, 4, 8, 16, 32)

#: LLR given to shortened positions of d (known zeros) by :func:`polar_rate_recover`.
LLR_SHORTENED = np.float32(1.0e5)

_FROZEN, _INFO, _PC = 0, 1, 2


@dataclass(frozen=True, slots=True)
class PolarDecodeResult:
    """Output of :func:`polar_decode`.

    Implements TS 38.212 §5.3.1 (decoded payload of the polar encoder chain).

    Attributes
    ----------
    bits : ndarray of uint8, shape (..., A)
        Decoded payload bits a (CRC removed, input interleaving undone).
    crc_ok : ndarray of bool, shape (...)
        Whether the CRC of the returned path passes.
    """

    bits: np.ndarray
    crc_ok: np.ndarray


# --------------------------------------------------------------------------- planning


def _check_link(link) -> str:
    return check_choice("link", link, _LINKS, "TS 38.212 §7.3.2 / §6.3.1.2")


@lru_cache(maxsize=1024)
def _plan(k: int, e: int, link: str, segmented: bool = False):
    """Fixed decoding data of validated (A, E, link)."""
    poly, k_total, n = code_parameters(k, e, link, segmented=segmented)
    n_len = 1 << n
    n_pc, n_pc_wm = parity_check_counts(k_total, e, link)
    q_i = info_set(k_total, e, n, n_pc=n_pc, n_pc_wm=n_pc_wm)
    kind = np.zeros(n_len, dtype=np.int8)
    kind[q_i] = _INFO
    if n_pc:
        kind[parity_check_set(k_total, e, n, n_pc=n_pc, n_pc_wm=n_pc_wm)] = _PC
    f_idx = rate_match_indices(k_total, e, n, link)
    shortened = e < n_len and 16 * k_total > 7 * e
    known = np.zeros(n_len, dtype=bool)
    if shortened:
        known[:] = True
        known[f_idx] = False
    pi = input_interleaver_indices(k_total) if link == "downlink" else None
    for arr in (kind, known):
        arr.setflags(write=False)
    return poly, k_total, n, kind, f_idx, known, pi


def _validate(llr_e, k, e, link, segmented=False):
    link = _check_link(link)
    e = check_int("e", e, f"an integer in 1..{_E_MAX}", _C541, lo=1, hi=_E_MAX)
    segmented = check_bool("segmented", segmented, "TS 38.212 §6.3.1.2.1")
    crc_poly_for(k, link)  # validates k (the payload size A) for the link
    plan = _plan(int(k), e, link, segmented)
    llr = as_last_axis_array("llr_e", llr_e, "fiu",
                             "LLRs must be a real (float or integer) array", "E", _C541)
    if llr.shape[-1] != e:
        raise ConfigError(f"llr_e has length {llr.shape[-1]} along its last axis: it must be "
                          f"e={e} ({_C541})")
    llr = np.ascontiguousarray(llr, dtype=np.float32)
    if not np.isfinite(llr).all():
        raise ConfigError(f"llr_e holds NaN or infinite values: LLRs must be finite ({_C541})")
    return llr, plan


def _recover(llr2: np.ndarray, plan) -> np.ndarray:
    """Scatter-add (B, E) float32 LLRs to (B, N) through the rate-matching gather."""
    _, _, n, _, f_idx, known, _ = plan
    n_len = 1 << n
    rows = llr2.shape[0]
    flat = (np.arange(rows, dtype=np.int64)[:, None] * n_len + f_idx[None, :]).ravel()
    out = np.bincount(flat, weights=llr2.ravel().astype(np.float64),
                      minlength=rows * n_len).astype(np.float32).reshape(rows, n_len)
    if known.any():
        out[:, known] = LLR_SHORTENED
    return out


def polar_rate_recover(llr_e, k: int, e: int, link: str, *,
                       segmented: bool = False) -> np.ndarray:
    """Inverse of polar rate matching on LLRs: f (E LLRs) → d (N LLRs).

    Implements TS 38.212 §5.4.1 (inverse of §5.4.1.1-3).

    Scatter-add through the gather f_k = d_{idx[k]} of :func:`rate_match_indices`:
    repeated positions add up, punctured positions of d get LLR 0 and shortened ones
    (known zeros) :data:`LLR_SHORTENED`.

    Parameters
    ----------
    llr_e : array_like of float, shape (..., E)
        LLRs of the rate-matched bits f (positive means bit 0).
    k : int
        Payload size A (as for :func:`polar_encode`): 12..140 downlink, 12..1706 uplink.
    e : int
        Rate-matched length E, K = A + L_CRC ≤ E ≤ 8192.
    link : {"downlink", "uplink"}
    segmented : bool, optional
        Uplink only: ``k`` and ``e`` are those of one segment of a segmented UCI (see
        :func:`nrlink.spec.ts38212.polar.code_parameters`). Default False.

    Returns
    -------
    llr_d : ndarray of float32, shape (..., N)

    Raises
    ------
    ConfigError
        ``link``, ``k`` or ``e`` out of range, ``llr_e`` not a finite real array of
        length E.
    """
    llr, plan = _validate(llr_e, k, e, link, segmented)
    batch = llr.shape[:-1]
    out = _recover(llr.reshape(-1, llr.shape[-1]), plan)
    return out.reshape(*batch, out.shape[-1])


# --------------------------------------------------------------------------- kernel


@njit(cache=True)
def _scl_kernel(llr_d, n, kind, list_size, k_out, bits_out, pm_out):  # pragma: no cover
    """CA-SCL (SC for list_size = 1) over a batch of (B, N) LLRs.

    Writes the bits of the INFO positions (ascending) of every final path into
    ``bits_out`` (B, L, k_out) and their metrics into ``pm_out`` (B, L), both sorted by
    increasing metric (unused paths: metric +inf). The path index is the fastest axis
    of the work arrays, so that f, g and the partial sums run over all L paths at once
    (inactive slots compute harmless garbage).
    """
    n_len = 1 << n
    n_cw = llr_d.shape[0]
    lmax = list_size
    alpha = np.zeros((2 * n_len, lmax), dtype=np.float32)  # level s at rows 2^s..2^(s+1)
    beta_l = np.zeros((n_len, lmax), dtype=np.uint8)
    beta_r = np.zeros((n_len, lmax), dtype=np.uint8)
    cbits = np.zeros((lmax, max(k_out, 1)), dtype=np.uint8)
    reg = np.zeros((lmax, 5), dtype=np.uint8)
    pm = np.zeros(lmax, dtype=np.float32)
    cand = np.zeros(2 * lmax, dtype=np.float32)
    keep0 = np.zeros(lmax, dtype=np.bool_)
    keep1 = np.zeros(lmax, dtype=np.bool_)
    free = np.zeros(lmax, dtype=np.int64)
    order = np.zeros(2 * lmax, dtype=np.int64)
    dec = np.zeros(lmax, dtype=np.uint8)
    for b in range(n_cw):
        for j in range(n_len):
            v = llr_d[b, j]
            for p in range(lmax):
                alpha[n_len + j, p] = v
        active = 1
        pm[:] = 0.0
        reg[:, :] = 0
        dec[:] = 0
        ki = 0
        for i in range(n_len):
            # ---- LLR of u_i on every path
            if i == 0:
                t = n
            else:
                t = 0
                while (i >> t) & 1 == 0:
                    t += 1
                half = 1 << t  # g at level t+1 -> level t
                for j in range(half):
                    for p in range(lmax):
                        sg = np.float32(1.0) - np.float32(2.0) * np.float32(beta_l[half + j, p])
                        alpha[half + j, p] = (alpha[3 * half + j, p]
                                              + sg * alpha[2 * half + j, p])
            for s in range(t, 0, -1):  # f from level s to s-1
                half = 1 << (s - 1)
                for j in range(half):
                    for p in range(lmax):
                        x = alpha[2 * half + j, p]
                        y = alpha[3 * half + j, p]
                        m = min(abs(x), abs(y))
                        alpha[half + j, p] = -m if (x < 0) != (y < 0) else m
            # ---- decisions
            kd = kind[i]
            if kd != _INFO:
                for p in range(active):
                    lam = alpha[1, p]
                    u = reg[p, i % 5] if kd == _PC else np.uint8(0)
                    dec[p] = u
                    if (lam < 0) != (u == 1):
                        pm[p] += abs(lam)
            elif lmax == 1:
                u = np.uint8(1) if alpha[1, 0] < 0 else np.uint8(0)
                dec[0] = u
                cbits[0, ki] = u
            else:
                for p in range(active):
                    lam = alpha[1, p]
                    al = abs(lam)
                    if lam < 0:
                        cand[2 * p] = pm[p] + al
                        cand[2 * p + 1] = pm[p]
                    else:
                        cand[2 * p] = pm[p]
                        cand[2 * p + 1] = pm[p] + al
                n_cand = 2 * active
                if n_cand <= lmax:
                    for p in range(active):
                        keep0[p] = True
                        keep1[p] = True
                    n_free = 0
                    for q in range(active, n_cand):
                        free[n_free] = q
                        n_free += 1
                else:
                    # stable insertion sort of the candidate indices by metric
                    for c in range(n_cand):
                        v = cand[c]
                        r = c
                        while r > 0 and cand[order[r - 1]] > v:
                            order[r] = order[r - 1]
                            r -= 1
                        order[r] = c
                    for p in range(active):
                        keep0[p] = False
                        keep1[p] = False
                    for r in range(lmax):
                        c = order[r]
                        if c & 1:
                            keep1[c >> 1] = True
                        else:
                            keep0[c >> 1] = True
                    n_free = 0
                    for p in range(active):
                        if not keep0[p] and not keep1[p]:
                            free[n_free] = p
                            n_free += 1
                f_used = 0
                for p in range(active):
                    if keep0[p] and keep1[p]:
                        q = free[f_used]
                        f_used += 1
                        for j in range(n_len):
                            alpha[j, q] = alpha[j, p]
                            beta_l[j, q] = beta_l[j, p]
                        cbits[q, :ki] = cbits[p, :ki]
                        reg[q, :] = reg[p, :]
                        pm[q] = cand[2 * p + 1]
                        dec[q] = 1
                        cbits[q, ki] = 1
                        pm[p] = cand[2 * p]
                        dec[p] = 0
                        cbits[p, ki] = 0
                    elif keep0[p]:
                        pm[p] = cand[2 * p]
                        dec[p] = 0
                        cbits[p, ki] = 0
                    elif keep1[p]:
                        pm[p] = cand[2 * p + 1]
                        dec[p] = 1
                        cbits[p, ki] = 1
                if n_cand <= lmax:
                    active = n_cand
            if kd == _INFO:
                ki += 1
            # ---- PC registers and partial sums (all paths at once)
            r5 = i % 5
            for p in range(active):
                reg[p, r5] ^= dec[p]
            if i & 1 == 0:
                for p in range(lmax):
                    beta_l[1, p] = dec[p]
                continue
            for p in range(lmax):
                beta_r[1, p] = dec[p]
            s = 0
            while s + 1 < n:
                half = 1 << s
                if ((i >> (s + 1)) & 1) == 0:  # the combined node is a left child
                    for j in range(half):
                        for p in range(lmax):
                            rgt = beta_r[half + j, p]
                            beta_l[2 * half + j, p] = beta_l[half + j, p] ^ rgt
                            beta_l[3 * half + j, p] = rgt
                    break
                for j in range(half):
                    for p in range(lmax):
                        rgt = beta_r[half + j, p]
                        beta_r[2 * half + j, p] = beta_l[half + j, p] ^ rgt
                        beta_r[3 * half + j, p] = rgt
                s += 1
        # ---- output, sorted by metric
        final = np.argsort(pm[:active], kind="mergesort")
        for r in range(lmax):
            if r < active:
                p = final[r]
                pm_out[b, r] = pm[p]
                for j in range(k_out):
                    bits_out[b, r, j] = cbits[p, j]
            else:
                pm_out[b, r] = np.inf
                for j in range(k_out):
                    bits_out[b, r, j] = 0



# --------------------------------------------------------------------------- public


def polar_decode(llr_e, k: int, e: int, link: str, *, list_size: int = 8,
                 crc_ones: bool = False, crc_mask=None,
                 segmented: bool = False) -> PolarDecodeResult:
    """SC / CRC-aided SC-list decoding of the polar encoder chain.

    Implements TS 38.212 §5.3.1 and §5.4.1 (inverse of :func:`polar_encode`, CRC of
    §7.3.2 / §6.3.1.2.1).

    Rate recovery (:func:`polar_rate_recover`), then SC (``list_size=1``) or CA-SCL
    with min-sum f/g and LLR-domain path metrics; frozen bits are 0 and the uplink
    parity-check bits follow the encoder's cyclic-register rule. Among the final L
    paths the best-metric one whose CRC passes (after de-interleaving on the downlink;
    the plain CRC, as ``polar_encode(..., crc_ones=False)``) is returned, else the
    best-metric path with ``crc_ok`` False.

    Parameters
    ----------
    llr_e : array_like of float, shape (..., E)
        LLRs of the rate-matched bits f (positive means bit 0), batch dimension(s) first.
    k : int
        Payload size A: 12..140 downlink, 12..1706 uplink (as :func:`polar_encode`).
    e : int
        Rate-matched length E, K = A + L_CRC ≤ E ≤ 8192.
    link : {"downlink", "uplink"}
    list_size : {1, 2, 4, 8, 16, 32}, optional
        List size L (1: SC). Default 8.
    crc_ones, crc_mask : optional
        The CRC variant the encoder used (see :func:`polar_encode`): 24 leading ones
        (DCI, §7.3.2) and an XOR mask of the CRC bits (the RNTI scrambling), broadcast
        over the batch. A path passes only if its CRC matches under the same mask, so a
        DCI sent to another RNTI fails the check.
    segmented : bool, optional
        Uplink only: decode one segment of a segmented UCI (``k`` = A'/2, ``e`` = E_r;
        see :func:`nrlink.spec.ts38212.polar.polar_encode`). Default False.

    Returns
    -------
    PolarDecodeResult
        ``bits`` (..., A) uint8 and ``crc_ok`` (...) bool.

    Raises
    ------
    ConfigError
        ``link``, ``k``, ``e`` or ``list_size`` out of range, ``llr_e`` not a finite
        real array of length E.
    """
    list_size = check_int("list_size", list_size, "one of 1, 2, 4, 8, 16, 32 (1 = SC)",
                          f"{_C531} / {_C541} decoder", choices=_LIST_SIZES)
    llr, plan = _validate(llr_e, k, e, link, segmented)
    crc_ones = check_bool("crc_ones", crc_ones, "TS 38.212 §7.3.2")
    if crc_ones and link != "downlink":
        raise ConfigError(f"crc_ones=True is not allowed on the {link}: crc_ones must be False "
                          f"unless link='downlink' (TS 38.212 §7.3.2)")
    k = int(k)
    poly, k_total, n, kind, _, _, pi = plan
    batch = llr.shape[:-1]
    llr2 = llr.reshape(-1, llr.shape[-1])
    rows = llr2.shape[0]
    llr_d = _recover(llr2, plan)
    bits_c = np.zeros((rows, list_size, k_total), dtype=np.uint8)
    pm = np.zeros((rows, list_size), dtype=np.float32)
    if rows:
        _scl_kernel(llr_d, n, kind, list_size, k_total, bits_c, pm)
    if pi is not None:  # c'_j = c_{Π(j)}
        c = np.empty_like(bits_c)
        c[..., pi] = bits_c
    else:
        c = bits_c
    a_hat = c[..., :k].reshape(-1, k)
    if crc_ones:
        a_hat = np.concatenate([np.ones((a_hat.shape[0], 24), np.uint8), a_hat], axis=1)
    expect = crc_remainder(a_hat, poly).reshape(rows, list_size, k_total - k)
    mask = check_crc_mask(crc_mask, batch, k_total - k)
    if mask is not None:
        expect = expect ^ mask.reshape(rows, 1, k_total - k)
    ok = (expect == c[..., k:]).all(axis=-1) & np.isfinite(pm)
    first = np.where(ok.any(axis=1), ok.argmax(axis=1), 0)
    r = np.arange(rows)
    bits = np.ascontiguousarray(c[r, first, :k])
    crc_ok = ok[r, first]
    return PolarDecodeResult(bits=bits.reshape(*batch, k), crc_ok=crc_ok.reshape(batch))
