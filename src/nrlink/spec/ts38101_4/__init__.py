"""TS 38.101-4 (UE demodulation performance) and TS 38.104 (BS) test-channel definitions:
the MIMO spatial correlation of TS 38.101-4 Annex B.2.3 and TS 38.104 Annex G."""
