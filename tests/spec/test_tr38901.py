"""TR 38.901 §7.7.6 K-factor scaling and the RMS delay spread (nrlink.spec.tr38901)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrlink.errors import ConfigError
from nrlink.spec.tables import tr38901_table
from nrlink.spec.tr38901 import rms_delay_spread, scale_k_factor


def test_rms_delay_spread_of_two_equal_paths():
    assert rms_delay_spread([0.0, 2.0], [1.0, 1.0]) == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["TDL-D", "TDL-E", "CDL-D", "CDL-E"])
def test_normalised_tables_have_unit_delay_spread(name):
    t = tr38901_table(name)
    p = 10 ** (np.asarray(t["powers"]) / 10)
    assert rms_delay_spread(t["delays"], p) == pytest.approx(1.0, abs=0.01)


@settings(max_examples=50, deadline=None)
@given(k_db=st.floats(-40, 40), name=st.sampled_from(["TDL-D", "TDL-E", "CDL-D", "TDL-D30"]))
def test_scale_k_factor_sets_k_and_keeps_delay_spread(k_db, name):
    t = tr38901_table(name)
    d, p_db = np.asarray(t["delays"]), np.asarray(t["powers"])
    d2, p2, k_model = scale_k_factor(d, p_db, k_db)
    lin = 10 ** (p2 / 10)
    assert 10 * np.log10(lin[0] / lin[1:].sum()) == pytest.approx(k_db, abs=1e-9)
    assert k_model == pytest.approx(p_db[0] - 10 * np.log10(np.sum(10 ** (p_db[1:] / 10))))
    assert rms_delay_spread(d2, lin) == pytest.approx(rms_delay_spread(d, 10 ** (p_db / 10)))
    np.testing.assert_allclose(p2[1:] - p_db[1:], k_model - k_db)  # NLoS ratios kept
    assert rms_delay_spread(scale_k_factor(d, p_db, k_db, delay_spread=1.0)[0], lin) == \
        pytest.approx(1.0)


@pytest.mark.parametrize("k", [41.0, -41.0, float("nan"), "10"])
def test_k_factor_range(k):
    with pytest.raises(ConfigError, match="k_factor_db"):
        scale_k_factor([0.0, 1.0], [0.0, -10.0], k)
