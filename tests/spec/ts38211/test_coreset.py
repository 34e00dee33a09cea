"""CORESET REG/CCE mapping, PDCCH RE maps and PDCCH DM-RS.

TS 38.211 §7.3.2.2, §7.3.2.5, §7.4.1.3.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.coreset import (
    cce_reg_bundles,
    cce_regs,
    check_coreset_geometry,
    contiguous_rb_regs,
    pdcch_data_res,
    pdcch_dmrs,
    pdcch_dmrs_c_init,
    pdcch_dmrs_res,
    reg_bundle_interleaver,
)
from nrlink.spec.ts38211.prbs import gold_sequence

# --------------------------------------------------------------------------------------
# Slow literal twins of the clause text


def literal_cce_regs(n_reg, ell, interleaved, r_size, n_shift):
    """§7.3.2.2 word for word: bundles {iL..iL+L-1}; CCE j = bundles f(6j/L + t)."""
    n_bundles = n_reg // ell
    if interleaved:
        c_size = n_reg // (ell * r_size)
        f = {}
        for c in range(c_size):
            for r in range(r_size):
                x = c * r_size + r
                f[x] = (r * c_size + c + n_shift) % n_bundles
    else:
        f = {x: x for x in range(n_bundles)}
    out = []
    for j in range(n_reg // 6):
        regs = []
        for t in range(6 // ell):
            i = f[6 * j // ell + t]
            regs.extend(i * ell + q for q in range(ell))
        out.append(regs)
    return np.array(out)


def literal_data_res(regs, rbs, duration, first_symbol):
    """§7.3.2.5: REs of the REGs not used by DM-RS, increasing k first, then l."""
    res = set()
    for reg in regs:
        rb = rbs[reg // duration]
        l = first_symbol + reg % duration
        for kk in range(12):
            if kk not in (1, 5, 9):
                res.add((l, 12 * rb + kk))
    res = sorted(res)  # tuples (l, k): l major, k minor = k first, then l
    return [r[0] for r in res], [r[1] for r in res]


def literal_dmrs(n_id, slot, l, m, n_symb_slot=14):
    """§7.4.1.3.1 with c(n) from the Gold sequence, one value at a time."""
    c_init = (2**17 * (n_symb_slot * slot + l + 1) * (2 * n_id + 1) + 2 * n_id) % 2**31
    c = gold_sequence(c_init, 2 * m + 2)
    return ((1 - 2 * int(c[2 * m])) + 1j * (1 - 2 * int(c[2 * m + 1]))) / np.sqrt(2)


# --------------------------------------------------------------------------------------
# Hand-checked interleaver examples


def test_interleaver_hand_example_shift_0():
    # N_REG = 36, L = 6, R = 2: N_REG/L = 6 bundles, C = 36/(6·2) = 3.
    # x = cR + r; f(x) = (rC + c + 0) mod 6:
    # x=0 (c0 r0) -> 0; x=1 (c0 r1) -> 3; x=2 (c1 r0) -> 1; x=3 (c1 r1) -> 4;
    # x=4 (c2 r0) -> 2; x=5 (c2 r1) -> 5.
    assert reg_bundle_interleaver(36, 6, 2, 0).tolist() == [0, 3, 1, 4, 2, 5]
    # L = 6: CCE j = bundle f(j), REGs 6 f(j) .. 6 f(j) + 5.
    regs = cce_regs(36, 6, interleaved=True, interleaver_size=2, n_shift=0)
    assert regs[1].tolist() == list(range(18, 24))


def test_interleaver_hand_example_shift_7():
    # Same, n_shift = 7: f(x) = (rC + c + 7) mod 6:
    # x=0 -> 7 mod 6 = 1; x=1 -> 10 mod 6 = 4; x=2 -> 8 mod 6 = 2; x=3 -> 11 mod 6 = 5;
    # x=4 -> 9 mod 6 = 3; x=5 -> 12 mod 6 = 0.
    assert reg_bundle_interleaver(36, 6, 2, 7).tolist() == [1, 4, 2, 5, 3, 0]


def test_interleaver_hand_example_bundle_2():
    # N_REG = 48, L = 2, R = 3: 24 bundles, C = 8; f(x) = (8r + c) mod 24, x = 3c + r:
    # CCE 0 = bundles f(0), f(1), f(2) = 0, 8, 16 -> REGs {0,1}, {16,17}, {32,33};
    # CCE 1 = f(3), f(4), f(5) = 1, 9, 17 -> REGs {2,3}, {18,19}, {34,35}.
    b = cce_reg_bundles(48, 2, interleaved=True, interleaver_size=3, n_shift=0)
    assert b[:2].tolist() == [[0, 8, 16], [1, 9, 17]]
    regs = cce_regs(48, 2, interleaved=True, interleaver_size=3, n_shift=0)
    assert regs[0].tolist() == [0, 1, 16, 17, 32, 33]
    assert regs[1].tolist() == [2, 3, 18, 19, 34, 35]


def test_non_interleaved_is_identity():
    np.testing.assert_array_equal(cce_regs(18, 6, interleaved=False),
                                  np.arange(18).reshape(3, 6))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 45), st.sampled_from([1, 2, 3]), st.booleans(),
       st.sampled_from([2, 3, 6]), st.sampled_from([2, 3, 6]), st.integers(0, 274))
def test_cce_regs_matches_literal_formula(groups, duration, interleaved, ell, r_size, n_shift):
    n_reg = 6 * groups * duration
    if not interleaved:
        ell = 6
    elif n_reg % (ell * r_size):
        with pytest.raises(ConfigError, match="C = N_REG"):
            cce_regs(n_reg, ell, interleaved=True, interleaver_size=r_size, n_shift=n_shift)
        return
    got = cce_regs(n_reg, ell, interleaved=interleaved, interleaver_size=r_size,
                   n_shift=n_shift)
    np.testing.assert_array_equal(got, literal_cce_regs(n_reg, ell, interleaved, r_size,
                                                        n_shift))
    # Every REG belongs to exactly one CCE (f is a permutation).
    assert sorted(got.ravel().tolist()) == list(range(n_reg))


# --------------------------------------------------------------------------------------
# RE maps


def test_data_res_order_hand_example():
    # One REG pair on RB 4, duration 2 from symbol 1: REG 0 = (RB 4, l=1), REG 1 = (RB 4, l=2).
    # Data subcarriers of RB 4: 48 + {0,2,3,4,6,7,8,10,11}; all of l=1 first, then l=2.
    res = pdcch_data_res([1, 0], rbs=[4], duration=2, first_symbol=1)
    ks = [48 + k for k in (0, 2, 3, 4, 6, 7, 8, 10, 11)]
    assert res.l.tolist() == [1] * 9 + [2] * 9
    assert res.k.tolist() == ks + ks


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_data_and_dmrs_res_match_literal(data):
    n_rb = data.draw(st.integers(1, 30))
    rbs = np.sort(data.draw(st.lists(st.integers(0, 273), min_size=n_rb, max_size=n_rb,
                                     unique=True)))
    duration = data.draw(st.sampled_from([1, 2, 3]))
    first = data.draw(st.integers(0, 14 - duration))
    n_reg = rbs.size * duration
    regs = data.draw(st.lists(st.integers(0, n_reg - 1), min_size=1, max_size=n_reg,
                              unique=True))
    res = pdcch_data_res(regs, rbs, duration, first)
    l_lit, k_lit = literal_data_res(regs, rbs, duration, first)
    assert res.l.tolist() == l_lit and res.k.tolist() == k_lit
    n_offset = data.draw(st.integers(0, 100))
    l, k, m = pdcch_dmrs_res(regs, rbs, duration, first, n_offset=n_offset)
    lit = sorted((first + reg % duration, 12 * rbs[reg // duration] + kk)
                 for reg in regs for kk in (1, 5, 9))
    assert list(zip(l.tolist(), k.tolist(), strict=True)) == lit
    # m = 3n + k', n the RB relative to the reference point, k = 12 n_rb + 4 k' + 1.
    assert m.tolist() == [3 * (kk // 12 + n_offset) + (kk % 12 - 1) // 4 for kk in k.tolist()]


def test_res_batched_over_candidates():
    rbs = np.arange(10, 22)
    regs = np.array([[0, 1, 2, 3, 4, 5], [12, 13, 14, 15, 16, 17]])
    res = pdcch_data_res(regs, rbs, 2, 0)
    assert res.l.shape == (2, 54)
    for i in range(2):
        one = pdcch_data_res(regs[i], rbs, 2, 0)
        np.testing.assert_array_equal(res.k[i], one.k)
        np.testing.assert_array_equal(res.l[i], one.l)


def test_contiguous_rb_regs():
    rbs = np.array([0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23])
    # duration 2: REG 14 = RB position 7 (CRB 13), in the second run (positions 6..17).
    got = contiguous_rb_regs([14, 15], rbs, 2)
    assert got.tolist() == list(range(12, 36))
    got = contiguous_rb_regs([0, 14], rbs, 2)
    assert got.tolist() == list(range(36))


# --------------------------------------------------------------------------------------
# DM-RS sequence


def test_dmrs_c_init_literal():
    # c_init = (2^17 (14·3 + 5 + 1)(2·100 + 1) + 2·100) mod 2^31
    assert pdcch_dmrs_c_init(100, 3, 5) == (2**17 * 48 * 201 + 200) % 2**31
    np.testing.assert_array_equal(pdcch_dmrs_c_init(7, 1, [0, 11], 12),
                                  [(2**17 * (12 + l + 1) * 15 + 14) % 2**31 for l in (0, 11)])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 65535), st.integers(0, 159), st.lists(st.integers(0, 13), min_size=1,
       max_size=3), st.lists(st.integers(0, 300), min_size=1, max_size=5))
def test_dmrs_sequence_literal(n_id, slot, ls, ns):
    r = pdcch_dmrs(n_id, slot, ls, ns)
    assert r.shape == (len(ls), len(ns), 3) and r.dtype == np.complex64
    for i, l in enumerate(ls):
        for j, n in enumerate(ns):
            for kp in range(3):
                assert r[i, j, kp] == pytest.approx(literal_dmrs(n_id, slot, l, 3 * n + kp),
                                                    abs=1e-6)


# --------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize("kwargs,match", [
    ({"n_reg": 10, "reg_bundle_size": 6, "interleaved": False}, r"n_reg=10 is not allowed: "
                                                                r".*multiple of 6"),
    ({"n_reg": 0, "reg_bundle_size": 6, "interleaved": False}, r"n_reg=0 is not allowed"),
    ({"n_reg": 12, "reg_bundle_size": 6, "interleaved": 1}, r"interleaved=1 is not allowed"),
    ({"n_reg": 12, "reg_bundle_size": 2, "interleaved": False}, r"reg_bundle_size=2 is not "
                                                                r"allowed: .*6 for the non"),
    ({"n_reg": 12, "reg_bundle_size": 4, "interleaved": True}, r"reg_bundle_size=4 is not"),
    ({"n_reg": 12, "reg_bundle_size": 2, "interleaved": True, "interleaver_size": 5},
     r"interleaver_size=5 is not allowed"),
    ({"n_reg": 12, "reg_bundle_size": 2, "interleaved": True, "n_shift": 1008},
     r"n_shift=1008 is not allowed"),
    ({"n_reg": 12, "reg_bundle_size": 6, "interleaved": True, "interleaver_size": 3},
     r"interleaver_size=3 is not allowed with reg_bundle_size=6 and n_reg=12: C"),
])
def test_geometry_validation(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        check_coreset_geometry(**kwargs)


@pytest.mark.parametrize("args,match", [
    (([0], [], 1), r"rbs=\[\] is not allowed"),
    (([0], [3, 2], 1), r"rbs=\[3, 2\] is not allowed"),
    (([0], [275], 1), r"rbs=275 is not allowed"),
    (([0], [1], 4), r"duration=4 is not allowed"),
    (([2], [1, 2], 1), r"regs=2 is not allowed: .*0\.\.1"),
    (([0], [1], 3, 12), r"first_symbol=12 is not allowed: .*0\.\.11"),
])
def test_res_validation(args, match):
    with pytest.raises(ConfigError, match=match):
        pdcch_data_res(*args)


def test_dmrs_validation():
    with pytest.raises(ConfigError, match=r"n_id=65536 is not allowed"):
        pdcch_dmrs_c_init(65536, 0, 0)
    with pytest.raises(ConfigError, match=r"slot=640 is not allowed"):
        pdcch_dmrs_c_init(0, 640, 0)
    with pytest.raises(ConfigError, match=r"l=12 is not allowed"):
        pdcch_dmrs_c_init(0, 0, 12, 12)
    with pytest.raises(ConfigError, match=r"n_symb_slot=13 is not allowed"):
        pdcch_dmrs_c_init(0, 0, 0, 13)
    with pytest.raises(ConfigError, match=r"n=-1 is not allowed"):
        pdcch_dmrs(0, 0, [0], [-1])
    with pytest.raises(ConfigError, match=r"n_offset=-5 is not allowed: .*n < 0"):
        pdcch_dmrs_res([0], [2], 1, 0, n_offset=-5)
