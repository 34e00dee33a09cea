"""PDSCH transmitter: transport block bits → resource grid → time-domain slot."""

from __future__ import annotations

import numpy as np

from nrlink.config.pdsch import PdschConfig
from nrlink.config.references import reference_signals
from nrlink.errors import ConfigError
from nrlink.link._tx import (
    check_tb_bits,
    layers_to_grid,
    precode_grid,
    to_waveform,
)
from nrlink.link.sch import encode_tb
from nrlink.spec.ts38211.layer_mapping import layer_map
from nrlink.spec.ts38211.modulation import modulate
from nrlink.spec.ts38211.scrambling import scramble

__all__ = ["PdschTransmitter"]


class PdschTransmitter:
    """The PDSCH transmit chain of one UE in one slot.

    Implements TS 38.212 §7.2 (DL-SCH coding) and TS 38.211 §7.3.1 (scrambling §7.3.1.1,
    modulation §7.3.1.2, layer mapping §7.3.1.3, precoding §7.3.1.4, mapping to VRBs and
    PRBs §7.3.1.5-6) with DM-RS (§7.4.1.1) and PT-RS (§7.4.1.2), and OFDM modulation
    (§5.3.1) for :meth:`waveform`.

    Parameters
    ----------
    config : PdschConfig
    precoder : array_like, shape (ρ, υ), optional
        Precoding matrix W from layers to antenna ports (TS 38.211 §7.3.1.4 leaves it to
        the implementation; the DM-RS is precoded with the data). ``None``: W = I (one
        port per layer).

    Examples
    --------
    >>> from nrlink.config import CarrierConfig, PdschConfig
    >>> tx = PdschTransmitter(PdschConfig(carrier=CarrierConfig(n_size_grid=24)))
    >>> tx.grid(np.zeros((3, tx.tbs[0]), np.uint8)).shape
    (3, 1, 14, 288)
    """

    def __init__(self, config: PdschConfig, *, precoder=None):
        if not isinstance(config, PdschConfig):
            raise ConfigError(f"config={config!r} is not allowed: config must be a PdschConfig")
        self.config = config
        self.resources = config.resources
        v = config.num_layers
        if precoder is None:
            w = np.eye(v, dtype=np.complex64)
        else:
            try:
                w = np.asarray(precoder, dtype=np.complex64)
            except (TypeError, ValueError) as e:
                raise ConfigError(f"precoder={precoder!r} is not allowed: precoder must be a "
                                  "complex (ports, layers) matrix (TS 38.211 §7.3.1.4)") from e
            if not np.all(np.isfinite(w)):
                raise ConfigError("precoder is not allowed: it holds NaN or infinite entries "
                                  "(TS 38.211 §7.3.1.4)")
            if w.ndim != 2 or w.shape[1] != v or w.shape[0] < v:
                raise ConfigError(
                    f"precoder.shape={w.shape} is not allowed: precoder must be (ports, "
                    f"{v}) with ports ≥ {v} (TS 38.211 §7.3.1.4)"
                )
        self.precoding_matrix = w
        self.reference_grid = reference_signals(config).total

    @property
    def tbs(self) -> tuple[int, ...]:
        """Transport block size of each codeword."""
        return self.resources.tbs

    @property
    def num_codewords(self) -> int:
        """1 for up to 4 layers, 2 for 5..8 layers."""
        return len(self.resources.tbs)

    @property
    def num_ports(self) -> int:
        """Antenna ports of the output grid."""
        return self.precoding_matrix.shape[0]

    def _split(self, b) -> list[np.ndarray]:
        if self.num_codewords == 1:
            return [check_tb_bits(b, self.tbs[0])]
        if not isinstance(b, list | tuple) or len(b) != 2:
            raise ConfigError(
                f"b is not allowed: {self.config.num_layers} layers use two codewords "
                "(TS 38.211 Table 7.3.1.3-1); pass a pair (b0, b1) of transport blocks"
            )
        return [check_tb_bits(b[q], t, f"b[{q}]") for q, t in enumerate(self.tbs)]

    def codewords(self, b) -> list[np.ndarray]:
        """TB bits → scrambled codeword bits of each codeword (TS 38.211 §7.3.1.1)."""
        bits = self._split(b)
        return [scramble(encode_tb(bits[q], cfg), self.config.c_init(q))
                for q, cfg in enumerate(self.resources.tb_configs)]

    def layers(self, b) -> np.ndarray:
        """TB bits → layer symbols ``(..., υ, M_symb^layer)`` (§7.3.1.2-3)."""
        return self._layers_from_scrambled(self.codewords(b))

    def _layers_from_scrambled(self, cws) -> np.ndarray:
        qm = self.resources.mcs.qm
        d = [modulate(c, qm) for c in cws]
        return layer_map(d[0] if len(d) == 1 else d, self.config.num_layers)

    def grid_from_coded(self, f) -> np.ndarray:
        """Rate-matched codeword bits (before scrambling) → precoded grid.

        ``f`` is ``(..., G)`` for one codeword or a pair ``(f0, f1)`` for two; for HARQ,
        where each process's codeword comes from its own RV.
        """
        fs = [f] if self.num_codewords == 1 else list(f)
        if len(fs) != self.num_codewords:
            raise ConfigError(f"f is not allowed: {self.num_codewords} codewords expected")
        cws = []
        for q, (fq, g) in enumerate(zip(fs, self.resources.g, strict=True)):
            fq = np.asarray(fq)
            if fq.ndim < 1 or fq.shape[-1] != g:
                raise ConfigError(f"f[{q}].shape={fq.shape} is not allowed: coded bits of "
                                  f"codeword {q} must be (..., {g})")
            cws.append(scramble(fq, self.config.c_init(q)))
        x = self._layers_from_scrambled(cws)
        return precode_grid(layers_to_grid(x, self.resources, self.reference_grid),
                            self.precoding_matrix)

    def layer_grid(self, b) -> np.ndarray:
        """TB bits → per-layer resource grid ``(..., υ, N_symb^slot, n_sc)`` with DM-RS/PT-RS."""
        return layers_to_grid(self.layers(b), self.resources, self.reference_grid)

    def grid(self, b) -> np.ndarray:
        """TB bits → precoded resource grid ``(..., ρ, N_symb^slot, n_sc)``, complex64.

        ``b`` is ``(..., A)`` for one codeword, a pair ``(b0, b1)`` for two.
        """
        return precode_grid(self.layer_grid(b), self.precoding_matrix)

    __call__ = grid

    def waveform(self, b, *, fft_size: int | None = None, phase_compensation_hz=None):
        """TB bits → time-domain samples of the slot, ``(..., ρ, n_samples)`` (§5.3.1)."""
        return to_waveform(self.grid(b), self.config.carrier, fft_size, phase_compensation_hz)
