"""PUSCH transmitter: transport block bits → resource grid → time-domain slot."""

from __future__ import annotations

import numpy as np

from nrlink.config.pusch import PuschConfig
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
from nrlink.spec.ts38211.precoding import transform_precode
from nrlink.spec.ts38211.scrambling import scramble

__all__ = ["PuschTransmitter"]


class PuschTransmitter:
    """The PUSCH transmit chain of one UE in one slot.

    Implements TS 38.212 §6.2 (UL-SCH coding) and TS 38.211 §6.3.1 (scrambling §6.3.1.1,
    modulation §6.3.1.2, layer mapping §6.3.1.3, transform precoding §6.3.1.4, precoding
    §6.3.1.5, mapping to resources §6.3.1.6-7) with DM-RS (§6.4.1.1) and PT-RS
    (§6.4.1.2), and OFDM modulation (§5.3.1) for :meth:`waveform`.

    Parameters
    ----------
    config : PuschConfig

    Examples
    --------
    >>> from nrlink.config import CarrierConfig, PuschConfig
    >>> tx = PuschTransmitter(PuschConfig(carrier=CarrierConfig(n_size_grid=24)))
    >>> b = np.zeros((2, tx.tbs), np.uint8)
    >>> tx.grid(b).shape
    (2, 1, 14, 288)
    """

    def __init__(self, config: PuschConfig):
        if not isinstance(config, PuschConfig):
            raise ConfigError(f"config={config!r} is not allowed: config must be a PuschConfig")
        self.config = config
        self.resources = config.resources
        self.tb_config = self.resources.tb_configs[0]
        self.precoding_matrix = config.precoding_matrix
        self.reference_grid = reference_signals(config).total

    @property
    def tbs(self) -> int:
        """Transport block size A."""
        return self.resources.tbs[0]

    @property
    def num_ports(self) -> int:
        """Antenna ports ρ of the output grid."""
        return self.config.antenna_ports

    def codeword(self, b) -> np.ndarray:
        """TB bits ``(..., A)`` → scrambled codeword bits ``(..., G)`` (TS 38.211 §6.3.1.1)."""
        b = check_tb_bits(b, self.tbs, clause="TS 38.214 §6.1.4.2")
        return scramble(encode_tb(b, self.tb_config), self.config.c_init)

    def layers(self, b) -> np.ndarray:
        """TB bits → layer symbols ``(..., υ, M_symb^layer)``, transform-precoded if enabled."""
        return self._layers_from_scrambled(self.codeword(b))

    def _layers_from_scrambled(self, b_scr) -> np.ndarray:
        cfg = self.config
        d = modulate(b_scr, self.resources.mcs.qm, pi2_bpsk=cfg.pi2_bpsk)
        x = layer_map(d, cfg.num_layers)
        if cfg.transform_precoding:
            x = transform_precode(x, 12 * len(self.resources.prbs))
        return x

    def grid_from_coded(self, f) -> np.ndarray:
        """Rate-matched codeword bits ``(..., G)`` (before scrambling) → precoded grid.

        For HARQ, where each process's codeword comes from its own RV
        (:meth:`nrlink.link.harq.HarqProcesses.encode`).
        """
        f = np.asarray(f)
        g = self.tb_config.g
        if f.ndim < 1 or f.shape[-1] != g:
            raise ConfigError(f"f.shape={f.shape} is not allowed: coded bits must be (..., {g})")
        x = self._layers_from_scrambled(scramble(f, self.config.c_init))
        return precode_grid(layers_to_grid(x, self.resources, self.reference_grid),
                            self.precoding_matrix)

    def layer_grid(self, b) -> np.ndarray:
        """TB bits → per-layer resource grid ``(..., υ, N_symb^slot, n_sc)`` with DM-RS/PT-RS."""
        return layers_to_grid(self.layers(b), self.resources, self.reference_grid)

    def grid(self, b) -> np.ndarray:
        """TB bits ``(..., A)`` → precoded resource grid ``(..., ρ, N_symb^slot, n_sc)``.

        Subcarrier 0 is the lowest subcarrier of the carrier; complex64. Data REs have unit
        average energy per layer before precoding; the DM-RS is scaled by β_DMRS.
        """
        return precode_grid(self.layer_grid(b), self.precoding_matrix)

    __call__ = grid

    def waveform(self, b, *, fft_size: int | None = None, phase_compensation_hz=None):
        """TB bits → time-domain samples of the slot, ``(..., ρ, n_samples)`` (§5.3.1)."""
        return to_waveform(self.grid(b), self.config.carrier, fft_size, phase_compensation_hz)
