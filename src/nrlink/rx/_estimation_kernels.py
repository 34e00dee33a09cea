"""Workers of :mod:`nrlink.rx.estimation`: the per-configuration plan and the array steps.

Nothing here validates: :func:`nrlink.rx.estimation.estimate_channel` checks its inputs
and calls these on clean ``complex64`` arrays. The plan of a configuration (where the
DM-RS of each layer lies, its values, the interpolation weights) and the LMMSE filters
are computed once and cached.

Vocabulary. A *CDM block* is the set of REs over which a CDM group's orthogonal cover
codes run: two adjacent DM-RS subcarriers (k' = 0, 1) of one DM-RS symbol, or of both
symbols (l' = 0, 1) of a double-symbol DM-RS (TS 38.211 §6.4.1.1.3 / §7.4.1.1.2). One
*pilot* is the OCC-despread estimate of one layer over one CDM block; it sits at the
centre of the block's subcarriers (and of its two symbols).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from nrlink.config.references import reference_signals
from nrlink.spec.ts38211.dmrs import dmrs_port_params, dmrs_subcarriers

__all__ = [
    "EstimationPlan",
    "GroupPlan",
    "despread",
    "estimation_plan",
    "lmmse_filter",
    "noise_ss",
    "noise_windows",
]

#: Smallest ratio σ_p² / ρ (pilot noise over channel power) used by the LMMSE filter: it
#: keeps the inverse bounded on a noiseless grid (an SNR cap of 60 dB per pilot).
MIN_NOISE_RATIO = 1e-6


@dataclass(frozen=True, slots=True, eq=False)
class GroupPlan:
    """The layers of one CDM group and their pilots.

    Attributes
    ----------
    group : int
        CDM group λ.
    layers : numpy.ndarray of int64, shape (L_g,)
        Layers whose DM-RS port is in this group.
    layer_slice : slice or None
        ``layers`` as a slice when consecutive.
    sc : numpy.ndarray of int64, shape (2 n_p,)
        Grid subcarriers of the group's DM-RS REs, the two of each CDM block adjacent.
    pair_sc : numpy.ndarray of int64, shape (n_p, 2)
        ``sc`` as CDM blocks.
    pos : numpy.ndarray of float64, shape (n_p,)
        Pilot positions: the centre subcarrier of each block.
    a : numpy.ndarray of complex64, shape (L_g, n_sd, 2 n_p)
        DM-RS values a_{k,l} (β_DMRS w_f w_t r) of each layer at (DM-RS symbol, ``sc``).
    inv_a : numpy.ndarray of complex64, shape (L_g, n_sd, 2 n_p)
        1 / a (= conj(a) / |a|²).
    pilot_noise_gain : float
        Variance of a pilot's noise over the RE noise variance N0: (1/B²) Σ 1/|a|².
    i0, i1 : numpy.ndarray of int64, shape (n_t,)
        Pilots around each target subcarrier (linear interpolation).
    w0, w1 : numpy.ndarray of float32, shape (n_t,)
        Weights of ``i0`` and ``i1`` (flat extrapolation: 0 and 1 outside the pilots).
    lin_gain : numpy.ndarray of float32, shape (n_t,)
        Noise gain (1 − w)² + w² of the linear interpolation.
    noise_windows, noise_basis, noise_dof, noise_degree
        The local fits of the noise estimate (:func:`noise_windows`).
    """

    group: int
    layers: np.ndarray
    layer_slice: slice | None
    sc: np.ndarray
    pair_sc: np.ndarray
    pos: np.ndarray
    a: np.ndarray
    inv_a: np.ndarray
    pilot_noise_gain: float
    i0: np.ndarray
    i1: np.ndarray
    w0: np.ndarray
    w1: np.ndarray
    lin_gain: np.ndarray
    noise_windows: np.ndarray
    noise_basis: np.ndarray
    noise_dof: int
    noise_degree: int


@dataclass(frozen=True, slots=True, eq=False)
class EstimationPlan:
    """Everything :func:`estimate_channel` needs about a configuration.

    Attributes
    ----------
    n_symb, n_sc, n_layers : int
        Slot grid and layers.
    dmrs_symbols : numpy.ndarray of int64, shape (n_sd,)
        DM-RS symbols (both of each double-symbol pair).
    length : int
        1 or 2 (double-symbol DM-RS).
    t_pos : numpy.ndarray of float64, shape (n_pos,)
        Time position of each pilot set: the DM-RS symbol, or the centre of a pair.
    symbols : slice
        Allocated symbols.
    targets : numpy.ndarray of int64, shape (n_t,)
        Allocated subcarriers (sorted).
    target_slice : slice or None
        ``targets`` as a slice when contiguous.
    time_weights : dict
        ``"linear"`` / ``"nearest"`` → (n_symb_alloc, n_pos) complex64 weights.
    groups : tuple of GroupPlan
    """

    n_symb: int
    n_sc: int
    n_layers: int
    dmrs_symbols: np.ndarray
    length: int
    t_pos: np.ndarray
    symbols: slice
    targets: np.ndarray
    target_slice: slice | None
    time_weights: dict
    groups: tuple


def estimation_plan(cfg) -> EstimationPlan:
    """The cached :class:`EstimationPlan` of a (hashable, validated) configuration."""
    return _plan(cfg)


def linear_weights(x: np.ndarray, xp: np.ndarray):
    """Indices and weights of linear interpolation of points ``xp`` at ``x``, flat outside.

    Returns ``(i0, i1, w)`` with value(x) = (1 − w) v[i0] + w v[i1] (``np.interp`` rule).
    """
    n = xp.size
    if n == 1:
        z = np.zeros(x.size, dtype=np.int64)
        return z, z, np.zeros(x.size)
    i0 = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, n - 2)
    i1 = i0 + 1
    w = np.clip((x - xp[i0]) / (xp[i1] - xp[i0]), 0.0, 1.0)
    return i0, i1, w


def _time_weights(symbols: np.ndarray, t_pos: np.ndarray) -> dict:
    n_s, n_pos = symbols.size, t_pos.size
    i0, i1, w = linear_weights(symbols.astype(np.float64), t_pos)
    lin = np.zeros((n_s, n_pos))
    np.add.at(lin, (np.arange(n_s), i0), 1.0 - w)
    np.add.at(lin, (np.arange(n_s), i1), w)
    # nearest DM-RS position (the earlier one on a tie)
    near = np.zeros((n_s, n_pos))
    near[np.arange(n_s), np.argmin(np.abs(symbols[:, None] - t_pos[None, :]), axis=1)] = 1.0
    return {"linear": lin.astype(np.complex64), "nearest": near.astype(np.complex64)}


@lru_cache(maxsize=64)
def _plan(cfg) -> EstimationPlan:
    res = cfg.resources
    carrier, dmrs = cfg.carrier, cfg.dmrs
    n_symb, n_sc = carrier.n_symb_slot, carrier.n_sc
    ref = reference_signals(cfg).dmrs
    d_syms = np.asarray(res.dmrs_symbols, dtype=np.int64)
    length = 1 if cfg.transform_precoding else dmrs.length
    t_pos = d_syms.reshape(-1, length).mean(axis=1)
    prbs = np.sort(np.asarray(res.prbs, dtype=np.int64))
    targets = (12 * prbs[:, None] + np.arange(12)[None, :]).ravel()
    contiguous = targets[-1] - targets[0] + 1 == targets.size
    target_slice = slice(int(targets[0]), int(targets[-1]) + 1) if contiguous else None
    symbols = slice(cfg.start_symbol, cfg.start_symbol + cfg.num_symbols)
    time_weights = _time_weights(np.arange(symbols.start, symbols.stop), t_pos)

    config_type = 1 if cfg.transform_precoding else dmrs.config_type
    lam = np.array([dmrs_port_params(config_type, p)[0] for p in res.dmrs_ports])
    groups = []
    for g in np.unique(lam):
        layers = np.flatnonzero(lam == g)
        sc = (12 * prbs[:, None] + dmrs_subcarriers(config_type, int(g))[None, :]).ravel()
        pair_sc = sc.reshape(-1, 2)
        pos = pair_sc.mean(axis=1)
        a = ref[layers][:, d_syms][:, :, sc].astype(np.complex64)
        a2 = (a.real.astype(np.float64) ** 2 + a.imag.astype(np.float64) ** 2)
        inv_a = (np.conj(a) / a2).astype(np.complex64)
        gain = float(np.mean(1.0 / a2)) / (2 * length)  # (1/B²) Σ_block 1/|a|², B = 2 T
        i0, i1, w = linear_weights(targets.astype(np.float64), pos)
        nw, nb, dof, deg = noise_windows(a, sc, length)
        consecutive = bool(np.all(np.diff(layers) == 1))
        groups.append(GroupPlan(
            group=int(g), layers=layers,
            layer_slice=slice(int(layers[0]), int(layers[-1]) + 1) if consecutive else None,
            sc=sc, pair_sc=pair_sc, pos=pos, a=a, inv_a=inv_a,
            pilot_noise_gain=gain, i0=i0, i1=i1, w0=(1 - w).astype(np.float32),
            w1=w.astype(np.float32),
            lin_gain=((1 - w) ** 2 + w**2).astype(np.float32), noise_windows=nw,
            noise_basis=nb, noise_dof=dof, noise_degree=deg,
        ))
    return EstimationPlan(
        n_symb=n_symb, n_sc=n_sc, n_layers=cfg.num_layers, dmrs_symbols=d_syms,
        length=length, t_pos=t_pos, symbols=symbols, targets=targets,
        target_slice=target_slice, time_weights=time_weights, groups=tuple(groups),
    )


# ------------------------------------------------------------------------ LS + OCC


def despread(y: np.ndarray, plan: EstimationPlan, gp: GroupPlan):
    """LS estimates of a group's layers, OCC-despread over each CDM block.

    Parameters
    ----------
    y : ndarray of complex64, shape (batch, n_rx, n_symb, n_sc)

    Returns
    -------
    y_p : ndarray of complex64, shape (batch, n_rx, n_sd, 2 n_p)
        The received DM-RS REs of the group.
    p : ndarray of complex64, shape (batch, n_rx, L_g, n_pos, n_p)
        Pilots: the mean of y / a_layer over each CDM block. y / a applies the layer's
        cover (w_f w_t = ±1) and the mean sums it out: the other ports of the block, with
        orthogonal covers, cancel when the channel is constant over the block.
    """
    y_p = y[:, :, plan.dmrs_symbols[:, None], gp.sc[None, :]]
    z = y_p[:, :, None] * gp.inv_a
    b, r, n_l, n_sd, n_re = z.shape
    p = z.reshape(b, r, n_l, n_sd // plan.length, plan.length, n_re // 2, 2).mean(axis=(4, 6))
    return y_p, p


def noise_ss(y_p: np.ndarray, gp: GroupPlan, length: int) -> np.ndarray:
    """Sum of the squared residuals of the local fits of a group's DM-RS REs.

    Parameters
    ----------
    y_p : ndarray of complex64, shape (batch, n_rx, n_sd, 2 n_p)
        The group's received DM-RS REs (from :func:`despread`).

    Returns
    -------
    ss : ndarray of float64, shape (batch, n_rx)
        Σ |Q^H y_w|² over the windows; its expectation is N0 · ``gp.noise_dof`` when the
        channel of every layer is a polynomial of degree ``gp.noise_degree`` in frequency
        (and constant over the two symbols of a double-symbol DM-RS) within each window.
    """
    b, r, n_sd, n_re = y_p.shape
    n_pos = n_sd // length
    yw = y_p.reshape(b, r, n_pos, length, n_re)[..., gp.noise_windows]  # (b,r,P,T,n_w,W)
    yw = np.moveaxis(yw, 3, 4).reshape(b, r, n_pos, gp.noise_windows.shape[0], -1)
    e = (yw[..., None, :] @ gp.noise_basis)[..., 0, :]
    return np.sum(e.real.astype(np.float64) ** 2 + e.imag.astype(np.float64) ** 2,
                  axis=(2, 3, 4))


def noise_windows(a: np.ndarray, sc: np.ndarray, length: int, max_degree: int = 2):
    """Windows of a group's DM-RS REs and the orthonormal complements of their fits.

    Each window holds W consecutive DM-RS REs of the group in one contiguous run of
    allocated PRBs (of one DM-RS symbol, or both symbols of a double-symbol pair). Its
    received values follow y = X c + n with X the columns a_q(i) k_i^d of every layer q of
    the group, d = 0..D (the channel of each layer a polynomial of degree D in frequency);
    Q spans the orthogonal complement of X, so Q^H y is pure noise, N0 per component. D is
    the largest degree ≤ ``max_degree`` that leaves at least one degree of freedom in a
    window that fits in the shortest run; W is the smallest such window. Windows do not
    overlap.

    Parameters
    ----------
    a : ndarray of complex, shape (L_g, n_sd, n_re)
        DM-RS values of the group's layers.
    sc : ndarray of int64, shape (n_re,)
        Their subcarriers (sorted).
    length : int
        1 or 2.

    Returns
    -------
    windows : ndarray of int64, shape (n_w, W)
        Indices into ``sc``.
    q_basis : ndarray of complex64, shape (n_pos, n_w, length W, n_dof_max)
        conj(Q) of every window (zero-padded columns where a window has fewer degrees of
        freedom); ``y_w @ q_basis`` gives Q^H y_w.
    dof : int
        Degrees of freedom per (batch, rx) (Σ over windows and DM-RS positions).
    degree : int
        D.
    """
    n_l, n_sd, n_re = a.shape
    runs = np.split(np.arange(n_re), np.flatnonzero(np.diff(sc) > 6) + 1)
    shortest = min(len(run) for run in runs)
    for degree in range(max_degree, -1, -1):
        w = -(-(n_l * (degree + 1) + 1) // length)  # ceil
        if w <= shortest:
            break
    else:  # pragma: no cover - a run has at least 4 REs and ≤ 4 layers share a group
        raise RuntimeError("no noise window fits the DM-RS of this configuration")
    windows = np.array([run[i:i + w] for run in runs for i in range(0, len(run) - w + 1, w)],
                       dtype=np.int64)
    n_pos, n_w, m = n_sd // length, windows.shape[0], length * w
    aw = a.reshape(n_l, n_pos, length, n_re)[..., windows].astype(np.complex128)
    k = sc[windows].astype(np.float64)
    k = (k - k.mean(axis=1, keepdims=True)) / 6.0  # centred, scaled: well conditioned
    cols = [aw[q] * k**d for q in range(n_l) for d in range(degree + 1)]  # (P, T, n_w, W)
    x = np.moveaxis(np.stack(cols, axis=-1), 1, 2).reshape(n_pos, n_w, m, len(cols))
    u, s, _ = np.linalg.svd(x, full_matrices=True)
    rank = np.sum(s > 1e-9 * s[..., :1], axis=-1)  # (P, n_w)
    n_dof = m - rank
    q_basis = np.zeros((n_pos, n_w, m, int(n_dof.max())), dtype=np.complex64)
    for j, i in np.ndindex(rank.shape):
        q_basis[j, i, :, : n_dof[j, i]] = np.conj(u[j, i, :, rank[j, i]:])
    return windows, q_basis, int(n_dof.sum()), degree


# ---------------------------------------------------------------------------- LMMSE


def _correlation(df_hz: np.ndarray, delay_spread_s: float, pdp: str) -> np.ndarray:
    """Frequency correlation R(Δf) = E[H(f + Δf) H*(f)] of a unit-power PDP."""
    if pdp == "exponential":  # P(τ) ∝ e^{−τ/τ_rms}, τ ≥ 0
        return 1.0 / (1.0 + 2j * np.pi * df_hz * delay_spread_s)
    t_max = np.sqrt(12.0) * delay_spread_s  # uniform on [0, τ_max]
    return np.exp(-1j * np.pi * df_hz * t_max) * np.sinc(df_hz * t_max)


def lmmse_filter(pair_sc: np.ndarray, targets: np.ndarray, scs_hz: float,
                 delay_spread_s: float, pdp: str):
    """Eigen-decomposed Wiener filter from a group's pilots to the target subcarriers.

    The pilot m observes the mean channel over its block's subcarriers; with the PDP's
    correlation R, R_pp = U Λ U^H and R_tp the target-pilot correlation, the LMMSE
    estimate for a pilot noise-to-power ratio s is
    ĥ = R_tp (R_pp + s I)^{-1} p = A diag(1 / (λ + s)) U^H p with A = R_tp U, so one
    factorisation serves every noise level.

    Returns
    -------
    u_conj : ndarray of complex64, shape (n_p, n_p)
        conj(U): rows p (…, n_p) map to U^H p by ``p @ u_conj``.
    lam : ndarray of float32, shape (n_p,)
    a_t : ndarray of complex64, shape (n_p, n_t)
        A^T.
    a_abs2_t : ndarray of float32, shape (n_p, n_t)
        |A^T|², for the error variance 1 − Σ_i |A_ti|² / (λ_i + s).
    """
    return _lmmse_filter(pair_sc.tobytes(), targets.tobytes(), float(scs_hz),
                         float(delay_spread_s), pdp)


@lru_cache(maxsize=8)  # 273 PRBs: about 37 MB per filter
def _lmmse_filter(pair_bytes: bytes, target_bytes: bytes, scs_hz: float,
                  delay_spread_s: float, pdp: str):
    pair_sc = np.frombuffer(pair_bytes, dtype=np.int64).reshape(-1, 2)
    t = np.frombuffer(target_bytes, dtype=np.int64)
    # R at every integer subcarrier offset, then looked up
    span = int(max(t.max(), pair_sc.max()) - min(t.min(), pair_sc.min()))
    table = _correlation(np.arange(-span, span + 1) * scs_hz, delay_spread_s, pdp)
    # R_pp[m, n], R_tp[t, m]: means over the two subcarriers of each block
    r_pp = table[pair_sc[:, None, :, None] - pair_sc[None, :, None, :] + span].mean(axis=(2, 3))
    r_pp = 0.5 * (r_pp + r_pp.conj().T)
    r_tp = table[t[:, None, None] - pair_sc[None] + span].mean(axis=2)
    lam, u = np.linalg.eigh(r_pp)
    lam = np.clip(lam, 0.0, None)
    a = r_tp.astype(np.complex64) @ u.astype(np.complex64)  # the big product in single
    out = (np.ascontiguousarray(u.conj()).astype(np.complex64), lam.astype(np.float32),
           np.ascontiguousarray(a.T).astype(np.complex64),
           np.ascontiguousarray((np.abs(a) ** 2).T).astype(np.float32))
    for arr in out:
        arr.setflags(write=False)
    return out
