"""CoresetConfig, SearchSpaceConfig, PdcchConfig: validation, geometry and candidates.

TS 38.211 §7.3.2.2 (CORESET), TS 38.213 §10.1 (search spaces), TS 38.331 IEs.
"""

import numpy as np
import pytest

from nrlink.config.carrier import BwpConfig, CarrierConfig
from nrlink.config.pdcch import CoresetConfig, PdcchConfig, SearchSpaceConfig
from nrlink.errors import ConfigError
from nrlink.spec.ts38211.coreset import cce_regs

# --------------------------------------------------------------------------------------
# CoresetConfig: one raise-test per validation branch


@pytest.mark.parametrize("changes,match", [
    ({"coreset_id": 16}, r"coreset_id=16 is not allowed: .*0\.\.15"),
    ({"frequency_domain_resources": "0000"}, r"frequency_domain_resources='0000' is not "
                                             r"allowed: .*at least one 1.*§10\.1"),
    ({"frequency_domain_resources": "1" * 46}, r"frequency_domain_resources='1{46}'"),
    ({"frequency_domain_resources": "11a"}, r"frequency_domain_resources='11a'"),
    ({"frequency_domain_resources": (1, 2)}, r"frequency_domain_resources=\(1, 2\)"),
    ({"frequency_domain_resources": 7}, r"frequency_domain_resources=7"),
    ({"n_rb": 24}, r"n_rb=24 is not allowed with frequency_domain_resources='11111111': give "
                   r"exactly one"),
    ({"frequency_domain_resources": None}, r"n_rb=None is not allowed .*exactly one"),
    ({"frequency_domain_resources": None, "n_rb": 0}, r"n_rb=0 is not allowed: .*1\.\.275"),
    ({"rb_offset": 6}, r"rb_offset=6 is not allowed: .*0\.\.5 \(with a bitmap\)"),
    ({"frequency_domain_resources": None, "n_rb": 24, "rb_offset": 275},
     r"rb_offset=275 is not allowed: .*0\.\.274 \(with n_rb\)"),
    ({"duration": 0}, r"duration=0 is not allowed: .*one of 1, 2, 3.*§7\.3\.2\.2"),
    ({"duration": 4}, r"duration=4 is not allowed"),
    ({"cce_reg_mapping": "random"}, r"cce_reg_mapping='random' is not allowed"),
    ({"cce_reg_mapping": "non-interleaved", "reg_bundle_size": 2},
     r"reg_bundle_size=2 is not allowed: .*6 with cce_reg_mapping='non-interleaved'"),
    ({"duration": 2, "reg_bundle_size": 3},
     r"reg_bundle_size=3 is not allowed: .*one of 2, 6 with interleaving and duration=2"),
    ({"duration": 3, "reg_bundle_size": 2, "frequency_domain_resources": "11"},
     r"reg_bundle_size=2 is not allowed: .*one of 3, 6 with interleaving and duration=3"),
    ({"interleaver_size": 4}, r"interleaver_size=4 is not allowed: .*one of 2, 3, 6"),
    ({"shift_index": 275}, r"shift_index=275 is not allowed: .*0\.\.274"),
    ({"precoder_granularity": "wideband"}, r"precoder_granularity='wideband' is not allowed"),
    ({"dmrs_scrambling_id": 65536}, r"dmrs_scrambling_id=65536 is not allowed"),
    ({"configured_by_pbch": 1}, r"configured_by_pbch=1 is not allowed"),
    ({"frequency_domain_resources": None, "n_rb": 5, "duration": 1},
     r"n_rb=5 is not allowed with duration=1: N_REG\^CORESET = 5 must be a multiple of 6"),
    # 2 RB groups, 1 symbol: N_REG = 12, L R = 6·6 = 36 does not divide 12 (C = 1/3).
    ({"frequency_domain_resources": "11", "duration": 1, "interleaver_size": 6},
     r"interleaver_size=6 is not allowed with reg_bundle_size=6 and N_REG\^CORESET=12: C"),
])
def test_coreset_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        CoresetConfig(**changes)


_C0 = {"coreset_id": 0, "frequency_domain_resources": None, "n_rb": 48,
       "configured_by_pbch": True}


@pytest.mark.parametrize("changes,match", [
    ({"coreset_id": 1}, r"coreset_id=1 is not allowed with configured_by_pbch=True"),
    ({"cce_reg_mapping": "non-interleaved"}, r"cce_reg_mapping='non-interleaved' is not"),
    ({"reg_bundle_size": 2}, r"reg_bundle_size=2 is not allowed with configured_by_pbch"),
    ({"interleaver_size": 3}, r"interleaver_size=3 is not allowed with configured_by_pbch"),
    ({"shift_index": 3}, r"shift_index=3 is not allowed with configured_by_pbch"),
    ({"dmrs_scrambling_id": 3}, r"dmrs_scrambling_id=3 is not allowed with configured_by"),
    ({"n_rb": 36}, r"n_rb=36 is not allowed: .*one of 24, 48, 96 for CORESET 0.*§13"),
])
def test_coreset0_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        CoresetConfig(**{**_C0, **changes})


def test_bitmap_normalised_and_from_dict():
    cs = CoresetConfig(frequency_domain_resources=(1, 0, 1))
    assert cs.frequency_domain_resources == "101"
    assert cs.n_rb_coreset == 12 and cs.n_cce == 4
    again = CoresetConfig.from_dict(cs.to_dict())
    assert again == cs
    toml_like = CoresetConfig.from_dict({"frequency_domain_resources": [1, 1], "duration": 3,
                                         "reg_bundle_size": 3, "interleaver_size": 3})
    assert toml_like.frequency_domain_resources == "11" and toml_like.n_cce == 6
    with pytest.raises(ConfigError, match="unknown key"):
        CoresetConfig.from_dict({"durration": 2})


def test_bitmap_groups_aligned_to_crb_multiples_of_6():
    """TS 38.213 §10.1: the first group starts at CRB 6 ⌈N_BWP^start / 6⌉."""
    carrier = CarrierConfig(n_size_grid=60, n_start_grid=3)
    bwp = BwpConfig(n_start_bwp=10, n_size_bwp=40)  # CRBs 10..49; first group at CRB 12
    cs = CoresetConfig(frequency_domain_resources="1010", duration=1, reg_bundle_size=2)
    crb = cs.crbs(carrier, bwp)
    assert crb.tolist() == list(range(12, 18)) + list(range(24, 30))
    plan = cs.resolve(carrier, bwp)
    assert plan.rbs.tolist() == (crb - 3).tolist()
    assert plan.dmrs_n_offset == 3  # reference point CRB 0 (§7.4.1.3.2)
    # rb-Offset: groups from N_BWP^start + 1 = CRB 11.
    cs2 = cs.replace(rb_offset=1)
    assert cs2.crbs(carrier, bwp)[0] == 11


def test_contiguous_coreset_and_coreset0_reference_point():
    carrier = CarrierConfig(n_size_grid=106, n_start_grid=5, n_id_cell=123)
    cs = CoresetConfig(**_C0, rb_offset=10)
    plan = cs.resolve(carrier, BwpConfig())
    assert plan.rbs.tolist() == list(range(10, 58))
    assert plan.n_shift == 123 and plan.interleaver_size == 2 and plan.reg_bundle_size == 6
    assert plan.dmrs_n_offset == -10  # reference point: the CORESET's lowest RB
    assert plan.dmrs_n_id == 123
    np.testing.assert_array_equal(plan.cce_regs, cce_regs(96, 6, interleaved=True,
                                                          interleaver_size=2, n_shift=123))


def test_coreset_must_fit_the_bwp():
    carrier = CarrierConfig(n_size_grid=52)
    bwp = BwpConfig(n_start_bwp=0, n_size_bwp=20)  # groups 0..2 fit (RBs 0..17), 3 does not
    CoresetConfig(frequency_domain_resources="111").resolve(carrier, bwp)
    with pytest.raises(ConfigError, match=r"frequency_domain_resources='1111'.*reaches CRB "
                                          r"23; it must lie inside the BWP"):
        CoresetConfig(frequency_domain_resources="1111").resolve(carrier, bwp)
    with pytest.raises(ConfigError, match=r"must lie inside the BWP"):
        CoresetConfig(frequency_domain_resources=None, n_rb=24, rb_offset=30).resolve(
            carrier, BwpConfig())


def test_shift_index_and_scrambling_defaults():
    carrier = CarrierConfig(n_id_cell=500)
    plan = CoresetConfig().resolve(carrier)
    assert plan.n_shift == 500 and plan.dmrs_n_id == 500 and not plan.scrambling_id_configured
    plan = CoresetConfig(shift_index=7, dmrs_scrambling_id=60000).resolve(carrier)
    assert plan.n_shift == 7 and plan.dmrs_n_id == 60000 and plan.scrambling_id_configured
    plan = CoresetConfig(cce_reg_mapping="non-interleaved", shift_index=7).resolve(carrier)
    assert plan.n_shift == 0 and not plan.interleaved
    np.testing.assert_array_equal(plan.cce_regs, np.arange(plan.n_reg).reshape(-1, 6))


# --------------------------------------------------------------------------------------
# SearchSpaceConfig


@pytest.mark.parametrize("changes,match", [
    ({"search_space_id": 40}, r"search_space_id=40 is not allowed: .*0\.\.39"),
    ({"search_space_type": "css"}, r"search_space_type='css' is not allowed"),
    ({"coreset_id": -1}, r"coreset_id=-1 is not allowed"),
    ({"candidates": (1, 2, 3)}, r"candidates=\(1, 2, 3\) is not allowed: .*5 counts"),
    ({"candidates": {3: 1}}, r"candidates=\{3: 1\} is not allowed"),
    ({"candidates": {"x": 1}}, r"candidates=\{'x': 1\} is not allowed"),
    ({"candidates": "11111"}, r"candidates='11111' is not allowed"),
    ({"candidates": (0, 0, 7, 0, 0)}, r"candidates\[L=4\]=7 is not allowed: .*0, 1, 2, 3, 4, "
                                      r"5, 6, 8.*SearchSpace"),
    ({"candidates": (0, 0, 0, 0, 0)}, r"candidates=\(0, 0, 0, 0, 0\) is not allowed: .*at "
                                      r"least one PDCCH candidate"),
    ({"monitoring_periodicity": 3}, r"monitoring_periodicity=3 is not allowed"),
    ({"monitoring_periodicity": 4, "monitoring_offset": 4},
     r"monitoring_offset=4 is not allowed: .*0\.\.3"),
    ({"monitoring_symbols": (3, 3)}, r"monitoring_symbols=\(3, 3\) is not allowed"),
    ({"monitoring_symbols": (14,)}, r"monitoring_symbols=\(14,\) is not allowed"),
    ({"monitoring_symbols": ()}, r"monitoring_symbols=\(\) is not allowed"),
    ({"n_ci": 8}, r"n_ci=8 is not allowed: .*0\.\.7"),
    ({"search_space_type": "common", "n_ci": 1}, r"n_ci=1 is not allowed: .*0 for a common"),
])
def test_search_space_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        SearchSpaceConfig(**changes)


def test_candidates_mapping_normalised():
    ss = SearchSpaceConfig(candidates={1: 2, "16": 1})
    assert ss.candidates == (2, 0, 0, 0, 1)
    assert SearchSpaceConfig.from_dict({"candidates": {"4": 3}}).candidates == (0, 0, 3, 0, 0)
    assert SearchSpaceConfig.from_dict(ss.to_dict()) == ss


def test_monitoring_slots():
    """TS 38.213 §10.1: (n_f N_slot^frame + n_s − o_s) mod k_s = 0."""
    ss = SearchSpaceConfig(monitoring_periodicity=40, monitoring_offset=5)
    assert [s for s in range(20) if ss.is_monitoring_slot(s, 20, frame=0)] == [5]
    assert [s for s in range(20) if ss.is_monitoring_slot(s, 20, frame=1)] == []
    assert [s for s in range(20) if ss.is_monitoring_slot(s, 20, frame=2)] == [5]


# --------------------------------------------------------------------------------------
# PdcchConfig: cross checks


def test_pdcch_config_cross_validation():
    small = CoresetConfig(frequency_domain_resources="11", duration=1, reg_bundle_size=2,
                          interleaver_size=2)  # 12 REGs = 2 CCEs
    with pytest.raises(ConfigError, match=r"search_space.coreset_id=2 is not allowed: .*"
                                          r"coreset_id=1.*§10\.1"):
        PdcchConfig(search_space=SearchSpaceConfig(coreset_id=2))
    with pytest.raises(ConfigError, match=r"candidates\[L=4\]=1 is not allowed: aggregation "
                                          r"level 4 exceeds the CORESET's N_CCE=2.*§10\.1"):
        PdcchConfig(coreset=small, search_space=SearchSpaceConfig(candidates=(0, 0, 1, 0, 0)))
    with pytest.raises(ConfigError, match=r"candidates\[L=1\]=3 is not allowed: at most .* = 2 "
                                          r"distinct candidates"):
        PdcchConfig(coreset=small, search_space=SearchSpaceConfig(candidates=(3, 0, 0, 0, 0)))
    with pytest.raises(ConfigError, match=r"monitoring_symbols=\(0, 12\) is not allowed with "
                                          r"coreset.duration=3"):
        PdcchConfig(coreset=CoresetConfig(duration=3, reg_bundle_size=3, interleaver_size=2),
                    search_space=SearchSpaceConfig(monitoring_symbols=(0, 12)))
    with pytest.raises(ConfigError, match=r"carrier.slot=1 is not allowed: it is not a "
                                          r"monitoring slot"):
        PdcchConfig(carrier=CarrierConfig(slot=1),
                    search_space=SearchSpaceConfig(monitoring_periodicity=2))
    with pytest.raises(ConfigError, match=r"frame=1024 is not allowed"):
        PdcchConfig(frame=1024)
    with pytest.raises(ConfigError, match=r"coreset=.* must be a CoresetConfig"):
        PdcchConfig(coreset={"duration": 1})
    with pytest.raises(ConfigError, match=r"must lie inside the BWP"):
        PdcchConfig(bwp=BwpConfig(n_size_bwp=12))


def test_pdcch_config_from_dict_and_candidates():
    cfg = PdcchConfig.from_dict({
        "carrier": {"n_size_grid": 52, "slot": 7},
        "coreset": {"frequency_domain_resources": "111111", "duration": 1,
                    "cce_reg_mapping": "non-interleaved"},
        "search_space": {"candidates": [0, 2, 1, 0, 0]},
    })
    assert cfg.plan.n_cce == 6
    c = cfg.candidates(1234)
    assert c.level.tolist() == [2, 2, 4] and c.m.tolist() == [0, 1, 0]
    y = 1234 * pow(39829, 8, 65537) % 65537  # p = 1: A_1 = 39829; slot 7: 8 steps
    assert c.first_cce.tolist() == [2 * ((y + 0) % 3), 2 * ((y + 1) % 3), 4 * (y % 1)]
    assert cfg.first_cce(1234, 2, 1) == 2 * ((y + 1) % 3)


def test_first_cce_and_scrambling_ids_validation():
    cfg = PdcchConfig()
    with pytest.raises(ConfigError, match=r"aggregation_level=1 is not allowed: the search "
                                          r"space monitors no candidate of level 1"):
        cfg.first_cce(5, 1, 0)
    with pytest.raises(ConfigError, match=r"aggregation_level=3 is not allowed"):
        cfg.first_cce(5, 3, 0)
    with pytest.raises(ConfigError, match=r"candidate=2 is not allowed: .*0\.\.1"):
        cfg.first_cce(5, 4, 2)
    with pytest.raises(ConfigError, match=r"rnti=0 is not allowed: .*1\.\.65535 \(the C-RNTI"):
        cfg.first_cce(0, 4, 0)
    assert cfg.scrambling_ids(77) == (1, 0)
    uss = PdcchConfig(coreset=CoresetConfig(dmrs_scrambling_id=999))
    assert uss.scrambling_ids(77) == (999, 77)
    css = uss.replace(search_space=SearchSpaceConfig(search_space_type="common"))
    assert css.scrambling_ids(77) == (999, 0)
    with pytest.raises(ConfigError, match=r"rnti=65536 is not allowed"):
        cfg.scrambling_ids(65536)


def test_geometry_regs_validation():
    plan = PdcchConfig().plan  # 16 CCEs
    assert plan.regs([0, 8], 8).shape == (2, 48)
    np.testing.assert_array_equal(plan.regs(3, 1), plan.cce_regs[3])
    with pytest.raises(ConfigError, match=r"aggregation_level=3 is not allowed"):
        plan.regs(0, 3)
    with pytest.raises(ConfigError, match=r"first_cce=9 is not allowed: .*0\.\.8 \(N_CCE − L"):
        plan.regs(9, 8)
