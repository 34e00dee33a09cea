"""Shared machinery of the PDSCH and PUSCH configuration tests.

The strategies of ``test_pdsch_config.py`` and ``test_pusch_config.py`` draw their carrier,
BWP and DM-RS ports here; the property checks below hold for both channels, with what differs
(reserved resources, PRB lists, transform precoding) read from the keyword arguments. The
(S, L) sweep of the time-allocation tables is shared too.
Imported as ``from _props import ...``: pytest's default import mode puts ``tests/config`` on
``sys.path``.
"""

import re
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nrlink.config import BwpConfig, CarrierConfig
from nrlink.errors import ConfigError
from nrlink.spec.ts38214.mcs import mcs_entry
from nrlink.spec.ts38214.tbs import n_re_total, tbs_lbrm, transport_block_size

#: Numerology μ of each data subcarrier spacing (240 kHz is SS/PBCH only).
MU = {15: 0, 30: 1, 60: 2, 120: 3}

#: Settings of the property tests (the configurations are slow to build and often refused).
PROPS = settings(max_examples=100, deadline=None,
                 suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


def cdm_group(config_type, port):
    """λ of a DM-RS port (TS 38.211 Tables 7.4.1.1.2-1/-2 and 6.4.1.1.3-1/-2)."""
    return (port % 4) // 2 if config_type == 1 else (port % 6) // 2


def codeword_layers(v):
    """Layers per codeword for υ layers (TS 38.211 Table 7.3.1.3-1; one codeword up to 4)."""
    return (v,) if v <= 4 else (v // 2, v - v // 2)


# --------------------------------------------------------------------------------------
# Drawing


def draw_carrier_bwp(draw):
    """Draw a carrier (any data numerology, extended CP at 60 kHz) and a BWP inside it.

    Returns ``(carrier, bwp, bwp_size)``; the BWP is either the default (the whole carrier)
    or an explicit one.
    """
    scs = draw(st.sampled_from(sorted(MU)))
    cp = "extended" if scs == 60 and draw(st.booleans()) else "normal"
    n_size_grid = draw(st.integers(1, 100))
    n_start_grid = draw(st.integers(0, 30))
    carrier = CarrierConfig(scs_khz=scs, cyclic_prefix=cp, n_size_grid=n_size_grid,
                            n_start_grid=n_start_grid, n_id_cell=draw(st.integers(0, 1007)),
                            slot=draw(st.integers(0, 10 * 2 ** MU[scs] - 1)))
    if draw(st.booleans()):
        return carrier, BwpConfig(), n_size_grid
    off = draw(st.integers(0, n_size_grid - 1))
    bwp_size = draw(st.integers(1, n_size_grid - off))
    return carrier, BwpConfig(n_start_bwp=n_start_grid + off, n_size_bwp=bwp_size), bwp_size


def draw_contiguous(draw, bwp_size, count):
    """Place ``count`` contiguous PRBs in the BWP: ``(prb_start, n_prb)``, where ``n_prb`` is
    sometimes None (to the end of the BWP) when the allocation ends there."""
    prb_start = draw(st.integers(0, bwp_size - count))
    to_end = prb_start + count == bwp_size and draw(st.booleans())
    return prb_start, None if to_end else count


def draw_ports(draw, config_type, length, layers):
    """Draw the DM-RS ports of ``layers`` layers: ``(ports, used)``, ``ports`` None (the
    default 0..υ−1) or a tuple, ``used`` the number of CDM groups they need."""
    n_avail = (4 if config_type == 1 else 6) * length
    if draw(st.booleans()):
        ports, port_list = None, list(range(layers))
    else:
        port_list = draw(st.lists(st.integers(0, n_avail - 1), min_size=layers,
                                  max_size=layers, unique=True))
        ports = tuple(port_list)
    return ports, max(cdm_group(config_type, p) for p in port_list) + 1


def draw_identities(draw, x_overhead=None):
    """``n_rnti``, ``n_id`` and ``x_overhead`` (drawn unless given) as keyword arguments."""
    return dict(n_rnti=draw(st.integers(0, 65535)), n_id=draw(st.none() | st.integers(0, 1023)),
                x_overhead=draw(st.sampled_from([0, 6, 12, 18])) if x_overhead is None
                else x_overhead)


def build(cls, kw):
    """The configuration ``cls(**kw)``, or None when a complex validity rule refuses it."""
    try:
        return cls(**kw)
    except ConfigError:
        return None


def build_or_reject(cls, kw):
    """The configuration ``cls(**kw)``; a refused one rejects the Hypothesis example."""
    cfg = build(cls, kw)
    assume(cfg is not None)
    return cfg


def rejection_rate(strategy, cls):
    """Counts of the keyword arguments drawn from ``strategy`` and refused by ``cls``
    (300 derandomised examples)."""
    counts = Counter()

    @settings(PROPS, max_examples=300, derandomize=True, database=None)
    @given(kw=strategy)
    def sample(kw):
        counts["drawn"] += 1
        counts["rejected"] += build(cls, kw) is None

    sample()
    return counts


def check_rejection_rate(strategy, cls):
    """The configurations refused by the complex rules stay a minority (< 35 %)."""
    counts = rejection_rate(strategy, cls)
    assert counts["drawn"] >= 200
    assert counts["rejected"] / counts["drawn"] < 0.35, counts


def check_time_allocation_table(cls, carrier, mapping, *, valid, dmrs, first_dmrs, table):
    """Build every (S, L) of 0..15 × 0..15: accepted exactly when ``valid(s, l)``, with the
    DM-RS at ``(first_dmrs(s),)`` and the allocation on symbols S .. S + L − 1, else refused
    naming TS 38.214 Table ``table``. ``dmrs(s)`` is the DmrsConfig used with start S.

    Returns the number of accepted pairs.
    """
    refused = rf"start_symbol=.*num_symbols=.*TS 38\.214 Table {re.escape(table)}"
    accepted = 0
    for s in range(16):
        for l in range(16):
            kw = dict(carrier=carrier, mapping_type=mapping, start_symbol=s, num_symbols=l,
                      dmrs=dmrs(s), mcs_index=0)
            if valid(s, l):
                res = cls(**kw).resources
                accepted += 1
                assert res.dmrs_symbols == (first_dmrs(s),)
                assert res.allocation.any(axis=1).nonzero()[0].tolist() == list(range(s, s + l))
            else:
                with pytest.raises(ConfigError, match=refused):
                    cls(**kw)
    return accepted


# --------------------------------------------------------------------------------------
# Expected values from the keyword arguments alone


def bwp_prbs(kw, res):
    """Allocated PRBs relative to the BWP: the PRB list (sorted) or the contiguous range."""
    if kw.get("prbs") is not None:
        return sorted(kw["prbs"])
    n = res.n_size_bwp - kw["prb_start"] if kw["n_prb"] is None else kw["n_prb"]
    return list(range(kw["prb_start"], kw["prb_start"] + n))


def n_prb(kw, res):
    """Number of allocated PRBs, checked against the resource plan."""
    n = len(bwp_prbs(kw, res))
    assert len(res.prbs) == n
    return n


def expected_n_dmrs_prb(kw, res, *, transform_precoding=False):
    """N_DMRS^PRB: REs of the CDM groups without data (DFT-s-OFDM: whole symbols)."""
    d = kw["dmrs"]
    per_symbol = 12 if transform_precoding else (
        (6 if d.config_type == 1 else 4) * d.num_cdm_groups_without_data)
    return len(res.dmrs_symbols) * per_symbol


def _n_dmrs_prb(kw, res):
    return expected_n_dmrs_prb(kw, res, transform_precoding=kw.get("transform_precoding", False))


def _expected_g(kw, res):
    return tuple(res.n_data_re * res.mcs.qm * v for v in codeword_layers(kw["num_layers"]))


# --------------------------------------------------------------------------------------
# Property checks (PDSCH and PUSCH)


def check_masks(kw, res):
    """(a) DM-RS, PT-RS, reserved and data masks are disjoint where they must be, inside the
    allocation (PRBs × symbols S .. S + L − 1), and data ∪ DM-RS ∪ PT-RS ∪ reserved covers it.

    Returns the allocated PRBs relative to the carrier.
    """
    carrier = kw["carrier"]
    shape = (carrier.n_symb_slot, 12 * carrier.n_size_grid)
    for m in (res.allocation, res.dmrs_mask, res.ptrs_mask, res.reserved_mask, res.data_mask):
        assert m.shape == shape and m.dtype == bool
    offset = res.n_start_bwp - carrier.n_start_grid
    prbs = [offset + p for p in bwp_prbs(kw, res)]
    assert res.prbs.tolist() == prbs
    expect = np.zeros(shape, bool)
    s, l = kw["start_symbol"], kw["num_symbols"]
    for p in prbs:
        expect[s:s + l, 12 * p:12 * p + 12] = True
    np.testing.assert_array_equal(res.allocation, expect)
    reserved = np.zeros(shape, bool)  # PUSCH has no rate-matching patterns
    for r in kw.get("reserved", ()):
        for p in r.prbs:
            reserved[list(r.symbols), 12 * p:12 * p + 12] = True
    np.testing.assert_array_equal(res.reserved_mask, reserved)
    alloc, dmrs, ptrs, data = res.allocation, res.dmrs_mask, res.ptrs_mask, res.data_mask
    assert not (dmrs & ~alloc).any() and not (ptrs & ~alloc).any()
    assert not (data & (dmrs | ptrs | reserved)).any() and not (dmrs & ptrs).any()
    np.testing.assert_array_equal(data | dmrs | ptrs | (reserved & alloc), alloc)
    # DM-RS rows are the DM-RS symbols, inside the allocation; PT-RS avoids them
    assert dmrs.any(axis=1).nonzero()[0].tolist() == list(res.dmrs_symbols)
    assert all(s <= d < s + l for d in res.dmrs_symbols)
    rows = ptrs.any(axis=1).nonzero()[0].tolist()
    assert set(rows) <= set(res.ptrs_symbols)
    if not reserved.any():
        assert rows == list(res.ptrs_symbols)
    assert not set(res.ptrs_symbols) & set(res.dmrs_symbols)
    assert res.n_dmrs_prb == _n_dmrs_prb(kw, res)
    assert res.n_data_re == int(data.sum())
    assert res.g == _expected_g(kw, res)
    return prbs


def check_re_count(kw, res):
    """(b) Without PT-RS, reserved REs or xOverhead the data REs are exactly the N_RE of the
    TBS (below the 156 cap), and G = N_RE · Q_m · υ per codeword."""
    n, l = n_prb(kw, res), kw["num_symbols"]
    n_dmrs = _n_dmrs_prb(kw, res)
    assert res.n_dmrs_prb == n_dmrs
    assert res.n_data_re == n * (12 * l - n_dmrs)
    n_re = n_re_total(n_prb=n, n_symbols=l, n_dmrs_prb=n_dmrs, x_overhead=0)
    if 12 * l - n_dmrs <= 156:
        assert res.n_data_re == n_re
    else:  # N'_RE capped at 156 per PRB: more REs carry data than the TBS assumed
        assert res.n_data_re > n_re
    assert res.codeword_layers == codeword_layers(kw["num_layers"])
    assert res.g == _expected_g(kw, res)
    assert tuple(tb.g for tb in res.tb_configs) == res.g


def check_tbs(kw, res):
    """(c) TBS of each codeword from N_RE, the MCS row, υ and S; the TB configs agree (Q_m,
    layers, RV, target rate, TBS_LBRM from the BWP and the table's largest Q_m)."""
    entry = mcs_entry(kw["mcs_index"], kw["mcs_table"], tp_pi2bpsk=kw.get("tp_pi2bpsk", False))
    assert (res.mcs.qm, res.mcs.r_x1024) == (entry.qm, entry.r_x1024)
    n_re = n_re_total(n_prb=n_prb(kw, res), n_symbols=kw["num_symbols"],
                      n_dmrs_prb=_n_dmrs_prb(kw, res), x_overhead=kw["x_overhead"])
    cw = codeword_layers(kw["num_layers"])
    tbs = tuple(transport_block_size(n_re=n_re, r=Fraction(entry.r_x1024) / 1024, qm=entry.qm,
                                     layers=v, scaling=kw.get("tb_scaling", 1.0)) for v in cw)
    assert res.tbs == tbs
    max_qm = {"qam256": 8, "qam1024": 10}.get(kw["mcs_table"], 6)
    lbrm = tbs_lbrm(max_layers=min(kw["num_layers"], 4), max_qm=max_qm,
                    n_prb_bwp_max=res.n_size_bwp) if kw["lbrm"] else None
    for tb, a, g, v in zip(res.tb_configs, tbs, res.g, cw, strict=True):
        assert (tb.tbs, tb.g, tb.qm, tb.layers, tb.rv, tb.tbs_lbrm) == (
            a, g, entry.qm, v, kw["rv"], lbrm)
        assert tb.target_code_rate == entry.r_x1024 / 1024


def check_grid(kw, res, grid, n_ports):
    """(d) A transmitted slot ``(1, n_ports, symbols, subcarriers)`` is finite complex64, zero
    outside the allocation and not all zero inside it."""
    carrier = kw["carrier"]
    assert grid.shape == (1, n_ports, carrier.n_symb_slot, 12 * carrier.n_size_grid)
    assert grid.dtype == np.complex64 and np.isfinite(grid).all()
    assert not grid[0][:, ~res.allocation].any()
    assert grid[0][:, res.allocation].any()


def check_layer_grid(res, layers):
    """(d) QAM symbols are never 0: every layer carries every data RE, and the PT-RS layer
    (that of the lowest DM-RS port of codeword 0) every planned PT-RS RE."""
    assert (layers[:, res.data_mask] != 0).all()
    if res.ptrs_mask.any():
        assert (layers[res.ptrs_layer][res.ptrs_mask] != 0).all()
