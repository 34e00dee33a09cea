"""TR 38.901 tapped-delay-line (TDL) channels with Doppler, Rician LoS and MIMO correlation.

Implements TR 38.901 §7.7.2 (TDL models), §7.7.3 (delay scaling), §7.7.6 (K-factor) and the
multi-antenna test channels of TS 38.101-4 Annex B.2 / TS 38.104 Annex G.2.

For tap l, instant t and the (n_rx × n_tx) antenna pairs, with P_l the tap's average NLoS
power and K the first tap's K-factor (LoS models only):

    H_l(t) = √P_l · unvec(C · vec(G_l(t)))                       (every tap)
    H_0(t) += √P_LoS · e^{j(2π f_D cos θ t + φ_0)} · 1_{n_rx × n_tx}   (LoS models, tap 0)

* G_l(t): n_rx·n_tx independent unit-power Rayleigh processes with the classical Doppler
  spectrum (:class:`~nrlink.channel.fading.SumOfSinusoids`), independent between taps;
* C: the Hermitian square root of R_spat
  (:func:`~nrlink.spec.ts38101_4.correlation.spatial_correlation`),
  vec stacking the columns of H (index t·n_rx + r), so E[vec(H_l) vec(H_l)^H] = P_l R_spat;
* the LoS component: K/(K+1) of the first tap's power, P_LoS = K·P_0, with Doppler
  f_D cos θ (θ = ``los_angle_deg``, 45° by default) and a uniform random phase φ_0 per
  realisation, **the same for every antenna pair** and not coloured by R_spat (a specular
  path seen identically by all elements: it adds the rank-one K/(K+1)·11^H to the first
  tap's correlation; the NLoS part of the first tap keeps R_spat). TR 38.901 does not
  define the LoS across antennas for TDL; the test specifications (TS 38.521-4 Annex B.2,
  after TS 38.101-4) instead set the initial LoS channel matrix of TDL-D to the static
  propagation matrix of their Annex B.1, which is not modelled here.

With f_D cos θ = 0 the LoS phase is constant. All randomness is drawn by
:meth:`TdlChannel.realise`; :meth:`TdlRealisation.cir` is deterministic, so evaluating one
realisation at successive sets of instants continues the same channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrlink.channel.cir import ChannelImpulseResponse, check_times
from nrlink.channel.fading import SumOfSinusoids
from nrlink.config.tdl import TdlConfig
from nrlink.errors import ConfigError, check_int, check_rng
from nrlink.spec.ts38101_4.correlation import correlation_sqrt, spatial_correlation

__all__ = ["TdlChannel", "TdlRealisation"]


class TdlChannel:
    """A TDL channel model: draws realisations and their impulse responses.

    Implements TR 38.901 §7.7.2/§7.7.3/§7.7.6 with the MIMO correlation of TS 38.101-4
    Annex B.2.3 (downlink) / TS 38.104 Annex G.2.3 (uplink); see the module docstring.

    Parameters
    ----------
    config : TdlConfig
        Delay profile, Doppler, antennas, correlation, K-factor.

    Raises
    ------
    ConfigError
        If ``config`` is not a :class:`TdlConfig` (its own validation covers the rest).

    Examples
    --------
    >>> ch = TdlChannel(TdlConfig(model="TDL-C", delay_spread_ns=300, doppler_hz=100,
    ...                           num_tx=2, num_rx=4))
    >>> cir = ch.cir(3, np.arange(14) * 35.7e-6, rng=np.random.default_rng(7))
    >>> cir.coefficients.shape
    (3, 4, 2, 24, 14)
    """

    def __init__(self, config: TdlConfig) -> None:
        if not isinstance(config, TdlConfig):
            raise ConfigError(
                f"config={config!r} is not allowed: config must be a TdlConfig "
                "(TR 38.901 §7.7.2)"
            )
        self.config = config
        self.delays_s = config.delays_s
        self.los_power = config.los_power
        self.nlos_powers = config.nlos_powers
        self.spatial_correlation = spatial_correlation(
            config.num_tx, config.num_rx, config.correlation, config.link_direction)
        k = config.num_tx * config.num_rx
        identity = np.array_equal(self.spatial_correlation, np.eye(k))
        self._colouring = None if identity else correlation_sqrt(
            self.spatial_correlation).astype(np.complex64)
        for a in (self.delays_s, self.nlos_powers, self.spatial_correlation):
            a.setflags(write=False)

    @property
    def num_taps(self) -> int:
        """Number of taps (paths) of the impulse response."""
        return self.delays_s.size

    def realise(self, batch_size: int, *, rng: np.random.Generator) -> TdlRealisation:
        """Draw ``batch_size`` independent channel realisations.

        Implements the random part of TR 38.901 §7.7.2: the sum-of-sinusoids parameters of
        every (realisation, tap, antenna pair) fading process and the LoS phase φ_0.

        Parameters
        ----------
        batch_size : int
            Number of independent realisations (≥ 1).
        rng : numpy.random.Generator
            Source of all randomness.
        """
        b = check_int("batch_size", batch_size, "an integer ≥ 1", "TR 38.901 §7.7.2", lo=1)
        rng = check_rng(rng)
        k = self.config.num_tx * self.config.num_rx
        sos = SumOfSinusoids.draw((b, self.num_taps, k), self.config.num_sinusoids, rng)
        los_phase = (2.0 * np.pi) * rng.random(b) if self.config.los else np.zeros(b)
        return TdlRealisation(channel=self, sos=sos, los_phase=los_phase)

    def cir(self, batch_size: int, times, *, rng: np.random.Generator) -> ChannelImpulseResponse:
        """``realise(batch_size, rng).cir(times)``: a fresh batch sampled at ``times``."""
        return self.realise(batch_size, rng=rng).cir(times)


@dataclass(frozen=True, slots=True, eq=False)
class TdlRealisation:
    """A batch of drawn TDL channels; :meth:`cir` evaluates them at any instants.

    Attributes
    ----------
    channel : TdlChannel
        The model (delays, powers, correlation, Doppler).
    sos : SumOfSinusoids
        Fading processes of shape (batch, n_taps, n_tx · n_rx), index t · n_rx + r last.
    los_phase : numpy.ndarray of float64, shape (batch,)
        Initial phase φ_0 of the LoS component (zeros for NLoS models).
    """

    channel: TdlChannel
    sos: SumOfSinusoids
    los_phase: np.ndarray

    @property
    def batch_size(self) -> int:
        """Number of realisations."""
        return self.los_phase.size

    def cir(self, times) -> ChannelImpulseResponse:
        """The channel impulse responses at the instants ``times``.

        Implements TR 38.901 §7.7.2 h(t, τ) = Σ_l a_l(t) δ(τ − τ_l) with the coefficients
        of the module docstring. Deterministic for a realisation.

        Parameters
        ----------
        times : array_like of float, shape (n_times,)
            Increasing instants in seconds, e.g. the FFT-window centres of
            :func:`nrlink.channel.apply.ofdm_symbol_times`.

        Returns
        -------
        ChannelImpulseResponse
            Coefficients of shape (batch, n_rx, n_tx, n_taps, n_times), complex64.

        Raises
        ------
        ConfigError
            If ``times`` is not increasing, or if the Doppler is so high that the fading is
            aliased at the given sample rate: f_D ≥ 1/(2 · min Δt).
        """
        ch = self.channel
        cfg = ch.config
        t = check_times(times, cfg.doppler_hz, "TR 38.901 §7.7.2")
        b, n_taps = self.batch_size, ch.num_taps
        n_tx, n_rx = cfg.num_tx, cfg.num_rx
        g = self.sos.evaluate(t, cfg.doppler_hz)  # (B, L, K, T), unit power
        if ch._colouring is not None:
            g = np.matmul(ch._colouring, g)
        g *= np.sqrt(ch.nlos_powers).astype(np.float32)[None, :, None, None]
        # (B, L, K=t·n_rx + r, T) -> (B, n_rx, n_tx, L, T)
        a = np.ascontiguousarray(g.reshape(b, n_taps, n_tx, n_rx, t.size).transpose(0, 3, 2, 1, 4))
        if cfg.los:
            f_los = cfg.doppler_hz * np.cos(np.deg2rad(cfg.los_angle_deg))
            phase = 2.0 * np.pi * f_los * t[None, :] + self.los_phase[:, None]
            los = (np.sqrt(ch.los_power) * np.exp(1j * phase)).astype(np.complex64)
            a[:, :, :, 0, :] += los[:, None, None, :]
        return ChannelImpulseResponse(delays=ch.delays_s, coefficients=a, times=t)
