"""Control-channel links for campaigns: PBCH BLER, PDCCH miss detection, PUCCH ACK/UCI.

Implements the link-level procedures behind TS 38.101-4 / TS 38.104 control-channel
performance tests: SS/PBCH block decoding (TS 38.212 §7.1, TS 38.211 §7.3.3), PDCCH blind
decoding (TS 38.213 §10.1) and PUCCH HARQ-ACK / UCI reception (TS 38.213 §9.2).

Each link has the campaign engine's interface, ``run(snr_db, num_slots, *, batch_size,
rng)``, and returns a :class:`~nrlink.link._control_common.ControlResult` whose counters
hold the blocks sent (``first_transmissions``), the blocks lost
(``first_transmission_errors``: MIB not recovered, DCI missed, UCI wrong) and further
event rates as ``<name>_events`` / ``<name>_trials`` pairs. The SNR is Es/N0 per RE and
receive antenna for REs of unit energy and a channel of unit average power, as for the
shared channels. ``batch_size`` independent links run ``num_slots`` consecutive slots
each; a TDL channel evolves over the slots of a link.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from nrlink.channel import apply_time_channel, sample_times
from nrlink.channel.awgn import awgn, noise_variance
from nrlink.config._base import FromDictMixin
from nrlink.config.pdcch import PdcchConfig
from nrlink.config.pucch import PucchConfig, pucch_config_from_dict
from nrlink.config.tdl import TdlConfig
from nrlink.errors import ConfigError, check_int, check_rng
from nrlink.link._control_common import ControlResult, FrequencyChannel, single_port_channel
from nrlink.link.pdcch import DciMessage, PdcchTransmitter
from nrlink.link.pucch import PucchLink
from nrlink.link.ssb import ssb_trial_waveforms
from nrlink.rx.cell_search import CellSearchConfig, cell_search
from nrlink.rx.pdcch import PdcchReceiver
from nrlink.spec._checks import check_bool, check_choice, check_real
from nrlink.spec.ts38211.pdcch import check_aggregation_level
from nrlink.spec.ts38212.dci import dci_size
from nrlink.spec.ts38212.dci_formats import DciSizeConfig

__all__ = ["CONTROL_LINKS", "ControlResult", "PbchControlLink", "PbchLinkConfig",
           "PdcchControlLink", "PdcchLinkConfig",
           "PucchControlLink", "PucchLinkConfig"]

_C_PUCCH = "TS 38.213 §9.2"
_C_PDCCH = "TS 38.213 §10.1"
_C_PBCH = "TS 38.213 §4.1"


def _check_run(snr_db, num_slots, batch_size, rng, where: str):
    check_real("snr_db", snr_db, "a finite real number (dB)", where)
    num_slots = check_int("num_slots", num_slots, "an integer >= 1", where, lo=1)
    batch_size = check_int("batch_size", batch_size, "an integer >= 1", where, lo=1)
    return float(snr_db), num_slots, batch_size, check_rng(rng)


# ============================================================================ PUCCH


def _pucch_resource(value, path: str) -> PucchConfig:
    if isinstance(value, PucchConfig):
        return value
    try:
        return pucch_config_from_dict(value)
    except ConfigError as e:
        raise ConfigError(f"{path}{e}") from e


@dataclass(frozen=True, slots=True, kw_only=True)
class PucchLinkConfig(FromDictMixin):
    """A PUCCH resource and what it carries, for HARQ-ACK / SR / UCI campaigns.

    Implements the UCI content of TS 38.213 §9.2.3 (HARQ-ACK), §9.2.5 (SR) and TS 38.212
    §6.3.1.1 (formats 2-4: HARQ-ACK, SR, CSI part 1).

    Parameters
    ----------
    resource : PucchConfig or mapping
        The PUCCH resource (:mod:`nrlink.config.pucch`; a mapping needs ``format``).
    n_harq : int, default 1
        HARQ-ACK bits per slot (formats 0/1: 0..2).
    sr_occasion : bool, default False
        Formats 0/1: the slot is an SR occasion (the SR is drawn at random).
    n_sr, n_csi : int, default 0
        Formats 2-4: SR and CSI part 1 bits of the UCI.
    p_fa : float, default 0.01
        Receiver DTX false-alarm target.
    false_alarm : bool, default True
        Also simulate as many DTX slots (nothing sent) as transmitted ones, to count
        false alarms.
    dtx_detection : bool, default True
        Formats 2-4: False lets only the CRC decide whether UCI was received (the UCI
        code's own BLER, see :class:`~nrlink.link.pucch.PucchLink`).
    noise_estimation : bool, default True
        The receiver estimates N0 from each slot (DTX thresholds from the exact ratio
        law); False gives it the true N0 (a genie, for comparison).
    equalizer : {"lmmse", "mrc"}, default "lmmse"
        Formats 2-4 equaliser.
    list_size : int, default 8
        Polar list size (UCI of 12 bits or more).
    """

    resource: PucchConfig
    n_harq: int = 1
    sr_occasion: bool = False
    n_sr: int = 0
    n_csi: int = 0
    p_fa: float = 0.01
    false_alarm: bool = True
    dtx_detection: bool = True
    noise_estimation: bool = True
    equalizer: str = "lmmse"
    list_size: int = 8

    def __post_init__(self) -> None:
        if not isinstance(self.resource, PucchConfig):
            raise ConfigError(f"resource={self.resource!r} is not allowed: it must be a PUCCH "
                              f"resource configuration ({_C_PUCCH})")
        check_bool("false_alarm", self.false_alarm, _C_PUCCH)
        check_bool("dtx_detection", self.dtx_detection, _C_PUCCH)
        if self.false_alarm and not self.dtx_detection:
            raise ConfigError("false_alarm=True is not allowed with dtx_detection=False: "
                              "without the DTX test an empty slot is judged by the CRC alone "
                              "(always 'received' for the small block codes), so set "
                              f"false_alarm=false ({_C_PUCCH})")
        check_choice("equalizer", self.equalizer, ("lmmse", "mrc"), _C_PUCCH)
        self.link(1)  # the PUCCH link's own checks (UCI size against E_tot, ...)

    @classmethod
    def from_dict(cls, data: dict, *, path: str = "") -> PucchLinkConfig:
        """As :meth:`FromDictMixin.from_dict`; ``resource`` is built by its ``format``."""
        if isinstance(data, dict) and isinstance(data.get("resource"), dict):
            data = {**data, "resource": _pucch_resource(data["resource"], f"{path}resource.")}
        return FromDictMixin.from_dict.__func__(cls, data, path=path)

    def link(self, n_rx: int) -> PucchLink:
        """The :class:`~nrlink.link.pucch.PucchLink` of this configuration."""
        opts = {"list_size": self.list_size} if self.resource.pucch_format >= 2 else {}
        if self.resource.pucch_format >= 2:
            opts["equalizer"] = self.equalizer
        return PucchLink(self.resource, n_harq=self.n_harq, sr_occasion=self.sr_occasion,
                         n_sr=self.n_sr, n_csi=self.n_csi, n_rx=n_rx, p_fa=self.p_fa,
                         dtx_detection=self.dtx_detection,
                         noise_estimation=self.noise_estimation, **opts)


class PucchControlLink:
    """PUCCH HARQ-ACK / SR / UCI reception over AWGN or TDL (campaign link).

    Implements the PUCCH performance measures of TS 38.104 §8.3 (ACK missed detection,
    NACK→ACK, false ACK on DTX; UCI block errors for formats 2-4) with the chain of
    :class:`~nrlink.link.pucch.PucchLink`.

    Counters: ``first_transmissions`` / ``first_transmission_errors`` — slots with UCI
    sent / slots whose UCI was missed or wrong; with HARQ-ACK bits ``ack_miss`` (an ACK
    bit not decided ACK), ``nack_to_ack`` and ``dtx_to_ack`` (an ACK decided on a DTX
    slot); ``sr_miss`` (formats 0/1 with SR occasions); ``false_alarm`` (a DTX slot
    detected as a transmission, with ``false_alarm=True``) — as ``_events`` /
    ``_trials`` pairs.
    """

    config_type = PucchLinkConfig

    def __init__(self, config: PucchLinkConfig, *, channel: TdlConfig | None = None,
                 num_rx: int | None = None):
        if not isinstance(config, PucchLinkConfig):
            raise ConfigError(f"config={config!r} is not allowed: it must be a PucchLinkConfig")
        self.config = config
        carrier = config.resource.carrier
        self.channel = FrequencyChannel(channel, num_rx, mu=carrier.mu, n_sc=carrier.n_sc,
                                        where="PUCCH link")
        self.link = config.link(self.channel.num_rx)

    def _content(self, rng, batch: int):
        c, fmt = self.config, self.config.resource.pucch_format
        harq = rng.integers(0, 2, (batch, c.n_harq), dtype=np.uint8)
        if fmt <= 1:
            sr = rng.integers(0, 2, batch).astype(bool) if c.sr_occasion else np.zeros(
                batch, bool)
            return {"harq_ack": harq, "sr": sr}
        return {"harq_ack": harq, "sr": rng.integers(0, 2, (batch, c.n_sr), dtype=np.uint8),
                "csi": rng.integers(0, 2, (batch, c.n_csi), dtype=np.uint8)}

    def run(self, snr_db: float, num_slots: int, *, batch_size: int = 8,
            rng: np.random.Generator) -> ControlResult:
        """Simulate ``num_slots`` slots of ``batch_size`` links (and as many DTX slots)."""
        snr_db, num_slots, batch, rng = _check_run(snr_db, num_slots, batch_size, rng,
                                                   "PucchControlLink.run")
        fmt = self.config.resource.pucch_format
        real = self.channel.draw(batch, rng)
        cnt = dict.fromkeys(("first_transmissions", "first_transmission_errors"), 0)
        modes = (True, False) if self.config.false_alarm else (True,)
        for k in range(num_slots):
            h = self.channel.grid(real, batch, k) if self.channel.fading else None
            for send in modes:
                content = self._content(rng, batch)
                r = self.link.run(snr_db=snr_db, rng=rng, channel=h,
                                  transmit=np.full(batch, send), **content)
                tx = r.transmitted
                if send:
                    _add(cnt, "first_transmissions", tx.sum())
                    _add(cnt, "first_transmission_errors", r.uci_error.sum())
                    if self.config.n_harq:
                        ack = (r.harq_ack == 1) & tx[:, None]
                        nack = (r.harq_ack == 0) & tx[:, None]
                        dec = r.harq_ack_decided == 1
                        _pair(cnt, "ack_miss", (ack & ~dec).sum(), ack.sum())
                        _pair(cnt, "nack_to_ack", (nack & dec).sum(), nack.sum())
                    if fmt <= 1 and self.config.sr_occasion:
                        sr = np.asarray(r.sr, bool) & tx
                        _pair(cnt, "sr_miss", (sr & ~np.asarray(r.sr_decided, bool)).sum(),
                              sr.sum())
                else:
                    dtx = ~tx
                    _pair(cnt, "false_alarm", (dtx & r.detected).sum(), dtx.sum())
                    if self.config.n_harq:
                        any_ack = (r.harq_ack_decided == 1).any(axis=-1)
                        _pair(cnt, "dtx_to_ack", (dtx & any_ack).sum(), dtx.sum())
        return ControlResult(cnt)


# ============================================================================ PBCH



_PBCH_SCS = {4: (15, 30), 8: (15, 30), 64: (120, 240)}


@dataclass(frozen=True, slots=True, kw_only=True)
class PbchLinkConfig(FromDictMixin):
    """SS/PBCH block acquisition and MIB decoding from a waveform, for PBCH campaigns.

    Implements the set-up of the TS 38.101-4 / TS 38.133 SS/PBCH tests: a block with a
    random MIB, SFN, half frame and SSB index (TS 38.212 §7.1) at an unknown delay and
    carrier frequency offset, received by the cell searcher of
    :func:`~nrlink.rx.cell_search.cell_search`.

    Parameters
    ----------
    n_id_cell : int or None, default None
        Physical cell identity, 0..1007 (None: drawn uniformly for each block).
    l_max : {4, 8, 64}, default 8
        L_max (TS 38.213 §4.1).
    scs_khz : int, default 15
        SSB subcarrier spacing: 15 or 30 kHz with L_max 4/8, 120 or 240 kHz with 64.
    fft_size : int, default 512
        N_FFT of the sampling (sample rate N_FFT · Δf), 256..4096.
    max_cfo_hz : float or None, default None
        The CFO is drawn uniformly in ±max_cfo_hz (None: half a subcarrier, Δf / 2).
    max_delay_samples : int, default 1920
        The block starts after a delay drawn uniformly in 0..max_delay_samples − 1.
    receiver : CellSearchConfig or mapping, optional
        Cell-search receiver options (its ``max_cfo_hz`` defaults to this one).
    """

    n_id_cell: int | None = None
    l_max: int = 8
    scs_khz: int = 15
    fft_size: int = 512
    max_cfo_hz: float | None = None
    max_delay_samples: int = 1920
    receiver: CellSearchConfig | None = None

    def __post_init__(self) -> None:
        if self.n_id_cell is not None:
            check_int("n_id_cell", self.n_id_cell, "an integer in 0..1007 or None",
                      "TS 38.211 §7.4.2.1", lo=0, hi=1007)
        check_int("l_max", self.l_max, "one of 4, 8, 64", _C_PBCH, choices=(4, 8, 64))
        allowed = _PBCH_SCS[self.l_max]
        check_int("scs_khz", self.scs_khz, f"one of {allowed} with l_max={self.l_max}",
                  _C_PBCH, choices=allowed)
        check_int("fft_size", self.fft_size, "a power of two in 256..4096",
                  "TS 38.211 §5.3.1", choices=(256, 512, 1024, 2048, 4096))
        half = 500.0 * self.scs_khz
        if self.max_cfo_hz is not None:
            v = check_real("max_cfo_hz", self.max_cfo_hz, f"a real in [0, {half:g}]",
                           _C_PBCH)
            if not 0 <= v <= half:
                raise ConfigError(f"max_cfo_hz={v:g} is not allowed: max_cfo_hz must be in "
                                  f"[0, {half:g}] Hz (half a subcarrier) ({_C_PBCH})")
        check_int("max_delay_samples", self.max_delay_samples, "an integer in 1..100000",
                  _C_PBCH, lo=1, hi=100_000)
        if self.receiver is not None and not isinstance(self.receiver, CellSearchConfig):
            raise ConfigError(f"receiver={self.receiver!r} is not allowed: it must be a "
                              "CellSearchConfig or None")

    @property
    def mu(self) -> int:
        return {15: 0, 30: 1, 120: 3, 240: 4}[self.scs_khz]

    @property
    def cfo_range_hz(self) -> float:
        return 500.0 * self.scs_khz if self.max_cfo_hz is None else float(self.max_cfo_hz)

    @property
    def search_config(self) -> CellSearchConfig:
        """The receiver options, its CFO search range covering :attr:`cfo_range_hz`."""
        cfg = self.receiver or CellSearchConfig()
        if cfg.max_cfo_hz is None:
            cfg = dataclasses.replace(cfg, max_cfo_hz=max(self.cfo_range_hz, 1.0))
        return cfg



class PbchControlLink:
    """Cell search and PBCH (MIB) decoding over AWGN or TDL (campaign link).

    Implements the SS/PBCH acquisition of TS 38.211 §7.4.3 / TS 38.213 §4.1 and the BCH of
    TS 38.212 §7.1 in the time domain: each trial is one SS/PBCH block (random MIB, SFN,
    half frame, SSB index and, unless fixed, cell identity) delayed by a random number of
    samples, shifted by a random CFO and a random phase, through the channel (a TDL
    channel in the time domain, :func:`~nrlink.channel.apply_time_channel`) and AWGN of
    N0 per sample (= per RE), then searched from scratch.

    Counters: ``first_transmissions`` / ``first_transmission_errors`` — blocks sent /
    blocks whose MIB (with SFN, half frame and SSB index) was not recovered; ``cell_id_miss``
    (N_ID^cell or ī_SSB wrong, or nothing detected) and ``undetected`` (a CRC-passing MIB
    that is wrong) as ``_events`` / ``_trials`` pairs.
    """

    config_type = PbchLinkConfig

    def __init__(self, config: PbchLinkConfig, *, channel: TdlConfig | None = None,
                 num_rx: int | None = None):
        if not isinstance(config, PbchLinkConfig):
            raise ConfigError(f"config={config!r} is not allowed: it must be a PbchLinkConfig")
        self.config = config
        self.search = config.search_config
        self._channel, self.num_rx = single_port_channel(channel, num_rx, "PBCH link")
        self._fs = config.fft_size * config.scs_khz * 1e3

    def run(self, snr_db: float, num_slots: int, *, batch_size: int = 8,
            rng: np.random.Generator) -> ControlResult:
        """Simulate ``num_slots`` SS/PBCH periods (20 ms apart) of ``batch_size`` links."""
        snr_db, num_slots, batch, rng = _check_run(snr_db, num_slots, batch_size, rng,
                                                   "PbchControlLink.run")
        c = self.config
        n0 = float(noise_variance(snr_db))
        real = None if self._channel is None else self._channel.realise(batch, rng=rng)
        cnt = dict.fromkeys(("first_transmissions", "first_transmission_errors"), 0)
        for k in range(num_slots):
            n_id = (np.full(batch, c.n_id_cell) if c.n_id_cell is not None
                    else rng.integers(0, 1008, batch))
            t = ssb_trial_waveforms(n_id, l_max=c.l_max, mu=c.mu, fft_size=c.fft_size, rng=rng)
            n_x = t.x.shape[-1]
            n = n_x + c.max_delay_samples
            delay = rng.integers(0, c.max_delay_samples, batch)
            x = np.zeros((batch, 1, n), np.complex64)
            x[np.arange(batch)[:, None], 0, delay[:, None] + np.arange(n_x)] = t.x
            if real is None:
                y = np.broadcast_to(x, (batch, self.num_rx, n))
            else:
                start = 0.02 * k  # SS/PBCH periodicity of the initial cell search
                cir = real.cir(sample_times(n // 16 + 2, self._fs / 16, start=start))
                y = apply_time_channel(x, cir, sample_rate_hz=self._fs, start=start)
            cfo = rng.uniform(-c.cfo_range_hz, c.cfo_range_hz, batch)
            rot = np.exp(2j * np.pi * (cfo[:, None] * np.arange(n) / self._fs
                                       + rng.random((batch, 1))))
            y = awgn(y * rot[:, None, :].astype(np.complex64), n0, rng=rng)
            r = cell_search(y, mu=c.mu, fft_size=c.fft_size, l_max=c.l_max,
                            config=self.search)
            ids = r.detected & (r.n_id_cell == t.n_id_cell) & (r.i_ssb_bar == t.i_ssb_bar)
            mib_ok = np.array([m is not None and m == t.mib[b] for b, m in enumerate(r.mib)])
            good = ids & r.crc_ok & mib_ok & (r.pbch.sfn == t.sfn) & (
                r.pbch.half_frame == t.half_frame) & (r.i_ssb == t.ssb_index)
            _add(cnt, "first_transmissions", batch)
            _add(cnt, "first_transmission_errors", (~good).sum())
            _pair(cnt, "cell_id_miss", (~ids).sum(), batch)
            _pair(cnt, "undetected", (r.crc_ok & ~good).sum(), batch)
        return ControlResult(cnt)


# ============================================================================ PDCCH



@dataclass(frozen=True, slots=True, kw_only=True)
class PdcchLinkConfig(FromDictMixin):
    """A PDCCH search space and the DCI sent in it, for miss-detection campaigns.

    Implements the PDCCH detection set-up of TS 38.213 §10.1 (candidates of one
    aggregation level, blind decoding of the search space) with a DCI of TS 38.212 §7.3.

    Parameters
    ----------
    pdcch : PdcchConfig or mapping
        Carrier, BWP, CORESET and search space (:class:`~nrlink.config.pdcch.PdcchConfig`).
    aggregation_level : int, default 8
        L of the DCI sent; the search space must have candidates of this level.
    dci_format : {"0_0", "1_0", "0_1", "1_1"}, default "1_0"
        Sets the payload size A (TS 38.212 §7.3.1: the BWP size, or in a common search
        space the size of a CORESET 0 configured by the PBCH, and the search space type)
        unless ``payload_size`` is given.
    payload_size : int or None, default None
        A, 12..140, overriding the format's size.
    rnti : int, default 0x4601
        C-RNTI of the UE (CRC mask and USS hashing).
    other_rntis : int, default 1
        Further RNTIs the receiver also monitors (rnti + 1, ...): a DCI reported for any
        of them, or with other bits, is a wrong detection.
    list_size : int, default 8
        Polar list size of the blind decoder.
    false_alarm : bool, default True
        Also decode as many empty CORESETs (noise only) to count false alarms.
    channel_estimation : {"lmmse", "linear"}, default "lmmse"
    delay_spread_s : float or None, default None
        The receiver's DM-RS interpolation (:class:`~nrlink.rx.pdcch.PdcchReceiver`).
    """

    pdcch: PdcchConfig
    aggregation_level: int = 8
    dci_format: str = "1_0"
    payload_size: int | None = None
    rnti: int = 0x4601
    other_rntis: int = 1
    list_size: int = 8
    false_alarm: bool = True
    channel_estimation: str = "lmmse"
    delay_spread_s: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.pdcch, PdcchConfig):
            raise ConfigError(f"pdcch={self.pdcch!r} is not allowed: it must be a PdcchConfig "
                              f"({_C_PDCCH})")
        ell = check_aggregation_level(self.aggregation_level)
        levels = dict(zip((1, 2, 4, 8, 16), self.pdcch.search_space.candidates, strict=True))
        if not levels[ell]:
            have = [lv for lv, n in levels.items() if n]
            raise ConfigError(
                f"aggregation_level={ell} is not allowed: the search space has no candidates "
                f"of level {ell} (levels with candidates: {have}) ({_C_PDCCH})")
        check_int("rnti", self.rnti, "an integer in 1..65519", "TS 38.321 §7.1", lo=1,
                  hi=65519)
        check_int("other_rntis", self.other_rntis, "an integer in 0..16", _C_PDCCH, lo=0,
                  hi=16)
        if self.rnti + self.other_rntis > 65519:
            raise ConfigError(f"other_rntis={self.other_rntis} is not allowed with rnti="
                              f"{self.rnti}: the monitored RNTIs rnti..rnti+other_rntis must "
                              "stay within 1..65519 (TS 38.321 §7.1)")
        check_bool("false_alarm", self.false_alarm, _C_PDCCH)
        self.receiver()  # checks list_size, channel_estimation, delay_spread_s
        object.__setattr__(self, "payload_size", self.a_size)

    def receiver(self) -> PdcchReceiver:
        """The blind-decoding receiver of this configuration."""
        return PdcchReceiver(self.pdcch, list_size=self.list_size,
                             channel_estimation=self.channel_estimation,
                             delay_spread_s=self.delay_spread_s)

    @property
    def a_size(self) -> int:
        """The DCI payload size A."""
        if self.payload_size is not None:
            return check_int("payload_size", self.payload_size, "an integer in 12..140",
                             "TS 38.212 §7.3.2", lo=12, hi=140)
        n_rb = self.pdcch.bwp.resolve(self.pdcch.carrier)[1]
        ss = self.pdcch.search_space.search_space_type
        # in a CSS, format 1_0 is sized by CORESET 0 when configured (TS 38.212 §7.3.1.2.1);
        # otherwise by the initial DL BWP, taken here as the configured BWP
        coreset = self.pdcch.coreset
        initial = coreset.n_rb_coreset if ss == "common" and coreset.configured_by_pbch else None
        size_cfg = DciSizeConfig(n_rb_dl_bwp=n_rb, n_rb_ul_bwp=n_rb, n_rb_dl_initial=initial)
        return max(12, dci_size(self.dci_format, size_cfg, search_space=ss))



class PdcchControlLink:
    """PDCCH blind decoding over AWGN or TDL (campaign link): miss detection per level.

    Implements the PDCCH detection measure of TS 38.101-4 §5.3 / TS 38.104 (probability
    of missing the DCI at a given aggregation level) with the transmitter of
    :class:`~nrlink.link.pdcch.PdcchTransmitter` and the blind-decoding receiver of
    :class:`~nrlink.rx.pdcch.PdcchReceiver` (DM-RS channel and noise estimates).

    Each trial sends one DCI (random bits) on a random candidate of the configured level
    and decodes every candidate of the search space for all monitored RNTIs.

    Counters: ``first_transmissions`` / ``first_transmission_errors`` — DCIs sent /
    DCIs not found exactly (missed detection); ``wrong_dci`` (another DCI or RNTI
    reported while a DCI was sent) and ``false_alarm`` (any DCI reported on an empty
    CORESET) as ``_events`` / ``_trials`` pairs.
    """

    config_type = PdcchLinkConfig

    def __init__(self, config: PdcchLinkConfig, *, channel: TdlConfig | None = None,
                 num_rx: int | None = None):
        if not isinstance(config, PdcchLinkConfig):
            raise ConfigError(f"config={config!r} is not allowed: it must be a PdcchLinkConfig")
        self.config = config
        carrier = config.pdcch.carrier
        self.channel = FrequencyChannel(channel, num_rx, mu=carrier.mu, n_sc=carrier.n_sc,
                                        where="PDCCH link")
        self.tx = PdcchTransmitter(config.pdcch)
        self.rx = config.receiver()
        self.rntis = tuple(config.rnti + i for i in range(config.other_rntis + 1))
        self.n_candidates = dict(zip((1, 2, 4, 8, 16), config.pdcch.search_space.candidates,
                                     strict=True))[config.aggregation_level]

    def run(self, snr_db: float, num_slots: int, *, batch_size: int = 8,
            rng: np.random.Generator) -> ControlResult:
        """Simulate ``num_slots`` slots of ``batch_size`` links (and as many empty ones)."""
        snr_db, num_slots, batch, rng = _check_run(snr_db, num_slots, batch_size, rng,
                                                   "PdcchControlLink.run")
        c = self.config
        n0 = float(noise_variance(snr_db))
        real = self.channel.draw(batch, rng)
        cnt = dict.fromkeys(("first_transmissions", "first_transmission_errors"), 0)
        for k in range(num_slots):
            h = self.channel.grid(real, batch, k)
            bits = rng.integers(0, 2, (batch, c.a_size), dtype=np.uint8)
            cand = rng.integers(0, self.n_candidates, batch)
            x = np.concatenate([self.tx.grid([DciMessage(bits[b], c.rnti, c.aggregation_level,
                                                         int(cand[b]))])
                                for b in range(batch)])  # (B, 14, n_sc)
            y = awgn(h * x[:, None], n0, rng=rng)
            found = self.rx.detect(y, self.rntis, c.a_size)
            ok = np.array([any(d.rnti == c.rnti and np.array_equal(d.bits, bits[b])
                               for d in f) for b, f in enumerate(found)])
            wrong = np.array([any(d.rnti != c.rnti or not np.array_equal(d.bits, bits[b])
                                  for d in f) for b, f in enumerate(found)])
            _add(cnt, "first_transmissions", batch)
            _add(cnt, "first_transmission_errors", (~ok).sum())
            _pair(cnt, "wrong_dci", wrong.sum(), batch)
            if c.false_alarm:
                y0 = awgn(np.zeros_like(y), n0, rng=rng)
                fa = np.array([len(f) > 0 for f in self.rx.detect(y0, self.rntis, c.a_size)])
                _pair(cnt, "false_alarm", fa.sum(), batch)
        return ControlResult(cnt)


def _add(cnt: dict, key: str, v) -> None:
    cnt[key] = cnt.get(key, 0) + int(v)


def _pair(cnt: dict, name: str, events, trials) -> None:
    _add(cnt, f"{name}_events", events)
    _add(cnt, f"{name}_trials", trials)


#: Campaign link types of the control channels: ``link.type`` → link class (whose
#: ``config_type.from_dict`` reads the ``[link.<type>]`` table).
CONTROL_LINKS: dict[str, type] = {"pbch": PbchControlLink, "pdcch": PdcchControlLink,
                                   "pucch": PucchControlLink}
