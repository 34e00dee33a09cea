"""Tests of the SS/PBCH burst configuration (TS 38.213 §4.1, TS 38.211 §7.4.3, TS 38.331)."""

import numpy as np
import pytest

from nrlink.config.ssb import SsbConfig
from nrlink.errors import ConfigError
from nrlink.spec.ts38212.bch import Mib


def test_defaults():
    c = SsbConfig()
    assert (c.case, c.scs_khz, c.mu, c.l_max) == ("C", 30, 1, 8)
    assert c.transmitted_ssb_indices.tolist() == list(range(8))
    assert c.first_symbols.tolist() == [2, 8, 16, 22, 30, 36, 44, 50]
    assert c.n_symbols_half_frame == 140 and c.n_sc == 624
    assert c.mib(9) == Mib(system_frame_number=9, sub_carrier_spacing_common=30)


def test_positions_in_burst_select_blocks():
    c = SsbConfig(case="B", carrier_frequency_hz=3.6e9, ssb_positions_in_burst=(0, 1, 0, 0,
                                                                                 0, 0, 0, 1))
    assert c.transmitted_ssb_indices.tolist() == [1, 7]
    assert c.first_symbols.tolist() == [8, 48]


def test_fr2_defaults_and_from_dict_round_trip():
    c = SsbConfig.from_dict({"case": "D", "carrier_frequency_hz": 28e9, "n_id_cell": 500,
                             "ssb_positions_in_burst": [1] + [0] * 63, "k_ssb": 11,
                             "n_size_grid": 66, "ssb_offset_sc": 12})
    assert c.l_max == 64 and c.mu == 3 and c.n_symbols_half_frame == 560
    assert c.transmitted_ssb_indices.tolist() == [0]
    assert c.mib(0).sub_carrier_spacing_common == 120
    assert SsbConfig.from_dict(c.to_dict()) == c
    assert isinstance(np.asarray(c.first_symbols), np.ndarray)


@pytest.mark.parametrize("kwargs, name", [
    ({"n_id_cell": 1008}, "n_id_cell"),
    ({"case": "F"}, "case"),
    ({"carrier_frequency_hz": 12e9}, "carrier_frequency_hz"),
    ({"case": "D"}, "carrier_frequency_hz"),  # FR1 frequency for an FR2 case
    ({"paired": "no"}, "paired"),
    ({"ssb_positions_in_burst": (1, 0, 1)}, "ssb_positions_in_burst"),
    ({"ssb_positions_in_burst": (0,) * 8}, "ssb_positions_in_burst"),
    ({"ssb_positions_in_burst": (2,) * 8}, "ssb_positions_in_burst"),
    ({"ssb_positions_in_burst": [1] * 8}, "ssb_positions_in_burst"),
    ({"n_size_grid": 19}, "n_size_grid"),
    ({"n_size_grid": 276}, "n_size_grid"),
    ({"n_size_grid": 20, "ssb_offset_sc": 1}, "ssb_offset_sc"),
    ({"sub_carrier_spacing_common": 60}, "sub_carrier_spacing_common"),
    ({"case": "D", "carrier_frequency_hz": 28e9, "sub_carrier_spacing_common": 30},
     "sub_carrier_spacing_common"),
    ({"k_ssb": 32}, "k_ssb"),
    ({"case": "E", "carrier_frequency_hz": 28e9, "k_ssb": 16}, "k_ssb"),
    ({"pdcch_config_sib1": 256}, "pdcch_config_sib1"),
    ({"cell_barred": "maybe"}, "cell_barred"),
    ({"beta_pss": 0.0}, "beta_pss"),
    ({"beta_dmrs": float("nan")}, "beta_dmrs"),
])
def test_raises(kwargs, name):
    with pytest.raises(ConfigError, match=name):
        SsbConfig(**kwargs)


def test_unknown_key_is_refused():
    with pytest.raises(ConfigError, match="ssb_positions_in_burst"):
        SsbConfig.from_dict({"ssb_position_in_burst": [1] * 8})
