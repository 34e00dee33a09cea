"""PUCCH link: UCI → PUCCH slot grid → channel and AWGN → PUCCH receiver decisions.

Implements the PUCCH chain of TS 38.212 §6.3.1 (UCI coding, formats 2-4), TS 38.211
§6.3.2/§6.4.1.3 (formats 0-4 and their DM-RS) and TS 38.213 §9.2.3/§9.2.5 (HARQ-ACK and
SR on format 0/1), with the receivers of :mod:`nrlink.rx.pucch`.

One call of :meth:`PucchLink.run` simulates a batch of independent slots on one PUCCH
resource. Each slot either carries the given UCI or is a DTX (the UE sends nothing, e.g.
after a missed PDCCH), and the result holds what was sent and what the receiver decided,
so that ACK miss, NACK → ACK, false alarm on DTX and UCI block errors can be counted.
By default the receiver estimates the noise variance from the received PUCCH itself
(``noise_estimation=True``); the genie receiver given the true N0 is an option.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrlink.channel.awgn import awgn, noise_variance
from nrlink.config.pucch import (
    PucchFormat0Config,
    PucchFormat1Config,
    PucchFormat2Config,
    PucchFormat3Config,
    PucchFormat4Config,
)
from nrlink.errors import ConfigError, check_int, check_rng
from nrlink.rx.pucch import (
    PucchDetection,
    PucchUciResult,
    pucch_format0_detect,
    pucch_format1_detect,
    pucch_uci_receive,
)
from nrlink.spec._checks import as_bits, check_bool, check_real
from nrlink.spec.ts38211.pucch import (
    format0_m_cs,
    pucch_format0_grid,
    pucch_format1_grid,
    pucch_grid,
)
from nrlink.spec.ts38212.uci import uci_bit_sequence, uci_encode

__all__ = ["PucchLink", "PucchLinkResult"]

_C = "TS 38.213 §9.2 (PUCCH link)"
_CONFIGS = (PucchFormat0Config, PucchFormat1Config, PucchFormat2Config, PucchFormat3Config,
            PucchFormat4Config)


@dataclass(frozen=True, slots=True)
class PucchLinkResult:
    """What one batch of PUCCH slots sent and what the receiver decided.

    Implements the bookkeeping of the PUCCH link (TS 38.213 §9.2; counting is the
    caller's).

    Attributes
    ----------
    transmitted : ndarray of bool, shape (B,)
        The UE transmitted (False: DTX, also a format 0/1 slot with nothing to send).
    harq_ack : ndarray of uint8, shape (B, n_harq)
        HARQ-ACK bits sent (1 = ACK).
    sr : ndarray of bool, shape (B,) (formats 0/1) or of uint8, shape (B, O_SR)
        SR sent.
    a : ndarray of uint8, shape (B, A) or None
        Formats 2-4: the UCI bit sequence a sent (HARQ-ACK, SR, CSI part 1).
    detected : ndarray of bool, shape (B,)
        The receiver found a transmission (formats 2-4: DM-RS test passed and CRC ok).
    harq_ack_decided : ndarray of uint8, shape (B, n_harq)
        Decided HARQ-ACK bits (0 where not detected).
    sr_decided : ndarray of bool, shape (B,) or uint8 (B, O_SR)
    a_decided : ndarray of uint8, shape (B, A) or None
    receiver : PucchDetection or PucchUciResult
        The full receiver output (statistics, LLRs).
    """

    transmitted: np.ndarray
    harq_ack: np.ndarray
    sr: np.ndarray
    a: np.ndarray | None
    detected: np.ndarray
    harq_ack_decided: np.ndarray
    sr_decided: np.ndarray
    a_decided: np.ndarray | None
    receiver: PucchDetection | PucchUciResult

    @property
    def uci_error(self) -> np.ndarray:
        """Transmitted slots whose UCI was not recovered exactly (missed or wrong bits)."""
        if self.a is not None:
            wrong = (self.a_decided != self.a).any(axis=-1)
        else:
            wrong = (self.harq_ack_decided != self.harq_ack).any(axis=-1) | (
                self.sr_decided != self.sr)
        return self.transmitted & (~self.detected | wrong)

    @property
    def false_alarm(self) -> np.ndarray:
        """DTX slots in which the receiver detected a transmission."""
        return ~self.transmitted & self.detected


class PucchLink:
    """A PUCCH resource with its UCI content layout, over AWGN (and a given channel).

    Implements the PUCCH chain of TS 38.212 §6.3.1, TS 38.211 §6.3.2 and TS 38.213
    §9.2.3/§9.2.5 (see the module notes).

    Parameters
    ----------
    config : PucchFormat0Config, ..., PucchFormat4Config
        The resource.
    n_harq : int, default 1
        HARQ-ACK bits per slot: 0..2 for formats 0/1, any for formats 2-4.
    sr_occasion : bool, default False
        Formats 0/1: the slot is an SR occasion (format 0: SR with HARQ-ACK on the same
        resource; format 1: only as an SR resource with ``n_harq = 0``).
    n_sr, n_csi : int, default 0
        Formats 2-4: SR bits O_SR and CSI part 1 bits in the UCI (A = n_harq + n_sr +
        n_csi >= 1).
    n_rx : int, default 1
        Receive antennas.
    p_fa : float, default 0.01
        Receiver DTX false-alarm target (:mod:`nrlink.rx.pucch`).
    dtx_detection : bool, default True
        Formats 2-4: a slot counts as received only if the DM-RS energy test passes (and
        the CRC, for 12 bits or more). False: the gNB knows that the UE transmits (e.g. a
        scheduled CSI report) and only the CRC decides, which measures the UCI code alone;
        with the small block codes (no CRC) every slot is then taken as received.
    noise_estimation : bool, default True
        The receiver estimates N0 from the received PUCCH (``noise_var=None`` of
        :mod:`nrlink.rx.pucch`, with its exact DTX threshold for the estimate); False
        gives it the true N0 of the AWGN (a genie receiver).
    **rx_options
        Passed to the receiver (``equalizer``, ``freq_window``, ``list_size``).

    Examples
    --------
    >>> link = PucchLink(PucchFormat0Config(num_symbols=2), n_harq=1)
    >>> r = link.run(harq_ack=np.ones((4, 1), np.uint8), snr_db=10.0,
    ...              rng=np.random.default_rng(0))
    >>> r.harq_ack_decided.ravel().tolist()
    [1, 1, 1, 1]
    """

    def __init__(self, config, *, n_harq: int = 1, sr_occasion: bool = False, n_sr: int = 0,
                 n_csi: int = 0, n_rx: int = 1, p_fa: float = 0.01, dtx_detection: bool = True,
                 noise_estimation: bool = True, **rx_options):
        if not isinstance(config, _CONFIGS):
            raise ConfigError(f"config={config!r} is not allowed: config must be a "
                              f"PucchFormat0Config .. PucchFormat4Config ({_C})")
        self.config = config
        self.resource = config.resource
        fmt = config.pucch_format
        self.sr_occasion = check_bool("sr_occasion", sr_occasion, "TS 38.213 §9.2.5")
        self.dtx_detection = check_bool("dtx_detection", dtx_detection, _C)
        self.noise_estimation = check_bool("noise_estimation", noise_estimation, _C)
        if not self.dtx_detection and fmt <= 1:
            raise ConfigError(f"dtx_detection=False is not allowed for format {fmt}: the "
                              "format 0/1 decision includes DTX (TS 38.213 §9.2.3); use "
                              "formats 2-4")
        self.n_rx = check_int("n_rx", n_rx, "an integer >= 1", _C, lo=1)
        self.p_fa = check_real("p_fa", p_fa, "a real number in (0, 1)", _C)
        if not 0 < self.p_fa < 1:
            raise ConfigError(f"p_fa={p_fa!r} is not allowed: p_fa must be in (0, 1) ({_C})")
        unknown = sorted(set(rx_options) - {"equalizer", "freq_window", "list_size"})
        if unknown:
            raise ConfigError(f"rx option(s) {', '.join(unknown)} not allowed: the receiver "
                              f"options are equalizer, freq_window, list_size ({_C})")
        if fmt <= 1:
            self.n_harq = check_int("n_harq", n_harq, f"0, 1 or 2 for format {fmt}",
                                    "TS 38.213 §9.2.3", lo=0, hi=2)
            if n_sr or n_csi:
                raise ConfigError(f"n_sr={n_sr}, n_csi={n_csi} is not allowed for format {fmt}: "
                                  "formats 0/1 carry HARQ-ACK and SR only, the SR as a bool "
                                  "(TS 38.213 §9.2.3)")
            if self.n_harq == 0 and not self.sr_occasion:
                raise ConfigError(f"n_harq=0 is not allowed with sr_occasion=False for format "
                                  f"{fmt}: there would be nothing to send (TS 38.213 §9.2.5)")
            if fmt == 1 and self.n_harq and self.sr_occasion:
                raise ConfigError(
                    "sr_occasion=True is not allowed with n_harq > 0 for format 1: HARQ-ACK "
                    "with SR selects between two format 1 resources (TS 38.213 §9.2.5.1); "
                    "model the SR resource as its own PucchLink with n_harq=0")
            self.n_sr = self.n_csi = 0
        else:
            self.n_harq = check_int("n_harq", n_harq, "an integer >= 0", _C, lo=0)
            self.n_sr = check_int("n_sr", n_sr, "an integer >= 0", _C, lo=0)
            self.n_csi = check_int("n_csi", n_csi, "an integer >= 0", _C, lo=0)
            if self.sr_occasion:
                raise ConfigError(f"sr_occasion=True is not allowed for format {fmt}: the SR "
                                  "travels as n_sr bits of the UCI (TS 38.213 §9.2.5.1)")
            a_size = self.n_harq + self.n_sr + self.n_csi
            e = config.e_tot
            if a_size < 1:
                raise ConfigError(f"n_harq + n_sr + n_csi = {a_size} is not allowed: a format "
                                  f"{fmt} UCI needs at least one bit (TS 38.212 §6.3.1.1)")
            # checks that A fits E_tot (raises ConfigError otherwise)
            uci_encode(np.zeros(a_size, np.uint8), e, qm=self.resource.qm)
        self.rx_options = rx_options

    @property
    def a_size(self) -> int:
        """UCI payload size A (formats 2-4)."""
        return self.n_harq + self.n_sr + self.n_csi

    # ------------------------------------------------------------------ transmitter

    def _bits(self, name: str, value, width: int, batch: int) -> np.ndarray:
        if value is None:
            return np.zeros((batch, width), np.uint8)
        b = as_bits(name, value, _C)
        if b.shape != (batch, width):
            raise ConfigError(f"{name} of shape {b.shape} is not allowed: {name} must be "
                              f"({batch}, {width}) ({_C})")
        return b

    def _sr_bool(self, sr, batch: int) -> np.ndarray:
        if sr is None:
            return np.zeros(batch, bool)
        s = np.asarray(sr)
        if s.dtype != np.bool_ or s.shape != (batch,):
            raise ConfigError(f"sr of shape {s.shape} and dtype {s.dtype} is not allowed: for "
                              f"formats 0/1 sr must be a bool array of shape ({batch},) ({_C})")
        if s.any() and not self.sr_occasion:
            raise ConfigError(f"sr with a positive SR is not allowed with sr_occasion=False "
                              f"(TS 38.213 §9.2.5) ({_C})")
        return s

    def _batch(self, harq_ack, sr, csi, transmit) -> int:
        for v in (harq_ack, sr, csi, transmit):
            if v is not None and np.ndim(v) >= 1:
                return int(np.shape(v)[0])
        raise ConfigError(f"harq_ack, sr, csi and transmit are all None: give at least one "
                          f"of them to set the batch size ({_C})")

    def transmit(self, *, harq_ack=None, sr=None, csi=None, transmit=None):
        """The transmitted slot grids and what they carry.

        Implements TS 38.212 §6.3.1 (formats 2-4), TS 38.211 §6.3.2 and TS 38.213
        §9.2.3/§9.2.5 (format 0 m_cs; a positive SR alone on format 1 as b(0) = 0).

        Parameters
        ----------
        harq_ack : array_like of 0/1, shape (B, n_harq), optional (zeros)
        sr : formats 0/1: array_like of bool, shape (B,); formats 2-4: 0/1 (B, n_sr)
        csi : array_like of 0/1, shape (B, n_csi), optional (formats 2-4, zeros)
        transmit : array_like of bool, shape (B,), optional (all True)
            False: DTX, nothing sent.

        Returns
        -------
        grid : ndarray of complex64, shape (B, n_symb_slot, n_sc)
        sent : dict
            ``transmitted``, ``harq_ack``, ``sr``, ``a`` as in :class:`PucchLinkResult`.
        """
        batch = self._batch(harq_ack, sr, csi, transmit)
        res = self.resource
        tx = np.ones(batch, bool) if transmit is None else np.asarray(transmit)
        if tx.dtype != np.bool_ or tx.shape != (batch,):
            raise ConfigError(f"transmit of shape {tx.shape} is not allowed: transmit must be a "
                              f"bool array of shape ({batch},) ({_C})")
        harq = self._bits("harq_ack", harq_ack, self.n_harq, batch)
        fmt = res.pucch_format
        a = None
        if fmt == 0:
            s = self._sr_bool(sr, batch)
            m_cs = np.where(tx, format0_m_cs(harq, s), -1)
            grid = pucch_format0_grid(res, m_cs)
            tx = m_cs >= 0
        elif fmt == 1:
            s = self._sr_bool(sr, batch)
            if self.n_harq == 0:
                tx = tx & s
                grid = pucch_format1_grid(res, np.zeros((batch, 1), np.uint8))
            else:
                grid = pucch_format1_grid(res, harq)
            grid = grid * tx[:, None, None]
        else:
            s = self._bits("sr", sr, self.n_sr, batch)
            c = self._bits("csi", csi, self.n_csi, batch)
            a = uci_bit_sequence(harq_ack=harq, sr=s, csi_part1=c).reshape(batch, self.a_size)
            grid = pucch_grid(res, uci_encode(a, self.config.e_tot, qm=res.qm))
            grid = grid * tx[:, None, None]
        return grid, {"transmitted": tx, "harq_ack": harq, "sr": s, "a": a}

    # ------------------------------------------------------------------- the link

    def run(self, *, snr_db, rng, harq_ack=None, sr=None, csi=None, transmit=None,
            channel=None) -> PucchLinkResult:
        """Send a batch of slots through the channel and AWGN and run the receiver.

        Implements the PUCCH link (module notes): y_r = H_r x + n, n ~ CN(0, N0),
        N0 = 10^(-SNR/10) per RE (unit-energy PUCCH REs, :mod:`nrlink.channel.awgn`).
        The receiver estimates N0 (``noise_estimation=True``) or is given it.

        Parameters
        ----------
        snr_db : float
            SNR per RE and receive antenna (dB) for a unit-power channel.
        rng : numpy.random.Generator
        harq_ack, sr, csi, transmit
            As :meth:`transmit`.
        channel : array_like of complex, optional
            Frequency-domain channel H broadcastable to (B, n_rx, n_symb_slot, n_sc)
            (default: 1 on every antenna).

        Returns
        -------
        PucchLinkResult
        """
        rng = check_rng(rng)
        nv = float(noise_variance(check_real("snr_db", snr_db, "a finite real (dB)", _C)))
        grid, sent = self.transmit(harq_ack=harq_ack, sr=sr, csi=csi, transmit=transmit)
        res = self.resource
        shape = (grid.shape[0], self.n_rx, res.n_symb_slot, res.n_sc)
        if channel is None:
            y = np.broadcast_to(grid[:, None], shape)
        else:
            h = np.asarray(channel)
            try:
                ok = h.dtype.kind in "fc" and np.broadcast_shapes(h.shape, shape) == shape
            except ValueError:
                ok = False
            if not ok:
                raise ConfigError(f"channel of shape {h.shape} is not allowed: it must be a "
                                  f"numeric array broadcastable to {shape} ({_C})")
            y = h * grid[:, None]
        y = awgn(y, nv, rng=rng)
        fmt = res.pucch_format
        a_dec = None
        n0 = None if self.noise_estimation else nv
        if fmt == 0:
            rx = pucch_format0_detect(y, res, noise_var=n0, n_harq=self.n_harq,
                                      sr_occasion=self.sr_occasion, p_fa=self.p_fa)
        elif fmt == 1:
            rx = pucch_format1_detect(y, res, noise_var=n0, n_harq=self.n_harq, p_fa=self.p_fa,
                                      **{k: v for k, v in self.rx_options.items()
                                         if k == "freq_window"})
        else:
            rx = pucch_uci_receive(y, res, noise_var=n0, a_size=self.a_size, p_fa=self.p_fa,
                                   **self.rx_options)
        if fmt <= 1:
            detected = ~rx.dtx
            harq_dec, sr_dec = rx.harq_ack, rx.sr
        else:
            detected = (~rx.dtx & rx.crc_ok) if self.dtx_detection else rx.crc_ok
            a_dec = np.where(detected[:, None], rx.bits, np.uint8(0)).astype(np.uint8)
            harq_dec = a_dec[:, :self.n_harq]
            sr_dec = a_dec[:, self.n_harq:self.n_harq + self.n_sr]
        return PucchLinkResult(transmitted=sent["transmitted"], harq_ack=sent["harq_ack"],
                               sr=sent["sr"], a=sent["a"], detected=detected,
                               harq_ack_decided=harq_dec, sr_decided=sr_dec, a_decided=a_dec,
                               receiver=rx)
