"""The known reference signals of a PDSCH/PUSCH configuration: DM-RS and PT-RS per layer.

Both the transmitters (:mod:`nrlink.link`) and the receivers (:mod:`nrlink.rx`: channel
estimation, phase tracking) need the same values; they are computed here, once per
configuration, from the TS 38.211 sequence generators.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from nrlink.spec.ts38211.dmrs import dmrs_grid
from nrlink.spec.ts38211.ptrs import ptrs_grid
from nrlink.spec.ts38214.power import dmrs_beta

__all__ = ["ReferenceSignals", "reference_signals"]


@dataclass(frozen=True, slots=True, eq=False)
class ReferenceSignals:
    """DM-RS and PT-RS of every layer of one slot (read-only arrays).

    Attributes
    ----------
    dmrs : numpy.ndarray of complex64, shape (layers, n_symb_slot, n_sc)
        a_{k,l} of each layer's DM-RS port (TS 38.211 §7.4.1.1.2 / §6.4.1.1.3), scaled by
        β_DMRS (TS 38.214 Tables 4.1-1 / 6.2.2-1); zero elsewhere.
    ptrs : numpy.ndarray of complex64, shape (layers, n_symb_slot, n_sc)
        PT-RS on the layer of its DM-RS port (TS 38.211 §7.4.1.2.2 / §6.4.1.2.2.1), zero
        elsewhere and everywhere when PT-RS is absent.
    dmrs_beta : float
        The β_DMRS amplitude applied.
    """

    dmrs: np.ndarray
    ptrs: np.ndarray
    dmrs_beta: float

    @property
    def total(self) -> np.ndarray:
        """DM-RS plus PT-RS, what the transmitter adds to the layer grids."""
        return self.dmrs + self.ptrs


def reference_signals(cfg) -> ReferenceSignals:
    """The DM-RS and PT-RS of a :class:`PdschConfig` / :class:`PuschConfig` (cached).

    Implements TS 38.211 §7.4.1.1.2 / §6.4.1.1.3 (DM-RS) and §7.4.1.2.2 / §6.4.1.2.2.1
    (PT-RS, on the layer of the lowest DM-RS port of codeword 0).
    """
    return _reference_signals(cfg)


@lru_cache(maxsize=64)
def _reference_signals(cfg) -> ReferenceSignals:
    from nrlink.config.pusch import PuschConfig

    channel = "pusch" if isinstance(cfg, PuschConfig) else "pdsch"
    res = cfg.resources
    carrier, dmrs = cfg.carrier, cfg.dmrs
    tp = cfg.transform_precoding
    n_cdm = 2 if tp else dmrs.num_cdm_groups_without_data
    beta = dmrs_beta(n_cdm, dmrs.config_type, channel)
    if tp:
        n_id = carrier.n_id_cell if dmrs.n_id_pusch is None else dmrs.n_id_pusch
    else:
        n_id = tuple(carrier.n_id_cell if v is None else v for v in (dmrs.n_id_0, dmrs.n_id_1))
    values, _ = dmrs_grid(
        config_type=dmrs.config_type, ports=res.dmrs_ports, symbols=res.dmrs_symbols,
        length=dmrs.length, n_symb_slot=carrier.n_symb_slot, n_slot=carrier.slot,
        n_sc=carrier.n_sc, prbs=res.prbs, n_id=n_id, n_scid=dmrs.n_scid, beta_dmrs=beta,
        n_start_cr=carrier.n_start_grid, transform_precoding=tp,
        group_hopping=dmrs.group_hopping, sequence_hopping=dmrs.sequence_hopping,
    )
    ptrs = np.zeros_like(values)
    if res.ptrs_symbols:
        layer = res.ptrs_layer
        p = cfg.ptrs
        pv, _ = ptrs_grid(
            n_size_grid=carrier.n_size_grid, rb_start=int(res.prbs.min()),
            n_rb=len(res.prbs), l_start=cfg.start_symbol, l_duration=cfg.num_symbols,
            dmrs_symbols=res.dmrs_symbols, l_ptrs=res.l_ptrs, k_ptrs=res.k_ptrs,
            n_rnti=cfg.n_rnti, n_id=dmrs.n_id(carrier.n_id_cell), n_scid=dmrs.n_scid,
            n_slot=carrier.slot, n_symb_slot=carrier.n_symb_slot,
            n_start_grid=carrier.n_start_grid,
            resource_element_offset=p.resource_element_offset, config_type=dmrs.config_type,
            dmrs_ports=(res.dmrs_ports[layer],), channel=channel, n_layers=cfg.num_layers,
            epre_ratio=p.epre_ratio, beta_ptrs=None if channel == "pdsch" else 1.0,
        )
        ptrs[layer] = np.where(res.ptrs_mask, pv[0], 0)  # none on reserved REs
    for a in (values, ptrs):
        a.setflags(write=False)
    return ReferenceSignals(dmrs=values, ptrs=ptrs, dmrs_beta=float(beta))
