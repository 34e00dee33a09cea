"""Channel impulse response: the one representation every channel model produces.

A TR 38.901 link-level channel (TDL §7.7.2, CDL §7.7.1) is a sum of paths with fixed
delays τ_l and time-varying complex coefficients a_l(t) per receive/transmit antenna pair:

    h_{r,t}(t, τ) = Σ_l a_{r,t,l}(t) δ(τ − τ_l).

:class:`ChannelImpulseResponse` holds the coefficients sampled at given instants, for a
batch of independent realisations. Applying it to a waveform or a resource grid is done by
:mod:`nrlink.channel.apply`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrlink.errors import ConfigError

__all__ = ["ChannelImpulseResponse"]


@dataclass(frozen=True, slots=True)
class ChannelImpulseResponse:
    """Path delays and time-sampled path coefficients of a batch of channel realisations.

    Attributes
    ----------
    delays : numpy.ndarray of float64, shape (n_paths,)
        Path delays τ_l in seconds (≥ 0), shared by the batch and all antenna pairs.
    coefficients : numpy.ndarray of complex64, shape (batch, n_rx, n_tx, n_paths, n_times)
        a_{r,t,l}(t_i): the complex gain of path l from transmit antenna t to receive
        antenna r at instant ``times[i]``. The channel is normalised so that the expected
        total power Σ_l E|a_l|² is 1 per antenna pair (TR 38.901 §7.7.2, normalised PDP).
    times : numpy.ndarray of float64, shape (n_times,)
        The instants t_i in seconds (increasing) at which the coefficients are sampled,
        e.g. every sample of a slot, or the start of each OFDM symbol.
    """

    delays: np.ndarray
    coefficients: np.ndarray
    times: np.ndarray

    def __post_init__(self) -> None:
        d = np.asarray(self.delays, dtype=np.float64)
        a = np.asarray(self.coefficients)
        t = np.asarray(self.times, dtype=np.float64)
        if d.ndim != 1 or d.size == 0 or np.any(d < 0) or not np.all(np.isfinite(d)):
            raise ConfigError(
                f"delays.shape={d.shape} is not allowed: delays must be a non-empty 1-D array "
                "of finite path delays ≥ 0 in seconds (TR 38.901 §7.7)"
            )
        if a.ndim != 5 or a.shape[3] != d.size:
            raise ConfigError(
                f"coefficients.shape={a.shape} is not allowed: coefficients must be (batch, "
                f"n_rx, n_tx, n_paths={d.size}, n_times)"
            )
        if t.ndim != 1 or t.size != a.shape[4] or np.any(np.diff(t) <= 0):
            raise ConfigError(
                f"times.shape={t.shape} is not allowed: times must be increasing, one per "
                f"coefficient sample ({a.shape[4]})"
            )
        object.__setattr__(self, "delays", d)
        object.__setattr__(self, "coefficients", a.astype(np.complex64, copy=False))
        object.__setattr__(self, "times", t)

    @property
    def batch_size(self) -> int:
        """Number of independent realisations."""
        return self.coefficients.shape[0]

    @property
    def num_rx(self) -> int:
        """Receive antennas."""
        return self.coefficients.shape[1]

    @property
    def num_tx(self) -> int:
        """Transmit antennas."""
        return self.coefficients.shape[2]

    def frequency_response(self, frequencies_hz) -> np.ndarray:
        """H_{r,t}(t_i, f) = Σ_l a_{r,t,l}(t_i) e^{−j2π f τ_l}, for every sampled instant.

        Parameters
        ----------
        frequencies_hz : array_like of float, shape (n_freq,)
            Baseband frequencies f (e.g. subcarrier offsets from the carrier centre).

        Returns
        -------
        numpy.ndarray of complex64, shape (batch, n_rx, n_tx, n_times, n_freq)
        """
        f = np.asarray(frequencies_hz, dtype=np.float64)
        e = np.exp(-2j * np.pi * np.outer(self.delays, f)).astype(np.complex64)  # (L, F)
        a = np.swapaxes(self.coefficients, 3, 4)  # (B, R, T, n_times, L)
        return a @ e
