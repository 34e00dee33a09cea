"""TS 38.213: physical layer procedures for control (SS/PBCH block bursts, PDCCH search spaces, PUCCH resources)."""
