"""TdlConfig: validation, test-profile names, scaled delays, powers and K-factor.

TR 38.901 §7.7.2 (Tables 7.7.2-1..5), §7.7.3 (delay scaling), §7.7.6 (K-factor);
TS 38.101-4 Annex B.2 / TS 38.104 Annex G.2 (test profiles and channel names).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.config.tdl import TDL_MODELS, TDL_TEST_PROFILES, TdlConfig
from nrlink.errors import ConfigError
from nrlink.spec.tables import tr38901_table
from nrlink.spec.tr38901 import rms_delay_spread

# --------------------------------------------------------------------------------------
# One raise-test per validation branch


@pytest.mark.parametrize("changes,match", [
    ({"model": "TDL-F"}, r"model='TDL-F' is not allowed: model must be one of TDL-A, .*TDLD30"
                         r".*TR 38\.901 §7\.7\.2"),
    ({"model": None}, r"model=None is not allowed"),
    ({"model": "TDL-A"}, r"delay_spread_ns=None is not allowed with model='TDL-A': .*\(0, "
                         r"100000\] ns.*TR 38\.901 §7\.7\.3"),
    ({"model": "TDL-A", "delay_spread_ns": 1e300}, r"delay_spread_ns=1e\+300 is not allowed"),
    ({"model": "TDL-B", "delay_spread_ns": -30.0}, r"delay_spread_ns=-30\.0 is not allowed"),
    ({"model": "TDL-B", "delay_spread_ns": 0}, r"delay_spread_ns=0 is not allowed"),
    ({"model": "TDL-C", "delay_spread_ns": math.nan}, r"delay_spread_ns=nan is not allowed"),
    ({"model": "TDL-C", "delay_spread_ns": True}, r"delay_spread_ns=True is not allowed"),
    ({"model": "TDL-C", "delay_spread_ns": "300"}, r"delay_spread_ns='300' is not allowed"),
    ({"model": "TDLA30", "delay_spread_ns": 30.0},
     r"delay_spread_ns=30\.0 is not allowed with model='TDLA30': the test profiles have "
     r"absolute delays.*must be None.*TS 38\.101-4 Annex B\.2\.1"),
    ({"doppler_hz": -1.0}, r"doppler_hz=-1\.0 is not allowed: .*≥ 0.*TR 38\.901 §7\.7\.2"),
    ({"doppler_hz": math.inf}, r"doppler_hz=inf is not allowed"),
    ({"doppler_hz": "10"}, r"doppler_hz='10' is not allowed"),
    ({"num_tx": 3}, r"num_tx=3 is not allowed: num_tx must be one of 1, 2, 4, 8"),
    ({"num_tx": 2.0}, r"num_tx=2\.0 is not allowed"),
    ({"num_rx": 16}, r"num_rx=16 is not allowed: num_rx must be one of 1, 2, 4, 8"),
    ({"correlation": "ultra"}, r"correlation='ultra' is not allowed: .*'low', 'medium', "
                               r"'medium-a', 'high'.*Table B\.2\.3\.1\.2-1"),
    ({"link_direction": "sidelink"}, r"link_direction='sidelink' is not allowed: .*'downlink'"),
    ({"correlation": "medium-a", "link_direction": "uplink"},
     r"correlation='medium-a' is not allowed with link_direction='uplink': .*'low', 'medium', "
     r"'high' \(TS 38\.104 Table G\.2\.3\.1\.2-1"),
    ({"model": "TDL-A", "delay_spread_ns": 30, "k_factor_db": 10.0},
     r"k_factor_db=10\.0 is not allowed with model='TDL-A': .*LoS models.*TR 38\.901 §7\.7\.6"),
    ({"model": "TDLC300", "k_factor_db": 3}, r"k_factor_db=3 is not allowed with model"),
    ({"model": "TDLD30", "k_factor_db": math.nan}, r"k_factor_db=nan is not allowed: .*dB"),
    ({"model": "TDLD30", "k_factor_db": 1000.0}, r"k_factor_db=1000\.0 is not allowed"),
    ({"model": "TDLD30", "k_factor_db": True}, r"k_factor_db=True is not allowed"),
    ({"los_angle_deg": -1.0}, r"los_angle_deg=-1\.0 is not allowed: .*0\.\.180"),
    ({"los_angle_deg": 181}, r"los_angle_deg=181 is not allowed"),
    ({"los_angle_deg": math.nan}, r"los_angle_deg=nan is not allowed"),
    ({"num_sinusoids": 4}, r"num_sinusoids=4 is not allowed: .*8\.\.1024"),
    ({"num_sinusoids": 2000}, r"num_sinusoids=2000 is not allowed"),
    ({"num_sinusoids": 32.0}, r"num_sinusoids=32\.0 is not allowed"),
])
def test_tdl_config_validation(changes, match):
    with pytest.raises(ConfigError, match=match):
        TdlConfig(**changes)


@pytest.mark.parametrize("name", ["TDLA31-10", "TDLX30-10", "TDLA30", "TDLA30-", "TDL-A-10",
                                  "tdla30-10", "TDLA30-10-Low", "", None, 30])
def test_from_name_unknown(name):
    with pytest.raises(ConfigError, match=r"name=.* is not allowed: name must be "
                                          r"'<profile>-<Doppler in Hz>'.*TDLA30, TDLB100.*"
                                          r"Annex B\.2\.2"):
        TdlConfig.from_name(name)


@pytest.mark.parametrize("key", ["model", "doppler_hz", "delay_spread_ns"])
def test_from_name_refuses_fields_fixed_by_the_name(key):
    with pytest.raises(ConfigError, match=rf"{key}=.* is not allowed with from_name"):
        TdlConfig.from_name("TDLA30-10", **{key: 1.0})


def test_from_dict_unknown_key():
    with pytest.raises(ConfigError, match="unknown key for TdlConfig.*did you mean 'doppler_hz'"):
        TdlConfig.from_dict({"dopler_hz": 5.0})


# --------------------------------------------------------------------------------------
# Behaviour


def test_defaults():
    c = TdlConfig()
    assert (c.model, c.delay_spread_ns, c.doppler_hz, c.num_tx, c.num_rx, c.correlation,
            c.link_direction, c.k_factor_db, c.los_angle_deg, c.num_sinusoids) == (
        "TDLA30", None, 0.0, 1, 1, "low", "downlink", None, 45.0, 32)
    assert c.is_test_profile and not c.los and c.k_factor == 0.0 and c.los_power == 0.0


@pytest.mark.parametrize("name,model,doppler", [
    ("TDLA30-10", "TDLA30", 10.0), ("TDLB100-400", "TDLB100", 400.0),
    ("TDLC300-100", "TDLC300", 100.0), ("TDLA30-5", "TDLA30", 5.0),
    ("TDLA30-75", "TDLA30", 75.0), ("TDLA30-300", "TDLA30", 300.0),
    ("TDLC60-300", "TDLC60", 300.0), ("TDLD30-75", "TDLD30", 75.0),
    ("TDLA10-5", "TDLA10", 5.0), ("TDLD10-5", "TDLD10", 5.0), ("TDLA30-2.5", "TDLA30", 2.5),
])
def test_from_name(name, model, doppler):
    c = TdlConfig.from_name(name, num_tx=2, num_rx=4, correlation="medium",
                            link_direction="uplink")
    assert (c.model, c.doppler_hz, c.delay_spread_ns) == (model, doppler, None)
    assert (c.num_tx, c.num_rx, c.correlation, c.link_direction) == (2, 4, "medium", "uplink")


@pytest.mark.parametrize("model", [m for m in TDL_MODELS if m not in TDL_TEST_PROFILES])
def test_delays_scaled_by_delay_spread(model):
    """§7.7.3: τ_n = τ_n,model · DS; the LoS entry shares the first tap's delay."""
    table = tr38901_table(model)
    c = TdlConfig(model=model, delay_spread_ns=123.0)
    expected = np.asarray(table["delays"]) * 123e-9
    if table["los"]:
        assert table["delays"][0] == table["delays"][1] == 0.0
        expected = expected[1:]
    np.testing.assert_allclose(c.delays_s, expected, rtol=1e-15)
    assert c.delays_s.size == table["num_clusters"]


@pytest.mark.parametrize("model", TDL_TEST_PROFILES)
def test_test_profile_delays_absolute(model):
    table = tr38901_table("TDL-" + model[3:])
    c = TdlConfig(model=model)
    expected = np.asarray(table["delays"][1 if table["los"] else 0:]) * 1e-9
    np.testing.assert_allclose(c.delays_s, expected, rtol=1e-15)
    assert not table["scale_delays"]


@pytest.mark.parametrize("model", TDL_MODELS)
def test_powers_normalised_and_in_table_ratio(model):
    c = TdlConfig(model=model, delay_spread_ns=None if model in TDL_TEST_PROFILES else 100.0)
    table = tr38901_table(model if model.startswith("TDL-") else "TDL-" + model[3:])
    p_db = np.asarray(table["powers"])
    p = 10 ** (p_db / 10)
    assert c.powers.sum() == pytest.approx(1.0, abs=1e-14)
    assert c.powers.shape == c.delays_s.shape
    if c.los:
        np.testing.assert_allclose(c.nlos_powers / c.nlos_powers[0], p[1:] / p[1], rtol=1e-12)
        assert c.los_power / c.nlos_powers[0] == pytest.approx(p[0] / p[1], rel=1e-12)
        np.testing.assert_allclose(c.powers[0], c.los_power + c.nlos_powers[0], rtol=1e-14)
    else:
        np.testing.assert_allclose(c.powers / c.powers.max(), p / p.max(), rtol=1e-12)
        np.testing.assert_array_equal(c.nlos_powers, c.powers)


@pytest.mark.parametrize("model,k_db", [("TDL-D", 13.3), ("TDL-E", 22.0), ("TDLD30", 12.2),
                                        ("TDLD10", 12.2)])
def test_model_k_factor(model, k_db):
    """TR 38.901 Tables 7.7.2-4/-5 (K1 = 13.3 dB, 22 dB); TS 38.101-4 B.2.1 TDLD30/10."""
    c = TdlConfig(model=model, delay_spread_ns=None if model in TDL_TEST_PROFILES else 30.0)
    assert c.los
    assert 10 * math.log10(c.k_factor) == pytest.approx(k_db, abs=1e-9)


@given(model=st.sampled_from(["TDL-D", "TDL-E", "TDLD10", "TDLD30"]),
       k_db=st.floats(-30, 40, allow_nan=False))
@settings(max_examples=60, deadline=None)
def test_k_factor_override(model, k_db):
    """§7.7.6: LoS over the total NLoS power = K_desired, NLoS ratios kept, total power 1,
    delay spread kept (the desired DS, or the test profile's own)."""
    base = TdlConfig(model=model, delay_spread_ns=None if model in TDL_TEST_PROFILES else 30.0)
    c = base.replace(k_factor_db=k_db)
    assert 10 * math.log10(c.los_power / c.nlos_powers.sum()) == pytest.approx(k_db, abs=1e-9)
    ds = rms_delay_spread(c.delays_s, c.powers)
    if model in TDL_TEST_PROFILES:
        assert ds == pytest.approx(rms_delay_spread(base.delays_s, base.powers), rel=1e-9)
    else:
        assert ds == pytest.approx(30e-9, rel=1e-9)
    assert c.powers.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(c.nlos_powers / c.nlos_powers.sum(),
                               base.nlos_powers / base.nlos_powers.sum(), rtol=1e-10)


def test_round_trip_dict():
    c = TdlConfig(model="TDL-D", delay_spread_ns=30.0, doppler_hz=70.0, num_tx=2, num_rx=4,
                  correlation="medium-a", k_factor_db=6.0, los_angle_deg=30.0,
                  num_sinusoids=16)
    assert TdlConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ConfigError, match="num_rx=5"):
        c.replace(num_rx=5)
