"""Transport blocks over a modulated AWGN channel: the coding chain alone, with HARQ.

:class:`TransportBlockLink` runs TS 38.212 transport-block coding (CRC, segmentation,
LDPC, rate matching; §7.2, §5.2–5.4) with the HARQ processes of :mod:`nrlink.link.harq`,
modulates the codeword (TS 38.211 §5.1), adds complex white Gaussian noise at the symbol
SNR E_s/N0 and demaps to LLRs: the LDPC / rate-matching studies of a link without the
resource grid, and the campaign engine's cheapest link.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

from nrlink._profile import lap
from nrlink.channel import awgn, noise_variance
from nrlink.config.transport_block import TransportBlockConfig
from nrlink.errors import ConfigError
from nrlink.link.harq import HarqConfig, HarqProcesses
from nrlink.link.links import LinkResult, check_run_args, collect_tb_results
from nrlink.rx.demapping import demap_llr
from nrlink.rx.ldpc_decoder import LdpcDecoderConfig
from nrlink.spec.ts38211.modulation import modulate

__all__ = ["TransportBlockLink"]


class TransportBlockLink:
    """Transport blocks of one :class:`TransportBlockConfig` over QAM-AWGN, with HARQ.

    Implements TS 38.212 §7.2 coding of each transmission (RV from the HARQ sequence) and
    TS 38.211 §5.1 modulation of order ``tb_config.qm``; the G coded bits of a
    transmission are ``G / Q_m`` symbols.

    Parameters
    ----------
    tb_config : TransportBlockConfig
    harq : HarqConfig, optional
        Default RV 0, 2, 3, 1 and 4 transmissions; ``HarqConfig(max_transmissions=1)`` for
        none.
    decoder : LdpcDecoderConfig, optional
    demapper : {"maxlog", "logmap"}, default "maxlog"

    Examples
    --------
    >>> cfg = TransportBlockConfig(tbs=1000, target_code_rate=0.5, g=2400, qm=2)
    >>> r = TransportBlockLink(cfg).run(10.0, 2, batch_size=4, rng=np.random.default_rng(0))
    >>> r.bler, r.throughput
    (0.0, 1.0)
    """

    def __init__(self, tb_config: TransportBlockConfig, *, harq: HarqConfig | None = None,
                 decoder: LdpcDecoderConfig | None = None,
                 demapper: Literal["maxlog", "logmap"] = "maxlog"):
        if not isinstance(tb_config, TransportBlockConfig):
            raise ConfigError(f"tb_config={tb_config!r} is not allowed: it must be a "
                              "TransportBlockConfig")
        if demapper not in ("maxlog", "logmap"):
            raise ConfigError(f"demapper={demapper!r} is not allowed: it must be 'maxlog' or "
                              "'logmap'")
        self.config = tb_config
        self.harq = harq or HarqConfig()
        self.decoder = decoder
        self.demapper = demapper

    def run(self, snr_db: float, num_slots: int, *, batch_size: int = 8,
            rng: np.random.Generator, drain: bool = True,
            timings: dict | None = None) -> LinkResult:
        """Send ``num_slots`` transmissions on each of ``batch_size`` HARQ processes.

        Parameters
        ----------
        snr_db : float
            E_s/N0 per modulation symbol (unit-energy constellation), in dB.
        num_slots, batch_size, rng, drain, timings
            As for :meth:`nrlink.link.links.PuschLink.run` (stages "transmitter",
            "channel", "demapping", "decoding").
        """
        rng, num_slots, batch = check_run_args(snr_db, num_slots, batch_size, rng,
                                               "TransportBlockLink.run")
        n0 = float(noise_variance(float(snr_db)))
        qm = self.config.qm
        proc = HarqProcesses(self.config, batch, self.harq)
        if not isinstance(drain, bool):
            raise ConfigError(f"drain={drain!r} is not allowed: it must be True or False")
        slots, stats = [], None
        k = 0
        while k < num_slots or (drain and proc.in_flight.any()):
            t0 = time.perf_counter()
            proc.next_transmission(rng, new_data=k < num_slots)
            x = modulate(proc.encode(), qm)
            t0 = lap(timings, "transmitter", t0)
            y = awgn(x, n0, rng=rng)
            t0 = lap(timings, "channel", t0)
            llr = demap_llr(y, qm, np.float32(n0), method=self.demapper)
            t0 = lap(timings, "demapping", t0)
            res = proc.receive(llr, decoder=self.decoder)
            stats = res.statistics if stats is None else stats + res.statistics
            slots.append([res])
            lap(timings, "decoding", t0)
            k += 1
        sinr = [np.full(batch, snr_db, np.float32)] * len(slots)
        per_tb = collect_tb_results(slots, sinr, (proc.tbs,))
        return LinkResult(snr_db=float(snr_db), statistics=stats, sinr_db=float(snr_db),
                          iterations=float(per_tb.iterations[per_tb.active].mean()),
                          per_tb=per_tb)
