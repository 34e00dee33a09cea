"""Modulation schemes of TS 38.211 §5.1."""

#: Modulation orders Q_m of TS 38.211 §5.1: π/2-BPSK/BPSK (1), QPSK (2), 16QAM (4),
#: 64QAM (6), 256QAM (8), 1024QAM (10). The one list every Q_m check uses.
MODULATION_ORDERS: tuple[int, ...] = (1, 2, 4, 6, 8, 10)

__all__ = ["MODULATION_ORDERS"]
