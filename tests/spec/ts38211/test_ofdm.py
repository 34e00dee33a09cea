"""Tests of OFDM modulation/demodulation and phase compensation, TS 38.211 §5.3.1, §5.4."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.numerology import (
    cp_lengths_samples,
    cp_lengths_tc,
    sample_rate,
    samples_per_slot,
    slots_per_frame,
    slots_per_subframe,
    symbols_per_slot,
)
from nrlink.spec.ts38211.ofdm import (
    ofdm_demodulate,
    ofdm_modulate,
    phase_compensation,
    subcarrier_offset_k0,
)

NUMEROLOGIES = [(mu, "normal") for mu in range(7)] + [(2, "extended")]
T_C = 1 / (480e3 * 4096)


def twin_cp_tc(mu, cp, l):
    """N_CP,l^μ of §5.3.1 in T_c, l within the subframe."""
    k = 64
    if cp == "extended":
        return 512 * k * 2.0**-mu
    return 144 * k * 2.0**-mu + (16 * k if l in (0, 7 * 2**mu) else 0)


def twin_slot_timing(mu, cp, slot):
    """(l within subframe, N_CP in T_c, t_start in T_c) for the slot's symbols, literally.

    Times stay in units of T_c (integer-valued floats, exact) so that f0 · t is accurate.
    """
    n = 14 if cp == "normal" else 12
    n_u = 2048 * 64 * 2.0**-mu
    t, rows = 0.0, []
    for l in range(n * 2**mu):
        rows.append((l, twin_cp_tc(mu, cp, l), t))
        t += n_u + twin_cp_tc(mu, cp, l)
    i = slot % 2**mu
    return rows[i * n : i * n + n]


def ofdm_modulate_twin(a, mu, cp, fft_size, slot, k0=0, f0=None):
    """Evaluate the §5.3.1 sum at t = t_start,l + i / fs for each sample i of each symbol.

    s_l(t) = sum_k a_kl exp(j2π (k + k0 − n_sc/2) Δf (t − N_CP,l T_c − t_start,l)), scaled
    by 1/sqrt(N_FFT); with f0 also times exp(−j2π f0 (t_start,l + N_CP,l T_c)) (§5.4).
    """
    n_sc = a.shape[-1]
    df = 15e3 * 2**mu
    fs = fft_size * df
    f = (np.arange(n_sc) + k0 - n_sc / 2) * df
    out = []
    for j, (_, n_cp_tc, t_start) in enumerate(twin_slot_timing(mu, cp, slot)):
        n_cp = n_cp_tc * T_C * fs  # samples
        assert abs(n_cp - round(n_cp)) < 1e-9
        n_cp = round(n_cp)
        tau = (np.arange(n_cp + fft_size) - n_cp) / fs  # t − N_CP T_c − t_start
        sym = np.exp(2j * np.pi * np.outer(tau, f)) @ a[j] / np.sqrt(fft_size)
        if f0 is not None:
            sym = sym * np.exp(-2j * np.pi * ((f0 * (t_start + n_cp_tc) * T_C) % 1))
        out.append(sym)
    return np.concatenate(out)


def random_grid(rng, shape):
    return ((rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)).astype(
        np.complex64
    )


@st.composite
def configs(draw, max_rb=8):
    mu, cp = draw(st.sampled_from(NUMEROLOGIES))
    n_rb = draw(st.integers(1, max_rb))
    n_sc = 12 * n_rb
    step = 128 if cp == "normal" else 4
    min_fft = -(-n_sc // step) * step
    fft_size = draw(st.sampled_from(sorted({min_fft, min_fft + step, 2 * min_fft, 256})))
    fft_size = max(fft_size, min_fft)
    k0 = draw(st.integers(-(fft_size - n_sc) // 2, (fft_size - n_sc) // 2))
    slot = draw(st.integers(0, slots_per_frame(mu) - 1))
    return mu, cp, n_sc, fft_size, k0, slot


# --- the §5.3.1 signal itself ---------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(cfg=configs(max_rb=3), f0=st.none() | st.floats(-1e10, 1e11), seed=st.integers(0, 2**32))
def test_matches_spec_formula(cfg, f0, seed):
    mu, cp, n_sc, fft_size, k0, slot = cfg
    n_sym = symbols_per_slot(cp)
    a = random_grid(np.random.default_rng(seed), (n_sym, n_sc))
    x = ofdm_modulate(
        a, mu=mu, cp=cp, fft_size=fft_size, slot=slot, k0=k0, phase_compensation_hz=f0
    )
    want = ofdm_modulate_twin(a.astype(np.complex128), mu, cp, fft_size, slot, k0, f0)
    assert x.dtype == np.complex64
    # f0 t reaches ~1e8 cycles: the float64 twin is good to ~1e-7 rad there.
    np.testing.assert_allclose(x, want, atol=2e-5, rtol=0)


def test_spec_formula_long_cp_slots():
    """μ = 1 and 2 slots holding l = 7·2^μ (and none), against the literal formula."""
    rng = np.random.default_rng(1)
    for mu, slot in [(1, 1), (1, 2), (2, 2), (2, 3)]:
        a = random_grid(rng, (14, 24))
        x = ofdm_modulate(a, mu=mu, fft_size=128, slot=slot, phase_compensation_hz=2.6e9)
        want = ofdm_modulate_twin(a.astype(np.complex128), mu, "normal", 128, slot, 0, 2.6e9)
        np.testing.assert_allclose(x, want, atol=2e-5, rtol=0)


# --- round trip -----------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    cfg=configs(),
    batch=st.sampled_from([(), (2,), (2, 3)]),
    f0=st.none() | st.floats(0, 1e11),
    cp_fraction=st.sampled_from([1.0, 0.0, 0.5, 0.73]),
    seed=st.integers(0, 2**32),
)
def test_round_trip_identity(cfg, batch, f0, cp_fraction, seed):
    mu, cp, n_sc, fft_size, k0, slot = cfg
    n_sym = symbols_per_slot(cp)
    a = random_grid(np.random.default_rng(seed), batch + (n_sym, n_sc))
    kw = dict(mu=mu, cp=cp, fft_size=fft_size, slot=slot, k0=k0, phase_compensation_hz=f0)
    x = ofdm_modulate(a, **kw)
    assert x.shape == batch + (samples_per_slot(mu, cp, fft_size=fft_size, slot=slot),)
    b = ofdm_demodulate(x, n_sc=n_sc, cp_fraction=cp_fraction, **kw)
    assert b.dtype == np.complex64 and b.shape == a.shape
    np.testing.assert_allclose(b, a, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    ("mu", "n_rb", "fft_size"), [(1, 273, 4096), (0, 106, 2048), (3, 66, 1024)]
)
def test_round_trip_full_carrier(mu, n_rb, fft_size):
    rng = np.random.default_rng(mu)
    a = random_grid(rng, (2, 14, 12 * n_rb))
    for slot in range(slots_per_subframe(mu) + 1):
        x = ofdm_modulate(a, mu=mu, fft_size=fft_size, slot=slot)
        b = ofdm_demodulate(x, mu=mu, fft_size=fft_size, n_sc=12 * n_rb, slot=slot)
        np.testing.assert_allclose(b, a, atol=1e-5, rtol=0)


def test_batch_is_per_item():
    rng = np.random.default_rng(2)
    a = random_grid(rng, (2, 3, 14, 24))
    x = ofdm_modulate(a, mu=1, fft_size=256, slot=1)
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(
                x[i, j], ofdm_modulate(a[i, j], mu=1, fft_size=256, slot=1)
            )


def test_input_dtypes():
    a = np.random.default_rng(3).standard_normal((14, 12))
    x = ofdm_modulate(a, mu=0, fft_size=128)  # real float64 accepted
    assert x.dtype == np.complex64
    x2 = ofdm_modulate(a.astype(np.complex128), mu=0, fft_size=128)
    np.testing.assert_array_equal(x, x2)
    b = ofdm_demodulate(x.astype(np.complex128), mu=0, fft_size=128, n_sc=12)
    assert b.dtype == np.complex64
    np.testing.assert_allclose(b, a, atol=1e-5)


# --- structure of the waveform --------------------------------------------------------


@pytest.mark.parametrize(
    ("mu", "cp", "fft_size", "slot"),
    [
        (0, "normal", 2048, 0),
        (1, "normal", 256, 1),
        (2, "normal", 128, 2),
        (2, "extended", 64, 1),
        (6, "normal", 384, 63),
    ],
)
def test_cp_is_copy_of_symbol_tail_and_energy(mu, cp, fft_size, slot):
    n_sym = symbols_per_slot(cp)
    a = random_grid(np.random.default_rng(4), (n_sym, 48))
    x = ofdm_modulate(a, mu=mu, cp=cp, fft_size=fft_size, slot=slot)
    n_cp = cp_lengths_samples(mu, cp, fft_size=fft_size, slot=slot)
    s = 0
    for l in range(n_sym):
        sym = x[s : s + n_cp[l] + fft_size]
        np.testing.assert_array_equal(sym[: n_cp[l]], sym[fft_size:])
        # Orthonormal scaling: the useful part carries the energy of the REs (Parseval).
        useful = sym[n_cp[l] :].astype(np.complex128)
        assert np.vdot(useful, useful).real == pytest.approx(np.vdot(a[l], a[l]).real, rel=1e-5)
        s += n_cp[l] + fft_size
    assert s == x.size


@pytest.mark.parametrize(
    ("mu", "cp", "fft_size", "expect"),
    [
        (0, "normal", 2048, 30720),
        (1, "normal", 4096, 122880),
        (2, "extended", 512, 30720),
        (6, "normal", 128, 122880),
    ],
)
def test_slot_samples_fill_one_ms(mu, cp, fft_size, expect):
    n_sym = symbols_per_slot(cp)
    total = sum(
        ofdm_modulate(np.zeros((n_sym, 12)), mu=mu, cp=cp, fft_size=fft_size, slot=s).size
        for s in range(slots_per_subframe(mu))
    )
    assert total == expect == round(1e-3 * sample_rate(mu, fft_size))


def test_long_cp_slots_are_longer_mu2():
    n = [ofdm_modulate(np.zeros((14, 12)), mu=2, fft_size=128, slot=s).size for s in range(4)]
    assert n[0] == n[2] == n[1] + 4 == n[3] + 4  # 16 κ T_c = 4 samples at N_FFT = 128


@pytest.mark.parametrize(
    ("mu", "k", "k0"), [(0, 0, 0), (0, 6, 0), (1, 23, 0), (3, 5, 17), (2, 12, -20)]
)
def test_single_subcarrier_is_a_tone(mu, k, k0):
    fft_size, n_sc = 256, 24
    a = np.zeros((14, n_sc), np.complex64)
    a[:, k] = 1
    x = ofdm_modulate(a, mu=mu, fft_size=fft_size, slot=1, k0=k0).astype(np.complex128)
    m = k + k0 - n_sc // 2
    df = 15e3 * 2**mu
    # Within every symbol (prefix included) the phase advances by 2π m Δf / fs per sample.
    n_cp = cp_lengths_samples(mu, fft_size=fft_size, slot=1)
    s = 0
    for l in range(14):
        sym = x[s : s + n_cp[l] + fft_size]
        np.testing.assert_allclose(np.abs(sym), 1 / np.sqrt(fft_size), rtol=1e-5)
        np.testing.assert_allclose(sym[1:] / sym[:-1], np.exp(2j * np.pi * m / fft_size), atol=1e-5)
        # Sample N_CP,l is the start of the useful part: phase 0 (t = t_start + N_CP T_c).
        assert np.angle(sym[n_cp[l]]) == pytest.approx(0, abs=1e-5)
        s += n_cp[l] + fft_size
    # Its spectrum peaks at (k + k0 − n_sc/2) Δf.
    fs = sample_rate(mu, fft_size)
    spec = np.fft.fft(x[n_cp[0] : n_cp[0] + fft_size])
    assert np.fft.fftfreq(fft_size, 1 / fs)[np.argmax(np.abs(spec))] == pytest.approx(m * df)


def test_dc_subcarrier_k0_zero():
    a = np.zeros((14, 36), np.complex64)
    a[:, 18] = 1  # k = n_sc / 2 sits at 0 Hz
    x = ofdm_modulate(a, mu=0, fft_size=128)
    np.testing.assert_allclose(x, 1 / np.sqrt(128), rtol=1e-6)


# --- §5.4 phase compensation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("mu", "cp", "slot", "f0"),
    [
        (0, "normal", 0, 3.5e9),
        (1, "normal", 3, 28e9),
        (2, "extended", 6, 5.9e9),
        (5, "normal", 31, 6.1e10),
        (3, "normal", 7, -1234.5),
    ],
)
def test_phase_values(mu, cp, slot, f0):
    got = phase_compensation(f0, mu, cp, slot=slot)
    rows = twin_slot_timing(mu, cp, slot)
    assert got.shape == (len(rows),)
    want = [np.exp(-2j * np.pi * ((f0 * (t + n_cp) * T_C) % 1)) for _, n_cp, t in rows]
    # float64 f0 · t carries ~1e-16 · f0 · 1 ms cycles of error: compare to 1e-7.
    np.testing.assert_allclose(got, want, atol=1e-7)
    # Symbol 0 of slot 0 (t_start = 0): a short product, accurate in float64.
    cycles = (f0 * cp_lengths_tc(mu, cp)[0] / (480e3 * 4096)) % 1
    assert phase_compensation(f0, mu, cp, slot=0)[0] == pytest.approx(
        np.exp(-2j * np.pi * cycles), abs=1e-9
    )


def test_phase_periodic_per_subframe_and_trivial_at_zero():
    np.testing.assert_array_equal(
        phase_compensation(3.5e9, 2, slot=1), phase_compensation(3.5e9, 2, slot=5)
    )
    np.testing.assert_array_equal(phase_compensation(0, 1, slot=3), np.ones(14))
    # f0 = 1 / T_c: f0 (t_start + N_CP T_c) is a whole number of cycles for every symbol.
    np.testing.assert_allclose(phase_compensation(480e3 * 4096, 4, slot=9), 1, atol=1e-12)


def test_phase_compensation_is_a_per_symbol_rotation():
    rng = np.random.default_rng(5)
    a = random_grid(rng, (14, 36))
    f0 = 3.5e9
    x = ofdm_modulate(a, mu=1, fft_size=128, slot=1, phase_compensation_hz=f0)
    ph = phase_compensation(f0, 1, slot=1)
    np.testing.assert_allclose(
        ofdm_demodulate(x, mu=1, fft_size=128, n_sc=36, slot=1), a * ph[:, None], atol=1e-5
    )
    # Mixed with a free-running oscillator exp(j2π f0 t) (t from the subframe start), the
    # first useful sample of symbol l (t = t_start,l + N_CP,l T_c) carries the §5.4 phase
    # exp(j2π f0 (t − t_start,l − N_CP,l T_c)) = 1: it equals the uncompensated sample.
    fs = sample_rate(1, 128)
    n_cp = cp_lengths_samples(1, fft_size=128, slot=1)
    t0 = [(t + c) * T_C for _, c, t in twin_slot_timing(1, "normal", 1)]
    plain = ofdm_modulate(a, mu=1, fft_size=128, slot=1)
    starts = np.concatenate(([0], np.cumsum(n_cp + 128)[:-1])) + n_cp
    for l in range(14):
        t = t0[l]  # time of sample starts[l] from the start of the subframe
        assert starts[l] / fs == pytest.approx(t - t0[0] + n_cp[0] / fs, abs=1e-12)
        lo = complex(x[starts[l]]) * np.exp(2j * np.pi * ((f0 * t) % 1))
        assert lo == pytest.approx(complex(plain[starts[l]]), abs=1e-5)


# --- FFT window position --------------------------------------------------------------


@pytest.mark.parametrize("d", [0, 1, 5, 9])
def test_early_window_sign_convention(d):
    """A signal delayed by d samples looks, to a window after the prefix, like
    a · exp(−j2π m d / N) (m = k + k0 − n_sc/2): the ramp an early window must undo."""
    rng = np.random.default_rng(6)
    n_sc, fft_size = 48, 128
    a = random_grid(rng, (14, n_sc))
    x = ofdm_modulate(a, mu=0, fft_size=fft_size)
    y = np.concatenate((np.zeros(d, np.complex64), x[: x.size - d]))
    m = np.arange(n_sc) - n_sc // 2
    b = ofdm_demodulate(y, mu=0, fft_size=fft_size, n_sc=n_sc)
    np.testing.assert_allclose(b, a * np.exp(-2j * np.pi * m * d / fft_size), atol=1e-5)
    # An early window (cp_fraction < 1) on the undelayed signal sees the same kind of
    # delay and compensates it (a wrong sign would leave the ramp squared) ...
    b2 = ofdm_demodulate(x, mu=0, fft_size=fft_size, n_sc=n_sc, cp_fraction=1 - d / 10)
    np.testing.assert_allclose(b2, a, atol=1e-5)
    # ... and on the delayed one it leaves exactly the delay's ramp (window still in CP).
    if d + 1 > 9:
        return
    b3 = ofdm_demodulate(y, mu=0, fft_size=fft_size, n_sc=n_sc, cp_fraction=0.99)
    np.testing.assert_allclose(b3, b, atol=1e-5)


# --- k0 (§5.3.1) ----------------------------------------------------------------------


def test_subcarrier_offset_k0():
    assert subcarrier_offset_k0(0, 106, 0) == 0
    assert subcarrier_offset_k0(5, 20, 1, n_start_grid_mu0=5, n_size_grid_mu0=20, mu0=1) == 0
    # 106 RB @ 15 kHz vs 51 RB @ 30 kHz, both from CRB 0: centres 9.54 vs 9.18 MHz.
    k0 = subcarrier_offset_k0(0, 106, 0, n_start_grid_mu0=0, n_size_grid_mu0=51, mu0=1)
    assert k0 == 24 and k0 * 15e3 == pytest.approx((106 * 12 / 2) * 15e3 - 51 * 12 / 2 * 30e3)
    assert subcarrier_offset_k0(2, 11, 0, n_start_grid_mu0=3, n_size_grid_mu0=24, mu0=2) == (
        (2 + 5.5) * 12 - (3 + 12) * 12 * 4
    )


def test_subcarrier_offset_k0_errors():
    with pytest.raises(ConfigError, match="mu0"):
        subcarrier_offset_k0(0, 10, 1, n_start_grid_mu0=0, n_size_grid_mu0=10, mu0=0)
    with pytest.raises(ConfigError, match="mu0"):
        subcarrier_offset_k0(0, 10, 1, mu0=2)
    with pytest.raises(ConfigError, match="n_size_grid"):
        subcarrier_offset_k0(0, 0, 1)
    with pytest.raises(ConfigError, match="n_start_grid"):
        subcarrier_offset_k0(-1, 10, 1)
    with pytest.raises(ConfigError, match="n_size_grid_mu0"):
        subcarrier_offset_k0(0, 10, 1, n_start_grid_mu0=0, n_size_grid_mu0=300, mu0=2)
    with pytest.raises(ConfigError, match="n_start_grid_mu0"):
        subcarrier_offset_k0(0, 10, 1, n_start_grid_mu0=-2, n_size_grid_mu0=30, mu0=2)


# --- validation branches --------------------------------------------------------------

GRID = np.zeros((14, 24), np.complex64)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"mu": 7, "fft_size": 128}, "mu"),
        ({"mu": 1, "cp": "extended", "fft_size": 128}, "extended"),
        ({"mu": 0, "cp": "long", "fft_size": 128}, "cp"),
        ({"mu": 0, "fft_size": 200}, "fft_size"),  # 9 · 200 / 128 samples of CP
        ({"mu": 0, "fft_size": 0}, "fft_size"),
        ({"mu": 0, "fft_size": 128, "slot": 10}, "slot"),
        ({"mu": 0, "fft_size": 128, "k0": 60}, "fft_size"),  # tone beyond fs / 2
        ({"mu": 0, "fft_size": 128, "k0": 1.5}, "k0"),
        ({"mu": 0, "fft_size": 128, "phase_compensation_hz": math.nan}, "phase_compensation_hz"),
        ({"mu": 0, "fft_size": 128, "phase_compensation_hz": "3e9"}, "phase_compensation_hz"),
    ],
)
def test_modulate_errors(kwargs, name):
    with pytest.raises(ConfigError, match=name):
        ofdm_modulate(GRID, **kwargs)


def test_modulate_grid_errors():
    with pytest.raises(ConfigError, match="fft_size"):  # 3276 subcarriers need >= 3276
        ofdm_modulate(np.zeros((14, 3276)), mu=1, fft_size=2048)
    with pytest.raises(ConfigError, match="n_symbols"):
        ofdm_modulate(np.zeros((13, 24)), mu=0, fft_size=128)
    with pytest.raises(ConfigError, match="n_symbols"):
        ofdm_modulate(np.zeros((14, 24)), mu=2, cp="extended", fft_size=128)
    with pytest.raises(ConfigError, match="grid"):
        ofdm_modulate(np.zeros(24), mu=0, fft_size=128)
    with pytest.raises(ConfigError, match="n_sc"):
        ofdm_modulate(np.zeros((14, 13)), mu=0, fft_size=128)
    with pytest.raises(ConfigError, match="n_sc"):
        ofdm_modulate(np.zeros((14, 3312)), mu=0, fft_size=4096)
    with pytest.raises(ConfigError, match="grid"):
        ofdm_modulate(np.full((14, 12), "a"), mu=0, fft_size=128)


def test_demodulate_errors():
    x = ofdm_modulate(GRID, mu=0, fft_size=128)
    with pytest.raises(ConfigError, match="n_samples"):
        ofdm_demodulate(x[:-1], mu=0, fft_size=128, n_sc=24)
    with pytest.raises(ConfigError, match="n_samples"):
        ofdm_demodulate(x[0], mu=0, fft_size=128, n_sc=24)
    with pytest.raises(ConfigError, match="n_samples"):  # slot 0 of μ = 2 is longer
        ofdm_demodulate(
            ofdm_modulate(GRID, mu=2, fft_size=128, slot=1), mu=2, fft_size=128, n_sc=24, slot=0
        )
    for f in (1.5, -0.1, "0.5", None):
        with pytest.raises(ConfigError, match="cp_fraction"):
            ofdm_demodulate(x, mu=0, fft_size=128, n_sc=24, cp_fraction=f)
    with pytest.raises(ConfigError, match="n_sc"):
        ofdm_demodulate(x, mu=0, fft_size=128, n_sc=0)
    with pytest.raises(ConfigError, match="fft_size"):
        ofdm_demodulate(x, mu=0, fft_size=128, n_sc=240)
    with pytest.raises(ConfigError, match="x"):
        ofdm_demodulate(x.astype(object).astype(str), mu=0, fft_size=128, n_sc=24)


def test_phase_compensation_errors():
    with pytest.raises(ConfigError, match="phase_compensation_hz"):
        phase_compensation(math.inf, 0)
    with pytest.raises(ConfigError, match="slot"):
        phase_compensation(1e9, 0, slot=10)
    with pytest.raises(ConfigError, match="extended"):
        phase_compensation(1e9, 0, "extended")
