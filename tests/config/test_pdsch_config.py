"""PdschConfig and RateMatchPattern: validation branches, defaults, resource plan, properties.

TS 38.211 §7.3.1 (PDSCH), §7.4.1 (DM-RS, PT-RS); TS 38.214 §5.1.2 (allocation, Table
5.1.2.1-1), §5.1.3 (MCS, TBS), §5.1.4 (rate matching around reserved resources), §5.1.6.
"""

import numpy as np
import pytest
from _props import (
    PROPS,
    build_or_reject,
    cdm_group,
    check_grid,
    check_layer_grid,
    check_masks,
    check_re_count,
    check_rejection_rate,
    check_tbs,
    check_time_allocation_table,
    codeword_layers,
    draw_carrier_bwp,
    draw_contiguous,
    draw_identities,
    draw_ports,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nrlink.config import (
    BwpConfig,
    CarrierConfig,
    DmrsConfig,
    PdschConfig,
    PtrsConfig,
    RateMatchPattern,
)
from nrlink.errors import ConfigError
from nrlink.link.pdsch import PdschTransmitter
from nrlink.spec.ts38214.mcs import mcs_entry
from nrlink.spec.ts38214.tbs import n_re_total, tbs_lbrm, transport_block_size

C24 = CarrierConfig(n_size_grid=24)
EXT = CarrierConfig(scs_khz=60, cyclic_prefix="extended", n_size_grid=24)

# --------------------------------------------------------------------------------------
# One raise-test per validation branch (each case changes one thing of a valid config)


@pytest.mark.parametrize("changes,match", [
    ({"carrier": None}, r"carrier=None is not allowed: carrier must be a CarrierConfig"),
    ({"bwp": (0, 4)}, r"bwp=\(0, 4\) is not allowed: bwp must be a BwpConfig"),
    ({"dmrs": 1}, r"dmrs=1 is not allowed: dmrs must be a DmrsConfig"),
    ({"ptrs": {}}, r"ptrs=\{\} is not allowed: ptrs must be a PtrsConfig or None"),
    ({"lbrm": 1}, r"lbrm=1 is not allowed: lbrm must be True or False"),
    ({"reserved": [RateMatchPattern(prbs=(0,), symbols=(0,))]},
     r"reserved=\[.*\] is not allowed: reserved must be a tuple of RateMatchPattern"),
    ({"reserved": (5,)}, r"reserved=\(5,\) is not allowed: reserved must be a tuple of "
                         r"RateMatchPattern"),
    ({"num_layers": 0}, r"num_layers=0 is not allowed: .*1\.\.8.*§7\.3\.1\.3"),
    ({"num_layers": 9}, r"num_layers=9 is not allowed: .*1\.\.8"),
    ({"mcs_table": "tp-qam64"}, r"mcs_table='tp-qam64' is not allowed: mcs_table must be one of "
                                r"qam64, qam256, qam64LowSE, qam1024.*§5\.1\.3\.1"),
    ({"mcs_table": "qam64lowse"}, r"mcs_table='qam64lowse' is not allowed"),
    ({"tb_scaling": 0.3}, r"tb_scaling=0\.3 is not allowed: .*1, 0\.5, 0\.25.*Table 5\.1\.3\.2-2"),
    ({"tb_scaling": True}, r"tb_scaling=True is not allowed"),
    ({"tb_scaling": "1"}, r"tb_scaling='1' is not allowed"),
    ({"mcs_index": 29}, r"i_mcs=29 is not allowed with table='qam64'.*reserved"
                        r".*Table 5\.1\.3\.1-1"),
    ({"mcs_index": 28, "mcs_table": "qam256"}, r"i_mcs=28 is not allowed with table='qam256'"
                                               r".*Table 5\.1\.3\.1-2"),
    ({"mcs_index": 29, "mcs_table": "qam64LowSE"}, r"i_mcs=29 .*Table 5\.1\.3\.1-3"),
    ({"mcs_index": 27, "mcs_table": "qam1024"}, r"i_mcs=27 is not allowed with table='qam1024'"
                                                r".*Table 5\.1\.3\.1-4"),
    ({"mcs_index": -1}, r"i_mcs=-1 is not allowed"),
    ({"n_rnti": 65536}, r"n_rnti=65536 is not allowed: .*0\.\.65535.*§7\.3\.1\.1"),
    ({"n_id": -1}, r"n_id=-1 is not allowed: .*0\.\.1023 or None.*§7\.3\.1\.1"),
    ({"n_id": 1024}, r"n_id=1024 is not allowed"),
    ({"x_overhead": 1}, r"x_overhead=1 is not allowed: .*0, 6, 12, 18.*§5\.1\.3\.2"),
    ({"rv": -1}, r"rv=-1 is not allowed: .*0, 1, 2, 3.*§7\.2\.5"),
    # contiguous allocation (type 1)
    ({"prb_start": -2}, r"prb_start=-2 is not allowed: .*≥ 0.*§5\.1\.2\.2"),
    ({"n_prb": 0}, r"n_prb=0 is not allowed: .*1\.\.275 or None"),
    ({"n_prb": 25}, r"prb_start=0, n_prb=25 is not allowed: the allocation must lie inside the "
                    r"BWP of 24 PRBs.*§5\.1\.2\.2"),
    ({"prb_start": 10, "n_prb": 15}, r"prb_start=10, n_prb=15 is not allowed"),
    ({"prb_start": 30}, r"prb_start=30, n_prb=None is not allowed"),
    ({"bwp": BwpConfig(n_start_bwp=4, n_size_bwp=8), "prb_start": 4, "n_prb": 5},
     r"prb_start=4, n_prb=5 is not allowed: .*BWP of 8 PRBs"),
    # PRB list (type 0)
    ({"prbs": ()}, r"prbs=\(\) is not allowed: prbs must be a non-empty tuple of PRB indices or "
                   r"None.*§5\.1\.2\.2\.1"),
    ({"prbs": [1, 2]}, r"prbs=\[1, 2\] is not allowed: prbs must be a non-empty tuple"),
    ({"prbs": 3}, r"prbs=3 is not allowed"),
    ({"prbs": (1, 5, 1)}, r"prbs=\(1, 5, 1\) is not allowed: PRB indices must be distinct and "
                          r"in 0\.\.23 \(the BWP\).*§5\.1\.2\.2\.1"),
    ({"prbs": (3, 24)}, r"prbs=\(3, 24\) is not allowed: .*0\.\.23"),
    ({"prbs": (-1, 3)}, r"prbs=\(-1, 3\) is not allowed"),
    ({"prbs": (1.5,)}, r"prbs=\(1\.5,\) is not allowed"),
    ({"prbs": (2.0,)}, r"prbs=\(2\.0,\) is not allowed"),
    ({"bwp": BwpConfig(n_start_bwp=4, n_size_bwp=8), "prbs": (0, 8)},
     r"prbs=\(0, 8\) is not allowed: .*in 0\.\.7 \(the BWP\)"),
    # reserved resources (TS 38.214 §5.1.4.1)
    ({"reserved": (RateMatchPattern(prbs=(3, 24), symbols=(1,)),)},
     r"reserved pattern prbs=\(3, 24\), symbols=\(1,\) is not allowed: it must lie inside the "
     r"grid of 24 PRBs × 14 symbols.*§5\.1\.4\.1"),
    ({"reserved": (RateMatchPattern(prbs=(3,), symbols=(14,)),)},
     r"reserved pattern prbs=\(3,\), symbols=\(14,\) is not allowed"),
    ({"carrier": EXT, "num_symbols": 12, "reserved": (RateMatchPattern(prbs=(0,), symbols=(12,)),)},
     r"symbols=\(12,\) is not allowed: it must lie inside the grid of 24 PRBs × 12 symbols"),
    ({"reserved": (RateMatchPattern(prbs=tuple(range(24)), symbols=tuple(range(14))),)},
     r"the allocation leaves no data RE after DM-RS .*PT-RS and reserved REs.*§7\.3\.1\.5"),
    ({"prbs": (1, 2), "prb_start": 1},
     r"prbs=\(1, 2\) is not allowed with prb_start=1, n_prb=None: .*§5\.1\.2\.2"),
])
def test_pdsch_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        PdschConfig(**{"carrier": C24, **changes})


@pytest.mark.parametrize("changes,match", [
    ({"prbs": ()}, r"reserved\.prbs=\(\) is not allowed: it must be a non-empty tuple of "
                   r"non-negative indices.*§5\.1\.4\.1"),
    ({"prbs": [1]}, r"reserved\.prbs=\[1\] is not allowed"),
    ({"prbs": (1, -1)}, r"reserved\.prbs=\(1, -1\) is not allowed"),
    ({"prbs": (1.0,)}, r"reserved\.prbs=\(1\.0,\) is not allowed"),
    ({"prbs": ("a",)}, r"reserved\.prbs=\('a',\) is not allowed"),
    ({"symbols": ()}, r"reserved\.symbols=\(\) is not allowed"),
    ({"symbols": None}, r"reserved\.symbols=None is not allowed"),
    ({"symbols": (-3,)}, r"reserved\.symbols=\(-3,\) is not allowed"),
])
def test_rate_match_pattern_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        RateMatchPattern(**{"prbs": (0, 1), "symbols": (2,), **changes})


def test_rate_match_pattern_mask():
    m = RateMatchPattern(prbs=(1, 3), symbols=(0, 5)).mask(14, 48)
    assert m.shape == (14, 48) and m.sum() == 2 * 2 * 12
    assert m[0, 12:24].all() and m[5, 36:48].all() and not m[0, :12].any() and not m[1].any()
    with pytest.raises(ConfigError, match=r"grid of 4 PRBs × 5 symbols"):
        RateMatchPattern(prbs=(1,), symbols=(5,)).mask(5, 48)


# --------------------------------------------------------------------------------------
# Time allocation: Table 5.1.2.1-1 and the DM-RS position tables


def _valid_pdsch_sl(mapping, s, l, n_symb):
    """TS 38.214 Table 5.1.2.1-1 (Rel-16: type B L = 2..13 with normal CP)."""
    if mapping == "A":
        return 0 <= s <= 3 and 3 <= l <= n_symb and s + l <= n_symb
    if n_symb == 14:
        return 0 <= s <= 12 and 2 <= l <= 13 and s + l <= 14
    return 0 <= s <= 10 and l in (2, 4, 6) and s + l <= 12


@pytest.mark.parametrize("cp,mapping,n_valid", [("normal", "A", 42), ("extended", "A", 34),
                                                ("normal", "B", 90), ("extended", "B", 27)])
def test_time_allocation_follows_table_5_1_2_1_1(cp, mapping, n_valid):
    """Every (S, L) is accepted exactly when Table 5.1.2.1-1 allows it (S = 3 of type A with
    dmrs-TypeA-Position = 3, the only position it allows)."""
    carrier = CarrierConfig(scs_khz=60, cyclic_prefix=cp, n_size_grid=8)

    def tap(s):
        return 3 if s == 3 else 2

    accepted = check_time_allocation_table(
        PdschConfig, carrier, mapping, table="5.1.2.1-1",
        valid=lambda s, l: _valid_pdsch_sl(mapping, s, l, carrier.n_symb_slot),
        dmrs=lambda s: DmrsConfig(additional_position=0, num_cdm_groups_without_data=1,
                                  type_a_position=tap(s)),
        first_dmrs=lambda s: tap(s) if mapping == "A" else s)
    assert accepted == n_valid


@pytest.mark.parametrize("changes,match", [
    ({"mapping_type": "b"}, r"mapping_type='b'"),
    ({"start_symbol": 3, "num_symbols": 11},
     r"start_symbol=3, num_symbols=11, mapping_type='A'.*dmrs\.type_a_position=2: l_start=3 is "
     r"not allowed with type_a_position=2: S = 3 is applicable only if dmrs-TypeA-Position = 3"
     r".*Table 5\.1\.2\.1-1"),
    ({"start_symbol": 4, "num_symbols": 10}, r"l_start=4 is not allowed: .*0\.\.3 for pdsch "
                                             r"mapping type A"),
    ({"num_symbols": 2}, r"l_duration=2 is not allowed: l_duration must be in 3\.\.14 for pdsch "
                         r"mapping type A"),
    ({"start_symbol": 2, "num_symbols": 13}, r"S \+ L must be in 3\.\.14 for pdsch mapping type A"),
    ({"mapping_type": "B", "start_symbol": 13, "num_symbols": 1}, r"l_start=13 is not allowed: "
                                                                  r".*0\.\.12 for pdsch mapping "
                                                                  r"type B"),
    ({"mapping_type": "B", "num_symbols": 14}, r"l_duration=14 is not allowed: .*2\.\.13 for "
                                               r"pdsch mapping type B"),
    ({"mapping_type": "B", "num_symbols": 1}, r"l_duration=1 is not allowed"),
    ({"mapping_type": "B", "start_symbol": 10, "num_symbols": 6},
     r"S \+ L must be in 2\.\.14 for pdsch mapping type B"),
    ({"carrier": EXT, "mapping_type": "B", "num_symbols": 5}, r"l_duration=5 is not allowed: "
                                                              r"l_duration must be one of 2, 4, 6"),
    ({"carrier": EXT, "mapping_type": "B", "start_symbol": 11, "num_symbols": 2},
     r"l_start=11 is not allowed: .*0\.\.10"),
    ({"carrier": EXT}, r"l_duration=14 is not allowed: .*3\.\.12"),
    # l_d = 3 (single) / 4 (double) of type A: only with dmrs-TypeA-Position = 2
    ({"num_symbols": 3, "dmrs": DmrsConfig(type_a_position=3, additional_position=0)},
     r"l_d=3 is not allowed with type_a_position=3: .*only applicable with "
     r"dmrs-TypeA-Position = pos2"),
    ({"num_symbols": 4, "dmrs": DmrsConfig(type_a_position=3, length=2, additional_position=0)},
     r"l_d=4 is not allowed with type_a_position=3"),
    # double-symbol DM-RS with too few symbols (Table 7.4.1.1.2-4: "-")
    ({"num_symbols": 3, "dmrs": DmrsConfig(length=2, additional_position=0)},
     r"l_d=3 with additional_position=0 is not allowed: pdsch mapping type A 2-symbol DMRS has "
     r"no entry.*Table 7\.4\.1\.1\.2-4"),
    ({"mapping_type": "B", "num_symbols": 4, "dmrs": DmrsConfig(length=2, additional_position=0)},
     r"l_d=4 with additional_position=0 is not allowed: pdsch mapping type B 2-symbol DMRS"),
    ({"mapping_type": "B", "num_symbols": 2, "dmrs": DmrsConfig(length=2, additional_position=0)},
     r"l_d=2 with additional_position=0 is not allowed"),
    ({"dmrs": DmrsConfig(length=2, additional_position=3)},
     r"additional_position=3 is not allowed: .*0\.\.1 for double-symbol DMRS"),
    ({"dmrs": DmrsConfig(additional_position=3, type_a_position=3)},
     r"additional_position=3 is not allowed with type_a_position=3"),
    # DM-RS alone in a 2-symbol type B allocation with all CDM groups: no data left
    ({"mapping_type": "B", "num_symbols": 2, "dmrs": DmrsConfig(additional_position=0),
      "reserved": (RateMatchPattern(prbs=tuple(range(24)), symbols=(1,)),)}, r"no data RE"),
])
def test_pdsch_time_allocation_and_dmrs_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        PdschConfig(**{"carrier": C24, **changes})


# --------------------------------------------------------------------------------------
# Behaviour


def test_pdsch_defaults():
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=52))
    res = cfg.resources
    assert res.tbs == (16136,) and res.g == (29952,) and res.dmrs_symbols == (2, 11)
    assert res.n_dmrs_prb == 24 and res.n_data_re == 7488 and res.codeword_layers == (1,)
    assert not res.reserved_mask.any() and not res.ptrs_mask.any()
    assert cfg.max_qm == 6 and cfg.transform_precoding is False
    assert cfg.data_scrambling_id == 1
    assert (cfg.c_init(), cfg.c_init(1)) == ((1 << 15) + 1, (1 << 15) + (1 << 14) + 1)
    assert PdschConfig() == PdschConfig(carrier=CarrierConfig(n_size_grid=52))


@pytest.mark.parametrize("layers,cw", [(1, (1,)), (4, (4,)), (5, (2, 3)), (6, (3, 3)),
                                       (7, (3, 4)), (8, (4, 4))])
def test_codewords_per_layer_count(layers, cw):
    """Table 7.3.1.3-1: two codewords from 5 layers on, each with its own TBS and G."""
    dmrs = DmrsConfig(length=2) if layers > 4 else DmrsConfig()
    res = PdschConfig(carrier=C24, num_layers=layers, dmrs=dmrs, mcs_index=10).resources
    assert res.codeword_layers == cw and res.dmrs_ports == tuple(range(layers))
    entry = mcs_entry(10, "qam64")
    n_re = n_re_total(n_prb=24, n_symbols=14, n_dmrs_prb=res.n_dmrs_prb)
    assert res.tbs == tuple(transport_block_size(n_re=n_re, r=entry.r, qm=4, layers=v)
                            for v in cw)
    assert res.g == tuple(res.n_data_re * 4 * v for v in cw)
    assert tuple(tb.layers for tb in res.tb_configs) == cw


@pytest.mark.parametrize("scaling", [1.0, 0.5, 0.25])
def test_tb_scaling(scaling):
    res = PdschConfig(carrier=C24, tb_scaling=scaling).resources
    entry = mcs_entry(14, "qam64")
    n_re = n_re_total(n_prb=24, n_symbols=14, n_dmrs_prb=24)
    assert res.tbs == (transport_block_size(n_re=n_re, r=entry.r, qm=4, layers=1,
                                            scaling=scaling),)


def test_prb_list_allocation():
    """Type 0: PRB list relative to the BWP, in any order; it overrides prb_start/n_prb."""
    bwp = BwpConfig(n_start_bwp=2, n_size_bwp=20)
    cfg = PdschConfig(carrier=C24, bwp=bwp, prbs=(7, 0, 3))
    res = cfg.resources
    assert res.prbs.tolist() == [2, 5, 9]
    assert res.allocation.any(axis=0).nonzero()[0].tolist() == [
        sc for rb in (2, 5, 9) for sc in range(12 * rb, 12 * rb + 12)]
    assert res.n_data_re == 3 * (168 - 24)
    assert res.tbs == PdschConfig(carrier=C24, n_prb=3).resources.tbs


def test_reserved_resources_reduce_g_not_tbs():
    """Rate matching around reserved REs (§5.1.4): N_RE of the TBS ignores them (§5.1.3.2)."""
    base = PdschConfig(carrier=C24, mcs_index=5)
    pattern = RateMatchPattern(prbs=(0, 1, 2, 30 % 24), symbols=(5, 6))
    cfg = base.replace(reserved=(pattern,))
    res = cfg.resources
    assert res.tbs == base.resources.tbs
    assert res.n_data_re == base.resources.n_data_re - 4 * 2 * 12
    assert res.g == (res.n_data_re * 2,)
    np.testing.assert_array_equal(res.reserved_mask, pattern.mask(14, 288))
    assert not (res.data_mask & res.reserved_mask).any()
    # a pattern over the DM-RS symbol only removes the REs the DM-RS left for data
    on_dmrs = base.replace(dmrs=DmrsConfig(num_cdm_groups_without_data=1),
                           reserved=(RateMatchPattern(prbs=(0,), symbols=(2,)),))
    assert on_dmrs.resources.n_data_re == base.replace(
        dmrs=DmrsConfig(num_cdm_groups_without_data=1)).resources.n_data_re - 6
    # the union of two overlapping patterns
    two = base.replace(reserved=(pattern, RateMatchPattern(prbs=(2, 3), symbols=(6, 7))))
    assert two.resources.reserved_mask.sum() == (4 * 2 + 2 * 2 - 1) * 12


def test_reserved_from_mappings():
    cfg = PdschConfig(carrier=C24, reserved=({"prbs": [1, 2], "symbols": [4]},))
    assert cfg.reserved == (RateMatchPattern(prbs=(1, 2), symbols=(4,)),)
    with pytest.raises(ConfigError, match=r"reserved\[0\]\.prbz: unknown key for RateMatchPattern.*"
                                          r"did you mean 'prbs'"):
        PdschConfig(carrier=C24, reserved=({"prbz": [1], "symbols": [4]},))


def test_pdsch_max_qm_and_lbrm():
    for table, qm in [("qam64", 6), ("qam64LowSE", 6), ("qam256", 8), ("qam1024", 10)]:
        cfg = PdschConfig(carrier=C24, mcs_table=table, mcs_index=3, lbrm=True, num_layers=2)
        assert cfg.max_qm == qm
        assert cfg.resources.tb_configs[0].tbs_lbrm == tbs_lbrm(max_layers=2, max_qm=qm,
                                                                n_prb_bwp_max=24)


def test_pdsch_ptrs_gaps_raise_not_implemented():
    """Documented gaps: 1024QAM thresholds and PT-RS over non-contiguous PRBs."""
    with pytest.raises(NotImplementedError, match=r"qam1024"):
        PdschConfig(carrier=C24, mcs_table="qam1024", mcs_index=20, ptrs=PtrsConfig())
    with pytest.raises(NotImplementedError, match=r"non-contiguous"):
        PdschConfig(carrier=C24, prbs=(0, 2, 3), mcs_index=20, ptrs=PtrsConfig())
    forced = PdschConfig(carrier=C24, mcs_table="qam1024", mcs_index=20,
                         ptrs=PtrsConfig(time_density=2, frequency_density=4))
    assert (forced.resources.l_ptrs, forced.resources.k_ptrs) == (2, 4)


def test_pdsch_replace_revalidates():
    cfg = PdschConfig(carrier=C24)
    assert cfg.replace(num_layers=2).resources.codeword_layers == (2,)
    with pytest.raises(ConfigError, match=r"num_layers=5 is not allowed with dmrs\.config_type=1"):
        cfg.replace(num_layers=5)
    with pytest.raises(ConfigError, match=r"prbs=\(24,\)"):
        cfg.replace(prbs=(24,))


def test_pdsch_equality_and_hash():
    r = RateMatchPattern(prbs=(1,), symbols=(3,))
    a = PdschConfig(carrier=C24, prbs=(1, 2), reserved=(r,), ptrs=PtrsConfig(time_density=2))
    b = PdschConfig(carrier=CarrierConfig(n_size_grid=24), prbs=(1, 2),
                    reserved=(RateMatchPattern(prbs=(1,), symbols=(3,)),),
                    ptrs=PtrsConfig(time_density=2))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != a.replace(reserved=()) and a != a.replace(prbs=(2, 1))


# --------------------------------------------------------------------------------------
# Regression tests of bugs found while writing these tests


def test_ptrs_not_mapped_on_reserved_resources():
    pattern = RateMatchPattern(prbs=tuple(range(24)), symbols=(5,))
    res = PdschConfig(carrier=C24, mcs_index=20, ptrs=PtrsConfig(), reserved=(pattern,)).resources
    assert res.ptrs_symbols  # PT-RS present (L = 1, K = 2)
    assert not (res.ptrs_mask & res.reserved_mask).any()


@pytest.mark.parametrize("prbs", [("a",), (1, None), (True, 2)])
def test_prb_list_entries_must_be_integers(prbs):
    with pytest.raises(ConfigError, match=r"prbs="):
        PdschConfig(carrier=C24, prbs=prbs)


# --------------------------------------------------------------------------------------
# Property tests over random valid configurations

_MAX_MCS = {"qam64": 28, "qam256": 27, "qam64LowSE": 28, "qam1024": 26}


@st.composite
def pdsch_kwargs(draw, *, allow_ptrs=True, allow_reserved=True, x_overhead=None):
    """Keyword arguments of a PDSCH that satisfies every simple rule by construction.

    Left to chance (refused by :func:`_props.build`): the DM-RS position tables ("-" entries,
    type A position 3 rules, DM-RS outside short allocations), the TB fitting into G, PT-RS of
    a port the PT-RS tables do not list, reserved REs leaving no data.
    """
    carrier, bwp, bwp_size = draw_carrier_bwp(draw)
    n_symb = carrier.n_symb_slot
    # time allocation, TS 38.214 Table 5.1.2.1-1
    mapping = draw(st.sampled_from("AB"))
    tap = draw(st.sampled_from([2, 3]))
    if mapping == "A":
        s = draw(st.integers(0, 3 if tap == 3 else 2))
        l = draw(st.integers(3, n_symb - s))
    elif carrier.cyclic_prefix == "normal":
        l = draw(st.integers(2, 13))
        s = draw(st.integers(0, min(12, 14 - l)))
    else:
        l = draw(st.sampled_from([2, 4, 6]))
        s = draw(st.integers(0, min(10, 12 - l)))
    config_type = draw(st.sampled_from([1, 2]))
    length = draw(st.sampled_from([1, 2]))
    n_avail = (4 if config_type == 1 else 6) * length
    layers = draw(st.sampled_from([v for v in (1, 1, 2, 3, 4, 5, 6, 7, 8) if v <= n_avail]))
    ports, used = draw_ports(draw, config_type, length, layers)
    dmrs = DmrsConfig(
        config_type=config_type, length=length,
        additional_position=draw(st.integers(0, 3 if length == 1 else 1)),
        type_a_position=tap,
        num_cdm_groups_without_data=draw(st.integers(used, config_type + 1)), ports=ports,
        n_id_0=draw(st.none() | st.integers(0, 65535)), n_scid=draw(st.sampled_from([0, 1])),
    )
    table = draw(st.sampled_from(sorted(_MAX_MCS)))
    ptrs = None
    if allow_ptrs and draw(st.integers(0, 2)) > 0:
        forced = [PtrsConfig(time_density=2, frequency_density=4), PtrsConfig(time_density=4),
                  PtrsConfig(frequency_density=2, resource_element_offset="offset01")]
        ptrs = draw(st.sampled_from(forced if table == "qam1024" else forced + [
            PtrsConfig(), PtrsConfig(mcs_thresholds=(10, 17, 23)),
            PtrsConfig(mcs_thresholds=(5, 10, 15), n_rb_thresholds=(3, 20), epre_ratio=1)]))
    # frequency allocation: contiguous (type 1) or a PRB list (type 0, without PT-RS)
    prbs, prb_start, n_prb = None, 0, None
    if ptrs is None and draw(st.booleans()):
        prbs = tuple(draw(st.lists(st.integers(0, bwp_size - 1), min_size=1,
                                   max_size=bwp_size, unique=True)))
    else:
        prb_start, n_prb = draw_contiguous(draw, bwp_size, draw(st.integers(1, bwp_size)))
    reserved = ()
    if allow_reserved and draw(st.booleans()):
        reserved = tuple(
            RateMatchPattern(
                prbs=tuple(draw(st.lists(st.integers(0, carrier.n_size_grid - 1), min_size=1,
                                         max_size=8, unique=True))),
                symbols=tuple(draw(st.lists(st.integers(0, n_symb - 1), min_size=1,
                                            max_size=3, unique=True))))
            for _ in range(draw(st.integers(1, 2))))
    return dict(
        carrier=carrier, bwp=bwp, mapping_type=mapping, start_symbol=s, num_symbols=l,
        prb_start=prb_start, n_prb=n_prb, prbs=prbs,
        mcs_index=draw(st.integers(0, _MAX_MCS[table])), mcs_table=table, num_layers=layers,
        dmrs=dmrs, ptrs=ptrs, **draw_identities(draw, x_overhead),
        tb_scaling=draw(st.sampled_from([1.0, 0.5, 0.25])), rv=draw(st.integers(0, 3)),
        lbrm=draw(st.booleans()), reserved=reserved,
    )


@PROPS
@given(kw=pdsch_kwargs())
def test_property_masks_consistent(kw):
    """(a) DM-RS, PT-RS, reserved and data masks are disjoint where they must be, inside the
    allocation, and data ∪ DM-RS ∪ PT-RS ∪ reserved covers it; PT-RS on the subcarriers of
    §7.4.1.2.2."""
    res = build_or_reject(PdschConfig, kw).resources
    prbs = check_masks(kw, res)
    if res.ptrs_symbols:
        # one PT-RS subcarrier every K_PT-RS scheduled RBs from k_ref^RB (§7.4.1.2.2), on a
        # subcarrier of the CDM group of the lowest DM-RS port
        k, n_rb = res.k_ptrs, len(prbs)
        k_ref_rb = kw["n_rnti"] % k if n_rb % k == 0 else kw["n_rnti"] % (n_rb % k)
        assert (res.ptrs_subcarriers // 12).tolist() == prbs[k_ref_rb::k]
        d = kw["dmrs"]
        port = min(res.dmrs_ports[: codeword_layers(kw["num_layers"])[0]])  # codeword 0
        assert res.dmrs_ports[res.ptrs_layer] == port
        group = cdm_group(d.config_type, port)
        group_sc = ({0, 2, 4, 6, 8, 10} if group == 0 else {1, 3, 5, 7, 9, 11}) \
            if d.config_type == 1 else {(2 * group + j) % 12 for j in (0, 1, 6, 7)}
        assert set((res.ptrs_subcarriers % 12).tolist()) <= group_sc


@PROPS
@given(kw=pdsch_kwargs(allow_ptrs=False, allow_reserved=False, x_overhead=0))
def test_property_re_count_matches_tbs_assumption(kw):
    """(b) Without PT-RS, reserved REs or xOverhead the data REs are exactly the N_RE of
    §5.1.3.2 (below the 156 cap), and G = N_RE · Q_m · υ per codeword."""
    check_re_count(kw, build_or_reject(PdschConfig, kw).resources)


@PROPS
@given(kw=pdsch_kwargs())
def test_property_tbs_recomputed_independently(kw):
    """(c) TBS of each codeword = TS 38.214 §5.1.3.2 from N_RE, the MCS row, υ and S."""
    check_tbs(kw, build_or_reject(PdschConfig, kw).resources)


@settings(PROPS, max_examples=40)
@given(kw=pdsch_kwargs(), seed=st.integers(0, 2**32 - 1))
def test_property_transmitter_grid_zero_outside_allocation(kw, seed):
    """(d) The PDSCH transmitter maps random TBs into the allocation only; with W = I the
    grid is the layer grid, PT-RS on the layer of the lowest DM-RS port of codeword 0."""
    assume(kw["ptrs"] is None or kw["num_layers"] <= 6)  # Table 4.1-2 has 1..6 layers
    cfg = build_or_reject(PdschConfig, kw)
    tx = PdschTransmitter(cfg)
    rng = np.random.default_rng(seed)
    b = [rng.integers(0, 2, (1, a), dtype=np.uint8) for a in tx.tbs]
    grid = tx.grid(b[0] if len(b) == 1 else b)
    check_grid(kw, cfg.resources, grid, kw["num_layers"])
    check_layer_grid(cfg.resources, grid[0])


def test_property_generator_rejection_rate():
    """The configurations refused by the complex rules stay a minority."""
    check_rejection_rate(pdsch_kwargs(), PdschConfig)


def test_tb_above_max_effective_rate_is_kept_with_its_rate():
    """TS 38.214 §5.1.3.1 lets the UE skip decoding an initial transmission above 0.95: the
    configuration stays valid and the plan reports the rate."""
    res = PdschConfig(carrier=C24, n_prb=2, mcs_index=14,
                      reserved=(RateMatchPattern(prbs=(0, 1), symbols=tuple(range(3, 14))),)
                      ).resources
    assert res.effective_code_rate[0] > 0.95


def test_ptrs_port_is_lowest_of_codeword_0():
    """Two codewords: the PT-RS port is the lowest DM-RS port of codeword 0 (TS 38.214
    §5.1.6.3), here port 2 on layer 0, not port 0 (codeword 1)."""
    cfg = PdschConfig(carrier=C24, num_layers=5, mcs_index=20, ptrs=PtrsConfig(time_density=1),
                      dmrs=DmrsConfig(config_type=2, num_cdm_groups_without_data=3,
                                      ports=(2, 3, 0, 1, 4)))
    assert cfg.resources.ptrs_layer == 0


def test_lbrm_uses_cell_maxima():
    """TBS_LBRM from maxMIMO-Layers and the largest BWP when given (TS 38.212 §5.4.2.1)."""
    base = PdschConfig(carrier=CarrierConfig(n_size_grid=106), mcs_table="qam256", lbrm=True)
    cell = base.replace(lbrm_max_layers=4)
    assert base.resources.tb_configs[0].tbs_lbrm < cell.resources.tb_configs[0].tbs_lbrm
    with pytest.raises(ConfigError, match="lbrm_max_layers"):
        base.replace(num_layers=2, lbrm_max_layers=1)
    with pytest.raises(ConfigError, match="lbrm_max_bwp_prb"):
        base.replace(lbrm_max_bwp_prb=50)
