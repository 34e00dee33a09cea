"""TS 38.212 — multiplexing and channel coding."""
