"""Tests of the DMRS power ratio, TS 38.214 Tables 4.1-1 and 6.2.2-1."""

import math

import pytest

from nrlink.errors import ConfigError
from nrlink.spec.ts38214.power import dmrs_beta, dmrs_power_offset_db


@pytest.mark.parametrize("channel", ["pdsch", "pusch"])
def test_table_values(channel):
    assert dmrs_power_offset_db(1, 1, channel) == 0.0
    assert dmrs_power_offset_db(2, 1, channel) == -3.0
    assert dmrs_power_offset_db(1, 2, channel) == 0.0
    assert dmrs_power_offset_db(2, 2, channel) == -3.0
    assert dmrs_power_offset_db(3, 2, channel) == -4.77


def test_beta_exact_and_rounded():
    for cfg, num in ((1, 1), (1, 2), (2, 1), (2, 2), (2, 3)):
        exact = dmrs_beta(num, cfg, "pusch")
        assert exact == pytest.approx(math.sqrt(num), abs=1e-15)
        rounded = dmrs_beta(num, cfg, "pusch", rounded_db=True)
        assert rounded == pytest.approx(10 ** (-dmrs_power_offset_db(num, cfg) / 20))
        # the printed dB values are the exact ones rounded: within 0.02 dB
        assert abs(20 * math.log10(exact / rounded)) < 0.02
    # the EPRE ratio is data EPRE / DMRS EPRE: the DMRS is boosted
    assert dmrs_beta(2, 1) > 1


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((3, 1, "pdsch"), "num_cdm_groups_without_data"),  # "-" entry of type 1
        ((0, 2, "pdsch"), "num_cdm_groups_without_data"),
        ((1, 3, "pusch"), "config_type"),
        ((1, 1, "pucch"), "channel"),
    ],
)
def test_raise(args, match):
    with pytest.raises(ConfigError, match=match):
        dmrs_power_offset_db(*args)
    with pytest.raises(ConfigError, match=match):
        dmrs_beta(*args)
