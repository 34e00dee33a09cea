"""PT-RS common phase error estimation and correction (TS 38.211 §7.4.1.2 / §6.4.1.2)."""

import numpy as np
import pytest

from nrlink.channel import awgn
from nrlink.config import CarrierConfig, DmrsConfig, PdschConfig, PtrsConfig, PuschConfig
from nrlink.config.references import reference_signals
from nrlink.errors import ConfigError
from nrlink.link.pdsch import PdschTransmitter
from nrlink.link.pusch import PuschTransmitter
from nrlink.rx.estimation import estimate_channel
from nrlink.rx.phase import derotate, estimate_common_phase

RNG = np.random.default_rng(8)


def _crandn(rng, *shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)


def _pdsch(l_ptrs, additional_position, num_layers=2):
    return PdschConfig(carrier=CarrierConfig(n_size_grid=6), num_layers=num_layers,
                       ptrs=PtrsConfig(time_density=l_ptrs, frequency_density=2),
                       dmrs=DmrsConfig(additional_position=additional_position))


def _received(cfg, batch, n_rx, rng):
    """y = H W x through a random flat channel, and the effective channel H W."""
    if isinstance(cfg, PuschConfig):
        tx = PuschTransmitter(cfg)
        x = tx.grid(rng.integers(0, 2, (batch, tx.tbs), dtype=np.uint8))
        w = cfg.precoding_matrix
    else:
        w = _crandn(rng, cfg.num_layers + 1, cfg.num_layers).astype(np.complex64)
        tx = PdschTransmitter(cfg, precoder=w)
        x = tx.grid(rng.integers(0, 2, (batch, tx.tbs[0]), dtype=np.uint8))
    h_phys = _crandn(rng, batch, n_rx, x.shape[1])
    y = np.einsum("brt,btsk->brsk", h_phys, x).astype(np.complex64)
    return y, h_phys @ w


def _rotate(y, theta):
    return (y * np.exp(1j * theta)[:, None, :, None]).astype(np.complex64)


def _twin_ptrs_phase(y, h, cfg):
    """Per PT-RS symbol: arg Σ_rx Σ_k y conj(h a), by loops over the PT-RS REs."""
    res = cfg.resources
    ref = reference_signals(cfg).ptrs[res.ptrs_layer]
    out = {}
    for l in res.ptrs_symbols:
        c = np.zeros(y.shape[0], dtype=np.complex128)
        for k in np.flatnonzero(res.ptrs_mask[l]):
            for r in range(y.shape[1]):
                c += y[:, r, l, k] * np.conj(h[:, r, res.ptrs_layer, l, k] * ref[l, k])
        out[l] = np.angle(c)
    return out


def _wrap(a):
    return np.angle(np.exp(1j * a))


@pytest.mark.parametrize("cfg", [
    _pdsch(1, 0),
    PuschConfig(carrier=CarrierConfig(n_size_grid=5), ptrs=PtrsConfig(
        time_density=1, frequency_density=4), dmrs=DmrsConfig(additional_position=0)),
], ids=["pdsch-2-layers-precoded", "pusch"])
def test_injected_phase_noise_is_removed_exactly(cfg):
    """Noiseless, one DM-RS symbol l_d, PT-RS on every other symbol, random phases θ_l:
    θ̂_l = θ_l − θ_{l_d} (mod 2π), and the de-rotated grid is the clean grid rotated by
    θ_{l_d}, the phase the channel estimate carries."""
    res = cfg.resources
    (l_d,) = res.dmrs_symbols
    assert set(res.ptrs_symbols) | {l_d} == set(range(14))
    y0, _ = _received(cfg, 3, 2, RNG)
    theta = RNG.uniform(-np.pi, np.pi, (3, 14))
    y = _rotate(y0, theta)
    est = estimate_channel(y, cfg)
    phase = estimate_common_phase(y, est, cfg)
    assert phase.shape == (3, 14) and phase.dtype == np.float32
    np.testing.assert_allclose(_wrap(phase - (theta - theta[:, l_d:l_d + 1])), 0, atol=1e-5)
    np.testing.assert_allclose(derotate(y, phase), _rotate(y0, np.repeat(
        theta[:, l_d:l_d + 1], 14, axis=1)), atol=1e-4)


def test_per_symbol_statistic_matches_the_twin_and_interpolation():
    """L_PT-RS = 4, two DM-RS symbols, a phase drift and noise: the PT-RS symbols carry the
    twin's arg Σ y conj(ĥ a); the others the linear interpolation between the anchors
    (PT-RS symbols, DM-RS symbols at 0), flat beyond; with dmrs_anchor=False between
    PT-RS symbols only."""
    cfg = _pdsch(4, 1)
    res = cfg.resources
    y0, _ = _received(cfg, 2, 2, RNG)
    y = awgn(_rotate(y0, 0.07 * np.arange(14)[None] + 0.3), 0.01, rng=RNG)
    est = estimate_channel(y, cfg)
    twin = _twin_ptrs_phase(y, est.h, cfg)
    for anchor, extra in ((True, res.dmrs_symbols), (False, ())):
        phase = estimate_common_phase(y, est.h, cfg, dmrs_anchor=anchor)
        t = np.array(sorted(set(res.ptrs_symbols) | set(extra)))
        vals = np.stack([twin[l] if l in twin else np.zeros(2) for l in t], axis=1)
        want = np.stack([np.interp(np.arange(14), t, np.unwrap(v)) for v in vals])
        np.testing.assert_allclose(phase, want, atol=1e-5)


def test_no_phase_noise_gives_small_phase_at_high_snr():
    cfg = _pdsch(2, 1, num_layers=1)
    y0, _ = _received(cfg, 4, 2, RNG)
    y = awgn(y0, 1e-3, rng=RNG)
    phase = estimate_common_phase(y, estimate_channel(y, cfg), cfg)
    assert np.max(np.abs(phase)) < 0.03


def test_phase_is_zero_outside_the_allocation():
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=4), mapping_type="B", start_symbol=3,
                      num_symbols=7, ptrs=PtrsConfig(time_density=1, frequency_density=2))
    y0, _ = _received(cfg, 1, 1, RNG)
    y = _rotate(y0, np.full((1, 14), 0.4))
    phase = estimate_common_phase(y, estimate_channel(y, cfg), cfg)
    assert np.all(phase[:, :3] == 0) and np.all(phase[:, 10:] == 0)
    np.testing.assert_allclose(phase[:, 3:10], 0, atol=1e-5)


# ---------------------------------------------------------------------------- raises

_CFG = _pdsch(1, 0, num_layers=1)
_Y = np.zeros((1, 1, 14, 72), np.complex64)
_H = np.zeros((1, 1, 1, 14, 72), np.complex64)


def test_configuration_without_ptrs_raises():
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=6))
    with pytest.raises(ConfigError, match="ptrs"):
        estimate_common_phase(_Y, _H, cfg)


@pytest.mark.parametrize("args, kwargs, match", [
    ((_Y, _H, CarrierConfig()), {}, "cfg"),
    ((_Y[0], _H, _CFG), {}, "y of dtype"),
    ((np.zeros((1, 1, 14, 60)), _H, _CFG), {}, "y.shape"),
    ((_Y, _H[..., :60], _CFG), {}, "h.shape"),
    ((_Y, np.zeros((2, 1, 1, 14, 72)), _CFG), {}, "h.shape"),
    ((_Y, _H.astype(bool), _CFG), {}, "h of dtype"),
    ((_Y, _H, _CFG), {"dmrs_anchor": 1}, "dmrs_anchor"),
])
def test_estimate_bad_arguments_raise(args, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        estimate_common_phase(*args, **kwargs)


@pytest.mark.parametrize("y, phase, match", [
    (_Y, np.zeros((1, 13)), "phase"),
    (_Y, np.zeros((1, 14), complex), "phase"),
    (_Y, np.full((1, 14), np.nan), "finite"),
    (_Y[0], np.zeros((1, 14)), "y of dtype"),
])
def test_derotate_bad_arguments_raise(y, phase, match):
    with pytest.raises(ConfigError, match=match):
        derotate(y, phase)
