"""BCH transport channel: MIB bits, PBCH payload generation, scrambling and coding.

Implements TS 38.212 §7.1 (§7.1.1 payload generation, §7.1.2 scrambling, §7.1.3 CRC
attachment, §7.1.4 channel coding, §7.1.5 rate matching) for the MIB of TS 38.331 §6.2.2.

Release followed: Rel-15/16 without shared-spectrum access, i.e. L_max ∈ {4, 8, 64}
(the Rel-16 L̄_max = 10 / 20 payload variants of NR-U are not implemented).

Chain: the 24 bits ā_0..ā_23 of the BCCH-BCH-Message (1 CHOICE bit, then the 23 MIB bits
in ASN.1 UPER order) plus 8 timing bits ā_24..ā_31 (:func:`bch_payload`) are interleaved
with the pattern G(j) of Table 7.1.1-1 (:func:`bch_interleave`), scrambled except for the
bits the receiver needs before descrambling (:func:`bch_scramble`), then CRC24C, polar
coding (K = 56, n_max = 9, input interleaver) and rate matching to E = 864 are exactly
``polar_encode(a, 32, 864, "downlink")`` (:func:`bch_encode`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec._checks import as_bits, check_choice, check_int_array
from nrlink.spec.ts38211.prbs import gold_sequence
from nrlink.spec.ts38212.polar import polar_encode

__all__ = [
    "A_BAR_MIB",
    "A_BCH",
    "BCH_PAYLOAD_INTERLEAVER_PATTERN",
    "E_BCH",
    "L_MAX_VALUES",
    "Mib",
    "bch_deinterleave",
    "bch_encode",
    "bch_interleave",
    "bch_payload",
    "bch_payload_fields",
    "bch_scramble",
    "bch_scrambling_sequence",
    "bch_unscrambled_positions",
    "mib_bits",
    "mib_from_bits",
    "sfn_v",
    "sfn_v_from_interleaved",
]

_C_MIB = "TS 38.331 §6.2.2"
_C711 = "TS 38.212 §7.1.1"
_C712 = "TS 38.212 §7.1.2"
_C71 = "TS 38.212 §7.1"

#: TS 38.212 Table 7.1.1-1: PBCH payload interleaver pattern G(j), j = 0..31.
BCH_PAYLOAD_INTERLEAVER_PATTERN: tuple[int, ...] = (
    16, 23, 18, 17, 8, 30, 10, 6, 24, 7, 0, 5, 3, 2, 1, 4,
    9, 11, 12, 13, 14, 15, 19, 20, 21, 22, 25, 26, 27, 28, 29, 31,
)
#: Ā: bits of the BCCH-BCH-Message delivered by higher layers (1 CHOICE bit + 23 MIB bits).
A_BAR_MIB = 24
#: A = Ā + 8: PBCH payload size after the additional timing bits (§7.1.1).
A_BCH = 32
#: E: rate-matched length of the BCH (§7.1.5), M_bit of the PBCH (TS 38.211 §7.3.3.1).
E_BCH = 864
#: Maximum numbers of SS/PBCH blocks per half frame L_max handled here (TS 38.213 §4.1).
L_MAX_VALUES = (4, 8, 64)

_SCS_COMMON = (15, 30, 60, 120)
_CELL_BARRED = ("barred", "notBarred")
_INTRA_FREQ = ("allowed", "notAllowed")

# j of Table 7.1.1-1 used for each ā_i by the loop of §7.1.1: SFN bits take j_SFN = 0.. in
# their order of appearance (ā_1..ā_6: the 6 MSBs; ā_24..ā_27: 4th..1st LSB), the half
# frame bit ā_28 takes j_HRF = 10, ā_29..ā_31 take j_SSB = 11..13, the others j_other = 14..
_J_OF_I = np.array([14, *range(6), *range(15, 32), 6, 7, 8, 9, 10, 11, 12, 13], dtype=np.int64)
#: Destination of ā_i in a: a_{G(j(i))} = ā_i.
_DEST = np.asarray(BCH_PAYLOAD_INTERLEAVER_PATTERN, dtype=np.int64)[_J_OF_I]
_DEST.setflags(write=False)
# Interleaved positions of the SFN 3rd and 2nd LSBs (ā_25, ā_26), the half frame bit
# (ā_28) and the bits ā_29..ā_31.
_POS_SFN3, _POS_SFN2 = int(_DEST[25]), int(_DEST[26])
_POS_HRF = int(_DEST[28])
_POS_SSB = tuple(int(x) for x in _DEST[29:32])


def _check_l_max(l_max) -> int:
    return check_int("l_max", l_max, "one of 4, 8, 64", _C711, choices=L_MAX_VALUES)


# --------------------------------------------------------------------------- MIB


@dataclass(frozen=True, slots=True, kw_only=True)
class Mib:
    """Content of the MIB (TS 38.331 §6.2.2) plus the BCH timing fields it implies.

    Implements TS 38.331 §6.2.2 (MIB) with the k_SSB MSB of TS 38.212 §7.1.1.

    Parameters
    ----------
    system_frame_number : int, default 0
        The full SFN, 0..1023: its 6 MSBs are the MIB's ``systemFrameNumber``, its 4 LSBs
        travel in the PBCH timing bits ā_24..ā_27.
    sub_carrier_spacing_common : {15, 30, 60, 120}, default 15
        ``subCarrierSpacingCommon`` in kHz; the bit is 0 (scs15or60) or 1 (scs30or120):
        15/30 kHz in FR1, 60/120 kHz in FR2.
    k_ssb : int, default 0
        k_SSB, 0..31 (TS 38.211 §7.4.3.1): the 4 LSBs are the MIB's
        ``ssb-SubcarrierOffset`` (0..15); the MSB (FR1, L_max = 4 or 8 only) is the
        timing bit ā_29 (§7.1.1). Values ≥ 24 (FR1) or ≥ 12 (FR2) signal that no
        CORESET 0 is present (TS 38.213 §4.1).
    dmrs_type_a_position : {2, 3}, default 2
        ``dmrs-TypeA-Position`` (pos2 / pos3).
    pdcch_config_sib1 : int, default 0
        ``pdcch-ConfigSIB1``, 0..255: controlResourceSetZero (4 MSBs) and
        searchSpaceZero (4 LSBs).
    cell_barred : {"barred", "notBarred"}, default "notBarred"
    intra_freq_reselection : {"allowed", "notAllowed"}, default "allowed"
    spare : {0, 1}, default 0

    Raises
    ------
    ConfigError
        A field out of range.

    Examples
    --------
    >>> m = Mib(system_frame_number=700, pdcch_config_sib1=0x53)
    >>> m.control_resource_set_zero, m.search_space_zero
    (5, 3)
    """

    system_frame_number: int = 0
    sub_carrier_spacing_common: int = 15
    k_ssb: int = 0
    dmrs_type_a_position: int = 2
    pdcch_config_sib1: int = 0
    cell_barred: str = "notBarred"
    intra_freq_reselection: str = "allowed"
    spare: int = 0

    def __post_init__(self) -> None:
        check_int("system_frame_number", self.system_frame_number, "an integer in 0..1023",
                  _C_MIB, lo=0, hi=1023)
        check_int("sub_carrier_spacing_common", self.sub_carrier_spacing_common,
                  "one of 15, 30 (FR1), 60, 120 (FR2) kHz", _C_MIB, choices=_SCS_COMMON)
        check_int("k_ssb", self.k_ssb, "an integer in 0..31 (4 LSBs: ssb-SubcarrierOffset, "
                  "MSB: PBCH bit ā_29)", f"{_C_MIB}, {_C711}", lo=0, hi=31)
        check_int("dmrs_type_a_position", self.dmrs_type_a_position, "one of 2, 3", _C_MIB,
                  choices=(2, 3))
        check_int("pdcch_config_sib1", self.pdcch_config_sib1, "an integer in 0..255", _C_MIB,
                  lo=0, hi=255)
        check_choice("cell_barred", self.cell_barred, _CELL_BARRED, _C_MIB)
        check_choice("intra_freq_reselection", self.intra_freq_reselection, _INTRA_FREQ,
                     _C_MIB)
        check_int("spare", self.spare, "one of 0, 1", _C_MIB, choices=(0, 1))

    @property
    def ssb_subcarrier_offset(self) -> int:
        """The MIB field ``ssb-SubcarrierOffset``: the 4 LSBs of k_SSB."""
        return self.k_ssb & 15

    @property
    def control_resource_set_zero(self) -> int:
        """``controlResourceSetZero``: the 4 MSBs of ``pdcch_config_sib1``."""
        return self.pdcch_config_sib1 >> 4

    @property
    def search_space_zero(self) -> int:
        """``searchSpaceZero``: the 4 LSBs of ``pdcch_config_sib1``."""
        return self.pdcch_config_sib1 & 15


def _bits_msb_first(value: int, width: int) -> list[int]:
    return [(value >> (width - 1 - t)) & 1 for t in range(width)]


def _mib_bits_one(m) -> list[int]:
    if not isinstance(m, Mib):
        raise ConfigError(f"mib={m!r} is not allowed: mib must be a Mib or an array of Mib "
                          f"({_C_MIB})")
    return [
        0,  # BCCH-BCH-MessageType CHOICE: mib
        *_bits_msb_first(m.system_frame_number >> 4, 6),
        int(m.sub_carrier_spacing_common in (30, 120)),
        *_bits_msb_first(m.k_ssb & 15, 4),
        m.dmrs_type_a_position - 2,
        *_bits_msb_first(m.pdcch_config_sib1, 8),
        _CELL_BARRED.index(m.cell_barred),
        _INTRA_FREQ.index(m.intra_freq_reselection),
        m.spare,
    ]


def _as_mib_array(mib) -> np.ndarray:
    if isinstance(mib, Mib):
        out = np.empty((), dtype=object)
        out[()] = mib
        return out
    arr = np.asarray(mib, dtype=object)
    if arr.size == 0:
        raise ConfigError(f"mib={mib!r} is not allowed: mib must be a Mib or a non-empty "
                          f"array of Mib ({_C_MIB})")
    return arr


def mib_bits(mib) -> np.ndarray:
    """The 24 bits of the BCCH-BCH-Message carrying ``mib`` (ASN.1 UPER).

    Implements TS 38.331 §6.2.2 (BCCH-BCH-Message, MIB) as the Ā = 24 bits of
    TS 38.212 §7.1.1.

    Bit 0 is the CHOICE bit (0: mib), then systemFrameNumber (6 SFN MSBs, MSB first),
    subCarrierSpacingCommon, ssb-SubcarrierOffset (4 bits), dmrs-TypeA-Position,
    pdcch-ConfigSIB1 (8 bits), cellBarred (barred = 0), intraFreqReselection
    (allowed = 0), spare.

    Parameters
    ----------
    mib : Mib or array_like of Mib
        One MIB, or an array of them (its shape becomes the batch shape).

    Returns
    -------
    a_bar : ndarray of uint8, shape (..., 24)

    Examples
    --------
    >>> mib_bits(Mib(system_frame_number=1023, spare=1)).tolist()[:8]
    [0, 1, 1, 1, 1, 1, 1, 0]
    """
    arr = _as_mib_array(mib)
    flat = [_mib_bits_one(m) for m in arr.reshape(-1)]
    return np.asarray(flat, dtype=np.uint8).reshape(*arr.shape, A_BAR_MIB)


def mib_from_bits(bits, *, fr2: bool = False, sfn_lsb: int = 0, k_ssb_msb: int = 0) -> Mib:
    """Parse the 24 bits of a BCCH-BCH-Message into a :class:`Mib` (inverse of :func:`mib_bits`).

    Implements TS 38.331 §6.2.2 (BCCH-BCH-Message, MIB).

    Parameters
    ----------
    bits : array_like of 0/1, shape (24,)
    fr2 : bool, default False
        Read subCarrierSpacingCommon as 60/120 kHz (FR2) instead of 15/30 kHz (FR1).
    sfn_lsb : int, default 0
        The 4 SFN LSBs (from the PBCH timing bits), 0..15.
    k_ssb_msb : {0, 1}, default 0
        The k_SSB MSB (PBCH bit ā_29 when L_max is 4 or 8).

    Raises
    ------
    ConfigError
        ``bits`` not 24 bits, or its CHOICE bit is 1 (messageClassExtension: not a MIB).
    """
    b = as_bits("bits", bits, _C_MIB)
    if b.shape != (A_BAR_MIB,):
        raise ConfigError(f"bits has shape {b.shape}: it must be the {A_BAR_MIB} bits of one "
                          f"BCCH-BCH-Message ({_C_MIB})")
    if b[0]:
        raise ConfigError(f"bits[0]=1 is not allowed: the BCCH-BCH-MessageType CHOICE must be "
                          f"0 (mib); 1 is messageClassExtension ({_C_MIB})")
    sfn_lsb = check_int("sfn_lsb", sfn_lsb, "an integer in 0..15", _C711, lo=0, hi=15)
    k_ssb_msb = check_int("k_ssb_msb", k_ssb_msb, "one of 0, 1", _C711, choices=(0, 1))

    def val(lo, hi):
        return int(b[lo:hi].astype(np.int64) @ (1 << np.arange(hi - lo - 1, -1, -1)))

    scs = (60, 120) if fr2 else (15, 30)
    return Mib(system_frame_number=(val(1, 7) << 4) | sfn_lsb,
               sub_carrier_spacing_common=scs[int(b[7])],
               k_ssb=(k_ssb_msb << 4) | val(8, 12),
               dmrs_type_a_position=2 + int(b[12]),
               pdcch_config_sib1=val(13, 21),
               cell_barred=_CELL_BARRED[int(b[21])],
               intra_freq_reselection=_INTRA_FREQ[int(b[22])],
               spare=int(b[23]))


# --------------------------------------------------------------------------- payload


def _broadcast(clause: str, **arrays) -> list[np.ndarray]:
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise ConfigError(f"the shapes of {shapes} are not allowed: they must broadcast "
                          f"({clause})") from None


def bch_payload(mib, half_frame, *, l_max: int, ssb_index=0) -> np.ndarray:
    """PBCH payload ā_0..ā_31: the MIB message and the additional timing bits.

    Implements TS 38.212 §7.1.1.

    ā_0..ā_23 = :func:`mib_bits`; ā_24..ā_27 = the 4th, 3rd, 2nd, 1st LSB of the SFN;
    ā_28 = the half frame bit; for L_max = 64 ā_29..ā_31 = the 6th, 5th, 4th bits of the
    SS/PBCH block index, else ā_29 = the MSB of k_SSB and ā_30, ā_31 = 0 (reserved).

    Parameters
    ----------
    mib : Mib or array_like of Mib
    half_frame : int or array_like of int
        Half frame bit, 0 or 1.
    l_max : {4, 8, 64}
        L_max (TS 38.213 §4.1). 64 requires FR2 content (60/120 kHz common SCS,
        k_SSB ≤ 15); 4 and 8 require 15/30 kHz.
    ssb_index : int or array_like of int, default 0
        SS/PBCH block index, 0..L_max − 1.

    Returns
    -------
    a_bar : ndarray of uint8, shape broadcast(mib, half_frame, ssb_index) + (32,)

    Raises
    ------
    ConfigError
        A parameter out of range, shapes that do not broadcast, or MIB content that
        contradicts L_max.
    """
    l_max = _check_l_max(l_max)
    mibs = _as_mib_array(mib)
    hrf = check_int_array("half_frame", half_frame, _C711, lo=0, hi=1)
    ssb = check_int_array("ssb_index", ssb_index, _C711, lo=0, hi=l_max - 1)
    bits24 = mib_bits(mibs)
    fr2 = l_max == 64
    for m in mibs.reshape(-1):
        if (m.sub_carrier_spacing_common in (60, 120)) != fr2:
            raise ConfigError(
                f"sub_carrier_spacing_common={m.sub_carrier_spacing_common} is not allowed "
                f"with l_max={l_max}: it must be {'60 or 120' if fr2 else '15 or 30'} kHz "
                f"({'FR2' if fr2 else 'FR1'}, {_C_MIB}, TS 38.213 §4.1)")
        if fr2 and m.k_ssb > 15:
            raise ConfigError(f"k_ssb={m.k_ssb} is not allowed with l_max=64: k_ssb must be in "
                              f"0..15 (no k_SSB MSB bit when L_max = 64, {_C711})")
    sfn = np.vectorize(lambda m: m.system_frame_number, otypes=[np.int64])(mibs)
    kmsb = np.vectorize(lambda m: m.k_ssb >> 4, otypes=[np.int64])(mibs)
    sfn, kmsb, hrf, ssb = _broadcast(_C711, mib=sfn, k_ssb=kmsb, half_frame=hrf,
                                     ssb_index=ssb)
    shape = sfn.shape
    out = np.zeros((*shape, A_BCH), dtype=np.uint8)
    out[..., :A_BAR_MIB] = bits24
    for t in range(4):  # ā_24..ā_27: 4th, 3rd, 2nd, 1st LSB
        out[..., A_BAR_MIB + t] = (sfn >> (3 - t)) & 1
    out[..., 28] = hrf
    if fr2:
        for t in range(3):  # 6th, 5th, 4th bits of the block index
            out[..., 29 + t] = (ssb >> (5 - t)) & 1
    else:
        out[..., 29] = kmsb
    return out


def bch_payload_fields(a_bar, *, l_max: int) -> dict[str, np.ndarray]:
    """Split PBCH payloads ā into MIB bits and timing fields (inverse of :func:`bch_payload`).

    Implements TS 38.212 §7.1.1.

    Parameters
    ----------
    a_bar : array_like of 0/1, shape (..., 32)
    l_max : {4, 8, 64}

    Returns
    -------
    fields : dict of ndarray
        ``"mib_bits"`` (..., 24) uint8; ``"sfn_lsb"`` (...) int64, the 4 SFN LSBs;
        ``"half_frame"`` (...); ``"k_ssb_msb"`` (...) (0 where L_max = 64);
        ``"ssb_index_msb"`` (...), the 6th..4th bits of the block index as an integer
        0..7 (0 where L_max ≠ 64); ``"reserved"`` (..., 2) (ā_30, ā_31; zero-size last
        axis where L_max = 64).
    """
    l_max = _check_l_max(l_max)
    a = as_bits("a_bar", a_bar, _C711)
    if a.shape[-1] != A_BCH:
        raise ConfigError(f"a_bar has length {a.shape[-1]} along its last axis: it must be "
                          f"A={A_BCH} ({_C711})")
    w = a.astype(np.int64)
    sfn_lsb = w[..., 24] * 8 + w[..., 25] * 4 + w[..., 26] * 2 + w[..., 27]
    tail = w[..., 29] * 4 + w[..., 30] * 2 + w[..., 31]
    fr2 = l_max == 64
    zero = np.zeros(a.shape[:-1], dtype=np.int64)
    return {
        "mib_bits": np.ascontiguousarray(a[..., :A_BAR_MIB]),
        "sfn_lsb": sfn_lsb,
        "half_frame": w[..., 28],
        "k_ssb_msb": zero if fr2 else w[..., 29],
        "ssb_index_msb": tail if fr2 else zero,
        "reserved": a[..., 30:32][..., :0] if fr2 else np.ascontiguousarray(a[..., 30:32]),
    }


# --------------------------------------------------------------------------- interleaving


def bch_interleave(a_bar) -> np.ndarray:
    """PBCH payload interleaving: a_{G(j(i))} = ā_i.

    Implements TS 38.212 §7.1.1 (Table 7.1.1-1).

    j(i) follows the loop of §7.1.1: the SFN bits (ā_1..ā_6, ā_24..ā_27) take
    j_SFN = 0..9 in order, the half frame bit ā_28 takes j_HRF = 10, ā_29..ā_31 take
    j_SSB = 11..13 and the remaining bits j_other = 14..31 in order.

    Parameters
    ----------
    a_bar : array_like of 0/1, shape (..., 32)

    Returns
    -------
    a : ndarray of uint8, shape (..., 32)
    """
    a_bar = as_bits("a_bar", a_bar, _C711)
    if a_bar.shape[-1] != A_BCH:
        raise ConfigError(f"a_bar has length {a_bar.shape[-1]} along its last axis: it must be "
                          f"A={A_BCH} ({_C711})")
    a = np.empty_like(a_bar)
    a[..., _DEST] = a_bar
    return a


def bch_deinterleave(a) -> np.ndarray:
    """Inverse of :func:`bch_interleave`: ā_i = a_{G(j(i))}.

    Implements TS 38.212 §7.1.1 (Table 7.1.1-1), at the receiver.
    """
    a = as_bits("a", a, _C711)
    if a.shape[-1] != A_BCH:
        raise ConfigError(f"a has length {a.shape[-1]} along its last axis: it must be "
                          f"A={A_BCH} ({_C711})")
    return np.ascontiguousarray(a[..., _DEST])


# --------------------------------------------------------------------------- scrambling


def bch_unscrambled_positions(l_max: int) -> tuple[int, ...]:
    """Positions i of the interleaved payload a with s_i = 0, ascending.

    Implements TS 38.212 §7.1.2.

    The 3rd and 2nd LSBs of the SFN, the half frame bit and, for L_max = 64, the three
    SS/PBCH block index bits: positions G(7), G(8), G(10) (and G(11..13)) =
    6, 24, 0 (and 5, 3, 2).
    """
    l_max = _check_l_max(l_max)
    pos = {_POS_SFN3, _POS_SFN2, _POS_HRF}
    if l_max == 64:
        pos.update(_POS_SSB)
    return tuple(sorted(pos))


@cache
def _scrambled_mask(l_max: int) -> np.ndarray:
    mask = np.ones(A_BCH, dtype=bool)
    mask[list(bch_unscrambled_positions(l_max))] = False
    mask.setflags(write=False)
    return mask


def sfn_v(sfn):
    """ν of Table 7.1.2-1 from the 3rd and 2nd LSBs of the SFN: ν = ⌊SFN / 2⌋ mod 4.

    Implements TS 38.212 §7.1.2 (Table 7.1.2-1).
    """
    sfn = check_int_array("sfn", sfn, _C712, lo=0, hi=1023)
    return (sfn >> 1) & 3


def sfn_v_from_interleaved(a) -> np.ndarray:
    """ν read from an interleaved payload, scrambled or not: ν = 2 a_{G(7)} + a_{G(8)}.

    Implements TS 38.212 §7.1.2 (Table 7.1.2-1), at the receiver: the 3rd and 2nd SFN
    LSBs are not scrambled, so ν is known before descrambling.

    Parameters
    ----------
    a : array_like of 0/1, shape (..., 32)

    Returns
    -------
    v : ndarray of int64, shape (...)
    """
    a = as_bits("a", a, _C712)
    if a.shape[-1] != A_BCH:
        raise ConfigError(f"a has length {a.shape[-1]} along its last axis: it must be "
                          f"A={A_BCH} ({_C712})")
    return 2 * a[..., _POS_SFN3].astype(np.int64) + a[..., _POS_SFN2]


def bch_scrambling_sequence(n_id_cell, v, *, l_max: int) -> np.ndarray:
    """Scrambling sequence s_0..s_31 of the interleaved PBCH payload.

    Implements TS 38.212 §7.1.2.

    s_i = 0 at the positions of :func:`bch_unscrambled_positions`; the other positions,
    in increasing i, take c(j + νM), j = 0, 1, ..., with c the Gold sequence of
    TS 38.211 §5.2.1 initialised with c_init = N_ID^cell and M = A − 3 (L_max = 4, 8) or
    A − 6 (L_max = 64).

    Parameters
    ----------
    n_id_cell : int or array_like of int
        N_ID^cell, 0..1007.
    v : int or array_like of int
        ν, 0..3 (:func:`sfn_v`).
    l_max : {4, 8, 64}

    Returns
    -------
    s : ndarray of uint8, shape broadcast(n_id_cell, v) + (32,)
    """
    l_max = _check_l_max(l_max)
    n_id = check_int_array("n_id_cell", n_id_cell, _C712, lo=0, hi=1007)
    v = check_int_array("v", v, _C712, lo=0, hi=3)
    n_id, v = _broadcast(_C712, n_id_cell=n_id, v=v)
    m = A_BCH - (6 if l_max == 64 else 3)
    uniq, inv = np.unique(n_id, return_inverse=True)
    c = gold_sequence(uniq, 4 * m)[inv.reshape(n_id.shape)]  # (..., 4M)
    idx = v[..., None] * m + np.arange(m)
    s = np.zeros((*n_id.shape, A_BCH), dtype=np.uint8)
    s[..., _scrambled_mask(l_max)] = np.take_along_axis(c, idx, axis=-1)
    return s


def bch_scramble(a, n_id_cell, v, *, l_max: int) -> np.ndarray:
    """Scramble (or descramble: an involution) the interleaved payload: a'_i = a_i ⊕ s_i.

    Implements TS 38.212 §7.1.2.

    Parameters
    ----------
    a : array_like of 0/1, shape (..., 32)
    n_id_cell, v : int or array_like of int
        As :func:`bch_scrambling_sequence`, broadcastable to ``a.shape[:-1]``.
    l_max : {4, 8, 64}

    Returns
    -------
    a_prime : ndarray of uint8, shape (..., 32)
    """
    a = as_bits("a", a, _C712)
    if a.shape[-1] != A_BCH:
        raise ConfigError(f"a has length {a.shape[-1]} along its last axis: it must be "
                          f"A={A_BCH} ({_C712})")
    s = bch_scrambling_sequence(n_id_cell, v, l_max=l_max)
    try:
        return np.bitwise_xor(a, s)
    except ValueError:
        raise ConfigError(f"n_id_cell and v of shape {s.shape[:-1]} are not allowed: they must "
                          f"broadcast to the batch shape {a.shape[:-1]} of a ({_C712})") from None


# --------------------------------------------------------------------------- encoder


def bch_encode(mib, half_frame, n_id_cell, *, l_max: int, ssb_index=0) -> np.ndarray:
    """BCH transport channel: MIB → the E = 864 rate-matched bits of one SS/PBCH block.

    Implements TS 38.212 §7.1 (§7.1.1-§7.1.5).

    :func:`bch_payload` → :func:`bch_interleave` → :func:`bch_scramble` (ν from the
    SFN of ``mib``) → CRC24C, polar coding (K = 56, n_max = 9, I_IL = 1, no PC bits) and
    rate matching (E = 864, I_BIL = 0), i.e. ``polar_encode(a', 32, 864, "downlink")``.

    Parameters
    ----------
    mib : Mib or array_like of Mib
    half_frame : int or array_like of int
        Half frame bit, 0 or 1.
    n_id_cell : int or array_like of int
        N_ID^cell, 0..1007 (scrambling initialisation).
    l_max : {4, 8, 64}
    ssb_index : int or array_like of int, default 0
        SS/PBCH block index, 0..L_max − 1 (its 3 MSBs enter the payload for L_max = 64).

    Returns
    -------
    f : ndarray of uint8, shape broadcast(mib, half_frame, n_id_cell, ssb_index) + (864,)

    Examples
    --------
    >>> bch_encode(Mib(system_frame_number=10), 0, 1, l_max=8).shape
    (864,)
    """
    a_bar = bch_payload(mib, half_frame, l_max=l_max, ssb_index=ssb_index)
    sfn = (np.vectorize(lambda m: m.system_frame_number, otypes=[np.int64])(
        _as_mib_array(mib)))
    n_id = check_int_array("n_id_cell", n_id_cell, _C712, lo=0, hi=1007)
    try:
        shape = np.broadcast_shapes(a_bar.shape[:-1], n_id.shape)
    except ValueError:
        raise ConfigError(f"n_id_cell of shape {n_id.shape} is not allowed: it must broadcast "
                          f"with the payload batch shape {a_bar.shape[:-1]} ({_C71})") from None
    a_bar = np.broadcast_to(a_bar, (*shape, A_BCH))
    a_prime = bch_scramble(bch_interleave(a_bar), n_id, sfn_v(sfn), l_max=l_max)
    return polar_encode(a_prime, A_BCH, E_BCH, "downlink")
