"""Tests of the BCH transport channel, TS 38.212 §7.1 (MIB of TS 38.331 §6.2.2).

No file of shared/vectors covers the BCH: the checks are literal twins of the clause text
(payload generation, the interleaving loop of §7.1.1, the scrambling loop of §7.1.2)
applied element by element, Table 7.1.1-1 typed out a second time, and round trips.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.prbs import gold_sequence
from nrlink.spec.ts38212.bch import (
    BCH_PAYLOAD_INTERLEAVER_PATTERN,
    Mib,
    bch_deinterleave,
    bch_encode,
    bch_interleave,
    bch_payload,
    bch_payload_fields,
    bch_scramble,
    bch_scrambling_sequence,
    bch_unscrambled_positions,
    mib_bits,
    mib_from_bits,
    sfn_v,
    sfn_v_from_interleaved,
)
from nrlink.spec.ts38212.polar import polar_encode

# Table 7.1.1-1 as printed: (j, G(j)) in two column blocks.
TABLE_7_1_1_1 = [
    (0, 16), (1, 23), (2, 18), (3, 17), (4, 8), (5, 30), (6, 10), (7, 6),
    (8, 24), (9, 7), (10, 0), (11, 5), (12, 3), (13, 2), (14, 1), (15, 4),
    (16, 9), (17, 11), (18, 12), (19, 13), (20, 14), (21, 15), (22, 19), (23, 20),
    (24, 21), (25, 22), (26, 25), (27, 26), (28, 27), (29, 28), (30, 29), (31, 31),
]


# --------------------------------------------------------------------------- twins


def twin_mib_bits(m: Mib) -> list[int]:
    """BCCH-BCH-Message in UPER, field by field (TS 38.331 §6.2.2)."""
    fields = [  # (value, width)
        (0, 1),  # CHOICE: mib
        (m.system_frame_number // 16, 6),
        ({15: 0, 60: 0, 30: 1, 120: 1}[m.sub_carrier_spacing_common], 1),
        (m.k_ssb % 16, 4),
        ({2: 0, 3: 1}[m.dmrs_type_a_position], 1),
        (m.pdcch_config_sib1 // 16, 4),  # controlResourceSetZero
        (m.pdcch_config_sib1 % 16, 4),  # searchSpaceZero
        ({"barred": 0, "notBarred": 1}[m.cell_barred], 1),
        ({"allowed": 0, "notAllowed": 1}[m.intra_freq_reselection], 1),
        (m.spare, 1),
    ]
    out = []
    for value, width in fields:
        out += [int(c) for c in format(value, f"0{width}b")]
    return out


def twin_payload(m: Mib, hrf: int, l_max: int, ssb_index: int) -> list[int]:
    """ā_0..ā_31 per §7.1.1."""
    a = twin_mib_bits(m)
    sfn = m.system_frame_number
    a += [(sfn >> 3) & 1, (sfn >> 2) & 1, (sfn >> 1) & 1, sfn & 1]  # 4th, 3rd, 2nd, 1st LSB
    a += [hrf]
    if l_max == 64:
        a += [(ssb_index >> 5) & 1, (ssb_index >> 4) & 1, (ssb_index >> 3) & 1]  # 6th, 5th, 4th
    else:
        a += [m.k_ssb >> 4, 0, 0]
    return a


def is_sfn_bit(i):
    return 1 <= i <= 6 or 24 <= i <= 27


def twin_interleave(a_bar: list[int]) -> list[int]:
    """The loop of §7.1.1, literally (Ā = 24, A = 32)."""
    g = [g_j for _, g_j in TABLE_7_1_1_1]
    a_cap_bar, a_cap = 24, 32
    a = [None] * a_cap
    j_sfn, j_hrf, j_ssb, j_other = 0, 10, 11, 14
    for i in range(a_cap):
        if is_sfn_bit(i):
            a[g[j_sfn]] = a_bar[i]
            j_sfn += 1
        elif i == a_cap_bar + 4:  # the half radio frame bit
            a[g[j_hrf]] = a_bar[i]
        elif a_cap_bar + 5 <= i <= a_cap_bar + 7:
            a[g[j_ssb]] = a_bar[i]
            j_ssb += 1
        else:
            a[g[j_other]] = a_bar[i]
            j_other += 1
    return a


def twin_scrambling(n_id_cell: int, sfn: int, l_max: int) -> list[int]:
    """The loop of §7.1.2 over the interleaved positions."""
    g = [g_j for _, g_j in TABLE_7_1_1_1]
    a_cap = 32
    m = a_cap - 3 if l_max in (4, 8) else a_cap - 6
    v = {(0, 0): 0, (0, 1): 1, (1, 0): 2, (1, 1): 3}[((sfn >> 2) & 1, (sfn >> 1) & 1)]
    c = gold_sequence(n_id_cell, 200).tolist()
    # interleaved position of each special bit: ā_25 (3rd LSB), ā_26 (2nd LSB) are SFN bits
    # j_SFN = 7, 8; ā_28 is j_HRF = 10; ā_29..31 are j_SSB = 11..13
    special = {g[7], g[8], g[10]}
    if l_max == 64:
        special |= {g[11], g[12], g[13]}
    s = []
    i = j = 0
    while i < a_cap:
        if i in special:
            s.append(0)
        else:
            s.append(c[j + v * m])
            j += 1
        i += 1
    return s


mibs = st.builds(
    Mib,
    system_frame_number=st.integers(0, 1023),
    sub_carrier_spacing_common=st.sampled_from([15, 30]),
    k_ssb=st.integers(0, 31),
    dmrs_type_a_position=st.sampled_from([2, 3]),
    pdcch_config_sib1=st.integers(0, 255),
    cell_barred=st.sampled_from(["barred", "notBarred"]),
    intra_freq_reselection=st.sampled_from(["allowed", "notAllowed"]),
    spare=st.integers(0, 1),
)


@st.composite
def bch_cases(draw):
    """(mib, half_frame, l_max, ssb_index, n_id_cell) consistent with one another."""
    l_max = draw(st.sampled_from([4, 8, 64]))
    m = draw(mibs)
    if l_max == 64:
        m = to_fr2(m)
    return (m, draw(st.integers(0, 1)), l_max, draw(st.integers(0, l_max - 1)),
            draw(st.integers(0, 1007)))


def _fields(m: Mib) -> dict:
    return {name: getattr(m, name) for name in Mib.__dataclass_fields__}


def to_fr2(m: Mib) -> Mib:
    """The same MIB with FR2 content: 60/120 kHz common SCS, k_SSB ≤ 15."""
    return Mib(**{**_fields(m), "k_ssb": m.k_ssb % 16,
                  "sub_carrier_spacing_common": {15: 60, 30: 120}[m.sub_carrier_spacing_common]})


# --------------------------------------------------------------------------- table


def test_table_7_1_1_1_typed_exactly_and_is_a_permutation():
    assert BCH_PAYLOAD_INTERLEAVER_PATTERN == tuple(g for _, g in TABLE_7_1_1_1)
    assert [j for j, _ in TABLE_7_1_1_1] == list(range(32))
    assert sorted(BCH_PAYLOAD_INTERLEAVER_PATTERN) == list(range(32))


# --------------------------------------------------------------------------- MIB


@settings(max_examples=100, deadline=None)
@given(mibs, st.booleans())
def test_mib_bits_twin_and_round_trip(m, fr2):
    bits = mib_bits(m)
    assert bits.dtype == np.uint8 and bits.tolist() == twin_mib_bits(m)
    if fr2:
        m = to_fr2(m)
    back = mib_from_bits(mib_bits(m), fr2=fr2, sfn_lsb=m.system_frame_number % 16,
                         k_ssb_msb=m.k_ssb >> 4)
    assert back == m


def test_mib_bits_spot_values():
    m = Mib(system_frame_number=0b1011010000, sub_carrier_spacing_common=30, k_ssb=0b10110,
            dmrs_type_a_position=3, pdcch_config_sib1=0xA5, cell_barred="barred",
            intra_freq_reselection="notAllowed", spare=1)
    want = "0" + "101101" + "1" + "0110" + "1" + "1010" + "0101" + "0" + "1" + "1"
    assert "".join(map(str, mib_bits(m).tolist())) == want
    assert m.ssb_subcarrier_offset == 6
    assert (m.control_resource_set_zero, m.search_space_zero) == (10, 5)


def test_mib_bits_of_an_array_of_mibs():
    ms = [Mib(system_frame_number=16 * i) for i in range(6)]
    arr = np.empty((2, 3), dtype=object)
    for i, m in enumerate(ms):
        arr.flat[i] = m
    out = mib_bits(arr)
    assert out.shape == (2, 3, 24)
    for i, m in enumerate(ms):
        assert out.reshape(6, 24)[i].tolist() == twin_mib_bits(m)


# --------------------------------------------------------------------------- payload


@settings(max_examples=100, deadline=None)
@given(bch_cases())
def test_payload_twin_and_fields(case):
    m, hrf, l_max, ssb_index, _ = case
    a_bar = bch_payload(m, hrf, l_max=l_max, ssb_index=ssb_index)
    assert a_bar.tolist() == twin_payload(m, hrf, l_max, ssb_index)
    f = bch_payload_fields(a_bar, l_max=l_max)
    assert f["mib_bits"].tolist() == twin_mib_bits(m)
    assert int(f["sfn_lsb"]) == m.system_frame_number % 16
    assert int(f["half_frame"]) == hrf
    if l_max == 64:
        assert int(f["ssb_index_msb"]) == ssb_index >> 3 and int(f["k_ssb_msb"]) == 0
        assert f["reserved"].shape == (0,)
    else:
        assert int(f["k_ssb_msb"]) == m.k_ssb >> 4 and int(f["ssb_index_msb"]) == 0
        assert f["reserved"].tolist() == [0, 0]


def test_payload_broadcasts_over_half_frame_and_index():
    m = Mib(system_frame_number=77)
    a = bch_payload(m, [[0], [1]], l_max=8, ssb_index=np.arange(8))
    assert a.shape == (2, 8, 32)
    for h in range(2):
        for i in range(8):
            assert a[h, i].tolist() == twin_payload(m, h, 8, i)


# --------------------------------------------------------------------------- interleaving


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=32, max_size=32))
def test_interleave_matches_loop_element_by_element(bits):
    got = bch_interleave(np.array(bits, dtype=np.int8))
    assert got.tolist() == twin_interleave(bits)
    assert bch_deinterleave(got).tolist() == bits


def test_interleave_unit_vectors():
    """ā_i alone set lands at G(j(i)), one position at a time."""
    for i in range(32):
        e = np.zeros(32, np.uint8)
        e[i] = 1
        want = twin_interleave(e.tolist())
        assert bch_interleave(e).tolist() == want and sum(want) == 1


# --------------------------------------------------------------------------- scrambling


@pytest.mark.parametrize("l_max", [4, 8, 64])
def test_unscrambled_positions(l_max):
    g = BCH_PAYLOAD_INTERLEAVER_PATTERN
    want = {g[7], g[8], g[10]} | ({g[11], g[12], g[13]} if l_max == 64 else set())
    assert set(bch_unscrambled_positions(l_max)) == want


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 1007), st.integers(0, 1023), st.sampled_from([4, 8, 64]))
def test_scrambling_sequence_matches_loop(n_id_cell, sfn, l_max):
    s = bch_scrambling_sequence(n_id_cell, sfn_v(sfn), l_max=l_max)
    assert s.tolist() == twin_scrambling(n_id_cell, sfn, l_max)


def test_sfn_v_table_7_1_2_1():
    # (3rd LSB, 2nd LSB) = (0,0) -> 0, (0,1) -> 1, (1,0) -> 2, (1,1) -> 3
    assert sfn_v([0b000, 0b010, 0b100, 0b110, 0b111, 0b1001]).tolist() == [0, 1, 2, 3, 3, 0]


def test_v_readable_from_the_scrambled_payload():
    rng = np.random.default_rng(1)
    for sfn in range(0, 1024, 37):
        m = Mib(system_frame_number=sfn)
        a = bch_interleave(bch_payload(m, 1, l_max=8, ssb_index=3))
        a_prime = bch_scramble(a, int(rng.integers(1008)), sfn_v(sfn), l_max=8)
        assert int(sfn_v_from_interleaved(a_prime)) == sfn_v(sfn)


def test_scramble_is_an_involution_and_batched():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 2, (3, 4, 32)).astype(np.uint8)
    n_id = rng.integers(0, 1008, (3, 1))
    v = rng.integers(0, 4, (4,))
    s = bch_scramble(a, n_id, v, l_max=64)
    np.testing.assert_array_equal(bch_scramble(s, n_id, v, l_max=64), a)
    for r in range(3):
        for c in range(4):
            want = np.array(twin_scrambling(int(n_id[r, 0]), 2 * int(v[c]), 64)) ^ a[r, c]
            np.testing.assert_array_equal(s[r, c], want)


# --------------------------------------------------------------------------- encoder


@settings(max_examples=40, deadline=None)
@given(bch_cases())
def test_encode_is_the_chain_of_twins(case):
    m, hrf, l_max, ssb_index, n_id = case
    a = twin_interleave(twin_payload(m, hrf, l_max, ssb_index))
    s = twin_scrambling(n_id, m.system_frame_number, l_max)
    a_prime = np.array(a, np.uint8) ^ np.array(s, np.uint8)
    want = polar_encode(a_prime, 32, 864, "downlink")
    got = bch_encode(m, hrf, n_id, l_max=l_max, ssb_index=ssb_index)
    assert got.shape == (864,) and got.dtype == np.uint8
    np.testing.assert_array_equal(got, want)


def test_encode_batched_equals_rows():
    ms = [Mib(system_frame_number=s, k_ssb=s % 32) for s in (0, 3, 511, 1023)]
    hrf = np.array([0, 1, 0, 1])
    idx = np.array([7, 0, 3, 5])
    n_id = np.array([0, 1007, 500, 3])
    f = bch_encode(ms, hrf, n_id, l_max=8, ssb_index=idx)
    assert f.shape == (4, 864)
    for r in range(4):
        np.testing.assert_array_equal(
            f[r], bch_encode(ms[r], int(hrf[r]), int(n_id[r]), l_max=8, ssb_index=int(idx[r])))


# --------------------------------------------------------------------------- raises


@pytest.mark.parametrize("field, value", [
    ("system_frame_number", 1024), ("system_frame_number", -1),
    ("sub_carrier_spacing_common", 240), ("k_ssb", 32), ("dmrs_type_a_position", 1),
    ("pdcch_config_sib1", 256), ("cell_barred", "yes"), ("intra_freq_reselection", True),
    ("spare", 2),
])
def test_mib_field_raises(field, value):
    with pytest.raises(ConfigError, match=field):
        Mib(**{field: value})


def test_mib_bits_raises():
    with pytest.raises(ConfigError, match="mib"):
        mib_bits([Mib(), "not a mib"])
    with pytest.raises(ConfigError, match="mib"):
        mib_bits([])


def test_mib_from_bits_raises():
    good = mib_bits(Mib())
    with pytest.raises(ConfigError, match="bits"):
        mib_from_bits(good[:23])
    bad = good.copy()
    bad[0] = 1
    with pytest.raises(ConfigError, match="CHOICE"):
        mib_from_bits(bad)
    with pytest.raises(ConfigError, match="sfn_lsb"):
        mib_from_bits(good, sfn_lsb=16)
    with pytest.raises(ConfigError, match="k_ssb_msb"):
        mib_from_bits(good, k_ssb_msb=2)


def test_payload_raises():
    m = Mib()
    with pytest.raises(ConfigError, match="l_max"):
        bch_payload(m, 0, l_max=16)
    with pytest.raises(ConfigError, match="half_frame"):
        bch_payload(m, 2, l_max=8)
    with pytest.raises(ConfigError, match="ssb_index"):
        bch_payload(m, 0, l_max=4, ssb_index=4)
    with pytest.raises(ConfigError, match="sub_carrier_spacing_common"):
        bch_payload(m, 0, l_max=64)
    with pytest.raises(ConfigError, match="sub_carrier_spacing_common"):
        bch_payload(Mib(sub_carrier_spacing_common=120), 0, l_max=8)
    with pytest.raises(ConfigError, match="k_ssb"):
        bch_payload(Mib(sub_carrier_spacing_common=120, k_ssb=16), 0, l_max=64)
    with pytest.raises(ConfigError, match="broadcast"):
        bch_payload(m, [0, 1], l_max=8, ssb_index=[0, 1, 2])


def test_fields_and_interleaver_length_raises():
    for fn, name in ((lambda x: bch_payload_fields(x, l_max=8), "a_bar"),
                     (bch_interleave, "a_bar"), (bch_deinterleave, "a"),
                     (sfn_v_from_interleaved, "a")):
        with pytest.raises(ConfigError, match=name):
            fn(np.zeros(31, np.uint8))


def test_scrambling_raises():
    with pytest.raises(ConfigError, match="sfn"):
        sfn_v(1024)
    with pytest.raises(ConfigError, match="v"):
        bch_scrambling_sequence(0, 4, l_max=8)
    with pytest.raises(ConfigError, match="n_id_cell"):
        bch_scrambling_sequence(1008, 0, l_max=8)
    with pytest.raises(ConfigError, match="broadcast"):
        bch_scrambling_sequence([0, 1], [0, 1, 2], l_max=8)
    with pytest.raises(ConfigError, match="a has length"):
        bch_scramble(np.zeros(30, np.uint8), 0, 0, l_max=8)
    with pytest.raises(ConfigError, match="broadcast"):
        bch_scramble(np.zeros((2, 32), np.uint8), [0, 1, 2], 0, l_max=8)


def test_encode_raises():
    with pytest.raises(ConfigError, match="n_id_cell"):
        bch_encode(Mib(), [0, 1], [1, 2, 3], l_max=8)
    with pytest.raises(ConfigError, match="n_id_cell"):
        bch_encode(Mib(), 0, 1008, l_max=8)
