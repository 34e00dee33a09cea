"""Pure, deterministic 3GPP functions and tables (no randomness, no I/O beyond
reading the packaged tables).

Conventions used throughout nrlink
----------------------------------
* **Bits** are ``uint8``/``int8`` arrays of 0/1, batch dimension first.
* **LLR sign convention** (stated once, here): a log-likelihood ratio is
  ``LLR(b) = ln(P(b = 0) / P(b = 1))`` — **positive means bit 0**. Every soft
  value in nrlink (demapper output, rate-recovery buffer, LDPC decoder input and
  soft output) follows it. A hard decision is ``bit = (llr < 0)``.
"""

#: The 3GPP specification versions implemented by :mod:`nrlink.spec`.
SPEC_VERSIONS: dict[str, str] = {
    "TS 38.211": "V17.6.0 (2023-09)",
    "TS 38.212": "V17.6.0 (2023-09)",
    "TS 38.214": "V17.6.0 (2023-09)",
}

#: Hard decision from an LLR: ``bit = llr < 0`` (positive LLR means bit 0).
LLR_POSITIVE_MEANS_ZERO = True

__all__ = ["SPEC_VERSIONS", "LLR_POSITIVE_MEANS_ZERO"]
