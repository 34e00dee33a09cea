"""Tests of the low-PAPR sequences, TS 38.211 §5.2.2, and PUSCH DMRS hopping, §6.4.1.1.1.2."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.low_papr import (
    PHI_TABLES,
    largest_prime_below,
    low_papr_base_sequence,
    low_papr_sequence_type1,
    low_papr_sequence_type2,
    pusch_dmrs_hopping,
)
from nrlink.spec.ts38211.prbs import gold_sequence

M_ZC_ALL = (6, 12, 18, 24, 30, 36, 48, 60, 72, 96, 120, 144, 300, 1644)


def _is_prime(n):
    return n > 1 and all(n % d for d in range(2, int(n**0.5) + 1))


def test_largest_prime_below():
    for m in (3, 4, 36, 48, 72, 100, 1644, 1650):
        p = largest_prime_below(m)
        assert p < m and _is_prime(p)
        assert not any(_is_prime(q) for q in range(p + 1, m))
    assert largest_prime_below(36) == 31
    assert largest_prime_below(1644) == 1637


def test_phi_tables_shape_and_spot_values():
    for m in (6, 12, 18, 24):
        t = PHI_TABLES[m]
        assert t.shape == (30, m) and t.dtype == np.int8
        assert set(np.unique(t).tolist()) <= {-3, -1, 1, 3}
        assert np.unique(t, axis=0).shape[0] == 30  # 30 different groups
        assert not t.flags.writeable
    # first and last rows of Tables 5.2.2.2-1 .. 5.2.2.2-4
    spec_rows = {
        (6, 0): "-3 -1 3 3 -1 -3",
        (6, 29): "1 1 -3 1 -1 -1",
        (12, 0): "-3 1 -3 -3 -3 3 -3 -1 1 1 1 -3",
        (12, 29): "-3 3 -3 3 -3 -3 3 -1 -1 1 3 -3",
        (18, 0): "-1 3 -1 -3 3 1 -3 -1 3 -3 -1 -1 1 1 1 -1 -1 -1",
        (18, 29): "-3 3 1 -1 -1 -1 -1 1 -1 3 3 -3 -1 1 3 -1 3 -1",
        (24, 0): "-1 -3 3 -1 3 1 3 -1 1 -3 -1 -3 -1 1 3 -3 -1 -3 3 3 3 -3 -3 -3",
        (24, 29): "3 -3 -1 1 3 -1 -1 -3 -1 3 -1 -3 -1 -3 3 -1 3 1 1 -3 3 -3 -3 -3",
    }
    for (m, u), row in spec_rows.items():
        assert " ".join(map(str, PHI_TABLES[m][u].tolist())) == row


@pytest.mark.parametrize("m_zc", M_ZC_ALL)
def test_constant_modulus_and_length(m_zc):
    for u in range(30):
        for v in (0, 1) if m_zc >= 72 else (0,):
            r = low_papr_base_sequence(u, v, m_zc)
            assert r.dtype == np.complex64 and r.shape == (m_zc,)
            np.testing.assert_allclose(np.abs(r), 1.0, atol=1e-6)


def test_short_sequences_from_phi():
    for m in (6, 12, 18, 24):
        for u in (0, 7, 29):
            want = np.exp(1j * np.pi / 4 * PHI_TABLES[m][u])
            np.testing.assert_allclose(low_papr_base_sequence(u, 0, m), want, atol=1e-6)
    n = np.arange(30)
    for u in range(30):
        want = np.exp(-1j * np.pi * (u + 1) * (n + 1) * (n + 2) / 31)
        np.testing.assert_allclose(low_papr_base_sequence(u, 0, 30), want, atol=1e-5)


@pytest.mark.parametrize("m_zc", (36, 48, 72, 144, 300))
def test_zadoff_chu_definition(m_zc):
    """§5.2.2.1 with q̄ in floating point (no tie occurs for these lengths)."""
    n_zc = largest_prime_below(m_zc)
    n = np.arange(m_zc)
    for u in range(30):
        for v in (0, 1) if m_zc >= 72 else (0,):
            q_bar = n_zc * (u + 1) / 31
            q = int(np.floor(q_bar + 0.5) + v * (-1) ** int(np.floor(2 * q_bar)))
            m = n % n_zc
            want = np.exp(-1j * np.pi * q * m * (m + 1) / n_zc)
            np.testing.assert_allclose(low_papr_base_sequence(u, v, m_zc), want, atol=2e-5)


@pytest.mark.parametrize("m_zc", (36, 72, 144))
def test_zadoff_chu_ideal_autocorrelation(m_zc):
    """The first N_ZC samples are a prime-length ZC sequence: zero periodic autocorrelation
    at every non-zero lag; v = 0 and v = 1 are different sequences."""
    n_zc = largest_prime_below(m_zc)
    for u in (0, 13, 29):
        x = low_papr_base_sequence(u, 0, m_zc)[:n_zc].astype(np.complex128)
        corr = np.fft.ifft(np.abs(np.fft.fft(x)) ** 2)  # periodic autocorrelation
        assert abs(corr[0] - n_zc) < 1e-3
        assert np.max(np.abs(corr[1:])) < 1e-3
        # the cyclic extension repeats the start
        full = low_papr_base_sequence(u, 0, m_zc)
        np.testing.assert_array_equal(full[n_zc:], full[: m_zc - n_zc])
        if m_zc >= 72:
            assert not np.allclose(full, low_papr_base_sequence(u, 1, m_zc))


@given(
    m_zc=st.sampled_from(M_ZC_ALL),
    u=st.integers(0, 29),
    k1=st.integers(0, 11),
    k2=st.integers(0, 11),
)
@settings(max_examples=40, deadline=None)
def test_cyclic_shifts_orthogonal(m_zc, u, k1, k2):
    """r^(α) with α = 2π k / 12 are orthogonal for different k when 12 divides M_ZC."""
    a = low_papr_sequence_type1(u, 0, 2 * np.pi * k1 / 12, m_zc).astype(np.complex128)
    b = low_papr_sequence_type1(u, 0, 2 * np.pi * k2 / 12, m_zc).astype(np.complex128)
    n = np.arange(m_zc)
    np.testing.assert_allclose(
        a, np.exp(2j * np.pi * k1 / 12 * n) * low_papr_base_sequence(u, 0, m_zc), atol=1e-4
    )
    ip = np.vdot(b, a)
    if m_zc % 12 == 0:
        assert abs(ip - (m_zc if k1 == k2 else 0)) < 1e-3 * m_zc
    np.testing.assert_allclose(np.abs(a), 1, atol=1e-5)


def test_short_sequences_low_cross_correlation_between_groups():
    """The computer-generated sequences of different groups have low cross-correlation."""
    for m in (12, 24):
        seqs = np.array([low_papr_base_sequence(u, 0, m) for u in range(30)])
        gram = np.abs(seqs.conj() @ seqs.T) / m
        np.fill_diagonal(gram, 0)
        assert gram.max() < 0.8


# --- hopping ----------------------------------------------------------------------------


def test_hopping_off():
    for n_id in (0, 29, 30, 37, 1007):
        assert pusch_dmrs_hopping(n_id_rs=n_id, n_symb_slot=14, n_slot=5, l=3, m_zc=36) == (
            n_id % 30,
            0,
        )


@given(n_id=st.integers(0, 1007), n_slot=st.integers(0, 159), l=st.integers(0, 13))
@settings(max_examples=40, deadline=None)
def test_group_hopping(n_id, n_slot, l):  # noqa: E741
    u, v = pusch_dmrs_hopping(
        n_id_rs=n_id, n_symb_slot=14, n_slot=n_slot, l=l, m_zc=72, group_hopping=True
    )
    t = 14 * n_slot + l
    c = gold_sequence(n_id // 30, 8 * t + 8)
    f_gh = sum(int(c[8 * t + m]) << m for m in range(8)) % 30
    assert (u, v) == ((f_gh + n_id) % 30, 0)


@given(
    n_id=st.integers(0, 1007),
    n_slot=st.integers(0, 159),
    l=st.integers(0, 11),
    m_zc=st.sampled_from((30, 36, 66, 72, 144)),
)
@settings(max_examples=40, deadline=None)
def test_sequence_hopping(n_id, n_slot, l, m_zc):  # noqa: E741
    u, v = pusch_dmrs_hopping(
        n_id_rs=n_id, n_symb_slot=12, n_slot=n_slot, l=l, m_zc=m_zc, sequence_hopping=True
    )
    t = 12 * n_slot + l
    want_v = int(gold_sequence(n_id, t + 1)[t]) if m_zc >= 72 else 0
    assert (u, v) == (n_id % 30, want_v)


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: low_papr_base_sequence(30, 0, 12), "u="),
        (lambda: low_papr_base_sequence(0, 1, 60), "v="),
        (lambda: low_papr_base_sequence(0, 2, 72), "v="),
        (lambda: low_papr_base_sequence(0, 0, 5), "m_zc"),
        (lambda: low_papr_base_sequence(0, 0, 20), "m_zc"),
        (lambda: low_papr_base_sequence(0, 0, 12.0), "m_zc"),
        (lambda: low_papr_sequence_type1(0, 0, float("inf"), 12), "alpha"),
        (lambda: low_papr_sequence_type1(0, 0, "x", 12), "alpha"),
        (lambda: low_papr_sequence_type1(0, 0, "0.5", 12), "alpha"),  # a string, not a number
        (lambda: largest_prime_below(2), "m="),
        (
            lambda: pusch_dmrs_hopping(n_id_rs=1008, n_symb_slot=14, n_slot=0, l=0, m_zc=36),
            "n_id_rs",
        ),
        (
            lambda: pusch_dmrs_hopping(n_id_rs=1, n_symb_slot=13, n_slot=0, l=0, m_zc=36),
            "n_symb_slot",
        ),
        (lambda: pusch_dmrs_hopping(n_id_rs=1, n_symb_slot=14, n_slot=-1, l=0, m_zc=36), "n_slot"),
        (lambda: pusch_dmrs_hopping(n_id_rs=1, n_symb_slot=12, n_slot=0, l=12, m_zc=36), "l="),
        (lambda: pusch_dmrs_hopping(n_id_rs=1, n_symb_slot=14, n_slot=0, l=0, m_zc=7), "m_zc"),
        (
            lambda: pusch_dmrs_hopping(
                n_id_rs=1,
                n_symb_slot=14,
                n_slot=0,
                l=0,
                m_zc=36,
                group_hopping=True,
                sequence_hopping=True,
            ),
            "hopping",
        ),
    ],
)
def test_raise(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


def test_type2_not_implemented():
    with pytest.raises(NotImplementedError, match="5.2.3"):
        low_papr_sequence_type2(0, 0, 12)
