"""TS 38.213: physical layer procedures for control.

SS/PBCH block bursts (§4.1), PDCCH search spaces (§10.1).
"""
