"""CdlConfig and AntennaArrayConfig: defaults, derived values, validation (TR 38.901 §7.3, §7.7)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.config.cdl import CDL_MODELS, SPEED_OF_LIGHT, AntennaArrayConfig, CdlConfig
from nrlink.errors import ConfigError

# --------------------------------------------------------------------------------------
# AntennaArrayConfig


def test_array_defaults():
    a = AntennaArrayConfig()
    assert (a.num_rows, a.num_cols, a.polarization, a.element) == (1, 1, "single", "omni")
    assert (a.spacing_v, a.spacing_h, a.orientation_deg) == (0.5, 0.5, (0.0, 0.0, 0.0))
    assert a.num_elements == 1 and a.num_polarizations == 1 and a.slant_angles_deg == (0.0,)


def test_array_cross_polarised_counts():
    a = AntennaArrayConfig(num_rows=2, num_cols=3, polarization="cross")
    assert a.num_polarizations == 2 and a.num_elements == 12
    assert a.slant_angles_deg == (45.0, -45.0)


def test_array_orientation_list_becomes_float_tuple():
    a = AntennaArrayConfig(orientation_deg=[10, -5, 0])
    assert a.orientation_deg == (10.0, -5.0, 0.0)


@pytest.mark.parametrize("field, value", [
    ("num_rows", 0), ("num_rows", 1.0), ("num_rows", True), ("num_cols", 0), ("num_cols", -2),
])
def test_array_sizes_must_be_positive_ints(field, value):
    with pytest.raises(ConfigError, match=field):
        AntennaArrayConfig(**{field: value})


def test_array_polarization_choice():
    with pytest.raises(ConfigError, match="polarization"):
        AntennaArrayConfig(polarization="dual")


def test_array_element_choice():
    with pytest.raises(ConfigError, match="element"):
        AntennaArrayConfig(element="dipole")


@pytest.mark.parametrize("field", ["spacing_v", "spacing_h"])
@pytest.mark.parametrize("value", [0.0, -0.5, math.nan, math.inf, "0.5", True])
def test_array_spacing_positive_finite(field, value):
    with pytest.raises(ConfigError, match=field):
        AntennaArrayConfig(**{field: value})


@pytest.mark.parametrize("value", [(0.0, 0.0), (0, 0, 0, 0), (0.0, math.nan, 0.0), "000", 5])
def test_array_orientation_three_finite_angles(value):
    with pytest.raises(ConfigError, match="orientation_deg"):
        AntennaArrayConfig(orientation_deg=value)


# --------------------------------------------------------------------------------------
# CdlConfig


def test_cdl_defaults():
    c = CdlConfig()
    assert c.model == "CDL-C" and c.link_direction == "downlink" and not c.has_los
    assert c.max_doppler_hz == 0.0 and c.speed_mps == 0.0
    assert c.tx_array == AntennaArrayConfig() and c.rx_array == AntennaArrayConfig()
    assert c.ue_direction_deg == (0.0, 90.0)


@pytest.mark.parametrize("model", CDL_MODELS)
def test_has_los_only_for_d_and_e(model):
    assert CdlConfig(model=model).has_los == (model in ("CDL-D", "CDL-E"))


def test_doppler_from_speed_and_back():
    c = CdlConfig(carrier_frequency_hz=4e9, ue_speed_mps=30.0)
    lam = SPEED_OF_LIGHT / 4e9
    assert c.wavelength_m == pytest.approx(lam)
    assert c.max_doppler_hz == pytest.approx(30.0 / lam)
    d = CdlConfig(carrier_frequency_hz=4e9, doppler_hz=c.max_doppler_hz)
    assert d.speed_mps == pytest.approx(30.0)


def test_from_dict_nested_round_trip():
    data = {
        "model": "CDL-D", "delay_spread_ns": 30.0, "doppler_hz": 50.0,
        "tx_array": {"num_rows": 2, "num_cols": 2, "polarization": "cross",
                     "element": "38.901", "orientation_deg": [0, 12, 0]},
        "rx_array": {"polarization": "cross"}, "link_direction": "uplink",
        "angle_spreads_deg": [10, 30, 5, 8], "mean_angles_deg": [0, 180, 100, 80],
        "k_factor_db": 5.0,
    }
    c = CdlConfig.from_dict(data)
    assert c.tx_array.num_elements == 8 and c.tx_array.orientation_deg == (0.0, 12.0, 0.0)
    assert c.angle_spreads_deg == (10.0, 30.0, 5.0, 8.0)
    assert CdlConfig.from_dict(c.to_dict()) == c


def test_from_dict_unknown_nested_key():
    with pytest.raises(ConfigError, match="tx_array.num_row"):
        CdlConfig.from_dict({"tx_array": {"num_row": 2}})


def test_model_choice():
    with pytest.raises(ConfigError, match="model"):
        CdlConfig(model="CDL-F")


@pytest.mark.parametrize("value", [0.0, -10.0, math.nan, None])
def test_delay_spread_positive(value):
    with pytest.raises(ConfigError, match="delay_spread_ns"):
        CdlConfig(delay_spread_ns=value)


@pytest.mark.parametrize("value", [0.0, -1e9, math.inf])
def test_carrier_frequency_positive(value):
    with pytest.raises(ConfigError, match="carrier_frequency_hz"):
        CdlConfig(carrier_frequency_hz=value)


def test_speed_and_doppler_exclusive():
    with pytest.raises(ConfigError, match="ue_speed_mps.*doppler_hz"):
        CdlConfig(ue_speed_mps=3.0, doppler_hz=10.0)


@pytest.mark.parametrize("value", [-1.0, math.nan, "3"])
def test_speed_non_negative(value):
    with pytest.raises(ConfigError, match="ue_speed_mps"):
        CdlConfig(ue_speed_mps=value)


@pytest.mark.parametrize("value", [-5.0, math.inf])
def test_doppler_non_negative(value):
    with pytest.raises(ConfigError, match="doppler_hz"):
        CdlConfig(doppler_hz=value)


@pytest.mark.parametrize("value", [(0.0,), (0.0, 90.0, 0.0), (math.nan, 90.0)])
def test_ue_direction_two_angles(value):
    with pytest.raises(ConfigError, match="ue_direction_deg"):
        CdlConfig(ue_direction_deg=value)


@pytest.mark.parametrize("field", ["tx_array", "rx_array"])
def test_arrays_must_be_array_configs(field):
    with pytest.raises(ConfigError, match=field):
        CdlConfig(**{field: 4})


def test_link_direction_choice():
    with pytest.raises(ConfigError, match="link_direction"):
        CdlConfig(link_direction="sidelink")


@pytest.mark.parametrize("value", [(10.0, 20.0, 5.0), (10.0, 0.0, 5.0, 5.0),
                                   (10.0, -2.0, 5.0, 5.0), (10.0, math.nan, 1.0, 1.0)])
def test_angle_spreads_four_positive(value):
    with pytest.raises(ConfigError, match="angle_spreads_deg"):
        CdlConfig(angle_spreads_deg=value)


@pytest.mark.parametrize("value", [(0.0, 0.0, 90.0), (0.0, 0.0, math.inf, 90.0)])
def test_mean_angles_four_finite(value):
    with pytest.raises(ConfigError, match="mean_angles_deg"):
        CdlConfig(mean_angles_deg=value)


@pytest.mark.parametrize("value", [(0.0, 0.0, -1.0, 90.0), (0.0, 0.0, 90.0, 181.0)])
def test_mean_zenith_in_range(value):
    with pytest.raises(ConfigError, match="mean_angles_deg"):
        CdlConfig(mean_angles_deg=value)


def test_k_factor_finite():
    with pytest.raises(ConfigError, match="k_factor_db"):
        CdlConfig(model="CDL-D", k_factor_db=math.nan)


@pytest.mark.parametrize("model", ["CDL-A", "CDL-B", "CDL-C"])
def test_k_factor_only_for_los_models(model):
    with pytest.raises(ConfigError, match="k_factor_db.*CDL-D and CDL-E"):
        CdlConfig(model=model, k_factor_db=10.0)


def test_replace_revalidates():
    with pytest.raises(ConfigError, match="doppler_hz"):
        CdlConfig(ue_speed_mps=1.0).replace(doppler_hz=3.0)


arrays = st.builds(
    AntennaArrayConfig,
    num_rows=st.integers(1, 8), num_cols=st.integers(1, 8),
    polarization=st.sampled_from(["single", "cross"]),
    element=st.sampled_from(["omni", "38.901"]),
    spacing_v=st.floats(0.1, 4.0), spacing_h=st.floats(0.1, 4.0),
    orientation_deg=st.tuples(*[st.floats(-180, 180)] * 3),
)


@settings(max_examples=50, deadline=None)
@given(tx=arrays, rx=arrays, model=st.sampled_from(CDL_MODELS),
       ds=st.floats(1.0, 1000.0), speed=st.one_of(st.none(), st.floats(0.0, 150.0)))
def test_dict_round_trip_property(tx, rx, model, ds, speed):
    c = CdlConfig(model=model, delay_spread_ns=ds, ue_speed_mps=speed, tx_array=tx,
                  rx_array=rx)
    assert CdlConfig.from_dict(c.to_dict()) == c
    assert c.tx_array.num_elements == tx.num_rows * tx.num_cols * tx.num_polarizations
