"""Spatial (MIMO) correlation of the TDL test channels, uniform linear arrays.

Implements TS 38.101-4 Annex B.2.3.1 (downlink, "MIMO correlation matrices using uniform
linear array") and TS 38.104 Annex G.2.3.1 (uplink, the same for the base station tests).

Each side of the link has an exponential correlation matrix (Tables B.2.3.1.1-1/-2 and
G.2.3.1.1-1/-2): with n antennas, element (i, j) is c^(((i − j)/(n − 1))²) (c* below the
diagonal), i.e. 1, c^(1/9), c^(4/9), c for four antennas. The gNB uses α, the UE uses β,
in both annexes; the levels differ between them (Tables B.2.3.1.2-1 and G.2.3.1.2-1):

============  ==================  ===================
level         downlink α, β       uplink α, β
============  ==================  ===================
low           0, 0                0, 0
medium        0.3, 0.9            0.9, 0.3
medium-a      0.3, 0.3874         (not defined)
high          0.9, 0.9            0.9, 0.9
============  ==================  ===================

(In both directions "medium" correlates the *receiving* side with 0.9 and the transmitting
side with 0.3.) The channel spatial correlation matrix is the Kronecker product of the
transmitting side's matrix and the receiving side's: R_spat = R_gNB ⊗ R_UE in the downlink
(Table B.2.3.1.1-3) and R_spat = R_UE ⊗ R_gNB in the uplink (Table G.2.3.1.1-3), that is,

    R_spat = R_tx ⊗ R_rx  in both directions,

whose row/column index k = t · n_rx + r addresses the coefficient of receive antenna r and
transmit antenna t: R_spat = E[vec(H) vec(H)^H] with H the (n_rx × n_tx) channel matrix
(``coefficients[b, :, :, l, i]`` of :class:`~nrlink.channel.cir.ChannelImpulseResponse`) and
vec stacking its columns (one column per transmit antenna).

The annexes tabulate R_spat to 4 decimals; where that rounding would make a matrix
indefinite they replace it by (R_spat + a·I)/(1 + a) before rounding, with the a values
of :func:`psd_correction`. The matrices returned here are *not* rounded (so they are
positive semi-definite for every size); rounded to 4 decimals they are the tabulated ones.
"""

from __future__ import annotations

import numpy as np

from nrlink.errors import ConfigError

__all__ = [
    "CORRELATION_LEVELS",
    "LINK_DIRECTIONS",
    "antenna_correlation",
    "correlation_coefficients",
    "correlation_sqrt",
    "psd_correction",
    "spatial_correlation",
]

#: The MIMO correlation levels of TS 38.101-4 Table B.2.3.1.2-1 / TS 38.104 Table G.2.3.1.2-1.
CORRELATION_LEVELS: tuple[str, ...] = ("low", "medium", "medium-a", "high")
#: Link directions: downlink (transmitter = gNB) and uplink (receiver = gNB).
LINK_DIRECTIONS: tuple[str, ...] = ("downlink", "uplink")

_CLAUSE = {"downlink": "TS 38.101-4 Annex B.2.3.1", "uplink": "TS 38.104 Annex G.2.3.1"}

#: (α, β) = (gNB, UE) correlation per direction and level (Tables B.2.3.1.2-1, G.2.3.1.2-1).
_ALPHA_BETA = {
    "downlink": {"low": (0.0, 0.0), "medium": (0.3, 0.9), "medium-a": (0.3, 0.3874),
                 "high": (0.9, 0.9)},
    "uplink": {"low": (0.0, 0.0), "medium": (0.9, 0.3), "high": (0.9, 0.9)},
}

#: Antennas per side: 1, 2, 4, 8 (ULA). The tables list 1, 2, 4 (and 8 for the uplink gNB);
#: for more antennas the annexes keep the same construction, "the channel spatial
#: correlation matrix can still be expressed as the Kronecker product of R_gNB and R_UE"
#: with element (i, j) = a^(((i − j)/(n − 1))²), which is what is built for 8 antennas
#: (without a PSD adjustment, none being tabulated; the matrices here are not rounded, so
#: they are positive semi-definite exactly).
_SIZES = {"downlink": {"gnb": (1, 2, 4, 8), "ue": (1, 2, 4, 8)},
          "uplink": {"gnb": (1, 2, 4, 8), "ue": (1, 2, 4, 8)}}

#: The annexes' a of R = (R_spat + a·I)/(1 + a), keyed by the matrix R_tx(c_tx) ⊗ R_rx(c_rx)
#: as (n_tx, n_rx, c_tx, c_rx). Downlink (n_tx = gNB): 4x2 high a = 0.00010, 4x4 high
#: a = 0.00012, 2x4 and 4x4 medium a = 0.00010 and 0.00012 (TS 38.101-4 B.2.3.1.2). Uplink
#: (n_tx = UE): 2x4 high a = 0.00010, 4x4 high and 4x4 medium a = 0.00012 (TS 38.104
#: G.2.3.1.2). The a of a matrix is used in whichever direction produces that matrix (the
#: uplink 2x4 medium matrix R(2, 0.3) ⊗ R(4, 0.9) equals the downlink 2x4 medium one).
_A = {
    (4, 2, 0.9, 0.9): 0.00010,
    (2, 4, 0.9, 0.9): 0.00010,
    (4, 4, 0.9, 0.9): 0.00012,
    (2, 4, 0.3, 0.9): 0.00010,
    (4, 4, 0.3, 0.9): 0.00012,
}


def antenna_correlation(n: int, a) -> np.ndarray:
    """Correlation matrix of one side of the link: element (i, j) = a^(((i − j)/(n − 1))²).

    Implements TS 38.101-4 Tables B.2.3.1.1-1/-2 and TS 38.104 Tables G.2.3.1.1-1/-2
    (a = α for the gNB, β for the UE); above the diagonal a^(((j − i)/(n − 1))²), below its
    complex conjugate.

    Parameters
    ----------
    n : {1, 2, 4, 8}
        Number of antennas.
    a : float or complex
        Correlation between the two outermost antennas, |a| ≤ 1.

    Returns
    -------
    numpy.ndarray, shape (n, n)
        float64 for real ``a``, complex128 otherwise.

    Examples
    --------
    >>> antenna_correlation(4, 0.9).round(4)[0]
    array([1.    , 0.9884, 0.9543, 0.9   ])
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n not in (1, 2, 4, 8):
        raise ConfigError(
            f"n={n!r} is not allowed: n must be one of 1, 2, 4, 8 antennas (TS 38.101-4 "
            "Table B.2.3.1.1-1, TS 38.104 Table G.2.3.1.1-1)"
        )
    ok = isinstance(a, int | float | complex | np.number) and not isinstance(a, bool)
    is_complex = ok and np.iscomplexobj(a)
    if not ok or not np.isfinite(a) or abs(a) > 1 or (not is_complex and a < 0):
        raise ConfigError(
            f"a={a!r} is not allowed: a must be a correlation coefficient, real in 0..1 or "
            "complex with |a| ≤ 1 (TS 38.101-4 Table B.2.3.1.1-1)"
        )
    n = int(n)
    if n == 1:
        return np.ones((1, 1), dtype=np.complex128 if is_complex else np.float64)
    i = np.arange(n)
    exponent = ((i[None, :] - i[:, None]) / (n - 1)) ** 2
    upper = np.power(complex(a) if is_complex else float(a), exponent)
    return np.where(i[None, :] >= i[:, None], upper, np.conj(upper).T)


def correlation_coefficients(level: str, link_direction: str) -> tuple[float, float]:
    """(α, β): the correlation of the gNB antennas and of the UE antennas.

    Implements TS 38.101-4 Table B.2.3.1.2-1 (downlink) and TS 38.104 Table G.2.3.1.2-1
    (uplink); see the module docstring for the values.

    Raises
    ------
    ConfigError
        For an unknown level or direction, and for "medium-a" in the uplink (TS 38.104
        defines low, medium and high only).
    """
    _check_direction(link_direction)
    levels = _ALPHA_BETA[link_direction]
    if level not in levels:
        raise ConfigError(
            f"correlation={level!r} is not allowed with link_direction={link_direction!r}: "
            f"correlation must be one of {', '.join(map(repr, levels))} "
            f"({_CLAUSE[link_direction]}.2)"
        )
    return levels[level]


def psd_correction(num_tx: int, num_rx: int, level: str, link_direction: str) -> float:
    """The annex's a of R_spat = (R_gNB ⊗ R_UE + a·I)/(1 + a); 0.0 where none is given.

    Implements the positive-semi-definiteness adjustment of TS 38.101-4 Annex B.2.3.1.2
    and TS 38.104 Annex G.2.3.1.2 (the tabulated matrices, rounded to 4 decimals, stay
    positive semi-definite).

    a is tabulated for the 4x2, 2x4 and 4x4 high and medium matrices; every other matrix
    (1, 2 antennas, and 8-antenna sides, for which no adjustment is tabulated) gets 0.
    """
    alpha, beta = correlation_coefficients(level, link_direction)
    _check_sizes(num_tx, num_rx, level, link_direction)
    if link_direction == "downlink":
        key = (num_tx, num_rx, alpha, beta)
    else:
        key = (num_tx, num_rx, beta, alpha)
    return _A.get(key, 0.0)


def spatial_correlation(num_tx: int, num_rx: int, level: str = "low",
                        link_direction: str = "downlink") -> np.ndarray:
    """The channel spatial correlation matrix R_spat = E[vec(H) vec(H)^H].

    Implements TS 38.101-4 Annex B.2.3.1 (downlink, R_spat = R_gNB ⊗ R_UE) and TS 38.104
    Annex G.2.3.1 (uplink, R_spat = R_UE ⊗ R_gNB), with the annexes' correction
    (R_spat + a·I)/(1 + a) (:func:`psd_correction`); not rounded.

    Parameters
    ----------
    num_tx, num_rx : int
        Transmit and receive antennas (the gNB is the transmitter in the downlink).
    level : {"low", "medium", "medium-a", "high"}
        Correlation level ("medium-a": downlink only).
    link_direction : {"downlink", "uplink"}

    Returns
    -------
    numpy.ndarray of float64, shape (num_tx · num_rx, num_tx · num_rx)
        R_tx ⊗ R_rx: row/column k = t · num_rx + r is receive antenna r, transmit antenna t.

    Raises
    ------
    ConfigError
        For an unknown level or direction, or more antennas than the annex defines.
    Examples
    --------
    >>> spatial_correlation(2, 2, "high").round(4)
    array([[1.  , 0.9 , 0.9 , 0.81],
           [0.9 , 1.  , 0.81, 0.9 ],
           [0.9 , 0.81, 1.  , 0.9 ],
           [0.81, 0.9 , 0.9 , 1.  ]])
    """
    alpha, beta = correlation_coefficients(level, link_direction)
    a = psd_correction(num_tx, num_rx, level, link_direction)
    c_tx, c_rx = (alpha, beta) if link_direction == "downlink" else (beta, alpha)
    r = np.kron(antenna_correlation(num_tx, c_tx), antenna_correlation(num_rx, c_rx))
    if a:
        r = (r + a * np.eye(r.shape[0])) / (1.0 + a)
    return r


def correlation_sqrt(r) -> np.ndarray:
    """The Hermitian positive semi-definite square root C of R (C C^H = C² = R).

    Implements the colouring of TS 38.101-4 Annex B.2.3 / TS 38.104 Annex G.2.3: vec(H) =
    C vec(G) with G of i.i.d. unit-power entries has E[vec(H) vec(H)^H] = R. Eigenvalues
    below zero by rounding (|λ| ≤ 1e-12 · λ_max) are set to zero.

    Parameters
    ----------
    r : array_like, shape (n, n)
        Hermitian positive semi-definite matrix.

    Returns
    -------
    numpy.ndarray, shape (n, n)
        Real for a real symmetric ``r``.
    """
    r = np.asarray(r)
    if r.ndim != 2 or r.shape[0] != r.shape[1] or not np.allclose(r, r.conj().T, atol=1e-12):
        raise ConfigError(
            f"r.shape={r.shape} is not allowed: r must be a square Hermitian matrix "
            "(TS 38.101-4 Annex B.2.3)"
        )
    w, v = np.linalg.eigh(r)
    if w.min() < -1e-12 * max(w.max(), 1.0):
        raise ConfigError(
            f"r has the eigenvalue {w.min():.3g} < 0: r must be positive semi-definite "
            "(TS 38.101-4 Annex B.2.3)"
        )
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.conj().T


def _check_direction(link_direction) -> None:
    if link_direction not in LINK_DIRECTIONS:
        raise ConfigError(
            f"link_direction={link_direction!r} is not allowed: link_direction must be "
            "'downlink' or 'uplink' (TS 38.101-4 Annex B.2.3, TS 38.104 Annex G.2.3)"
        )


def _check_sizes(num_tx, num_rx, level, link_direction) -> None:
    """ConfigError unless the annex defines the matrices for these antenna numbers."""
    clause = _CLAUSE[link_direction]
    for name, n in (("num_tx", num_tx), ("num_rx", num_rx)):
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n not in (1, 2, 4, 8):
            raise ConfigError(
                f"{name}={n!r} is not allowed: {name} must be one of 1, 2, 4, 8 ({clause}.1)"
            )
    if level == "low":
        return
    n_gnb, n_ue = (num_tx, num_rx) if link_direction == "downlink" else (num_rx, num_tx)
    sizes = _SIZES[link_direction]
    for side, name, n in (("gnb", "num_tx" if link_direction == "downlink" else "num_rx", n_gnb),
                          ("ue", "num_rx" if link_direction == "downlink" else "num_tx", n_ue)):
        if n not in sizes[side]:
            table = "1-1" if side == "gnb" else "1-2"
            allowed = ", ".join(map(str, sizes[side]))
            raise ConfigError(
                f"{name}={n} is not allowed with correlation={level!r} in the "
                f"{link_direction}: the {'gNB' if side == 'gnb' else 'UE'} correlation "
                f"matrix is defined for {allowed} antennas ({clause}.1, Table "
                f"{clause.split()[-1]}.{table})"
            )
