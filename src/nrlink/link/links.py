"""End-to-end link simulation: transmitter → channel → receiver → HARQ, slot by slot.

:class:`PuschLink` runs a batch of independent PUSCH links (one HARQ process and one
channel realisation each) over consecutive slots: the fading continues from slot to slot
(the realisation is evaluated at each slot's OFDM symbol instants), noise is added per RE at
the requested SNR (:mod:`nrlink.channel.awgn`: per-RE E_s/N0 per receive antenna), and the
receiver of :mod:`nrlink.rx.receiver` feeds the HARQ processes of :mod:`nrlink.link.harq`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from nrlink._profile import lap
from nrlink.channel import (
    CdlChannel,
    TdlChannel,
    apply_ofdm_channel,
    apply_time_channel,
    awgn,
    noise_variance,
    ofdm_channel,
    ofdm_symbol_times,
    sample_times,
)
from nrlink.config.cdl import CdlConfig
from nrlink.config.pdsch import PdschConfig
from nrlink.config.pusch import PuschConfig
from nrlink.config.tdl import TdlConfig
from nrlink.errors import ConfigError, check_int, check_rng
from nrlink.link.harq import HarqConfig, HarqProcesses, HarqStatistics
from nrlink.link.pdsch import PdschTransmitter
from nrlink.link.pusch import PuschTransmitter
from nrlink.rx.ldpc_decoder import LdpcDecoderConfig
from nrlink.rx.receiver import ReceiverConfig, check_ml_detector, receive_llr
from nrlink.rx.timing import TimingEstimator, timing_reference
from nrlink.spec.ts38211.numerology import min_fft_size, sample_rate
from nrlink.spec.ts38211.ofdm import ofdm_demodulate, ofdm_modulate

__all__ = ["LinkResult", "PdschLink", "PuschLink", "TransportBlockResults"]


@dataclass(frozen=True, slots=True)
class TransportBlockResults:
    """Per-transmission results of a link run: one entry per slot, link and codeword.

    Every array has shape ``(slots, batch, n_codewords)`` except ``sinr_db``; ``slots``
    includes the retransmission-only slots of ``drain``, where links without a transport
    block in flight are idle (``active`` False: no transmission, nothing counted).

    Attributes
    ----------
    active : ndarray of bool
        The link transmitted this codeword in this slot.
    tb_crc_ok : ndarray of bool
        TB CRC passed (TS 38.212 §7.2.1).
    ack : ndarray of bool
        The transport block was acknowledged (delivered) by this transmission.
    bit_errors : ndarray of int64
        Decoded TB bits that differ from the sent ones.
    iterations : ndarray of float32
        Mean LDPC iterations over the code blocks of the TB.
    rv, transmission_index : ndarray of int64
        Redundancy version and 0-based HARQ transmission index.
    new_data : ndarray of bool
        First transmission of a transport block.
    sinr_db : ndarray of float32, shape (slots, batch)
        Effective post-equalisation SINR of each slot and link (mean of the linear SINR
        over data REs and layers, in dB; NaN for the ML detector).
    tbs : tuple of int
        TBS of each codeword.
    timing_offset : ndarray of int64, shape (slots, batch), or None
        Time-domain path: the sample offset where the receiver started the slot (estimated
        or ideal); None for the grid path.
    """

    active: np.ndarray
    tb_crc_ok: np.ndarray
    ack: np.ndarray
    bit_errors: np.ndarray
    iterations: np.ndarray
    rv: np.ndarray
    transmission_index: np.ndarray
    new_data: np.ndarray
    sinr_db: np.ndarray
    tbs: tuple[int, ...]
    timing_offset: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class LinkResult:
    """Outcome of :meth:`PuschLink.run` / :meth:`PdschLink.run` at one SNR.

    Attributes
    ----------
    snr_db : float
        Per-RE SNR (E_s/N0 per receive antenna).
    statistics : HarqStatistics
        TBs delivered/failed, first-transmission and residual BLER, throughput relative to
        the maximum (TS 38.101-4), bits per slot.
    sinr_db : float
        Mean over the slots and links of the effective post-equalisation SINR in dB (NaN
        for the ML detector).
    iterations : float
        Mean LDPC iterations per code block.
    per_tb : TransportBlockResults
        CRC, bit errors, iterations, RV and SINR of every transmission.
    """

    snr_db: float
    statistics: HarqStatistics
    sinr_db: float
    iterations: float
    per_tb: TransportBlockResults

    @property
    def bler(self) -> float:
        """BLER of the first transmissions."""
        return self.statistics.bler_first

    @property
    def throughput(self) -> float:
        """Delivered TB bits relative to the maximum (TS 38.101-4 definition)."""
        return self.statistics.throughput

    @property
    def ber(self) -> float:
        """Bit error rate of the decoded TBs on their first transmission."""
        return self.statistics.ber_first


def check_run_args(snr_db, num_slots, batch_size, rng, where: str):
    """Validate the arguments of a link's ``run``; return (rng, num_slots, batch_size)."""
    rng = check_rng(rng)
    num_slots = check_int("num_slots", num_slots, "an integer ≥ 1", where, lo=1)
    batch = check_int("batch_size", batch_size, "an integer ≥ 1", where, lo=1)
    if (isinstance(snr_db, bool) or not isinstance(snr_db, int | float | np.integer | np.floating)
            or not np.isfinite(snr_db)):
        raise ConfigError(f"snr_db={snr_db!r} is not allowed: snr_db must be a finite "
                          "number (dB)")
    return rng, num_slots, batch


def collect_tb_results(slots, sinr, tbs, timing_offset=None) -> TransportBlockResults:
    """Stack per-slot :class:`HarqSlotResult` lists (one per codeword) into arrays."""

    def field(name, dtype):
        return np.array([[getattr(r, name) for r in per_cw] for per_cw in slots],
                        dtype=dtype).transpose(0, 2, 1)

    return TransportBlockResults(
        active=field("active", bool), tb_crc_ok=field("tb_crc_ok", bool), ack=field("ack", bool),
        bit_errors=field("bit_errors", np.int64),
        iterations=np.array([[r.iterations.mean(axis=-1) for r in per_cw] for per_cw in slots],
                            np.float32).transpose(0, 2, 1),
        rv=field("rv", np.int64), transmission_index=field("transmission_index", np.int64),
        new_data=field("new_data", bool), sinr_db=np.stack(sinr).astype(np.float32),
        tbs=tuple(tbs), timing_offset=timing_offset,
    )


class _SharedChannelLink:
    """PDSCH/PUSCH links over AWGN or a TR 38.901 channel, with the receiver and HARQ.

    Parameters
    ----------
    config : PuschConfig or PdschConfig
    channel : TdlConfig or CdlConfig or None, default None
        ``None``: AWGN with a static flat channel (identity for as many receive antennas
        as ports, or all-ones for one port and several receive antennas). A TDL/CDL
        configuration must have as many transmit antennas as there are antenna ports.
    num_rx : int, optional
        Receive antennas for AWGN (default: the number of ports).
    receiver : ReceiverConfig, optional
    harq : HarqConfig, optional
        Default: RV 0, 2, 3, 1, up to 4 transmissions; ``HarqConfig(max_transmissions=1)``
        for no HARQ.
    decoder : LdpcDecoderConfig, optional
    waveform : bool, default False
        Apply the channel to the OFDM waveform (exact time-varying band-limited
        convolution, :func:`nrlink.channel.apply_time_channel`, fading sampled every 16
        samples and interpolated) and OFDM-demodulate at the receiver with the FFT window in
        the middle of the cyclic prefix (timing alignment that tolerates the band-limited
        channel's precursor and delays up to half the CP), instead of the per-RE channel on
        the grid (no inter-carrier interference). Slower; captures ICI at high Doppler.
        The slots form one continuous stream: the delayed tail of a slot overlaps the start
        of the next. The receiver finds the slot by DM-RS cross-correlation
        (:mod:`nrlink.rx.timing`, or the known delay for ``receiver.timing="ideal"``).
    timing_offset_s : float, default 0.0
        Propagation delay added to every path (time-domain path only), in [0, half a
        slot); the receiver has to find it.

    Raises
    ------
    ConfigError
        Before any simulation: mismatched antennas, more layers than receive antennas for
        a linear detector, perfect CSI without a channel, etc.
    """

    _config_type: type = PuschConfig

    def __init__(self, config, *, channel: TdlConfig | CdlConfig | None = None,
                 num_rx: int | None = None, receiver: ReceiverConfig | None = None,
                 harq: HarqConfig | None = None, decoder: LdpcDecoderConfig | None = None,
                 precoder=None, waveform: bool = False, timing_offset_s: float = 0.0):
        if not isinstance(config, self._config_type):
            raise ConfigError(f"config={config!r} is not allowed: config must be a "
                              f"{self._config_type.__name__}")
        self.config = config
        self.tx = self._transmitter(config, precoder)
        if receiver is not None and not isinstance(receiver, ReceiverConfig):
            raise ConfigError(f"receiver={receiver!r} is not allowed: it must be a "
                              "ReceiverConfig (or None for the default)")
        self.receiver = receiver or ReceiverConfig()
        if self.receiver.detector == "ml":
            check_ml_detector(config)
        self.harq = harq or HarqConfig()
        self.decoder = decoder
        self.precoder = self.tx.precoding_matrix
        ports = self.precoder.shape[0]
        # Per-RE signal energy of the data (TS 38.101-4 SNR per receive antenna, unit-power
        # channel): the total transmit power ||W||_F² of unit-energy layers.
        self.signal_power = float(np.sum(np.abs(self.precoder) ** 2))
        if channel is None:
            self._channel = None
            self.num_rx = ports if num_rx is None else check_int(
                "num_rx", num_rx, "an integer in 1..8", "AWGN link", lo=1, hi=8)
            if self.num_rx != ports and ports != 1:
                raise ConfigError(
                    f"num_rx={self.num_rx} is not allowed with {ports} antenna ports over AWGN: "
                    "the static channel is the identity (num_rx = ports) or, for one port, "
                    "all-ones; use a TDL/CDL channel for other antenna set-ups"
                )
        else:
            if isinstance(channel, TdlConfig):
                self._channel, n_tx, n_rx = TdlChannel(channel), channel.num_tx, channel.num_rx
            elif isinstance(channel, CdlConfig):
                ch = CdlChannel(channel)
                self._channel, n_tx, n_rx = ch, ch.num_tx, ch.num_rx
            else:
                raise ConfigError(f"channel={channel!r} is not allowed: channel must be a "
                                  "TdlConfig, a CdlConfig or None (AWGN)")
            if n_tx != ports:
                raise ConfigError(
                    f"the channel has {n_tx} transmit antennas but the transmission has "
                    f"{ports} antenna ports: they must be equal"
                )
            if num_rx is not None and num_rx != n_rx:
                raise ConfigError(f"num_rx={num_rx} is not allowed: the channel has {n_rx} "
                                  "receive antennas")
            self.num_rx = n_rx
        if self.receiver.detector != "ml" and config.num_layers > self.num_rx:
            raise ConfigError(
                f"num_layers={config.num_layers} is not allowed with {self.num_rx} receive "
                f"antennas and detector={self.receiver.detector!r}: a linear detector needs at "
                "least as many receive antennas as layers"
            )
        if not isinstance(waveform, bool):
            raise ConfigError(f"waveform={waveform!r} is not allowed: it must be True or False")
        if waveform and self._channel is None:
            raise ConfigError("waveform=True is not allowed over AWGN: the time-domain path "
                              "needs a TDL or CDL channel")
        self.waveform = waveform
        carrier = config.carrier
        half_slot = 0.5e-3 / (1 << carrier.mu)
        if not (isinstance(timing_offset_s, int | float) and 0 <= timing_offset_s < half_slot):
            raise ConfigError(
                f"timing_offset_s={timing_offset_s!r} is not allowed: it must be a delay in "
                f"[0, {half_slot:g}) s (half a slot)"
            )
        if timing_offset_s and not self.waveform:
            raise ConfigError(
                f"timing_offset_s={timing_offset_s!r} is not allowed without waveform=True and "
                "a TDL/CDL channel: only the time-domain path models a delay"
            )
        self.timing_offset_s = float(timing_offset_s)
        self.fft_size = min_fft_size(carrier.n_sc)
        self._cp_fraction = 0.5 if self.waveform else 1.0
        self._symbol_times = ofdm_symbol_times(mu=carrier.mu, cp=carrier.cyclic_prefix,
                                               fft_size=self.fft_size, slot=carrier.slot,
                                               cp_fraction=self._cp_fraction)
        self._fs = sample_rate(carrier.mu, self.fft_size)
        self._slot_s = 1e-3 / (1 << carrier.mu)
        self._scs_hz = carrier.scs_khz * 1e3
        if self._channel is None:
            h = np.ones((self.num_rx, ports), np.complex64) if ports == 1 else np.eye(
                ports, dtype=np.complex64)
            self._static_h = h
        self._timing = None
        if self.waveform:
            # Samples kept beyond the slot: the delay, the channel's delay spread and the
            # band-limiting kernel; the timing search covers them all.
            max_delay = float(np.max(self._channel.realise(1, rng=np.random.default_rng(0))
                                     .cir(np.zeros(1)).delays))
            self._extra = math.ceil((self.timing_offset_s + max_delay) * self._fs) + 2 * 8
            self._timing = TimingEstimator(
                timing_reference(config, self.precoder, fft_size=self.fft_size),
                max_offset=self._extra)

    def _channel_grid(self, real, slot: int, batch: int) -> np.ndarray:
        """Per-RE channel (batch, n_rx, n_tx, n_symb, n_sc) of slot ``slot``."""
        c = self.config.carrier
        if real is None:
            h = np.broadcast_to(self._static_h[None, :, :, None, None],
                                (batch, self.num_rx, self._static_h.shape[1], c.n_symb_slot,
                                 c.n_sc))
            return h
        cir = real.cir(self._symbol_times + slot * self._slot_s)
        return ofdm_channel(cir, n_sc=c.n_sc, scs_hz=self._scs_hz)

    def _through_waveform(self, x, real, slot: int, n0: float, rng, state: dict) -> np.ndarray:
        """OFDM-modulate, delay and convolve with the channel, add noise, find the slot's
        timing and OFDM-demodulate (TS 38.211 §5.3.1).

        The noise-free tail beyond the slot (delay and delay spread) is carried into the
        next slot. N0 per time-domain sample equals N0 per RE after the orthonormal
        demodulation.
        """
        c = self.config.carrier
        kw = dict(mu=c.mu, cp=c.cyclic_prefix, fft_size=self.fft_size, slot=c.slot)
        x_t = ofdm_modulate(x, **kw)
        n, e = x_t.shape[-1], self._extra
        x_t = np.concatenate([x_t, np.zeros(x_t.shape[:-1] + (e,), x_t.dtype)], axis=-1)
        start = slot * self._slot_s
        cir = real.cir(sample_times((n + e) // 16 + 2, self._fs / 16, start=start))
        if self.timing_offset_s:
            cir = replace(cir, delays=cir.delays + self.timing_offset_s)
        y_t = apply_time_channel(x_t, cir, sample_rate_hz=self._fs, start=start)
        if state.get("tail") is not None:
            y_t[..., :e] += state["tail"]
        state["tail"] = y_t[..., n:].copy()
        y_t = awgn(y_t, n0, rng=rng)
        b = y_t.shape[0]
        if self.receiver.timing == "ideal":
            off = np.full(b, round(self.timing_offset_s * self._fs), dtype=np.int64)
        else:
            off = self._timing.estimate(y_t)
        state.setdefault("offsets", []).append(off)
        y_t = np.take_along_axis(y_t, (off[:, None] + np.arange(n))[:, None, :], axis=-1)
        return ofdm_demodulate(y_t, n_sc=c.n_sc, cp_fraction=self._cp_fraction, **kw)

    def run(self, snr_db: float, num_slots: int, *, batch_size: int = 8,
            rng: np.random.Generator, drain: bool = True,
            timings: dict | None = None) -> LinkResult:
        """Simulate ``num_slots`` consecutive slots of ``batch_size`` independent links.

        Parameters
        ----------
        snr_db : float
            Per-RE SNR Ês/N0 at each receive antenna, as in TS 38.101-4 / TS 38.104 (SNR
            of the demodulation requirements): Ês is the average received energy of a
            data RE summed over the transmit antennas, ||W||_F² for unit-energy layer
            symbols and a channel of unit average power per antenna pair (TR 38.901
            §7.7), and N0 the noise variance per RE and receive antenna. With several
            layers the transmit power is shared, so each layer gets Ês/υ.
        num_slots : int
            Slots per link (each carries a new TB or a retransmission).
        batch_size : int, default 8
            Independent links simulated together.
        rng : numpy.random.Generator
            Source of the TB bits, the channel and the noise.
        drain : bool, default True
            After ``num_slots``, keep sending the retransmissions of the transport blocks
            still in flight (no new data; links without one are idle) until each is
            delivered or dropped — at most ``max_transmissions − 1`` more slots. Every TB
            started is then complete, so throughput and residual BLER carry no truncation
            bias however short the run. False: stop after ``num_slots`` (the unfinished
            TBs count as transmissions without delivery).
        timings : dict, optional
            Profiling: the seconds spent in each stage are added to it under
            "transmitter" (TB bits, coding and the grid), "channel" (fading, noise, and for
            the time-domain path OFDM and timing), "estimation", "detection", "demapping"
            and "decoding" (with the HARQ bookkeeping).
        """
        rng, num_slots, batch = check_run_args(snr_db, num_slots, batch_size, rng,
                                               f"{type(self).__name__}.run")
        n0 = float(noise_variance(float(snr_db), self.signal_power))
        n_cw = len(self.config.resources.tb_configs)
        procs = [HarqProcesses(self.config, batch, self.harq, codeword=q) for q in range(n_cw)]
        real = None if self._channel is None else self._channel.realise(batch, rng=rng)
        stats = None
        sinr, iters, slots, wave_state = [], [], [], {}
        perfect = self.receiver.channel_estimation == "perfect"
        if not isinstance(drain, bool):
            raise ConfigError(f"drain={drain!r} is not allowed: it must be True or False")
        k = 0
        while k < num_slots or (drain and any(p.in_flight.any() for p in procs)):
            t0 = time.perf_counter()
            coded = []
            for p in procs:
                p.next_transmission(rng, new_data=k < num_slots)
                coded.append(p.encode())
            x = self.tx.grid_from_coded(coded[0] if n_cw == 1 else coded)  # (B, ports, ...)
            t0 = lap(timings, "transmitter", t0)
            h = self._channel_grid(real, k, batch)
            if self.waveform:
                y = self._through_waveform(x, real, k, n0, rng, wave_state)
            else:
                y = awgn(apply_ofdm_channel(x, np.ascontiguousarray(h)), n0, rng=rng)
            lap(timings, "channel", t0)
            out = receive_llr(y, self.config, self.receiver, h=h if perfect else None,
                              noise_var=n0 if perfect else None, precoder=self.precoder,
                              timings=timings)
            t0 = time.perf_counter()
            per_cw = []
            for p, llr in zip(procs, out.llr, strict=True):
                res = p.receive(llr, decoder=self.decoder)
                stats = res.statistics if stats is None else stats + res.statistics
                iters.append(res.iterations[res.active])
                per_cw.append(res)
            lap(timings, "decoding", t0)
            slots.append(per_cw)
            sinr.append(out.sinr_db)
            k += 1
        if n_cw > 1:  # one slot of one link, whatever its number of codewords
            act = np.array([[r.active for r in per_cw] for per_cw in slots])  # (k, cw, B)
            stats = replace(stats, slots=k, link_slots=int(act.any(axis=1).sum()))

        per_tb = collect_tb_results(slots, sinr, tuple(p.tbs for p in procs),
                                    np.stack(wave_state["offsets"]) if self.waveform else None)
        ml = self.receiver.detector == "ml"
        return LinkResult(snr_db=float(snr_db), statistics=stats,
                          sinr_db=float("nan") if ml else float(np.mean(
                              per_tb.sinr_db[per_tb.active.any(axis=-1)])),
                          iterations=float(np.mean(np.concatenate([i.ravel() for i in iters]))),
                          per_tb=per_tb)


class PuschLink(_SharedChannelLink):
    """PUSCH links (:class:`PuschConfig`; the precoder is the configuration's codebook W)."""

    _config_type = PuschConfig

    @staticmethod
    def _transmitter(config, precoder):
        if precoder is not None:
            raise ConfigError("precoder is not allowed for PUSCH: W follows from the "
                              "configuration (precoding, tpmi; TS 38.211 §6.3.1.5)")
        return PuschTransmitter(config)


class PdschLink(_SharedChannelLink):
    """PDSCH links (:class:`PdschConfig`, 1–8 layers; ``precoder`` W, default identity)."""

    _config_type = PdschConfig

    @staticmethod
    def _transmitter(config, precoder):
        return PdschTransmitter(config, precoder=precoder)
