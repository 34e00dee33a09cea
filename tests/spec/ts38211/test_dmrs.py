"""Tests of the PDSCH/PUSCH DMRS, TS 38.211 §6.4.1.1 and §7.4.1.1."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.dmrs import (
    dmrs_c_init,
    dmrs_cdm_group_mask,
    dmrs_grid,
    dmrs_n_scid_bar,
    dmrs_port_params,
    dmrs_sequence,
    dmrs_subcarriers,
    dmrs_symbols,
)
from nrlink.spec.ts38211.low_papr import low_papr_sequence_type1, pusch_dmrs_hopping
from nrlink.spec.ts38211.prbs import gold_sequence
from nrlink.spec.ts38214.power import dmrs_beta

# --- sequence ---------------------------------------------------------------------------


def test_c_init_formula():
    # 2^17 (14·0 + 2 + 1)(2·1 + 1) + 2·1 + 0
    assert dmrs_c_init(n_symb_slot=14, n_slot=0, l=2, n_id=1, n_scid=0) == 2**17 * 9 + 2
    # λ̄ = 2 adds 2^17 ⌊λ̄/2⌋; n_SCID adds 1
    base = dmrs_c_init(n_symb_slot=12, n_slot=3, l=5, n_id=77, n_scid=1)
    assert base == (2**17 * (12 * 3 + 5 + 1) * 155 + 154 + 1) % 2**31
    assert (
        dmrs_c_init(n_symb_slot=12, n_slot=3, l=5, n_id=77, n_scid=1, lambda_bar=2)
        == (base + 2**17) % 2**31
    )
    # mod 2^31 wrap
    big = dmrs_c_init(n_symb_slot=14, n_slot=159, l=13, n_id=65535, n_scid=1)
    assert big == (2**17 * (14 * 159 + 14) * 131071 + 131070 + 1) % 2**31
    assert 0 <= big < 2**31


def test_n_scid_bar_rules():
    for n_scid in (0, 1):
        for lam in (0, 1, 2):
            assert dmrs_n_scid_bar(n_scid, lam) == (n_scid, 0)
        assert dmrs_n_scid_bar(n_scid, 0, per_cdm_group=True) == (n_scid, 0)
        assert dmrs_n_scid_bar(n_scid, 1, per_cdm_group=True) == (1 - n_scid, 1)
        assert dmrs_n_scid_bar(n_scid, 2, per_cdm_group=True) == (n_scid, 2)


@given(c_init=st.integers(0, 2**31 - 1), length=st.integers(0, 300))
@settings(max_examples=30, deadline=None)
def test_sequence_is_qpsk_of_gold(c_init, length):
    r = dmrs_sequence(c_init, length)
    c = gold_sequence(c_init, 2 * length).astype(np.float64)
    assert r.dtype == np.complex64 and r.shape == (length,)
    np.testing.assert_allclose(r.real, (1 - 2 * c[0::2]) / np.sqrt(2), rtol=0, atol=1e-7)
    np.testing.assert_allclose(r.imag, (1 - 2 * c[1::2]) / np.sqrt(2), rtol=0, atol=1e-7)


def test_sequence_batch():
    r = dmrs_sequence([[5, 6], [7, 8]], 10)
    assert r.shape == (2, 2, 10)
    np.testing.assert_array_equal(r[1, 0], dmrs_sequence(7, 10))


# A valid dmrs_grid / dmrs_cdm_group_mask call, updated by the tests.
_GRID = dict(
    config_type=1,
    ports=(0,),
    symbols=(2,),
    length=1,
    n_symb_slot=14,
    n_slot=0,
    n_sc=24,
    prbs=(0, 1),
    n_id=1,
)
_CDM_MASK = dict(
    config_type=1,
    num_cdm_groups_without_data=1,
    symbols=(2,),
    n_symb_slot=14,
    n_sc=12,
    prbs=(0,),
)

# --- ports ------------------------------------------------------------------------------


def _all_ports_grid(cfg, symbols, n_slot, n_sc, n_id):
    """Double-symbol DMRS of every port of configuration type ``cfg`` on all PRBs."""
    n_ports = 8 if cfg == 1 else 12
    v, _ = dmrs_grid(
        config_type=cfg,
        ports=tuple(range(n_ports)),
        symbols=symbols,
        length=2,
        n_symb_slot=14,
        n_slot=n_slot,
        n_sc=n_sc,
        prbs=tuple(range(n_sc // 12)),
        n_id=n_id,
    )
    return n_ports, v


def test_port_tables():
    # Table 7.4.1.1.2-1 / 6.4.1.1.3-1 (type 1) and 7.4.1.1.2-2 / 6.4.1.1.3-2 (type 2)
    for cfg, n_ports, n_groups in ((1, 8, 2), (2, 12, 3)):
        for p in range(n_ports):
            lam, delta, w_f, w_t = dmrs_port_params(cfg, p)
            assert lam == (p // 2) % n_groups
            assert delta == lam * cfg
            assert w_f.tolist() == [1, -1 if p % 2 else 1]
            assert w_t.tolist() == [1, -1 if p >= n_ports // 2 else 1]
    assert dmrs_subcarriers(1, 0).tolist() == [0, 2, 4, 6, 8, 10]
    assert dmrs_subcarriers(2, 1).tolist() == [2, 3, 8, 9]


@pytest.mark.parametrize("cfg", [1, 2])
def test_ports_orthogonal(cfg):
    """Different CDM groups use disjoint REs; the covers of a CDM group are orthogonal."""
    n_ports, v = _all_ports_grid(cfg, symbols=(2, 3), n_slot=1, n_sc=48, n_id=5)
    support = np.abs(v) > 0
    for a in range(n_ports):
        for b in range(n_ports):
            if dmrs_port_params(cfg, a)[0] != dmrs_port_params(cfg, b)[0]:
                assert not np.any(support[a] & support[b])
            else:
                np.testing.assert_array_equal(support[a], support[b])
    for lam in range(cfg + 1):
        codes = np.array(
            [
                np.outer(w_t, w_f).ravel()
                for g, _, w_f, w_t in (dmrs_port_params(cfg, p) for p in range(n_ports))
                if g == lam
            ],
            dtype=float,
        )
        np.testing.assert_array_equal(codes @ codes.T, 4 * np.eye(4))


@pytest.mark.parametrize("cfg", [1, 2])
def test_ports_separable_by_despreading(cfg):
    """The sum of all ports with random gains: despreading with each port's OCC (after
    removing the group's common sequence r(2n + k')) recovers that port's gain."""
    n_ports, v = _all_ports_grid(cfg, symbols=(5, 6), n_slot=2, n_sc=24, n_id=3)
    rng = np.random.default_rng(1)
    gains = rng.normal(size=n_ports) + 1j * rng.normal(size=n_ports)
    total = np.tensordot(gains, v, axes=1)
    for p in range(n_ports):
        lam, _, w_f, w_t = dmrs_port_params(cfg, p)
        base = v[2 * lam]  # the port of the group with w_f = w_t = (+1, +1)
        sc = np.flatnonzero(np.abs(base[5]) > 0)
        for pair in range(sc.size // 2):  # (k' = 0, k' = 1) REs of one n
            k = sc[2 * pair : 2 * pair + 2]
            y = total[5:7][:, k] / base[5:7][:, k]
            np.testing.assert_allclose((y * np.outer(w_t, w_f)).sum() / 4, gains[p], atol=1e-5)


# --- positions --------------------------------------------------------------------------

# The position tables transcribed again, in the layout of the spec ("-" not allowed), to
# check every row of the recorded data: "ld: pos0 | pos1 | pos2 | pos3".
SPEC_TABLES = {
    ("pdsch", 1, "A"): """
        2: - | - | - | -
        3: l0 | l0 | l0 | l0
        4: l0 | l0 | l0 | l0
        5: l0 | l0 | l0 | l0
        6: l0 | l0 | l0 | l0
        7: l0 | l0 | l0 | l0
        8: l0 | l0,7 | l0,7 | l0,7
        9: l0 | l0,7 | l0,7 | l0,7
        10: l0 | l0,9 | l0,6,9 | l0,6,9
        11: l0 | l0,9 | l0,6,9 | l0,6,9
        12: l0 | l0,9 | l0,6,9 | l0,5,8,11
        13: l0 | l0,11 | l0,7,11 | l0,5,8,11
        14: l0 | l0,11 | l0,7,11 | l0,5,8,11""",
    ("pdsch", 1, "B"): """
        2: l0 | l0 | l0 | l0
        3: l0 | l0 | l0 | l0
        4: l0 | l0 | l0 | l0
        5: l0 | l0,4 | l0,4 | l0,4
        6: l0 | l0,4 | l0,4 | l0,4
        7: l0 | l0,4 | l0,4 | l0,4
        8: l0 | l0,6 | l0,3,6 | l0,3,6
        9: l0 | l0,7 | l0,4,7 | l0,4,7
        10: l0 | l0,7 | l0,4,7 | l0,4,7
        11: l0 | l0,8 | l0,4,8 | l0,3,6,9
        12: l0 | l0,9 | l0,5,9 | l0,3,6,9
        13: l0 | l0,9 | l0,5,9 | l0,3,6,9""",
    ("pdsch", 2, "A"): """
        2: - | -
        3: - | -
        4: l0 | l0
        5: l0 | l0
        6: l0 | l0
        7: l0 | l0
        8: l0 | l0
        9: l0 | l0
        10: l0 | l0,8
        11: l0 | l0,8
        12: l0 | l0,8
        13: l0 | l0,10
        14: l0 | l0,10""",
    ("pdsch", 2, "B"): """
        2: - | -
        3: - | -
        4: - | -
        5: l0 | l0
        6: l0 | l0
        7: l0 | l0
        8: l0 | l0,5
        9: l0 | l0,5
        10: l0 | l0,7
        11: l0 | l0,7
        12: l0 | l0,8
        13: l0 | l0,8""",
    ("pusch", 1, "A"): """
        4: l0 | l0 | l0 | l0
        5: l0 | l0 | l0 | l0
        6: l0 | l0 | l0 | l0
        7: l0 | l0 | l0 | l0
        8: l0 | l0,7 | l0,7 | l0,7
        9: l0 | l0,7 | l0,7 | l0,7
        10: l0 | l0,9 | l0,6,9 | l0,6,9
        11: l0 | l0,9 | l0,6,9 | l0,6,9
        12: l0 | l0,9 | l0,6,9 | l0,5,8,11
        13: l0 | l0,11 | l0,7,11 | l0,5,8,11
        14: l0 | l0,11 | l0,7,11 | l0,5,8,11""",
    ("pusch", 1, "B"): """
        1: l0 | l0 | l0 | l0
        2: l0 | l0 | l0 | l0
        3: l0 | l0 | l0 | l0
        4: l0 | l0 | l0 | l0
        5: l0 | l0,4 | l0,4 | l0,4
        6: l0 | l0,4 | l0,4 | l0,4
        7: l0 | l0,4 | l0,4 | l0,4
        8: l0 | l0,6 | l0,3,6 | l0,3,6
        9: l0 | l0,6 | l0,3,6 | l0,3,6
        10: l0 | l0,8 | l0,4,8 | l0,3,6,9
        11: l0 | l0,8 | l0,4,8 | l0,3,6,9
        12: l0 | l0,10 | l0,5,10 | l0,3,6,9
        13: l0 | l0,10 | l0,5,10 | l0,3,6,9
        14: l0 | l0,10 | l0,5,10 | l0,3,6,9""",
    ("pusch", 2, "A"): """
        4: l0 | l0
        5: l0 | l0
        6: l0 | l0
        7: l0 | l0
        8: l0 | l0
        9: l0 | l0
        10: l0 | l0,8
        11: l0 | l0,8
        12: l0 | l0,8
        13: l0 | l0,10
        14: l0 | l0,10""",
    ("pusch", 2, "B"): """
        1: - | -
        2: - | -
        3: - | -
        4: - | -
        5: l0 | l0
        6: l0 | l0
        7: l0 | l0
        8: l0 | l0,5
        9: l0 | l0,5
        10: l0 | l0,7
        11: l0 | l0,7
        12: l0 | l0,9
        13: l0 | l0,9
        14: l0 | l0,9""",
}


def _parse(text):
    rows = {}
    for line in text.strip().splitlines():
        ld, cols = line.split(":")
        rows[int(ld)] = [
            None if c.strip() == "-" else c.strip().split(",") for c in cols.split("|")
        ]
    return rows


def _table_cases():
    for (channel, length, mapping), text in SPEC_TABLES.items():
        for ld, cols in _parse(text).items():
            for pos, entry in enumerate(cols):
                yield channel, length, mapping, ld, pos, entry


@pytest.mark.parametrize(
    ("channel", "length", "mapping", "ld", "pos", "entry"), list(_table_cases())
)
def test_position_tables_every_row(channel, length, mapping, ld, pos, entry):
    kw = dict(channel=channel, mapping_type=mapping, additional_position=pos, length=length)
    if mapping == "A":
        l0s = (2,) if ld <= 2 + length or pos == 3 else (2, 3)
        starts = [0]
    else:
        l0s = (2,)
        starts = [0, 14 - ld]
    for l0 in l0s:
        for s in starts:
            if mapping == "A":
                args = dict(kw, type_a_position=l0, l_start=s, l_duration=ld - s)
            else:
                args = dict(kw, l_start=s, l_duration=ld)
            if entry is None:
                # "-" (or, for PDSCH type A l_d = 2, already an invalid L per TS 38.214)
                with pytest.raises(ConfigError, match="l_d=|l_duration"):
                    dmrs_symbols(**args)
                continue
            ref, first = (0, l0) if mapping == "A" else (s, 0)
            l_bar = [first if e == "l0" else int(e) for e in entry]
            want = tuple(ref + lb + lp for lb in l_bar for lp in range(length))
            assert dmrs_symbols(**args) == want


def test_symbols_pdsch_type_a_start_offsets():
    # mapping type A counts from the slot start: S = 1, L = 12 → l_d = 13
    assert dmrs_symbols(
        channel="pdsch", mapping_type="A", l_start=1, l_duration=12, additional_position=2
    ) == (2, 7, 11)
    assert dmrs_symbols(
        channel="pdsch",
        mapping_type="A",
        l_start=3,
        l_duration=10,
        type_a_position=3,
        additional_position=1,
    ) == (3, 11)


def test_symbols_extended_cp():
    assert dmrs_symbols(
        channel="pusch",
        mapping_type="A",
        l_start=0,
        l_duration=12,
        n_symb_slot=12,
        additional_position=3,
    ) == (2, 5, 8, 11)
    assert dmrs_symbols(
        channel="pdsch",
        mapping_type="B",
        l_start=4,
        l_duration=6,
        n_symb_slot=12,
        additional_position=1,
    ) == (4, 8)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"channel": "pxsch"}, "channel"),
        ({"mapping_type": "C"}, "mapping_type"),
        ({"mapping_type": np.array(["A", "B"])}, "mapping_type"),
        ({"n_symb_slot": 13}, "n_symb_slot"),
        ({"type_a_position": 4}, "type_a_position"),
        ({"length": 3}, "length"),
        ({"additional_position": 4}, "additional_position"),
        ({"additional_position": 2, "length": 2}, "additional_position"),
        ({"frequency_hopping": True, "channel": "pdsch"}, "frequency_hopping"),
        ({"l_start": 1}, "l_start"),  # PUSCH type A: S = 0
        ({"l_duration": 3}, "l_duration"),  # PUSCH type A: L >= 4
        ({"l_duration": 13, "n_symb_slot": 12}, "l_duration"),
        ({"channel": "pdsch", "l_start": 3, "l_duration": 12}, "S \\+ L"),
        ({"channel": "pdsch", "l_start": 3, "l_duration": 10}, "S = 3"),
        ({"channel": "pdsch", "mapping_type": "B", "l_start": 2, "l_duration": 14}, "l_duration"),
        (
            {
                "channel": "pdsch",
                "mapping_type": "B",
                "l_start": 4,
                "l_duration": 5,
                "n_symb_slot": 12,
            },
            "l_duration",
        ),
        ({"type_a_position": 3, "additional_position": 3}, "pos3"),
        ({"channel": "pdsch", "type_a_position": 3, "l_duration": 3}, "pos2"),
        ({"channel": "pdsch", "type_a_position": 3, "l_duration": 4, "length": 2}, "pos2"),
        (
            {"channel": "pusch", "type_a_position": 3, "l_duration": 4, "length": 2},
            "within the allocated",
        ),
        (
            {
                "channel": "pdsch",
                "l_start": 3,
                "l_duration": 11,
                "type_a_position": 3,
                "mapping_type": "A",
                "length": 2,
                "additional_position": 1,
            },
            None,
        ),
        ({"mapping_type": "B", "l_start": 2, "l_duration": 3, "length": 2}, "l_d="),
        ({"l_start": 1.0}, "l_start"),
        ({"l_duration": True}, "l_duration"),
    ],
)
def test_symbols_raise(kwargs, match):
    args = dict(
        channel="pusch",
        mapping_type="A",
        l_start=0,
        l_duration=14,
        type_a_position=2,
        additional_position=0,
        length=1,
    )
    args.update(kwargs)
    if match is None:  # a valid corner case: S = 3 with dmrs-TypeA-Position = 3
        assert dmrs_symbols(**args) == (3, 4, 10, 11)
        return
    with pytest.raises(ConfigError, match=match):
        dmrs_symbols(**args)


def test_symbols_frequency_hopping_not_implemented():
    with pytest.raises(NotImplementedError, match="6.4.1.1.3-6"):
        dmrs_symbols(
            channel="pusch", mapping_type="A", l_start=0, l_duration=14, frequency_hopping=True
        )


# --- grid -------------------------------------------------------------------------------


def _ref_dmrs_grid(
    cfg,
    ports,
    symbols,
    length,
    n_symb_slot,
    n_slot,
    n_sc,
    prbs,
    n_id,
    n_scid,
    beta,
    n_start_cr,
    per_cdm_group,
):
    """Slow twin: TS 38.211 §7.4.1.1.2 loops over n, k', l as written."""
    n_ids = n_id if isinstance(n_id, tuple) else (n_id, n_id)
    out = np.zeros((len(ports), n_symb_slot, n_sc), complex)
    syms = sorted(symbols)
    for j, p in enumerate(ports):
        lam, delta, w_f, w_t = dmrs_port_params(cfg, p)
        sb, lb = dmrs_n_scid_bar(n_scid, lam, per_cdm_group=per_cdm_group)
        for i, l in enumerate(syms):
            l_prime = i % 2 if length == 2 else 0
            c = dmrs_c_init(
                n_symb_slot=n_symb_slot,
                n_slot=n_slot,
                l=l,
                n_id=n_ids[sb],
                n_scid=sb,
                lambda_bar=lb,
            )
            r = dmrs_sequence(c, 6 * (n_start_cr + n_sc // 12) + 2)
            for n in range(3 * (n_start_cr + n_sc // 12)):
                for kp in (0, 1):
                    k = (4 * n + 2 * kp + delta) if cfg == 1 else (6 * n + kp + delta)
                    if cfg == 2 and n >= 2 * (n_start_cr + n_sc // 12):
                        continue
                    k -= 12 * n_start_cr  # reference point: CRB 0
                    if 0 <= k < n_sc and k // 12 in prbs:
                        out[j, l, k] = beta * w_f[kp] * w_t[l_prime] * r[2 * n + kp]
    return out


@given(
    cfg=st.sampled_from([1, 2]),
    length=st.sampled_from([1, 2]),
    data=st.data(),
)
@settings(max_examples=25, deadline=None)
def test_grid_matches_slow_twin(cfg, length, data):
    n_ports = {(1, 1): 4, (1, 2): 8, (2, 1): 6, (2, 2): 12}[(cfg, length)]
    ports = tuple(
        data.draw(st.lists(st.integers(0, n_ports - 1), min_size=1, max_size=4, unique=True))
    )
    n_prb = data.draw(st.integers(1, 6))
    prbs = tuple(sorted(data.draw(st.lists(st.integers(0, n_prb - 1), min_size=1, unique=True))))
    n_symb_slot = data.draw(st.sampled_from([12, 14]))
    first = data.draw(st.integers(0, n_symb_slot - 4))
    symbols = (first, first + 1) if length == 2 else (first, first + 3)
    n_id = data.draw(
        st.one_of(st.integers(0, 65535), st.tuples(st.integers(0, 65535), st.integers(0, 65535)))
    )
    kw = dict(
        n_slot=data.draw(st.integers(0, 79)),
        n_scid=data.draw(st.integers(0, 1)),
        n_start_cr=data.draw(st.integers(0, 20)),
        per_cdm_group=data.draw(st.booleans()),
    )
    beta = data.draw(st.sampled_from([1.0, np.sqrt(2), np.sqrt(3)]))
    v, mask = dmrs_grid(
        config_type=cfg,
        ports=ports,
        symbols=symbols,
        length=length,
        n_symb_slot=n_symb_slot,
        n_sc=12 * n_prb,
        prbs=prbs,
        n_id=n_id,
        beta_dmrs=beta,
        **kw,
    )
    ref = _ref_dmrs_grid(
        cfg,
        ports,
        symbols,
        length,
        n_symb_slot,
        kw["n_slot"],
        12 * n_prb,
        prbs,
        n_id,
        kw["n_scid"],
        beta,
        kw["n_start_cr"],
        kw["per_cdm_group"],
    )
    assert v.dtype == np.complex64 and mask.dtype == bool
    np.testing.assert_allclose(v, ref, atol=1e-6)
    np.testing.assert_array_equal(mask, np.any(np.abs(ref) > 0, axis=0))


def test_grid_reference_point_shift():
    """PRB j of a grid starting at CRB s equals PRB s + j of a grid starting at CRB 0."""
    kw = dict(
        config_type=2,
        ports=(0, 3),
        symbols=(2, 3),
        length=2,
        n_symb_slot=14,
        n_slot=3,
        n_id=(10, 11),
        n_scid=1,
    )
    a, _ = dmrs_grid(n_sc=12 * 10, prbs=range(10), n_start_cr=0, **kw)
    b, _ = dmrs_grid(n_sc=12 * 6, prbs=range(6), n_start_cr=4, **kw)
    np.testing.assert_array_equal(a[..., 48:], b)


def test_grid_n_scid_selects_scrambling_id():
    a, _ = dmrs_grid(**dict(_GRID, n_id=(7, 9), n_scid=1))
    b, _ = dmrs_grid(**dict(_GRID, n_id=9, n_scid=1))
    c, _ = dmrs_grid(**dict(_GRID, n_id=7, n_scid=1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_grid_transform_precoding():
    n_prb, n_id, slot = 5, 37, 3
    for hopping in ({}, {"group_hopping": True}, {"sequence_hopping": True}):
        v, mask = dmrs_grid(
            config_type=1,
            ports=(0, 2),
            symbols=(2, 11),
            length=1,
            n_symb_slot=14,
            n_slot=slot,
            n_sc=12 * 8,
            prbs=range(2, 2 + n_prb),
            n_id=n_id,
            beta_dmrs=np.sqrt(2),
            transform_precoding=True,
            **hopping,
        )
        for l in (2, 11):  # noqa: E741
            u, vv = pusch_dmrs_hopping(
                n_id_rs=n_id, n_symb_slot=14, n_slot=slot, l=l, m_zc=6 * n_prb, **hopping
            )
            r = low_papr_sequence_type1(u, vv, 0.0, 6 * n_prb)
            # port 0 (Δ = 0): the even subcarriers of the allocation carry r(0), r(1), ...
            np.testing.assert_allclose(v[0, l, 24 : 24 + 12 * n_prb : 2], np.sqrt(2) * r, atol=1e-6)
            # port 2 (Δ = 1, w_f = +1): the odd subcarriers carry the same sequence
            np.testing.assert_allclose(v[1, l, 25 : 24 + 12 * n_prb : 2], np.sqrt(2) * r, atol=1e-6)
        assert mask.sum() == 2 * 12 * n_prb
    # double-symbol: both symbols of the pair use l of the first symbol
    v, _ = dmrs_grid(
        **dict(_GRID, ports=(4,), symbols=(2, 3), length=2, n_slot=1, n_id=5),
        transform_precoding=True,
        group_hopping=True,
    )
    np.testing.assert_allclose(v[0, 3], -v[0, 2], atol=1e-7)  # w_t = (+1, -1)


def test_cdm_group_mask():
    m = dmrs_cdm_group_mask(**dict(_CDM_MASK, symbols=(2, 11), n_sc=36, prbs=(0, 2)))
    assert m.sum() == 2 * 2 * 6
    assert np.flatnonzero(m[11]).tolist() == list(range(0, 12, 2)) + list(range(24, 36, 2))
    m = dmrs_cdm_group_mask(
        **dict(_CDM_MASK, config_type=2, num_cdm_groups_without_data=3, n_symb_slot=12)
    )
    assert m[2].all() and m.sum() == 12


# --- reference vector -------------------------------------------------------------------


def test_pusch_grid_vector(vectors):
    """Sionna PUSCHTransmitter grids: DMRS positions, sequences, CDM/OCC and power."""
    vec = vectors("pusch_grid")
    for i in range(4):
        cfg = json.loads(str(vec[f"case{i}_full_config"]))
        grid = vec[f"case{i}_grid"]
        s, ln = cfg["symbol_allocation"]
        syms = dmrs_symbols(
            channel="pusch",
            mapping_type=cfg["mapping_type"],
            l_start=s,
            l_duration=ln,
            type_a_position=cfg["dmrs_type_a_position"],
            additional_position=cfg["dmrs_additional_position"],
            length=cfg["dmrs_length"],
        )
        assert syms == tuple(vec[f"case{i}_dmrs_symbols"].tolist())
        layers = cfg["num_layers"]
        assert cfg["dmrs_port_set"] == [] and cfg["tpmi"] == 0 and cfg["slot_number"] == 0
        assert cfg["dmrs_n_id"] is None  # the spec default N_ID^cell
        n_sc = grid.shape[-1]
        cfg_type = cfg["dmrs_config_type"]
        n_cdm = cfg["dmrs_num_cdm_groups_without_data"]
        v, mask = dmrs_grid(
            config_type=cfg_type,
            ports=tuple(range(layers)),
            symbols=syms,
            length=cfg["dmrs_length"],
            n_symb_slot=14,
            n_slot=cfg["slot_number"],
            n_sc=n_sc,
            prbs=range(n_sc // 12),
            n_id=cfg["n_cell_id"],
            n_scid=cfg["dmrs_n_scid"],
            beta_dmrs=dmrs_beta(n_cdm, cfg_type, "pusch"),
        )
        # codebook precoding with TPMI 0 is I/sqrt(layers): antenna port p = layer p
        w = 1.0 if layers == 1 else 1.0 / np.sqrt(layers)
        no_data = dmrs_cdm_group_mask(
            config_type=cfg_type,
            num_cdm_groups_without_data=n_cdm,
            symbols=syms,
            n_symb_slot=14,
            n_sc=n_sc,
            prbs=range(n_sc // 12),
        )
        assert np.all(no_data[mask])
        for ex in range(grid.shape[0]):
            for p in range(layers):
                np.testing.assert_allclose(
                    grid[ex, p][no_data], w * v[p][no_data], rtol=0, atol=1e-5
                )
            # REs of DMRS symbols outside the no-data CDM groups carry data
            data_re = np.zeros_like(no_data)
            data_re[list(syms)] = True
            data_re &= ~no_data
            if data_re.any():
                assert np.all(np.abs(grid[ex][:, data_re]) > 0)


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "kwargs", "match"),
    [
        (dmrs_c_init, {"n_symb_slot": 13}, "n_symb_slot"),
        (dmrs_c_init, {"n_slot": -1}, "n_slot"),
        (dmrs_c_init, {"l": 14}, "l="),
        (dmrs_c_init, {"n_id": 65536}, "n_id"),
        (dmrs_c_init, {"n_scid": 2}, "n_scid"),
        (dmrs_c_init, {"lambda_bar": 3}, "lambda_bar"),
    ],
)
def test_c_init_raise(func, kwargs, match):
    args = dict(n_symb_slot=14, n_slot=0, l=2, n_id=1, n_scid=0)
    args.update(kwargs)
    with pytest.raises(ConfigError, match=match):
        func(**args)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: dmrs_n_scid_bar(2, 0), "n_scid"),
        (lambda: dmrs_n_scid_bar(0, 3), "cdm_group"),
        (lambda: dmrs_sequence(1, -1), "length"),
        (lambda: dmrs_sequence(-1, 4), "c_init"),
        (lambda: dmrs_port_params(3, 0), "config_type"),
        (lambda: dmrs_port_params(1, 8), "port_index"),
        (lambda: dmrs_port_params(2, 12), "port_index"),
        (lambda: dmrs_subcarriers(0, 0), "config_type"),
        (lambda: dmrs_subcarriers(1, 2), "cdm_group"),
        (
            lambda: dmrs_cdm_group_mask(**dict(_CDM_MASK, num_cdm_groups_without_data=3)),
            "num_cdm_groups_without_data",
        ),
        (
            lambda: dmrs_cdm_group_mask(
                **dict(_CDM_MASK, config_type=2, num_cdm_groups_without_data=0)
            ),
            "num_cdm_groups_without_data",
        ),
    ],
)
def test_helpers_raise(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"config_type": 3}, "config_type"),
        ({"length": 0}, "length"),
        ({"n_symb_slot": 7}, "n_symb_slot"),
        ({"n_sc": 0}, "n_sc"),
        ({"n_sc": 30}, "n_sc"),
        ({"symbols": (14,)}, "symbols"),
        ({"symbols": (2, 2)}, "symbols"),
        ({"symbols": ()}, "symbols"),
        ({"symbols": (2.0,)}, "symbols"),
        ({"symbols": [[2]]}, "symbols"),
        ({"prbs": (2,)}, "prbs"),
        ({"prbs": ()}, "prbs"),
        ({"ports": (4,)}, "ports"),  # single-symbol type 1: ports 0..3
        ({"ports": (0, 0)}, "ports"),
        ({"config_type": 2, "ports": (6,)}, "ports"),
        ({"length": 2, "ports": (8,), "symbols": (2, 3)}, "ports"),
        ({"length": 2, "symbols": (2, 4)}, "double-symbol"),
        ({"length": 2, "symbols": (2,)}, "double-symbol"),
        ({"n_slot": -1}, "n_slot"),
        ({"n_scid": 2}, "n_scid"),
        ({"n_start_cr": -1}, "n_start_cr"),
        ({"beta_dmrs": 0.0}, "beta_dmrs"),
        ({"beta_dmrs": float("nan")}, "beta_dmrs"),
        ({"beta_dmrs": "x"}, "beta_dmrs"),
        ({"n_id": 65536}, "n_id"),
        ({"n_id": (1, 2, 3)}, "n_id"),
        ({"n_id": (1, 70000)}, "n_id"),
        ({"group_hopping": True}, "group_hopping"),
        ({"transform_precoding": True, "config_type": 2}, "config_type"),
        ({"transform_precoding": True, "prbs": (0, 2), "n_sc": 36}, "contiguous"),
        ({"transform_precoding": True, "n_id": 1008}, "n_id"),
        ({"transform_precoding": True, "n_id": (1, 2)}, "n_id"),
    ],
)
def test_grid_raise(kwargs, match):
    args = dict(_GRID)
    args.update(kwargs)
    with pytest.raises(ConfigError, match=match):
        dmrs_grid(**args)
