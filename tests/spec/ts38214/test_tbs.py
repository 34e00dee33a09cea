"""Tests of the TBS determination (TS 38.214 §5.1.3.2) and TBS_LBRM (TS 38.212 §5.4.2.1)."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38214.mcs import MCS_TABLES, max_mcs_index, mcs_entry
from nrlink.spec.ts38214.tbs import (
    R_LBRM,
    TBS_TABLE,
    n_prb_lbrm,
    n_re_per_prb,
    n_re_total,
    tbs_from_allocation,
    tbs_lbrm,
    transport_block_size,
)

# tbs.npz column 0 is the peer's MCS table number k = TS 38.214 Table 5.1.3.1-k. The data
# fix the mapping: only 1 -> qam64, 2 -> qam256, 3 -> qam64LowSE reproduces every row
# (each of the 5 other assignments breaks 231..389 of the 393 rows).
VECTOR_TABLE = {1: "qam64", 2: "qam256", 3: "qam64LowSE"}


def tbs_twin(n_re: int, r: float, qm: int, v: int, s: float = 1.0) -> int:
    """TS 38.214 §5.1.3.2 steps 2-4 written literally in floating point."""
    n_info = s * n_re * r * qm * v
    if n_info <= 3824:
        n = max(3, math.floor(math.log2(n_info)) - 6)
        n_info_p = max(24, 2**n * math.floor(n_info / 2**n))
        return min(t for t in TBS_TABLE if t >= n_info_p)
    n = math.floor(math.log2(n_info - 24)) - 5
    n_info_p = max(3840, 2**n * math.floor((n_info - 24) / 2**n + 0.5))  # ties upwards
    if r <= 0.25:
        c = math.ceil((n_info_p + 24) / 3816)
        return 8 * c * math.ceil((n_info_p + 24) / (8 * c)) - 24
    if n_info_p > 8424:
        c = math.ceil((n_info_p + 24) / 8424)
        return 8 * c * math.ceil((n_info_p + 24) / (8 * c)) - 24
    return 8 * math.ceil((n_info_p + 24) / 8) - 24


def test_reference_vectors_every_row(vectors):
    rows = vectors("tbs")["rows"]
    assert rows.shape == (393, 7)
    bad = []
    for table_k, i_mcs, n_prb, n_symbols, n_dmrs_prb, layers, tbs in rows.tolist():
        got = tbs_from_allocation(
            n_prb=n_prb,
            n_symbols=n_symbols,
            n_dmrs_prb=n_dmrs_prb,
            x_overhead=0,
            i_mcs=i_mcs,
            table=VECTOR_TABLE[table_k],
            layers=layers,
        )
        if got != tbs:
            bad.append((table_k, i_mcs, n_prb, n_symbols, n_dmrs_prb, layers, tbs, got))
    assert bad == []


def test_reference_vectors_cover_all_branches(vectors):
    rows = vectors("tbs")["rows"]
    tbs = rows[:, 6]
    low_rate = np.array(
        [mcs_entry(int(i), VECTOR_TABLE[int(k)]).r_x1024 <= 256 for k, i in rows[:, :2]]
    )
    assert np.sum(tbs <= 3824) > 20  # table branch
    assert np.sum((tbs > 3824) & low_rate) > 10  # R <= 1/4 branch
    assert np.sum((tbs > 8424) & ~low_rate) > 100  # C > 1 branch


def test_tbs_table():
    assert len(TBS_TABLE) == 93
    assert TBS_TABLE[0] == 24 and TBS_TABLE[-1] == 3824
    assert all(a < b for a, b in zip(TBS_TABLE, TBS_TABLE[1:], strict=False))
    assert all(t % 8 == 0 for t in TBS_TABLE)
    # spot values, 1-based index as in the spec
    spot = {1: 24, 22: 192, 23: 208, 34: 384, 35: 408, 48: 768, 49: 808, 53: 984, 54: 1032}
    spot |= {56: 1128, 63: 1352, 64: 1416, 72: 1928, 73: 2024, 78: 2408, 86: 2976, 92: 3752}
    for index, tbs in spot.items():
        assert TBS_TABLE[index - 1] == tbs


def test_hand_computed():
    # N_info = 1000·658/1024·4 = 2570.3125 <= 3824; n = max(3, 11 − 6) = 5;
    # N'_info = 32·⌊80.32⌋ = 2560; smallest table entry >= 2560: 2600.
    assert transport_block_size(n_re=1000, r=658 / 1024, qm=4, layers=1) == 2600
    # tiny allocation: N_info = 1·30/1024·2·0.25 < 1 -> N'_info = 24 -> TBS 24
    assert transport_block_size(n_re=1, r=30 / 1024, qm=2, layers=1, scaling=0.25) == 24
    # N_info = 3000·0.5·2·1 = 3000 -> n = 5, N'_info = 2976 -> 2976 (exactly in the table)
    assert transport_block_size(n_re=3000, r=0.5, qm=2, layers=1) == 2976
    # N_info = 4000·0.5·2 = 4000 > 3824: n = ⌊log2 3976⌋ − 5 = 6, N'_info =
    # max(3840, 64·round(62.125)) = 3968; R > 1/4, N'_info <= 8424: 8·⌈3992/8⌉ − 24 = 3968
    assert transport_block_size(n_re=4000, r=0.5, qm=2, layers=1) == 3968
    # R <= 1/4: N_info = 20000·0.25·2 = 10000: n = 13 − 5 = 8, N'_info = 256·round(38.97)
    # = 9984; C = ⌈10008/3816⌉ = 3; TBS = 24·⌈10008/24⌉ − 24 = 24·417 − 24 = 9984
    assert transport_block_size(n_re=20000, r=0.25, qm=2, layers=1) == 9984


def test_round_ties_upward():
    # N_info = 4024·0.5·2·1 = 4024: N_info − 24 = 4000, n = ⌊log2 4000⌋ − 5 = 6 and
    # 4000 / 64 = 62.5 is a tie, rounded up to 63 -> N'_info = 4032 (3968 if rounded
    # down or to even); R > 1/4, N'_info <= 8424: TBS = 8·⌈4056/8⌉ − 24 = 4032.
    assert transport_block_size(n_re=4024, r=0.5, qm=2, layers=1) == 4032
    assert tbs_twin(4024, 0.5, 2, 1) == 4032


def test_scaling_equivalent_to_fewer_res():
    for n_re in (100, 1000, 5000, 40000):
        for s, k in ((0.5, 2), (0.25, 4)):
            assert transport_block_size(
                n_re=k * n_re, r=0.5, qm=4, layers=1, scaling=s
            ) == transport_block_size(n_re=n_re, r=0.5, qm=4, layers=1)


table_rows = st.sampled_from(
    [
        (t, i, pi2)
        for t in MCS_TABLES
        for pi2 in ((False, True) if t.startswith("tp-") else (False,))
        for i in range(max_mcs_index(t) + 1)
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    row=table_rows,
    n_re=st.integers(1, 156 * 275),
    layers=st.integers(1, 4),
    scaling=st.sampled_from([1.0, 0.5, 0.25]),
)
def test_invariants_and_twin(row, n_re, layers, scaling):
    table, i_mcs, pi2 = row
    e = mcs_entry(i_mcs, table, tp_pi2bpsk=pi2)
    tbs = transport_block_size(n_re=n_re, r=e.r, qm=e.qm, layers=layers, scaling=scaling)
    assert tbs == tbs_twin(n_re, e.r, e.qm, layers, scaling)
    assert tbs % 8 == 0 and tbs >= 24
    if tbs <= 3824:
        assert tbs in TBS_TABLE
    else:
        # the code block segmentation of TS 38.212 §5.2.2 splits TBS + 24 evenly
        k_cb_minus_l = 3816 if e.r_x1024 <= 256 else 8424
        c = -(-(tbs + 24) // k_cb_minus_l)
        assert (tbs + 24) % (8 * c) == 0
    # monotone in N_RE and in the number of layers
    assert transport_block_size(n_re=n_re + 1, r=e.r, qm=e.qm, layers=layers) >= (
        transport_block_size(n_re=n_re, r=e.r, qm=e.qm, layers=layers)
    )
    if layers < 4:
        assert transport_block_size(n_re=n_re, r=e.r, qm=e.qm, layers=layers + 1) >= (
            transport_block_size(n_re=n_re, r=e.r, qm=e.qm, layers=layers)
        )


@settings(max_examples=100, deadline=None)
@given(
    n_prb=st.integers(1, 275),
    n_symbols=st.integers(1, 14),
    n_dmrs_prb=st.sampled_from([0, 6, 12, 18, 24]),
    x_overhead=st.sampled_from([0, 6, 12, 18]),
)
def test_n_re(n_prb, n_symbols, n_dmrs_prb, x_overhead):
    n_re_prime = 12 * n_symbols - n_dmrs_prb - x_overhead
    if n_re_prime <= 0:
        with pytest.raises(ConfigError, match="no data RE"):
            n_re_total(
                n_prb=n_prb, n_symbols=n_symbols, n_dmrs_prb=n_dmrs_prb, x_overhead=x_overhead
            )
        return
    assert n_re_per_prb(n_symbols, n_dmrs_prb, x_overhead) == n_re_prime
    assert (
        n_re_total(n_prb=n_prb, n_symbols=n_symbols, n_dmrs_prb=n_dmrs_prb, x_overhead=x_overhead)
        == min(156, n_re_prime) * n_prb
    )


def test_n_re_cap_156():
    assert n_re_per_prb(14, 0) == 168
    assert n_re_total(n_prb=10, n_symbols=14, n_dmrs_prb=0) == 1560
    assert n_re_total(n_prb=10, n_symbols=14, n_dmrs_prb=12) == 1560
    assert n_re_total(n_prb=10, n_symbols=14, n_dmrs_prb=24) == 1440


def test_tbs_from_allocation_transform_precoding():
    # tp-qam64, I_MCS 0, q = 1: Q_m = 1, R = 240/1024 -> same N_info as q = 2 (Q_m·R equal)
    kw = {"n_prb": 10, "n_symbols": 12, "n_dmrs_prb": 12, "i_mcs": 0, "table": "tp-qam64"}
    a = tbs_from_allocation(**kw, layers=1, tp_pi2bpsk=True)
    b = tbs_from_allocation(**kw, layers=1)
    assert a == b == transport_block_size(n_re=1320, r=120 / 1024, qm=2, layers=1)


@pytest.mark.parametrize(
    ("n_prb", "expected"),
    [
        (1, 32), (32, 32), (33, 66), (66, 66), (67, 107), (107, 107), (108, 135),
        (135, 135), (136, 162), (162, 162), (163, 217), (217, 217), (218, 273),
        (273, 273), (275, 273),
    ],
)  # fmt: skip
def test_n_prb_lbrm(n_prb, expected):
    assert n_prb_lbrm(n_prb) == expected


def test_tbs_lbrm_hand_computed():
    # 273 PRBs, 4 layers, 256QAM: N_RE = 156·273 = 42588;
    # N_info = 42588·(948/1024)·8·4 = 1261669.5; N_info − 24 = 1261645.5, 2^20 <= it < 2^21
    # -> n = 15; round(1261645.5 / 32768 = 38.50) = 39 -> N'_info = 39·32768 = 1277952;
    # C = ⌈1277976 / 8424⌉ = 152; TBS = 1216·⌈1277976 / 1216⌉ − 24 = 1216·1051 − 24 = 1277992
    assert tbs_lbrm(max_layers=4, max_qm=8, n_prb_bwp_max=273) == 1277992
    # 8 layers are capped at v = 4 for one TB
    assert tbs_lbrm(max_layers=8, max_qm=8, n_prb_bwp_max=250) == 1277992
    # 20 PRBs -> n_PRB,LBRM = 32, 1 layer, 64QAM: N_RE = 4992; N_info = 4992·948/1024·6
    # = 27729; N_info − 24 = 27705 -> n = 14 − 5 = 9; round(27705/512 = 54.11) = 54 ->
    # N'_info = 27648; C = ⌈27672/8424⌉ = 4; TBS = 32·⌈27672/32⌉ − 24 = 32·865 − 24 = 27656
    assert tbs_lbrm(max_layers=1, max_qm=6, n_prb_bwp_max=20) == 27656
    # 100 PRBs -> 107, 2 layers, 64QAM: N_RE = 16692; N_info = 16692·948/1024·12
    # = 185437.6875; −24 -> 185413.6875, n = 17 − 5 = 12; round(45.27) = 45 -> N'_info
    # = 184320; C = ⌈184344/8424⌉ = 22; TBS = 176·⌈184344/176⌉ − 24 = 176·1048 − 24 = 184424
    assert tbs_lbrm(max_layers=2, max_qm=6, n_prb_bwp_max=100) == 184424
    assert R_LBRM == Fraction(2, 3)


def test_tbs_lbrm_matches_twin():
    for n_prb in (32, 66, 107, 135, 162, 217, 273):
        for qm in (6, 8, 10):
            for v in (1, 2, 3, 4):
                assert tbs_lbrm(max_layers=v, max_qm=qm, n_prb_bwp_max=n_prb) == tbs_twin(
                    156 * n_prb, 948 / 1024, qm, v
                )


# --- validation -------------------------------------------------------------------------

GOOD = {"n_re": 1000, "r": 0.5, "qm": 4, "layers": 1}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("n_re", 0),
        ("n_re", -5),
        ("n_re", 10.0),
        ("r", 0),
        ("r", 1),
        ("r", -0.5),
        ("r", "0.5"),
        ("r", float("nan")),
        ("qm", 3),
        ("qm", 0),
        ("layers", 0),
        ("layers", 5),
        ("scaling", 0.3),
        ("scaling", 2),
        ("scaling", "1"),
    ],
)
def test_transport_block_size_raises(key, value):
    with pytest.raises(ConfigError, match=key):
        transport_block_size(**(GOOD | {key: value}))


def test_accepts_numpy_scalars_and_fractions():
    ref = transport_block_size(**GOOD)
    assert transport_block_size(n_re=np.int64(1000), r=np.float32(0.5), qm=4, layers=1) == ref
    assert transport_block_size(n_re=1000, r=Fraction(1, 2), qm=np.int32(4), layers=1) == ref


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((0, 0), "n_symbols"),
        ((15, 0), "n_symbols"),
        ((14, -1), "n_dmrs_prb"),
        ((14, 0, 5), "x_overhead"),
        ((1, 12), "no data RE"),
        ((2, 18, 6), "no data RE"),
    ],
)
def test_n_re_per_prb_raises(args, name):
    with pytest.raises(ConfigError, match=name):
        n_re_per_prb(*args)


@pytest.mark.parametrize("n_prb", [0, 276])
def test_n_re_total_raises(n_prb):
    with pytest.raises(ConfigError, match="n_prb"):
        n_re_total(n_prb=n_prb, n_symbols=14, n_dmrs_prb=12)


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"i_mcs": 29}, "i_mcs"),
        ({"table": "qam2048"}, "table"),
        ({"n_symbols": 1, "n_dmrs_prb": 12}, "no data RE"),
        ({"layers": 5}, "layers"),
        ({"scaling": 0.75}, "scaling"),
        ({"n_prb": 0}, "n_prb"),
    ],
)
def test_tbs_from_allocation_raises(kw, name):
    base = {"n_prb": 10, "n_symbols": 14, "n_dmrs_prb": 12, "i_mcs": 5, "table": "qam64"}
    with pytest.raises(ConfigError, match=name):
        tbs_from_allocation(**(base | {"layers": 1} | kw))


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"max_layers": 0}, "max_layers"),
        ({"max_layers": 9}, "max_layers"),
        ({"max_qm": 4}, "max_qm"),
        ({"max_qm": 7}, "max_qm"),
        ({"n_prb_bwp_max": 0}, "n_prb"),
        ({"n_prb_bwp_max": 276}, "n_prb"),
    ],
)
def test_tbs_lbrm_raises(kw, name):
    with pytest.raises(ConfigError, match=name):
        tbs_lbrm(**({"max_layers": 2, "max_qm": 8, "n_prb_bwp_max": 100} | kw))
