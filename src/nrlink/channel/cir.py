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

__all__ = ["ChannelImpulseResponse", "check_times"]


@dataclass(frozen=True, slots=True)
class ChannelImpulseResponse:
    """Path delays and time-sampled path coefficients of a batch of channel realisations.

    Implements the channel impulse response of TR 38.901 §7.5 (eq. 7.5-27) / §7.7.

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
        e.g. every sample of a slot, or the centre of each OFDM symbol's FFT window
        (:func:`nrlink.channel.apply.ofdm_symbol_times`).
    """

    delays: np.ndarray
    coefficients: np.ndarray
    times: np.ndarray

    def __post_init__(self) -> None:
        try:
            d = np.asarray(self.delays, dtype=np.float64)
            a = np.asarray(self.coefficients, dtype=np.complex64)
            t = np.asarray(self.times, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ConfigError(
                "delays, coefficients and times must be numeric arrays (TR 38.901 §7.7)"
            ) from e
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
        if (t.ndim != 1 or t.size != a.shape[4] or not np.all(np.isfinite(t))
                or np.any(np.diff(t) <= 0)):
            raise ConfigError(
                f"times.shape={t.shape} is not allowed: times must be increasing, one per "
                f"coefficient sample ({a.shape[4]})"
            )
        object.__setattr__(self, "delays", d)
        if not np.all(np.isfinite(a)):
            raise ConfigError("coefficients hold NaN or infinite values (TR 38.901 §7.7)")
        object.__setattr__(self, "coefficients", a)
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

        Implements the Fourier transform of the TR 38.901 §7.7 tapped delay line.

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


def check_times(times, doppler_hz: float, clause: str) -> np.ndarray:
    """Validate the instants at which a fading channel is evaluated; return them as float64.

    ``times`` must be a non-empty 1-D array of finite, increasing instants in seconds, and
    the fading must not be aliased at their spacing: the maximum Doppler ``doppler_hz`` must
    stay below 1/(2·min Δt) (Nyquist).

    Raises
    ------
    ConfigError
        Naming ``times`` or ``doppler_hz`` and ``clause``.
    """
    t = np.asarray(times, dtype=np.float64)
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise ConfigError(
            f"times.shape={t.shape} is not allowed: times must be a non-empty 1-D array of "
            f"finite, increasing instants in seconds ({clause})"
        )
    if t.size > 1 and doppler_hz > 0:
        nyquist = 0.5 / float(np.min(np.diff(t)))
        if doppler_hz >= nyquist:
            raise ConfigError(
                f"doppler_hz={doppler_hz!r} is not allowed with these times: a Doppler so high "
                "the fading is aliased at the given sample rate; doppler_hz must be < "
                f"1/(2·min Δt) = {nyquist:.6g} Hz ({clause})"
            )
    return t
