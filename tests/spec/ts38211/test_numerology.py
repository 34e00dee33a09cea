"""Tests of numerologies, frame structure and CP lengths, TS 38.211 §4.1-§4.3, §5.3.1."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.numerology import (
    DELTA_F_MAX,
    KAPPA,
    MU_VALUES,
    N_F,
    T_C,
    T_F,
    T_S,
    T_SF,
    check_cp,
    check_fft_size,
    check_mu,
    check_n_size_grid,
    check_slot,
    cp_lengths_samples,
    cp_lengths_tc,
    min_fft_size,
    mu_from_scs,
    n_u_tc,
    sample_rate,
    samples_per_slot,
    scs_khz,
    slots_per_frame,
    slots_per_subframe,
    symbol_starts_tc,
    symbols_per_slot,
    symbols_per_subframe,
)

NUMEROLOGIES = [(mu, "normal") for mu in MU_VALUES] + [(2, "extended")]


def n_cp_twin_tc(mu: int, cp: str, l: int) -> float:
    """Literal TS 38.211 §5.3.1 N_CP,l^μ (l within the subframe), float arithmetic."""
    k = 64
    if cp == "extended":
        return 512 * k * 2.0**-mu
    if l == 0 or l == 7 * 2**mu:
        return 144 * k * 2.0**-mu + 16 * k
    return 144 * k * 2.0**-mu


# --- §4.1 constants -------------------------------------------------------------------


def test_constants():
    assert T_C == pytest.approx(0.509e-9, rel=1e-3)
    assert T_S / T_C == pytest.approx(64.0, rel=1e-12)
    assert KAPPA == 64
    assert DELTA_F_MAX == 480e3 and N_F == 4096
    assert DELTA_F_MAX * N_F / 100 * T_C == pytest.approx(T_F, rel=1e-12)
    assert DELTA_F_MAX * N_F / 1000 * T_C == pytest.approx(T_SF, rel=1e-12)


# --- Table 4.2-1 ----------------------------------------------------------------------


def test_table_4_2_1():
    assert [scs_khz(mu) for mu in MU_VALUES] == [15, 30, 60, 120, 240, 480, 960]
    assert [mu_from_scs(15 * 2**mu) for mu in MU_VALUES] == list(MU_VALUES)
    assert mu_from_scs(30.0) == 1
    assert mu_from_scs(np.int64(60)) == 2
    for mu in MU_VALUES:
        assert check_cp("normal", mu) == "normal"
    assert check_cp("extended", 2) == "extended"


@pytest.mark.parametrize("mu", [0, 1, 3, 4, 5, 6])
def test_extended_cp_only_for_mu2(mu):
    with pytest.raises(ConfigError, match="extended"):
        check_cp("extended", mu)


# --- Tables 4.3.2-1, 4.3.2-2 ----------------------------------------------------------


@pytest.mark.parametrize("mu", MU_VALUES)
def test_table_4_3_2_1(mu):
    assert symbols_per_slot("normal") == 14
    assert slots_per_frame(mu) == [10, 20, 40, 80, 160, 320, 640][mu]
    assert slots_per_subframe(mu) == [1, 2, 4, 8, 16, 32, 64][mu]
    assert symbols_per_subframe(mu) == 14 * 2**mu


def test_table_4_3_2_2():
    assert symbols_per_slot("extended") == 12
    assert slots_per_frame(2) == 40
    assert slots_per_subframe(2) == 4
    assert symbols_per_subframe(2, "extended") == 48


# --- §5.3.1 CP lengths ----------------------------------------------------------------


@pytest.mark.parametrize(("mu", "cp"), NUMEROLOGIES)
def test_cp_lengths_tc_match_formula_and_fill_a_subframe(mu, cp):
    n_cp = cp_lengths_tc(mu, cp)
    assert n_cp.dtype == np.int64
    assert n_cp.size == symbols_per_subframe(mu, cp)
    np.testing.assert_array_equal(n_cp, [n_cp_twin_tc(mu, cp, l) for l in range(n_cp.size)])
    assert n_u_tc(mu) == 2048 * 64 * 2.0**-mu
    # One subframe is exactly 1 ms = 1 966 080 T_c.
    assert int(n_cp.sum()) + n_cp.size * n_u_tc(mu) == round(T_SF / T_C) == 1_966_080


@pytest.mark.parametrize(("mu", "cp"), NUMEROLOGIES)
def test_symbol_starts(mu, cp):
    t = symbol_starts_tc(mu, cp)
    n_cp = cp_lengths_tc(mu, cp)
    assert t[0] == 0
    np.testing.assert_array_equal(np.diff(t), n_cp[:-1] + n_u_tc(mu))
    for slot in (0, slots_per_subframe(mu) - 1, slots_per_frame(mu) - 1):
        n = symbols_per_slot(cp)
        i = slot % slots_per_subframe(mu)
        np.testing.assert_array_equal(symbol_starts_tc(mu, cp, slot=slot), t[i * n : i * n + n])


def test_lte_compatible_lengths_mu0():
    n_cp = cp_lengths_samples(0, fft_size=2048)
    np.testing.assert_array_equal(n_cp, [160] + [144] * 6 + [160] + [144] * 6)
    assert int(n_cp.sum()) + 14 * 2048 == 30720 == round(1e-3 * sample_rate(0, 2048))


def test_long_cp_positions_mu1():
    # l = 0 (slot 0 symbol 0) and l = 7 * 2 = 14 (slot 1 symbol 0) get the longer CP.
    np.testing.assert_array_equal(cp_lengths_samples(1, fft_size=4096, slot=0), [352] + [288] * 13)
    np.testing.assert_array_equal(cp_lengths_samples(1, fft_size=4096, slot=1), [352] + [288] * 13)
    np.testing.assert_array_equal(cp_lengths_samples(1, fft_size=4096, slot=7), [352] + [288] * 13)


def test_long_cp_positions_mu2():
    # l = 0 and l = 28: symbol 0 of slots 0 and 2 of each subframe; slots 1 and 3 have none.
    long_, short = 144 + 64, 144  # fft 2048: 16 kappa T_c = 16 * 64 * 2048 / N_u = 64 samples
    for slot in range(8):
        expect = [long_ if slot % 2 == 0 else short] + [short] * 13
        np.testing.assert_array_equal(cp_lengths_samples(2, fft_size=2048, slot=slot), expect)
    assert samples_per_slot(2, fft_size=2048, slot=0) - samples_per_slot(
        2, fft_size=2048, slot=1
    ) == 16 * 64 * 2048 // (2048 * 64 // 4)


def test_extended_cp_mu2():
    np.testing.assert_array_equal(cp_lengths_samples(2, "extended", fft_size=512), [128] * 48)
    assert samples_per_slot(2, "extended", fft_size=512, slot=3) == 12 * (512 + 128)


@settings(max_examples=60, deadline=None)
@given(
    numerology=st.sampled_from(NUMEROLOGIES),
    fft_mult=st.integers(1, 48),
    data=st.data(),
)
def test_slots_fill_a_subframe_exactly(numerology, fft_mult, data):
    mu, cp = numerology
    fft_size = 128 * fft_mult
    fs = sample_rate(mu, fft_size)
    n_slots = slots_per_subframe(mu)
    sub = data.draw(st.integers(0, 9), label="subframe")
    total = sum(
        samples_per_slot(mu, cp, fft_size=fft_size, slot=sub * n_slots + s) for s in range(n_slots)
    )
    assert total == round(fs * 1e-3)
    # Per-symbol lengths in samples are the exact conversion of the T_c lengths.
    slot = data.draw(st.integers(0, slots_per_frame(mu) - 1), label="slot")
    n_cp = cp_lengths_samples(mu, cp, fft_size=fft_size, slot=slot)
    i = slot % n_slots
    n = symbols_per_slot(cp)
    twin = [
        n_cp_twin_tc(mu, cp, l) * fft_size / (2048 * 64 * 2.0**-mu) for l in range(n * i, n * i + n)
    ]
    np.testing.assert_array_equal(n_cp, twin)
    # The longer prefix: exactly at l = 0 and l = 7 * 2^mu of the subframe (normal CP).
    if cp == "normal":
        is_long = [(n * i + j) % (7 * 2**mu) == 0 for j in range(n)]
        np.testing.assert_array_equal(n_cp > (144 * fft_size) // 2048, is_long)


def test_sample_rate_and_min_fft_size():
    assert sample_rate(1, 4096) == 122.88e6
    assert sample_rate(6, 128) == 128 * 960e3
    assert min_fft_size(273 * 12) == 4096
    assert min_fft_size(106 * 12) == 2048
    assert min_fft_size(51 * 12) == 1024
    assert min_fft_size(275 * 12) == 4096
    assert min_fft_size(1) == 128
    assert min_fft_size(3276, max_occupancy=1) == 4096
    assert min_fft_size(1024, max_occupancy=1) == 1024
    assert min_fft_size(1025, max_occupancy=1.0) == 2048


@settings(max_examples=50, deadline=None)
@given(n_sc=st.integers(1, 3300), occ=st.floats(0.3, 1.0))
def test_min_fft_size_is_smallest(n_sc, occ):
    n = min_fft_size(n_sc, max_occupancy=occ)
    assert n >= 128 and n & (n - 1) == 0
    assert n_sc <= occ * n + 1e-9
    assert n == 128 or n_sc > occ * (n // 2)
    check_fft_size(n, 0)  # CP lengths are whole samples for every power of two >= 128


def test_check_helpers_accept():
    assert check_mu(np.int32(3)) == 3
    assert check_n_size_grid(275) == 275
    assert check_slot(39, 2) == 39
    assert check_fft_size(1536, 0) == 1536  # 15 MHz sizes are not powers of two


# --- validation branches --------------------------------------------------------------


@pytest.mark.parametrize("mu", [-1, 7, 1.0, True, "1"])
def test_bad_mu(mu):
    with pytest.raises(ConfigError, match="mu"):
        scs_khz(mu)


def test_bad_scs():
    with pytest.raises(ConfigError, match="scs_khz"):
        mu_from_scs(45)
    with pytest.raises(ConfigError, match="scs_khz"):
        mu_from_scs("30")


def test_bad_cp():
    with pytest.raises(ConfigError, match="cp"):
        symbols_per_slot("ext")
    with pytest.raises(ConfigError, match="extended"):
        cp_lengths_tc(1, "extended")


def test_bad_slot():
    with pytest.raises(ConfigError, match="slot"):
        cp_lengths_tc(1, slot=20)
    with pytest.raises(ConfigError, match="slot"):
        symbol_starts_tc(0, slot=-1)


@pytest.mark.parametrize("n", [0, 276, 10.0])
def test_bad_n_size_grid(n):
    with pytest.raises(ConfigError, match="n_size_grid"):
        check_n_size_grid(n)


@pytest.mark.parametrize(
    ("fft_size", "cp", "mu"),
    [(100, "normal", 0), (1000, "normal", 3), (130, "extended", 2), (64, "normal", 6)],
)
def test_non_integer_cp_samples(fft_size, cp, mu):
    with pytest.raises(ConfigError, match="fft_size"):
        cp_lengths_samples(mu, cp, fft_size=fft_size)


@pytest.mark.parametrize("fft_size", [0, -128, 128.0])
def test_bad_fft_size(fft_size):
    with pytest.raises(ConfigError, match="fft_size"):
        cp_lengths_samples(0, fft_size=fft_size)
    with pytest.raises(ConfigError, match="fft_size"):
        sample_rate(0, fft_size)


def test_bad_min_fft_size_args():
    with pytest.raises(ConfigError, match="n_sc"):
        min_fft_size(0)
    for occ in (0, 1.5, -0.5, math.nan, "0.8"):
        with pytest.raises(ConfigError, match="max_occupancy"):
            min_fft_size(12, max_occupancy=occ)
