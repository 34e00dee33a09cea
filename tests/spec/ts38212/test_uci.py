"""UCI on PUCCH: bit sequence, E_tot, coding chain — TS 38.212 §6.3.1."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38212.crc import crc_remainder
from nrlink.spec.ts38212.polar import polar_encode
from nrlink.spec.ts38212.small_block import PLACEHOLDER_X, PLACEHOLDER_Y, RM_BASIS
from nrlink.spec.ts38212.uci import (
    e_tot,
    uci_bit_sequence,
    uci_code_parameters,
    uci_encode,
)

X, Y = PLACEHOLDER_X, PLACEHOLDER_Y

# ----------------------------------------------------------------------- slow twins


def small_twin(a, e, qm):
    """§5.3.3 + §5.4.3 written out for one payload."""
    a = [int(v) for v in a]
    if len(a) == 1:
        d = [a[0]] if qm == 1 else [a[0], Y] + [X] * (qm - 2)
    elif len(a) == 2:
        c2 = a[0] ^ a[1]
        pad = [X] * (qm - 2)
        d = ([a[0], a[1], c2] if qm == 1 else
             [a[0], a[1]] + pad + [c2, a[0]] + pad + [a[1], c2] + pad)
    else:
        d = [sum(a[n] * int(RM_BASIS[i, n]) for n in range(len(a))) % 2 for i in range(32)]
    return [d[k % len(d)] for k in range(e)]


def segmented_twin(a, e):
    """§5.2.1 segmentation of one payload (I_seg = 1), then polar per segment, §6.3.1.5."""
    a = [int(v) for v in a]
    a_prime = -(-len(a) // 2) * 2
    padded = [0] * (a_prime - len(a)) + a
    e_r = e // 2
    out = []
    for r in range(2):
        seg = np.array(padded[r * a_prime // 2:(r + 1) * a_prime // 2], np.uint8)
        out.extend(polar_encode(seg[None], seg.size, e_r, "uplink", segmented=True)[0])
    return out + [0] * (e - 2 * e_r)


# ----------------------------------------------------------------------- bit sequence


def test_uci_bit_sequence_order_and_batch():
    ack = np.array([[1, 0], [0, 1]], np.uint8)
    a = uci_bit_sequence(harq_ack=ack, sr=[1], csi_part1=np.array([0, 0, 1], np.int8))
    assert a.tolist() == [[1, 0, 1, 0, 0, 1], [0, 1, 1, 0, 0, 1]]
    assert uci_bit_sequence(csi_part1=[1, 1]).tolist() == [1, 1]  # CSI only
    assert uci_bit_sequence(harq_ack=[], sr=[0]).tolist() == [0]  # SR only
    assert uci_bit_sequence(harq_ack=np.ones(1706, np.uint8)).shape == (1706,)


def test_raises_uci_bit_sequence():
    with pytest.raises(ConfigError, match=r"absent.*§6\.3\.1\.1"):
        uci_bit_sequence()
    with pytest.raises(ConfigError, match="A=1707"):
        uci_bit_sequence(harq_ack=np.ones(1700, np.uint8), csi_part1=np.ones(7, np.uint8))
    with pytest.raises(ConfigError, match="sr holds"):
        uci_bit_sequence(harq_ack=[1], sr=[2])
    with pytest.raises(ConfigError, match="do not broadcast"):
        uci_bit_sequence(harq_ack=np.ones((2, 3), np.uint8), sr=np.ones((3, 1), np.uint8))


# ----------------------------------------------------------------------- E_tot


def test_e_tot_table():
    assert e_tot(2, 1) == 16
    assert e_tot(2, 2, n_prb=16) == 16 * 2 * 16
    assert e_tot(3, 12, n_prb=15) == 24 * 12 * 15
    assert e_tot(3, 2, n_prb=5, pi2_bpsk=True) == 12 * 2 * 5
    assert e_tot(4, 12, n_sf=2) == 24 * 12 // 2
    assert e_tot(4, 10, n_sf=4, pi2_bpsk=True) == 12 * 10 // 4
    assert e_tot(4, 3, n_sf=4, pi2_bpsk=True) == 9  # odd: 3 symbols of 3 π/2-BPSK bits


@pytest.mark.parametrize("kwargs,match", [
    ({"pucch_format": 1, "n_symb_uci": 1}, "pucch_format=1"),
    ({"pucch_format": 2, "n_symb_uci": 3}, "n_symb_uci=3"),
    ({"pucch_format": 2, "n_symb_uci": 1, "n_prb": 17}, "n_prb=17"),
    ({"pucch_format": 2, "n_symb_uci": 1, "pi2_bpsk": True}, "pi2_bpsk=True"),
    ({"pucch_format": 2, "n_symb_uci": 1, "n_sf": 2}, "n_sf=2"),
    ({"pucch_format": 3, "n_symb_uci": 1}, "n_symb_uci=1"),
    ({"pucch_format": 3, "n_symb_uci": 13}, "n_symb_uci=13"),
    ({"pucch_format": 3, "n_symb_uci": 4, "n_prb": 7}, "n_prb=7"),
    ({"pucch_format": 3, "n_symb_uci": 4, "n_sf": 2}, "n_sf=2"),
    ({"pucch_format": 3, "n_symb_uci": 4, "pi2_bpsk": 1}, "pi2_bpsk=1"),
    ({"pucch_format": 4, "n_symb_uci": 4}, "n_sf=None"),
    ({"pucch_format": 4, "n_symb_uci": 4, "n_sf": 1}, "n_sf=1"),
    ({"pucch_format": 4, "n_symb_uci": 4, "n_sf": 2, "n_prb": 2}, "n_prb=2"),
])
def test_raises_e_tot(kwargs, match):
    with pytest.raises(ConfigError, match=match + r".*§6\.3\.1\.4"):
        e_tot(**kwargs)


# ----------------------------------------------------------------------- parameters


def test_code_parameters_schemes_and_crc():
    assert uci_code_parameters(1, 4, qm=4).scheme == "repetition"
    assert uci_code_parameters(1, 4, qm=4).n == 4
    assert uci_code_parameters(2, 4, qm=4).n == 12
    p = uci_code_parameters(11, 20)
    assert (p.scheme, p.n, p.crc, p.c) == ("reed-muller", 32, None, 1)
    p = uci_code_parameters(12, 40)
    assert (p.scheme, p.crc, p.k_r, p.c) == ("polar", "6", 18, 1)
    p = uci_code_parameters(20, 40)
    assert (p.crc, p.k_r) == ("11", 31)


@pytest.mark.parametrize("a,e,c", [
    (359, 2000, 1), (360, 1087, 1), (360, 1088, 2), (1012, 1087, 1), (1013, 1087, 2),
    (1706, 4608, 2),
])
def test_segmentation_rule(a, e, c):
    p = uci_code_parameters(a, e)
    assert p.c == c
    assert p.a_prime == -(-a // c) * c
    assert p.e_r == e // c
    assert p.k_r == p.a_prime // c + 11


# ----------------------------------------------------------------------- encoder


@settings(max_examples=60, deadline=None)
@given(a_len=st.integers(1, 11), qm=st.sampled_from([1, 2, 4, 6, 8]), data=st.data())
def test_uci_encode_small_twin(a_len, qm, data):
    e = data.draw(st.integers(a_len, 120))
    a = np.array(data.draw(st.lists(st.integers(0, 1), min_size=a_len, max_size=a_len)),
                 np.uint8)
    g = uci_encode(a, e, qm=qm)
    assert g.dtype == np.uint8 and g.shape == (e,)
    assert g.tolist() == small_twin(a, e, qm)


def test_uci_encode_polar_unsegmented_is_polar_encode():
    rng = np.random.default_rng(4)
    for a_len, e in [(12, 40), (19, 300), (20, 64), (359, 2000), (1012, 1087)]:
        a = rng.integers(0, 2, (2, a_len), dtype=np.uint8)
        np.testing.assert_array_equal(uci_encode(a, e), polar_encode(a, a_len, e, "uplink"))


@pytest.mark.parametrize("a_len,e", [(360, 1088), (361, 1089), (1013, 1100), (1705, 4608)])
def test_uci_encode_segmented_twin(a_len, e):
    rng = np.random.default_rng(a_len)
    a = rng.integers(0, 2, (2, a_len), dtype=np.uint8)
    g = uci_encode(a, e)
    assert g.shape == (2, e)
    for b in range(2):
        assert g[b].tolist() == segmented_twin(a[b], e)


def test_segment_crc_covers_filler_bit():
    # odd A: the filler 0 leads segment 0 and is inside its CRC (§5.2.1)
    a = np.random.default_rng(8).integers(0, 2, 361, dtype=np.uint8)
    seg0 = np.concatenate([[0], a[:180]]).astype(np.uint8)
    assert crc_remainder(seg0[None], "11").shape == (1, 11)
    np.testing.assert_array_equal(uci_encode(a, 1090)[:545],
                                  polar_encode(seg0, 181, 545, "uplink", segmented=True))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_len=st.integers(12, 1706), data=st.data())
def test_uci_encode_shapes_big(a_len, data):
    e = data.draw(st.integers(a_len + 11, min(2 * (a_len + 11) + 600, 8192)))
    try:
        uci_code_parameters(a_len, e)
    except ConfigError:
        assume(False)
    a = np.random.default_rng(a_len).integers(0, 2, (1, a_len), dtype=np.uint8)
    g = uci_encode(a, e)
    assert g.shape == (1, e) and g.max() <= 1


def test_uci_encode_batch_dims():
    a = np.zeros((2, 3, 5), np.uint8)
    assert uci_encode(a, 40).shape == (2, 3, 40)
    assert uci_encode(np.zeros((2, 1), np.uint8), 8, qm=4).tolist() == [[0, Y, X, X] * 2] * 2


# ----------------------------------------------------------------------- validation


def test_raises_uci_encode():
    with pytest.raises(ConfigError, match="A=0"):
        uci_encode(np.zeros(0, np.uint8), 10)
    with pytest.raises(ConfigError, match="A=1707"):
        uci_encode(np.zeros(1707, np.uint8), 4000)
    with pytest.raises(ConfigError, match=r"e=4 .*E ≥ K"):
        uci_encode(np.zeros(5, np.uint8), 4)
    with pytest.raises(ConfigError, match=r"e=30 .*E ≥ K"):
        uci_encode(np.zeros(20, np.uint8), 30)  # K = 31
    with pytest.raises(ConfigError, match="e=0"):
        uci_encode(np.zeros(3, np.uint8), 0)
    with pytest.raises(ConfigError, match="e=16385"):
        uci_encode(np.zeros(3, np.uint8), 16385)
    with pytest.raises(ConfigError, match="e=8193"):
        uci_encode(np.zeros(100, np.uint8), 8193)  # polar E ≤ 8192 (§5.4.1)
    with pytest.raises(ConfigError, match="qm=3"):
        uci_encode(np.zeros(1, np.uint8), 4, qm=3)
    with pytest.raises(ConfigError, match="a holds"):
        uci_encode(np.array([0, 2]), 4)


def test_raises_uci_code_parameters():
    with pytest.raises(ConfigError, match=r"a_size=0.*§6\.3\.1"):
        uci_code_parameters(0, 10)
    with pytest.raises(ConfigError, match="a_size=1707"):
        uci_code_parameters(1707, 4000)
    with pytest.raises(ConfigError, match="e=2.5"):
        uci_code_parameters(3, 2.5)
