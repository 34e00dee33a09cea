"""ChannelImpulseResponse: validation and frequency response (TR 38.901 §7.7)."""

import numpy as np
import pytest

from nrlink.channel.cir import ChannelImpulseResponse
from nrlink.errors import ConfigError


def _cir(batch=2, rx=2, tx=3, paths=4, times=5, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((batch, rx, tx, paths, times)) + 1j * rng.standard_normal(
        (batch, rx, tx, paths, times))
    return ChannelImpulseResponse(delays=np.sort(rng.uniform(0, 1e-6, paths)), coefficients=a,
                                  times=np.arange(times) * 1e-4)


def test_shapes_and_dtypes():
    c = _cir()
    assert (c.batch_size, c.num_rx, c.num_tx) == (2, 2, 3)
    assert c.coefficients.dtype == np.complex64 and c.delays.dtype == np.float64


def test_frequency_response_equals_slow_sum():
    c = _cir()
    f = np.linspace(-5e6, 5e6, 7)
    h = c.frequency_response(f)
    assert h.shape == (2, 2, 3, 5, 7)
    slow = np.zeros_like(h)
    for i, fi in enumerate(f):
        for p, tau in enumerate(c.delays):
            slow[..., i] += c.coefficients[:, :, :, p, :] * np.exp(-2j * np.pi * fi * tau)
    np.testing.assert_allclose(h, slow, atol=1e-4)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"delays": np.array([-1e-9, 0.0, 1e-8, 2e-8])}, "delays"),
    ({"delays": np.zeros((2, 2))}, "delays"),
    ({"coefficients": np.zeros((1, 1, 1, 3, 5))}, "coefficients"),
    ({"times": np.array([0.0, 1.0, 1.0, 2.0, 3.0])}, "times"),
    ({"times": np.arange(4.0)}, "times"),
])
def test_rejects(kwargs, match):
    c = _cir(batch=1, rx=1, tx=1)
    args = {"delays": c.delays, "coefficients": c.coefficients, "times": c.times, **kwargs}
    with pytest.raises(ConfigError, match=match):
        ChannelImpulseResponse(**args)
