"""PT-RS based common phase error (CPE) estimation and correction.

The PT-RS of TS 38.211 §7.4.1.2 (PDSCH) and §6.4.1.2 (PUSCH without transform
precoding) sits on the layer of its associated DM-RS port, one subcarrier every K_PT-RS
PRBs, in every L_PT-RS-th symbol (not on DM-RS symbols), and is precoded like that layer:
at a PT-RS RE, y = h_eff · a_PT-RS + n with h_eff the effective channel of the PT-RS layer
(what :func:`~nrlink.rx.estimation.estimate_channel` returns). A common phase error θ_l
(oscillator phase noise, residual frequency offset) rotates every RE of symbol l alike,
relative to the channel at the DM-RS symbols that the estimate was taken from.

The estimator is implementation-specific: per PT-RS symbol,
θ̂_l = arg Σ_rx Σ_k y_{k,l} conj(ĥ_{k,l} a_{k,l}) (the maximum-likelihood CPE for a known
channel, combining antennas and subcarriers by their SNR), unwrapped along time and
interpolated linearly to the other allocated symbols, with the DM-RS symbols as anchors of
phase 0 by default (the channel estimate there already contains their phase).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from nrlink.config.pdsch import PdschConfig
from nrlink.config.pusch import PuschConfig
from nrlink.config.references import reference_signals
from nrlink.errors import ConfigError
from nrlink.rx._estimation_kernels import linear_weights
from nrlink.rx.estimation import ChannelEstimate
from nrlink.spec._checks import check_bool

__all__ = ["derotate", "estimate_common_phase"]

_CLAUSE = "TS 38.211 §7.4.1.2 / §6.4.1.2"


@dataclass(frozen=True, slots=True, eq=False)
class _PtrsPlan:
    """The PT-RS REs of a configuration and the interpolation weights."""

    layer: int
    sym: np.ndarray  # (n_re,) symbol of each PT-RS RE
    sc: np.ndarray  # (n_re,) subcarrier
    ref_conj: np.ndarray  # (n_re,) conj(a_PT-RS), complex64
    member: np.ndarray  # (n_re, n_ptrs_symb) one-hot: RE → its PT-RS symbol, complex64
    ptrs_symbols: np.ndarray  # (n_ptrs_symb,)
    anchors: dict  # dmrs_anchor → (order (n_anchor,), is_ptrs mask, weights (n_s, n_anchor))
    symbols: slice


@lru_cache(maxsize=64)
def _ptrs_plan(cfg) -> _PtrsPlan:
    res = cfg.resources
    layer = res.ptrs_layer
    mask = res.ptrs_mask
    sym, sc = np.nonzero(mask)
    ref = reference_signals(cfg).ptrs[layer]
    p_syms = np.unique(sym)
    member = (sym[:, None] == p_syms[None, :]).astype(np.complex64)
    symbols = slice(cfg.start_symbol, cfg.start_symbol + cfg.num_symbols)
    alloc = np.arange(symbols.start, symbols.stop, dtype=np.float64)
    anchors = {}
    for use_dmrs in (False, True):
        extra = np.asarray(res.dmrs_symbols if use_dmrs else (), dtype=np.int64)
        times = np.concatenate([p_syms, extra])
        order = np.argsort(times, kind="stable")
        i0, i1, w = linear_weights(alloc, times[order].astype(np.float64))
        m = np.zeros((alloc.size, times.size))
        np.add.at(m, (np.arange(alloc.size), i0), 1.0 - w)
        np.add.at(m, (np.arange(alloc.size), i1), w)
        anchors[use_dmrs] = (order, m.T.astype(np.float32))  # (n_anchor, n_s)
    return _PtrsPlan(layer=layer, sym=sym, sc=sc, ref_conj=np.conj(ref[sym, sc]),
                     member=member, ptrs_symbols=p_syms, anchors=anchors, symbols=symbols)


def _check_complex(name: str, a, ndim: int, axes: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number) or arr.ndim != ndim:
        raise ConfigError(f"{name} of dtype {arr.dtype} and shape {arr.shape} is not allowed: "
                          f"{name} must be a numeric array of shape {axes} ({_CLAUSE})")
    return arr.astype(np.complex64, copy=False)


def estimate_common_phase(y, h, cfg, *, dmrs_anchor: bool = True) -> np.ndarray:
    """Common phase error of every OFDM symbol, from the PT-RS against the channel estimate.

    Implements a receiver for the PT-RS of TS 38.211 §7.4.1.2.2 / §6.4.1.2.2.1 (the
    estimator is implementation-specific; see the module notes).

    Parameters
    ----------
    y : array_like of complex, shape (batch, n_rx, n_symb_slot, n_sc)
        Received resource grid.
    h : ChannelEstimate or array_like of complex, shape (batch, n_rx, n_layers, n_symb_slot, n_sc)
        Estimated effective channel per layer (``ChannelEstimate.h``).
    cfg : PuschConfig or PdschConfig
        A configuration with PT-RS.
    dmrs_anchor : bool, default True
        Take the DM-RS symbols as anchors of phase 0 when interpolating between PT-RS
        symbols (the channel estimate there contains their phase); False: interpolate
        between PT-RS symbols only.

    Returns
    -------
    phase : ndarray of float32, shape (batch, n_symb_slot)
        θ̂_l in radians on the allocated symbols (unwrapped along time, so it may leave
        (−π, π]), zero elsewhere. y_l e^{−jθ̂_l} (:func:`derotate`) matches ĥ_l x_l.

    Raises
    ------
    ConfigError
        For a ``cfg`` that is not a PUSCH/PDSCH configuration or has no PT-RS in this slot,
        or ``y`` / ``h`` of the wrong type or shape.

    Examples
    --------
    >>> from nrlink.config import CarrierConfig, DmrsConfig, PdschConfig, PtrsConfig
    >>> from nrlink.rx.estimation import estimate_channel
    >>> cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=4), ptrs=PtrsConfig(
    ...     time_density=1, frequency_density=2), dmrs=DmrsConfig(additional_position=0))
    >>> from nrlink.config.references import reference_signals
    >>> x = reference_signals(cfg).total[None]
    >>> y = x * np.exp(0.1j * np.arange(14))[:, None]  # phase drift of 0.1 rad per symbol
    >>> theta = estimate_common_phase(y, estimate_channel(y, cfg), cfg)
    >>> [round(float(t), 3) for t in theta[0, :5]]
    [-0.2, -0.1, 0.0, 0.1, 0.2]
    """
    if not isinstance(cfg, PuschConfig | PdschConfig):
        raise ConfigError(f"cfg of type {type(cfg).__name__} is not allowed: cfg must be a "
                          f"PuschConfig or a PdschConfig ({_CLAUSE})")
    if not cfg.resources.ptrs_symbols:
        raise ConfigError(f"cfg.ptrs={cfg.ptrs!r} is not allowed: the configuration carries no "
                          f"PT-RS in this slot (TS 38.214 §5.1.6.3 / §6.2.3.1)")
    dmrs_anchor = check_bool("dmrs_anchor", dmrs_anchor, _CLAUSE)
    n_symb, n_sc = cfg.carrier.n_symb_slot, cfg.carrier.n_sc
    y = _check_complex("y", y, 4, f"(batch, n_rx, {n_symb}, {n_sc})")
    if isinstance(h, ChannelEstimate):
        h = h.h
    h = _check_complex("h", h, 5, f"(batch, n_rx, {cfg.num_layers}, {n_symb}, {n_sc})")
    if y.shape[2:] != (n_symb, n_sc) or 0 in y.shape:
        raise ConfigError(f"y.shape={y.shape} is not allowed: y must have shape (batch, n_rx, "
                          f"{n_symb}, {n_sc}) for this configuration ({_CLAUSE})")
    if h.shape != y.shape[:2] + (cfg.num_layers, n_symb, n_sc):
        raise ConfigError(f"h.shape={h.shape} is not allowed with y.shape={y.shape}: h must "
                          f"have shape {y.shape[:2] + (cfg.num_layers, n_symb, n_sc)} "
                          f"(batch, n_rx, n_layers, n_symb, n_sc) ({_CLAUSE})")
    plan = _ptrs_plan(cfg)
    # Σ_rx y conj(h a) per RE, then per PT-RS symbol
    c = np.sum(y[:, :, plan.sym, plan.sc] * np.conj(h[:, :, plan.layer, plan.sym, plan.sc]),
               axis=1) * plan.ref_conj  # (b, n_re)
    theta = np.angle(c @ plan.member)  # (b, n_ptrs_symb)
    order, weights = plan.anchors[dmrs_anchor]
    n_extra = order.size - theta.shape[1]
    anchors = np.concatenate([theta, np.zeros((theta.shape[0], n_extra))], axis=1)[:, order]
    anchors = np.unwrap(anchors, axis=1)
    out = np.zeros((y.shape[0], n_symb), dtype=np.float32)
    out[:, plan.symbols] = anchors.astype(np.float32) @ weights
    return out


def derotate(y, phase) -> np.ndarray:
    """Remove a per-symbol common phase: y_l e^{−jθ_l} on every subcarrier and antenna.

    Implements the CPE correction that follows :func:`estimate_common_phase`
    (TS 38.211 §7.4.1.2 / §6.4.1.2 PT-RS; implementation-specific).

    Parameters
    ----------
    y : array_like of complex, shape (batch, n_rx, n_symb, n_sc)
        Received grid.
    phase : array_like of float, shape (batch, n_symb)
        θ_l in radians.

    Returns
    -------
    ndarray of complex64, shape (batch, n_rx, n_symb, n_sc)

    Raises
    ------
    ConfigError
        For arrays of the wrong type or shape, or a non-finite phase.

    Examples
    --------
    >>> y = np.ones((1, 1, 2, 3), np.complex64) * 1j
    >>> derotate(y, np.array([[np.pi / 2, 0.0]]))[0, 0, :, 0].round(6).tolist()
    [(1+0j), 1j]
    """
    y = _check_complex("y", y, 4, "(batch, n_rx, n_symb, n_sc)")
    ph = np.asarray(phase)
    if ph.dtype == np.bool_ or ph.dtype.kind not in "iuf" or ph.shape != (y.shape[0],
                                                                          y.shape[2]):
        raise ConfigError(f"phase of dtype {ph.dtype} and shape {ph.shape} is not allowed: "
                          f"phase must be real of shape (batch, n_symb) = ({y.shape[0]}, "
                          f"{y.shape[2]}) ({_CLAUSE})")
    if not np.all(np.isfinite(ph)):
        raise ConfigError(f"phase is not allowed: it must be finite (radians) ({_CLAUSE})")
    rot = np.exp(-1j * ph.astype(np.float64)).astype(np.complex64)
    return y * rot[:, None, :, None]
