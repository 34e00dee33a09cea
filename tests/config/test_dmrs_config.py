"""DmrsConfig and PtrsConfig: validation, port selection, scrambling identities.

TS 38.211 §7.4.1.1 / §6.4.1.1 (DM-RS), §7.4.1.2 / §6.4.1.2 (PT-RS); TS 38.214 §5.1.6.
"""

import pytest

from nrlink.config import CarrierConfig, DmrsConfig, PdschConfig, PtrsConfig, PuschConfig
from nrlink.errors import ConfigError

# --------------------------------------------------------------------------------------
# DmrsConfig: one raise-test per validation branch


@pytest.mark.parametrize("changes,match", [
    ({"config_type": 3}, r"dmrs\.config_type=3 is not allowed: .*1 or 2.*§7\.4\.1\.1\.2"),
    ({"config_type": "1"}, r"dmrs\.config_type='1' is not allowed"),
    ({"length": 3}, r"dmrs\.length=3 is not allowed: .*1 or 2"),
    ({"length": 0}, r"dmrs\.length=0 is not allowed"),
    ({"additional_position": 4}, r"dmrs\.additional_position=4 is not allowed: .*0, 1, 2, 3"),
    ({"additional_position": -1}, r"dmrs\.additional_position=-1 is not allowed"),
    ({"type_a_position": 1}, r"dmrs\.type_a_position=1 is not allowed: .*2 or 3"
                             r".*TS 38\.211 §7\.4\.1\.1\.2"),
    ({"type_a_position": 4}, r"dmrs\.type_a_position=4 is not allowed"),
    ({"num_cdm_groups_without_data": 3}, r"dmrs\.num_cdm_groups_without_data=3 is not allowed: "
                                         r".*1\.\.2 for configuration type 1.*TS 38\.214"),
    ({"config_type": 2, "num_cdm_groups_without_data": 4},
     r"dmrs\.num_cdm_groups_without_data=4 is not allowed: .*1\.\.3 for configuration type 2"),
    ({"num_cdm_groups_without_data": 0}, r"dmrs\.num_cdm_groups_without_data=0 is not allowed"),
    ({"ports": ()}, r"dmrs\.ports=\(\) is not allowed: .*non-empty tuple"),
    ({"ports": [0]}, r"dmrs\.ports=\[0\] is not allowed: .*non-empty tuple"),
    ({"ports": 0}, r"dmrs\.ports=0 is not allowed"),
    ({"ports": (0, 0)}, r"dmrs\.ports=\(0, 0\) is not allowed: ports must be distinct"),
    ({"ports": (-1,)}, r"dmrs\.ports=-1 is not allowed: .*0\.\.3"),
    ({"ports": (1.0,)}, r"dmrs\.ports=1\.0 is not allowed"),
    ({"n_id_0": 65536}, r"dmrs\.n_id_0=65536 is not allowed: .*0\.\.65535.*§7\.4\.1\.1\.1"),
    ({"n_id_1": -1}, r"dmrs\.n_id_1=-1 is not allowed: .*0\.\.65535"),
    ({"n_scid": 2}, r"dmrs\.n_scid=2 is not allowed: .*0 or 1"),
    ({"n_id_pusch": 1008}, r"dmrs\.n_id_pusch=1008 is not allowed: .*0\.\.1007"
                           r".*§6\.4\.1\.1\.1\.2"),
    ({"group_hopping": 1}, r"dmrs\.group_hopping=1 is not allowed: .*True or False"),
    ({"sequence_hopping": "no"}, r"dmrs\.sequence_hopping='no' is not allowed"),
    ({"group_hopping": True, "sequence_hopping": True},
     r"dmrs\.group_hopping=True with dmrs\.sequence_hopping=True is not allowed: at most one"),
])
def test_dmrs_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        DmrsConfig(**changes)


@pytest.mark.parametrize("config_type,length,n_ports", [(1, 1, 4), (1, 2, 8), (2, 1, 6),
                                                        (2, 2, 12)])
def test_dmrs_port_index_range(config_type, length, n_ports):
    """Ports 0..P−1 of Tables 7.4.1.1.2-1/-2 (single-symbol: the l' = 0 half only)."""
    ok = DmrsConfig(config_type=config_type, length=length, ports=tuple(range(n_ports)),
                    num_cdm_groups_without_data=config_type + 1)
    assert ok.port_indices(n_ports) == tuple(range(n_ports))
    with pytest.raises(ConfigError, match=rf"dmrs\.ports={n_ports} is not allowed: .*port "
                                          rf"indices in 0\.\.{n_ports - 1} for configuration "
                                          rf"type {config_type} with length {length}"):
        DmrsConfig(config_type=config_type, length=length, ports=(0, n_ports))


def test_dmrs_defaults():
    d = DmrsConfig()
    assert (d.config_type, d.length, d.additional_position, d.type_a_position,
            d.num_cdm_groups_without_data, d.ports, d.n_scid) == (1, 1, 1, 2, 2, None, 0)
    assert not d.group_hopping and not d.sequence_hopping
    DmrsConfig(group_hopping=True)  # one of them alone is fine
    DmrsConfig(sequence_hopping=True)


# --------------------------------------------------------------------------------------
# DmrsConfig: port selection and scrambling identity


def test_port_indices_default_and_explicit():
    assert DmrsConfig().port_indices(3) == (0, 1, 2)
    assert DmrsConfig(ports=(3, 1)).port_indices(2) == (3, 1)
    assert DmrsConfig(config_type=2, length=2).port_indices(12) == tuple(range(12))


@pytest.mark.parametrize("config_type,length,n_ports", [(1, 1, 4), (1, 2, 8), (2, 1, 6)])
def test_port_indices_too_many_layers(config_type, length, n_ports):
    d = DmrsConfig(config_type=config_type, length=length)
    with pytest.raises(ConfigError, match=rf"num_layers={n_ports + 1} is not allowed with "
                                          rf"dmrs\.config_type={config_type}, dmrs\.length="
                                          rf"{length}: at most {n_ports} DM-RS ports"):
        d.port_indices(n_ports + 1)


def test_port_indices_count_must_equal_layers():
    with pytest.raises(ConfigError, match=r"dmrs\.ports=\(0, 1\) is not allowed with "
                                          r"num_layers=1: one DM-RS port per layer"):
        DmrsConfig(ports=(0, 1)).port_indices(1)
    with pytest.raises(ConfigError, match=r"dmrs\.ports=\(0,\) is not allowed with num_layers=2"):
        DmrsConfig(ports=(0,)).port_indices(2)


def test_n_id_follows_n_scid():
    """N_ID^{n_SCID}: scramblingID0/1, else N_ID^cell (§7.4.1.1.1)."""
    assert DmrsConfig().n_id(17) == 17
    assert DmrsConfig(n_id_0=5, n_id_1=6).n_id(17) == 5
    assert DmrsConfig(n_id_0=5, n_id_1=6, n_scid=1).n_id(17) == 6
    assert DmrsConfig(n_id_0=5, n_scid=1).n_id(17) == 17


# --------------------------------------------------------------------------------------
# DM-RS rules checked by the channel configurations (they need the layer count)

_CARRIER = CarrierConfig(n_size_grid=12)


@pytest.mark.parametrize("cls", [PuschConfig, PdschConfig])
def test_channel_ports_count_vs_layers(cls):
    with pytest.raises(ConfigError, match=r"dmrs\.ports=\(0, 1\) is not allowed with "
                                          r"num_layers=1: one DM-RS port per layer"):
        cls(carrier=_CARRIER, dmrs=DmrsConfig(ports=(0, 1)))
    with pytest.raises(ConfigError, match=r"dmrs\.ports=\(0,\) is not allowed with num_layers=2"):
        cls(carrier=_CARRIER, num_layers=2, dmrs=DmrsConfig(ports=(0,)))


def test_pdsch_more_layers_than_ports():
    with pytest.raises(ConfigError, match=r"num_layers=5 is not allowed with dmrs\.config_type=1,"
                                          r" dmrs\.length=1: at most 4 DM-RS ports"):
        PdschConfig(carrier=_CARRIER, num_layers=5)
    with pytest.raises(ConfigError, match=r"num_layers=7 is not allowed with dmrs\.config_type=2,"
                                          r" dmrs\.length=1: at most 6 DM-RS ports"):
        PdschConfig(carrier=_CARRIER, num_layers=7,
                    dmrs=DmrsConfig(config_type=2, num_cdm_groups_without_data=3))


def _channel(cls, dmrs, layers):
    """A PUSCH/PDSCH on ``_CARRIER`` (3 PUSCH layers need 4 antenna ports)."""
    extra = {"num_antenna_ports": 4} if cls is PuschConfig and layers == 3 else {}
    return cls(carrier=_CARRIER, num_layers=layers, dmrs=dmrs, **extra)


@pytest.mark.parametrize("cls", [PuschConfig, PdschConfig])
@pytest.mark.parametrize("config_type,ports,n_cdm,used", [
    (1, (2,), 1, 2),        # port 2: CDM group 1
    (1, (0, 2), 1, 2),
    (2, (2,), 1, 2),        # type 2 port 2: CDM group 1
    (2, (4,), 2, 3),        # type 2 port 4: CDM group 2
    (2, (0, 1, 5), 2, 3),
])
def test_cdm_groups_without_data_cover_the_ports(cls, config_type, ports, n_cdm, used):
    """The CDM groups of the scheduled ports carry no data (TS 38.214 §5.1.6.2, §6.2.2)."""
    dmrs = DmrsConfig(config_type=config_type, ports=ports, num_cdm_groups_without_data=n_cdm)
    with pytest.raises(ConfigError, match=rf"dmrs\.num_cdm_groups_without_data={n_cdm} is not "
                                          rf"allowed with dmrs\.ports=.*CDM groups 0\.\.{used - 1}"
                                          rf".*§5\.1\.6\.2"):
        _channel(cls, dmrs, len(ports))
    cfg = _channel(cls, dmrs.replace(num_cdm_groups_without_data=used), len(ports))
    assert cfg.resources.dmrs_ports == ports


@pytest.mark.parametrize("config_type,n_cdm,per_symbol", [(1, 1, 6), (1, 2, 12), (2, 1, 4),
                                                          (2, 2, 8), (2, 3, 12)])
def test_dmrs_overhead_per_prb(config_type, n_cdm, per_symbol):
    """N_DMRS^PRB = DM-RS symbols × REs of the CDM groups without data (§5.1.3.2)."""
    dmrs = DmrsConfig(config_type=config_type, num_cdm_groups_without_data=n_cdm,
                      additional_position=2)
    res = PdschConfig(carrier=_CARRIER, dmrs=dmrs).resources
    assert res.dmrs_symbols == (2, 7, 11)  # Table 7.4.1.1.2-3, l_d = 14, pos2
    assert res.n_dmrs_prb == 3 * per_symbol
    assert res.dmrs_mask.sum() == 3 * per_symbol * 12


# --------------------------------------------------------------------------------------
# PtrsConfig


@pytest.mark.parametrize("changes,match", [
    ({"time_density": 3}, r"ptrs\.time_density=3 is not allowed: .*1, 2, 4 or None"
                          r".*Table 5\.1\.6\.3-1"),
    ({"time_density": 0}, r"ptrs\.time_density=0 is not allowed"),
    ({"frequency_density": 1}, r"ptrs\.frequency_density=1 is not allowed: .*2, 4 or None"
                               r".*Table 5\.1\.6\.3-2"),
    ({"frequency_density": 8}, r"ptrs\.frequency_density=8 is not allowed"),
    ({"time_density": 2, "mcs_thresholds": (10, 17, 23)},
     r"ptrs\.time_density/frequency_density \(forced densities\) cannot be combined with "
     r"ptrs\.mcs_thresholds/n_rb_thresholds.*§5\.1\.6\.3"),
    ({"frequency_density": 4, "n_rb_thresholds": (20, 50)}, r"forced densities\) cannot be "
                                                             r"combined"),
    ({"time_density": 1, "n_rb_thresholds": (20, 50)}, r"cannot be combined"),
    ({"mcs_thresholds": (10, 17)}, r"ptrs\.mcs_thresholds=\(10, 17\) is not allowed: .*tuple of "
                                   r"3 or 4 integers"),
    ({"mcs_thresholds": [10, 17, 23]}, r"ptrs\.mcs_thresholds=\[10, 17, 23\] is not allowed"),
    ({"n_rb_thresholds": (20,)}, r"ptrs\.n_rb_thresholds=\(20,\) is not allowed: .*tuple of 2 "
                                 r"integers"),
    ({"n_rb_thresholds": (1, 2, 3)}, r"ptrs\.n_rb_thresholds=\(1, 2, 3\) is not allowed"),
    ({"resource_element_offset": "offset02"}, r"ptrs\.resource_element_offset='offset02' is not "
                                              r"allowed: .*offset00, offset01, offset10, offset11"),
    ({"epre_ratio": 2}, r"ptrs\.epre_ratio=2 is not allowed: .*0 or 1.*Table 4\.1-2"),
])
def test_ptrs_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        PtrsConfig(**changes)


def test_ptrs_thresholds_values_checked_by_the_channel():
    """Ranges and order of the thresholds are checked with the MCS table (Table 5.1.6.3-1)."""
    c = CarrierConfig(n_size_grid=24)
    with pytest.raises(ConfigError, match=r"thresholds=\[17, 10, 23\] is not allowed: the "
                                          r"thresholds must be non-decreasing"):
        PdschConfig(carrier=c, mcs_index=20, ptrs=PtrsConfig(mcs_thresholds=(17, 10, 23)))
    with pytest.raises(ConfigError, match=r"ptrs-MCS3=30 must be in 0\.\.29"):
        PuschConfig(carrier=c, mcs_index=20, ptrs=PtrsConfig(mcs_thresholds=(10, 17, 30)))
    with pytest.raises(ConfigError, match=r"N_RB0=0 must be in 1\.\.276"):
        PdschConfig(carrier=c, mcs_index=20, ptrs=PtrsConfig(n_rb_thresholds=(0, 5)))


def test_ptrs_densities_follow_ts38214():
    """Table 5.1.6.3-1/-2 from the thresholds; forced densities override."""
    c = CarrierConfig(n_size_grid=24)
    thr = PtrsConfig(mcs_thresholds=(10, 17, 23), n_rb_thresholds=(8, 16))
    for mcs, n_prb, expect in [(5, 24, None), (12, 24, (4, 4)), (20, 12, (2, 2)),
                               (25, 24, (1, 4)), (25, 4, None)]:
        res = PdschConfig(carrier=c, mcs_index=mcs, n_prb=n_prb, ptrs=thr).resources
        assert (None if res.l_ptrs is None else (res.l_ptrs, res.k_ptrs)) == expect
        assert bool(res.ptrs_symbols) == (expect is not None)
        assert res.ptrs_mask.any() == (expect is not None)
    # default PDSCH rule: no PT-RS below I_MCS 10 (Table 5.1.3.1-1) or under 3 RBs
    assert PdschConfig(carrier=c, mcs_index=9, ptrs=PtrsConfig()).resources.l_ptrs is None
    assert PdschConfig(carrier=c, n_prb=2, mcs_index=20, ptrs=PtrsConfig()).resources.l_ptrs \
        is None
    res = PdschConfig(carrier=c, mcs_index=20, ptrs=PtrsConfig()).resources
    assert (res.l_ptrs, res.k_ptrs) == (1, 2)
    forced = PtrsConfig(time_density=4)
    res = PdschConfig(carrier=c, mcs_index=0, n_prb=1, ptrs=forced).resources
    assert (res.l_ptrs, res.k_ptrs) == (4, 2)  # forced: present whatever the MCS
    # L = 1, DM-RS at 2 and 11 (Table 7.4.1.1.2-3): every other symbol of the allocation
    res = PuschConfig(carrier=c, mcs_index=20, ptrs=PtrsConfig()).resources
    assert res.ptrs_symbols == (0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13)
    assert res.ptrs_subcarriers.tolist() == [12 * rb for rb in range(1, 24, 2)]  # n_RNTI = 1


def test_ptrs_dict_round_trip_and_hash():
    p = PtrsConfig(mcs_thresholds=(10, 17, 23), n_rb_thresholds=(20, 50),
                   resource_element_offset="offset10", epre_ratio=1)
    assert PtrsConfig.from_dict(p.to_dict()) == p
    assert PtrsConfig.from_dict({"mcs_thresholds": [10, 17, 23], "n_rb_thresholds": [20, 50],
                                 "resource_element_offset": "offset10", "epre_ratio": 1}) == p
    assert hash(p) == hash(PtrsConfig.from_dict(p.to_dict()))
