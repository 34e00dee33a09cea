"""What the control-channel links share: the per-RE channel and the counted result.

The control links (:mod:`nrlink.link.control`) simulate one transmission per link and
slot — an SS/PBCH block, a PDCCH, a PUCCH — through AWGN or a TR 38.901 TDL channel in
the frequency domain, and count events (block errors, misses, false alarms) rather than
HARQ statistics. Their results expose ``counts()`` for the campaign engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nrlink.channel import TdlChannel, ofdm_channel
from nrlink.channel.apply import ofdm_symbol_times
from nrlink.config.tdl import TdlConfig
from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.numerology import min_fft_size

__all__ = ["ControlResult", "FrequencyChannel", "single_port_channel"]


@dataclass(frozen=True)
class ControlResult:
    """Counted outcome of a control-channel link run (one work unit).

    Attributes
    ----------
    counters : dict of str to int
        ``first_transmissions`` (blocks sent: SS/PBCH blocks, DCIs, PUCCH occasions with
        UCI) and ``first_transmission_errors`` (blocks lost: MIB wrong or CRC failed, DCI
        missed, UCI wrong), plus ``<name>_events`` / ``<name>_trials`` pairs of further
        rates (e.g. ``false_alarm``, ``nack_to_ack``).
    details : dict
        Per-trial arrays for inspection (not stored by the campaign engine).
    """

    counters: dict
    details: dict = field(default_factory=dict, compare=False, repr=False)

    def counts(self) -> dict:
        """The integer counters (what the campaign engine stores per work unit)."""
        return {k: int(v) for k, v in self.counters.items()}

    @property
    def bler(self) -> float:
        """Block error (miss) rate: ``first_transmission_errors / first_transmissions``."""
        n = self.counters.get("first_transmissions", 0)
        return self.counters.get("first_transmission_errors", 0) / n if n else float("nan")

    def rate(self, name: str) -> float:
        """The event rate ``<name>_events / <name>_trials``."""
        n = self.counters.get(f"{name}_trials", 0)
        return self.counters.get(f"{name}_events", 0) / n if n else float("nan")

    def __add__(self, other: ControlResult) -> ControlResult:
        keys = set(self.counters) | set(other.counters)
        return ControlResult({k: int(self.counters.get(k, 0)) + int(other.counters.get(k, 0))
                              for k in sorted(keys)})


def single_port_channel(channel: TdlConfig | None, num_rx: int | None,
                        where: str) -> tuple[TdlChannel | None, int]:
    """The TDL channel (None: AWGN) and receive antennas of a one-port control link.

    Raises
    ------
    ConfigError
        A channel that is not a TdlConfig (or None), one with several transmit antennas, or
        ``num_rx`` not 1..8 / not the channel's.
    """
    if channel is None:
        return None, 1 if num_rx is None else check_int(
            "num_rx", num_rx, "an integer in 1..8", where, lo=1, hi=8)
    if not isinstance(channel, TdlConfig):
        raise ConfigError(f"channel={channel!r} is not allowed: the {where} takes a "
                          "TdlConfig or None (AWGN)")
    if channel.num_tx != 1:
        raise ConfigError(f"channel.num_tx={channel.num_tx} is not allowed: the {where} "
                          "transmits from one antenna port (num_tx must be 1)")
    if num_rx is not None and num_rx != channel.num_rx:
        raise ConfigError(f"num_rx={num_rx} is not allowed: the channel has "
                          f"{channel.num_rx} receive antennas")
    return TdlChannel(channel), channel.num_rx


class FrequencyChannel:
    """Per-RE channel of single-antenna transmissions: AWGN (all ones) or TDL fading.

    Implements the frequency-domain evaluation of TR 38.901 §7.7.2 TDL channels at the
    centre of each OFDM symbol's FFT window (TS 38.211 §5.3.1), one transmit antenna.

    Parameters
    ----------
    channel : TdlConfig or None
        None: AWGN with ``num_rx`` receive antennas (flat, unit gain).
    num_rx : int or None
        Receive antennas (AWGN only; a TDL channel sets its own).
    mu, n_sc : int
        Numerology and number of subcarriers of the simulated grid.
    """

    def __init__(self, channel: TdlConfig | None, num_rx: int | None, *, mu: int, n_sc: int,
                 where: str = "link"):
        self._channel, self.num_rx = single_port_channel(channel, num_rx, where)
        self.mu, self.n_sc = int(mu), int(n_sc)
        fft = min_fft_size(self.n_sc)
        self._times = ofdm_symbol_times(mu=self.mu, fft_size=fft)
        self._slot_s = 1e-3 / (1 << self.mu)
        self._scs_hz = 15e3 * (1 << self.mu)

    @property
    def fading(self) -> bool:
        return self._channel is not None

    def draw(self, batch: int, rng: np.random.Generator):
        """A channel realisation for ``batch`` independent links (None for AWGN)."""
        return None if self._channel is None else self._channel.realise(batch, rng=rng)

    def grid(self, realisation, batch: int, slot: int = 0) -> np.ndarray:
        """Channel (batch, num_rx, 14, n_sc) complex64 of slot ``slot`` (relative)."""
        if realisation is None:
            return np.ones((batch, self.num_rx, self._times.size, self.n_sc), np.complex64)
        cir = realisation.cir(self._times + slot * self._slot_s)
        h = ofdm_channel(cir, n_sc=self.n_sc, scs_hz=self._scs_hz)  # (B, rx, tx, l, k)
        return np.ascontiguousarray(h[:, :, 0], dtype=np.complex64)
