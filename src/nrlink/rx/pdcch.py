"""PDCCH blind decoding: DM-RS channel estimation, MRC, QPSK demapping and candidate decoding.

Implements the receiver side of TS 38.211 §7.3.2 / §7.4.1.3 and the monitoring of
TS 38.213 §10.1 (3GPP specifies the signals and the candidates, not the receiver).

Receiver
--------
1. Channel estimation per REG bundle (a PDCCH's precoding is constant over a REG bundle,
   TS 38.211 §7.3.2.2, and its RBs are contiguous): the LS estimates y r* of the DM-RS
   REs (subcarriers 12 n + 1, 5, 9 of every symbol) are averaged over the CORESET's
   symbols and filtered to every subcarrier of the bundle, per receive antenna, so that a
   frequency-selective channel is followed within a bundle: by default a Wiener (LMMSE)
   filter for an exponential power delay profile (RMS delay spread 300 ns unless set)
   with the noise-to-power ratio estimated for each bundle (bundles without a PDCCH,
   noise only, come out near zero); or linear interpolation (flat beyond the outer
   pilots). The noise variance, when not given, comes from
   the second differences z_{j−1} − 2 z_j + z_{j+1} of the equally spaced LS estimates of
   each symbol and bundle (E|·|² = 6 N0; a channel linear in frequency cancels), averaged
   over all bundles and antennas (bundles without a PDCCH hold noise only, which suits
   the estimate).
2. MRC over the receive antennas with the RE's channel estimate, t = ĥ^H y,
   g = ‖ĥ‖², z = t / g with noise variance N0 / g, and max-log QPSK demapping
   (:func:`nrlink.rx.demapping.demap_llr`; positive means bit 0). REs of bundles whose
   estimate is exactly zero get LLR 0.
3. Every candidate of the search space (for a UE-specific search space: of each RNTI's
   own candidate set) is gathered with index arrays and decoded for every payload size
   and RNTI in one batched call per (aggregation level, payload size) of
   :func:`nrlink.rx.dci_decoder.decode_pdcch_candidate`.

De-duplication rule
-------------------
The same DCI can pass its CRC on several candidates whose CCEs overlap: a PDCCH of level
2L read by the nested level-L candidate on its first CCEs decodes when the polar code
repeats (E ≥ N), and a level-2L candidate whose second half carries nothing (LLR 0)
decodes a level-L PDCCH. Detections with the same RNTI, payload size and bits whose CCE
sets overlap are therefore reduced to the one with the largest score
S = Σ (2 Re(x* t) − g) / N0 over its data REs, x the re-encoded PDCCH symbols — the
log-likelihood ratio of "this PDCCH was sent here" against "nothing was sent here" given
the channel estimates. Energy outside the sent PDCCH lowers S (extra REs contribute
−g, or noise), missing energy is not rewarded; exact ties (noiseless, no DM-RS outside
the sent PDCCH) go to the smaller aggregation level, then the lower first CCE.
Detections with disjoint CCEs are all kept.

RNTI check
----------
With list decoding a DCI sent to RNTI a can pass the CRC of an RNTI b that differs from
a in a few bits (a surviving path differing only in masked CRC bits carries the same
payload). Every detection is therefore kept only if b is the maximum-likelihood RNTI
for its payload: the codewords of one payload under the 2^16 CRC masks are
c_b ⊕ M e (M linear in the mask difference e, the scrambling fixed), so the correlations
Σ_j llr_j (−1)^{c_j} of all of them are one Walsh-Hadamard transform of size 2^16 of the
LLRs binned by their column of M; the detection is dropped if some e ≠ 0 correlates
strictly better than e = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nrlink.config.pdcch import PdcchConfig
from nrlink.errors import ConfigError, check_int
from nrlink.rx._estimation_kernels import lmmse_filter
from nrlink.rx.dci_decoder import decode_pdcch_candidate
from nrlink.rx.demapping import demap_llr
from nrlink.rx.estimation import DEFAULT_DELAY_SPREAD_S
from nrlink.spec._checks import check_choice, check_int_array, check_real
from nrlink.spec.ts38211.pdcch import pdcch_bits, pdcch_symbols
from nrlink.spec.ts38213.search_space import AGGREGATION_LEVELS

__all__ = ["DetectedDci", "PdcchReceiver"]

_C_SS = "TS 38.213 §10.1"
_C_PDCCH = "TS 38.211 §7.3.2"
_LIST_SIZES = (1, 2, 4, 8, 16, 32)
#: Floor of the estimated noise variance relative to the mean channel power |ĥ|².
_NOISE_FLOOR = 1e-6
#: Largest Hamming distance between RNTIs compared by the RNTI check.
_ALIAS_DISTANCE = 5
#: Mask differences e (≠ 0) of weight ≤ _ALIAS_DISTANCE.
_NEAR_MASKS = np.flatnonzero(
    (np.unpackbits(np.arange(1 << 16, dtype=">u2").view(np.uint8)).reshape(-1, 16).sum(axis=1)
     <= _ALIAS_DISTANCE) & (np.arange(1 << 16) > 0))


def _scalar_or(values: np.ndarray, shape):
    """A Python int when all ``values`` agree, else ``values`` broadcast to ``shape``."""
    if np.all(values == values[0]):
        return int(values[0])
    return np.broadcast_to(values, shape)


@dataclass(frozen=True, slots=True)
class DetectedDci:
    """A DCI found by blind decoding.

    Attributes
    ----------
    rnti : int
        RNTI whose mask the CRC matched.
    aggregation_level : int
    candidate : int
        Candidate index m within the level (TS 38.213 §10.1).
    first_cce : int
    payload_size : int
        A, the DCI format size tried.
    bits : ndarray of uint8, shape (A,)
    score : float
        De-duplication score S (module docstring).
    """

    rnti: int
    aggregation_level: int
    candidate: int
    first_cce: int
    payload_size: int
    bits: np.ndarray
    score: float


class PdcchReceiver:
    """Blind decoding of the PDCCHs of one search space set in one slot.

    Implements the receiver of TS 38.211 §7.3.2, §7.4.1.3 and TS 38.213 §10.1 (module
    docstring).

    Parameters
    ----------
    config : PdcchConfig
    list_size : int, default 8
        List size of the CA-SCL polar decoder.
    channel_estimation : {"lmmse", "linear"}, default "lmmse"
        Frequency interpolation of the DM-RS estimates within a REG bundle: a Wiener filter
        for an exponential power delay profile of RMS spread ``delay_spread_s`` and the
        estimated noise-to-power ratio of each bundle, or linear interpolation.
    delay_spread_s : float or None, default None
        RMS delay spread assumed by the Wiener filter (None: 300 ns).
    """

    def __init__(self, config: PdcchConfig, *, list_size: int = 8,
                 channel_estimation: str = "lmmse", delay_spread_s: float | None = None):
        if not isinstance(config, PdcchConfig):
            raise ConfigError(f"config={config!r} is not allowed: config must be a PdcchConfig")
        self.config = config
        self.plan = config.plan
        self.list_size = check_int("list_size", list_size, "one of 1, 2, 4, 8, 16, 32",
                                   "polar decoder", choices=_LIST_SIZES)
        self.channel_estimation = check_choice(
            "channel_estimation", channel_estimation, ("lmmse", "linear"),
            "implementation-specific estimator, TS 38.211 §7.4.1.3")
        self.delay_spread_s = DEFAULT_DELAY_SPREAD_S if delay_spread_s is None else check_real(
            "delay_spread_s", delay_spread_s, "a finite real >= 0 (seconds)", "TR 38.901 §7.7")
        if self.delay_spread_s < 0:
            raise ConfigError(f"delay_spread_s={delay_spread_s!r} is not allowed: it must be a "
                              "finite real >= 0 (seconds) (TR 38.901 §7.7)")
        plan = self.plan
        # REG at each (symbol offset, carrier RB) of the CORESET (−1 elsewhere).
        n_rb_carrier = config.carrier.n_size_grid
        self._reg_at = np.full((plan.duration, n_rb_carrier), -1, np.int64)
        pos = np.arange(plan.rbs.size)
        for lo in range(plan.duration):
            self._reg_at[lo, plan.rbs] = pos * plan.duration + lo
        self._cache: dict = {}

    # -- geometry -----------------------------------------------------------------------
    def _first_symbol(self, first_symbol) -> int:
        return self.config.monitoring_symbol(first_symbol)

    def _bundle_dmrs(self, fs: int):
        key = ("dmrs", fs)
        if key not in self._cache:
            lb = self.plan.reg_bundle_size
            regs = np.arange(self.plan.n_reg, dtype=np.int64).reshape(-1, lb)
            self._cache[key] = self.plan.dmrs_res(regs, fs)
        return self._cache[key]

    def _data_map(self, first_cces: np.ndarray, ell: int, fs: int):
        """(l, k, bundle) of the data REs of candidates ``first_cces`` (n,) at level L."""
        regs = self.plan.regs(first_cces, ell)
        res = self.plan.data_res(regs, fs)
        bundle = self._reg_at[res.l - fs, res.k // 12] // self.plan.reg_bundle_size
        return res.l, res.k, bundle

    # -- estimation ---------------------------------------------------------------------
    def _check_grid(self, grid) -> np.ndarray:
        c = self.config.carrier
        y = np.asarray(grid)
        if (y.ndim != 4 or y.shape[2:] != (c.n_symb_slot, c.n_sc)
                or not np.issubdtype(y.dtype, np.number)):
            raise ConfigError(
                f"grid of shape {y.shape} is not allowed: grid must be (batch, rx, "
                f"{c.n_symb_slot}, {c.n_sc}) complex ({_C_PDCCH})"
            )
        return y.astype(np.complex64, copy=False)

    def _interpolator(self, k_dmrs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Linear-interpolation matrix from a bundle's DM-RS subcarriers to all of its
        subcarriers (flat beyond the outer pilots) and the first subcarrier per bundle."""
        k0 = k_dmrs[:, 0] - 1  # DM-RS at 12 n + 4 k' + 1: the bundle starts 1 below
        pos = (k_dmrs[0] - k0[0]).astype(np.float64)
        n_sc = 12 * (pos.size // 3)
        eye = np.eye(pos.size)
        w = np.stack([np.interp(np.arange(n_sc), pos, eye[j]) for j in range(pos.size)],
                     axis=1)
        return w.astype(np.complex64), k0

    def channel_estimate(self, grid, *, first_symbol=None):
        """Channel of every subcarrier of each REG bundle and the noise variance, from the
        PDCCH DM-RS.

        Implements the estimation of step 1 of the module docstring (TS 38.211 §7.4.1.3).

        Parameters
        ----------
        grid : array_like of complex, shape (batch, rx, N_symb^slot, n_sc)
        first_symbol : int or None
            Monitoring occasion (default: the first of ``monitoring_symbols``).

        Returns
        -------
        h : ndarray of complex64, shape (batch, rx, N_REG^CORESET / L, 12 L / duration)
            Channel of each subcarrier of each REG bundle (constant over the CORESET's
            symbols).
        noise_var : ndarray of float64, shape (batch,)
            Estimated N0 (floored at 1e-6 times the mean |ĥ|², and at 1e-30).
        """
        y = self._check_grid(grid)
        fs = self._first_symbol(first_symbol)
        l, k, r = self._bundle_dmrs(fs)
        dur = self.plan.duration
        z = y[:, :, l, k] * np.conj(r)  # (B, R, n_bundles, 3 L_b), k first then l
        zs = z.reshape(*z.shape[:3], dur, -1)  # (B, R, n_bundles, duration, 3 L_b / dur)
        z_k = zs.mean(axis=3)  # per DM-RS subcarrier, averaged over the symbols
        key = ("interp", fs)
        if key not in self._cache:
            self._cache[key] = self._interpolator(k.reshape(k.shape[0], dur, -1)[:, 0])
        w, _ = self._cache[key]
        # noise: second differences of the equally spaced LS estimates of each symbol
        # cancel a channel linear in frequency; E|z_{j-1} - 2 z_j + z_{j+1}|² = 6 N0
        d = zs[..., :-2] - 2 * zs[..., 1:-1] + zs[..., 2:]
        n0 = ((np.abs(d) ** 2).mean(axis=(1, 2, 3, 4)) / 6).astype(np.float64)
        power = (np.abs(z_k) ** 2).mean(axis=(1, 2, 3))
        n0 = np.maximum(n0, np.maximum(_NOISE_FLOOR * power, 1e-30))
        if self.channel_estimation == "linear":
            h = z_k @ w.T  # (B, R, n_bundles, 12 n_rb)
        else:
            u_conj, lam, a_t = self._wiener(w.shape)
            # pilot noise (averaged over the symbols) to channel power, per bundle
            nv = (n0 / dur)[:, None]  # (B, 1)
            rho = np.maximum((np.abs(z_k) ** 2).mean(axis=(1, 3)) - nv, 1e-6 * nv + 1e-30)
            ratio = (nv / rho)[:, None, :, None].astype(np.float32)  # (B, 1, n_b, 1)
            h = ((z_k @ u_conj) / (lam + ratio)) @ a_t
        return h.astype(np.complex64), n0

    def _wiener(self, shape):
        """Wiener filter (eigen-decomposed) from a bundle's DM-RS to its subcarriers."""
        key = ("wiener", shape)
        if key not in self._cache:
            n_t, n_p = shape
            pos = (np.arange(n_p) // 3) * 12 + 4 * (np.arange(n_p) % 3) + 1
            pairs = np.stack([pos, pos], axis=1).astype(np.int64)
            u_conj, lam, a_t, _ = lmmse_filter(pairs, np.arange(n_t, dtype=np.int64),
                                               self.config.carrier.scs_khz * 1e3,
                                               self.delay_spread_s, "exponential")
            self._cache[key] = (u_conj, lam, a_t)
        return self._cache[key]

    def _noise(self, noise_var, n0_est, batch: int) -> np.ndarray:
        if noise_var is None:
            return n0_est
        if np.ndim(noise_var) == 0:
            v = noise_var.item() if isinstance(noise_var, np.ndarray) else noise_var
            v = check_real("noise_var", v, "a real > 0 or an array of shape (batch,)",
                           "demapper", positive=True)
            return np.full(batch, v)
        try:
            nv = np.asarray(noise_var, dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigError(f"noise_var={noise_var!r} is not allowed: noise_var must be a "
                              f"real > 0 or a positive array of shape ({batch},)") from None
        if nv.shape not in ((batch,), (1,)) or not np.all(np.isfinite(nv)) or np.any(nv <= 0):
            raise ConfigError(f"noise_var of shape {nv.shape} is not allowed: noise_var must "
                              f"be a real > 0 or a positive array of shape ({batch},)")
        return np.broadcast_to(nv, (batch,)).copy()

    def _equalised(self, y, h, l, k, bundle, fs: int):
        """t = ĥ^H y and g = ‖ĥ‖² at data REs (l, k) with bundles ``bundle`` (n, M)."""
        yd = y[:, :, l, k]  # (B, R, n, M)
        k0 = self._cache[("interp", fs)][1]  # first subcarrier of each bundle
        hd = h[:, :, bundle, k - k0[bundle]]
        t = (np.conj(hd) * yd).sum(axis=1)
        g = (np.abs(hd) ** 2).sum(axis=1)
        return t, g

    def candidate_llrs(self, grid, first_cces, aggregation_level, *, noise_var=None,
                       first_symbol=None) -> np.ndarray:
        """LLRs of the PDCCH candidates on CCEs ``first_cces`` of level L.

        Implements steps 1-2 of the module docstring.

        Parameters
        ----------
        grid : array_like of complex, shape (batch, rx, N_symb^slot, n_sc)
        first_cces : array_like of int, shape (n,)
        aggregation_level : int
        noise_var : float or array_like of shape (batch,), optional
            N0 per RE; estimated from the DM-RS when omitted.
        first_symbol : int or None

        Returns
        -------
        llr : ndarray of float32, shape (batch, n, 108 L)
            Positive means bit 0.
        """
        y = self._check_grid(grid)
        fs = self._first_symbol(first_symbol)
        h, n0_est = self.channel_estimate(y, first_symbol=fs)
        n0 = self._noise(noise_var, n0_est, y.shape[0])
        firsts = np.atleast_1d(check_int_array("first_cces", first_cces, _C_SS, lo=0,
                                               hi=self.plan.n_cce - 1))
        l, k, bundle = self._data_map(firsts, aggregation_level, fs)
        t, g = self._equalised(y, h, l, k, bundle, fs)
        return self._llr(t, g, n0)

    @staticmethod
    def _llr(t, g, n0) -> np.ndarray:
        safe = np.where(g > 0, g, 1.0)
        z = np.where(g > 0, t / safe, 0).astype(np.complex64)
        nv = (n0.reshape((-1,) + (1,) * (g.ndim - 1)) / safe).astype(np.float32)
        return demap_llr(z, 2, nv)

    # -- blind decoding -----------------------------------------------------------------
    def _check_rntis(self, rntis) -> np.ndarray:
        common = self.config.search_space.common
        lo = 0 if common else 1
        r = check_int_array("rntis", rntis, _C_SS, lo=lo, hi=65535,
                            range_text=f"{lo}..65535" + ("" if common else " (C-RNTIs)"))
        r = np.atleast_1d(r)
        if r.ndim != 1 or r.size == 0 or np.unique(r).size != r.size:
            raise ConfigError(f"rntis={rntis!r} is not allowed: rntis must be a non-empty "
                              f"sequence of distinct RNTIs ({_C_SS})")
        return r

    def detect(self, grid, rntis, payload_sizes, *, noise_var=None,
               first_symbol=None) -> list[list[DetectedDci]]:
        """Blind-decode every candidate of the search space for the given RNTIs and sizes.

        Implements the module docstring (steps 1-3 and the de-duplication rule).

        Parameters
        ----------
        grid : array_like of complex, shape (batch, rx, N_symb^slot, n_sc)
            Received frequency-domain grid (subcarrier 0 = lowest of the carrier).
        rntis : int or sequence of int
            RNTIs to monitor (the CRC masks; C-RNTIs of the USS hashing).
        payload_sizes : int or sequence of int
            DCI sizes A to try (12..140 each, e.g. from
            :func:`nrlink.spec.ts38212.dci.dci_size`).
        noise_var : float or array_like of shape (batch,), optional
            N0 per RE; estimated from the DM-RS when omitted.
        first_symbol : int or None
            Monitoring occasion (default: the first of ``monitoring_symbols``).

        Returns
        -------
        dcis : list (batch) of list of DetectedDci
            Per batch element the DCIs whose CRC matched, by increasing first CCE.
        """
        y = self._check_grid(grid)
        batch = y.shape[0]
        fs = self._first_symbol(first_symbol)
        rnti_arr = self._check_rntis(rntis)
        sizes = np.atleast_1d(check_int_array("payload_sizes", payload_sizes,
                                              "TS 38.212 §7.3.1", lo=12, hi=140))
        if sizes.ndim != 1 or np.unique(sizes).size != sizes.size:
            raise ConfigError(f"payload_sizes={payload_sizes!r} is not allowed: "
                              f"payload_sizes must be distinct sizes A (TS 38.212 §7.3.1)")
        h, n0_est = self.channel_estimate(y, first_symbol=fs)
        n0 = self._noise(noise_var, n0_est, batch)
        cands = self.config.candidates(rnti_arr)  # first_cce (n_rnti, n)
        n_ids, n_rntis = zip(*(self.config.scrambling_ids(int(r)) for r in rnti_arr),
                             strict=True)
        found = [[] for _ in range(batch)]
        for ell in AGGREGATION_LEVELS:
            sel = np.flatnonzero(cands.level == ell)
            if sel.size == 0:
                continue
            firsts = cands.first_cce[:, sel]  # (n_rnti, M)
            uniq, inv = np.unique(firsts, return_inverse=True)
            inv = inv.reshape(firsts.shape)
            l, k, bundle = self._data_map(uniq, ell, fs)
            t, g = self._equalised(y, h, l, k, bundle, fs)  # (B, n_u, 54 L)
            llr = self._llr(t, g, n0)
            ri, mi = np.divmod(np.arange(firsts.size), firsts.shape[1])
            ui = inv.ravel()
            llr_pairs = np.ascontiguousarray(llr[:, ui])  # (B, n_pairs, 108 L)
            shape = llr_pairs.shape[:2]
            rnti_b = np.broadcast_to(rnti_arr[ri], shape)
            nid_b = _scalar_or(np.asarray(n_ids)[ri], shape)
            nrnti_b = _scalar_or(np.asarray(n_rntis)[ri], shape)
            for a in sizes:
                res = decode_pdcch_candidate(llr_pairs, int(a), rnti_b, nid_b, nrnti_b,
                                             list_size=self.list_size)
                for b, p in zip(*np.nonzero(res.crc_ok), strict=True):
                    bits = np.asarray(res.bits[b, p], dtype=np.uint8)
                    rnti = int(rnti_arr[ri[p]])
                    if not self._rnti_is_ml(llr_pairs[b, p], bits, rnti, ell, n_ids[ri[p]],
                                            n_rntis[ri[p]]):
                        continue
                    x = pdcch_symbols(bits, rnti, ell, n_ids[ri[p]], n_rntis[ri[p]])
                    u = ui[p]
                    score = float((2 * np.real(np.conj(x) * t[b, u]) - g[b, u]).sum() / n0[b])
                    found[b].append(DetectedDci(
                        rnti=rnti, aggregation_level=ell, candidate=int(cands.m[sel][mi[p]]),
                        first_cce=int(uniq[u]), payload_size=int(a), bits=bits, score=score))
        return [self._deduplicate(f) for f in found]

    def _mask_columns(self, a: int, ell: int) -> np.ndarray:
        """16-bit column index m_j of each coded bit j: bit i set where RNTI bit 2^i flips it.

        The difference of two encodings of one payload does not depend on the payload or
        the scrambling (both cancel), so the columns are computed once per (A, L).
        """
        key = ("mask", a, ell)
        if key not in self._cache:
            rntis = np.concatenate([[0], 1 << np.arange(16)])
            c = pdcch_bits(np.zeros(a, np.uint8), rntis[:, None], ell, 0, 0)[:, 0]
            cols = (c[1:] ^ c[0]).astype(np.int64)  # (16, E)
            self._cache[key] = (cols << np.arange(16)[:, None]).sum(axis=0)
        return self._cache[key]

    def _rnti_is_ml(self, llr, bits, rnti: int, ell: int, n_id: int, n_rnti: int) -> bool:
        """Whether ``rnti`` is the most likely CRC mask of payload ``bits`` (module docstring)."""
        code = pdcch_bits(bits, rnti, ell, n_id, n_rnti)
        s = llr.astype(np.float64) * (1.0 - 2.0 * code)
        w_0 = s.sum()
        w = np.bincount(self._mask_columns(bits.size, ell), weights=s,
                        minlength=1 << 16)
        for i in range(16):  # fast Walsh-Hadamard transform, natural order
            w = w.reshape(-1, 2, 1 << i)
            w = np.stack([w[:, 0] + w[:, 1], w[:, 0] - w[:, 1]], axis=1)
        w = w.reshape(-1)[_NEAR_MASKS]
        return not np.any(w > w_0 * (1 + 1e-9) + 1e-9)

    @staticmethod
    def _deduplicate(found: list[DetectedDci]) -> list[DetectedDci]:
        """Keep, among same-DCI detections on overlapping CCEs, the best (module docstring).

        Scores equal to 1e-6 of the largest magnitude count as ties (summation order).
        """
        scale = max((abs(d.score) for d in found), default=1.0) or 1.0
        order = sorted(found, key=lambda d: (-round(d.score / scale, 6), d.aggregation_level,
                                             d.first_cce))
        kept: list[DetectedDci] = []
        for d in order:
            span = (d.first_cce, d.first_cce + d.aggregation_level)
            clash = any(
                e.rnti == d.rnti and e.payload_size == d.payload_size
                and np.array_equal(e.bits, d.bits)
                and span[0] < e.first_cce + e.aggregation_level and e.first_cce < span[1]
                for e in kept)
            if not clash:
                kept.append(d)
        return sorted(kept, key=lambda d: (d.first_cce, d.aggregation_level, d.rnti))
