"""Tests of the PT-RS of TS 38.211 §7.4.1.2 (PDSCH) and §6.4.1.2 (PUSCH, CP-OFDM)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.prbs import gold_sequence
from nrlink.spec.ts38211.ptrs import (
    K_REF_RE,
    PTRS_RE_OFFSETS,
    ptrs_grid,
    ptrs_k_ref_rb,
    ptrs_k_ref_re,
    ptrs_subcarriers,
    ptrs_symbols,
)

# ---------------------------------------------------------------------------------------
# Slow twins.


def ptrs_symbols_twin(l_start, l_duration, dmrs_symbols, l_ptrs):
    """A second formulation of §7.4.1.2.2: restart the grid of step L after every DM-RS.

    Symbols l_start, l_start + L, ... before the first DM-RS symbol; after each DM-RS
    symbol d (in increasing order) drop what was placed at or after d and place d + L,
    d + 2L, ... up to the end of the allocation.
    """
    end = l_start + l_duration
    out = list(range(l_start, dmrs_symbols[0], l_ptrs))
    for d in dmrs_symbols:
        out = [l for l in out if l < d] + list(range(d + l_ptrs, end, l_ptrs))
    return tuple(out)


def ptrs_subcarriers_twin(n_rb, k_ptrs, n_rnti, k_ref_re):
    """Scan every subcarrier: k carries PT-RS iff k = k_ref^RE + (i K + k_ref^RB) 12, i >= 0."""
    k_ref_rb = n_rnti % k_ptrs if n_rb % k_ptrs == 0 else n_rnti % (n_rb % k_ptrs)
    out = []
    for k in range(12 * n_rb):
        rb, re = divmod(k, 12)
        if re == k_ref_re and rb >= k_ref_rb and (rb - k_ref_rb) % k_ptrs == 0:
            out.append(k)
    return out


#: Table 7.4.1.2.2-1 typed a second time, column by column (one row per offset, one entry
#: per DM-RS port 0..3 / 0..5), to catch a transcription slip in K_REF_RE.
K_REF_RE_BY_OFFSET = {
    1: {
        "offset00": (0, 2, 1, 3),
        "offset01": (2, 4, 3, 5),
        "offset10": (6, 8, 7, 9),
        "offset11": (8, 10, 9, 11),
    },
    2: {
        "offset00": (0, 1, 2, 3, 4, 5),
        "offset01": (1, 6, 3, 8, 5, 10),
        "offset10": (6, 7, 8, 9, 10, 11),
        "offset11": (7, 0, 9, 2, 11, 4),
    },
}
#: Δ of the DM-RS ports (Tables 7.4.1.1.2-1/-2): type 1 CDM groups {0, 1}, type 2 {0, 2, 4}.
DELTA = {1: (0, 0, 1, 1), 2: (0, 0, 2, 2, 4, 4)}


def dmrs_at_subcarrier_twin(config_type, port, c_init, k_top):
    """DM-RS values r(2n + k') (without w_f, w_t) of ``port`` keyed by absolute subcarrier.

    Forward mapping of §7.4.1.1.2: k = 4n + 2k' + Δ (type 1) or 6n + k' + Δ (type 2).
    """
    delta = DELTA[config_type][port]
    m = k_top  # more than enough symbols
    c = gold_sequence(c_init, 2 * m)
    s = 1 / np.sqrt(2)
    r = [complex(s * (1 - 2 * int(c[2 * i])), s * (1 - 2 * int(c[2 * i + 1]))) for i in range(m)]
    out = {}
    for n in range(k_top):
        for kp in (0, 1):
            k = (4 * n + 2 * kp if config_type == 1 else 6 * n + kp) + delta
            if k < k_top:
                out[k] = r[2 * n + kp]
    return out


def ptrs_grid_twin(
    *, n_size_grid, rb_start, n_rb, l_start, l_duration, dmrs_symbols, l_ptrs, k_ptrs,
    n_rnti, n_id, n_scid, n_slot, n_symb_slot, n_start_grid, offset, config_type, port, beta,
):  # fmt: skip
    l0 = dmrs_symbols[0]
    c_init = (2**17 * (n_symb_slot * n_slot + l0 + 1) * (2 * n_id + 1) + 2 * n_id + n_scid) % 2**31
    k_top = 12 * (n_start_grid + n_size_grid)
    dmrs = dmrs_at_subcarrier_twin(config_type, port, c_init, k_top)
    k_re = K_REF_RE_BY_OFFSET[config_type][offset][port]
    grid = np.zeros((n_symb_slot, 12 * n_size_grid), dtype=complex)
    for l in ptrs_symbols_twin(l_start, l_duration, dmrs_symbols, l_ptrs):
        for k in ptrs_subcarriers_twin(n_rb, k_ptrs, n_rnti, k_re):
            k_grid = 12 * rb_start + k
            grid[l, k_grid] = beta * dmrs[12 * n_start_grid + k_grid]
    return grid


@st.composite
def allocations(draw, n_symb_slot=14):
    """Random allocation with 1..4 DM-RS symbols (some adjacent, as double-symbol DM-RS)."""
    l_duration = draw(st.integers(1, n_symb_slot))
    l_start = draw(st.integers(0, n_symb_slot - l_duration))
    rel = draw(st.sets(st.integers(0, l_duration - 1), min_size=1, max_size=4))
    dmrs = tuple(sorted(l_start + d for d in rel))
    l_ptrs = draw(st.sampled_from((1, 2, 4)))
    return l_start, l_duration, dmrs, l_ptrs


# ---------------------------------------------------------------------------------------
# Time domain: hand-worked examples (l relative to the allocation, steps 1-5 by hand).

HAND_SYMBOLS = [
    # Type A, single DM-RS at 2, 14 symbols.
    (0, 14, (2,), 1, (0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)),
    (0, 14, (2,), 2, (0, 4, 6, 8, 10, 12)),
    (0, 14, (2,), 4, (0, 6, 10)),
    # Double-symbol DM-RS at 2, 3: l_ref becomes 3.
    (0, 14, (2, 3), 1, (0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)),
    (0, 14, (2, 3), 2, (0, 5, 7, 9, 11, 13)),
    (0, 14, (2, 3), 4, (0, 7, 11)),
    # dmrs-AdditionalPosition = pos2: 2, 7, 11.
    (0, 14, (2, 7, 11), 1, (0, 1, 3, 4, 5, 6, 8, 9, 10, 12, 13)),
    (0, 14, (2, 7, 11), 2, (0, 4, 6, 9, 13)),
    (0, 14, (2, 7, 11), 4, (0, 6)),
    # pos3: 2, 5, 8, 11 (l_ref + L falls out of the slot after the last DM-RS with L = 4).
    (0, 14, (2, 5, 8, 11), 2, (0, 4, 7, 10, 13)),
    (0, 14, (2, 5, 8, 11), 4, (0,)),
    # Double-symbol front-loaded + additional: 2, 3, 10, 11.
    (0, 14, (2, 3, 10, 11), 2, (0, 5, 7, 9, 13)),
    (0, 14, (2, 3, 10, 11), 4, (0, 7)),
    # dmrs-TypeA-Position = 3, 12 symbols.
    (0, 12, (3,), 2, (0, 2, 5, 7, 9, 11)),
    # Mapping type B: DM-RS at the first allocated symbol.
    (4, 7, (4,), 2, (6, 8, 10)),
    (4, 7, (4,), 4, (8,)),
    (5, 2, (5,), 1, (6,)),
    (2, 12, (2, 11), 2, (4, 6, 8, 10, 13)),
    (2, 12, (2, 3, 10, 11), 1, (4, 5, 6, 7, 8, 9, 12, 13)),
    # L_PT-RS = 4 on a 4-symbol allocation: only l = 0 (type A-like) or nothing.
    (0, 4, (0,), 4, ()),
    (1, 4, (2,), 4, (1,)),
]


@pytest.mark.parametrize("l_start, l_duration, dmrs, l_ptrs, expected", HAND_SYMBOLS)
def test_ptrs_symbols_hand_worked(l_start, l_duration, dmrs, l_ptrs, expected):
    got = ptrs_symbols(l_start=l_start, l_duration=l_duration, dmrs_symbols=dmrs, l_ptrs=l_ptrs)
    assert got == expected


@pytest.mark.parametrize("l_start, l_duration, dmrs, l_ptrs, expected", HAND_SYMBOLS)
def test_ptrs_symbols_twin_on_hand_cases(l_start, l_duration, dmrs, l_ptrs, expected):
    assert ptrs_symbols_twin(l_start, l_duration, dmrs, l_ptrs) == expected


def test_ptrs_symbols_extended_cp():
    got = ptrs_symbols(l_start=0, l_duration=12, dmrs_symbols=(2, 9), l_ptrs=2, n_symb_slot=12)
    assert got == (0, 4, 6, 8, 11)


@settings(max_examples=300, deadline=None)
@given(allocations())
def test_ptrs_symbols_matches_twin_and_invariants(alloc):
    l_start, l_duration, dmrs, l_ptrs = alloc
    got = ptrs_symbols(l_start=l_start, l_duration=l_duration, dmrs_symbols=dmrs, l_ptrs=l_ptrs)
    assert got == ptrs_symbols_twin(l_start, l_duration, dmrs, l_ptrs)
    assert list(got) == sorted(set(got))
    assert all(l_start <= l < l_start + l_duration for l in got)
    assert not set(got) & set(dmrs)  # never on a DM-RS symbol
    if l_ptrs == 1:  # every allocated symbol that is not DM-RS
        assert set(got) == set(range(l_start, l_start + l_duration)) - set(dmrs)
    # Gaps between consecutive PT-RS symbols: L, unless a DM-RS symbol lies between.
    for a, b in zip(got, got[1:], strict=False):
        assert b - a == l_ptrs or any(a < d < b for d in dmrs)


# ---------------------------------------------------------------------------------------
# Frequency domain.


def test_k_ref_re_table_matches_second_transcription():
    for config_type, by_offset in K_REF_RE_BY_OFFSET.items():
        for offset, per_port in by_offset.items():
            for port, k in enumerate(per_port):
                assert K_REF_RE[config_type][port][PTRS_RE_OFFSETS.index(offset)] == k
                got = ptrs_k_ref_re(
                    config_type=config_type, dmrs_port_index=port, resource_element_offset=offset
                )
                assert got == k


def test_k_ref_re_is_a_dmrs_subcarrier_of_the_port():
    for config_type, rows in K_REF_RE.items():
        for port, row in enumerate(rows):
            delta = DELTA[config_type][port]
            for k in row:
                if config_type == 1:
                    assert (k - delta) % 2 == 0
                else:
                    assert (k - delta) % 6 in (0, 1)
            assert len(set(row)) == 4  # four different offsets


@pytest.mark.parametrize(
    "n_rb, k_ptrs, n_rnti, k_ref_rb",
    [
        (10, 4, 1001, 1),  # 10 mod 4 = 2 -> 1001 mod 2
        (12, 2, 3, 1),  # 12 mod 2 = 0 -> 3 mod 2
        (12, 4, 7, 3),  # 12 mod 4 = 0 -> 7 mod 4
        (7, 4, 5, 2),  # 7 mod 4 = 3 -> 5 mod 3
        (5, 2, 65535, 0),  # 5 mod 2 = 1 -> anything mod 1
        (1, 4, 12345, 0),
        (6, 4, 3, 1),  # 6 mod 4 = 2 -> 3 mod 2
    ],
)
def test_k_ref_rb_hand_worked(n_rb, k_ptrs, n_rnti, k_ref_rb):
    assert ptrs_k_ref_rb(n_rb=n_rb, k_ptrs=k_ptrs, n_rnti=n_rnti) == k_ref_rb


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        # 10 RBs, K = 4, RNTI 1001: RBs 1, 5, 9; port 1002 offset10 -> k_ref^RE = 7.
        (
            dict(n_rb=10, k_ptrs=4, n_rnti=1001, resource_element_offset="offset10",
                 config_type=1, dmrs_port_index=2),
            [19, 67, 115],
        ),
        # 12 RBs, K = 2, RNTI 3: RBs 1, 3, ..., 11; type 2 port 1003 offset11 -> 2.
        (
            dict(n_rb=12, k_ptrs=2, n_rnti=3, resource_element_offset="offset11",
                 config_type=2, dmrs_port_index=3),
            [14, 38, 62, 86, 110, 134],
        ),
        # 7 RBs, K = 4, RNTI 5: RBs 2, 6; port 1000 offset00 -> 0.
        (dict(n_rb=7, k_ptrs=4, n_rnti=5), [24, 72]),
        # 1 RB: always RB 0; port 1001 offset01 -> 4.
        (
            dict(n_rb=1, k_ptrs=2, n_rnti=999, resource_element_offset="offset01",
                 dmrs_port_index=1),
            [4],
        ),
        # 5 RBs, K = 2: RBs 0, 2, 4; type 2 port 1005 offset01 -> 10.
        (
            dict(n_rb=5, k_ptrs=2, n_rnti=65535, resource_element_offset="offset01",
                 config_type=2, dmrs_port_index=5),
            [10, 34, 58],
        ),
    ],
)  # fmt: skip
def test_ptrs_subcarriers_hand_worked(kwargs, expected):
    k = ptrs_subcarriers(**kwargs)
    assert k.dtype == np.int64
    assert k.tolist() == expected


@settings(max_examples=200, deadline=None)
@given(
    n_rb=st.integers(1, 275),
    k_ptrs=st.sampled_from((2, 4)),
    n_rnti=st.integers(0, 65535),
    config_type=st.sampled_from((1, 2)),
    data=st.data(),
)
def test_ptrs_subcarriers_matches_twin(n_rb, k_ptrs, n_rnti, config_type, data):
    port = data.draw(st.integers(0, 3 if config_type == 1 else 5))
    offset = data.draw(st.sampled_from(PTRS_RE_OFFSETS))
    k = ptrs_subcarriers(
        n_rb=n_rb,
        k_ptrs=k_ptrs,
        n_rnti=n_rnti,
        resource_element_offset=offset,
        config_type=config_type,
        dmrs_port_index=port,
    )
    k_re = K_REF_RE_BY_OFFSET[config_type][offset][port]
    assert k.tolist() == ptrs_subcarriers_twin(n_rb, k_ptrs, n_rnti, k_re)
    k_ref_rb = ptrs_k_ref_rb(n_rb=n_rb, k_ptrs=k_ptrs, n_rnti=n_rnti)
    assert k_ref_rb < min(k_ptrs, n_rb)
    assert k.size == -(-(n_rb - k_ref_rb) // k_ptrs) >= 1  # at least one PT-RS RB


# ---------------------------------------------------------------------------------------
# Sequence and grid.

GRID_BASE = dict(
    n_size_grid=20, rb_start=3, n_rb=13, l_start=0, l_duration=14, dmrs_symbols=(2, 11),
    l_ptrs=2, k_ptrs=2, n_rnti=0x4601, n_id=17,
)  # fmt: skip


@pytest.mark.parametrize(
    "cfg",
    [
        dict(),
        dict(config_type=2, dmrs_ports=(3,), resource_element_offset="offset11", n_slot=7),
        dict(config_type=1, dmrs_ports=(2,), resource_element_offset="offset10", n_scid=1,
             n_start_grid=41, k_ptrs=4, l_ptrs=1),
        dict(config_type=2, dmrs_ports=(4,), dmrs_symbols=(2, 3), n_symb_slot=12,
             l_duration=12, n_start_grid=7, n_id=65535),
        dict(l_start=4, l_duration=7, dmrs_symbols=(4, 5), l_ptrs=1, rb_start=0, n_rb=20,
             n_slot=159, n_start_grid=2199 - 20),
    ],
)  # fmt: skip
def test_ptrs_grid_matches_twin(cfg):
    kw = {**GRID_BASE, **cfg}
    values, mask = ptrs_grid(**kw)
    n_symb_slot = kw.get("n_symb_slot", 14)
    assert values.dtype == np.complex64 and mask.dtype == bool
    assert values.shape == mask.shape == (1, n_symb_slot, 12 * kw["n_size_grid"])
    twin = ptrs_grid_twin(
        n_size_grid=kw["n_size_grid"],
        rb_start=kw["rb_start"],
        n_rb=kw["n_rb"],
        l_start=kw["l_start"],
        l_duration=kw["l_duration"],
        dmrs_symbols=kw["dmrs_symbols"],
        l_ptrs=kw["l_ptrs"],
        k_ptrs=kw["k_ptrs"],
        n_rnti=kw["n_rnti"],
        n_id=kw["n_id"],
        n_scid=kw.get("n_scid", 0),
        n_slot=kw.get("n_slot", 0),
        n_symb_slot=n_symb_slot,
        n_start_grid=kw.get("n_start_grid", 0),
        offset=kw.get("resource_element_offset", "offset00"),
        config_type=kw.get("config_type", 1),
        port=kw.get("dmrs_ports", (0,))[0],
        beta=1.0,
    )
    np.testing.assert_allclose(values[0], twin, atol=1e-6)
    np.testing.assert_array_equal(mask[0], twin != 0)
    assert mask.sum() > 0


def test_ptrs_grid_values_repeat_over_symbols_and_unit_modulus():
    values, mask = ptrs_grid(**GRID_BASE)
    rows = [values[0, l][mask[0, l]] for l in range(14) if mask[0, l].any()]
    assert len(rows) == len(ptrs_symbols(l_start=0, l_duration=14, dmrs_symbols=(2, 11),
                                         l_ptrs=2))  # fmt: skip
    for row in rows[1:]:
        np.testing.assert_array_equal(row, rows[0])
    np.testing.assert_allclose(np.abs(rows[0]), 1.0, atol=1e-6)


def test_ptrs_grid_depends_on_absolute_subcarrier_only():
    # Shifting the grid origin by s RBs and the allocation by -s gives the same PT-RS.
    a, ma = ptrs_grid(**{**GRID_BASE, "n_start_grid": 5, "rb_start": 3})
    b, mb = ptrs_grid(**{**GRID_BASE, "n_start_grid": 2, "rb_start": 6, "n_size_grid": 23})
    np.testing.assert_array_equal(a[..., :], b[..., 36:])
    np.testing.assert_array_equal(ma, mb[..., 36:])


def test_ptrs_grid_two_ports():
    values, mask = ptrs_grid(**{**GRID_BASE, "dmrs_ports": (0, 2), "n_scid": (0, 1)})
    assert values.shape[0] == 2
    # Different k_ref^RE (0 and 1): the two ports never share an RE.
    assert not np.any(mask[0] & mask[1])
    for j, (port, n_scid) in enumerate([(0, 0), (2, 1)]):
        single, smask = ptrs_grid(**{**GRID_BASE, "dmrs_ports": (port,), "n_scid": n_scid})
        np.testing.assert_array_equal(values[j], single[0])
        np.testing.assert_array_equal(mask[j], smask[0])


@pytest.mark.parametrize(
    "n_layers, epre_ratio, rounded_db, beta",
    [
        (1, 0, False, 1.0),
        (2, 0, False, np.sqrt(2)),
        (4, 0, False, 2.0),
        (6, 0, False, np.sqrt(6)),
        (2, 0, True, 10 ** (3 / 20)),
        (6, 0, True, 10 ** (7.78 / 20)),
        (4, 1, False, 1.0),
    ],
)
def test_ptrs_grid_pdsch_power(n_layers, epre_ratio, rounded_db, beta):
    values, mask = ptrs_grid(
        **GRID_BASE, n_layers=n_layers, epre_ratio=epre_ratio, rounded_db=rounded_db
    )
    np.testing.assert_allclose(np.abs(values[mask]), beta, rtol=1e-6)


def test_ptrs_grid_beta_override_and_pusch():
    ref, mask = ptrs_grid(**GRID_BASE)
    values, mask2 = ptrs_grid(**GRID_BASE, channel="pusch", beta_ptrs=1.5)
    np.testing.assert_array_equal(mask, mask2)
    np.testing.assert_allclose(values, 1.5 * ref, rtol=1e-6)
    with pytest.raises(NotImplementedError, match="6.2.3.1"):
        ptrs_grid(**GRID_BASE, channel="pusch")


def dmrs_re_mask_twin(config_type, dmrs_symbols, n_symb_slot, n_sc, n_cdm_groups):
    """All DM-RS REs of the first ``n_cdm_groups`` CDM groups (§7.4.1.1.2 mapping)."""
    m = np.zeros((n_symb_slot, n_sc), dtype=bool)
    for lam in range(n_cdm_groups):
        for k in range(n_sc):
            if config_type == 1:
                on = k % 2 == lam
            else:
                on = (k - 2 * lam) % 6 in (0, 1)
            if on:
                m[list(dmrs_symbols), k] = True
    return m


@settings(max_examples=60, deadline=None)
@given(alloc=allocations(), config_type=st.sampled_from((1, 2)), data=st.data())
def test_ptrs_never_overlaps_dmrs(alloc, config_type, data):
    l_start, l_duration, dmrs, l_ptrs = alloc
    n_rb = data.draw(st.integers(1, 8))
    port = data.draw(st.integers(0, 3 if config_type == 1 else 5))
    _, mask = ptrs_grid(
        n_size_grid=n_rb, rb_start=0, n_rb=n_rb, l_start=l_start, l_duration=l_duration,
        dmrs_symbols=dmrs, l_ptrs=l_ptrs, k_ptrs=data.draw(st.sampled_from((2, 4))),
        n_rnti=data.draw(st.integers(0, 65535)), n_id=1, config_type=config_type,
        dmrs_ports=(port,), resource_element_offset=data.draw(st.sampled_from(PTRS_RE_OFFSETS)),
    )  # fmt: skip
    dmrs_mask = dmrs_re_mask_twin(config_type, dmrs, 14, 12 * n_rb, 2 if config_type == 1 else 3)
    assert not np.any(mask[0] & dmrs_mask)
    # PT-RS only inside the allocation.
    rows = np.flatnonzero(mask[0].any(axis=1))
    assert np.all((rows >= l_start) & (rows < l_start + l_duration))


# ---------------------------------------------------------------------------------------
# Validation: one raise-test per branch.


def _sym(**kw):
    base = dict(l_start=0, l_duration=14, dmrs_symbols=(2,), l_ptrs=2)
    return ptrs_symbols(**{**base, **kw})


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(n_symb_slot=13), "n_symb_slot"),
        (dict(l_start=-1), "l_start"),
        (dict(l_start=14), "l_start"),
        (dict(l_duration=0), "l_duration"),
        (dict(l_start=3, l_duration=12), "l_duration"),
        (dict(l_duration=12, n_symb_slot=12, l_start=1), "l_duration"),
        (dict(dmrs_symbols=()), "dmrs_symbols"),
        (dict(dmrs_symbols=5), "dmrs_symbols"),
        (dict(dmrs_symbols=(3, 2)), "dmrs_symbols"),
        (dict(dmrs_symbols=(2, 2)), "dmrs_symbols"),
        (dict(dmrs_symbols=(2.0,)), "dmrs_symbols"),
        (dict(l_start=3, l_duration=5, dmrs_symbols=(2,)), "dmrs_symbols"),
        (dict(l_start=3, l_duration=5, dmrs_symbols=(3, 8)), "dmrs_symbols"),
        (dict(l_ptrs=3), "l_ptrs"),
        (dict(l_ptrs=0), "l_ptrs"),
    ],
)
def test_ptrs_symbols_raises(kw, match):
    with pytest.raises(ConfigError, match=match):
        _sym(**kw)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(n_rb=0), "n_rb"),
        (dict(n_rb=276), "n_rb"),
        (dict(k_ptrs=1), "k_ptrs"),
        (dict(k_ptrs=3), "k_ptrs"),
        (dict(n_rnti=-1), "n_rnti"),
        (dict(n_rnti=65536), "n_rnti"),
        (dict(resource_element_offset="00"), "resource_element_offset"),
        (dict(resource_element_offset=None), "resource_element_offset"),
        (dict(config_type=3), "config_type"),
        (dict(config_type=1, dmrs_port_index=4), "dmrs_port_index"),
        (dict(config_type=2, dmrs_port_index=6), "dmrs_port_index"),
        (dict(dmrs_port_index=-1), "dmrs_port_index"),
    ],
)
def test_ptrs_subcarriers_raises(kw, match):
    base = dict(n_rb=10, k_ptrs=2, n_rnti=1)
    with pytest.raises(ConfigError, match=match):
        ptrs_subcarriers(**{**base, **kw})


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(n_size_grid=0), "n_size_grid"),
        (dict(rb_start=-1), "rb_start"),
        (dict(rb_start=20), "rb_start"),
        (dict(n_rb=0), "n_rb"),
        (dict(rb_start=10, n_rb=11), "rb_start"),
        (dict(n_start_grid=-1), "n_start_grid"),
        (dict(n_start_grid=2200), "n_start_grid"),
        (dict(config_type=0), "config_type"),
        (dict(dmrs_ports=()), "dmrs_ports"),
        (dict(dmrs_ports=(0, 1, 2)), "dmrs_ports"),
        (dict(dmrs_ports=3), "dmrs_ports"),
        (dict(dmrs_ports=(4,)), "dmrs_ports"),
        (dict(dmrs_ports=(1, 1)), "dmrs_ports"),
        (dict(channel="pucch"), "channel"),
        (dict(n_layers=0), "n_layers"),
        (dict(n_layers=7), "n_layers"),
        (dict(epre_ratio=2), "epre_ratio"),
        (dict(rounded_db="yes"), "rounded_db"),
        (dict(beta_ptrs=0.0), "beta_ptrs"),
        (dict(beta_ptrs=float("nan")), "beta_ptrs"),
        (dict(beta_ptrs="1"), "beta_ptrs"),
        (dict(n_scid=2), "n_scid"),
        (dict(n_scid=(0, 1)), "n_scid"),
        (dict(lambda_bar=3), "lambda_bar"),
        (dict(n_id=65536), "n_id"),
        (dict(n_slot=-1), "n_slot"),
        (dict(n_symb_slot=10), "n_symb_slot"),
        (dict(dmrs_symbols=(14,)), "dmrs_symbols"),
        (dict(l_ptrs=8), "l_ptrs"),
        (dict(k_ptrs=8), "k_ptrs"),
        (dict(n_rnti=70000), "n_rnti"),
        (dict(resource_element_offset="offset22"), "resource_element_offset"),
    ],
)
def test_ptrs_grid_raises(kw, match):
    with pytest.raises(ConfigError, match=match):
        ptrs_grid(**{**GRID_BASE, **kw})
