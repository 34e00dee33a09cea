"""PUCCH resource configurations: defaults, resolution, from_dict, validation branches.

TS 38.213 §9.2.1, TS 38.331 PUCCH-Resource / PUCCH-format0..4, TS 38.211 §6.3.2.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.config import BwpConfig, CarrierConfig
from nrlink.config.pucch import (
    PUCCH_CONFIGS,
    PucchFormat0Config,
    PucchFormat1Config,
    PucchFormat2Config,
    PucchFormat3Config,
    PucchFormat4Config,
    pucch_config_from_dict,
)
from nrlink.errors import ConfigError
from nrlink.spec.ts38211.pucch import pucch_e_tot, pucch_masks

CARRIER = CarrierConfig(n_size_grid=52, n_start_grid=10, n_id_cell=321, slot=7)
BWP = BwpConfig(n_start_bwp=20, n_size_bwp=24)


def test_defaults_per_format():
    for fmt, cls in PUCCH_CONFIGS.items():
        cfg = cls()
        res = cfg.resource
        assert cfg.pucch_format == fmt == res.pucch_format
        assert res.num_symbols == (1 if fmt in (0, 2) else 14)
        assert res.n_id_hopping == cfg.carrier.n_id_cell
        assert not cfg.hopping and res.second_hop_prb is None


def test_resolution_to_carrier_coordinates():
    cfg = PucchFormat3Config(carrier=CARRIER, bwp=BWP, starting_prb=3, second_hop_prb=18,
                             num_prbs=6, num_symbols=10, additional_dmrs=True, pi2_bpsk=True,
                             n_rnti=77, group_hopping="enable")
    res = cfg.resource
    assert (res.prb_start, res.second_hop_prb) == (13, 28)  # BWP starts at CRB 20, carrier 10
    assert (res.n_size_grid, res.n_start_grid, res.n_slot) == (52, 10, 7)
    assert (res.n_id, res.n_id_hopping, res.n_rnti, res.n_prb) == (321, 321, 77, 6)
    assert res.additional_dmrs and res.pi2_bpsk and res.group_hopping == "enable"
    assert cfg.hopping and cfg.e_tot == pucch_e_tot(res) == 12 * 6 * 6
    data, _ = pucch_masks(res)
    assert np.flatnonzero(data[0])[0] == 12 * 13  # symbol 0 carries UCI (DM-RS on 1, 3, 6, 8)


def test_identity_overrides():
    f2 = PucchFormat2Config(carrier=CARRIER, n_id=5, dmrs_scrambling_id=40000, num_prbs=3)
    assert (f2.resource.n_id, f2.resource.n_id_0) == (5, 40000)
    assert PucchFormat2Config(carrier=CARRIER).resource.n_id_0 == 321
    f0 = PucchFormat0Config(carrier=CARRIER, hopping_id=1000, initial_cyclic_shift=11)
    assert f0.resource.n_id_hopping == 1000 and f0.resource.initial_cyclic_shift == 11
    f4 = PucchFormat4Config(occ_length=4, occ_index=3, num_symbols=4)
    assert (f4.resource.occ_length, f4.resource.occ_index) == (4, 3)
    assert f4.e_tot == 24 * 3 // 4
    f1 = PucchFormat1Config(num_symbols=14, time_domain_occ=6)
    assert f1.resource.time_domain_occ == 6


def test_from_dict_round_trip():
    data = {"format": 1, "carrier": {"n_size_grid": 24, "n_id_cell": 9}, "starting_prb": 2,
            "second_hop_prb": 20, "num_symbols": 10, "time_domain_occ": 1,
            "group_hopping": "disable", "hopping_id": 3}
    cfg = pucch_config_from_dict(data)
    assert isinstance(cfg, PucchFormat1Config)
    assert cfg.resource.n_id_hopping == 3 and cfg.resource.second_hop_prb == 20
    again = PucchFormat1Config.from_dict(cfg.to_dict())
    assert again == cfg and again.resource == cfg.resource
    assert pucch_config_from_dict({"format": 4, "occ_length": 4}).resource.occ_length == 4
    with pytest.raises(ConfigError, match="did you mean"):
        PucchFormat2Config.from_dict({"num_prb": 2})
    with pytest.raises(ConfigError, match="unknown key"):
        PucchFormat0Config.from_dict({"time_domain_occ": 1})  # a format 1 field


@given(fmt=st.integers(0, 4), start=st.integers(0, 30), size=st.integers(1, 40),
       prb=st.integers(0, 45), hop=st.one_of(st.none(), st.integers(0, 45)),
       sym=st.integers(0, 13), num=st.integers(1, 14))
@settings(max_examples=60, deadline=None)
def test_resource_inside_bwp_and_slot_or_refused(fmt, start, size, prb, hop, sym, num):
    carrier = CarrierConfig(n_size_grid=52, n_start_grid=0)
    bwp = BwpConfig(n_start_bwp=start, n_size_bwp=size)
    cls = PUCCH_CONFIGS[fmt]
    kw = {"num_prbs": 2} if fmt in (2, 3) else {}
    try:
        cfg = cls(carrier=carrier, bwp=bwp, starting_prb=prb, second_hop_prb=hop,
                  start_symbol=sym, num_symbols=num, **kw)
    except ConfigError:
        n_prb = kw.get("num_prbs", 1)
        ok_bwp = start + size <= 52 and prb + n_prb <= size and (
            hop is None or hop + n_prb <= size)
        ok_len = (1 <= num <= 2) if fmt in (0, 2) else (4 <= num <= 14)
        assert not (ok_bwp and ok_len and sym + num <= 14
                    and not (hop is not None and num == 1))
        return
    res = cfg.resource
    data, dmrs = pucch_masks(res)
    used = np.flatnonzero((data | dmrs).any(axis=0)) // 12
    assert used.min() >= start and used.max() < start + size
    rows = np.flatnonzero((data | dmrs).any(axis=1))
    assert rows.min() == sym and rows.max() == sym + num - 1


@pytest.mark.parametrize("cls, kw, match", [
    (PucchFormat0Config, {"carrier": "c"}, "carrier="),
    (PucchFormat0Config, {"bwp": {}}, "bwp="),
    (PucchFormat0Config, {"bwp": BwpConfig(n_start_bwp=50, n_size_bwp=10)}, "BWP"),
    (PucchFormat0Config, {"bwp": BWP, "carrier": CARRIER, "starting_prb": 24}, "starting_prb"),
    (PucchFormat3Config, {"bwp": BWP, "carrier": CARRIER, "num_prbs": 4, "starting_prb": 21},
     "starting_prb"),
    (PucchFormat1Config, {"bwp": BWP, "carrier": CARRIER, "second_hop_prb": 24},
     "second_hop_prb"),
    (PucchFormat0Config, {"hopping_id": 1024}, "hopping_id"),
    (PucchFormat0Config, {"num_symbols": 3}, "num_symbols"),
    (PucchFormat0Config, {"initial_cyclic_shift": -1}, "initial_cyclic_shift"),
    (PucchFormat0Config, {"num_symbols": 1, "second_hop_prb": 4}, "second_hop_prb"),
    (PucchFormat0Config, {"start_symbol": 13, "num_symbols": 2}, "start_symbol"),
    (PucchFormat0Config, {"group_hopping": "yes"}, "group_hopping"),
    (PucchFormat1Config, {"num_symbols": 2}, "num_symbols"),
    (PucchFormat1Config, {"num_symbols": 4, "time_domain_occ": 2}, "time_domain_occ"),
    (PucchFormat2Config, {"num_prbs": 0}, "n_prb"),
    (PucchFormat2Config, {"n_id": 1024}, "n_id="),
    (PucchFormat2Config, {"n_rnti": -1}, "n_rnti"),
    (PucchFormat2Config, {"dmrs_scrambling_id": 65536}, "dmrs_scrambling_id"),
    (PucchFormat3Config, {"num_prbs": 7}, "n_prb=7"),
    (PucchFormat3Config, {"pi2_bpsk": 1}, "pi2_bpsk"),
    (PucchFormat3Config, {"additional_dmrs": "yes"}, "additional_dmrs"),
    (PucchFormat4Config, {"occ_length": 1}, "occ_length"),
    (PucchFormat4Config, {"occ_index": 2}, "occ_index"),
    (PucchFormat4Config, {"num_symbols": 15}, "num_symbols"),
])
def test_raises(cls, kw, match):
    with pytest.raises(ConfigError, match=match):
        cls(**kw)


def test_from_dict_raises():
    with pytest.raises(ConfigError, match="'format'"):
        pucch_config_from_dict({"num_prbs": 2})
    with pytest.raises(ConfigError, match="'format'"):
        pucch_config_from_dict([("format", 1)])
    with pytest.raises(ConfigError, match="format=5"):
        pucch_config_from_dict({"format": 5})


def test_replace_revalidates():
    cfg = PucchFormat2Config(num_prbs=2)
    assert cfg.replace(num_prbs=3).e_tot == 48
    with pytest.raises(ConfigError, match="n_prb"):
        cfg.replace(num_prbs=17)
