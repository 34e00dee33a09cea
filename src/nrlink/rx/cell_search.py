"""Cell search: PSS timing and CFO, SSS → N_ID^cell, PBCH DM-RS → ī_SSB, PBCH → MIB.

Implements the receiver of the SS/PBCH block of TS 38.211 §7.4.3 (signals of §7.4.2.2 PSS,
§7.4.2.3 SSS, §7.4.1.4.1 PBCH DM-RS, §7.3.3 PBCH); the search itself is an implementation
choice, not specified by 3GPP.

Steps of :func:`cell_search`, all vectorised over the batch (no per-sample Python loop):

1. **PSS timing.** The received samples are cross-correlated with the time-domain PSS
   replicas (the useful part of OFDM symbol 0 of the block, one per N_ID^(2), made with the
   receiver's FFT size) by one FFT of the whole waveform and one short inverse FFT per
   replica: only the FFT bins of a band of 256 subcarriers around the PSS are kept, which
   yields the correlation decimated by D = N_FFT / 256 for free. A CFO up to ±Δf/2 is
   handled by a bank of ``cfo_hypotheses`` frequency-shifted replicas and/or by cutting the
   replica into ``pss_segments`` parts whose correlations are added non-coherently; receive
   antennas are added non-coherently. The metric is normalised by the energy of the
   received window, so under noise alone it has mean 1 at every offset. The best decimated
   offset is then refined at the full sample rate.
2. **CFO.** The phase between the correlations of the two halves of the PSS gives the
   fractional CFO (unambiguous over ±Δf); it is removed before the FFT. A residual is
   estimated later from the symbol-to-symbol phase of all reference signals of the block.
3. **SSS.** The four symbols of the block are FFT'd (window advanced by half the cyclic
   prefix, its phase ramp compensated). The PSS gives a least-squares channel estimate
   (smoothed over ``smoothing_sc`` subcarriers); the SSS REs, matched-filtered with it and
   summed over antennas, are correlated with the 336 SSS sequences of the detected
   N_ID^(2) in one batched product, and the best N_ID^(1) is kept.
4. **ī_SSB.** With PSS + SSS as pilots, the PBCH DM-RS REs are correlated with the 8
   candidate sequences (coherently within a symbol, non-coherently across symbols).
5. **PBCH.** After the residual CFO correction, a least-squares channel estimate on the 144
   DM-RS REs (averaged over the symbols, smoothed over frequency, linearly interpolated)
   equalises the 432 PBCH REs (maximum-ratio combining over antennas); QPSK soft demapping
   with the noise variance measured on the block's empty REs (§7.4.3.1: set to zero) gives
   the 864 LLRs, which :func:`nrlink.rx.pbch.pbch_decode` decodes into the MIB.

Detection: ``detected`` is ``sss_metric + dmrs_metric >= threshold`` or a passing PBCH
CRC. Both metrics are normalised correlations (by the energy of the matched-filtered REs),
so that for noise alone, or any signal uncorrelated with the sequences, each SSS / DM-RS
hypothesis gives a unit-mean exponential (SSS) or Gamma(3, 1) (DM-RS, three symbols)
variable.

SNR convention of the tests and the benchmark: SNR per RE over the SS/PBCH block REs,
Es/N0, with every SSB RE of unit energy (β = 1) and N0 the complex noise variance per RE
(= per sample, orthonormal OFDM of :mod:`nrlink.spec.ts38211.ofdm`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from nrlink.config._base import FromDictMixin
from nrlink.errors import ConfigError, check_int
from nrlink.rx._sync_kernels import cell_search_chunk, plan
from nrlink.rx.pbch import PbchDecodeResult, pbch_decode
from nrlink.spec._checks import check_bool, check_choice, check_real
from nrlink.spec.ts38211.numerology import (
    check_fft_size,
    check_mu,
    check_n_sc,
    scs_khz,
)
from nrlink.spec.ts38211.ssb import SSB_N_SC, SSB_N_SYMB

__all__ = ["CellSearchConfig", "CellSearchHit", "CellSearchResult", "cell_search"]

_CLAUSE = "TS 38.211 §7.4.3 cell search receiver (an nrlink implementation choice)"
_C_SSB = "TS 38.211 §7.4.3.1"
_L_MAX = (4, 8, 64)
_LIST_SIZES = (1, 2, 4, 8, 16, 32)
_CHUNK_ELEMENTS = 1 << 22  # complex correlation values held at once per batch chunk


# ------------------------------------------------------------------------------- config


@dataclass(frozen=True, slots=True, kw_only=True)
class CellSearchConfig(FromDictMixin):
    """Receiver options of :func:`cell_search` (implementation choices, not 3GPP).

    Implements the options of the TS 38.211 §7.4.3 cell search receiver of this module.

    Parameters
    ----------
    cfo_hypotheses : int, default 3
        Number H of CFO hypotheses of the PSS correlation bank, 1..16, at the centres of H
        equal bins of [−max_cfo_hz, +max_cfo_hz] (H = 3, ±7.5 kHz: −5, 0, +5 kHz; the worst
        residual 2.5 kHz costs 0.2 dB of correlation gain instead of 3.9 dB at 7.5 kHz).
    pss_segments : int, default 1
        Number S of equal parts, 1..8, of the PSS replica whose correlations are added
        non-coherently (another defence against CFO; costs non-coherent combining loss).
    max_cfo_hz : float or None, default None
        CFO search range ±max_cfo_hz, >= 0 and below the subcarrier spacing (the fractional
        CFO estimator is unambiguous over ±Δf). None: half the subcarrier spacing.
    decimate : bool, default True
        Correlate in a band of 256 subcarriers around the PSS at the decimated rate
        (D = N_FFT / 256), then refine the best offset at the full rate.
    search_window : int or None, default None
        Number of candidate SSB start samples 0..search_window − 1 (>= 1); None: every
        start at which the whole block lies inside the waveform.
    threshold : float, default 24.0
        Detection threshold (>= 0) on ``sss_metric + dmrs_metric``. For noise alone that
        sum is the largest of 336 unit exponentials plus the largest of 8 Gamma(3, 1)
        variables, above 20 / 24 / 28 with probability 3e-3 / 1e-4 / 1e-6.
    smoothing_sc : int, default 48
        Channel estimation: the width in subcarriers, 1..240, of the moving average that
        smooths the least-squares estimates over frequency (1: no smoothing, LS with linear
        interpolation; 240: a flat channel over the block). Wider is better in AWGN and
        flat fading, narrower for frequency-selective channels.
    list_size : int, default 8
        List size of the CA-SCL polar decoder of the PBCH, one of 1, 2, 4, 8, 16, 32.
    decode_pbch : bool, default True
        Decode the MIB from the PBCH LLRs (:func:`nrlink.rx.pbch.pbch_decode`).

    Raises
    ------
    ConfigError
        A field is outside its allowed values.
    """

    cfo_hypotheses: int = 3
    pss_segments: int = 1
    max_cfo_hz: float | None = None
    decimate: bool = True
    search_window: int | None = None
    threshold: float = 24.0
    smoothing_sc: int = 48
    list_size: int = 8
    decode_pbch: bool = True

    def __post_init__(self) -> None:
        check_int("cfo_hypotheses", self.cfo_hypotheses, "an integer in 1..16", _CLAUSE,
                  lo=1, hi=16)
        check_int("pss_segments", self.pss_segments, "an integer in 1..8", _CLAUSE, lo=1, hi=8)
        if self.max_cfo_hz is not None:
            v = check_real("max_cfo_hz", self.max_cfo_hz, "a finite frequency >= 0 in Hz or None",
                           _CLAUSE)
            if v < 0:
                raise ConfigError(f"max_cfo_hz={self.max_cfo_hz!r} is not allowed: max_cfo_hz "
                                  f"must be a finite frequency >= 0 in Hz or None ({_CLAUSE})")
        check_bool("decimate", self.decimate, _CLAUSE)
        if self.search_window is not None:
            check_int("search_window", self.search_window, "an integer >= 1 or None", _CLAUSE,
                      lo=1)
        v = check_real("threshold", self.threshold, "a finite number >= 0", _CLAUSE)
        if v < 0:
            raise ConfigError(f"threshold={self.threshold!r} is not allowed: threshold must be "
                              f"a finite number >= 0 ({_CLAUSE})")
        check_int("smoothing_sc", self.smoothing_sc, "an integer in 1..240", _CLAUSE,
                  lo=1, hi=SSB_N_SC)
        check_choice("list_size", self.list_size, _LIST_SIZES, _CLAUSE)
        check_bool("decode_pbch", self.decode_pbch, _CLAUSE)


# ------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class CellSearchHit:
    """What :func:`cell_search` found in one batch element (see :class:`CellSearchResult`).

    Implements the outputs of the TS 38.211 §7.4.3 cell search receiver.
    """

    detected: bool
    n_id_cell: int
    n_id_1: int
    n_id_2: int
    timing: int
    cfo_hz: float
    i_ssb_bar: int
    i_ssb: int
    half_frame: int
    pss_metric: float
    sss_metric: float
    dmrs_metric: float
    noise_var: float
    mib: object | None
    crc_ok: bool | None


@dataclass(frozen=True, slots=True)
class CellSearchResult:
    """Output of :func:`cell_search`, one entry per batch element.

    Implements the outputs of the TS 38.211 §7.4.3 cell search receiver.

    ``result[b]`` is the :class:`CellSearchHit` of batch element b; ``len(result)`` the
    batch size.

    Attributes
    ----------
    detected : ndarray of bool, shape (batch,)
        ``sss_metric + dmrs_metric >= config.threshold``, or the PBCH CRC passes (a false
        pass has probability about L · 2^-24 with list size L).
    n_id_cell, n_id_1, n_id_2 : ndarray of int64, shape (batch,)
        N_ID^cell = 3 N_ID^(1) + N_ID^(2) (§7.4.2.1) of the best hypothesis.
    timing : ndarray of int64, shape (batch,)
        Sample index of the start of the SS/PBCH block (first sample of the cyclic prefix
        of its first OFDM symbol).
    cfo_hz : ndarray of float64, shape (batch,)
        Estimated carrier frequency offset (received = sent × exp(j2π cfo t)).
    i_ssb_bar : ndarray of int64, shape (batch,)
        ī_SSB of the PBCH DM-RS (§7.4.1.4.1).
    i_ssb, half_frame : ndarray of int64, shape (batch,)
        SS/PBCH block index i_SSB and half frame n_hf: from ī_SSB for L_max = 4
        (ī = i_SSB + 4 n_hf); for L_max = 8, i_SSB = ī and n_hf comes from the PBCH
        payload; for L_max = 64 both come from the PBCH payload. −1 where unknown (PBCH
        not decoded or its CRC failed).
    pss_metric : ndarray of float32, shape (batch,)
        Peak of the normalised PSS correlation (mean 1 for noise alone).
    sss_metric, dmrs_metric : ndarray of float32, shape (batch,)
        Normalised correlation energy of the chosen SSS / PBCH DM-RS hypothesis
        |Σ a s*|² / Σ |a|² over the matched-filtered REs a (summed over the 3 DM-RS
        symbols); mean 1 (SSS) or 3 (DM-RS) per wrong hypothesis.
    noise_var : ndarray of float32, shape (batch,)
        N0 per RE measured on the block's empty REs.
    llr : ndarray of float32, shape (batch, 864)
        PBCH LLRs (positive means bit 0), before descrambling (§7.3.3.1).
    pbch : PbchDecodeResult or None
        The :func:`nrlink.rx.pbch.pbch_decode` result of the batch (SFN, half frame, k_SSB,
        payload, ...), or None when ``config.decode_pbch`` is False.
    mib : tuple or None
        The decoded :class:`~nrlink.spec.ts38212.bch.Mib` of each element (None where the
        CRC failed), or None when the PBCH was not decoded.
    crc_ok : ndarray of bool or None
        PBCH CRC check, or None when the PBCH was not decoded.
    """

    detected: np.ndarray
    n_id_cell: np.ndarray
    n_id_1: np.ndarray
    n_id_2: np.ndarray
    timing: np.ndarray
    cfo_hz: np.ndarray
    i_ssb_bar: np.ndarray
    i_ssb: np.ndarray
    half_frame: np.ndarray
    pss_metric: np.ndarray
    sss_metric: np.ndarray
    dmrs_metric: np.ndarray
    noise_var: np.ndarray
    llr: np.ndarray
    pbch: PbchDecodeResult | None = None
    mib: tuple | None = None
    crc_ok: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.detected.shape[0])

    def __getitem__(self, b: int) -> CellSearchHit:
        n = len(self)
        b = check_int("b", b, f"an integer in {-n}..{n - 1}", "batch index", lo=-n, hi=n - 1)
        kw = {}
        for f in dataclasses.fields(CellSearchHit):
            if f.name == "mib":
                kw["mib"] = None if self.mib is None else self.mib[b]
            elif f.name == "crc_ok":
                kw["crc_ok"] = None if self.crc_ok is None else bool(self.crc_ok[b])
            else:
                kw[f.name] = getattr(self, f.name)[b].item()
        return CellSearchHit(**kw)


# ------------------------------------------------------------------------------- API


def _check_waveform(waveform) -> np.ndarray:
    y = np.asarray(waveform)
    if y.ndim != 3 or y.dtype == np.bool_ or not np.issubdtype(y.dtype, np.number):
        raise ConfigError(f"waveform.shape={y.shape} (dtype {y.dtype}) is not allowed: the "
                          f"waveform must be a numeric (batch, n_rx, n_samples) array ({_CLAUSE})")
    if y.shape[0] < 1 or y.shape[1] < 1:
        raise ConfigError(f"waveform.shape={y.shape} is not allowed: batch and n_rx must be "
                          f">= 1 ({_CLAUSE})")
    return y.astype(np.complex64, copy=False)


def cell_search(waveform, *, mu: int, fft_size: int, l_max: int, n_sc: int = SSB_N_SC,
                ssb_sc_offset: int = 0, k0: int = 0,
                config: CellSearchConfig | None = None) -> CellSearchResult:
    """Find an SS/PBCH block in received samples: timing, CFO, N_ID^cell, ī_SSB and MIB.

    Implements the receiver of TS 38.211 §7.4.3 (PSS §7.4.2.2, SSS §7.4.2.3, PBCH DM-RS
    §7.4.1.4.1, PBCH §7.3.3); the algorithms are described in the module notes.

    Parameters
    ----------
    waveform : array_like of complex, shape (batch, n_rx, n_samples)
        Received baseband samples at the rate fft_size · Δf (computed as complex64). Each
        element is searched for one SS/PBCH block lying entirely inside it.
    mu : int
        Subcarrier spacing configuration of the SS/PBCH block (Δf = 15 · 2^μ kHz).
    fft_size : int
        FFT size N_FFT of the sampling (sample rate N_FFT Δf), a multiple of 128, large
        enough for the block's subcarriers. Every SS/PBCH symbol has a normal-length
        cyclic prefix (no block starts at symbol 0 or 7 · 2^μ of a subframe, TS 38.213
        §4.1), 144 N_FFT / 2048 samples.
    l_max : int
        L_max, the maximum number of SS/PBCH blocks in a half frame: 4, 8 or 64
        (TS 38.213 §4.1); sets how ī_SSB maps to i_SSB and the PBCH payload.
    n_sc : int, default 240
        Number of subcarriers of the carrier grid the block sits in (a multiple of 12).
    ssb_sc_offset : int, default 0
        Index of the block's subcarrier 0 in that grid (0..n_sc − 240): subcarrier k of the
        block is at frequency (ssb_sc_offset + k + k0 − n_sc / 2) Δf, as in
        :func:`nrlink.spec.ts38211.ofdm.ofdm_modulate`.
    k0 : int, default 0
        Subcarrier offset k0^μ of TS 38.211 §5.3.1.
    config : CellSearchConfig, optional
        Receiver options (default ``CellSearchConfig()``).

    Returns
    -------
    CellSearchResult
        Arrays of shape (batch,) (see its attributes); ``result[b]`` is one element's hit.

    Raises
    ------
    ConfigError
        A waveform that is not (batch, n_rx, n_samples) numeric or too short for one block;
        an invalid μ, FFT size, L_max, grid size or block position; a ``max_cfo_hz`` not
        below Δf; a ``config`` that is not a :class:`CellSearchConfig`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = (rng.standard_normal((2, 1, 2000)) + 1j * rng.standard_normal((2, 1, 2000))) / 2
    >>> res = cell_search(y, mu=0, fft_size=256, l_max=8)  # noise only
    >>> res.detected.tolist(), len(res), res[0].crc_ok
    ([False, False], 2, False)
    """
    cfg = CellSearchConfig() if config is None else config
    if not isinstance(cfg, CellSearchConfig):
        raise ConfigError(f"config={config!r} is not allowed: config must be a "
                          f"CellSearchConfig ({_CLAUSE})")
    mu = check_mu(mu)
    n_fft = check_fft_size(fft_size, mu)
    l_max = check_choice("l_max", l_max, _L_MAX, "TS 38.213 §4.1")
    n_sc = check_n_sc(n_sc)
    if n_sc < SSB_N_SC:
        raise ConfigError(f"n_sc={n_sc} is not allowed: n_sc must be >= {SSB_N_SC} to hold an "
                          f"SS/PBCH block ({_C_SSB})")
    ssb_sc_offset = check_int("ssb_sc_offset", ssb_sc_offset, f"an integer in 0..{n_sc - 240}",
                              _C_SSB, lo=0, hi=n_sc - SSB_N_SC)
    k0 = check_int("k0", k0, "an integer", "TS 38.211 §5.3.1")
    m_lo = ssb_sc_offset + k0 - n_sc // 2
    if m_lo < -(n_fft // 2) or m_lo + SSB_N_SC > n_fft // 2:
        raise ConfigError(f"fft_size={n_fft} is not allowed: the block's subcarriers "
                          f"{m_lo}..{m_lo + SSB_N_SC - 1} (relative to DC) must lie in "
                          f"[-fft_size/2, fft_size/2) (TS 38.211 §5.3.1)")
    scs = scs_khz(mu) * 1e3
    max_cfo = scs / 2 if cfg.max_cfo_hz is None else float(cfg.max_cfo_hz)
    if max_cfo >= scs:
        raise ConfigError(f"max_cfo_hz={cfg.max_cfo_hz!r} is not allowed: the CFO search "
                          f"range must be below the subcarrier spacing {scs:g} Hz ({_CLAUSE})")
    y = _check_waveform(waveform)
    n_cp = n_fft * 144 // 2048
    l_ssb = SSB_N_SYMB * (n_fft + n_cp)
    if y.shape[2] < l_ssb:
        raise ConfigError(f"n_samples={y.shape[2]} is not allowed: the waveform must hold at "
                          f"least one SS/PBCH block, {l_ssb} samples at fft_size={n_fft} "
                          f"({_C_SSB})")
    p = plan(mu, n_fft, n_sc, ssb_sc_offset, k0, y.shape[2], cfg.cfo_hypotheses,
              cfg.pss_segments, max_cfo, cfg.decimate, cfg.search_window)
    per = y.shape[1] * 3 * cfg.cfo_hypotheses * cfg.pss_segments * p.band.size
    step = max(1, _CHUNK_ELEMENTS // per)
    parts = [cell_search_chunk(y[i:i + step], p, cfg.smoothing_sc)
             for i in range(0, y.shape[0], step)]
    out = {k: np.concatenate([q[k] for q in parts]) for k in parts[0]}
    detected = (out["sss_metric"] + out["dmrs_metric"]) >= cfg.threshold
    i_bar = out["i_ssb_bar"]
    unknown = np.full_like(i_bar, -1)
    i_ssb = i_bar % 4 if l_max == 4 else (i_bar.copy() if l_max == 8 else unknown)
    half = i_bar // 4 if l_max == 4 else unknown
    pbch = mib = crc_ok = None
    if cfg.decode_pbch:
        pbch = pbch_decode(out["llr"], out["n_id_cell"], l_max=l_max, i_ssb_bar=i_bar,
                           list_size=cfg.list_size)
        crc_ok = np.asarray(pbch.crc_ok, dtype=bool)
        mib = tuple(pbch.mib.tolist())
        # (all-zero LLRs, e.g. a silent input, decode to the all-zero block whose CRC24C
        # passes: no evidence)
        detected |= crc_ok & np.any(out["llr"] != 0, axis=1)
        if l_max != 4:
            half = np.where(crc_ok, pbch.half_frame, -1)
        if l_max == 64:
            i_ssb = np.where(crc_ok, pbch.ssb_index, -1)
    return CellSearchResult(
        detected=detected, n_id_cell=out["n_id_cell"].astype(np.int64),
        n_id_1=out["n_id_1"].astype(np.int64), n_id_2=out["n_id_2"].astype(np.int64),
        timing=out["timing"].astype(np.int64), cfo_hz=out["cfo_hz"].astype(np.float64),
        i_ssb_bar=i_bar.astype(np.int64), i_ssb=i_ssb.astype(np.int64),
        half_frame=half.astype(np.int64), pss_metric=out["pss_metric"],
        sss_metric=out["sss_metric"], dmrs_metric=out["dmrs_metric"],
        noise_var=out["noise_var"], llr=out["llr"], pbch=pbch, mib=mib, crc_ok=crc_ok,
    )

