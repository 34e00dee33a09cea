"""Tests of layer mapping, TS 38.211 §7.3.1.3 (Table 7.3.1.3-1), §6.3.1.3 (Table 6.3.1.3-1)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.layer_mapping import codeword_layers, layer_demap, layer_map

# Table 7.3.1.3-1 written out: num_layers -> per codeword, the number of layers.
TABLE_7_3_1_3_1 = {1: (1,), 2: (2,), 3: (3,), 4: (4,), 5: (2, 3), 6: (3, 3), 7: (3, 4),
                   8: (4, 4)}
DTYPES = [np.complex64, np.complex128, np.float32, np.float64, np.int8, np.uint8, np.int64]


def layer_map_twin(cws, num_layers):
    """Literal Table 7.3.1.3-1: x^(ν)(i) = d^(q)(υ_q·i + ν_q), one element at a time."""
    per_cw = TABLE_7_3_1_3_1[num_layers]
    m_layer = len(cws[0]) // per_cw[0]
    x = [[None] * m_layer for _ in range(num_layers)]
    layer = 0
    for dq, v_q in zip(cws, per_cw, strict=True):
        for nu in range(v_q):
            for i in range(m_layer):
                x[layer][i] = dq[v_q * i + nu]
            layer += 1
    return np.array(x)


def _codewords(rng, num_layers, m_layer, batch=(), dtype=np.complex64):
    cws = []
    for v_q in codeword_layers(num_layers):
        shape = (*batch, v_q * m_layer)
        a = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        if np.dtype(dtype).kind == "c":
            cws.append(a.astype(dtype))
        else:
            cws.append((100 * a.real).astype(dtype))
    return cws


def _arg(cws):
    return cws[0] if len(cws) == 1 else cws


# --- codeword_layers ---------------------------------------------------------------------


@pytest.mark.parametrize("v", range(1, 9))
def test_codeword_layers_table(v):
    assert codeword_layers(v) == TABLE_7_3_1_3_1[v]
    assert sum(codeword_layers(v)) == v
    if v >= 5:  # floor(υ/2) and ceil(υ/2)
        assert codeword_layers(v) == (v // 2, -(-v // 2))


@pytest.mark.parametrize("bad", [0, 9, -1, 2.0, True, "4", None])
def test_codeword_layers_rejects(bad):
    with pytest.raises(ConfigError, match="num_layers"):
        codeword_layers(bad)


# --- explicit table ordering -----------------------------------------------------------------


@pytest.mark.parametrize("v", [1, 2, 3, 4])
def test_one_codeword_layer_nu_gets_d_of_v_i_plus_nu(v):
    m_layer = 5
    d = np.arange(v * m_layer)
    x = layer_map(d, v)
    assert x.shape == (v, m_layer)
    for nu in range(v):
        for i in range(m_layer):
            assert x[nu, i] == d[v * i + nu]


def test_four_layers_explicit():
    d = np.arange(8)
    np.testing.assert_array_equal(layer_map(d, 4), [[0, 4], [1, 5], [2, 6], [3, 7]])


@pytest.mark.parametrize("v", [5, 6, 7, 8])
def test_two_codewords_explicit_split(v):
    """Table 7.3.1.3-1: codeword 0 -> layers 0..⌊υ/2⌋−1, codeword 1 -> the rest."""
    v0, v1 = v // 2, v - v // 2
    m_layer = 3
    d0 = np.arange(v0 * m_layer)
    d1 = 1000 + np.arange(v1 * m_layer)
    x = layer_map([d0, d1], v)
    assert x.shape == (v, m_layer)
    for nu in range(v0):
        np.testing.assert_array_equal(x[nu], d0[nu::v0])
    for nu in range(v1):
        np.testing.assert_array_equal(x[v0 + nu], d1[nu::v1])


def test_five_layers_literal_rows():
    """υ = 5: x0=d0(2i), x1=d0(2i+1), x2=d1(3i), x3=d1(3i+1), x4=d1(3i+2)."""
    d0 = np.array([10, 11, 12, 13])
    d1 = np.array([20, 21, 22, 23, 24, 25])
    np.testing.assert_array_equal(
        layer_map((d0, d1), 5), [[10, 12], [11, 13], [20, 23], [21, 24], [22, 25]]
    )


@settings(max_examples=60, deadline=None)
@given(v=st.integers(1, 8), m_layer=st.integers(1, 12), seed=st.integers(0, 2**32 - 1))
def test_matches_literal_twin(v, m_layer, seed):
    rng = np.random.default_rng(seed)
    cws = _codewords(rng, v, m_layer)
    np.testing.assert_array_equal(layer_map(_arg(cws), v), layer_map_twin(cws, v))


# --- round trips -------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    v=st.integers(1, 8),
    m_layer=st.integers(0, 40),
    batch=st.lists(st.integers(1, 3), max_size=2).map(tuple),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**32 - 1),
)
def test_map_demap_round_trip(v, m_layer, batch, dtype, seed):
    rng = np.random.default_rng(seed)
    cws = _codewords(rng, v, m_layer, batch, dtype)
    x = layer_map(_arg(cws), v)
    assert x.shape == (*batch, v, m_layer)
    assert x.dtype == np.dtype(dtype)
    back = layer_demap(x, num_codewords=len(cws))
    if len(cws) == 1:
        back = (back,)
    assert len(back) == len(cws)
    for b, d in zip(back, cws, strict=True):
        assert b.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(b, d)


@settings(max_examples=40, deadline=None)
@given(v=st.integers(1, 8), m_layer=st.integers(1, 20), seed=st.integers(0, 2**32 - 1))
def test_demap_map_round_trip(v, m_layer, seed):
    """Demapping per-RE noise variances (float32) and mapping back is the identity."""
    rng = np.random.default_rng(seed)
    x = rng.random((2, v, m_layer)).astype(np.float32)
    n_cw = len(codeword_layers(v))
    d = layer_demap(x, n_cw)
    np.testing.assert_array_equal(layer_map(d, v), x)


def test_batched_equals_per_example():
    rng = np.random.default_rng(1)
    cws = _codewords(rng, 7, 6, batch=(4, 2))
    x = layer_map(cws, 7)
    for a in range(4):
        for b in range(2):
            np.testing.assert_array_equal(x[a, b], layer_map([c[a, b] for c in cws], 7))


def test_sequence_of_one_codeword_and_list_input():
    d = np.arange(6)
    np.testing.assert_array_equal(layer_map([d], 3), layer_map(d, 3))
    np.testing.assert_array_equal(layer_map([0, 1, 2, 3], 2), [[0, 2], [1, 3]])


def test_demap_two_codewords_shapes():
    x = np.arange(7 * 4).reshape(7, 4)
    d0, d1 = layer_demap(x, 2)
    assert d0.shape == (12,) and d1.shape == (16,)
    np.testing.assert_array_equal(d0[:3], [x[0, 0], x[1, 0], x[2, 0]])
    np.testing.assert_array_equal(d1[:4], [x[3, 0], x[4, 0], x[5, 0], x[6, 0]])


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, 9, 2.5, True])
def test_layer_map_rejects_num_layers(bad):
    with pytest.raises(ConfigError, match="num_layers"):
        layer_map(np.zeros(8), bad)


def test_layer_map_rejects_one_codeword_for_five_layers():
    with pytest.raises(ConfigError, match=r"num_layers=5.*Table 7\.3\.1\.3-1"):
        layer_map(np.zeros(10), 5)


def test_layer_map_rejects_two_codewords_for_four_layers():
    with pytest.raises(ConfigError, match="num_layers=4"):
        layer_map([np.zeros(4), np.zeros(4)], 4)


def test_layer_map_rejects_scalar_codeword():
    with pytest.raises(ConfigError, match="d\\^\\(0\\)"):
        layer_map(np.complex64(1), 1)


def test_layer_map_rejects_indivisible_m_symb():
    with pytest.raises(ConfigError, match=r"M_symb\^\(0\)=7.*multiple of 3.*Table 7\.3\.1\.3-1"):
        layer_map(np.zeros(7), 3)


def test_layer_map_rejects_indivisible_second_codeword():
    with pytest.raises(ConfigError, match=r"M_symb\^\(1\)=7.*multiple of 3"):
        layer_map([np.zeros(4), np.zeros(7)], 5)


def test_layer_map_rejects_unequal_m_symb_layer():
    with pytest.raises(ConfigError, match=r"M_symb\^\(1\)=9.*must be 6"):
        layer_map([np.zeros(4), np.zeros(9)], 5)


def test_layer_map_rejects_different_batch_shapes():
    with pytest.raises(ConfigError, match="batch shape"):
        layer_map([np.zeros((2, 4)), np.zeros((3, 6))], 5)


@pytest.mark.parametrize("bad", [0, 3, 1.0])
def test_layer_demap_rejects_num_codewords(bad):
    with pytest.raises(ConfigError, match="num_codewords"):
        layer_demap(np.zeros((2, 3)), bad)


def test_layer_demap_rejects_1d():
    with pytest.raises(ConfigError, match="x has shape"):
        layer_demap(np.zeros(6))


@pytest.mark.parametrize(("v", "n_cw"), [(5, 1), (8, 1), (4, 2), (1, 2), (9, 2), (0, 1)])
def test_layer_demap_rejects_layer_count(v, n_cw):
    with pytest.raises(ConfigError, match="num_layers"):
        layer_demap(np.zeros((v, 3)), n_cw)
