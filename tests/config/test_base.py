"""FromDictMixin: from_dict (nested tables, lists → tuples, "did you mean"), replace, to_dict.

These are the mechanics every configuration dataclass shares (``nrlink.config._base``).
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.config import (
    BwpConfig,
    CarrierConfig,
    DmrsConfig,
    PdschConfig,
    PtrsConfig,
    PuschConfig,
    RateMatchPattern,
    TransportBlockConfig,
)
from nrlink.errors import ConfigError

# --------------------------------------------------------------------------------------
# from_dict


def test_from_dict_builds_nested_configs():
    data = {"carrier": {"n_size_grid": 24}, "dmrs": {"config_type": 2, "ports": [0, 1]},
            "num_layers": 2}
    cfg = PuschConfig.from_dict(data)
    assert isinstance(cfg.carrier, CarrierConfig) and isinstance(cfg.dmrs, DmrsConfig)
    assert cfg.dmrs.ports == (0, 1) and isinstance(cfg.dmrs.ports, tuple)
    assert cfg == PuschConfig(carrier=CarrierConfig(n_size_grid=24), num_layers=2,
                              dmrs=DmrsConfig(config_type=2, ports=(0, 1)))
    assert cfg.resources.dmrs_ports == (0, 1)
    assert data == {"carrier": {"n_size_grid": 24},  # the input is left alone
                    "dmrs": {"config_type": 2, "ports": [0, 1]}, "num_layers": 2}


def test_from_dict_optional_nested_and_lists_of_tables():
    cfg = PdschConfig.from_dict({
        "carrier": {"n_size_grid": 24}, "bwp": {"n_start_bwp": 2, "n_size_bwp": 20},
        "prbs": [5, 4, 6], "mcs_index": 20,
        "ptrs": {"mcs_thresholds": [10, 17, 23], "n_rb_thresholds": [1, 2]},
        "reserved": [{"prbs": [2, 3], "symbols": [5]}, {"prbs": [9], "symbols": [6, 7]}],
    })
    assert cfg.bwp == BwpConfig(n_start_bwp=2, n_size_bwp=20)
    assert cfg.prbs == (5, 4, 6) and cfg.resources.prbs.tolist() == [6, 7, 8]
    assert cfg.ptrs == PtrsConfig(mcs_thresholds=(10, 17, 23), n_rb_thresholds=(1, 2))
    assert cfg.reserved == (RateMatchPattern(prbs=(2, 3), symbols=(5,)),
                            RateMatchPattern(prbs=(9,), symbols=(6, 7)))
    assert PdschConfig.from_dict({"ptrs": None}).ptrs is None


def test_from_dict_nested_lists_become_nested_tuples():
    """A TOML array of arrays becomes a tuple of tuples."""
    p = PtrsConfig.from_dict({"mcs_thresholds": [1, 2, 3]})
    assert p.mcs_thresholds == (1, 2, 3)
    with pytest.raises(ConfigError, match=r"dmrs\.ports=\(0, 1\) is not allowed"):
        DmrsConfig.from_dict({"ports": [[0, 1]]})  # ((0, 1),): a port that is a tuple


@pytest.mark.parametrize("cls,data,match", [
    (PuschConfig, {"num_layer": 1}, r"^num_layer: unknown key for PuschConfig \(allowed: "
                                    r"carrier, bwp, .*\); did you mean 'num_layers'\?$"),
    (PuschConfig, {"dmrs": {"confg_type": 2}}, r"^dmrs\.confg_type: unknown key for DmrsConfig "
                                               r"\(allowed: config_type, .*\); did you mean "
                                               r"'config_type'\?$"),
    (PuschConfig, {"carrier": {"n_size_grd": 2}}, r"^carrier\.n_size_grd: unknown key for "
                                                  r"CarrierConfig.*did you mean 'n_size_grid'"),
    (PdschConfig, {"bwp": {"n_start": 2}}, r"^bwp\.n_start: unknown key for BwpConfig"
                                           r".*did you mean 'n_start_bwp'"),
    (PdschConfig, {"ptrs": {"time_densty": 2}}, r"^ptrs\.time_densty: unknown key for PtrsConfig"
                                                r".*did you mean 'time_density'"),
    (PdschConfig, {"reserved": [{"symbols": [1], "prbz": [1]}]},
     r"reserved\[0\]\.prbz: unknown key for RateMatchPattern \(allowed: prbs, symbols\); did you "
     r"mean 'prbs'"),
    (TransportBlockConfig, {"tbss": 100}, r"^tbss: unknown key.*did you mean 'tbs'"),
])
def test_from_dict_rejects_unknown_keys_with_path_and_hint(cls, data, match):
    with pytest.raises(ConfigError, match=match):
        cls.from_dict(data)


def test_from_dict_unknown_key_without_close_match_has_no_hint():
    with pytest.raises(ConfigError, match=r"^zzz: unknown key for CarrierConfig \(allowed: "
                                          r"scs_khz, cyclic_prefix, n_size_grid, n_start_grid, "
                                          r"n_id_cell, slot\)$"):
        CarrierConfig.from_dict({"zzz": 1})


def test_from_dict_rejects_derived_fields():
    """``_resources`` is derived (init=False): not a key of the table."""
    with pytest.raises(ConfigError, match=r"^_resources: unknown key for PuschConfig"):
        PuschConfig.from_dict({"_resources": None})


def test_from_dict_prefixes_a_given_path():
    with pytest.raises(ConfigError, match=r"^link\.pusch\.dmrs\.lenght: unknown key.*did you "
                                          r"mean 'length'"):
        PuschConfig.from_dict({"dmrs": {"lenght": 2}}, path="link.pusch.")


@pytest.mark.parametrize("data,match", [
    ([1, 2], r"^PuschConfig: expected a table \(mapping\) for PuschConfig, got list"),
    ("carrier", r"expected a table \(mapping\) for PuschConfig, got str"),
    (None, r"got NoneType"),
])
def test_from_dict_rejects_non_mappings(data, match):
    with pytest.raises(ConfigError, match=match):
        PuschConfig.from_dict(data)
    with pytest.raises(ConfigError, match=r"^sim\.pusch: expected a table"):
        PuschConfig.from_dict(data, path="sim.pusch")


def test_from_dict_nested_non_mapping_is_a_type_error_of_the_field():
    with pytest.raises(ConfigError, match=r"dmrs=\(1, 2\) is not allowed: dmrs must be a "
                                          r"DmrsConfig"):
        PuschConfig.from_dict({"dmrs": [1, 2]})
    with pytest.raises(ConfigError, match=r"carrier=24 is not allowed"):
        PdschConfig.from_dict({"carrier": 24})


def test_from_dict_values_are_validated():
    with pytest.raises(ConfigError, match=r"dmrs\.config_type=3 is not allowed"):
        PuschConfig.from_dict({"dmrs": {"config_type": 3}})
    with pytest.raises(ConfigError, match=r"n_size_grid=0 is not allowed"):
        PdschConfig.from_dict({"carrier": {"n_size_grid": 0}})
    with pytest.raises(ConfigError, match=r"mcs_table='qam1024' is not allowed for PUSCH"):
        PuschConfig.from_dict({"mcs_table": "qam1024"})


# --------------------------------------------------------------------------------------
# replace


def test_replace_returns_a_validated_copy():
    cfg = PuschConfig(carrier=CarrierConfig(n_size_grid=24))
    new = cfg.replace(num_layers=2, dmrs=cfg.dmrs.replace(ports=(0, 2)))
    assert new.num_layers == 2 and new.resources.dmrs_ports == (0, 2)
    assert cfg.num_layers == 1 and cfg.resources.dmrs_ports == (0,)  # original untouched
    assert cfg.replace() == cfg and cfg.replace() is not cfg


@pytest.mark.parametrize("obj,changes,match", [
    (CarrierConfig(), {"n_id_cell": 1008}, r"n_id_cell=1008"),
    (BwpConfig(), {"n_size_bwp": 0}, r"bwp\.n_size_bwp=0"),
    (DmrsConfig(), {"length": 3}, r"dmrs\.length=3"),
    (PtrsConfig(time_density=2), {"mcs_thresholds": (1, 2, 3)}, r"cannot be combined"),
    (PuschConfig(), {"num_layers": 2, "transform_precoding": True}, r"num_layers=2"),
    (PuschConfig(), {"carrier": CarrierConfig(n_size_grid=4), "n_prb": 5}, r"BWP of 4 PRBs"),
    (PdschConfig(), {"mapping_type": "B"}, r"l_duration=14 is not allowed"),
    (PdschConfig(), {"reserved": (RateMatchPattern(prbs=(99,), symbols=(0,)),)},
     r"inside the grid"),
    (RateMatchPattern(prbs=(1,), symbols=(1,)), {"symbols": ()}, r"reserved\.symbols=\(\)"),
    (TransportBlockConfig(tbs=1000, target_code_rate=0.5, g=2400, qm=2), {"rv": 7}, r"rv=7"),
])
def test_replace_revalidates(obj, changes, match):
    with pytest.raises(ConfigError, match=match):
        obj.replace(**changes)


def test_replace_recomputes_the_resource_plan():
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=24))
    small = cfg.replace(n_prb=4)
    assert len(small.resources.prbs) == 4 and len(cfg.resources.prbs) == 24
    assert small.resources.tbs[0] < cfg.resources.tbs[0]


# --------------------------------------------------------------------------------------
# to_dict and round trips

_EXAMPLES = [
    CarrierConfig(scs_khz=60, cyclic_prefix="extended", n_size_grid=33, n_start_grid=4,
                  n_id_cell=3, slot=17),
    BwpConfig(n_start_bwp=1, n_size_bwp=2),
    DmrsConfig(config_type=2, length=2, ports=(5, 7), n_id_0=9, n_id_1=10, n_scid=1),
    PtrsConfig(time_density=4, resource_element_offset="offset11"),
    PuschConfig(carrier=CarrierConfig(n_size_grid=20), bwp=BwpConfig(n_start_bwp=5),
                num_layers=2, num_antenna_ports=4, tpmi=7, mcs_table="qam256", mcs_index=11,
                dmrs=DmrsConfig(ports=(0, 2), num_cdm_groups_without_data=2),
                ptrs=None, n_id=5, x_overhead=6, rv=2, lbrm=True),
    PuschConfig(carrier=CarrierConfig(n_size_grid=25), transform_precoding=True,
                mcs_table="tp-qam64LowSE", tp_pi2bpsk=True, mcs_index=1, num_antenna_ports=2,
                tpmi=4),
    PuschConfig(carrier=CarrierConfig(n_size_grid=10), mcs_index=20,
                ptrs=PtrsConfig(mcs_thresholds=(5, 10, 15), n_rb_thresholds=(2, 4))),
    PdschConfig(carrier=CarrierConfig(scs_khz=15, n_size_grid=40), prbs=(3, 1, 9),
                mapping_type="B", start_symbol=2, num_symbols=9, num_layers=6,
                dmrs=DmrsConfig(config_type=2, num_cdm_groups_without_data=3),
                mcs_table="qam1024", mcs_index=4, tb_scaling=0.5),
    TransportBlockConfig(tbs=1000, target_code_rate=0.5, g=2400, qm=2, rv=1),
]


@pytest.mark.parametrize("cfg", _EXAMPLES, ids=lambda c: type(c).__name__)
def test_to_dict_from_dict_round_trip(cfg):
    d = cfg.to_dict()
    assert "_resources" not in d
    assert type(cfg).from_dict(d) == cfg
    # a TOML/JSON file: only plain values (tuples become lists on the way)
    assert type(cfg).from_dict(json.loads(json.dumps(d))) == cfg


def test_to_dict_nests_mappings():
    d = _EXAMPLES[4].to_dict()
    assert d["carrier"] == CarrierConfig(n_size_grid=20).to_dict()
    assert d["bwp"] == {"n_start_bwp": 5, "n_size_bwp": None}
    assert d["dmrs"]["ports"] == (0, 2) and d["ptrs"] is None
    assert set(d) == {"carrier", "bwp", "mapping_type", "start_symbol", "num_symbols",
                      "prb_start", "n_prb", "mcs_index", "mcs_table", "tp_pi2bpsk",
                      "num_layers", "num_antenna_ports", "precoding", "tpmi",
                      "transform_precoding", "dmrs", "ptrs", "n_rnti", "n_id", "x_overhead",
                      "rv", "lbrm", "lbrm_max_layers", "lbrm_max_bwp_prb"}


@settings(max_examples=60, deadline=None)
@given(n_size_grid=st.integers(4, 275), n_id_cell=st.integers(0, 1007), slot=st.integers(0, 19),
       mcs_index=st.integers(0, 24), n_rnti=st.integers(0, 65535),
       n_id=st.none() | st.integers(0, 1023), rv=st.integers(0, 3), lbrm=st.booleans(),
       n_scid=st.integers(0, 1), n_id_0=st.none() | st.integers(0, 65535),
       ptrs=st.sampled_from([None, PtrsConfig(), PtrsConfig(n_rb_thresholds=(5, 50)),
                             PtrsConfig(time_density=2, epre_ratio=1)]),
       pdsch=st.booleans())
def test_property_round_trip_and_hash(n_size_grid, n_id_cell, slot, mcs_index, n_rnti, n_id, rv,
                                      lbrm, n_scid, n_id_0, ptrs, pdsch):
    """from_dict(to_dict(c)) == c and equal configurations hash equal.

    (≥ 4 PRBs and I_MCS ≤ 24 keep every TB within the 0.95 effective code rate, PT-RS or not;
    checked exhaustively once.)
    """
    cls = PdschConfig if pdsch else PuschConfig
    if not pdsch and ptrs is not None and ptrs.epre_ratio:
        ptrs = ptrs.replace(epre_ratio=0)  # epre-Ratio is PDSCH-only
    cfg = cls(carrier=CarrierConfig(n_size_grid=n_size_grid, n_id_cell=n_id_cell, slot=slot),
              mcs_index=mcs_index, n_rnti=n_rnti, n_id=n_id, rv=rv, lbrm=lbrm, ptrs=ptrs,
              dmrs=DmrsConfig(n_scid=n_scid, n_id_0=n_id_0))
    again = cls.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg and hash(again) == hash(cfg) and {cfg: 1}[again] == 1
    assert again.resources.tbs == cfg.resources.tbs
    assert (again.resources.data_mask == cfg.resources.data_mask).all()


# --------------------------------------------------------------------------------------
# Equality and hashing


def test_configs_are_hashable_value_objects():
    a = PdschConfig(carrier=CarrierConfig(n_size_grid=24), prbs=(1, 2),
                    reserved=(RateMatchPattern(prbs=(1,), symbols=(3,)),))
    b = PdschConfig.from_dict({"carrier": {"n_size_grid": 24}, "prbs": [1, 2],
                               "reserved": [{"prbs": [1], "symbols": [3]}]})
    assert a == b and hash(a) == hash(b)
    assert a.resources is not b.resources  # the plan is derived, not compared
    cache = {a: "plan"}
    assert cache[b] == "plan"
    assert a != a.replace(n_rnti=2) and a != PuschConfig(carrier=a.carrier)
    for obj in _EXAMPLES:
        assert obj == type(obj).from_dict(obj.to_dict()) and isinstance(hash(obj), int)


def test_configs_are_frozen():
    for obj in _EXAMPLES:
        name = next(iter(obj.to_dict()))
        with pytest.raises(AttributeError):
            setattr(obj, name, None)


# --------------------------------------------------------------------------------------
# Regression tests of bugs found while writing these tests


def test_to_dict_converts_reserved_patterns_to_mappings():
    cfg = PdschConfig(carrier=CarrierConfig(n_size_grid=24),
                      reserved=(RateMatchPattern(prbs=(1, 2), symbols=(3,)),))
    d = cfg.to_dict()
    assert d["reserved"] == ({"prbs": (1, 2), "symbols": (3,)},)
    assert PdschConfig.from_dict(json.loads(json.dumps(d))) == cfg


def test_reserved_unknown_key_keeps_the_outer_path():
    with pytest.raises(ConfigError, match=r"^link\.pdsch\.reserved.*prbz: unknown key"):
        PdschConfig.from_dict({"reserved": [{"prbz": [1], "symbols": [2]}]},
                              path="link.pdsch.")
