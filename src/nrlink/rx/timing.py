"""Timing alignment of a received time-domain slot from its DM-RS.

The receiver does not know when the slot arrives (propagation delay, the channel's
delays). :class:`TimingEstimator` cross-correlates the received samples of every antenna
with the known DM-RS waveform of every antenna port and returns, per link, the sample
offset that maximises the correlation energy summed non-coherently over receive antennas,
ports and DM-RS symbols (the strongest path). OFDM demodulation then starts at that offset
(with the FFT window inside the cyclic prefix, which absorbs the paths around it).

The DM-RS waveform is TS 38.211 §5.3.1 OFDM modulation of the DM-RS of §7.4.1.1.2 /
§6.4.1.1.3 precoded like the data (§7.3.1.4 / §6.3.1.5); the search itself is an
implementation choice, not specified by 3GPP.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from nrlink.config.references import reference_signals
from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.ofdm import ofdm_modulate

__all__ = ["TimingEstimator", "estimate_timing_offset", "timing_reference"]


def timing_reference(cfg, precoder=None, *, fft_size: int) -> np.ndarray:
    """The DM-RS-only transmit waveform of each antenna port of a PDSCH/PUSCH slot.

    Implements TS 38.211 §5.3.1 (OFDM baseband signal) applied to the DM-RS of §7.4.1.1.2 /
    §6.4.1.1.3, precoded by W as the data (§7.3.1.4 / §6.3.1.5).

    Parameters
    ----------
    cfg : PdschConfig or PuschConfig
    precoder : array_like of complex, shape (n_ports, n_layers), optional
        W (default: PUSCH: the configuration's codebook matrix; PDSCH: the identity).
    fft_size : int
        The OFDM FFT size of the transmitter.

    Returns
    -------
    numpy.ndarray of complex64, shape (n_ports, n_samples)
        Zero outside the DM-RS symbols.
    """
    dmrs = reference_signals(cfg).dmrs  # (L, n_symb, n_sc)
    if precoder is None:
        precoder = getattr(cfg, "precoding_matrix", None)
        if precoder is None:
            precoder = np.eye(dmrs.shape[0], dtype=np.complex64)
    w = np.asarray(precoder, dtype=np.complex64)
    if w.ndim != 2 or w.shape[1] != dmrs.shape[0]:
        raise ConfigError(
            f"precoder.shape={w.shape} is not allowed: W must be (n_ports, {dmrs.shape[0]}) "
            "for this configuration (TS 38.211 §7.3.1.4)"
        )
    grid = np.einsum("pl,lsk->psk", w, dmrs)
    c = cfg.carrier
    return ofdm_modulate(grid, mu=c.mu, cp=c.cyclic_prefix, fft_size=fft_size, slot=c.slot)


def _runs(nonzero: np.ndarray) -> list[tuple[int, int]]:
    """Contiguous [start, stop) runs of True."""
    d = np.diff(np.concatenate(([0], nonzero.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(),
                    strict=True))


class TimingEstimator:
    """DM-RS cross-correlation timing estimator for one reference waveform.

    Parameters
    ----------
    reference : array_like of complex, shape (n_ports, n_samples)
        Known transmit waveform per antenna port (:func:`timing_reference`).
    max_offset : int
        Largest delay searched, in samples: offsets 0..max_offset.

    Notes
    -----
    The correlation is computed only over the non-zero runs of the reference (the DM-RS
    symbols), each by an FFT of about its length plus ``max_offset``; the per-run
    correlation energies are added non-coherently, so a Doppler phase drift between DM-RS
    symbols does not cancel them.
    """

    def __init__(self, reference, *, max_offset: int):
        ref = np.asarray(reference)
        if ref.ndim != 2 or ref.dtype.kind not in "biufc":
            raise ConfigError(f"reference.shape={ref.shape} is not allowed: the reference "
                              "waveform must be a numeric (n_ports, n_samples) array")
        self.max_offset = check_int("max_offset", max_offset, "an integer ≥ 0",
                                    "timing search window", lo=0)
        ref = ref.astype(np.complex64)
        nz = np.any(ref != 0, axis=0)
        if not nz.any():
            raise ConfigError("reference is all zeros: there is nothing to correlate with")
        self.n_ports, self.n_ref = ref.shape
        self._runs = []
        for a, b in _runs(nz):
            n_fft = scipy.fft.next_fast_len(b - a + self.max_offset)
            r = np.conj(scipy.fft.fft(ref[:, a:b], n_fft, axis=-1))
            self._runs.append((a, b, n_fft, r.astype(np.complex64)))
        self.min_samples = self._runs[-1][1] + self.max_offset

    def metric(self, y) -> np.ndarray:
        """Correlation energy per offset, shape (batch, max_offset + 1).

        ``metric[b, d] = Σ_runs Σ_r Σ_p |Σ_{n ∈ run} y[b, r, n + d] conj(ref[p, n])|²``.
        """
        y = np.asarray(y)
        if y.ndim != 3 or y.shape[-1] < self.min_samples or y.dtype.kind not in "biufc":
            raise ConfigError(
                f"y.shape={y.shape} is not allowed: the received samples must be a numeric "
                f"(batch, n_rx, n ≥ {self.min_samples}) array (the reference's last DM-RS "
                f"sample plus max_offset={self.max_offset})"
            )
        y = y.astype(np.complex64, copy=False)
        m = np.zeros((y.shape[0], self.max_offset + 1), dtype=np.float64)
        for a, b, n_fft, r in self._runs:
            seg = scipy.fft.fft(y[..., a : b + self.max_offset], n_fft, axis=-1)
            c = scipy.fft.ifft(seg[:, :, None, :] * r[None, None], axis=-1)
            c = c[..., : self.max_offset + 1]
            m += np.sum(c.real**2 + c.imag**2, axis=(1, 2))
        return m

    def estimate(self, y) -> np.ndarray:
        """Estimated offset of every link, ndarray of int64, shape (batch,)."""
        return np.argmax(self.metric(y), axis=-1).astype(np.int64)


def estimate_timing_offset(y, reference, *, max_offset: int) -> np.ndarray:
    """Sample offset of the received slot, per link, from the DM-RS.

    Implements the receiver timing alignment of the DM-RS (TS 38.211 §7.4.1.1 /
    §6.4.1.1) waveform by cross-correlation (the search is an implementation choice).

    Parameters
    ----------
    y : array_like of complex, shape (batch, n_rx, n_samples)
        Received samples, starting where the slot would start with no delay.
    reference : array_like of complex, shape (n_ports, n_samples_ref)
        Known DM-RS waveform per antenna port (:func:`timing_reference`).
    max_offset : int
        Largest delay searched, in samples.

    Returns
    -------
    numpy.ndarray of int64, shape (batch,)

    Examples
    --------
    >>> ref = np.zeros((1, 64), np.complex64); ref[0, 10:30] = np.exp(1j * np.arange(20)**2)
    >>> y = np.zeros((1, 1, 80), np.complex64); y[0, 0, 17:37] = 0.5 * ref[0, 10:30]
    >>> estimate_timing_offset(y, ref, max_offset=16)
    array([7])
    """
    return TimingEstimator(reference, max_offset=max_offset).estimate(y)
