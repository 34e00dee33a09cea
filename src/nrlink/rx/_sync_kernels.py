"""Signal-processing steps of the cell search receiver (see :mod:`nrlink.rx.cell_search`).

Implements the receiver steps of TS 38.211 §7.4.3 (PSS §7.4.2.2, SSS §7.4.2.3, PBCH DM-RS
§7.4.1.4.1, PBCH REs of Table 7.4.3.1-1): PSS correlation plans, the decimated correlation
and its refinement, the FFT of the block, SSS / ī_SSB detection, residual CFO, channel
estimation and PBCH LLRs. Private: the public function validates, these never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft

from nrlink.rx.demapping import demap_llr
from nrlink.spec.ts38211.numerology import cp_lengths_samples, scs_khz
from nrlink.spec.ts38211.ssb import SSB_N_SC, SSB_N_SYMB, ssb_indices
from nrlink.spec.ts38211.sync import SYNC_LENGTH, pbch_dmrs, pss, sss

_K_SYNC = 56  # first subcarrier of PSS / SSS in the block (Table 7.4.3.1-1)
_PSS_CENTRE = _K_SYNC + SYNC_LENGTH // 2  # subcarrier 119
_BAND = 256  # subcarriers kept around the PSS for the decimated correlation


def _smoothing_matrix(n: int, width: int) -> np.ndarray:
    """(n, n) moving average over ``width`` taps centred on each index, truncated at edges."""
    i = np.arange(n)
    lo = i - (width - 1) // 2
    hi = lo + width  # exclusive
    m = ((i[None, :] >= np.maximum(lo, 0)[:, None]) & (i[None, :] < np.minimum(hi, n)[:, None]))
    m = m.astype(np.float64)
    return (m / m.sum(axis=1, keepdims=True)).astype(np.float32)


def _moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """:func:`_smoothing_matrix` applied along the last axis, by a cumulative sum."""
    n = x.shape[-1]
    i = np.arange(n)
    lo = np.maximum(i - (width - 1) // 2, 0)
    hi = np.minimum(i - (width - 1) // 2 + width, n)
    cs = np.concatenate((np.zeros((*x.shape[:-1], 1), np.complex128), np.cumsum(x, axis=-1)),
                        axis=-1)
    return ((cs[..., hi] - cs[..., lo]) / (hi - lo)).astype(np.complex64)


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    n_fft: int
    n_cp: int
    fs: float
    scs: float
    n_samples: int
    tau_lo: int  # correlation offsets (start of the PSS useful part) searched: tau_lo..tau_hi
    tau_hi: int
    d: int  # decimation factor
    l_fft: int  # FFT length of the whole waveform (multiple of d)
    band: np.ndarray  # (l_fft // d,) FFT bins of the decimated band, in ifft order
    r_band: np.ndarray  # (3, H, S, l_fft // d) conj spectra of the replica segments
    replicas: np.ndarray  # (3, H, S, N) time-domain replica segments
    cfo_h: np.ndarray  # (H,) hypotheses in Hz
    bins: np.ndarray  # (240,) FFT bins of the SSB subcarriers
    ramp: np.ndarray  # (240,) early-window phase compensation
    advance: int  # FFT window advance into the CP
    e_ref: float


@lru_cache(maxsize=64)
def plan(mu, n_fft, n_sc, ssb_sc_offset, k0, n_samples, n_hyp, n_seg, max_cfo, decimate,
          window) -> Plan:
    scs = scs_khz(mu) * 1e3
    fs = n_fft * scs
    n_cp = int(cp_lengths_samples(mu, fft_size=n_fft, slot=0)[1])  # a normal-length prefix
    l_ssb = SSB_N_SYMB * (n_fft + n_cp)
    last = n_samples - l_ssb
    if window is not None:
        last = min(last, window - 1)
    m = np.arange(SSB_N_SC) + (ssb_sc_offset + k0 - n_sc // 2)  # signed subcarrier frequency
    bins = m % n_fft
    # PSS replica of every N_ID^(2): the useful part of symbol 0 (orthonormal IFFT).
    buf = np.zeros((3, n_fft), np.complex128)
    buf[:, bins[_K_SYNC:_K_SYNC + SYNC_LENGTH]] = pss(np.arange(3))
    r = scipy.fft.ifft(buf, axis=-1, norm="ortho")
    cfo_h = max_cfo * (2 * np.arange(n_hyp) + 1 - n_hyp) / n_hyp
    n = np.arange(n_fft)
    r = r[:, None, :] * np.exp(2j * np.pi * cfo_h[:, None] * n / fs)  # (3, H, N)
    seg = np.minimum(n * n_seg // n_fft, n_seg - 1)
    mask = seg[None, :] == np.arange(n_seg)[:, None]  # (S, N)
    rs = r[:, :, None, :] * mask  # (3, H, S, N)
    d = max(n_fft // _BAND, 1) if decimate else 1
    l_d = scipy.fft.next_fast_len(-(-n_samples // d))
    l_fft = d * l_d
    centre = round((m[_PSS_CENTRE]) * l_fft / n_fft)
    k = np.arange(l_d)
    band = (centre + np.where(k < l_d - l_d // 2, k, k - l_d)) % l_fft
    r_band = np.conj(scipy.fft.fft(rs, l_fft, axis=-1)[..., band])
    advance = n_cp // 2
    ramp = np.exp(2j * np.pi * (m * advance % n_fft) / n_fft)
    return Plan(n_fft, n_cp, fs, scs, n_samples, n_cp, last + n_cp, d, l_fft, band,
                 r_band.astype(np.complex64), rs.astype(np.complex64), cfo_h, bins,
                 ramp.astype(np.complex64), advance, float(np.sum(np.abs(r[0, 0]) ** 2)))


@lru_cache(maxsize=4)
def _ssb_maps(nu: int):
    """Index maps and channel-estimation matrices of one ν = N_ID^cell mod 4."""
    idx = ssb_indices(nu)
    return idx.pbch_dmrs, idx.pbch


@lru_cache(maxsize=8)
def _dmrs_estimator(smoothing_sc: int):
    """(4, 240, 144) matrices: DM-RS LS values → channel on all 240 subcarriers, per ν.

    Average over the symbols per subcarrier k = 4i + ν (i = 0..59), a moving average over
    ``smoothing_sc`` subcarriers (``ceil(smoothing_sc / 4)`` DM-RS), linear interpolation
    (flat extrapolation at the edges).
    """
    out = np.empty((4, SSB_N_SC, 144), np.float32)
    taps = max(1, -(-smoothing_sc // 4))
    sm = _smoothing_matrix(60, taps).astype(np.float64)
    for nu in range(4):
        l_, k_ = _ssb_maps(nu)[0]
        i = (k_ - nu) // 4
        avg = np.zeros((60, 144))
        avg[i, np.arange(144)] = 1.0
        avg /= avg.sum(axis=1, keepdims=True)
        k_dmrs = 4 * np.arange(60) + nu
        interp = np.stack([np.interp(np.arange(SSB_N_SC), k_dmrs, e) for e in np.eye(60)], 1)
        out[nu] = interp @ sm @ avg
    return out


@lru_cache(maxsize=1)
def _sss_all() -> np.ndarray:
    """(3, 336, 127): d_SSS of N_ID^cell = 3 N_ID^(1) + N_ID^(2) at [N_ID^(2), N_ID^(1)]."""
    return np.ascontiguousarray(sss(np.arange(1008)).astype(np.float32).reshape(336, 3, 127)
                                .transpose(1, 0, 2))


_EMPTY = (np.r_[np.zeros(113, np.intp), np.full(17, 2, np.intp)],
          np.r_[np.arange(0, 56), np.arange(183, 240), np.arange(48, 56), np.arange(183, 192)])
_DMRS_L = _ssb_maps(0)[0][0]  # symbol of each of the 144 DM-RS (the same for every ν)
_DMRS_RUNS = np.searchsorted(_DMRS_L, [1, 2, 3])  # they come sorted by symbol: 60, 24, 60


# ------------------------------------------------------------------------------- steps


def pss_correlation(y: np.ndarray, p: Plan):
    """Normalised PSS correlation at the decimated offsets tau = D u.

    ``metric[b, n2, h, u] = Σ_r Σ_s |Σ_n y[b, r, D u + n] r*_{n2,h,s}[n]|² /
    (E_ref / N · Σ_r Σ_{n<N} |y[b, r, D u + n]|²)`` (band-limited to the 256 subcarriers
    around the PSS when D > 1), −1 at offsets outside the search range. Returns
    (metric (B, 3, H, L_d), cumulative received energy (B, M + 1), energy floor (B, 1)).
    """
    b_n, _, m_n = y.shape
    n = p.n_fft
    pw = np.abs(y.astype(np.complex128)) ** 2
    cs = np.concatenate((np.zeros((b_n, 1)), np.cumsum(pw.sum(axis=1), axis=-1)), axis=-1)
    yf = scipy.fft.fft(y, p.l_fft, axis=-1)[..., p.band]  # (B, R, L_d)
    prod = yf[:, :, None, None, None, :] * p.r_band[None, None]  # (B, R, 3, H, S, L_d)
    c = scipy.fft.ifft(prod, axis=-1, overwrite_x=True)
    e = (c.real**2 + c.imag**2).sum(axis=(1, 4))  # (B, 3, H, L_d)
    tau = p.d * np.arange(p.band.size)
    valid = (tau >= p.tau_lo) & (tau <= p.tau_hi)
    tau_c = np.clip(tau, 0, m_n - n)
    energy = cs[:, tau_c + n] - cs[:, tau_c]  # (B, L_d)
    floor = 1e-6 * (cs[:, -1:] * n / m_n) + 1e-30  # keeps silent stretches finite
    norm = (energy + floor) * (p.e_ref / n) * (p.d * p.d)  # ifft of L_d points: c(D u) = ifft / D
    return np.where(valid, e / norm[:, None, None, :], -1.0), cs, floor


def _pss_search(y: np.ndarray, p: Plan):
    """Decimated PSS correlation and full-rate refinement.

    Returns (tau, n_id_2, hyp, pss_metric, cfo_coarse_hz), each (B,).
    """
    b_n, r_n, _ = y.shape
    n = p.n_fft
    metric, cs, floor = pss_correlation(y, p)
    flat = metric.reshape(b_n, -1).argmax(axis=1)
    n2, hyp, u_best = np.unravel_index(flat, metric.shape[1:])
    # refinement at the full rate around tau = d * u_best
    offs = np.arange(-p.d, p.d + 1)
    cand = np.clip(p.d * u_best[:, None] + offs, p.tau_lo, p.tau_hi)  # (B, C)
    win = y[np.arange(b_n)[:, None, None, None], np.arange(r_n)[None, :, None, None],
            cand[:, None, :, None] + np.arange(n)]  # (B, R, C, N)
    rep = p.replicas[n2, hyp]  # (B, S, N)
    cc = np.einsum("brcn,bsn->brcs", win, np.conj(rep))
    en = cs[np.arange(b_n)[:, None], cand + n] - cs[np.arange(b_n)[:, None], cand]
    m_ref = (np.abs(cc) ** 2).sum(axis=(1, 3)) / ((en + floor) * p.e_ref / n)
    best = m_ref.argmax(axis=1)
    tau_hat = cand[np.arange(b_n), best]
    pss_metric = m_ref[np.arange(b_n), best]
    # fractional CFO from the two halves of the (hypothesis-shifted) replica
    w = win[np.arange(b_n), :, best]  # (B, R, N)
    full = rep.sum(axis=1)  # (B, N)
    h = n // 2
    c1 = np.einsum("brn,bn->br", w[..., :h], np.conj(full[:, :h]))
    c2 = np.einsum("brn,bn->br", w[..., h:], np.conj(full[:, h:]))
    dphi = np.angle(np.sum(c2 * np.conj(c1), axis=1))
    cfo = p.cfo_h[hyp] + dphi * p.scs / np.pi
    return tau_hat, n2, hyp, pss_metric.astype(np.float32), cfo


def _ssb_grid_rx(y: np.ndarray, p: Plan, tau: np.ndarray, cfo: np.ndarray) -> np.ndarray:
    """CFO-corrected FFT of the 4 block symbols: (B, R, 4, 240) complex64."""
    n, b_n = p.n_fft, y.shape[0]
    t0 = tau - p.n_cp  # block start
    rel = (np.arange(SSB_N_SYMB) * (n + p.n_cp) + p.n_cp - p.advance)[:, None] + np.arange(n)
    idx = t0[:, None, None] + rel  # (B, 4, N)
    win = y[np.arange(b_n)[:, None, None, None], np.arange(y.shape[1])[None, :, None, None],
            idx[:, None]]  # (B, R, 4, N)
    rot = np.exp(-2j * np.pi * ((cfo[:, None, None] / p.fs) * rel[None])).astype(np.complex64)
    win = win * rot[:, None]
    f = scipy.fft.fft(win, axis=-1, norm="ortho", overwrite_x=True)
    return f[..., p.bins] * p.ramp


def cell_search_chunk(y, p: Plan, smoothing_sc: int) -> dict:
    """Every step for a batch chunk; a dict of per-element arrays."""
    b_n, r_n = y.shape[:2]
    ar = np.arange(b_n)
    tau, n2, _hyp, pss_metric, cfo = _pss_search(y, p)
    g = _ssb_grid_rx(y, p, tau, cfo)  # (B, R, 4, 240)
    noise = np.mean(np.abs(g[:, :, _EMPTY[0], _EMPTY[1]]) ** 2, axis=(1, 2))
    noise = np.maximum(noise, np.finfo(np.float32).tiny)
    ks = slice(_K_SYNC, _K_SYNC + SYNC_LENGTH)
    width = min(smoothing_sc, SYNC_LENGTH)
    # --- SSS: coherent with the (smoothed) PSS channel estimate, the 336 N_ID^(1) at once
    a0 = g[:, :, 0, ks] * pss(n2)[:, None, :].astype(np.float32)  # LS channel on the PSS
    h0 = _moving_average(a0, width)
    q = np.sum(g[:, :, 2, ks] * np.conj(h0), axis=1)  # (B, 127)
    s_n2 = _sss_all()[n2]  # (B, 336, 127): the SSS of every N_ID^(1) for the detected N_ID^(2)
    z = (np.einsum("bk,bnk->bn", np.ascontiguousarray(q.real), s_n2)
         + 1j * np.einsum("bk,bnk->bn", np.ascontiguousarray(q.imag), s_n2))  # (B, 336)
    # normalised by the energy of the matched-filtered REs: mean 1 per hypothesis when the
    # SSS REs hold anything uncorrelated with it (noise, a misaligned signal)
    m_sss = np.abs(z) ** 2 / np.maximum(np.sum(np.abs(q) ** 2, axis=1), 1e-30)[:, None]
    n1 = m_sss.argmax(axis=1)
    sss_metric = m_sss[ar, n1]
    n_id = 3 * n1 + n2
    # --- channel from PSS + SSS, phase of symbol 2 aligned to symbol 0
    a2 = g[:, :, 2, ks] * sss(n_id)[:, None, :].astype(np.float32)
    u = np.sum(a2 * np.conj(a0), axis=(1, 2))
    rot = np.conj(u) / np.maximum(np.abs(u), 1e-30)
    h_sync = _moving_average(0.5 * (a0 + a2 * rot[:, None, None]), width)  # (B, R, 127)
    h_ext = h_sync[..., np.clip(np.arange(SSB_N_SC) - _K_SYNC, 0, SYNC_LENGTH - 1)]
    # --- ī_SSB from the DM-RS: 8 hypotheses, coherent per symbol, non-coherent across
    nu = n_id % 4
    k_d = np.stack([_ssb_maps(v)[0][1] for v in range(4)])[nu]  # (B, 144)
    y_d = g[ar[:, None, None], np.arange(r_n)[None, :, None], _DMRS_L[None, None, :],
            k_d[:, None, :]]  # (B, R, 144)
    h_d = h_ext[ar[:, None, None], np.arange(r_n)[None, :, None], k_d[:, None, :]]
    q_d = np.sum(y_d * np.conj(h_d), axis=1)  # (B, 144)
    seqs = pbch_dmrs(n_id[:, None], np.arange(8))  # (B, 8, 144)
    dl = np.add.reduceat(q_d[:, None, :] * np.conj(seqs), _DMRS_RUNS, axis=-1)  # (B, 8, 3)
    el = np.add.reduceat(np.abs(q_d) ** 2, _DMRS_RUNS, axis=-1)  # (B, 3), |r(m)| = 1
    m_dmrs = np.sum(np.abs(dl) ** 2 / np.maximum(el, 1e-30)[:, None, :], axis=2)
    i_bar = m_dmrs.argmax(axis=1)
    dmrs_metric = m_dmrs[ar, i_bar]
    # --- residual CFO from the symbol-to-symbol phase of all reference signals
    dsel = dl[ar, i_bar]  # (B, 3)
    z0 = np.sum(a0 * np.conj(h_sync), axis=(1, 2))
    z2 = np.sum(a2 * np.conj(h_sync), axis=(1, 2)) + dsel[:, 1]
    zl = np.stack([z0, dsel[:, 0], z2, dsel[:, 2]], axis=1)
    step = np.angle(np.sum(zl[:, 1:] * np.conj(zl[:, :-1]), axis=1))
    cfo = cfo + step * p.fs / (2 * np.pi * (p.n_fft + p.n_cp))
    g = g * np.exp(-1j * step[:, None] * np.arange(SSB_N_SYMB)).astype(np.complex64)[
        :, None, :, None]
    # --- PBCH: DM-RS LS estimate, MRC equalisation, QPSK LLRs
    ref = seqs[ar, i_bar]  # (B, 144)
    y_d = g[ar[:, None, None], np.arange(r_n)[None, :, None], _DMRS_L[None, None, :],
            k_d[:, None, :]]
    ls = y_d * np.conj(ref)[:, None, :]
    est = _dmrs_estimator(smoothing_sc)[nu]  # (B, 240, 144)
    h = np.einsum("brm,bkm->brk", ls, est)  # (B, R, 240)
    data = [_ssb_maps(v)[1] for v in range(4)]
    l_p = data[0][0]
    k_p = np.stack([d[1] for d in data])[nu]  # (B, 432)
    y_p = g[ar[:, None, None], np.arange(r_n)[None, :, None], l_p[None, None, :],
            k_p[:, None, :]]
    h_p = h[ar[:, None, None], np.arange(r_n)[None, :, None], k_p[:, None, :]]
    num = np.sum(y_p * np.conj(h_p), axis=1)
    den = np.maximum(np.sum(np.abs(h_p) ** 2, axis=1), 1e-12)
    llr = demap_llr(num / den, 2, (noise[:, None] / den).astype(np.float32))
    return {
        "n_id_cell": n_id, "n_id_1": n1, "n_id_2": n2, "timing": tau - p.n_cp,
        "cfo_hz": cfo, "i_ssb_bar": i_bar, "pss_metric": pss_metric,
        "sss_metric": sss_metric.astype(np.float32), "dmrs_metric": dmrs_metric.astype(np.float32),
        "noise_var": noise.astype(np.float32), "llr": llr,
    }


