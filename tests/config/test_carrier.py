"""CarrierConfig and BwpConfig: validation, derived numerology, BWP resolution (TS 38.211 §4)."""

import pytest

from nrlink.config import BwpConfig, CarrierConfig, PdschConfig, PuschConfig
from nrlink.errors import ConfigError

# --------------------------------------------------------------------------------------
# CarrierConfig: one raise-test per validation branch


@pytest.mark.parametrize("changes,match", [
    ({"scs_khz": 45}, r"scs_khz=45 is not allowed: .*15, 30, 60, 120, 240, 480, 960.*Table 4\.2-1"),
    ({"scs_khz": 7.5}, r"scs_khz=7\.5 is not allowed"),
    ({"scs_khz": True}, r"scs_khz=True is not allowed"),
    ({"scs_khz": "30"}, r"scs_khz='30' is not allowed"),
    ({"cyclic_prefix": "long"}, r"cyclic_prefix='long' is not allowed.*'normal', or 'extended'"
                                r".*TS 38\.211 §4\.2"),
    ({"cyclic_prefix": None}, r"cyclic_prefix=None is not allowed"),
    ({"n_size_grid": 0}, r"n_size_grid=0 is not allowed: .*1\.\.275.*TS 38\.211 §4\.4\.2"),
    ({"n_size_grid": 276}, r"n_size_grid=276 is not allowed: .*1\.\.275"),
    ({"n_size_grid": 10.0}, r"n_size_grid=10\.0 is not allowed"),
    ({"n_start_grid": -1}, r"n_start_grid=-1 is not allowed: .*0\.\.2199.*TS 38\.211 §4\.4\.2"),
    ({"n_start_grid": 2200}, r"n_start_grid=2200 is not allowed: .*0\.\.2199"),
    ({"n_id_cell": 1008}, r"n_id_cell=1008 is not allowed: .*0\.\.1007.*TS 38\.211 §7\.4\.2\.1"),
    ({"n_id_cell": -1}, r"n_id_cell=-1 is not allowed"),
    ({"slot": 20}, r"slot=20 is not allowed: .*0\.\.19.*mu=1.*TS 38\.211 §4\.3\.2"),
    ({"slot": -1}, r"slot=-1 is not allowed"),
    ({"scs_khz": 15, "slot": 10}, r"slot=10 is not allowed: .*0\.\.9"),
    ({"scs_khz": 120, "slot": 80}, r"slot=80 is not allowed: .*0\.\.79"),
])
def test_carrier_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        CarrierConfig(**changes)


@pytest.mark.parametrize("scs", [15, 30, 120, 240, 480, 960])
def test_extended_cp_only_with_60_khz(scs):
    """Table 4.2-1: extended CP exists for μ = 2 (60 kHz) only."""
    with pytest.raises(ConfigError, match=rf"cyclic_prefix='extended' is not allowed with "
                                          rf"scs_khz={scs}: .*60 kHz.*Table 4\.2-1"):
        CarrierConfig(scs_khz=scs, cyclic_prefix="extended")


def test_extended_cp_with_60_khz_has_12_symbols():
    c = CarrierConfig(scs_khz=60, cyclic_prefix="extended", n_size_grid=10)
    assert (c.mu, c.n_symb_slot, c.n_sc) == (2, 12, 120)


# --------------------------------------------------------------------------------------
# CarrierConfig: behaviour


def test_carrier_defaults():
    c = CarrierConfig()
    assert (c.scs_khz, c.cyclic_prefix, c.n_size_grid, c.n_start_grid, c.n_id_cell, c.slot) == (
        30, "normal", 52, 0, 1, 0)
    assert (c.mu, c.n_symb_slot, c.n_sc) == (1, 14, 624)


@pytest.mark.parametrize("scs,mu", [(15, 0), (30, 1), (60, 2), (120, 3), (240, 4), (480, 5),
                                    (960, 6)])
def test_numerology_and_last_slot(scs, mu):
    last = 10 * 2**mu - 1  # slots per frame − 1 (Tables 4.3.2-1)
    c = CarrierConfig(scs_khz=scs, slot=last, n_size_grid=275, n_start_grid=2199,
                      n_id_cell=1007)
    assert (c.mu, c.n_symb_slot, c.n_sc) == (mu, 14, 3300)


def test_carrier_is_frozen_hashable_and_compares_by_value():
    a, b = CarrierConfig(n_size_grid=24), CarrierConfig(n_size_grid=24)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != CarrierConfig(n_size_grid=25)
    with pytest.raises(AttributeError):
        a.n_size_grid = 3  # frozen


def test_carrier_replace_revalidates():
    c = CarrierConfig(scs_khz=60, cyclic_prefix="extended")
    assert c.replace(slot=39).slot == 39
    with pytest.raises(ConfigError, match=r"cyclic_prefix='extended' is not allowed with "
                                          r"scs_khz=30"):
        c.replace(scs_khz=30)
    with pytest.raises(ConfigError, match=r"slot=40"):
        c.replace(slot=40)


def test_carrier_dict_round_trip():
    c = CarrierConfig(scs_khz=120, n_size_grid=66, n_start_grid=3, n_id_cell=500, slot=7)
    assert CarrierConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ConfigError, match=r"n_size_grd: unknown key for CarrierConfig.*did you "
                                          r"mean 'n_size_grid'"):
        CarrierConfig.from_dict({"n_size_grd": 3})


# --------------------------------------------------------------------------------------
# BwpConfig


@pytest.mark.parametrize("changes,match", [
    ({"n_start_bwp": -1}, r"bwp\.n_start_bwp=-1 is not allowed: .*0\.\.2474.*TS 38\.211 §4\.4\.5"),
    ({"n_start_bwp": 2475}, r"bwp\.n_start_bwp=2475 is not allowed"),
    ({"n_start_bwp": 1.5}, r"bwp\.n_start_bwp=1\.5 is not allowed"),
    ({"n_size_bwp": 0}, r"bwp\.n_size_bwp=0 is not allowed: .*1\.\.275.*TS 38\.211 §4\.4\.5"),
    ({"n_size_bwp": 276}, r"bwp\.n_size_bwp=276 is not allowed"),
    ({"n_size_bwp": "10"}, r"bwp\.n_size_bwp='10' is not allowed"),
])
def test_bwp_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        BwpConfig(**changes)


def test_bwp_defaults_span_the_carrier():
    c = CarrierConfig(n_size_grid=52, n_start_grid=10)
    assert BwpConfig().resolve(c) == (10, 52)
    assert BwpConfig(n_start_bwp=20).resolve(c) == (20, 42)  # to the end of the carrier
    assert BwpConfig(n_size_bwp=5).resolve(c) == (10, 5)
    assert BwpConfig(n_start_bwp=61, n_size_bwp=1).resolve(c) == (61, 1)  # last CRB


@pytest.mark.parametrize("bwp,match", [
    (BwpConfig(n_start_bwp=9, n_size_bwp=5), r"bwp\.n_start_bwp=9, bwp\.n_size_bwp=5 is not "
                                              r"allowed: the BWP \(CRBs 9\.\.13\)"),
    (BwpConfig(n_start_bwp=60, n_size_bwp=3), r"bwp\.n_start_bwp=60, bwp\.n_size_bwp=3"),
    (BwpConfig(n_size_bwp=53), r"bwp\.n_size_bwp=53 is not allowed"),
    (BwpConfig(n_start_bwp=62), r"bwp\.n_start_bwp=62, bwp\.n_size_bwp=0"),  # past the end
])
def test_bwp_outside_carrier(bwp, match):
    c = CarrierConfig(n_size_grid=52, n_start_grid=10)
    tail = r".*must lie inside the carrier \(CRBs 10\.\.61\).*§4\.4\.5"
    with pytest.raises(ConfigError, match=match + tail):
        bwp.resolve(c)


@pytest.mark.parametrize("cls", [PuschConfig, PdschConfig])
def test_channel_rejects_bwp_outside_carrier(cls):
    c = CarrierConfig(n_size_grid=24, n_start_grid=100)
    with pytest.raises(ConfigError, match=r"bwp\.n_start_bwp=120, bwp\.n_size_bwp=10 .*inside "
                                          r"the carrier"):
        cls(carrier=c, bwp=BwpConfig(n_start_bwp=120, n_size_bwp=10))
    with pytest.raises(ConfigError, match=r"bwp\.n_start_bwp=99"):
        cls(carrier=c, bwp=BwpConfig(n_start_bwp=99))


@pytest.mark.parametrize("cls", [PuschConfig, PdschConfig])
def test_channel_allocation_is_placed_in_the_bwp(cls):
    """PRBs are relative to the BWP; the plan indexes the carrier grid (§4.4.4.4)."""
    c = CarrierConfig(n_size_grid=24, n_start_grid=100)
    cfg = cls(carrier=c, bwp=BwpConfig(n_start_bwp=108, n_size_bwp=10), prb_start=2, n_prb=4)
    res = cfg.resources
    assert (res.n_start_bwp, res.n_size_bwp) == (108, 10)
    assert res.prbs.tolist() == [10, 11, 12, 13]
    cols = res.allocation.any(axis=0)
    assert cols.nonzero()[0].tolist() == list(range(120, 168))
    # n_prb=None: to the end of the BWP
    assert cfg.replace(n_prb=None).resources.prbs.tolist() == list(range(10, 18))


def test_bwp_hash_and_round_trip():
    b = BwpConfig(n_start_bwp=3, n_size_bwp=7)
    assert b == BwpConfig(n_start_bwp=3, n_size_bwp=7) and hash(b) == hash(
        BwpConfig(n_start_bwp=3, n_size_bwp=7))
    assert BwpConfig.from_dict(b.to_dict()) == b
    assert BwpConfig.from_dict({}) == BwpConfig()
