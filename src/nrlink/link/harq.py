"""HARQ processes with soft combining, and the throughput accounting of the performance tests.

A batch of ``B`` independent HARQ processes (one per simulated UE or link instance) of
one transport-block configuration. The model is channel-agnostic: each slot the caller
asks :meth:`HarqProcesses.next_transmission` which transport block and redundancy
version every process sends, runs its own transmitter → channel → receiver, and hands
the codeword LLRs to :meth:`HarqProcesses.receive`, which decodes each process with its
own RV and soft buffer, decides ACK/NACK from the TB CRC and updates the statistics.

Every process transmits once per call; the HARQ round-trip time and the interleaving
of the HARQ processes of one UE are abstracted away. That is how the demodulation
performance tests count throughput (TS 38.101-4 §5.2, TS 38.104 §8.2): every scheduled
slot carries a new transmission or a retransmission, and the maximum is a new
transport block in every slot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np

from nrlink.config._base import FromDictMixin
from nrlink.config._resources import SharedChannelMixin
from nrlink.config.transport_block import TransportBlockConfig
from nrlink.errors import ConfigError, check_int, check_rng
from nrlink.link.sch import TbDecodeResult, decode_tb, encode_tb, new_harq_buffer
from nrlink.rx.ldpc_decoder import LdpcDecoderConfig

__all__ = [
    "HarqConfig",
    "HarqProcesses",
    "HarqSlotResult",
    "HarqStatistics",
    "HarqTransmission",
    "RV_SEQUENCE_DEFAULT",
]

#: RV order of repeated transmissions, TS 38.214 Table 5.1.2.1-2 / Table 6.1.2.1-2 (rv_id 0).
RV_SEQUENCE_DEFAULT: tuple[int, ...] = (0, 2, 3, 1)

_C_RV = "TS 38.214 §5.1.2.1 / §6.1.2.1"
_C_BUF = "TS 38.212 §5.4.2.1"
_COMBINING = ("ir", "chase")
_ACK = ("crc", "genie")

#: ``decode_fn(llr, tb_config, *, harq_buffer, decoder) -> TbDecodeResult`` (as ``decode_tb``).
DecodeFn = Callable[..., TbDecodeResult]


@dataclass(frozen=True, slots=True, kw_only=True)
class HarqConfig(FromDictMixin):
    """Parameters of the HARQ retransmission protocol.

    Implements the redundancy-version order of TS 38.214 §5.1.2.1 / §6.1.2.1 (Tables
    5.1.2.1-2 and 6.1.2.1-2) and soft combining in the N_cb soft buffer of TS 38.212
    §5.4.2.1.

    Parameters
    ----------
    rv_sequence : tuple of int, default (0, 2, 3, 1)
        Redundancy version rv_id of the 1st, 2nd, ... transmission of a transport block,
        each in 0..3; cycled when ``max_transmissions`` exceeds its length (the tables'
        ``n mod 4``). The default is the 3GPP order, also the one of the TS 38.101-4 /
        TS 38.104 performance tests.
    max_transmissions : int, default 4
        Transmissions of a transport block at most (initial one included), >= 1; 1 means
        no HARQ (every transport block is sent once).
    combining : {"ir", "chase"}, default "ir"
        ``"ir"``: incremental redundancy, transmission k uses ``rv_sequence[k]``.
        ``"chase"``: chase combining, every transmission repeats ``rv_sequence[0]``. Both
        add the received LLRs into the same soft buffer (TS 38.212 §5.4.2.1).
    ack : {"crc", "genie"}, default "crc"
        When a transmission is acknowledged (the transport block delivered): ``"crc"``
        when its TB CRC passes (TS 38.212 §7.2.1), as a receiver decides; ``"genie"``
        when the decoded bits equal the transmitted ones (a simulator's shortcut that
        also turns undetected errors into NACKs, see :class:`HarqProcesses` Notes).

    Raises
    ------
    ConfigError
        If a field is outside its range.

    Examples
    --------
    >>> HarqConfig().rv_for(np.arange(6))
    array([0, 2, 3, 1, 0, 2])
    >>> HarqConfig(combining="chase", rv_sequence=(2,)).rv_for(np.arange(3))
    array([2, 2, 2])
    """

    rv_sequence: tuple[int, ...] = RV_SEQUENCE_DEFAULT
    max_transmissions: int = 4
    combining: Literal["ir", "chase"] = "ir"
    ack: Literal["crc", "genie"] = "crc"

    def __post_init__(self) -> None:
        seq = self.rv_sequence
        if not isinstance(seq, tuple | list) or len(seq) == 0:
            raise ConfigError(
                f"rv_sequence={seq!r} is not allowed: rv_sequence must be a non-empty tuple "
                f"of redundancy versions 0..3 ({_C_RV})"
            )
        seq = tuple(check_int("rv_sequence", v, "a tuple of values in 0, 1, 2, 3", _C_RV,
                              choices=(0, 1, 2, 3)) for v in seq)
        object.__setattr__(self, "rv_sequence", seq)
        check_int("max_transmissions", self.max_transmissions, "an integer >= 1 (1: no HARQ)",
                  _C_RV, lo=1)
        object.__setattr__(self, "max_transmissions", int(self.max_transmissions))
        for name, allowed, clause in (("combining", _COMBINING, _C_BUF),
                                      ("ack", _ACK, "TS 38.212 §7.2.1")):
            value = getattr(self, name)
            if value not in allowed:
                raise ConfigError(f"{name}={value!r} is not allowed: {name} must be one of "
                                  f"{', '.join(map(repr, allowed))} ({clause})")

    def rv_for(self, transmission_index) -> np.ndarray:
        """Redundancy version of the transmission with 0-based index ``transmission_index``.

        Implements TS 38.214 §5.1.2.1 / §6.1.2.1 (RV order cycled ``n mod len``).
        """
        k = np.asarray(transmission_index, dtype=np.int64)
        seq = np.asarray(self.rv_sequence, dtype=np.int64)
        if self.combining == "chase":
            return np.full(k.shape, seq[0], dtype=np.int64)
        return seq[k % seq.size]


@dataclass(frozen=True, slots=True, kw_only=True)
class HarqStatistics:
    """Counters of HARQ transmissions and outcomes, for one slot or accumulated.

    Implements the throughput of TS 38.101-4 §5.2 / TS 38.104 §8.2 (Annex A fixed
    reference channels): successfully received transport-block bits relative to the
    maximum, the bits delivered if every transport block passed on its first
    transmission (one new transport block per slot).

    Statistics add up with ``+`` (slots, or runs of other configurations).

    Attributes
    ----------
    slots : int
        Slots (calls of :meth:`HarqProcesses.receive`) counted.
    transmissions : int
        Transmissions, new and retransmissions (B per slot; idle processes excluded).
    link_slots : int
        (slot, link) pairs in which the link transmitted: ``transmissions`` for one
        codeword; a link sending two codewords in a slot counts once (the links merge their
        codewords' statistics so).
    tbs_started : int
        Transport blocks whose first transmission was counted.
    tbs_delivered : int
        Transport blocks acknowledged (TB CRC passed, or for ``ack="genie"`` decoded
        correctly), on any transmission.
    tbs_failed : int
        Transport blocks still failing after ``max_transmissions`` (dropped).
    tbs_undetected : int
        Delivered transport blocks whose decoded bits differ from the sent ones (TB CRC
        passed wrongly; a subset of ``tbs_delivered``, known only to a simulator; always
        0 for ``ack="genie"``).
    first_transmissions, first_transmission_errors : int
        First transmissions, and those not acknowledged.
    transmissions_completed : int
        Transmissions spent on the completed (delivered or failed) transport blocks.
    bits_delivered : int
        Σ TBS over the delivered transport blocks.
    bits_max : int
        Σ TBS over all transmissions (had every transmission delivered a new TB).
    first_transmission_bits, first_transmission_bit_errors : int
        Σ TBS over the first transmissions, and the decoded TB bits in error among them.
    bits_completed, residual_bit_errors : int
        Σ TBS over the completed transport blocks, and the bits in error that they finally
        delivered or dropped (failed TBs' last decoding, plus undetected errors).
    delivered_at : tuple of int
        ``delivered_at[k]``: transport blocks delivered on their transmission k (0-based).
    """

    slots: int = 0
    transmissions: int = 0
    link_slots: int = 0
    tbs_started: int = 0
    tbs_delivered: int = 0
    tbs_failed: int = 0
    tbs_undetected: int = 0
    first_transmissions: int = 0
    first_transmission_errors: int = 0
    transmissions_completed: int = 0
    bits_delivered: int = 0
    bits_max: int = 0
    first_transmission_bits: int = 0
    first_transmission_bit_errors: int = 0
    bits_completed: int = 0
    residual_bit_errors: int = 0
    delivered_at: tuple[int, ...] = field(default=())

    def __add__(self, other: HarqStatistics) -> HarqStatistics:
        if not isinstance(other, HarqStatistics):
            return NotImplemented
        n = max(len(self.delivered_at), len(other.delivered_at))
        at = np.zeros(n, dtype=np.int64)
        for d in (self.delivered_at, other.delivered_at):
            at[: len(d)] += np.asarray(d, dtype=np.int64)
        kw = {f: getattr(self, f) + getattr(other, f) for f in _COUNTERS}
        return HarqStatistics(**kw, delivered_at=tuple(int(v) for v in at))

    @property
    def tbs_completed(self) -> int:
        """Transport blocks finished: delivered + failed."""
        return self.tbs_delivered + self.tbs_failed

    @property
    def bler_first(self) -> float:
        """BLER of the first transmission: failed first transmissions / first transmissions."""
        return _ratio(self.first_transmission_errors, self.first_transmissions)

    @property
    def residual_bler(self) -> float:
        """Residual BLER: transport blocks failed after max_transmissions / completed ones."""
        return _ratio(self.tbs_failed, self.tbs_completed)

    @property
    def ber_first(self) -> float:
        """Bit error rate of the decoded TBs on their first transmission."""
        return _ratio(self.first_transmission_bit_errors, self.first_transmission_bits)

    @property
    def residual_ber(self) -> float:
        """Bit error rate of the completed TBs after HARQ (dropped and undetected errors)."""
        return _ratio(self.residual_bit_errors, self.bits_completed)

    @property
    def throughput(self) -> float:
        """Throughput relative to the maximum, in 0..1: ``bits_delivered / bits_max``.

        Implements TS 38.101-4 §5.2 / TS 38.104 §8.2 (fraction of the maximum throughput
        of the fixed reference channel).
        """
        return _ratio(self.bits_delivered, self.bits_max)

    @property
    def bits_per_slot(self) -> float:
        """Mean bits delivered per slot and link: ``bits_delivered / link_slots`` (both
        codewords of a link count in its slot). Divide by the slot duration for bit/s."""
        return _ratio(self.bits_delivered, self.link_slots)

    @property
    def mean_transmissions(self) -> float:
        """Mean transmissions used per completed transport block."""
        return _ratio(self.transmissions_completed, self.tbs_completed)


_COUNTERS = tuple(f for f in HarqStatistics.__dataclass_fields__ if f != "delivered_at")


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


class HarqTransmission(NamedTuple):
    """What every process sends in this slot (:meth:`HarqProcesses.next_transmission`)."""

    #: ndarray of uint8, shape (B, A): the transport block of each process (read-only copy).
    bits: np.ndarray
    #: ndarray of int64, shape (B,): redundancy version of this transmission.
    rv: np.ndarray
    #: ndarray of bool, shape (B,): the process starts a new transport block (NDI toggled).
    new_data: np.ndarray
    #: ndarray of bool, shape (B,): the process transmits in this slot (False: idle, only
    #: when new data is withheld, see :meth:`HarqProcesses.next_transmission`).
    active: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class HarqSlotResult:
    """Outcome of one slot of :meth:`HarqProcesses.receive`.

    Attributes
    ----------
    active : ndarray of bool, shape (B,)
        The process transmitted (idle ones, see ``new_data=False``, count nowhere).
    rv, transmission_index : ndarray of int64, shape (B,)
        Redundancy version and 0-based transmission index of this transmission.
    new_data : ndarray of bool, shape (B,)
        This was the first transmission of a transport block.
    ndi : ndarray of uint8, shape (B,)
        New data indicator of the transport block.
    ack : ndarray of bool, shape (B,)
        Acknowledged: the transport block is delivered (``tb_crc_ok`` for
        ``ack="crc"``, ``bits_ok`` for ``ack="genie"``).
    tb_crc_ok : ndarray of bool, shape (B,)
        TB CRC passed (TS 38.212 §7.2.1).
    failed : ndarray of bool, shape (B,)
        NACK on the last allowed transmission: the transport block is dropped.
    bits_ok : ndarray of bool, shape (B,)
        The decoded bits equal the transmitted ones.
    bit_errors : ndarray of int64, shape (B,)
        Decoded TB bits that differ from the transmitted ones.
    bits : ndarray of uint8, shape (B, A)
        Decoded transport block bits.
    iterations : ndarray of int32, shape (B, C)
        LDPC decoder iterations per code block.
    statistics : HarqStatistics
        Counters of this slot only.
    """

    active: np.ndarray
    rv: np.ndarray
    transmission_index: np.ndarray
    new_data: np.ndarray
    ndi: np.ndarray
    ack: np.ndarray
    tb_crc_ok: np.ndarray
    failed: np.ndarray
    bits_ok: np.ndarray
    bit_errors: np.ndarray
    bits: np.ndarray
    iterations: np.ndarray
    statistics: HarqStatistics


def _readonly(a: np.ndarray) -> np.ndarray:
    v = a.view()
    v.flags.writeable = False
    return v


class HarqProcesses:
    """A batch of independent HARQ processes of one transport-block configuration.

    Implements the HARQ operation of TS 38.214 §5.1.2.1 / §6.1.2.1 (RV order) and TS
    38.321 §5.3.2 / §5.4.2 (new data indicator, retransmissions) with soft combining in
    the N_cb buffer of TS 38.212 §5.4.2.1, and the throughput of TS 38.101-4 §5.2.

    Per process it keeps the current transport block bits, the transmission index, the
    NDI, the soft buffer ``(C, N)`` and, for the batch, cumulative
    :class:`HarqStatistics`. A slot is :meth:`next_transmission` then :meth:`receive`.

    Parameters
    ----------
    tb_config : TransportBlockConfig, PuschConfig or PdschConfig
        The transport block (for a channel configuration: its codeword ``codeword``).
        Its ``rv`` is ignored: the HARQ process chooses the RV of each transmission.
    batch : int
        Number B >= 1 of processes.
    config : HarqConfig, optional
        Default ``HarqConfig()``: RV 0, 2, 3, 1 and up to 4 transmissions.
    codeword : int, default 0
        Codeword of a channel configuration (0 or 1).

    Notes
    -----
    With ``HarqConfig(ack="crc")`` ACK/NACK follows the TB CRC (TS 38.212 §7.2.1), as in
    a receiver: a transport block whose CRC passes with wrong bits counts as delivered
    and is reported in ``tbs_undetected``. Beyond the CRC's own miss rate (2^-16 or
    2^-24 per failed decoding) this happens whenever the systematic bits get no
    information, since a zero LLR decides bit 0 and the all-zero TB has a zero CRC
    (the TB CRC has no initial value or inversion): an all-zero LLR input (a lost
    transmission), or an RV other than 0 alone at a code rate where it carries no
    systematic bits. ``ack="genie"`` decides by comparing the bits instead.

    Examples
    --------
    >>> cfg = TransportBlockConfig(tbs=200, target_code_rate=0.5, g=480, qm=2)
    >>> harq = HarqProcesses(cfg, batch=3)
    >>> rng = np.random.default_rng(1)
    >>> tx = harq.next_transmission(rng)
    >>> tx.rv, tx.new_data
    (array([0, 0, 0]), array([ True,  True,  True]))
    >>> llr = 8.0 * (1.0 - 2.0 * harq.encode())  # noiseless
    >>> res = harq.receive(llr)
    >>> bool(res.tb_crc_ok.all()), harq.statistics.throughput
    (True, 1.0)
    """

    def __init__(self, tb_config, batch: int, config: HarqConfig | None = None, *,
                 codeword: int = 0):
        if isinstance(tb_config, SharedChannelMixin):
            cws = tb_config.resources.tb_configs
            codeword = check_int("codeword", codeword, f"0..{len(cws) - 1}",
                                 "TS 38.211 §7.3.1.3", lo=0, hi=len(cws) - 1)
            tb_config = cws[codeword]
        if not isinstance(tb_config, TransportBlockConfig):
            raise ConfigError(
                f"tb_config={tb_config!r} is not allowed: tb_config must be a "
                "TransportBlockConfig, PuschConfig or PdschConfig"
            )
        config = HarqConfig() if config is None else config
        if not isinstance(config, HarqConfig):
            raise ConfigError(f"config={config!r} is not allowed: config must be a HarqConfig")
        b = check_int("batch", batch, "an integer >= 1 (number of HARQ processes)",
                      "nrlink HARQ model", lo=1)
        self.config = config
        self.tb_config = tb_config
        self.batch = b
        rvs = sorted(set(config.rv_for(np.arange(config.max_transmissions)).tolist()))
        self._tb_configs = {r: tb_config.replace(rv=r) for r in rvs}
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget every transport block, soft buffer and counter (NDI back to 0)."""
        b, a = self.batch, self.tb_config.tbs
        self._bits = np.zeros((b, a), dtype=np.uint8)
        self._tx_index = np.zeros(b, dtype=np.int64)  # index of the next transmission
        self._ndi = np.zeros(b, dtype=np.uint8)
        self._need_new = np.ones(b, dtype=bool)
        self._buffer = new_harq_buffer(self.tb_config, (b,))
        self._pending: HarqTransmission | None = None
        self._pending_index = self._tx_index
        self._statistics = HarqStatistics(delivered_at=(0,) * self.config.max_transmissions)

    @property
    def tbs(self) -> int:
        """Transport block size A."""
        return self.tb_config.tbs

    @property
    def bits(self) -> np.ndarray:
        """Current transport block of each process, ``(B, A)`` uint8 (read-only live view)."""
        return _readonly(self._bits)

    @property
    def transmission_index(self) -> np.ndarray:
        """0-based index of each process's next (or pending) transmission, ``(B,)``.

        A process about to start new data shows the index it reached on its last
        transport block plus one; :meth:`next_transmission` resets it to 0.
        """
        if self._pending is not None:
            return _readonly(self._pending_index)
        return _readonly(self._tx_index)

    @property
    def ndi(self) -> np.ndarray:
        """New data indicator of each process's current transport block, ``(B,)`` uint8.

        Starts at 0 and toggles whenever a process starts a new transport block (TS 38.321
        §5.3.2.2), so the first transport block has NDI 1.
        """
        return _readonly(self._ndi)

    @property
    def soft_buffer(self) -> np.ndarray:
        """Soft buffers ``(B, C, N)`` float32 of the current transport blocks (read-only)."""
        return _readonly(self._buffer)

    @property
    def statistics(self) -> HarqStatistics:
        """Statistics accumulated over every slot since construction or :meth:`reset`."""
        return self._statistics

    def transmission_config(self, rv: int) -> TransportBlockConfig:
        """The transport-block configuration of a transmission with redundancy version ``rv``."""
        try:
            return self._tb_configs[int(rv)]
        except (KeyError, TypeError, ValueError):
            allowed = ", ".join(str(r) for r in self._tb_configs)
            raise ConfigError(
                f"rv={rv!r} is not allowed: rv must be one of {allowed} (the RVs of "
                f"rv_sequence={self.config.rv_sequence}, {_C_RV})"
            ) from None

    # ------------------------------------------------------------------ transmit
    def next_transmission(self, rng: np.random.Generator, *,
                          new_data: bool = True) -> HarqTransmission:
        """Which transport block and RV each process sends in this slot.

        Implements TS 38.214 §5.1.2.1 / §6.1.2.1 (RV order). Processes whose last
        transport block was delivered or dropped (and all, in the first slot) start new
        data: new random bits drawn from ``rng`` (rows in process order), NDI toggled,
        soft buffer cleared, transmission index 0.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of the new transport block bits.
        new_data : bool, default True
            False: no process starts a new transport block; those that would are idle in
            this slot (they neither decode nor count). Used to complete the transport
            blocks in flight at the end of a simulation, so that every TB started is
            counted as delivered or failed (no truncation bias in the throughput and
            residual BLER).

        Returns
        -------
        HarqTransmission
            ``(bits (B, A) uint8 read-only, rv (B,) int64, new_data (B,) bool, active (B,)
            bool)``.

        Raises
        ------
        ConfigError
            If ``rng`` is not a Generator, or the previous transmission has not been
            passed to :meth:`receive` yet.
        """
        rng = check_rng(rng)
        if self._pending is not None:
            raise ConfigError(
                "next_transmission() called twice: pass the pending transmission's LLRs "
                "to receive() first (one transmission per slot and process)"
            )
        if not isinstance(new_data, bool):
            raise ConfigError(f"new_data={new_data!r} is not allowed: it must be True or False")
        new = self._need_new.copy()
        active = np.ones(self.batch, dtype=bool) if new_data else ~new
        if not new_data:
            new[:] = False
        n_new = int(np.count_nonzero(new))
        if n_new:
            self._bits[new] = rng.integers(0, 2, (n_new, self.tbs), dtype=np.uint8)
            self._tx_index[new] = 0
            self._ndi[new] ^= 1
            self._buffer[new] = 0.0
            self._need_new[new] = False
        index = self._tx_index.copy()
        rv = self.config.rv_for(index)
        self._pending_index = index
        self._pending = HarqTransmission(_readonly(self._bits.copy()), _readonly(rv),
                                         _readonly(new), _readonly(active))
        return self._pending

    @property
    def in_flight(self) -> np.ndarray:
        """Processes whose transport block is neither delivered nor dropped yet, ``(B,)``."""
        return ~self._need_new

    def rv_groups(self) -> list[tuple[int, np.ndarray]]:
        """``(rv, process indices)`` of the pending transmission, one entry per RV used.

        For transmitters that take one configuration per call: run the chain of
        ``transmission_config(rv)`` (or ``pusch_config.replace(rv=rv)``) on those rows.
        """
        pending = self._require_pending("rv_groups")
        act = pending.active
        groups = [(int(r), np.flatnonzero((pending.rv == r) & act))
                  for r in np.unique(pending.rv[act])]
        return groups

    def encode(self) -> np.ndarray:
        """Codeword bits ``(B, G)`` uint8 of the pending transmission (before scrambling).

        Implements TS 38.212 §7.2 / §6.2 with each process's RV (:func:`encode_tb`).
        """
        pending = self._require_pending("encode")
        groups = self.rv_groups()
        if len(groups) == 1 and groups[0][1].size == self.batch:
            return encode_tb(pending.bits, self.transmission_config(groups[0][0]))
        f = np.zeros((self.batch, self.tb_config.g), dtype=np.uint8)  # idle rows: zeros
        for r, idx in groups:
            f[idx] = encode_tb(pending.bits[idx], self.transmission_config(r))
        return f

    def _require_pending(self, name: str) -> HarqTransmission:
        if self._pending is None:
            raise ConfigError(f"{name}() needs a pending transmission: call "
                              "next_transmission(rng) first")
        return self._pending

    # ------------------------------------------------------------------ receive
    def receive(self, llr, *, decoder: LdpcDecoderConfig | None = None,
                decode_fn: DecodeFn | None = None) -> HarqSlotResult:
        """Decode the pending transmission of every process and update the HARQ state.

        Implements TS 38.212 §7.2 / §6.2 receive processing with soft combining in the
        N_cb buffer (§5.4.2.1), ACK on TB CRC pass (§7.2.1), and the retransmission rule:
        a process whose TB CRC passed, or which used ``max_transmissions``, starts new
        data at the next :meth:`next_transmission`; the others keep the combined buffer
        and advance to the next RV of ``rv_sequence``.

        Parameters
        ----------
        llr : array_like of float, shape (B, G)
            Descrambled codeword LLRs of this transmission, positive for bit 0.
        decoder : LdpcDecoderConfig, optional
            LDPC decoder settings (default of :func:`decode_tb`).
        decode_fn : callable, optional
            Replacement for :func:`~nrlink.link.sch.decode_tb`, same signature and
            result; called once per RV group and updating ``harq_buffer`` or returning
            the combined buffer.

        Returns
        -------
        HarqSlotResult

        Raises
        ------
        ConfigError
            If there is no pending transmission or ``llr`` is not ``(B, G)`` real.
        """
        pending = self._require_pending("receive")
        b, g = self.batch, self.tb_config.g
        llr = np.asarray(llr)
        if llr.shape != (b, g) or llr.dtype.kind not in "biuf":
            raise ConfigError(
                f"llr has shape {llr.shape} and dtype {llr.dtype}: expected real (B, G) = "
                f"({b}, {g}) codeword LLRs of the pending transmission ({_C_BUF})"
            )
        llr = llr.astype(np.float32, copy=False)
        decode = decode_tb if decode_fn is None else decode_fn
        seg = self.tb_config.plan.seg
        act = pending.active
        crc = np.zeros(b, dtype=bool)
        bits_hat = self._bits.copy()  # idle processes: nothing decoded, no errors
        iterations = np.zeros((b, seg.c), dtype=np.int32)
        for r, idx in self.rv_groups():
            whole = idx.size == b
            buf = self._buffer if whole else self._buffer[idx]
            res = decode(llr if whole else llr[idx], self.transmission_config(r),
                         harq_buffer=buf, decoder=decoder)
            if whole:
                if res.harq_buffer is not self._buffer:
                    self._buffer[...] = res.harq_buffer
            else:
                self._buffer[idx] = res.harq_buffer
            crc[idx] = res.tb_crc_ok
            bits_hat[idx] = res.bits
            iterations[idx] = res.iterations

        index, new = self._pending_index, pending.new_data
        bit_errors = np.count_nonzero(bits_hat != self._bits, axis=-1).astype(np.int64)
        bits_ok = bit_errors == 0
        ack = (crc if self.config.ack == "crc" else bits_ok) & act
        last = index == self.config.max_transmissions - 1
        failed = ~ack & last & act
        done = ack | failed
        first = (index == 0) & act
        n_del = int(np.count_nonzero(ack))
        n_act = int(np.count_nonzero(act))
        slot = HarqStatistics(
            slots=1,
            transmissions=n_act,
            link_slots=n_act,
            tbs_started=int(np.count_nonzero(new)),
            tbs_delivered=n_del,
            tbs_failed=int(np.count_nonzero(failed)),
            tbs_undetected=int(np.count_nonzero(ack & ~bits_ok)),
            first_transmissions=int(np.count_nonzero(first)),
            first_transmission_errors=int(np.count_nonzero(first & ~ack)),
            transmissions_completed=int((index + 1)[done].sum()),
            bits_delivered=n_del * self.tbs,
            bits_max=n_act * self.tbs,
            first_transmission_bits=int(np.count_nonzero(first)) * self.tbs,
            first_transmission_bit_errors=int(bit_errors[first].sum()),
            bits_completed=int(np.count_nonzero(done)) * self.tbs,
            residual_bit_errors=int(bit_errors[done].sum()),
            delivered_at=tuple(int(v) for v in np.bincount(
                index[ack], minlength=self.config.max_transmissions)),
        )
        result = HarqSlotResult(
            active=act,
            rv=pending.rv, transmission_index=_readonly(index), new_data=new,
            ndi=_readonly(self._ndi.copy()), ack=ack, tb_crc_ok=crc, failed=failed,
            bits_ok=bits_ok, bit_errors=bit_errors,
            bits=bits_hat, iterations=iterations, statistics=slot,
        )
        self._tx_index = np.where(act, index + 1, self._tx_index)
        self._need_new = np.where(act, done, self._need_new)
        self._pending = None
        self._statistics = self._statistics + slot
        return result
