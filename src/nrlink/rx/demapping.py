"""Soft and hard demapping of the modulation symbols of TS 38.211 §5.1.

Implements the inverse of TS 38.211 §5.1 (§5.1.2-§5.1.8): log-likelihood ratios
(exact log-MAP or max-log) and nearest-point decisions for every bit of the
received symbols, in the bit order the mapper consumed them.

Model: y = d + n with n ~ CN(0, N0), N0 = E|n|^2 per resource element (``noise_var``),
and LLR(b) = ln P(b = 0 | y) / P(b = 1 | y) with equiprobable bits (positive means
bit 0; see :mod:`nrlink.spec`).

Every square QAM of §5.1 is the product of two Gray-labelled PAMs (the real part
carries b(i), b(i + 2), ..., the imaginary part b(i + 1), b(i + 3), ...), so both
the likelihood sums and the minima over the constellation factor into one 1-D
problem per dimension; the other dimension cancels from each ratio exactly. With
Q_m = 2m, each dimension has 2^m levels, the odd integers of [−(2^m − 1), 2^m − 1]
after scaling by sqrt(2 (4^m − 1) / 3).

Max-log per dimension costs O(m), without visiting the levels: the nearest level p*
holds the hard decisions (its bits are the signs of the folded coordinates
f_0 = p*, f_k = 2^{m−k} − |f_{k−1}|), and for bit k the nearest level with the
other bit value lies just outside the run of equal bit values that contains p*:
bit 0 has the runs of negative and positive levels (so it is ∓1), bit k ≥ 1 has
runs between the boundaries 2^{m−k} (2n + 1) (the nearer of the two levels next to
them). Then LLR_k = ±g ((x − p')^2 − (x − p*)^2) = ±g (p* − p')(2x − p' − p*),
g = 1 / (N0 · 2 (4^m − 1) / 3), with x the scaled received coordinate.

Log-MAP per dimension sums the terms exp(−g ((x − p)^2 − (x − p*)^2)) of the 2^m
levels p over each bit value (float64). The terms follow from p* outwards by a
Gaussian recurrence (two exponentials per dimension and one per symbol, not 2^m);
the sum of the value that p* carries is ≥ 1, and the other is recomputed relative
to its own largest term when it underflows, so the LLR stays exact at any SNR.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Literal

import numpy as np
from numba import njit

from nrlink.errors import ConfigError
from nrlink.spec._checks import as_last_axis_array, check_choice
from nrlink.spec.ts38211.modulation import check_pi2_bpsk, check_qm, pam_levels

__all__ = ["demap_llr", "hard_demap"]

_CLAUSE = "TS 38.211 §5.1"
_METHODS = ("maxlog", "logmap")
#: Likelihood terms (relative to the largest, 1) below _FLOOR are dropped by the
#: log-MAP kernel; a sum below _TINY is recomputed exactly, so a dropped term weighs
#: less than 2^5 · _FLOOR / _TINY = 3.2e-19 in any sum it belongs to.
_FLOOR = 1e-150
_LN_FLOOR = -math.log(_FLOOR)
_TINY = 1e-130


# ------------------------------------------------------------------------- validation


def _as_symbols(y) -> np.ndarray:
    what = "received symbols must be a numeric (complex) array"
    y = as_last_axis_array("y", y, "biufc", what, "symbols", _CLAUSE)
    return np.ascontiguousarray(y, dtype=np.complex64)


def _as_noise_var(noise_var, shape: tuple[int, ...]) -> tuple[np.ndarray, int]:
    """Flat float32 noise variances and their step (0: one for all, 1: one per RE)."""
    nv = np.asarray(noise_var)
    if nv.dtype.kind not in "biuf":
        raise ConfigError(f"noise_var has dtype {nv.dtype}: noise_var must be a real number or "
                          f"array (the complex noise variance N0 = E|n|^2 per RE, {_CLAUSE})")
    try:
        full = np.broadcast_shapes(nv.shape, shape)
    except ValueError:
        full = None
    if full != shape:
        raise ConfigError(f"noise_var has shape {nv.shape}: it must broadcast to the shape "
                          f"{shape} of y ({_CLAUSE})")
    nv = nv.astype(np.float32)
    if nv.size and not (nv > 0).all():  # also rejects NaN
        bad = nv[~(nv > 0)].ravel()[0]
        raise ConfigError(f"noise_var={float(bad)!r} (as float32) is not allowed: noise_var "
                          f"must be > 0 (N0 = E|n|^2 per RE, {_CLAUSE})")
    if nv.size == 1:
        return nv.reshape(1), 0
    return np.ascontiguousarray(np.broadcast_to(nv, shape)).reshape(-1), 1


# -------------------------------------------------------------------------------- API


def demap_llr(y, qm: int, noise_var, *, method: Literal["maxlog", "logmap"] = "maxlog",
              pi2_bpsk: bool = False) -> np.ndarray:
    """Log-likelihood ratios of the bits of received modulation symbols.

    Implements the soft inverse of TS 38.211 §5.1 (§5.1.2-§5.1.8).

    LLR(b) = ln Σ_{d: b=0} exp(−|y − d|^2 / N0) − ln Σ_{d: b=1} exp(−|y − d|^2 / N0)
    over the constellation of :func:`nrlink.spec.ts38211.modulation.modulate`
    (``"logmap"``), or with each sum replaced by its largest term (``"maxlog"``).
    Both are exact and equal for BPSK, LLR(b(i)) = 2√2 (Re y'(i) + Im y'(i)) / N0 with
    y'(i) = y(i) (π/2-BPSK: y(i) e^{−jπ(i mod 2)/2}), and for QPSK,
    LLR(b(2i)) = 2√2 Re y(i) / N0, LLR(b(2i + 1)) = 2√2 Im y(i) / N0.

    Parameters
    ----------
    y : array_like of complex, shape (..., n_symbols)
        Received symbols d(i) + noise (equalised, unit-energy constellation);
        leading axes are batch axes. Computed as complex64.
    qm : int
        Modulation order Q_m, one of 1, 2, 4, 6, 8, 10.
    noise_var : float or array_like of float
        Complex noise variance N0 = E|n|^2 > 0 of each symbol, broadcastable to the
        shape of ``y`` (a scalar, one per batch row, or one per RE).
    method : {"maxlog", "logmap"}, default "maxlog"
        Max-log approximation or exact log-MAP.
    pi2_bpsk : bool, default False
        With ``qm=1``: π/2-BPSK (TS 38.211 §5.1.2); symbol i, counted along the last
        axis from 0, is derotated by e^{−jπ(i mod 2)/2}.

    Returns
    -------
    llr : ndarray of float32, shape (..., n_symbols * qm)
        LLR of b(Q_m i + k) at index Q_m i + k (positive means bit 0).

    Raises
    ------
    ConfigError
        If ``qm`` or ``method`` is not allowed, ``pi2_bpsk`` is set with ``qm != 1``,
        ``y`` is a scalar or not numeric, or ``noise_var`` does not broadcast to the
        shape of ``y`` or is not > 0 (as float32).

    Notes
    -----
    Max-log runs in float32 with O(Q_m) work per symbol (no search over the
    constellation); log-MAP runs in float64 over the 2^(Q_m/2) levels of each
    dimension. Non-finite ``y`` is not checked: it gives non-finite LLRs.

    Examples
    --------
    >>> from nrlink.spec.ts38211.modulation import modulate
    >>> d = modulate(np.array([0, 1, 1, 0], dtype=np.uint8), 4)
    >>> (demap_llr(d, 4, 0.1) < 0).astype(np.uint8)
    array([0, 1, 1, 0], dtype=uint8)
    """
    qm = check_qm(qm)
    pi2_bpsk = check_pi2_bpsk(pi2_bpsk, qm)
    method = check_choice("method", method, _METHODS, f"demapper for {_CLAUSE}")
    y = _as_symbols(y)
    nv, nv_step = _as_noise_var(noise_var, y.shape)
    llr = np.empty(y.shape[:-1] + (y.shape[-1] * qm,), dtype=np.float32)
    yf, out = y.reshape(-1), llr.reshape(-1)
    if qm == 1:
        _bpsk_llr_kernel(yf, nv, nv_step, y.shape[-1], pi2_bpsk, out)
    elif method == "maxlog" or qm == 2:  # QPSK: 2 levels per dimension, log-MAP = max-log
        _maxlog_qam_kernel(yf, nv, nv_step, qm // 2, out)
    else:
        _logmap_qam_kernel(yf, nv, nv_step, qm // 2, _level_bits(qm // 2), out)
    return llr


def hard_demap(y, qm: int, *, pi2_bpsk: bool = False) -> np.ndarray:
    """Bits of the constellation point nearest to each received symbol.

    Implements the hard inverse of TS 38.211 §5.1 (§5.1.2-§5.1.8).

    Equal to ``demap_llr(y, qm, noise_var) < 0`` with max-log (ties, on a decision
    boundary, go to bit 0).

    Parameters
    ----------
    y : array_like of complex, shape (..., n_symbols)
        Received symbols; leading axes are batch axes. Computed as complex64.
    qm : int
        Modulation order Q_m, one of 1, 2, 4, 6, 8, 10.
    pi2_bpsk : bool, default False
        With ``qm=1``: π/2-BPSK (TS 38.211 §5.1.2), symbol index along the last axis.

    Returns
    -------
    b : ndarray of uint8, shape (..., n_symbols * qm)
        Bit decisions in the order :func:`~nrlink.spec.ts38211.modulation.modulate`
        consumes bits.

    Raises
    ------
    ConfigError
        If ``qm`` is not allowed, ``pi2_bpsk`` is set with ``qm != 1``, or ``y`` is a
        scalar or not numeric.

    Examples
    --------
    >>> hard_demap(np.array([0.9 - 0.2j, -0.1 + 1.2j]), 4)
    array([0, 1, 1, 0, 1, 0, 0, 1], dtype=uint8)
    """
    qm = check_qm(qm)
    pi2_bpsk = check_pi2_bpsk(pi2_bpsk, qm)
    y = _as_symbols(y)
    b = np.empty(y.shape[:-1] + (y.shape[-1] * qm,), dtype=np.uint8)
    if qm == 1:
        _bpsk_hard_kernel(y.reshape(-1), y.shape[-1], pi2_bpsk, b.reshape(-1))
    else:
        _hard_qam_kernel(y.reshape(-1), qm // 2, b.reshape(-1))
    return b


@cache
def _level_bits(m: int) -> np.ndarray:
    """(m, 2^m) float64 0/1: row k holds bit c_k of each PAM level 2j − (2^m − 1)."""
    a = pam_levels(m)
    labels = np.empty(1 << m, dtype=np.int64)
    labels[(a + (1 << m) - 1) // 2] = np.arange(1 << m)
    bits = ((labels[None, :] >> np.arange(m - 1, -1, -1)[:, None]) & 1).astype(np.float64)
    bits.setflags(write=False)
    return bits


# ---------------------------------------------------------------------------- kernels


@njit(cache=True, error_model="numpy", inline="always")
def _bpsk_metric(y, i, n_last, pi2):  # pragma: no cover - jitted
    """(Re + Im) of y[i], derotated by e^{−jπ(i mod 2)/2} for π/2-BPSK (i along the last axis)."""
    yi = y[i]
    if pi2 and (i % n_last) % 2 == 1:  # y · (−j): (Im y) − j (Re y)
        return yi.imag - yi.real
    return yi.real + yi.imag


@njit(cache=True, error_model="numpy")
def _bpsk_llr_kernel(y, nv, nv_step, n_last, pi2, llr):  # pragma: no cover - jitted
    """BPSK / π/2-BPSK: LLR = 2√2 (Re + Im)(y e^{−jπ(i mod 2)/2}) / N0."""
    c = np.float32(2.0 * math.sqrt(2.0))
    for i in range(y.shape[0]):
        llr[i] = c * _bpsk_metric(y, i, n_last, pi2) / nv[i * nv_step]


@njit(cache=True, error_model="numpy")
def _bpsk_hard_kernel(y, n_last, pi2, b):  # pragma: no cover - jitted
    for i in range(y.shape[0]):
        b[i] = 1 if _bpsk_metric(y, i, n_last, pi2) < 0 else 0


@njit(cache=True, error_model="numpy", inline="always")
def _nearest_level(u, top):  # pragma: no cover - jitted
    """Nearest odd integer to ``u`` in [−top, top] (u on an even integer: the one above)."""
    p = np.float32(2.0) * np.floor(u * np.float32(0.5)) + np.float32(1.0)
    return min(max(p, -top), top)


@njit(cache=True, error_model="numpy")
def _maxlog_qam_kernel(y, nv, nv_step, m, llr):  # pragma: no cover - jitted
    """Max-log LLRs of the square QAM with 2m bits per symbol (module docstring)."""
    qm = 2 * m
    e_pam = 2.0 * ((1 << (2 * m)) - 1) / 3.0  # average energy of the unscaled points
    norm = np.float32(math.sqrt(e_pam))
    inv_e = np.float32(1.0 / e_pam)
    top = np.float32((1 << m) - 1)
    one = np.float32(1.0)
    for i in range(y.shape[0]):
        g = inv_e / nv[i * nv_step]
        yi = y[i]
        for d in range(2):
            u = (yi.real if d == 0 else yi.imag) * norm
            p = _nearest_level(u, top)
            uc = min(max(u, -top), top)
            two_u = u + u
            base = i * qm + d
            # bit 0 (sign): the nearest level of the other sign is ∓1
            if p > 0:
                llr[base] = g * (p + one) * (two_u + one - p)
            else:
                llr[base] = -g * (p - one) * (two_u - one - p)
            f = p
            for k in range(1, m):
                half = np.float32(1 << (m - k))
                per = half + half
                c = per * np.floor(p / per + np.float32(0.5))  # centre of p's run
                opp = c - half - one if uc < c else c + half + one
                f = half - abs(f)
                s = g if f > 0 else -g
                llr[base + 2 * k] = s * (p - opp) * (two_u - opp - p)


@njit(cache=True, error_model="numpy")
def _logmap_qam_kernel(y, nv, nv_step, m, level_bits, llr):  # pragma: no cover - jitted
    """Exact log-MAP LLRs of the square QAM with 2m bits per symbol (float64).

    The terms e_j = exp(−g((u − l_j)^2 − (u − p*)^2)) of the levels l_j = 2j − (2^m − 1)
    are 1 at p* and, walking away from it, each the previous one times a ratio
    that shrinks by exp(−8g) per step: two exponentials per dimension and one per
    symbol (for exp(−8g)). A walk stops before a term below _FLOOR; a bit whose sum of either value
    is below _TINY is recomputed exactly by :func:`_logmap_far`.
    """
    qm = 2 * m
    n_lev = 1 << m
    e_pam = 2.0 * ((1 << (2 * m)) - 1) / 3.0
    norm = math.sqrt(e_pam)
    top = float(n_lev - 1)
    e = np.empty(n_lev)
    for i in range(y.shape[0]):
        g = 1.0 / (e_pam * nv[i * nv_step])
        shrink = math.exp(-8.0 * g) if 8.0 * g < _LN_FLOOR else 0.0
        yi = y[i]
        for d in range(2):
            u = (float(yi.real) if d == 0 else float(yi.imag)) * norm
            p = min(max(2.0 * math.floor(0.5 * u) + 1.0, -top), top)
            jp = int(0.5 * (p + top))
            e[:] = 0.0
            e[jp] = 1.0
            # walk right, then left, from p*: e_{j+1} / e_j = exp(−4g(p + 1 − u)) and
            # e_{j−1} / e_j = exp(−4g(u − p + 1)) at j = jp (both exponents ≥ 0)
            _walk_terms(e, jp, 1, n_lev, 4.0 * g * (p + 1.0 - u), shrink)
            _walk_terms(e, jp, -1, -1, 4.0 * g * (u - p + 1.0), shrink)
            for k in range(m):
                s0 = 0.0
                s1 = 0.0
                for j in range(n_lev):
                    w = e[j] * level_bits[k, j]
                    s1 += w
                    s0 += e[j] - w
                if s0 >= _TINY and s1 >= _TINY:
                    llr[i * qm + 2 * k + d] = math.log(s0 / s1)
                else:  # the side without p* underflowed: rescale it by its own largest term
                    llr[i * qm + 2 * k + d] = _logmap_far(u, p, g, top, level_bits[k],
                                                          s0, s1)


@njit(cache=True, error_model="numpy", inline="always")
def _walk_terms(e, jp, step, stop, a, shrink):  # pragma: no cover - jitted
    """e[j] for j = jp + step, jp + 2 step, ... (before ``stop``): the terms walking from p*.

    The first ratio is exp(−a), each next one ``shrink`` times the previous. Every step
    keeps val, r ≥ _FLOOR so that no product is subnormal; each dropped term is < _FLOOR.
    """
    r = math.exp(-a) if a < _LN_FLOOR else 0.0
    val = 1.0
    for j in range(jp + step, stop, step):
        if r < _FLOOR:
            break
        val *= r
        if val < _FLOOR:
            break
        e[j] = val
        r *= shrink


@njit(cache=True, error_model="numpy")
def _logmap_far(u, p, g, top, bits_k, s0, s1):  # pragma: no cover - jitted
    """ln(s0 / s1) when one sum underflowed, the tiny side recomputed from its own minimum."""
    v = 1 if s1 < _TINY else 0
    n_lev = bits_k.shape[0]
    t_min = np.inf
    for j in range(n_lev):
        lev = 2.0 * j - top
        t = g * (p - lev) * (u + u - lev - p)  # g((u − lev)^2 − (u − p)^2)
        if bits_k[j] == v and t < t_min:
            t_min = t
    s = 0.0
    for j in range(n_lev):
        lev = 2.0 * j - top
        a = g * (p - lev) * (u + u - lev - p) - t_min
        if bits_k[j] == v and a < _LN_FLOOR:  # skipped terms: < _FLOOR · the largest (1)
            s += math.exp(-a)
    log_s = math.log(s) - t_min
    return math.log(s0) - log_s if v == 1 else log_s - math.log(s1)


@njit(cache=True, error_model="numpy")
def _hard_qam_kernel(y, m, b):  # pragma: no cover - jitted
    """Bits of the nearest level per dimension: signs of the folded coordinates."""
    qm = 2 * m
    norm = np.float32(math.sqrt(2.0 * ((1 << (2 * m)) - 1) / 3.0))
    top = np.float32((1 << m) - 1)
    for i in range(y.shape[0]):
        yi = y[i]
        for d in range(2):
            u = (yi.real if d == 0 else yi.imag) * norm
            f = _nearest_level(u, top)
            base = i * qm + d
            b[base] = 1 if f < 0 else 0
            for k in range(1, m):
                f = np.float32(1 << (m - k)) - abs(f)
                b[base + 2 * k] = 1 if f < 0 else 0
