"""Tests of applying a channel to a resource grid or a waveform (TR 38.901 §7.7)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.channel.apply import (
    apply_ofdm_channel,
    apply_time_channel,
    ofdm_channel,
    ofdm_symbol_times,
    sample_times,
    time_channel_taps,
)
from nrlink.channel.cir import ChannelImpulseResponse
from nrlink.errors import ConfigError
from nrlink.spec.ts38211.numerology import cp_lengths_samples, samples_per_slot
from nrlink.spec.ts38211.ofdm import ofdm_demodulate, ofdm_modulate

# ----------------------------------------------------------------------------- helpers


def cgauss(rng, shape, scale=1.0):
    return (scale * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))
            / np.sqrt(2)).astype(np.complex64)


def synthetic(rng, *, delays, doppler_hz, batch=1, n_rx=2, n_tx=2):
    """a_p(t) = c_p exp(j2π ν_p t): fixed delays, smooth slow variation; returns cir_at(t)."""
    delays = np.asarray(delays, dtype=np.float64)
    n_p = delays.size
    c = cgauss(rng, (batch, n_rx, n_tx, n_p), 1 / np.sqrt(n_p)).astype(np.complex128)
    nu = rng.uniform(-doppler_hz, doppler_hz, (batch, n_rx, n_tx, n_p))

    def cir_at(t):
        t = np.asarray(t, dtype=np.float64)
        a = c[..., None] * np.exp(2j * np.pi * nu[..., None] * t)
        return ChannelImpulseResponse(delays, a.astype(np.complex64), t)

    return cir_at


def static_cir(delays, coeffs):
    """One instant, coefficients (batch, n_rx, n_tx, n_paths)."""
    a = np.asarray(coeffs, dtype=np.complex64)[..., None]
    return ChannelImpulseResponse(np.asarray(delays, float), a, np.array([0.0]))


def kernel_twin(x, w, beta):
    """Windowed sinc g(x) = sinc(x) I0(β sqrt(1 − (x/W)²)) / I0(β), 0 for |x| > W."""
    out = np.zeros_like(x)
    for i, xi in np.ndenumerate(x):
        if abs(xi) <= w:
            out[i] = np.sinc(xi) * np.i0(beta * np.sqrt(1 - (xi / w) ** 2)) / np.i0(beta)
    return out


def taps_twin(cir, fs, l_min, l_max, w=8.0, beta=4.0):
    """h[..., i, ℓ] = Σ_p a_p(t_i) g(ℓ − τ_p fs), by loops over paths and taps."""
    a = cir.coefficients.astype(np.complex128)
    b, r, t, n_p, n_t = a.shape
    h = np.zeros((b, r, t, n_t, l_max - l_min + 1), complex)
    for p in range(n_p):
        for j, ell in enumerate(range(l_min, l_max + 1)):
            g = kernel_twin(np.array([ell - cir.delays[p] * fs]), w, beta)[0]
            h[..., j] += a[:, :, :, p, :] * g
    return h


def apply_time_twin(x, h, l_min):
    """y[b, r, n] = Σ_t Σ_ℓ h_n[ℓ] x[b, t, n − ℓ] (explicit double loop over n and ℓ)."""
    b, r, t, n, n_taps = h.shape
    y = np.zeros((max(b, x.shape[0]), r, n), complex)
    for i in range(n):
        for j in range(n_taps):
            m = i - (l_min + j)
            if 0 <= m < n:
                y[:, :, i] += np.einsum("brt,bt->br", h[:, :, :, i, j], x[:, :, m])
    return y


# -------------------------------------------------------------------------------- times


def test_sample_times():
    t = sample_times(5, 2e6, start=1e-3)
    assert t.dtype == np.float64 and t.shape == (5,)
    np.testing.assert_allclose(t, 1e-3 + np.arange(5) * 0.5e-6, rtol=0, atol=1e-18)
    np.testing.assert_array_equal(sample_times(3, 4.0), [0.0, 0.25, 0.5])


@pytest.mark.parametrize(("args", "match"), [
    ((0, 1e6), "n_samples"), ((2.0, 1e6), "n_samples"), ((4, 0.0), "sample_rate_hz"),
    ((4, float("nan")), "sample_rate_hz"), ((4, 1e6, float("inf")), "start"),
])
def test_sample_times_raises(args, match):
    with pytest.raises(ConfigError, match=match):
        sample_times(*args)


def twin_symbol_times(mu, cp, fft_size, slot, n_slots, cp_fraction):
    """Window centre of each symbol: (first sample + floor(f N_CP) + (N − 1)/2) / fs."""
    fs = fft_size * 15e3 * 2**mu
    out, pos = [], 0
    for i in range(n_slots):
        for n_cp in cp_lengths_samples(mu, cp, fft_size=fft_size, slot=(slot + i) % (10 << mu)):
            out.append((pos + np.floor(cp_fraction * n_cp) + (fft_size - 1) / 2) / fs)
            pos += n_cp + fft_size
    return np.array(out)


@pytest.mark.parametrize(("mu", "cp", "fft_size", "slot", "n_slots", "frac"), [
    (0, "normal", 128, 0, 1, 1.0), (1, "normal", 1024, 1, 3, 1.0), (2, "extended", 256, 3, 2, 0.5),
    (1, "normal", 512, 19, 2, 0.0), (3, "normal", 256, 7, 1, 0.25),
])
def test_ofdm_symbol_times_twin(mu, cp, fft_size, slot, n_slots, frac):
    t = ofdm_symbol_times(mu=mu, cp=cp, fft_size=fft_size, slot=slot, n_slots=n_slots,
                          cp_fraction=frac)
    n_symb = 14 if cp == "normal" else 12
    assert t.shape == (n_slots * n_symb,)
    np.testing.assert_allclose(t, twin_symbol_times(mu, cp, fft_size, slot, n_slots, frac),
                               rtol=1e-13)


def test_ofdm_symbol_times_consistent_with_sample_times():
    """Symbol l's instant is the mean of its FFT window's sample instants (start shifts all)."""
    mu, fft = 1, 256
    fs = fft * 30e3
    n = samples_per_slot(mu, fft_size=fft)
    ts = sample_times(n, fs, start=2e-3)
    t = ofdm_symbol_times(mu=mu, fft_size=fft, start=2e-3)
    n_cp = cp_lengths_samples(mu, fft_size=fft, slot=0)
    first = np.concatenate(([0], np.cumsum(n_cp + fft)[:-1])) + n_cp
    for l in range(14):
        assert t[l] == pytest.approx(ts[first[l] : first[l] + fft].mean(), abs=1e-15)


@pytest.mark.parametrize(("kw", "match"), [
    ({"n_slots": 0}, "n_slots"), ({"cp_fraction": 1.5}, "cp_fraction"),
    ({"cp_fraction": True}, "cp_fraction"), ({"start": float("nan")}, "start"),
    ({"fft_size": 100}, "fft_size"), ({"mu": 7}, "mu"), ({"slot": 20}, "slot"),
    ({"cp": "extended"}, "cp"),
])
def test_ofdm_symbol_times_raises(kw, match):
    args = {"mu": 1, "fft_size": 256} | kw
    with pytest.raises(ConfigError, match=match):
        ofdm_symbol_times(**args)


# ------------------------------------------------------------------- frequency domain


def ofdm_channel_twin(cir, n_sc, scs_hz, k0):
    """H[b, r, t, l, k] by a loop over REs and paths (f_k = (k + k0 − n_sc/2) Δf)."""
    a = cir.coefficients.astype(np.complex128)
    b, r, t, n_p, n_t = a.shape
    h = np.zeros((b, r, t, n_t, n_sc), complex)
    for k in range(n_sc):
        f = (k + k0 - n_sc / 2) * scs_hz
        for p in range(n_p):
            h[..., k] += a[:, :, :, p, :] * np.exp(-2j * np.pi * f * cir.delays[p])
    return h


@pytest.mark.parametrize(("n_sc", "scs", "k0"), [(12, 15e3, 0), (48, 30e3, -5), (36, 120e3, 7)])
def test_ofdm_channel_equals_twin(n_sc, scs, k0):
    rng = np.random.default_rng(n_sc)
    cir = synthetic(rng, delays=rng.uniform(0, 3e-6, 5), doppler_hz=300, batch=2, n_rx=3,
                    n_tx=2)(np.linspace(0, 1e-3, 4))
    h = ofdm_channel(cir, n_sc=n_sc, scs_hz=scs, k0=k0)
    assert h.dtype == np.complex64 and h.shape == (2, 3, 2, 4, n_sc)
    np.testing.assert_allclose(h, ofdm_channel_twin(cir, n_sc, scs, k0), atol=2e-6)
    f = (np.arange(n_sc) + k0 - n_sc // 2) * scs
    np.testing.assert_allclose(h, cir.frequency_response(f), atol=2e-6)


def test_ofdm_channel_pure_delay_linear_phase():
    """One path of delay τ: H_k = e^{−j2π (k − n_sc/2) Δf τ}, a linear phase across k."""
    tau, scs, n_sc = 0.37e-6, 30e3, 624
    h = ofdm_channel(static_cir([tau], [[[[1.0]]]]), n_sc=n_sc, scs_hz=scs)[0, 0, 0, 0]
    np.testing.assert_allclose(np.abs(h), 1.0, atol=1e-6)
    np.testing.assert_allclose(h[1:] / h[:-1], np.exp(-2j * np.pi * scs * tau), atol=1e-6)
    assert h[n_sc // 2] == pytest.approx(1.0)  # subcarrier n_sc/2 sits at 0 Hz


@pytest.mark.parametrize(("kw", "match"), [
    ({"n_sc": 13}, "n_sc"), ({"n_sc": 3312}, "n_sc"), ({"scs_hz": 20e3}, "scs_hz"),
    ({"scs_hz": True}, "scs_hz"), ({"k0": 1.5}, "k0"),
])
def test_ofdm_channel_raises(kw, match):
    cir = static_cir([0.0], [[[[1.0]]]])
    with pytest.raises(ConfigError, match=match):
        ofdm_channel(cir, **({"n_sc": 12, "scs_hz": 15e3} | kw))


def test_ofdm_channel_raises_cir():
    with pytest.raises(ConfigError, match="cir"):
        ofdm_channel(np.ones((1, 1, 1, 1, 1)), n_sc=12, scs_hz=15e3)


@pytest.mark.parametrize(("bx", "bh"), [(2, 2), (1, 3), (3, 1)])
def test_apply_ofdm_channel_equals_einsum(bx, bh):
    rng = np.random.default_rng(bx + 10 * bh)
    x, h = cgauss(rng, (bx, 3, 14, 24)), cgauss(rng, (bh, 2, 3, 14, 24))
    y = apply_ofdm_channel(x, h)
    assert y.dtype == np.complex64 and y.shape == (max(bx, bh), 2, 14, 24)
    ref = np.einsum("brtsk,btsk->brsk", np.broadcast_to(h, (max(bx, bh),) + h.shape[1:]),
                    np.broadcast_to(x, (max(bx, bh),) + x.shape[1:]))
    np.testing.assert_allclose(y, ref, atol=1e-5)


@pytest.mark.parametrize(("xs", "hs", "match"), [
    ((1, 2, 14, 12), (1, 1, 3, 14, 12), "n_tx"),
    ((1, 2, 14, 12), (1, 1, 2, 12, 12), "n_symb"),
    ((1, 2, 14, 12), (1, 1, 2, 14, 24), "n_sc"),
    ((2, 2, 14, 12), (3, 1, 2, 14, 12), "batch"),
    ((2, 14, 12), (1, 1, 2, 14, 12), "grid"),
    ((1, 2, 14, 12), (1, 2, 14, 12), "h"),
])
def test_apply_ofdm_channel_raises(xs, hs, match):
    with pytest.raises(ConfigError, match=match):
        apply_ofdm_channel(np.ones(xs, np.complex64), np.ones(hs, np.complex64))


def test_apply_ofdm_channel_raises_dtype():
    with pytest.raises(ConfigError, match="grid"):
        apply_ofdm_channel(np.ones((1, 1, 14, 12), bool), np.ones((1, 1, 1, 14, 12)))


# ------------------------------------------------------------------------ time domain


def test_time_channel_taps_equal_twin():
    rng = np.random.default_rng(3)
    fs = 30.72e6
    delays = np.array([0.0, 13e-9, 95e-9, 95e-9, 2 / fs])  # fractional, equal, integer
    cir = synthetic(rng, delays=delays, doppler_hz=50, batch=2)(np.array([0.0, 1e-4, 3e-4]))
    h = time_channel_taps(cir, sample_rate_hz=fs)
    l_max = int(np.ceil(95e-9 * fs)) + 8
    assert h.dtype == np.complex64 and h.shape == (2, 2, 2, 3, l_max + 8 + 1)
    np.testing.assert_allclose(h, taps_twin(cir, fs, -8, l_max), atol=2e-6)
    # Narrower range, other kernel: the same formula, truncated.
    h2 = time_channel_taps(cir, sample_rate_hz=fs, l_min=-2, l_max=3, half_width=5.5,
                           kaiser_beta=2.0)
    np.testing.assert_allclose(h2, taps_twin(cir, fs, -2, 3, 5.5, 2.0), atol=2e-6)


def test_time_channel_taps_integer_delay_and_plain_sinc():
    fs = 1e6
    h = time_channel_taps(static_cir([3e-6], [[[[2.0]]]]), sample_rate_hz=fs)[0, 0, 0, 0]
    expected = np.zeros(3 + 17, np.complex64)
    expected[8 + 3] = 2.0
    np.testing.assert_array_equal(h, expected)  # exact: a single tap
    h0 = time_channel_taps(static_cir([0.5e-6], [[[[1.0]]]]), sample_rate_hz=fs, l_min=-6,
                           l_max=7, kaiser_beta=0.0)[0, 0, 0, 0]
    np.testing.assert_allclose(h0, np.sinc(np.arange(-6, 8) - 0.5), atol=1e-7)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.0, 40.0))
def test_taps_frequency_response_in_band(d):
    """In the band an OFDM signal occupies (|f| <= 0.305 fs: 624 of 1024 bins), the taps'
    DTFT equals e^{−j2π f τ} within −40 dB for any fractional delay (default kernel)."""
    fs = 1.0
    h = time_channel_taps(static_cir([d], [[[[1.0]]]]), sample_rate_hz=fs)[0, 0, 0, 0]
    ell = np.arange(h.size) - 8
    f = np.linspace(-0.305, 0.305, 123)
    resp = np.exp(-2j * np.pi * np.outer(f, ell)) @ h
    assert np.max(np.abs(resp - np.exp(-2j * np.pi * f * d))) < 10 ** (-40 / 20)


@pytest.mark.parametrize(("kw", "match"), [
    ({"sample_rate_hz": -1.0}, "sample_rate_hz"), ({"l_min": 0.5}, "l_min"),
    ({"l_max": "3"}, "l_max"), ({"l_min": 2, "l_max": 1}, "l_max"),
    ({"half_width": 0.5}, "half_width"), ({"half_width": "8"}, "half_width"),
    ({"kaiser_beta": -1.0}, "kaiser_beta"),
    ({"kaiser_beta": float("nan")}, "kaiser_beta"),
])
def test_time_channel_taps_raises(kw, match):
    cir = static_cir([0.0], [[[[1.0]]]])
    with pytest.raises(ConfigError, match=match):
        time_channel_taps(cir, **({"sample_rate_hz": 1e6} | kw))


def test_time_channel_taps_raises_cir():
    with pytest.raises(ConfigError, match="cir"):
        time_channel_taps(None, sample_rate_hz=1e6)


@pytest.mark.parametrize("mode", ["exact", "interp", "static"])
@pytest.mark.parametrize(("bx", "bc"), [(2, 2), (1, 2), (2, 1)])
def test_apply_time_channel_equals_double_loop(mode, bx, bc):
    rng = np.random.default_rng(7 + bx + 3 * bc)
    fs, n = 1e6, 60
    delays = np.array([0.0, 1.3e-6, 4.5e-6, 4.5e-6, 9e-6])  # duplicate and integer delays
    cir_at = synthetic(rng, delays=delays, doppler_hz=3000, batch=bc, n_rx=3, n_tx=2)
    ts = sample_times(n, fs, start=5e-6)
    x = cgauss(rng, (bx, 2, n))
    if mode == "exact":
        cir = cir_at(ts)
        a_n = cir.coefficients
    elif mode == "interp":  # coarse, non-uniform instants covering the samples
        coarse = np.array([0.0, 10e-6, 17e-6, 40e-6, 41e-6, 70e-6])
        cir = cir_at(coarse)
        a = cir.coefficients
        a_n = np.empty(a.shape[:4] + (n,), complex)
        for idx in np.ndindex(*a.shape[:4]):
            a_n[idx] = (np.interp(ts, coarse, a[idx].real)
                        + 1j * np.interp(ts, coarse, a[idx].imag))
    else:
        cir = cir_at(np.array([0.0]))
        a_n = np.repeat(cir.coefficients, n, axis=-1)
    y = apply_time_channel(x, cir, sample_rate_hz=fs, start=5e-6)
    assert y.dtype == np.complex64 and y.shape == (max(bx, bc), 3, n)
    cir_n = ChannelImpulseResponse(delays, a_n, ts)
    h = taps_twin(cir_n, fs, -8, 9 + 8)
    np.testing.assert_allclose(y, apply_time_twin(x, h, -8), atol=2e-5)


def test_apply_time_channel_tap_range_truncates():
    rng = np.random.default_rng(11)
    fs, n = 1e6, 40
    cir = synthetic(rng, delays=[0.4e-6, 2.7e-6], doppler_hz=100)(sample_times(n, fs))
    x = cgauss(rng, (1, 2, n))
    y = apply_time_channel(x, cir, sample_rate_hz=fs, l_min=-1, l_max=2, kaiser_beta=1.0)
    h = taps_twin(cir, fs, -1, 2, 8.0, 1.0)
    np.testing.assert_allclose(y, apply_time_twin(x, h, -1), atol=2e-5)
    taps = time_channel_taps(cir, sample_rate_hz=fs, l_min=-1, l_max=2, kaiser_beta=1.0)
    np.testing.assert_allclose(taps, h, atol=2e-6)


def test_apply_time_channel_pure_delay():
    x = np.arange(1, 9, dtype=np.complex64).reshape(1, 1, 8)
    y = apply_time_channel(x, static_cir([3e-6], [[[[1j]]]]), sample_rate_hz=1e6)
    np.testing.assert_array_equal(y[0, 0], 1j * np.array([0, 0, 0, 1, 2, 3, 4, 5]))


def test_apply_time_channel_raises():
    cir = static_cir([0.0], [[[[1.0], [1.0]]]])  # 1 rx, 2 tx
    x = np.ones((1, 2, 16), np.complex64)
    cases = [
        (lambda: apply_time_channel(np.ones((2, 16)), cir, sample_rate_hz=1e6), "x"),
        (lambda: apply_time_channel(x.astype(bool), cir, sample_rate_hz=1e6), "x"),
        (lambda: apply_time_channel(np.ones((1, 3, 16)), cir, sample_rate_hz=1e6), "n_tx"),
        (lambda: apply_time_channel(x, "cir", sample_rate_hz=1e6), "cir"),
        (lambda: apply_time_channel(x, cir, sample_rate_hz=0), "sample_rate_hz"),
        (lambda: apply_time_channel(x, cir, sample_rate_hz=1e6, start=None), "start"),
        (lambda: apply_time_channel(x, cir, sample_rate_hz=1e6, l_min=3, l_max=0), "l_max"),
        (lambda: apply_time_channel(x, cir, sample_rate_hz=1e6, half_width=-2), "half_width"),
    ]
    for call, match in cases:
        with pytest.raises(ConfigError, match=match):
            call()


def test_apply_time_channel_raises_batch_and_times():
    rng = np.random.default_rng(0)
    cir_at = synthetic(rng, delays=[0.0], doppler_hz=10, batch=2, n_rx=1, n_tx=1)
    with pytest.raises(ConfigError, match="batch"):
        apply_time_channel(np.ones((3, 1, 16)), cir_at(np.array([0.0])), sample_rate_hz=1e6)
    for times in (np.array([0.0, 10e-6]), np.array([1e-6, 20e-6]),  # too short, late start
                  sample_times(15, 1e6)):  # wrong length of per-sample instants
        with pytest.raises(ConfigError, match="cir.times"):
            apply_time_channel(np.ones((2, 1, 16)), cir_at(times), sample_rate_hz=1e6)


# ---------------------------------------------------------- time vs frequency domain

MU, FFT, N_SC = 1, 1024, 624  # 52 PRB at 30 kHz
FS = FFT * 30e3


def _both_paths(rng, cir_at, grid, times=None):
    x = ofdm_modulate(grid, mu=MU, fft_size=FFT)
    ts = sample_times(x.shape[-1], FS) if times is None else times
    y = apply_time_channel(x, cir_at(ts), sample_rate_hz=FS)
    y_time = ofdm_demodulate(y, mu=MU, fft_size=FFT, n_sc=N_SC)
    h = ofdm_channel(cir_at(ofdm_symbol_times(mu=MU, fft_size=FFT)), n_sc=N_SC, scs_hz=30e3)
    return y_time, apply_ofdm_channel(grid, h)


def nmse_db(y, ref):
    return 10 * np.log10(np.sum(np.abs(y - ref) ** 2) / np.sum(np.abs(ref) ** 2))


def test_time_and_frequency_paths_agree_static_integer_delay():
    rng = np.random.default_rng(5)
    grid = cgauss(rng, (2, 1, 14, N_SC))
    def cir_at(t):  # integer delay within the CP (72 samples), constant coefficient
        a = np.full((1, 1, 1, 1, np.size(t)), 0.6 - 0.8j, np.complex64)
        return ChannelImpulseResponse(np.array([17 / FS]), a, np.atleast_1d(t))

    y_time, y_freq = _both_paths(rng, cir_at, grid, times=np.array([0.0]))
    np.testing.assert_allclose(y_time, y_freq, atol=1e-5)


@pytest.mark.parametrize("coarse", [False, True])
def test_time_and_frequency_paths_agree_slow_fading(coarse):
    """100 ns exponential delay profile, 5 Hz Doppler, 2×2: NMSE well below −30 dB."""
    rng = np.random.default_rng(8)
    delays = np.concatenate(([0.0], np.sort(rng.exponential(100e-9, 7))))
    cir_at = synthetic(rng, delays=delays, doppler_hz=5.0)
    grid = cgauss(rng, (1, 2, 14, N_SC))
    times = None
    if coarse:  # coefficients every 64 samples, interpolated
        n = samples_per_slot(MU, fft_size=FFT)
        times = np.append(sample_times(n, FS)[::64], (n - 1) / FS)
    y_time, y_freq = _both_paths(rng, cir_at, grid, times)
    assert nmse_db(y_time, y_freq) < -30.0
    assert nmse_db(y_time, y_freq) < -45.0  # measured about −53 dB with the default kernel


def test_time_path_fractional_delay_linear_phase():
    """A static fractional delay τ through the waveform: Y_k / X_k = e^{−j2π f_k τ}."""
    rng = np.random.default_rng(9)
    tau = 17.3 / FS
    grid = cgauss(rng, (1, 1, 14, N_SC))
    x = ofdm_modulate(grid, mu=MU, fft_size=FFT)
    y = apply_time_channel(x, static_cir([tau], [[[[1.0]]]]), sample_rate_hz=FS)
    ratio = ofdm_demodulate(y, mu=MU, fft_size=FFT, n_sc=N_SC)[0, 0] / grid[0, 0]
    f = (np.arange(N_SC) - N_SC // 2) * 30e3
    assert np.max(np.abs(ratio - np.exp(-2j * np.pi * f * tau))) < 10 ** (-40 / 20)
