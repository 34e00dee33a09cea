"""PBCH receiver: descrambling, polar decoding and BCH payload recovery.

Implements the inverse of TS 38.211 §7.3.3 and TS 38.212 §7.1 (3GPP specifies the
transmitter; the decoder is nrlink's).

Chain: PBCH descrambling of the 864 LLRs with ν from ī_SSB (TS 38.211 §7.3.3.1), CA-SCL
polar decoding of the BCH (K = 56, E = 864, plain CRC24C with the input interleaver,
:func:`nrlink.rx.polar_decoder.polar_decode`), ν of the BCH scrambling read from the
unscrambled 2nd/3rd SFN LSBs, BCH descrambling (§7.1.2) and de-interleaving (§7.1.1),
then the MIB and timing fields are parsed.

LLR convention: positive means bit 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.rx.demapping import demap_llr
from nrlink.rx.polar_decoder import polar_decode
from nrlink.spec._checks import check_int_array
from nrlink.spec.ts38211.pbch import pbch_descramble_llr
from nrlink.spec.ts38212.bch import (
    A_BCH,
    E_BCH,
    bch_deinterleave,
    bch_payload_fields,
    bch_scramble,
    mib_from_bits,
    sfn_v_from_interleaved,
)

__all__ = ["PbchDecodeResult", "pbch_decode", "pbch_decode_symbols"]

_CLAUSE = "TS 38.212 §7.1, TS 38.211 §7.3.3"


@dataclass(frozen=True, slots=True)
class PbchDecodeResult:
    """Output of :func:`pbch_decode`, one entry per decoded SS/PBCH block.

    Implements the fields of TS 38.212 §7.1.1 (MIB of TS 38.331 §6.2.2 and the PBCH
    timing bits) recovered by the receiver.

    Attributes
    ----------
    crc_ok : ndarray of bool, shape (...)
        Whether the CRC24C of the decoded block passes.
    mib : ndarray of object, shape (...)
        The decoded :class:`~nrlink.spec.ts38212.bch.Mib` (full SFN, k_SSB with its MSB,
        common SCS read as FR2 values when L_max = 64), or None where the CRC fails or the
        CHOICE bit is not ``mib``. One block: ``result.mib[()]``.
    payload : ndarray of uint8, shape (..., 32)
        The de-interleaved, descrambled payload ā_0..ā_31.
    sfn : ndarray of int64, shape (...)
        System frame number 0..1023 (6 MIB MSBs and 4 timing LSBs).
    half_frame : ndarray of int64, shape (...)
        The half frame bit ā_28.
    k_ssb : ndarray of int64, shape (...)
        k_SSB: ssb-SubcarrierOffset plus, for L_max = 4 or 8, 16 × the MSB bit ā_29.
    ssb_index_msb : ndarray of int64, shape (...)
        L_max = 64: the 6th, 5th, 4th bits of the block index (ā_29..ā_31) as 0..7;
        0 otherwise.
    ssb_index : ndarray of int64, shape (...)
        The SS/PBCH block index: 8 × ``ssb_index_msb`` + ī_SSB (L_max = 64), ī_SSB
        (L_max = 8) or ī_SSB mod 4 (L_max = 4).
    """

    crc_ok: np.ndarray
    mib: np.ndarray
    payload: np.ndarray
    sfn: np.ndarray
    half_frame: np.ndarray
    k_ssb: np.ndarray
    ssb_index_msb: np.ndarray
    ssb_index: np.ndarray


def pbch_decode(llr, n_id_cell, *, l_max: int, i_ssb_bar, list_size: int = 8) -> PbchDecodeResult:
    """Decode the PBCH of SS/PBCH blocks from the LLRs of their 864 bits.

    Implements the inverse of TS 38.211 §7.3.3.1 and TS 38.212 §7.1.1-§7.1.5.

    Parameters
    ----------
    llr : array_like of float, shape (..., 864)
        LLRs of the scrambled PBCH bits b̃(0..863), positive means bit 0 (e.g.
        :func:`nrlink.rx.demapping.demap_llr` of the 432 equalised QPSK symbols).
    n_id_cell : int or array_like of int
        N_ID^cell, 0..1007, broadcastable to ``llr.shape[:-1]``.
    l_max : {4, 8, 64}
        L_max of the burst (TS 38.213 §4.1).
    i_ssb_bar : int or array_like of int
        ī_SSB, 0..7, from the PBCH DM-RS (TS 38.211 §7.4.1.4.1), broadcastable to
        ``llr.shape[:-1]``. Sets ν of the PBCH scrambling: ī_SSB mod 4 for L_max = 4,
        ī_SSB for L_max = 8 and 64.
    list_size : {1, 2, 4, 8, 16, 32}, default 8
        List size of the CA-SCL polar decoder.

    Returns
    -------
    PbchDecodeResult

    Raises
    ------
    ConfigError
        ``l_max``, ``i_ssb_bar``, ``n_id_cell`` or ``list_size`` out of range, shapes
        that do not broadcast, or ``llr`` not a finite float array of length 864.
    """
    clause = "TS 38.211 §7.3.3.1, §7.4.1.4.1"
    l_max = check_int("l_max", l_max, "one of 4, 8, 64", clause, choices=(4, 8, 64))
    i_bar = check_int_array("i_ssb_bar", i_ssb_bar, clause, lo=0, hi=7)
    i_ssb_lsb = i_bar & 3 if l_max == 4 else i_bar
    llr = np.asarray(llr)
    if llr.ndim == 0:
        raise ConfigError(f"llr with shape () is not allowed: llr must have shape (..., "
                          f"{E_BCH}) ({_CLAUSE})")
    batch = llr.shape[:-1]
    try:
        if np.broadcast_shapes(batch, i_bar.shape, np.shape(n_id_cell)) != batch:
            raise ValueError
    except ValueError:
        raise ConfigError(f"i_ssb_bar of shape {i_bar.shape} and n_id_cell of shape "
                          f"{np.shape(n_id_cell)} are not allowed: they must broadcast to the "
                          f"batch shape {batch} of llr ({_CLAUSE})") from None
    llr_b = pbch_descramble_llr(llr, n_id_cell, l_max=l_max, ssb_index=i_ssb_lsb)
    dec = polar_decode(llr_b, A_BCH, E_BCH, "downlink", list_size=list_size)
    a_prime = dec.bits
    v = sfn_v_from_interleaved(a_prime)
    a_bar = bch_deinterleave(bch_scramble(a_prime, n_id_cell, v, l_max=l_max))
    fields = bch_payload_fields(a_bar, l_max=l_max)
    mib_bits = fields["mib_bits"].astype(np.int64)
    sfn = (mib_bits[..., 1:7] @ (1 << np.arange(5, -1, -1))) * 16 + fields["sfn_lsb"]
    k_ssb = mib_bits[..., 8:12] @ (1 << np.arange(3, -1, -1)) + 16 * fields["k_ssb_msb"]
    msb = fields["ssb_index_msb"]
    i_b = np.broadcast_to(i_bar, batch)
    if l_max == 64:
        ssb_index = 8 * msb + i_b
    else:
        ssb_index = i_b & (3 if l_max == 4 else 7)
    crc_ok = dec.crc_ok
    mibs = np.empty(batch, dtype=object)
    flat_bits = fields["mib_bits"].reshape(-1, 24)
    flat_ok = crc_ok.reshape(-1)
    flat_lsb = fields["sfn_lsb"].reshape(-1)
    flat_kmsb = fields["k_ssb_msb"].reshape(-1)
    out = mibs.reshape(-1)
    for r in range(out.size):
        if flat_ok[r] and flat_bits[r, 0] == 0:
            out[r] = mib_from_bits(flat_bits[r], fr2=l_max == 64, sfn_lsb=int(flat_lsb[r]),
                                   k_ssb_msb=int(flat_kmsb[r]))
    return PbchDecodeResult(crc_ok=crc_ok, mib=mibs, payload=a_bar, sfn=sfn,
                            half_frame=fields["half_frame"], k_ssb=k_ssb,
                            ssb_index_msb=msb, ssb_index=np.array(ssb_index, dtype=np.int64))


def pbch_decode_symbols(d, noise_var, n_id_cell, *, l_max: int, i_ssb_bar,
                        list_size: int = 8) -> PbchDecodeResult:
    """Decode the PBCH from its 432 equalised QPSK symbols (QPSK demapping + :func:`pbch_decode`).

    Implements the inverse of TS 38.211 §7.3.3.2 (QPSK, §5.1.4) and of
    :func:`pbch_decode`'s chain.

    Parameters
    ----------
    d : array_like of complex, shape (..., 432)
        Equalised PBCH symbols d_PBCH (unit-energy QPSK plus noise).
    noise_var : float or array_like of float
        Noise variance N0 > 0 per symbol, broadcastable to ``d`` (see
        :func:`nrlink.rx.demapping.demap_llr`).
    n_id_cell, l_max, i_ssb_bar, list_size
        As :func:`pbch_decode`.
    """
    return pbch_decode(demap_llr(d, 2, noise_var), n_id_cell, l_max=l_max,
                       i_ssb_bar=i_ssb_bar, list_size=list_size)
