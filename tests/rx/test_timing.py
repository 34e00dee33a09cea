"""DM-RS timing estimation (rx/timing.py) against a direct correlation, and in links."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.config import CarrierConfig, DmrsConfig, PdschConfig, PuschConfig
from nrlink.config.references import reference_signals
from nrlink.errors import ConfigError
from nrlink.rx.timing import TimingEstimator, estimate_timing_offset, timing_reference
from nrlink.spec.ts38211.ofdm import ofdm_demodulate


def slow_metric(y, ref, max_offset):
    """Σ_r Σ_p |Σ_{n in run} y[r, n + d] conj(ref[p, n])|², run by run, by direct sums."""
    nz = np.any(ref != 0, axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], nz.astype(int), [0]))))
    runs = list(zip(edges[::2], edges[1::2], strict=True))
    out = np.zeros((y.shape[0], max_offset + 1))
    for b in range(y.shape[0]):
        for d in range(max_offset + 1):
            for a, e in runs:
                for r in range(y.shape[1]):
                    for p in range(ref.shape[0]):
                        c = sum(y[b, r, n + d] * np.conj(ref[p, n]) for n in range(a, e))
                        out[b, d] += abs(c) ** 2
    return out


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), max_offset=st.integers(0, 9),
       ports=st.integers(1, 2), rx=st.integers(1, 2))
def test_metric_equals_the_direct_correlation(seed, max_offset, ports, rx):
    rng = np.random.default_rng(seed)
    ref = np.zeros((ports, 40), np.complex64)
    ref[:, 3:11] = rng.standard_normal((ports, 8)) + 1j * rng.standard_normal((ports, 8))
    ref[:, 20:26] = rng.standard_normal((ports, 6)) + 1j * rng.standard_normal((ports, 6))
    y = (rng.standard_normal((2, rx, 26 + max_offset))
         + 1j * rng.standard_normal((2, rx, 26 + max_offset))).astype(np.complex64)
    got = TimingEstimator(ref, max_offset=max_offset).metric(y)
    np.testing.assert_allclose(got, slow_metric(y, ref, max_offset), rtol=1e-4, atol=1e-3)


def _pusch(**kw):
    return PuschConfig(carrier=CarrierConfig(n_size_grid=24), mcs_index=10, **kw)


@pytest.mark.parametrize("cfg", [
    _pusch(),
    _pusch(dmrs=DmrsConfig(additional_position=2)),
    PdschConfig(carrier=CarrierConfig(n_size_grid=24), num_layers=2,
                dmrs=DmrsConfig(config_type=2, length=2)),
])
def test_finds_an_integer_delay_through_a_random_flat_mimo_channel(cfg):
    """Each receive antenna sees a random mix of the ports' DM-RS (plus data-like noise),
    delayed by d samples: the estimate is d, for every link of the batch."""
    rng = np.random.default_rng(1)
    ref = timing_reference(cfg, fft_size=512)
    n_ports, n = ref.shape
    delays = np.array([0, 5, 77, 250])
    b, rx = delays.size, 2
    h = (rng.standard_normal((b, rx, n_ports)) + 1j * rng.standard_normal((b, rx, n_ports)))
    y = np.zeros((b, rx, n + 300), np.complex64)
    for i, d in enumerate(delays):
        y[i, :, d:d + n] = h[i] @ ref
    snr_db = 0.0  # per sample, over the whole slot (the DM-RS carries ≈ 1/14 of it)
    sigma = np.sqrt(np.mean(np.abs(y) ** 2) * 10 ** (-snr_db / 10) / 2)
    y += (sigma * (rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape))).astype(
        np.complex64)
    np.testing.assert_array_equal(estimate_timing_offset(y, ref, max_offset=300), delays)


def test_reference_is_the_precoded_dmrs():
    """Demodulated, the reference holds W·DM-RS on the DM-RS REs and nothing elsewhere."""
    cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=12), num_layers=2, num_antenna_ports=4,
                      precoding="codebook", tpmi=3)
    ref = timing_reference(cfg, fft_size=256)
    c = cfg.carrier
    grid = ofdm_demodulate(ref, mu=c.mu, fft_size=256, n_sc=c.n_sc)
    want = np.einsum("pl,lsk->psk", cfg.precoding_matrix, reference_signals(cfg).dmrs)
    np.testing.assert_allclose(grid, want, atol=1e-5)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: TimingEstimator(np.zeros(5), max_offset=1), "reference.shape"),
    (lambda: TimingEstimator(np.zeros((1, 5)), max_offset=1), "all zeros"),
    (lambda: TimingEstimator(np.ones((1, 5)), max_offset=-1), "max_offset"),
    (lambda: TimingEstimator(np.ones((1, 5)), max_offset=3).estimate(np.ones((1, 1, 7))),
     r"y.shape=\(1, 1, 7\) is not allowed"),
    (lambda: timing_reference(_pusch(), np.eye(2), fft_size=512), "precoder.shape"),
])
def test_bad_input(call, match):
    with pytest.raises(ConfigError, match=match):
        call()
