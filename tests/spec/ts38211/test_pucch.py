"""Tests of PUCCH formats 0-4 and their DM-RS, TS 38.211 §6.3.2, §6.4.1.3 (TS 38.213 §9.2).

The slow twins below are literal transcriptions of the clause equations (per symbol,
per subcarrier loops over a slow Gold sequence) and are compared with the vectorised
implementation on random resources.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.ts38211.low_papr import low_papr_base_sequence
from nrlink.spec.ts38211.pucch import (
    PucchResource,
    pucch_dmrs_grid,
    pucch_e_tot,
    pucch_format0_grid,
    pucch_format1_grid,
    pucch_format2_grid,
    pucch_format34_grid,
    pucch_grid,
    pucch_layout,
    pucch_masks,
    pucch_scrambling_c_init,
)
from nrlink.spec.ts38211.pucch_dmrs import (
    F1_DATA_N_SF,
    F1_DMRS_N_SF,
    F1_OCC_PHI,
    F4_DMRS_M0,
    F4_OCC,
    F34_DMRS_SYMBOLS,
    format0_m_cs,
    format1_n_sf,
    format1_occ,
    format2_dmrs_c_init,
    format2_dmrs_sequence,
    format4_occ,
    format34_dmrs_m0,
    format34_dmrs_symbols,
    pucch_alpha,
    pucch_group_sequence,
    pucch_n_cs,
)

# ------------------------------------------------------------------ slow literal twins


def slow_gold(c_init, n):
    """TS 38.211 §5.2.1, bit by bit."""
    nc = 1600
    x1 = [1] + [0] * 30
    x2 = [(c_init >> i) & 1 for i in range(31)]
    for k in range(n + nc):
        x1.append((x1[k + 3] + x1[k]) % 2)
        x2.append((x2[k + 3] + x2[k + 2] + x2[k + 1] + x2[k]) % 2)
    return [(x1[k + nc] + x2[k + nc]) % 2 for k in range(n)]


def slow_uv(n_id, n_s, n_hop, mode):
    """TS 38.211 §6.3.2.2.1 as written."""
    if mode == "neither":
        f_gh, f_ss, v = 0, n_id % 30, 0
    elif mode == "enable":
        c = slow_gold(n_id // 30, 8 * (2 * n_s + n_hop) + 8)
        f_gh = sum(2**m * c[8 * (2 * n_s + n_hop) + m] for m in range(8)) % 30
        f_ss, v = n_id % 30, 0
    else:
        c = slow_gold(2**5 * (n_id // 30) + n_id % 30, 2 * n_s + n_hop + 1)
        f_gh, f_ss, v = 0, n_id % 30, c[2 * n_s + n_hop]
    return (f_gh + f_ss) % 30, v


def slow_n_cs(n_id, n_s, l, n_symb=14):
    """TS 38.211 §6.3.2.2.2: n_cs(n_s, l) = Σ 2^m c(8 N_symb n_s + 8 l + m), c_init = n_ID."""
    c = slow_gold(n_id, 8 * n_symb * n_s + 8 * l + 8)
    return sum(2**m * c[8 * n_symb * n_s + 8 * l + m] for m in range(8))


def slow_alpha(n_id, n_s, l, l_prime, m0, m_cs, n_symb=14):
    return 2 * math.pi / 12 * ((m0 + m_cs + slow_n_cs(n_id, n_s, l + l_prime, n_symb)) % 12)


def slow_r(res, l, m_zc, m0, m_cs):
    """r_{u,v}^{(α,δ)}(n) of PUCCH symbol l (hop of l), n = 0..m_zc-1."""
    hop = int(res.symbol_hops[l])
    u, v = slow_uv(res.n_id_hopping, res.n_slot, hop, res.group_hopping)
    base = low_papr_base_sequence(u, v if m_zc >= 72 else 0, m_zc)
    a = slow_alpha(res.n_id_hopping, res.n_slot, l, res.start_symbol, m0, m_cs, res.n_symb_slot)
    return [complex(base[n]) * complex(math.cos(a * n), math.sin(a * n)) for n in range(m_zc)]


def slow_qpsk(b0, b1):
    return complex(1 - 2 * b0, 1 - 2 * b1) / math.sqrt(2)


def slow_grid(res, x):
    """Literal TS 38.211 §6.3.2.3-§6.3.2.6 and §6.4.1.3, one RE at a time."""
    g = np.zeros((res.n_symb_slot, res.n_sc), complex)
    n_sym, fmt = res.num_symbols, res.pucch_format
    first_hop = n_sym // 2 if res.hopping else n_sym

    def prb(l):
        return res.prb_start if l < first_hop else res.second_hop_prb

    if fmt == 0:
        for l in range(n_sym):
            r = slow_r(res, l, 12, res.initial_cyclic_shift, int(x))
            for n in range(12):
                g[res.start_symbol + l, 12 * prb(l) + n] = r[n]
        return g
    if fmt == 1:
        b = [int(v) for v in x]
        d0 = complex(1 - 2 * b[0], 1 - 2 * b[0]) / math.sqrt(2) if len(b) == 1 else \
            slow_qpsk(b[0], b[1])
        for kind, table, first in (("data", F1_DATA_N_SF, 1), ("dmrs", F1_DMRS_N_SF, 0)):
            n_sf = table[n_sym][1:] if res.hopping else table[n_sym][:1]
            ls = list(range(first, n_sym, 2))
            for mp in range(len(n_sf)):
                for m in range(n_sf[mp]):
                    l = ls[sum(n_sf[:mp]) + m]
                    phi = F1_OCC_PHI[n_sf[mp]][res.time_domain_occ][m]
                    w = complex(math.cos(2 * math.pi * phi / n_sf[mp]),
                                math.sin(2 * math.pi * phi / n_sf[mp]))
                    r = slow_r(res, l, 12, res.initial_cyclic_shift, 0)
                    for n in range(12):
                        val = w * r[n] * (d0 if kind == "data" else 1)
                        g[res.start_symbol + l, 12 * prb(l) + n] = val
        return g
    # formats 2-4: scrambling with the placeholder rule
    c = slow_gold(res.n_rnti * 2**15 + res.n_id, len(x))
    bt = []
    for i, v in enumerate(int(v) for v in x):
        bt.append(1 if v == 2 else bt[-1] if v == 3 else (v + c[i]) % 2)
    if fmt == 2:
        d = [slow_qpsk(bt[2 * i], bt[2 * i + 1]) for i in range(len(bt) // 2)]
        i = 0
        for l in range(n_sym):
            for k in range(12 * res.n_prb):
                if k % 3 != 1:
                    g[res.start_symbol + l, 12 * prb(l) + k] = d[i]
                    i += 1
            lsym = res.start_symbol + l
            cinit = (2**17 * (res.n_symb_slot * res.n_slot + lsym + 1) * (2 * res.n_id_0 + 1)
                     + 2 * res.n_id_0) % 2**31
            crb0 = res.n_start_grid + prb(l)
            cc = slow_gold(cinit, 8 * (crb0 + res.n_prb))
            for m in range(4 * crb0, 4 * (crb0 + res.n_prb)):
                k = 3 * m + 1 - 12 * res.n_start_grid  # k relative to CRB 0 → carrier
                g[lsym, k] = slow_qpsk(cc[2 * m], cc[2 * m + 1])
        return g
    if res.pi2_bpsk:
        d = [complex(1 - 2 * v, 1 - 2 * v) / math.sqrt(2)
             * complex(math.cos(math.pi / 2 * (i % 2)), math.sin(math.pi / 2 * (i % 2)))
             for i, v in enumerate(bt)]
    else:
        d = [slow_qpsk(bt[2 * i], bt[2 * i + 1]) for i in range(len(bt) // 2)]
    m_sc = 12 * res.n_prb
    dm = F34_DMRS_SYMBOLS[(n_sym, res.additional_dmrs)][int(res.hopping)]
    l_uci = [l for l in range(n_sym) if l not in dm]
    if fmt == 4:
        n_sf = res.occ_length
        w = F4_OCC[n_sf][res.occ_index]
        y = [w[k] * d[l * m_sc // n_sf + k % (m_sc // n_sf)]
             for l in range(len(l_uci)) for k in range(m_sc)]
        m0 = F4_DMRS_M0[n_sf][res.occ_index]
    else:
        y, m0 = d, 0
    for j, l in enumerate(l_uci):
        for k in range(m_sc):
            z = sum(y[j * m_sc + i] * complex(math.cos(-2 * math.pi * i * k / m_sc),
                                              math.sin(-2 * math.pi * i * k / m_sc))
                    for i in range(m_sc)) / math.sqrt(m_sc)
            g[res.start_symbol + l, 12 * prb(l) + k] = z
    for l in dm:
        r = slow_r(res, l, m_sc, m0, 0)
        for k in range(m_sc):
            g[res.start_symbol + l, 12 * prb(l) + k] = r[k]
    return g


# ---------------------------------------------------------------- hopping, cyclic shift


@given(n_id=st.integers(0, 1023), n_s=st.integers(0, 79), n_hop=st.integers(0, 1),
       mode=st.sampled_from(["neither", "enable", "disable"]))
@settings(max_examples=40, deadline=None)
def test_group_sequence_matches_literal_twin(n_id, n_s, n_hop, mode):
    assert pucch_group_sequence(n_id, n_s, n_hop, mode) == slow_uv(n_id, n_s, n_hop, mode)


@given(n_id=st.integers(0, 1023), n_s=st.integers(0, 39), ls=st.lists(st.integers(0, 13),
       min_size=1, max_size=4), l_prime=st.integers(0, 3), m0=st.integers(0, 11),
       m_cs=st.integers(0, 11))
@settings(max_examples=30, deadline=None)
def test_n_cs_and_alpha_match_literal_twin(n_id, n_s, ls, l_prime, m0, m_cs):
    assert pucch_n_cs(n_id, n_s, ls).tolist() == [slow_n_cs(n_id, n_s, l) for l in ls]
    ls = [min(l, 13 - l_prime) for l in ls]
    got = pucch_alpha(n_id, n_s, ls, l_prime, m0, m_cs)
    want = [slow_alpha(n_id, n_s, l, l_prime, m0, m_cs) for l in ls]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_n_cs_extended_cp():
    assert pucch_n_cs(5, 3, [0, 11], 12).tolist() == [slow_n_cs(5, 3, 0, 12),
                                                     slow_n_cs(5, 3, 11, 12)]


def test_neither_hopping_is_cell_group():
    assert pucch_group_sequence(1007, 9, 1, "neither") == (1007 % 30, 0)


@pytest.mark.parametrize("call, match", [
    (lambda: pucch_group_sequence(1024, 0, 0, "neither"), "n_id"),
    (lambda: pucch_group_sequence(0, -1, 0, "neither"), "n_slot"),
    (lambda: pucch_group_sequence(0, 0, 2, "neither"), "n_hop"),
    (lambda: pucch_group_sequence(0, 0, 0, "on"), "group_hopping"),
    (lambda: pucch_n_cs(-1, 0, 0), "n_id"),
    (lambda: pucch_n_cs(0, -1, 0), "n_slot"),
    (lambda: pucch_n_cs(0, 0, 0, 13), "n_symb_slot"),
    (lambda: pucch_n_cs(0, 0, 14), "l="),
    (lambda: pucch_n_cs(0, 0, 1.0), "l="),
    (lambda: pucch_alpha(0, 0, 0, 0, 12), "m0"),
    (lambda: pucch_alpha(0, 0, 0, 0, 0, n_symb_slot=7), "n_symb_slot"),
    (lambda: pucch_alpha(0, 0, 0, 14, 0), "l_prime"),
    (lambda: pucch_alpha(0, 0, 0, 0, 0, 12), "m_cs"),
])
def test_hopping_raises(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


# ------------------------------------------------------------------------------ tables


def test_format0_m_cs_tables_exact():
    # TS 38.213 Table 9.2.3-3 and 9.2.5-1 (1 bit), 9.2.3-4 and 9.2.5-2 (2 bits)
    assert format0_m_cs([[0], [1]]).tolist() == [0, 6]
    assert format0_m_cs([[0], [1]], sr=True).tolist() == [3, 9]
    two = [[0, 0], [0, 1], [1, 1], [1, 0]]
    assert format0_m_cs(two).tolist() == [0, 3, 6, 9]
    assert format0_m_cs(two, sr=True).tolist() == [1, 4, 7, 10]
    assert format0_m_cs(np.zeros((2, 0), np.uint8), sr=np.array([True, False])).tolist() == [0, -1]


@pytest.mark.parametrize("call, match", [
    (lambda: format0_m_cs([[0, 1, 1]]), "harq_ack"),
    (lambda: format0_m_cs([[2]]), "harq_ack"),
    (lambda: format0_m_cs([[0]], sr=1), "sr="),
    (lambda: format0_m_cs([[0], [1]], sr=np.array([True, False, True])), "sr of shape"),
])
def test_format0_m_cs_raises(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


def test_format1_n_sf_tables_follow_the_symbol_counts():
    # The tables of TS 38.211 (typed in exactly) equal the number of odd (data) / even
    # (DM-RS) PUCCH symbols in each hop, the first hop having floor(N/2) symbols.
    for n in range(4, 15):
        first = n // 2
        for table, parity in ((F1_DATA_N_SF, 1), (F1_DMRS_N_SF, 0)):
            no_hop = sum(1 for l in range(n) if l % 2 == parity)
            h0 = sum(1 for l in range(first) if l % 2 == parity)
            h1 = sum(1 for l in range(first, n) if l % 2 == parity)
            assert table[n] == (no_hop, h0, h1), (n, parity)
    # spot checks against the printed tables
    assert F1_DATA_N_SF[14] == (7, 3, 4) and F1_DATA_N_SF[4] == (2, 1, 1)
    assert F1_DMRS_N_SF[14] == (7, 4, 3) and F1_DMRS_N_SF[5] == (3, 1, 2)
    assert format1_n_sf(10, True) == (2, 3) and format1_n_sf(10, True, dmrs=True) == (3, 2)
    assert format1_n_sf(7, False) == (3,)


def test_format1_occ_table():
    for n_sf, rows in F1_OCC_PHI.items():
        assert len(rows) == n_sf and all(len(r) == n_sf and r[0] == 0 for r in rows)
        w = np.array([format1_occ(n_sf, i) for i in range(n_sf)])
        np.testing.assert_allclose(w @ w.conj().T, n_sf * np.eye(n_sf), atol=1e-12)
    # odd N_SF and 6 are DFT rows; N_SF = 4 is the Walsh set of the table
    for n_sf in (3, 5, 6, 7):
        assert F1_OCC_PHI[n_sf] == tuple(tuple(i * m % n_sf for m in range(n_sf))
                                         for i in range(n_sf))
    assert F1_OCC_PHI[4] == ((0, 0, 0, 0), (0, 2, 0, 2), (0, 0, 2, 2), (0, 2, 2, 0))
    assert F1_OCC_PHI[2] == ((0, 0), (0, 1))
    assert F1_OCC_PHI[7][3] == (0, 3, 6, 2, 5, 1, 4)


def test_format4_tables():
    assert format4_occ(2, 1).tolist() == [1] * 6 + [-1] * 6
    w4 = np.array([format4_occ(4, n) for n in range(4)])
    assert w4[1].tolist() == [1, 1, 1, -1j, -1j, -1j, -1, -1, -1, 1j, 1j, 1j]
    assert w4[3].tolist() == [1, 1, 1, 1j, 1j, 1j, -1, -1, -1, -1j, -1j, -1j]
    np.testing.assert_allclose(w4 @ w4.conj().T, 12 * np.eye(4), atol=1e-6)
    assert F4_DMRS_M0 == {2: (0, 6), 4: (0, 6, 3, 9)}
    assert [format34_dmrs_m0(4, 4, n) for n in range(4)] == [0, 6, 3, 9]
    assert format34_dmrs_m0(3) == 0


def test_format34_dmrs_table():
    # Table 6.4.1.3.3.2-1: one DM-RS per hop below length 10 (length 4 differs with
    # hopping), two per hop with additionalDMRS from length 10.
    assert format34_dmrs_symbols(4, hopping=False, additional_dmrs=False) == (1,)
    assert format34_dmrs_symbols(4, hopping=True, additional_dmrs=True) == (0, 2)
    assert format34_dmrs_symbols(5, hopping=False, additional_dmrs=True) == (0, 3)
    assert format34_dmrs_symbols(14, hopping=True, additional_dmrs=False) == (3, 10)
    assert format34_dmrs_symbols(11, hopping=False, additional_dmrs=True) == (1, 3, 6, 9)
    assert format34_dmrs_symbols(13, hopping=False, additional_dmrs=True) == (1, 4, 7, 11)
    for (n, add), (no_hop, hop) in F34_DMRS_SYMBOLS.items():
        assert all(0 <= l < n for l in no_hop + hop)
        assert len(no_hop) == (4 if add and n >= 10 else 1 if n == 4 else 2)
        if n > 4:
            assert no_hop == hop
        if n < 10:
            assert F34_DMRS_SYMBOLS[(n, True)] == F34_DMRS_SYMBOLS[(n, False)]


@pytest.mark.parametrize("call, match", [
    (lambda: format1_n_sf(3, False), "num_symbols"),
    (lambda: format1_n_sf(4, 1), "hopping"),
    (lambda: format1_n_sf(4, False, dmrs=None), "dmrs"),
    (lambda: format1_occ(8, 0), "n_sf"),
    (lambda: format1_occ(3, 3), "i="),
    (lambda: format4_occ(3, 0), "n_sf"),
    (lambda: format4_occ(2, 2), "n="),
    (lambda: format34_dmrs_m0(2), "pucch_format"),
    (lambda: format34_dmrs_m0(4, 3), "n_sf"),
    (lambda: format34_dmrs_m0(4, 2, 2), "n="),
    (lambda: format34_dmrs_symbols(15, hopping=False, additional_dmrs=False), "num_symbols"),
    (lambda: format34_dmrs_symbols(5, hopping=None, additional_dmrs=False), "hopping"),
    (lambda: format34_dmrs_symbols(5, hopping=False, additional_dmrs=1), "additional_dmrs"),
    (lambda: format2_dmrs_c_init(0, 0, 0, 13), "n_symb_slot"),
    (lambda: format2_dmrs_c_init(-1, 0, 0), "n_slot"),
    (lambda: format2_dmrs_c_init(0, 14, 0), "l="),
    (lambda: format2_dmrs_c_init(0, 0, 65536), "n_id_0"),
    (lambda: format2_dmrs_sequence(0, -1), "length"),
    (lambda: format2_dmrs_sequence([1, 2], 4), "c_init"),
])
def test_table_function_raises(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


@given(n_s=st.integers(0, 159), l=st.integers(0, 13), n_id_0=st.integers(0, 65535))
@settings(max_examples=30, deadline=None)
def test_format2_dmrs_c_init_formula(n_s, l, n_id_0):
    want = (2**17 * (14 * n_s + l + 1) * (2 * n_id_0 + 1) + 2 * n_id_0) % 2**31
    assert format2_dmrs_c_init(n_s, l, n_id_0) == want


def test_format2_dmrs_sequence_qpsk():
    c = slow_gold(12345, 16)
    want = [slow_qpsk(c[2 * m], c[2 * m + 1]) for m in range(8)]
    np.testing.assert_allclose(format2_dmrs_sequence(12345, 8), want, atol=1e-7)


# -------------------------------------------------------------------------- resources


def _random_resource(draw, fmt=None):
    fmt = draw(st.integers(0, 4)) if fmt is None else fmt
    n_symb_slot = draw(st.sampled_from([14, 12]))
    n_size = draw(st.integers(16, 40))
    lo, hi = (1, 2) if fmt in (0, 2) else (4, min(14, n_symb_slot))
    num = draw(st.integers(lo, hi))
    n_prb = 1
    if fmt == 2:
        n_prb = draw(st.integers(1, 16))
    elif fmt == 3:
        n_prb = draw(st.sampled_from([1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16]))
    hop = draw(st.booleans()) and num >= 2
    kw = {}
    if fmt == 1:
        table = (F1_DATA_N_SF[num][1:] if hop else F1_DATA_N_SF[num][:1]) + (
            F1_DMRS_N_SF[num][1:] if hop else F1_DMRS_N_SF[num][:1])
        kw["time_domain_occ"] = draw(st.integers(0, min(table) - 1))
    if fmt == 4:
        kw["occ_length"] = draw(st.sampled_from([2, 4]))
        kw["occ_index"] = draw(st.integers(0, kw["occ_length"] - 1))
    if fmt in (3, 4):
        kw["pi2_bpsk"] = draw(st.booleans())
        kw["additional_dmrs"] = draw(st.booleans())
    return PucchResource(
        pucch_format=fmt, num_symbols=num, n_size_grid=n_size,
        n_start_grid=draw(st.integers(0, 30)), n_symb_slot=n_symb_slot,
        n_slot=draw(st.integers(0, 19)), prb_start=draw(st.integers(0, n_size - n_prb)),
        second_hop_prb=draw(st.integers(0, n_size - n_prb)) if hop else None, n_prb=n_prb,
        start_symbol=draw(st.integers(0, n_symb_slot - num)),
        initial_cyclic_shift=draw(st.integers(0, 11)) if fmt < 2 else 0,
        group_hopping=draw(st.sampled_from(["neither", "enable", "disable"])),
        n_id_hopping=draw(st.integers(0, 1023)), n_id=draw(st.integers(0, 1023)),
        n_rnti=draw(st.integers(0, 65535)), n_id_0=draw(st.integers(0, 65535)), **kw)


resources = st.composite(_random_resource)


def _payload(res, rng):
    if res.pucch_format == 0:
        return int(rng.integers(0, 12))
    if res.pucch_format == 1:
        return rng.integers(0, 2, int(rng.integers(1, 3)))
    e = pucch_e_tot(res)
    return rng.integers(0, 2, e)


@given(res=resources(), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=30, deadline=None)
def test_grid_matches_literal_twin(res, seed):
    if res.pucch_format == 3 and res.n_prb > 4:  # keep the O(M^2) literal DFT fast
        res = PucchResource(**{**{f: getattr(res, f) for f in res.__slots__}, "n_prb": 4})
    x = _payload(res, np.random.default_rng(seed))
    got = pucch_grid(res, np.array([x]) if res.pucch_format == 0 else x)
    got = got[0] if res.pucch_format == 0 else got
    np.testing.assert_allclose(got, slow_grid(res, x), atol=2e-5)


def test_placeholders_follow_the_scrambling_rule():
    res = PucchResource(pucch_format=2, num_symbols=1, n_rnti=3, n_id=9)
    x = np.array([1, 3, 2, 2] * 4)  # K = 1 pattern c0 y x x ... (TS 38.212 Table 5.3.3.1-1)
    np.testing.assert_allclose(pucch_format2_grid(res, x), slow_grid(res, x), atol=1e-6)


@given(res=resources(), seed=st.integers(0, 2**32 - 1))
@settings(max_examples=40, deadline=None)
def test_masks_and_energy(res, seed):
    data, dmrs = pucch_masks(res)
    assert not (data & dmrs).any()
    lay = pucch_layout(res)
    n_sym, fmt = res.num_symbols, res.pucch_format
    rows = np.flatnonzero((data | dmrs).any(axis=1))
    assert rows.tolist() == list(range(res.start_symbol, res.start_symbol + n_sym))
    per_sym = 12 * res.n_prb
    assert data.sum() + dmrs.sum() == per_sym * n_sym
    if fmt == 2:
        assert dmrs.sum() == 4 * res.n_prb * n_sym
        k = np.flatnonzero(dmrs[res.start_symbol])
        assert ((k + 12 * res.n_start_grid) % 3 == 1).all()  # 3m + 1 from CRB 0
        assert pucch_e_tot(res) == 2 * data.sum()
    elif fmt in (3, 4):
        assert dmrs.sum() == per_sym * lay.dmrs_symbols.size
        n_sf = res.occ_length if fmt == 4 else 1
        assert pucch_e_tot(res) == res.qm * data.sum() // n_sf
    x = _payload(res, np.random.default_rng(seed))
    g = pucch_grid(res, x)
    occupied = np.abs(g) > 1e-6
    assert not (occupied & ~(data | dmrs)).any()
    if fmt in (1, 2, 3, 4):
        np.testing.assert_allclose(np.abs(g[dmrs]), 1, atol=1e-5)
        np.testing.assert_allclose(pucch_dmrs_grid(res)[dmrs], g[dmrs], atol=1e-6)
        np.testing.assert_allclose(np.mean(np.abs(g[data]) ** 2), 1, atol=1e-4)
    else:
        np.testing.assert_allclose(np.abs(g[data]), 1, atol=1e-5)


def test_e_tot_agrees_with_uci_module():
    from nrlink.spec.ts38212.uci import e_tot

    for res in (PucchResource(pucch_format=2, num_symbols=2, n_prb=5),
                PucchResource(pucch_format=3, num_symbols=14, n_prb=6, additional_dmrs=True),
                PucchResource(pucch_format=3, num_symbols=4, n_prb=2, pi2_bpsk=True),
                PucchResource(pucch_format=4, num_symbols=9, occ_length=4, pi2_bpsk=True),
                PucchResource(pucch_format=4, num_symbols=12, occ_length=2)):
        lay = pucch_layout(res)
        n_sf = res.occ_length if res.pucch_format == 4 else None
        assert pucch_e_tot(res) == e_tot(res.pucch_format, lay.uci_symbols.size,
                                         n_prb=res.n_prb, pi2_bpsk=res.qm == 1, n_sf=n_sf)


def test_format0_cyclic_shifts_are_orthogonal_and_dtx_is_empty():
    res = PucchResource(pucch_format=0, num_symbols=2, second_hop_prb=7, group_hopping="enable")
    g = pucch_format0_grid(res, np.arange(-1, 12))
    assert not g[0].any()
    data, _ = pucch_masks(res)
    x = g[1:][:, data].reshape(12, 2, 12)
    gram = np.einsum("aln,bln->lab", x, x.conj())
    np.testing.assert_allclose(gram, 12 * np.eye(12)[None].repeat(2, 0), atol=1e-4)


def test_format1_occ_separates_users():
    a = PucchResource(pucch_format=1, num_symbols=14, time_domain_occ=0)
    b = PucchResource(pucch_format=1, num_symbols=14, time_domain_occ=3)
    data, dmrs = pucch_masks(a)
    ga, gb = pucch_format1_grid(a, [1]), pucch_format1_grid(b, [0])
    for m in (data, dmrs):
        xa, xb = ga[m].reshape(-1, 12), gb[m].reshape(-1, 12)
        # per subcarrier, the time-domain covers are orthogonal
        np.testing.assert_allclose((xa * xb.conj()).sum(axis=0), 0, atol=1e-5)


def test_format2_dmrs_counts_from_crb0():
    # the same CRBs give the same DM-RS whatever the carrier start (§6.4.1.3.2.2)
    a = PucchResource(pucch_format=2, num_symbols=1, n_start_grid=0, prb_start=10, n_prb=2)
    b = PucchResource(pucch_format=2, num_symbols=1, n_start_grid=4, prb_start=6, n_prb=2)
    ga, gb = pucch_dmrs_grid(a), pucch_dmrs_grid(b)
    np.testing.assert_allclose(ga[0, 120:144], gb[0, 72:96])


def _res(**kw):
    base = {"pucch_format": 1, "num_symbols": 14}
    base.update(kw)
    return PucchResource(**base)


@pytest.mark.parametrize("kw, match", [
    ({"pucch_format": 5}, "pucch_format"),
    ({"n_size_grid": 0}, "n_size_grid"),
    ({"n_start_grid": -1}, "n_start_grid"),
    ({"n_symb_slot": 10}, "n_symb_slot"),
    ({"n_slot": -1}, "n_slot"),
    ({"num_symbols": 3}, "num_symbols"),
    ({"pucch_format": 0, "num_symbols": 3}, "num_symbols"),
    ({"start_symbol": 1}, "start_symbol"),
    ({"num_symbols": 12, "n_symb_slot": 12, "start_symbol": 1}, "start_symbol"),
    ({"n_prb": 2}, "n_prb"),
    ({"pucch_format": 2, "num_symbols": 1, "n_prb": 17}, "n_prb"),
    ({"pucch_format": 3, "n_prb": 7}, "n_prb=7"),
    ({"prb_start": 52}, "prb_start"),
    ({"second_hop_prb": -1}, "second_hop_prb"),
    ({"pucch_format": 0, "num_symbols": 1, "second_hop_prb": 3}, "second_hop_prb"),
    ({"initial_cyclic_shift": 12}, "initial_cyclic_shift"),
    ({"time_domain_occ": 7}, "time_domain_occ"),
    ({"num_symbols": 6, "second_hop_prb": 2, "time_domain_occ": 1}, "time_domain_occ"),
    ({"num_symbols": 13, "time_domain_occ": 6}, "time_domain_occ"),
    ({"occ_length": 3}, "occ_length"),
    ({"occ_index": 2}, "occ_index"),
    ({"additional_dmrs": 1}, "additional_dmrs"),
    ({"pi2_bpsk": "no"}, "pi2_bpsk"),
    ({"group_hopping": "on"}, "group_hopping"),
    ({"n_id_hopping": 1024}, "n_id_hopping"),
    ({"n_id": 1024}, "n_id="),
    ({"n_rnti": 65536}, "n_rnti"),
    ({"n_id_0": 65536}, "n_id_0"),
])
def test_resource_raises(kw, match):
    with pytest.raises(ConfigError, match=match):
        _res(**kw)


def test_grid_function_raises():
    f0 = PucchResource(pucch_format=0, num_symbols=1)
    f1 = _res()
    f2 = PucchResource(pucch_format=2, num_symbols=1)
    f3 = PucchResource(pucch_format=3, num_symbols=4)
    with pytest.raises(ConfigError, match="res="):
        pucch_masks("resource")
    with pytest.raises(ConfigError, match="pucch_format"):
        pucch_format0_grid(f1, 0)
    with pytest.raises(ConfigError, match="pucch_format"):
        pucch_e_tot(f1)
    with pytest.raises(ConfigError, match="pucch_format"):
        pucch_dmrs_grid(f0)
    with pytest.raises(ConfigError, match="m_cs"):
        pucch_format0_grid(f0, 12)
    with pytest.raises(ConfigError, match="m_cs"):
        pucch_format0_grid(f0, 1.5)
    with pytest.raises(ConfigError, match="b with 3 bits"):
        pucch_format1_grid(f1, [0, 1, 1])
    with pytest.raises(ConfigError, match="E_tot = 16"):
        pucch_format2_grid(f2, np.zeros(15, np.uint8))
    with pytest.raises(ConfigError, match="E_tot"):
        pucch_format34_grid(f3, 0)
    with pytest.raises(ConfigError, match="pucch_format"):
        pucch_format34_grid(f2, np.zeros(16, np.uint8))
    with pytest.raises(ConfigError, match="n_rnti"):
        pucch_scrambling_c_init(-1, 0)
    with pytest.raises(ConfigError, match="n_id"):
        pucch_scrambling_c_init(0, 1024)
    with pytest.raises(ConfigError, match="res="):
        pucch_layout(None)
    assert pucch_scrambling_c_init(2, 7) == 2 * 2**15 + 7


def test_batched_grids():
    res = PucchResource(pucch_format=3, num_symbols=8, n_prb=2, second_hop_prb=5)
    b = np.random.default_rng(3).integers(0, 2, (2, 3, pucch_e_tot(res)))
    g = pucch_format34_grid(res, b)
    assert g.shape == (2, 3, 14, 624) and g.dtype == np.complex64
    np.testing.assert_allclose(g[1, 2], pucch_format34_grid(res, b[1, 2]))
    f1 = _res(num_symbols=5)
    g1 = pucch_format1_grid(f1, np.zeros((4, 2), np.uint8))
    assert g1.shape == (4, 14, 624)
