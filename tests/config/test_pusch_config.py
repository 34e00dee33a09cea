"""PuschConfig: validation branches, defaults, derived resource plan, properties.

TS 38.211 §6.3.1 (PUSCH), §6.4.1 (DM-RS, PT-RS); TS 38.214 §6.1.2 (allocation, Table
6.1.2.1-1), §6.1.4 (MCS, TBS), §6.2.2 (DM-RS CDM groups without data).
"""

import numpy as np
import pytest
from _props import (
    PROPS,
    build_or_reject,
    check_grid,
    check_layer_grid,
    check_masks,
    check_re_count,
    check_rejection_rate,
    check_tbs,
    check_time_allocation_table,
    draw_carrier_bwp,
    draw_contiguous,
    draw_identities,
    draw_ports,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.config import BwpConfig, CarrierConfig, DmrsConfig, PtrsConfig, PuschConfig
from nrlink.errors import ConfigError
from nrlink.link.pusch import PuschTransmitter
from nrlink.spec.ts38214.mcs import mcs_entry
from nrlink.spec.ts38214.tbs import tbs_lbrm, transport_block_size

C24 = CarrierConfig(n_size_grid=24)

# --------------------------------------------------------------------------------------
# One raise-test per validation branch (each case changes one thing of a valid config)


@pytest.mark.parametrize("changes,match", [
    # types of the nested configurations and flags
    ({"carrier": "c"}, r"carrier='c' is not allowed: carrier must be a CarrierConfig"),
    ({"bwp": None}, r"bwp=None is not allowed: bwp must be a BwpConfig"),
    ({"dmrs": {}}, r"dmrs=\{\} is not allowed: dmrs must be a DmrsConfig"),
    ({"ptrs": 1}, r"ptrs=1 is not allowed: ptrs must be a PtrsConfig or None"),
    ({"transform_precoding": 1}, r"transform_precoding=1 is not allowed: .*True or False"),
    ({"tp_pi2bpsk": 0}, r"tp_pi2bpsk=0 is not allowed: .*True or False"),
    ({"lbrm": "yes"}, r"lbrm='yes' is not allowed: .*True or False"),
    # layers, antenna ports, precoding
    ({"num_layers": 0}, r"num_layers=0 is not allowed: .*1\.\.4.*§6\.3\.1\.3"),
    ({"num_layers": 5}, r"num_layers=5 is not allowed: .*1\.\.4"),
    ({"num_layers": 2, "transform_precoding": True, "mcs_table": "tp-qam64"},
     r"num_layers=2 is not allowed: num_layers must be 1 with transform precoding.*§6\.3\.1\.4"),
    ({"precoding": "svd"}, r"precoding='svd' is not allowed: .*'codebook' or 'non-codebook'"
                           r".*§6\.3\.1\.5"),
    ({"num_antenna_ports": 3}, r"num_antenna_ports=3 is not allowed: .*one of 1, 2, 4"
                               r".*§6\.3\.1\.5"),
    ({"num_layers": 3}, r"num_antenna_ports=3 is not allowed"),  # ρ defaults to υ
    ({"num_antenna_ports": 2, "precoding": "non-codebook"},
     r"num_antenna_ports=2 is not allowed with precoding='non-codebook' and num_layers=1: "
     r"non-codebook PUSCH has one port per layer.*TS 38\.214 §6\.1\.1\.2"),
    ({"num_layers": 4, "num_antenna_ports": 2},
     r"num_antenna_ports=2 is not allowed with num_layers=4: ports must be ≥ layers"),
    ({"num_layers": 2, "num_antenna_ports": 1},
     r"num_antenna_ports=1 is not allowed with num_layers=2: ports must be ≥ layers"),
    # TPMI per codebook table (TS 38.211 Tables 6.3.1.5-1..7)
    ({"tpmi": 1}, r"tpmi=1 is not allowed: .*0 \(single antenna port"),
    ({"num_antenna_ports": 2, "tpmi": 6}, r"tpmi=6 is not allowed: .*0\.\.5 for 1 layer\(s\) on "
                                          r"2 ports.*Table 6\.3\.1\.5-1"),
    ({"num_antenna_ports": 2, "tpmi": -1}, r"tpmi=-1 is not allowed"),
    ({"num_antenna_ports": 4, "tpmi": 28}, r"tpmi=28 is not allowed: .*0\.\.27"
                                           r".*Table 6\.3\.1\.5-3"),
    ({"num_antenna_ports": 4, "tpmi": 28, "transform_precoding": True, "mcs_table": "tp-qam64"},
     r"tpmi=28 is not allowed: .*0\.\.27.*Table 6\.3\.1\.5-2"),
    ({"num_layers": 2, "num_antenna_ports": 2, "tpmi": 3}, r"tpmi=3 is not allowed: .*0\.\.2"
                                                           r".*Table 6\.3\.1\.5-4"),
    ({"num_layers": 2, "num_antenna_ports": 4, "tpmi": 22}, r"tpmi=22 .*0\.\.21"
                                                            r".*Table 6\.3\.1\.5-5"),
    ({"num_layers": 3, "num_antenna_ports": 4, "tpmi": 7}, r"tpmi=7 .*0\.\.6.*Table 6\.3\.1\.5-6"),
    ({"num_layers": 4, "tpmi": 5}, r"tpmi=5 .*0\.\.4.*Table 6\.3\.1\.5-7"),
    # MCS tables (TS 38.214 §6.1.4.1)
    ({"mcs_table": "qam1024"}, r"mcs_table='qam1024' is not allowed for PUSCH with "
                               r"transform_precoding=False.*1024QAM is defined for PDSCH only"),
    ({"mcs_table": "qam1024", "transform_precoding": True}, r"mcs_table='qam1024' is not allowed"
                                                            r".*1024QAM is defined for PDSCH"),
    ({"mcs_table": "tp-qam64"}, r"mcs_table='tp-qam64' is not allowed for PUSCH with "
                                r"transform_precoding=False: mcs_table must be one of qam64, "
                                r"qam256, qam64LowSE.*§6\.1\.4\.1"),
    ({"mcs_table": "tp-qam64LowSE"}, r"mcs_table='tp-qam64LowSE' is not allowed for PUSCH with "
                                     r"transform_precoding=False"),
    ({"mcs_table": "qam64", "transform_precoding": True},
     r"mcs_table='qam64' is not allowed for PUSCH with transform_precoding=True: mcs_table must "
     r"be one of tp-qam64, tp-qam64LowSE, qam256"),
    ({"mcs_table": "qam64LowSE", "transform_precoding": True}, r"mcs_table='qam64LowSE' is not "
                                                               r"allowed for PUSCH with "
                                                               r"transform_precoding=True"),
    ({"mcs_table": "QAM64"}, r"mcs_table='QAM64' is not allowed"),
    ({"tp_pi2bpsk": True}, r"tp_pi2bpsk=True is not allowed with transform_precoding=False: "
                           r"π/2-BPSK is used with transform precoding only.*§6\.1\.4\.1"),
    ({"tp_pi2bpsk": True, "transform_precoding": True, "mcs_table": "qam256"},
     r"tp_pi2bpsk=True is not allowed with table='qam256'"),
    # MCS index (reserved rows have no code rate: TBS comes from the earlier DCI)
    ({"mcs_index": 29}, r"i_mcs=29 is not allowed with table='qam64'.*reserved"
                        r".*Table 5\.1\.3\.1-1"),
    ({"mcs_index": 28, "mcs_table": "qam256"}, r"i_mcs=28 is not allowed with table='qam256'"),
    ({"mcs_index": 28, "mcs_table": "tp-qam64", "transform_precoding": True},
     r"i_mcs=28 is not allowed with table='tp-qam64'.*Table 6\.1\.4\.1-1"),
    ({"mcs_index": 28, "mcs_table": "tp-qam64LowSE", "transform_precoding": True},
     r"i_mcs=28 is not allowed with table='tp-qam64LowSE'.*Table 6\.1\.4\.1-2"),
    ({"mcs_index": -1}, r"i_mcs=-1 is not allowed"),
    ({"mcs_index": 32}, r"i_mcs=32 is not allowed"),
    # identities, overhead, RV
    ({"n_rnti": 65536}, r"n_rnti=65536 is not allowed: .*0\.\.65535.*§6\.3\.1\.1"),
    ({"n_rnti": -1}, r"n_rnti=-1 is not allowed"),
    ({"n_id": 1024}, r"n_id=1024 is not allowed: .*0\.\.1023 or None.*§6\.3\.1\.1"),
    ({"x_overhead": 3}, r"x_overhead=3 is not allowed: .*0, 6, 12, 18.*§6\.1\.4\.2"),
    ({"rv": 4}, r"rv=4 is not allowed: .*0, 1, 2, 3.*§6\.2\.5"),
    # frequency allocation (resource allocation type 1)
    ({"prb_start": -1}, r"prb_start=-1 is not allowed: .*≥ 0.*§6\.1\.2\.2"),
    ({"n_prb": 0}, r"n_prb=0 is not allowed: .*1\.\.275 or None"),
    ({"n_prb": 276}, r"n_prb=276 is not allowed"),
    ({"prb_start": 20, "n_prb": 5}, r"prb_start=20, n_prb=5 is not allowed: the allocation must "
                                    r"lie inside the BWP of 24 PRBs.*§6\.1\.2\.2"),
    ({"prb_start": 24}, r"prb_start=24, n_prb=None is not allowed"),
    ({"bwp": BwpConfig(n_start_bwp=4, n_size_bwp=10), "n_prb": 11},
     r"prb_start=0, n_prb=11 is not allowed: .*BWP of 10 PRBs"),
    ({"bwp": BwpConfig(n_start_bwp=20, n_size_bwp=10)}, r"bwp\.n_start_bwp=20, bwp\.n_size_bwp=10"
                                                        r" is not allowed.*inside the carrier"),
    # transform precoding (TS 38.211 §6.3.1.4, §6.4.1.1.3)
    ({"transform_precoding": True, "mcs_table": "tp-qam64",
      "dmrs": DmrsConfig(config_type=2)},
     r"dmrs\.config_type=2 is not allowed with transform_precoding=True: DFT-s-OFDM uses DM-RS "
     r"configuration type 1"),
    ({"transform_precoding": True, "mcs_table": "tp-qam64", "n_prb": 7},
     r"n_prb=7 is not allowed with transform_precoding=True: .*2\^a·3\^b·5\^c.*§6\.3\.1\.4"),
    ({"transform_precoding": True, "mcs_table": "tp-qam64", "prb_start": 2},
     r"n_prb=22 is not allowed with transform_precoding=True"),  # 22 = 2·11
    ({"transform_precoding": True, "mcs_table": "tp-qam64", "n_prb": 14}, r"n_prb=14 "),
])
def test_pusch_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        PuschConfig(**{"carrier": C24, **changes})


@pytest.mark.parametrize("n_prb", [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20, 24])
def test_transform_precoding_accepts_5_smooth_prb_counts(n_prb):
    cfg = PuschConfig(carrier=C24, transform_precoding=True, mcs_table="tp-qam64", n_prb=n_prb)
    assert len(cfg.resources.prbs) == n_prb


def test_ptrs_not_implemented_cases():
    """PT-RS with transform precoding and multi-layer PT-RS are documented gaps."""
    with pytest.raises(NotImplementedError, match=r"transform precoding"):
        PuschConfig(carrier=C24, transform_precoding=True, mcs_table="tp-qam64",
                    ptrs=PtrsConfig())
    with pytest.raises(NotImplementedError, match=r"multi-layer PUSCH"):
        PuschConfig(carrier=C24, num_layers=2, ptrs=PtrsConfig())


# --------------------------------------------------------------------------------------
# Time allocation: Table 6.1.2.1-1 and the DM-RS position tables


def _valid_pusch_sl(mapping, s, l, n_symb):
    """TS 38.214 Table 6.1.2.1-1 (normal CP: 14, extended CP: 12 symbols)."""
    if mapping == "A":
        return s == 0 and 4 <= l <= n_symb
    return 0 <= s <= n_symb - 1 and 1 <= l <= n_symb and s + l <= n_symb


@pytest.mark.parametrize("cp", ["normal", "extended"])
@pytest.mark.parametrize("mapping", ["A", "B"])
def test_time_allocation_follows_table_6_1_2_1_1(cp, mapping):
    """Every (S, L) is accepted exactly when Table 6.1.2.1-1 allows it (single-symbol DM-RS
    without additional positions has an entry for every valid duration)."""
    carrier = CarrierConfig(scs_khz=60, cyclic_prefix=cp, n_size_grid=8)
    n_symb = carrier.n_symb_slot
    dmrs = DmrsConfig(additional_position=0, num_cdm_groups_without_data=1)
    accepted = check_time_allocation_table(
        PuschConfig, carrier, mapping, table="6.1.2.1-1",
        valid=lambda s, l: _valid_pusch_sl(mapping, s, l, n_symb), dmrs=lambda s: dmrs,
        first_dmrs=lambda s: s if mapping == "B" else 2)  # l0 = S (type B), position 2
    assert accepted == (n_symb - 3 if mapping == "A" else n_symb * (n_symb + 1) // 2)


@pytest.mark.parametrize("changes,match", [
    ({"mapping_type": "C"}, r"mapping_type='C'"),
    ({"start_symbol": 1}, r"start_symbol=1, num_symbols=14, mapping_type='A'.*l_start=1 is not "
                          r"allowed: .*0\.\.0 for pusch mapping type A.*Table 6\.1\.2\.1-1"),
    ({"num_symbols": 3}, r"l_duration=3 is not allowed: l_duration must be in 4\.\.14 for pusch "
                         r"mapping type A"),
    ({"mapping_type": "B", "start_symbol": 14, "num_symbols": 1}, r"l_start=14 is not allowed: "
                                                                  r".*0\.\.13"),
    ({"mapping_type": "B", "start_symbol": 10, "num_symbols": 5},
     r"S \+ L must be in 1\.\.14 for pusch mapping type B"),
    ({"mapping_type": "B", "num_symbols": 0}, r"l_duration=0 is not allowed: .*1\.\.14"),
    ({"mapping_type": "B", "num_symbols": 15}, r"l_duration=15 is not allowed"),
    ({"carrier": CarrierConfig(scs_khz=60, cyclic_prefix="extended", n_size_grid=24)},
     r"l_duration=14 is not allowed: l_duration must be in 4\.\.12 .*N_symb\^slot=12"),
    ({"carrier": CarrierConfig(scs_khz=60, cyclic_prefix="extended", n_size_grid=24),
      "mapping_type": "B", "start_symbol": 12, "num_symbols": 1}, r"l_start=12 is not allowed: "
                                                                   r".*0\.\.11"),
    # double-symbol DM-RS with too few symbols (Table 6.4.1.1.3-4: "-" below l_d = 4 / 5)
    ({"mapping_type": "B", "num_symbols": 4, "dmrs": DmrsConfig(length=2, additional_position=0)},
     r"dmrs\.length=2.*l_d=4 with additional_position=0 is not allowed: pusch mapping type B "
     r"2-symbol DMRS has no entry.*Table 6\.4\.1\.1\.3-4"),
    ({"mapping_type": "B", "num_symbols": 3, "dmrs": DmrsConfig(length=2, additional_position=0)},
     r"l_d=3 with additional_position=0 is not allowed"),
    ({"mapping_type": "B", "num_symbols": 2, "dmrs": DmrsConfig(length=2, additional_position=0)},
     r"l_d=2 with additional_position=0 is not allowed"),
    ({"num_symbols": 4, "dmrs": DmrsConfig(length=2, type_a_position=3, additional_position=0)},
     r"DMRS symbols \(3, 4\) are not allowed: they must lie within the allocated symbols 0\.\.3"),
    ({"dmrs": DmrsConfig(length=2, additional_position=2)},
     r"additional_position=2 is not allowed: .*0\.\.1 for double-symbol DMRS"),
    ({"dmrs": DmrsConfig(additional_position=3, type_a_position=3)},
     r"additional_position=3 is not allowed with type_a_position=3: .*pos2"),
    # DM-RS (and only DM-RS) in the allocation: nothing left for data
    ({"mapping_type": "B", "num_symbols": 1}, r"leaves no data RE.*§6\.3\.1\.6"),
    ({"mapping_type": "B", "num_symbols": 1, "transform_precoding": True,
      "mcs_table": "tp-qam64"}, r"leaves no data RE"),
])
def test_pusch_time_allocation_and_dmrs_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        PuschConfig(**{"carrier": C24, **changes})


# --------------------------------------------------------------------------------------
# Behaviour


def test_pusch_defaults():
    """52 PRBs, 14 symbols, DM-RS at 2 and 11 (pos1), I_MCS 14 of Table 5.1.3.1-1."""
    cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=52))
    res = cfg.resources
    assert res.tbs == (16136,) and res.g == (29952,) and res.dmrs_symbols == (2, 11)
    assert (res.mcs.qm, res.mcs.r_x1024) == (4, 553)
    assert res.n_dmrs_prb == 24 and res.n_data_re == 52 * (168 - 24) == 7488
    assert res.dmrs_ports == (0,) and res.codeword_layers == (1,)
    assert res.ptrs_symbols == () and res.l_ptrs is None and not res.ptrs_mask.any()
    assert (res.n_start_bwp, res.n_size_bwp) == (0, 52) and res.prbs.tolist() == list(range(52))
    tb = res.tb_configs[0]
    assert (tb.tbs, tb.g, tb.qm, tb.layers, tb.rv, tb.tbs_lbrm) == (16136, 29952, 4, 1, 0, None)
    assert cfg.antenna_ports == 1 and cfg.max_qm == 6 and not cfg.pi2_bpsk
    assert cfg.data_scrambling_id == 1 and cfg.c_init == (1 << 15) + 1  # §6.3.1.1
    np.testing.assert_array_equal(cfg.precoding_matrix, [[1]])
    assert PuschConfig() == PuschConfig(carrier=CarrierConfig(n_size_grid=52))


def test_n_re_cap_of_156_per_prb():
    """N'_RE = 12·14 − 6 = 162 > 156: the TBS uses 156 per PRB, the mapping all 162 REs."""
    dmrs = DmrsConfig(additional_position=0, num_cdm_groups_without_data=1)
    res = PuschConfig(carrier=C24, dmrs=dmrs, mcs_index=10).resources
    assert res.n_dmrs_prb == 6 and res.n_data_re == 24 * 162
    entry = mcs_entry(10, "qam64")
    assert res.tbs == (transport_block_size(n_re=24 * 156, r=entry.r, qm=entry.qm, layers=1),)
    assert res.g == (24 * 162 * 4,)


def test_pusch_derived_quantities():
    cfg = PuschConfig(carrier=C24, num_layers=2, num_antenna_ports=4, tpmi=0, n_id=77,
                      n_rnti=1000, lbrm=True, mcs_table="qam256", mcs_index=20)
    assert cfg.antenna_ports == 4 and cfg.precoding_matrix.shape == (4, 2)
    assert cfg.data_scrambling_id == 77 and cfg.c_init == 1000 * 2**15 + 77
    assert cfg.max_qm == 8
    assert cfg.resources.tb_configs[0].tbs_lbrm == tbs_lbrm(max_layers=2, max_qm=8,
                                                            n_prb_bwp_max=24)
    nc = PuschConfig(carrier=C24, num_layers=2, precoding="non-codebook")
    np.testing.assert_array_equal(nc.precoding_matrix, np.eye(2))
    tp = PuschConfig(carrier=C24, transform_precoding=True, mcs_table="tp-qam64",
                     tp_pi2bpsk=True, mcs_index=0)
    assert tp.pi2_bpsk and tp.resources.mcs.qm == 1 and tp.resources.mcs.r_x1024 == 240
    # DFT-s-OFDM: the DM-RS symbols carry no data at all (12 REs per PRB and symbol)
    assert tp.resources.n_dmrs_prb == 24
    assert not tp.resources.data_mask[list(tp.resources.dmrs_symbols)].any()


def test_pusch_replace_revalidates_and_recomputes():
    cfg = PuschConfig(carrier=C24)
    assert cfg.replace(mcs_index=0).resources.tbs != cfg.resources.tbs
    assert cfg.replace(mcs_index=0) == PuschConfig(carrier=C24, mcs_index=0)
    with pytest.raises(ConfigError, match=r"mcs_table='qam1024'"):
        cfg.replace(mcs_table="qam1024")
    with pytest.raises(ConfigError, match=r"num_layers=2 is not allowed"):
        cfg.replace(transform_precoding=True, mcs_table="tp-qam64", num_layers=2)
    with pytest.raises(ConfigError, match=r"dmrs\.ports=\(0, 1\) is not allowed with num_layers=1"):
        cfg.replace(dmrs=DmrsConfig(ports=(0, 1)))


def test_pusch_equality_and_hash():
    a = PuschConfig(carrier=C24, dmrs=DmrsConfig(ports=(1,)), ptrs=PtrsConfig())
    b = PuschConfig(carrier=CarrierConfig(n_size_grid=24), dmrs=DmrsConfig(ports=(1,)),
                    ptrs=PtrsConfig())
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != a.replace(n_rnti=2) and a != a.replace(ptrs=None)
    with pytest.raises(AttributeError):
        a.mcs_index = 3  # frozen


# --------------------------------------------------------------------------------------
# Property tests over random valid configurations

_MAX_MCS = {"qam64": 28, "qam256": 27, "qam64LowSE": 28, "tp-qam64": 27, "tp-qam64LowSE": 27}
#: TPMI count per (layers, antenna ports), TS 38.211 Tables 6.3.1.5-1..7.
_N_TPMI = {(1, 1): 1, (1, 2): 6, (1, 4): 28, (2, 2): 3, (2, 4): 22, (3, 4): 7, (4, 4): 5}


def _is_5_smooth(n):
    for p in (2, 3, 5):
        while n % p == 0:
            n //= p
    return n == 1


#: PRB counts allowed with transform precoding, 2^a·3^b·5^c (TS 38.211 §6.3.1.4).
_SMOOTH = [n for n in range(1, 101) if _is_5_smooth(n)]


@st.composite
def pusch_kwargs(draw, *, allow_ptrs=True, x_overhead=None):
    """Keyword arguments of a PUSCH that satisfies every simple rule by construction.

    What is left to chance is the DM-RS position table (its "-" entries, type A position 3
    rules, DM-RS outside short allocations) and the TB fitting into G (effective code rate),
    which :func:`_props.build` rejects by catching ConfigError.
    """
    carrier, bwp, bwp_size = draw_carrier_bwp(draw)
    n_symb = carrier.n_symb_slot
    tp = draw(st.integers(0, 2)) == 0
    if tp:
        n_prb = draw(st.sampled_from([n for n in _SMOOTH if n <= bwp_size]))
    else:
        n_prb = draw(st.integers(1, bwp_size))
    prb_start, n_prb_field = draw_contiguous(draw, bwp_size, n_prb)
    mapping = draw(st.sampled_from("AB"))
    if mapping == "A":
        s, l = 0, draw(st.integers(4, n_symb))
    else:
        l = draw(st.integers(1, n_symb))
        s = draw(st.integers(0, n_symb - l))
    config_type = 1 if tp else draw(st.sampled_from([1, 2]))
    length = draw(st.sampled_from([1, 2]))
    layers = 1 if tp else draw(st.sampled_from([1, 1, 2, 3, 4]))
    ports, used = draw_ports(draw, config_type, length, layers)
    dmrs = DmrsConfig(
        config_type=config_type, length=length,
        additional_position=draw(st.integers(0, 3 if length == 1 else 1)),
        type_a_position=draw(st.sampled_from([2, 3])),
        num_cdm_groups_without_data=2 if tp else draw(st.integers(used, config_type + 1)),
        ports=ports,
        n_scid=0 if tp else draw(st.sampled_from([0, 1])),  # DFT-s-OFDM refuses n_scid
    )
    if layers in (1, 2, 4) and draw(st.booleans()):
        precoding, n_ports, tpmi = "non-codebook", layers, 0
    else:
        precoding = "codebook"
        n_ports = draw(st.sampled_from([p for p in (1, 2, 4) if p >= layers]))
        tpmi = draw(st.integers(0, _N_TPMI[(layers, n_ports)] - 1))
    if tp:
        table = draw(st.sampled_from(["tp-qam64", "tp-qam64LowSE", "qam256"]))
        pi2 = table != "qam256" and draw(st.booleans())
    else:
        table, pi2 = draw(st.sampled_from(["qam64", "qam256", "qam64LowSE"])), False
    ptrs = None
    if allow_ptrs and not tp and layers == 1:  # PT-RS: CP-OFDM, one layer (implemented)
        ptrs = draw(st.sampled_from([
            None, PtrsConfig(), PtrsConfig(time_density=2, frequency_density=4),
            PtrsConfig(time_density=4), PtrsConfig(mcs_thresholds=(10, 17, 23)),
            PtrsConfig(mcs_thresholds=(5, 10, 15), n_rb_thresholds=(3, 20),
                       resource_element_offset="offset11")]))
    return dict(
        carrier=carrier, bwp=bwp, mapping_type=mapping, start_symbol=s, num_symbols=l,
        prb_start=prb_start, n_prb=n_prb_field,
        mcs_index=draw(st.integers(0, _MAX_MCS[table])), mcs_table=table,
        tp_pi2bpsk=pi2, num_layers=layers, num_antenna_ports=n_ports, precoding=precoding,
        tpmi=tpmi, transform_precoding=tp, dmrs=dmrs, ptrs=ptrs,
        **draw_identities(draw, x_overhead), rv=draw(st.integers(0, 3)),
        lbrm=draw(st.booleans()),
    )


@PROPS
@given(kw=pusch_kwargs())
def test_property_masks_consistent(kw):
    """(a) DM-RS, PT-RS and data masks are disjoint, inside the allocation, and cover it; no
    reserved REs; the contiguous PRBs of the BWP from prb_start."""
    res = build_or_reject(PuschConfig, kw).resources
    first = res.n_start_bwp - kw["carrier"].n_start_grid + kw["prb_start"]
    assert check_masks(kw, res) == list(range(first, first + len(res.prbs)))


@PROPS
@given(kw=pusch_kwargs(allow_ptrs=False, x_overhead=0))
def test_property_re_count_matches_tbs_assumption(kw):
    """(b) Without PT-RS or xOverhead the data REs are exactly the N_RE of §6.1.4.2 (below
    the 156 cap, DFT-s-OFDM DM-RS symbols whole), and G = N_RE · Q_m · υ."""
    check_re_count(kw, build_or_reject(PuschConfig, kw).resources)


@PROPS
@given(kw=pusch_kwargs())
def test_property_tbs_recomputed_independently(kw):
    """(c) TBS = TS 38.214 §6.1.4.2 from N_RE, the MCS row (π/2-BPSK included) and υ; the TB
    config agrees."""
    check_tbs(kw, build_or_reject(PuschConfig, kw).resources)


@settings(PROPS, max_examples=40)
@given(kw=pusch_kwargs(), seed=st.integers(0, 2**32 - 1))
def test_property_transmitter_grid_zero_outside_allocation(kw, seed):
    """(d) The PUSCH transmitter maps one random TB into the allocation only (after precoding
    onto the antenna ports)."""
    cfg = build_or_reject(PuschConfig, kw)
    tx = PuschTransmitter(cfg)
    b = np.random.default_rng(seed).integers(0, 2, (1, tx.tbs), dtype=np.uint8)
    check_grid(kw, cfg.resources, tx.grid(b), kw["num_antenna_ports"])
    if not kw["transform_precoding"]:  # QAM symbols are never 0 on a data RE of a layer
        check_layer_grid(cfg.resources, tx.layer_grid(b)[0])


def test_property_generator_rejection_rate():
    """The configurations refused by the complex rules stay a minority."""
    check_rejection_rate(pusch_kwargs(), PuschConfig)


def test_data_channels_refuse_240_khz():
    with pytest.raises(ConfigError, match=r"carrier.scs_khz=240 .*SS/PBCH"):
        PuschConfig(carrier=CarrierConfig(scs_khz=240, n_size_grid=10))


def test_transform_precoding_needs_two_cdm_groups_without_data():
    with pytest.raises(ConfigError, match=r"num_cdm_groups_without_data=1 .*§6\.2\.2"):
        PuschConfig(carrier=CarrierConfig(n_size_grid=10), transform_precoding=True,
                    mcs_table="tp-qam64", dmrs=DmrsConfig(num_cdm_groups_without_data=1))


def test_tpmi_must_be_non_negative_even_without_codebook():
    with pytest.raises(ConfigError, match=r"tpmi=-3"):
        PuschConfig(carrier=CarrierConfig(n_size_grid=10), precoding="non-codebook", tpmi=-3)


def test_reserved_mcs_index_names_the_config_field():
    with pytest.raises(ConfigError, match=r"^mcs_index=29, mcs_table='qam64': .*reserved"):
        PuschConfig(carrier=CarrierConfig(n_size_grid=10), mcs_index=29)


def test_tb_above_max_effective_rate_is_kept_with_its_rate():
    """An initial transmission above 0.95 may be skipped by the receiver (TS 38.214 §6.1.4.1
    refers to §5.1.3.1), it is not a configuration error."""
    cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=52), mapping_type="B", num_symbols=2,
                      n_prb=1, mcs_index=0)
    assert cfg.resources.effective_code_rate[0] > 0.95


@pytest.mark.parametrize(("changes", "match"), [
    ({"dmrs": DmrsConfig(group_hopping=True)}, r"dmrs.group_hopping=True .*§6\.4\.1\.1\.1\.2"),
    ({"dmrs": DmrsConfig(n_id_pusch=5)}, r"dmrs.n_id_pusch=5 .*without transform precoding"),
    ({"transform_precoding": True, "mcs_table": "tp-qam64", "dmrs": DmrsConfig(n_scid=1)},
     r"dmrs.n_scid=1.*transform_precoding=True"),
    ({"precoding": "non-codebook", "tpmi": 2}, r"tpmi=2 .*non-codebook"),
    ({"ptrs": PtrsConfig(epre_ratio=1)}, r"ptrs.epre_ratio=1 .*PDSCH parameter"),
])
def test_fields_that_would_be_ignored_are_refused(changes, match):
    with pytest.raises(ConfigError, match=match):
        PuschConfig(carrier=CarrierConfig(n_size_grid=10), **changes)
