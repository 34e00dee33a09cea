"""The PDSCH/PUSCH receive chain up to the descrambled codeword LLRs.

From the received resource grid: DM-RS channel estimation (or perfect CSI), optional PT-RS
phase tracking, MIMO detection with per-RE post-equalisation noise variance, transform
de-precoding (PUSCH DFT-s-OFDM), layer de-mapping, soft demapping and descrambling. The
receiver algorithms are implementation choices; the signal structure they undo is TS 38.211
§6.3.1 / §7.3.1 (and §6.4.1 / §7.4.1 for the reference signals).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np

from nrlink._profile import lap
from nrlink.config._base import FromDictMixin
from nrlink.config.pusch import PuschConfig
from nrlink.errors import ConfigError
from nrlink.rx.demapping import demap_llr
from nrlink.rx.detection import lmmse_detect, ml_detect_llr, zf_detect
from nrlink.rx.estimation import estimate_channel
from nrlink.rx.phase import derotate, estimate_common_phase
from nrlink.spec.ts38211.layer_mapping import layer_demap
from nrlink.spec.ts38211.precoding import transform_deprecode
from nrlink.spec.ts38211.scrambling import descramble_llr

__all__ = ["ReceiverConfig", "ReceiverOutput", "receive_llr"]

_ESTIMATORS = ("ls-linear", "lmmse", "perfect")
_DETECTORS = ("lmmse", "zf", "ml")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiverConfig(FromDictMixin):
    """Receiver algorithm choices (implementation-specific, not 3GPP).

    Parameters
    ----------
    channel_estimation : {"ls-linear", "lmmse", "perfect"}, default "ls-linear"
        DM-RS least squares with OCC separation and linear interpolation; the same with
        an LMMSE (Wiener) frequency filter; or perfect CSI (the true channel and noise
        variance are given to the receiver).
    delay_spread_s : float or None, default None
        RMS delay spread assumed by the LMMSE estimator (None: its default).
    detector : {"lmmse", "zf", "ml"}, default "lmmse"
        Linear MMSE or zero-forcing equalisation with per-RE post-equalisation noise
        variance, or max-log ML (≤ 2 layers, ≤ 16QAM).
    demapper : {"maxlog", "logmap"}, default "maxlog"
    phase_tracking : bool, default True
        Correct the common phase error of each OFDM symbol from the PT-RS, when present.
    timing : {"estimate", "ideal"}, default "estimate"
        Time-domain links only: place the FFT window from a DM-RS cross-correlation timing
        estimate (:mod:`nrlink.rx.timing`) or from the known propagation delay.
    """

    channel_estimation: Literal["ls-linear", "lmmse", "perfect"] = "ls-linear"
    delay_spread_s: float | None = None
    detector: Literal["lmmse", "zf", "ml"] = "lmmse"
    demapper: Literal["maxlog", "logmap"] = "maxlog"
    phase_tracking: bool = True
    timing: Literal["estimate", "ideal"] = "estimate"

    def __post_init__(self) -> None:
        if self.channel_estimation not in _ESTIMATORS:
            raise ConfigError(
                f"channel_estimation={self.channel_estimation!r} is not allowed: it must be one "
                f"of {', '.join(_ESTIMATORS)}"
            )
        if self.detector not in _DETECTORS:
            raise ConfigError(
                f"detector={self.detector!r} is not allowed: it must be one of "
                f"{', '.join(_DETECTORS)}"
            )
        if not isinstance(self.phase_tracking, bool):
            raise ConfigError(f"phase_tracking={self.phase_tracking!r} is not allowed: it must "
                              "be True or False")
        if self.timing not in ("estimate", "ideal"):
            raise ConfigError(
                f"timing={self.timing!r} is not allowed: it must be 'estimate' or 'ideal'"
            )
        if self.demapper not in ("maxlog", "logmap"):
            raise ConfigError(
                f"demapper={self.demapper!r} is not allowed: it must be 'maxlog' or 'logmap'"
            )
        if self.delay_spread_s is not None and not (
            isinstance(self.delay_spread_s, int | float | np.integer | np.floating)
            and not isinstance(self.delay_spread_s, bool) and 0 < self.delay_spread_s < 1e-4
        ):
            raise ConfigError(
                f"delay_spread_s={self.delay_spread_s!r} is not allowed: it must be a delay "
                "spread in (0, 1e-4) s or None"
            )


@dataclass(frozen=True, slots=True)
class ReceiverOutput:
    """What :func:`receive_llr` returns.

    Attributes
    ----------
    llr : tuple of numpy.ndarray of float32, each (batch, G_q)
        Descrambled LLRs of each codeword (positive = bit 0).
    sinr_db : numpy.ndarray of float32, shape (batch,)
        Mean post-equalisation SINR over the data REs and layers (dB).
    noise_var : numpy.ndarray of float32, shape (batch,)
        The noise variance per RE used by the detector (estimated or given).
    """

    llr: tuple[np.ndarray, ...]
    sinr_db: np.ndarray
    noise_var: np.ndarray


def _check_grid(y, cfg) -> np.ndarray:
    y = np.asarray(y)
    c = cfg.carrier
    if y.ndim != 4 or y.shape[2:] != (c.n_symb_slot, c.n_sc):
        raise ConfigError(
            f"y.shape={y.shape} is not allowed: the received grid must be (batch, n_rx, "
            f"{c.n_symb_slot}, {c.n_sc}) for this carrier"
        )
    return y.astype(np.complex64, copy=False)


def check_ml_detector(cfg) -> None:
    """Refuse configurations the max-log ML detector does not handle.

    :func:`~nrlink.rx.detection.ml_detect_llr` searches ≤ 2 layers of ≤ 16QAM, per RE of
    the OFDM grid, so it cannot undo DFT-s-OFDM (transform precoding spreads every symbol
    over the whole allocation).
    """
    qm, layers = cfg.resources.mcs.qm, cfg.num_layers
    if layers > 2 or qm > 4:
        raise ConfigError(
            f"detector='ml' is not allowed with num_layers={layers} and Q_m={qm}: max-log ML "
            "searches at most 2 layers of at most 16QAM; use 'lmmse' or 'zf'"
        )
    if getattr(cfg, "transform_precoding", False):
        raise ConfigError(
            "detector='ml' is not allowed with transform_precoding=True: the DFT spreading "
            "(TS 38.211 §6.3.1.4) needs a linear detector ('lmmse' or 'zf')"
        )


def receive_llr(y, cfg, receiver: ReceiverConfig | None = None, *, h=None,
                noise_var=None, precoder=None, timings: dict | None = None) -> ReceiverOutput:
    """Received grid → descrambled codeword LLRs of a PDSCH / PUSCH slot.

    Implements the receiver side of TS 38.211 §6.3.1 (PUSCH) / §7.3.1 (PDSCH): the inverse
    of mapping to resources, precoding, transform precoding, layer mapping, modulation and
    scrambling, with the channel estimated from the DM-RS (§6.4.1.1 / §7.4.1.1).

    Parameters
    ----------
    y : array_like of complex, shape (batch, n_rx, N_symb^slot, n_sc)
        Received resource grid of the carrier.
    cfg : PuschConfig or PdschConfig
    receiver : ReceiverConfig, optional
    h : array_like of complex, shape (batch, n_rx, n_ports, N_symb^slot, n_sc), optional
        The true per-RE channel (perfect CSI); required for ``channel_estimation=
        "perfect"``.
    noise_var : float or array_like, shape (batch,), optional
        The true noise variance per RE (perfect CSI); estimated from the DM-RS otherwise.
    precoder : array_like, shape (n_ports, n_layers), optional
        W for perfect CSI (PUSCH: the configuration's; PDSCH: what the transmitter used).
    timings : dict, optional
        Profiling: seconds spent are added under "estimation" (with phase tracking),
        "detection" and "demapping" (with transform de-precoding, layer de-mapping and
        descrambling).

    Returns
    -------
    ReceiverOutput
    """
    t0 = time.perf_counter()
    rc = receiver or ReceiverConfig()
    y = _check_grid(y, cfg)
    res = cfg.resources
    n_layers = cfg.num_layers
    b, n_rx = y.shape[:2]
    if rc.detector == "ml":
        check_ml_detector(cfg)
    if rc.detector != "ml" and n_layers > n_rx:
        raise ConfigError(
            f"num_layers={n_layers} is not allowed with {n_rx} receive antennas and "
            f"detector={rc.detector!r}: a linear detector needs at least as many receive "
            "antennas as layers"
        )
    if rc.channel_estimation == "perfect":
        if h is None or noise_var is None:
            raise ConfigError(
                "channel_estimation='perfect' needs the true channel h and noise_var"
            )
        if precoder is None:
            precoder = (cfg.precoding_matrix if isinstance(cfg, PuschConfig)
                        else np.eye(n_layers, dtype=np.complex64))
        h_eff = np.einsum("brtsk,tl->brlsk", np.asarray(h, dtype=np.complex64),
                          np.asarray(precoder, dtype=np.complex64), optimize=True)
        nv = np.broadcast_to(np.asarray(noise_var, dtype=np.float32), (b,)).copy()
    else:
        est = estimate_channel(y, cfg, method=rc.channel_estimation,
                               delay_spread_s=rc.delay_spread_s, noise_var=noise_var)
        h_eff = est.h
        if rc.phase_tracking and res.ptrs_symbols:
            # PT-RS common phase error of each symbol relative to the DM-RS symbols.
            y = derotate(y, estimate_common_phase(y, est, cfg))
        nv = np.asarray(est.noise_var, dtype=np.float32)
        nv = nv.mean(axis=-1) if nv.ndim == 2 else np.broadcast_to(nv, (b,)).copy()
    nv = np.maximum(nv, np.float32(1e-12))
    t0 = lap(timings, "estimation", t0)

    mask = res.data_mask
    y_d = np.ascontiguousarray(np.moveaxis(y[..., mask], 1, -1))  # (b, n_re, rx)
    h_d = np.ascontiguousarray(np.moveaxis(h_eff[..., mask], -1, 1))  # (b, n_re, rx, L)
    qm = res.mcs.qm
    pi2 = bool(getattr(cfg, "pi2_bpsk", False))
    n_cw = len(res.codeword_layers)
    if rc.detector == "ml":
        # (b, n_re, L·qm), layer-major per RE: codeword q's symbol υ_q·i + ν is layer ν of
        # that codeword at RE i (TS 38.211 Table 7.3.1.3-1), so each codeword's LLRs are its
        # layers' slice in RE order.
        llr_re = ml_detect_llr(y_d, h_d, nv[:, None], qm).reshape(b, -1, n_layers, qm)
        sinr = np.full(b, np.nan, dtype=np.float32)
        bounds = np.cumsum((0, *res.codeword_layers))
        llrs = tuple(np.ascontiguousarray(llr_re[:, :, lo:hi, :]).reshape(b, -1)
                     for lo, hi in zip(bounds[:-1], bounds[1:], strict=True))
        t0 = lap(timings, "detection", t0)
    else:
        detect = lmmse_detect if rc.detector == "lmmse" else zf_detect
        x_hat, nv_eff = detect(y_d, h_d, nv[:, None])  # (b, n_re, L) each
        x = np.moveaxis(x_hat, -1, 1)  # (b, L, n_re)
        v = np.moveaxis(nv_eff, -1, 1).astype(np.float32)
        with np.errstate(divide="ignore"):  # an all-zero grid has SINR -inf, not a warning
            sinr = (10 * np.log10(np.mean(1.0 / np.maximum(v, 1e-12), axis=(1, 2)))).astype(
                np.float32)
        t0 = lap(timings, "detection", t0)
        if cfg.transform_precoding:
            m_sc = 12 * len(res.prbs)
            x = transform_deprecode(x, m_sc)
            # after the IDFT every symbol of an OFDM symbol has the mean noise variance
            v = np.repeat(v.reshape(b, n_layers, -1, m_sc).mean(axis=-1), m_sc, axis=-1)
        d = layer_demap(x, n_cw)
        dv = layer_demap(v, n_cw)
        d, dv = ((d,), (dv,)) if n_cw == 1 else (d, dv)
        llrs = tuple(demap_llr(dq, qm, vq, method=rc.demapper, pi2_bpsk=pi2)
                     for dq, vq in zip(d, dv, strict=True))
    c_inits = ([cfg.c_init] if isinstance(cfg, PuschConfig)
               else [cfg.c_init(q) for q in range(n_cw)])
    out = tuple(descramble_llr(llr, c) for llr, c in zip(llrs, c_inits, strict=True))
    lap(timings, "demapping", t0)
    return ReceiverOutput(llr=out, sinr_db=sinr, noise_var=nv)
