"""PUCCH receivers: format 0/1 detection and format 2/3/4 demodulation and decoding.

Implements the receiving side of TS 38.211 §6.3.2 (PUCCH formats 0-4) and §6.4.1.3 (their
DM-RS), with the UCI decoding of TS 38.212 §6.3.1 (:func:`nrlink.rx.uci_decoder.uci_decode`).
3GPP specifies the transmitter; the receivers here are the usual ones:

* Format 0: non-coherent sequence detection. Each hypothesis (m_cs of a HARQ-ACK / SR
  value, TS 38.213 §9.2.3/§9.2.5) is correlated with the received REs of each symbol and
  antenna, T_h = Σ_{r,l} |Σ_n conj(x_h(l, n)) y_r(l, n)|² / (12 N0); the largest wins.
* Format 1: coherent detection. The channel of each hop and subcarrier is the average of
  y conj(DM-RS) over the hop's DM-RS symbols (which removes the orthogonal cover), the
  data symbols are despread and maximum-ratio combined into one estimate of d(0), and
  soft bits come from the BPSK/QPSK demapper.
* Formats 2/3/4: least-squares DM-RS channel estimation (format 2: averaged over the four
  DM-RS of each PRB and symbol, linearly interpolated across PRBs; formats 3/4: averaged
  over the DM-RS symbols of each hop), MRC or LMMSE equalisation, inverse transform
  precoding and format 4 despreading, soft demapping, descrambling, ``uci_decode``.

DTX (no transmission) detection. Every receiver computes a DM-RS (format 0: sequence)
energy statistic that, with noise only, is a sum of K independent unit exponentials
(Gamma(K, 1)): each term is |ĥ|² / var(ĥ) of one noise-only channel estimate. The
transmission is declared absent when the statistic is below the threshold
t = Q^{-1}(K, p₁) (inverse regularised upper incomplete gamma) with p₁ = 1 − (1 − p_fa)^{1/H}
for H orthogonal hypotheses (format 0; H = 1 otherwise), so that the false-alarm
probability on noise is ``p_fa`` (exact for AWGN with the given noise variance N0).
``metric`` and ``threshold`` are reported divided by K (≈ 1 on noise).

Noise estimation (``noise_var=None``; receiver algorithms, not specified by 3GPP). N0 is
the mean energy of M unit-gain projections of the received PUCCH that carry noise only
(M complex degrees of freedom, unbiased under AWGN when the channel is flat over the
window named below), floored at 1e-9 times the mean received RE energy:

* Format 0 (sequence of §6.3.2.3.1, cyclic shifts of §6.3.2.2.2): per symbol and
  antenna, y conj(x_0) (x_0: the sequence of the first hypothesis) is projected on the 12
  cyclic shifts of the base sequence (orthonormal DFT). The bins of the H hypotheses
  carry the detection statistic; the noise bins are those at circular distance >= 2 from
  every hypothesis bin (a guard of one bin each side: a delay spread or timing error
  leaks a hypothesis into its neighbouring shifts first), or, when the hypotheses leave
  no such bin (n_harq = 2, or n_harq = 1 with SR), all bins that no hypothesis uses.
  M = n_rx L × {9 (SR only), 6 (n_harq = 1), 8 (n_harq = 2 or 1 + SR), 4 (2 + SR)}.
* Format 1 (sequence and OCC of §6.3.2.4.1): the data symbols after removing the sequence and its
  time-domain OCC, y conj(w_i(m) r^(α)(n)) = h d(0) + noise, are transformed to the
  12-tap delay domain; taps 2..10 (not the channel tap 0 nor its neighbours ±1) are
  noise. M = 9 n_rx N_data. These REs are disjoint from the DM-RS of the DTX statistic.
* Format 2 (DM-RS of §6.4.1.3.2): residual of the 4 LS estimates of each PRB and symbol
  around their mean, M = 3 n_rx L N_PRB (window: one PRB and symbol).
* Formats 3/4 (DM-RS of §6.4.1.3.3): residual of the LS estimates around their mean over
  each PRB (12 subcarriers) and the DM-RS symbols of each hop, M = n_rx N_PRB Σ_hop
  (12 N_dmrs,hop - 1) (window: one PRB and hop). The DTX statistic then uses those PRB
  means (K = n_rx N_hops N_PRB) instead of the per-subcarrier hop means.

Every noise projection is orthogonal to the projections of the DTX statistic, so on noise
the statistic S (with the true N0) and M N0_hat / N0 are independent Gamma(K, 1) and
Gamma(M, 1): S N0 / N0_hat is K times an F(2K, 2M) variable, and the threshold solves
P(max over H of S_h M / U > t) = p_fa exactly (:func:`dtx_threshold` with
``noise_dof=M``). The test is thus again exact for AWGN, and independent of N0.
The noise projections assume that no other UE uses the same PRBs (another UE's cyclic
shift or OCC would land in them and inflate N0).

Received grids are ``(..., n_rx, n_symb_slot, n_sc)`` complex: batch dimension(s) first,
then receive antennas, then the slot grid of :mod:`nrlink.spec.ts38211.pucch`. LLRs: positive
means bit 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import scipy.fft
import scipy.integrate
import scipy.optimize
import scipy.special

from nrlink.errors import ConfigError, check_int
from nrlink.rx.demapping import demap_llr
from nrlink.rx.uci_decoder import uci_decode
from nrlink.spec._checks import check_bool, check_choice, check_real
from nrlink.spec.ts38211.pucch import (
    PucchResource,
    format0_m_cs,
    pucch_dmrs_grid,
    pucch_e_tot,
    pucch_format0_grid,
    pucch_format1_grid,
    pucch_layout,
    pucch_masks,
    pucch_scrambling_c_init,
)
from nrlink.spec.ts38211.pucch_dmrs import format4_occ
from nrlink.spec.ts38211.scrambling import descramble_llr, descramble_llr_with_placeholders
from nrlink.spec.ts38212.uci import uci_encode

__all__ = [
    "PucchDetection",
    "PucchUciResult",
    "dtx_threshold",
    "pucch_format0_detect",
    "pucch_format1_detect",
    "pucch_uci_receive",
]

_C = "TS 38.211 §6.3.2 (PUCCH receiver)"
_N_SC = 12


@dataclass(frozen=True, slots=True)
class PucchDetection:
    """Decision of a PUCCH format 0 or 1 receiver.

    Implements the receiving side of TS 38.211 §6.3.2.3 / §6.3.2.4 (TS 38.213 §9.2).

    Attributes
    ----------
    dtx : ndarray of bool, shape (...)
        Nothing detected (statistic below the threshold).
    harq_ack : ndarray of uint8, shape (..., n_harq)
        Decided HARQ-ACK bits (1 = ACK); 0 where ``dtx``.
    sr : ndarray of bool, shape (...)
        Positive SR decided (format 0 with an SR occasion; format 1 SR-only resource).
    llr : ndarray of float32 or None, shape (..., n_harq)
        Format 1: LLRs of the HARQ-ACK bits (positive means 0); None for format 0.
    metric : ndarray of float32, shape (...)
        Detection statistic divided by its degrees of freedom K.
    threshold : float
        DTX threshold divided by K.
    noise_var : ndarray of float64, shape (...)
        The N0 used: the given one, or the estimate (``noise_var=None``).
    """

    dtx: np.ndarray
    harq_ack: np.ndarray
    sr: np.ndarray
    llr: np.ndarray | None
    metric: np.ndarray
    threshold: float
    noise_var: np.ndarray


@dataclass(frozen=True, slots=True)
class PucchUciResult:
    """Output of the PUCCH format 2/3/4 receiver.

    Implements the receiving side of TS 38.211 §6.3.2.5-§6.3.2.6 and TS 38.212 §6.3.1.

    Attributes
    ----------
    bits : ndarray of uint8, shape (..., A)
        Decoded UCI bits a.
    crc_ok : ndarray of bool, shape (...)
        CRC check of the polar-coded UCI (A >= 12); always True for A <= 11.
    dtx : ndarray of bool, shape (...)
        DM-RS energy below the DTX threshold.
    llr : ndarray of float32, shape (..., E_tot)
        Descrambled LLRs of the coded bits.
    metric : ndarray of float32, shape (...)
        DM-RS statistic divided by K.
    threshold : float
        DTX threshold divided by K.
    noise_var : ndarray of float64, shape (...)
        The N0 used: the given one, or the estimate (``noise_var=None``).
    """

    bits: np.ndarray
    crc_ok: np.ndarray
    dtx: np.ndarray
    llr: np.ndarray
    metric: np.ndarray
    threshold: float
    noise_var: np.ndarray


def dtx_threshold(dof: int, p_fa: float, n_hypotheses: int = 1,
                  noise_dof: int | None = None) -> float:
    """Threshold on a Gamma(K, 1) statistic for a false-alarm probability over H hypotheses.

    Implements the DTX test of the PUCCH receivers (module notes; not specified by 3GPP):
    with a known N0, t = Q^{-1}(K, 1 - (1 - p_fa)^{1/H}), so that P(max of H independent
    Gamma(K, 1) > t) equals ``p_fa``. With N0 estimated from M independent noise
    projections (``noise_dof=M``), the statistics are S_h M / U with U ~ Gamma(M, 1)
    common to all h, and t solves P(max_h S_h M / U > t) = p_fa: for H = 1,
    t = M (1 - w) / w with w = I^{-1}(M, K; p_fa) (the F(2K, 2M) quantile); for H > 1,
    1 - E_U[P(K, t U / M)^H] = p_fa by quadrature.

    Parameters
    ----------
    dof : int
        K >= 1.
    p_fa : float
        Target false-alarm probability, 0 < p_fa < 1.
    n_hypotheses : int, default 1
        H >= 1.
    noise_dof : int or None, default None
        M >= 1 complex degrees of freedom of the N0 estimate (None: N0 known).

    Returns
    -------
    float
        t (not divided by K).

    Examples
    --------
    >>> round(dtx_threshold(1, np.exp(-3.0)), 6)
    3.0
    """
    dof = check_int("dof", dof, "an integer >= 1", _C, lo=1)
    n_hypotheses = check_int("n_hypotheses", n_hypotheses, "an integer >= 1", _C, lo=1)
    p_fa = check_real("p_fa", p_fa, "a real number in (0, 1)", _C)
    if not 0 < p_fa < 1:
        raise ConfigError(f"p_fa={p_fa!r} is not allowed: p_fa must be in (0, 1) ({_C})")
    if noise_dof is not None:
        noise_dof = check_int("noise_dof", noise_dof, "None or an integer >= 1", _C, lo=1)
        return _ratio_threshold(dof, noise_dof, n_hypotheses, p_fa)
    p1 = -np.expm1(np.log1p(-p_fa) / n_hypotheses)
    return float(scipy.special.gammainccinv(dof, p1))


def _f_threshold(k: int, m: int, p: float) -> float:
    """t with P(S M / U > t) = p, S ~ Gamma(k), U ~ Gamma(m): U / (S + U) ~ Beta(m, k)."""
    w = scipy.special.betaincinv(m, k, p)
    return float(m * (1 - w) / w)


@lru_cache(maxsize=512)
def _ratio_threshold(k: int, m: int, h: int, p_fa: float) -> float:
    if h == 1:
        return _f_threshold(k, m, p_fa)

    def excess(t: float) -> float:
        def f(q):
            return 1 - scipy.special.gammainc(k, t * scipy.special.gammaincinv(m, q) / m) ** h
        return scipy.integrate.quad(f, 0, 1, epsabs=1e-13, epsrel=1e-11, limit=400)[0] - p_fa

    # a common U makes the H tests positively dependent: the Šidák threshold (independent
    # tests) is above t, the single-test threshold at p_fa below it
    lo = _f_threshold(k, m, p_fa)
    hi = _f_threshold(k, m, -np.expm1(np.log1p(-p_fa) / h))
    if excess(hi) > 0:  # pragma: no cover - guarded by the argument above
        hi *= 2
    return float(scipy.optimize.brentq(excess, lo, hi, xtol=1e-12, rtol=1e-12))


# ----------------------------------------------------------------------------- checks


def _check_res(res, formats: tuple[int, ...]) -> PucchResource:
    if not isinstance(res, PucchResource) or res.pucch_format not in formats:
        raise ConfigError(f"res={res!r} is not allowed: res must be a PucchResource of format "
                          f"{' or '.join(map(str, formats))} ({_C})")
    return res


def _check_grid(y, res: PucchResource) -> np.ndarray:
    y = np.asarray(y)
    tail = (res.n_symb_slot, res.n_sc)
    if y.ndim < 3 or y.shape[-2:] != tail or y.dtype.kind not in "fc":
        raise ConfigError(f"y of shape {y.shape} and dtype {y.dtype} is not allowed: y must be "
                          f"a complex array (..., n_rx, {tail[0]}, {tail[1]}) ({_C})")
    return y.astype(np.complex64, copy=False)


def _check_noise(noise_var, batch: tuple[int, ...]) -> np.ndarray | None:
    if noise_var is None:
        return None
    nv = np.asarray(noise_var)
    ok = nv.dtype.kind in "iuf" and nv.dtype != np.bool_
    if ok:
        try:
            nv = np.broadcast_to(nv.astype(np.float64), batch)
        except ValueError:
            ok = False
    if not ok or (nv.size and not (np.isfinite(nv).all() and (nv > 0).all())):
        raise ConfigError(f"noise_var={noise_var!r} is not allowed: noise_var must be None "
                          f"(estimated) or a finite real > 0 (N0 per RE), scalar or of the "
                          f"batch shape {batch} ({_C})")
    return np.array(nv)


def _noise_estimate(e: np.ndarray, n_axes: int, y: np.ndarray) -> np.ndarray:
    """Mean of the noise-projection energies ``e`` over their last ``n_axes`` axes, floored."""
    n0 = e.mean(axis=tuple(range(-n_axes, 0)), dtype=np.float64)
    p_rx = (np.abs(y) ** 2).mean(axis=(-1, -2, -3), dtype=np.float64)
    return np.maximum(n0, 1e-9 * p_rx + np.finfo(np.float64).tiny)


def _format0_noise_bins(k_hyp: np.ndarray, guard: int = 1) -> np.ndarray:
    """Cyclic-shift bins for N0: distance > ``guard`` from every hypothesis bin, else > 0."""
    d = np.abs(np.arange(_N_SC)[:, None] - np.asarray(k_hyp)[None, :]) % _N_SC
    d = np.minimum(d, _N_SC - d).min(axis=1)
    bins = np.flatnonzero(d > guard)
    return bins if bins.size else np.flatnonzero(d > 0)  # <= 8 hypotheses: never empty


def _check_p_fa(p_fa) -> float:
    p = check_real("p_fa", p_fa, "a real number in (0, 1)", _C)
    if not 0 < p < 1:
        raise ConfigError(f"p_fa={p_fa!r} is not allowed: p_fa must be in (0, 1) ({_C})")
    return p


def _res_of(y: np.ndarray, res: PucchResource, mask: np.ndarray, width: int) -> np.ndarray:
    """REs of ``mask`` as (..., n_rx, n_symbols, width) in mapping order."""
    flat = y.reshape(y.shape[:-2] + (-1,))[..., np.flatnonzero(mask)]
    return flat.reshape(y.shape[:-2] + (-1, width))


def _smooth(h: np.ndarray, window: int) -> np.ndarray:
    """Moving average of width ``window`` along the last axis (shortened at the edges)."""
    n = h.shape[-1]
    if window <= 1 or n == 1:
        return h
    lo = np.clip(np.arange(n) - window // 2, 0, n)
    hi = np.clip(lo + window, 0, n)
    c = np.concatenate([np.zeros(h.shape[:-1] + (1,), h.dtype), np.cumsum(h, axis=-1)], axis=-1)
    return (c[..., hi] - c[..., lo]) / (hi - lo)


# ---------------------------------------------------------------------------- format 0


def pucch_format0_detect(y, res: PucchResource, *, noise_var, n_harq: int,
                         sr_occasion: bool = False, p_fa: float = 0.01) -> PucchDetection:
    """Detect the HARQ-ACK bits and SR of a PUCCH format 0.

    Implements the receiving side of TS 38.211 §6.3.2.3 with the m_cs hypotheses of
    TS 38.213 §9.2.3 (Tables 9.2.3-3/-4) and §9.2.5 (Tables 9.2.5-1/-2); see the module
    notes for the statistic and the DTX threshold.

    Parameters
    ----------
    y : array_like of complex, shape (..., n_rx, n_symb_slot, n_sc)
        Received slot grid(s).
    res : PucchResource
        The format 0 resource.
    noise_var : float, array_like or None
        N0 per RE (> 0), scalar or of the batch shape; None: estimated per slot from the
        cyclic shifts that no hypothesis uses (module notes), and the DTX threshold is
        the exact one for that estimate.
    n_harq : int
        HARQ-ACK bits expected, 0..2 (0: an SR-only resource).
    sr_occasion : bool, default False
        The slot is an SR occasion (hypotheses with positive SR are tested too); required
        when ``n_harq == 0``.
    p_fa : float, default 0.01
        False-alarm probability of the DTX test on noise.

    Returns
    -------
    PucchDetection
    """
    res = _check_res(res, (0,))
    y = _check_grid(y, res)
    batch = y.shape[:-3]
    nv = _check_noise(noise_var, batch)
    n_harq = check_int("n_harq", n_harq, "0, 1 or 2", "TS 38.213 §9.2.3", lo=0, hi=2)
    sr_occasion = check_bool("sr_occasion", sr_occasion, "TS 38.213 §9.2.5")
    if n_harq == 0 and not sr_occasion:
        raise ConfigError("n_harq=0 is not allowed with sr_occasion=False: a format 0 resource "
                          "carries HARQ-ACK bits, an SR, or both (TS 38.213 §9.2.5)")
    p_fa = _check_p_fa(p_fa)
    bits = ((np.arange(2**n_harq)[:, None] >> np.arange(n_harq)[::-1]) & 1).astype(np.uint8)
    srs = np.array([False, True] if sr_occasion and n_harq else [sr_occasion])
    hyp_bits = np.repeat(bits, srs.size, axis=0)
    hyp_sr = np.tile(srs, bits.shape[0])
    m_cs = format0_m_cs(hyp_bits, hyp_sr)
    data_mask, _ = pucch_masks(res)
    ref0 = _res_of(pucch_format0_grid(res, m_cs[:1])[:, None], res, data_mask, _N_SC)[0, 0]
    yr = _res_of(y, res, data_mask, _N_SC)                      # (..., R, L, 12)
    # projections on the 12 cyclic shifts; hypothesis h sits in bin m_cs(h) - m_cs(0)
    e = np.abs(scipy.fft.fft(yr * ref0.conj(), axis=-1, norm="ortho")) ** 2
    k_hyp = (m_cs - m_cs[0]) % _N_SC
    dof = y.shape[-3] * res.num_symbols
    if nv is None:
        bins = _format0_noise_bins(k_hyp)
        nv = _noise_estimate(e[..., bins], 3, yr)
        t = dtx_threshold(dof, p_fa, m_cs.size, noise_dof=dof * bins.size)
    else:
        t = dtx_threshold(dof, p_fa, m_cs.size)
    stat = e[..., k_hyp].sum(axis=(-2, -3)) / nv[..., None]     # (..., H)
    best = stat.argmax(axis=-1)
    top = np.take_along_axis(stat, best[..., None], axis=-1)[..., 0]
    dtx = top < t
    harq = np.where(dtx[..., None], np.uint8(0), hyp_bits[best])
    sr = hyp_sr[best] & ~dtx
    return PucchDetection(dtx=dtx, harq_ack=harq.astype(np.uint8), sr=sr, llr=None,
                          metric=(top / dof).astype(np.float32), threshold=t / dof,
                          noise_var=nv)


# ---------------------------------------------------------------------------- format 1


def _hop_average(h_ls: np.ndarray, hops: np.ndarray, n_hops: int) -> np.ndarray:
    """(..., R, L, K) LS estimates → (..., R, n_hops, K) averaged over the symbols of a hop."""
    return np.stack([h_ls[..., hops == h, :].mean(axis=-2) for h in range(n_hops)], axis=-2)


def pucch_format1_detect(y, res: PucchResource, *, noise_var, n_harq: int,
                         p_fa: float = 0.01, freq_window: int = 1) -> PucchDetection:
    """Detect the HARQ-ACK bits (or the SR) of a PUCCH format 1.

    Implements the receiving side of TS 38.211 §6.3.2.4 and §6.4.1.3.1; see the module
    notes. With ``n_harq == 0`` the resource is an SR resource: a detected transmission
    is a positive SR (sent as b(0) = 0, TS 38.213 §9.2.5.1).

    Parameters
    ----------
    y, res, p_fa
        As :func:`pucch_format0_detect` (a format 1 resource).
    noise_var : float, array_like or None
        N0 per RE (> 0), scalar or of the batch shape; None: estimated per slot from the
        delay-domain taps 2..10 of the despread data symbols (module notes), with the
        exact DTX threshold for that estimate.
    n_harq : int
        0 (SR only), 1 (BPSK) or 2 (QPSK) bits.
    freq_window : int, default 1
        Moving-average width (subcarriers, 1..12) applied to the channel estimate after
        the DTX test (1: none).

    Returns
    -------
    PucchDetection
        With ``llr`` of the bits (empty last axis for SR).
    """
    res = _check_res(res, (1,))
    y = _check_grid(y, res)
    batch = y.shape[:-3]
    nv = _check_noise(noise_var, batch)
    n_harq = check_int("n_harq", n_harq, "0, 1 or 2", "TS 38.211 §6.3.2.4.1", lo=0, hi=2)
    p_fa = _check_p_fa(p_fa)
    freq_window = check_int("freq_window", freq_window, "an integer in 1..12", _C, lo=1, hi=12)
    data_mask, dmrs_mask = pucch_masks(res)
    dmrs = _res_of(pucch_dmrs_grid(res)[None], res, dmrs_mask, _N_SC)[0]          # (Ld, 12)
    ref = _res_of(pucch_format1_grid(res, [0])[None], res, data_mask, _N_SC)[0]
    ref = ref / ((1 + 1j) / np.sqrt(2))                                            # d(0) = 1
    l_all = np.arange(res.num_symbols)
    hops = res.symbol_hops
    n_hops = 2 if res.hopping else 1
    h_dmrs, h_data = hops[l_all % 2 == 0], hops[l_all % 2 == 1]
    h = _hop_average(_res_of(y, res, dmrs_mask, _N_SC) * dmrs.conj(), h_dmrs, n_hops)
    n_d = np.array([(h_dmrs == k).sum() for k in range(n_hops)])
    dof = y.shape[-3] * n_hops * _N_SC
    yd = _res_of(y, res, data_mask, _N_SC)                                       # (..., R, L, 12)
    if nv is None:
        taps = np.abs(scipy.fft.fft(yd * ref.conj(), axis=-1, norm="ortho")[..., 2:-1]) ** 2
        nv = _noise_estimate(taps, 3, yd)
        t = dtx_threshold(dof, p_fa, noise_dof=y.shape[-3] * yd.shape[-2] * (_N_SC - 3))
    else:
        t = dtx_threshold(dof, p_fa)
    stat = (np.abs(h) ** 2 * n_d[:, None]).sum(axis=(-1, -2, -3)) / nv
    dtx = stat < t
    h = _smooth(h, freq_window)
    hd = h[..., h_data, :] * ref                                                  # (..., R, L, 12)
    z = (hd.conj() * yd).sum(axis=(-1, -2, -3))
    g = (np.abs(hd) ** 2).sum(axis=(-1, -2, -3))
    g = np.maximum(g, 1e-30)
    d0 = (z / g)[..., None]
    if n_harq:
        llr = demap_llr(d0, n_harq, np.maximum(nv / g, 1e-12)[..., None])
        harq = np.where(dtx[..., None], np.uint8(0), (llr < 0).astype(np.uint8))
    else:
        llr = np.zeros(batch + (0,), np.float32)
        harq = np.zeros(batch + (0,), np.uint8)
    sr = ~dtx if n_harq == 0 else np.zeros(batch, bool)
    return PucchDetection(dtx=dtx, harq_ack=harq, sr=sr, llr=llr,
                          metric=(stat / dof).astype(np.float32), threshold=t / dof,
                          noise_var=nv)


# ------------------------------------------------------------------------ formats 2-4


def _interp_matrix(x_out: np.ndarray, x_in: np.ndarray) -> np.ndarray:
    """Linear interpolation (constant beyond the ends) from x_in to x_out, as a matrix."""
    eye = np.eye(x_in.size)
    return np.stack([np.interp(x_out, x_in, eye[j]) for j in range(x_in.size)], axis=1)


def _format2_llr(y, res, nv, dmrs_mask, data_mask):
    r = _res_of(pucch_dmrs_grid(res)[None], res, dmrs_mask, 4 * res.n_prb)[0]    # (L, 4P)
    h_ls = _res_of(y, res, dmrs_mask, 4 * res.n_prb) * r.conj()                  # (..,R,L,4P)
    h4 = h_ls.reshape(h_ls.shape[:-1] + (res.n_prb, 4))
    h_prb = h4.mean(axis=-1)                                                     # (..,R,L,P)
    dof = y.shape[-3] * res.num_symbols * res.n_prb
    m = None
    if nv is None:  # residual around the PRB mean: 3 of the 4 DM-RS dimensions
        nv = _noise_estimate(np.abs(h4 - h_prb[..., None]) ** 2 * (4 / 3), 4, h_ls)
        m = 3 * dof
    stat = (4 * np.abs(h_prb) ** 2).sum(axis=(-1, -2, -3)) / nv
    centres = _N_SC * np.arange(res.n_prb) + 5.5
    x_data = (_N_SC * np.arange(res.n_prb)[:, None] + np.array([0, 2, 3, 5, 6, 8, 9, 11])
              ).reshape(-1)
    h = h_prb @ _interp_matrix(x_data, centres).T.astype(np.complex64)          # (..,R,L,8P)
    yd = _res_of(y, res, data_mask, 8 * res.n_prb)
    g = (np.abs(h) ** 2).sum(axis=-3)
    g = np.maximum(g, 1e-30)
    z = (h.conj() * yd).sum(axis=-3) / g                                         # (..., L, 8P)
    z = z.reshape(z.shape[:-2] + (-1,))
    nv_re = (nv[..., None, None] / g).reshape(z.shape)
    return demap_llr(z, 2, np.maximum(nv_re, 1e-12)), stat, dof, m, nv


def _format34_llr(y, res, nv, dmrs_mask, data_mask, equalizer, freq_window):
    info = pucch_layout(res)
    m_sc = info.m_sc
    r = _res_of(pucch_dmrs_grid(res)[None], res, dmrs_mask, m_sc)[0]            # (Ld, M)
    n_hops = 2 if res.hopping else 1
    hops = res.symbol_hops
    h_ls = _res_of(y, res, dmrs_mask, m_sc) * r.conj()                            # (..,R,Ld,M)
    h_hops = hops[info.dmrs_symbols]
    h = _hop_average(h_ls, h_hops, n_hops)                                       # (..,R,H,M)
    n_d = np.array([(h_hops == k).sum() for k in range(n_hops)])
    m = None
    if nv is None:  # residual around the mean over each PRB and hop's DM-RS symbols
        h_blk = h.reshape(h.shape[:-1] + (res.n_prb, _N_SC)).mean(axis=-1)       # (..,R,H,P)
        resid = h_ls - np.repeat(h_blk, _N_SC, axis=-1)[..., h_hops, :]
        dof = y.shape[-3] * n_hops * res.n_prb
        m = y.shape[-3] * res.n_prb * int((_N_SC * n_d - 1).sum())
        nv = _noise_estimate(np.abs(resid) ** 2 * (np.prod(resid.shape[-3:]) / m), 3, h_ls)
        stat = (np.abs(h_blk) ** 2 * (_N_SC * n_d)[:, None]).sum(axis=(-1, -2, -3)) / nv
    else:
        dof = y.shape[-3] * n_hops * m_sc
        stat = (np.abs(h) ** 2 * n_d[:, None]).sum(axis=(-1, -2, -3)) / nv
    h = _smooth(h, freq_window)[..., hops[info.uci_symbols], :]                  # (..,R,L,M)
    yd = _res_of(y, res, data_mask, m_sc)
    g = (np.abs(h) ** 2).sum(axis=-3)                                            # (..., L, M)
    num = (h.conj() * yd).sum(axis=-3)
    nv3 = nv[..., None, None]
    if equalizer == "lmmse":
        z = num / (g + nv3)
        mu = (g / (g + nv3)).mean(axis=-1, keepdims=True)                        # (..., L, 1)
        x = scipy.fft.ifft(z, axis=-1, norm="ortho") / np.maximum(mu, 1e-30)
        nv_sym = np.maximum((1 - mu) / np.maximum(mu, 1e-30), 1e-9)
    else:
        gg = np.maximum(g, 1e-30)
        x = scipy.fft.ifft(num / gg, axis=-1, norm="ortho")
        nv_sym = np.maximum((nv3 / gg).mean(axis=-1, keepdims=True), 1e-9)
    if res.pucch_format == 4:
        n_sf = res.occ_length
        w = format4_occ(n_sf, res.occ_index)
        x = (x * w.conj()).reshape(x.shape[:-1] + (n_sf, m_sc // n_sf)).mean(axis=-2)
        nv_sym = nv_sym / n_sf
    nv_d = np.broadcast_to(nv_sym, x.shape).reshape(x.shape[:-2] + (-1,))
    x = x.reshape(x.shape[:-2] + (-1,)).astype(np.complex64)
    return demap_llr(x, res.qm, nv_d, pi2_bpsk=res.qm == 1), stat, dof, m, nv


def pucch_uci_receive(y, res: PucchResource, *, noise_var, a_size: int, p_fa: float = 0.01,
                      equalizer: Literal["lmmse", "mrc"] = "lmmse", freq_window: int = 1,
                      list_size: int = 8) -> PucchUciResult:
    """Demodulate and decode the UCI of a PUCCH format 2, 3 or 4.

    Implements the receiving side of TS 38.211 §6.3.2.5 (format 2) and §6.3.2.6 (formats 3,
    4) with the DM-RS of §6.4.1.3.2/§6.4.1.3.3 and the UCI decoding of TS 38.212 §6.3.1;
    see the module notes.

    Parameters
    ----------
    y : array_like of complex, shape (..., n_rx, n_symb_slot, n_sc)
    res : PucchResource
        A format 2, 3 or 4 resource.
    noise_var : float, array_like or None
        N0 per RE (> 0), scalar or of the batch shape; None: estimated per slot from the
        residual of the DM-RS LS estimates around their PRB (and hop) means (module
        notes), with the exact DTX threshold for that estimate; formats 3/4 then take
        the DTX statistic on those PRB means.
    a_size : int
        UCI payload size A, 1..1706.
    p_fa : float, default 0.01
        False-alarm probability of the DTX test.
    equalizer : {"lmmse", "mrc"}, default "lmmse"
        Formats 3/4 per-subcarrier equaliser before the inverse DFT (format 2: MRC, which
        equals unbiased LMMSE for one stream).
    freq_window : int, default 1
        Moving-average width (subcarriers) on the formats 3/4 channel estimate (1: none).
    list_size : int, default 8
        Polar list size (A >= 12).

    Returns
    -------
    PucchUciResult
    """
    res = _check_res(res, (2, 3, 4))
    y = _check_grid(y, res)
    batch = y.shape[:-3]
    nv = _check_noise(noise_var, batch)
    p_fa = _check_p_fa(p_fa)
    equalizer = check_choice("equalizer", equalizer, ("lmmse", "mrc"), _C)
    freq_window = check_int("freq_window", freq_window, "an integer >= 1", _C, lo=1)
    a_size = check_int("a_size", a_size, "an integer in 1..1706", "TS 38.212 §6.3.1", lo=1,
                       hi=1706)
    data_mask, dmrs_mask = pucch_masks(res)
    if res.pucch_format == 2:
        llr, stat, dof, m, nv = _format2_llr(y, res, nv, dmrs_mask, data_mask)
    else:
        llr, stat, dof, m, nv = _format34_llr(y, res, nv, dmrs_mask, data_mask, equalizer,
                                              freq_window)
    e = pucch_e_tot(res)
    c_init = pucch_scrambling_c_init(res.n_rnti, res.n_id)
    if a_size <= 2:
        pattern = uci_encode(np.zeros(a_size, np.uint8), e, qm=res.qm)
        llr = descramble_llr_with_placeholders(llr, pattern, c_init)
    else:
        llr = descramble_llr(llr, c_init)
    dec = uci_decode(llr, a_size, qm=res.qm, list_size=list_size)
    t = dtx_threshold(dof, p_fa, noise_dof=m)
    return PucchUciResult(bits=dec.bits, crc_ok=dec.crc_ok, dtx=stat < t, llr=llr,
                          metric=(stat / dof).astype(np.float32), threshold=t / dof,
                          noise_var=nv)
