"""MIMO detection per resource element: linear LMMSE and ZF equalisers, max-log ML.

Implementation choice (no 3GPP clause): TS 38.211/38.214 define the transmitted layers,
not the receiver. The formulas are the standard ones of the MIMO literature (e.g.
Paulraj, Nabar & Gore, *Introduction to Space-Time Wireless Communications*, 2003;
Tse & Viswanath, *Fundamentals of Wireless Communication*, 2005, chapter 8).

Model, per resource element (RE): y = H x + n with y of n_rx receive antennas, H the
n_rx × n_layers channel (everything between the layer symbols and the receive
antennas: precoding, DM-RS power scaling, ...), x the layer symbols of unit average
energy, independent across layers, and n ~ CN(0, diag(N0_r)). Per-antenna noise
variances are whitened (row r of y and H divided by √N0_r), so with W = diag(1/N0_r)
every detector works with the Gram matrix A = H^H W H and z = H^H W y.

* LMMSE: B = (A + I)^{-1}, biased estimate B z (the Wiener filter
  (H^H H + N0 I)^{-1} H^H y for equal noise). Its gain on layer l is
  μ_l = (B A)_ll = 1 − B_ll, so the unbiased estimate is x̂_l = (B z)_l / μ_l
  = x_l + e_l with E|e_l|^2 = (1 − μ_l) / μ_l = 1 / SINR_l, the post-equalisation
  SINR_l = 1 / B_ll − 1 of the MMSE receiver.
* ZF (whitened, i.e. the BLUE; plain ZF for equal noise): x̂ = A^{-1} z = x + e with
  E|e_l|^2 = [A^{-1}]_ll (N0 [(H^H H)^{-1}]_ll for equal noise).
* ML (max-log): LLR(b) = min_{s: b=1} ‖y − H s‖²_W − min_{s: b=0} ‖y − H s‖²_W over
  all joint symbol vectors s.

Each linear detector returns (x̂, N0_eff) for :func:`nrlink.rx.demapping.demap_llr`,
which treats e_l as Gaussian (the usual approximation: e_l also holds residual
interference from the other layers).

Channel-estimation error (LMMSE only): with H = Ĥ + E, E of i.i.d. entries of variance
σ_e^2 independent of x, the term E x is treated as extra white noise of variance
σ_e^2 Σ_l E|x_l|^2 = n_layers σ_e^2 per antenna (Hassibi & Hochwald, "How much
training is needed in multiple-antenna wireless links?", IEEE Trans. IT, 2003), so
N0_r becomes N0_r + n_layers σ_e^2.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from nrlink.errors import ConfigError
from nrlink.rx._detection_kernels import (
    _general_kernel,
    _ml_kernel,
    _one_layer_kernel,
    _siso_kernel,
    _two_layer_kernel,
)
from nrlink.spec._checks import as_last_axis_array
from nrlink.spec.ts38211.modulation import check_qm, constellation

__all__ = ["lmmse_detect", "ml_detect_llr", "zf_detect"]

_CLAUSE = "nrlink MIMO detection, an implementation choice, not a 3GPP clause"
#: Largest layer count and modulation order of the exhaustive ML search (≤ 256
#: hypotheses per RE): an nrlink limit.
_ML_MAX_LAYERS = 2
_ML_MAX_QM = 4


# ------------------------------------------------------------------------- validation


def _ro(a: np.ndarray) -> np.ndarray:
    """A read-only view: the kernels then see one array type (no recompilation per flag)."""
    v = a.view()
    v.flags.writeable = False
    return v


def _as_channel(y, h, func: str) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """y (n_re, n_rx) and h (n_re, n_rx, n_layers) complex64, contiguous, and the batch shape."""
    y = as_last_axis_array("y", y, "biufc", "received symbols must be a numeric (complex) "
                           "array", "receive antennas", _CLAUSE)
    h = np.asarray(h)
    if h.ndim < 2:
        raise ConfigError(f"h has shape {h.shape}: the channel must have at least two "
                          f"dimensions (..., n_rx, n_layers) ({_CLAUSE})")
    if h.dtype.kind not in "biufc":
        raise ConfigError(f"h has dtype {h.dtype}: the channel must be a numeric (complex) "
                          f"array ({_CLAUSE})")
    n_rx, n_layers = h.shape[-2], h.shape[-1]
    if y.shape[-1] != n_rx:
        raise ConfigError(f"y has shape {y.shape} and h has shape {h.shape}: y has "
                          f"n_rx={y.shape[-1]} receive antennas on its last axis, h has "
                          f"n_rx={n_rx} on its second-last; they must be equal ({_CLAUSE})")
    if n_rx == 0 or n_layers == 0:
        raise ConfigError(f"h has shape {h.shape}: n_rx and n_layers must be ≥ 1 ({_CLAUSE})")
    try:
        batch = np.broadcast_shapes(y.shape[:-1], h.shape[:-2])
    except ValueError:
        raise ConfigError(f"y has shape {y.shape} and h has shape {h.shape}: their batch "
                          f"shapes {y.shape[:-1]} and {h.shape[:-2]} do not broadcast "
                          f"({func}, {_CLAUSE})") from None
    y = np.ascontiguousarray(np.broadcast_to(y.astype(np.complex64, copy=False),
                                             batch + (n_rx,)))
    h = np.ascontiguousarray(np.broadcast_to(h.astype(np.complex64, copy=False),
                                             batch + (n_rx, n_layers)))
    return _ro(y.reshape(-1, n_rx)), _ro(h.reshape(-1, n_rx, n_layers)), batch


def _check_layers(func: str, n_rx: int, n_layers: int) -> None:
    if n_layers > n_rx:
        raise ConfigError(f"n_layers={n_layers} is not allowed with n_rx={n_rx}: {func} needs "
                          f"n_layers ≤ n_rx (more layers than receive antennas cannot be "
                          f"separated by a linear detector; nrlink refuses it, {_CLAUSE})")


def _as_variance(name: str, value, batch: tuple[int, ...], n_rx: int, *,
                 allow_zero: bool) -> np.ndarray:
    """``value`` as float64, shaped to broadcast to batch + (n_rx,) (see :func:`lmmse_detect`)."""
    v = np.asarray(value)
    if v.dtype.kind not in "biuf":
        raise ConfigError(f"{name} has dtype {v.dtype}: {name} must be a real number or array "
                          f"({_CLAUSE})")
    full = batch + (n_rx,)
    if v.ndim > len(full):
        raise ConfigError(f"{name} has shape {v.shape}: it must broadcast to the batch shape "
                          f"{batch} (one per RE) or have {len(full)} dimensions and "
                          f"broadcast to {full} (one per RE and receive antenna) ({_CLAUSE})")
    per_antenna = v.ndim == len(full)
    vv = v if per_antenna else v[..., None]
    try:
        ok = np.broadcast_shapes(vv.shape, full) == full
    except ValueError:
        ok = False
    if not ok:
        target = f"{full} (one per RE and receive antenna)" if per_antenna else \
            f"the batch shape {batch} (one per RE)"
        raise ConfigError(f"{name} has shape {v.shape}: it must broadcast to {target} "
                          f"({_CLAUSE})")
    vv = vv.astype(np.float64)
    good = vv >= 0 if allow_zero else vv > 0  # both reject NaN
    if not good.all():
        bad = vv[~good].ravel()[0]
        bound = "≥ 0" if allow_zero else "> 0"
        raise ConfigError(f"{name}={float(bad)!r} is not allowed: {name} must be {bound} "
                          f"({_CLAUSE})")
    return vv


def _pack_noise(n0: np.ndarray, batch: tuple[int, ...], n_rx: int):
    """Flat float64 N0 and its (re_step, ant_step) for the kernels."""
    if n0.size == 1:
        return _ro(n0.reshape(1)), 0, 0
    if n0.shape[-1] == 1:
        flat = np.ascontiguousarray(np.broadcast_to(n0[..., 0], batch)).reshape(-1)
        return _ro(flat), 1, 0
    flat = np.ascontiguousarray(np.broadcast_to(n0, batch + (n_rx,))).reshape(-1)
    return _ro(flat), n_rx, 1


def _noise(noise_var, error_var, batch, n_rx, n_layers):
    n0 = _as_variance("noise_var", noise_var, batch, n_rx, allow_zero=False)
    if error_var is not None:
        n0 = n0 + n_layers * _as_variance("error_var", error_var, batch, n_rx,
                                          allow_zero=True)
    return _pack_noise(n0, batch, n_rx)


def _linear(y, h, noise_var, error_var, reg: float, func: str):
    y, h, batch = _as_channel(y, h, func)
    n_re, n_rx, n_layers = h.shape
    _check_layers(func, n_rx, n_layers)
    nv, re_step, ant_step = _noise(noise_var, error_var, batch, n_rx, n_layers)
    x = np.empty((n_re, n_layers), dtype=np.complex64)
    nv_eff = np.empty((n_re, n_layers), dtype=np.float32)
    if n_re:
        if n_layers == 1 and n_rx == 1:
            _siso_kernel(y, h, nv, re_step, x, nv_eff)
        elif n_layers == 1:
            _one_layer_kernel(y, h, nv, re_step, ant_step, x, nv_eff)
        elif n_layers == 2:
            _two_layer_kernel(y, h, nv, re_step, ant_step, reg, x, nv_eff)
        else:
            _general_kernel(y, h, nv, re_step, ant_step, reg, x, nv_eff)
    return x.reshape(batch + (n_layers,)), nv_eff.reshape(batch + (n_layers,))


# -------------------------------------------------------------------------------- API


def lmmse_detect(y, h, noise_var, *, error_var=None) -> tuple[np.ndarray, np.ndarray]:
    """Unbiased linear MMSE estimates of the layer symbols and their noise variances.

    Implementation choice (no 3GPP clause): the MMSE (Wiener) equaliser of the MIMO
    literature, B z with B = (H^H W H + I)^{-1}, z = H^H W y, W = diag(1/N0_r),
    divided by its gain 1 − B_ll on each layer (see the module docstring).

    Parameters
    ----------
    y : array_like of complex, shape (..., n_rx)
        Received samples of each RE on the n_rx receive antennas. Computed as complex64.
    h : array_like of complex, shape (..., n_rx, n_layers)
        Channel of each RE, from every layer to every receive antenna (include any
        precoding and power scaling: the layer symbols must have unit average energy).
        The batch shapes of ``y`` and ``h`` broadcast to the batch shape (...) of the
        result. Computed as complex64.
    noise_var : float or array_like of float
        Complex noise variance N0 = E|n|^2 > 0. An array of fewer dimensions than the
        result batch shape plus one broadcasts to (...): one N0 per RE for all receive
        antennas. An array of exactly that many dimensions broadcasts to (..., n_rx):
        its last axis is the receive antenna, e.g.
        ``n0_rx.reshape((1,) * len(batch) + (n_rx,))`` for one N0 per antenna. ``inf``
        is allowed (an antenna that carries nothing).
    error_var : float or array_like of float, optional
        Variance σ_e^2 ≥ 0 of each entry of the channel-estimation error H − ``h``,
        with the layout of ``noise_var``. Treated as extra white noise: N0 becomes
        N0 + n_layers σ_e^2 (unit-energy layers; module docstring).

    Returns
    -------
    x_hat : ndarray of complex64, shape (..., n_layers)
        Unbiased estimates x̂_l = x_l + e_l.
    noise_var_eff : ndarray of float32, shape (..., n_layers)
        E|e_l|^2 = 1 / SINR_l, the post-equalisation SINR of the MMSE receiver, ready as
        the ``noise_var`` of :func:`~nrlink.rx.demapping.demap_llr`. A layer whose
        channel column is zero gets x̂ = 0 and ``inf``.

    Raises
    ------
    ConfigError
        If ``y`` or ``h`` is not numeric or has too few dimensions, their n_rx differ,
        their batch shapes do not broadcast, n_rx or n_layers is 0, n_layers > n_rx
        (more layers than receive antennas: refused by nrlink, although LMMSE is
        formally defined), or ``noise_var`` / ``error_var`` has a bad shape or a value
        not > 0 / not ≥ 0 (NaN included).

    Notes
    -----
    Closed forms for one and two layers (two layers: x̂_1 = ((d + 1) z_1 − b z_2) /
    (a (d + 1) − |b|^2), N0_eff,1 = (d + 1) / (a (d + 1) − |b|^2) with A = [[a, b],
    [b*, d]]), a Cholesky factorisation of A + I otherwise; float64 inside. With one
    layer, LMMSE and ZF coincide (x̂ = z / a, N0_eff = 1 / a). Non-finite ``y`` or
    ``h`` is not checked: such an RE gets meaningless outputs (NaN, or 0 and ``inf``).
    ``noise_var_eff`` is rounded to float32: a ``noise_var`` below about 1e-38 can make
    it 0, which :func:`~nrlink.rx.demapping.demap_llr` refuses.

    Examples
    --------
    >>> h = np.array([[1.0, 0.5j], [0.0, 1.0]])
    >>> x_hat, nv = lmmse_detect(h @ np.array([1, -1j]), h, 1e-6)
    >>> np.allclose(x_hat, [1, -1j], atol=1e-4), x_hat.dtype, nv.shape
    (True, dtype('complex64'), (2,))
    """
    return _linear(y, h, noise_var, error_var, 1.0, "lmmse_detect")


def zf_detect(y, h, noise_var) -> tuple[np.ndarray, np.ndarray]:
    """Zero-forcing estimates of the layer symbols and their noise variances.

    Implementation choice (no 3GPP clause): the zero-forcing (least-squares) equaliser
    of the MIMO literature, x̂ = (H^H W H)^{-1} H^H W y with W = diag(1/N0_r) (for
    equal noise (H^H H)^{-1} H^H y), with post-ZF noise variance [(H^H W H)^{-1}]_ll
    (for equal noise N0 [(H^H H)^{-1}]_ll).

    Parameters
    ----------
    y, h, noise_var
        As in :func:`lmmse_detect`.

    Returns
    -------
    x_hat : ndarray of complex64, shape (..., n_layers)
        x̂ = x + e.
    noise_var_eff : ndarray of float32, shape (..., n_layers)
        E|e_l|^2 (for :func:`~nrlink.rx.demapping.demap_llr`). An RE whose H^H W H is
        numerically singular (a Cholesky pivot at most 1e-12 of its diagonal entry)
        gets x̂ = 0 and ``inf`` on every layer.

    Raises
    ------
    ConfigError
        As :func:`lmmse_detect` (n_layers > n_rx included).

    Examples
    --------
    >>> h = np.array([[2.0, 0.0], [0.0, 0.5]])
    >>> x_hat, nv = zf_detect(np.array([2.0, -0.5j]), h, 0.1)
    >>> x_hat, np.round(nv, 6)
    (array([1.+0.j, 0.-1.j], dtype=complex64), array([0.025, 0.4  ], dtype=float32))
    """
    return _linear(y, h, noise_var, None, 0.0, "zf_detect")


@cache
def _ml_tables(qm: int):
    pts = constellation(qm).astype(np.complex128)
    labels = np.arange(1 << qm)
    bits = ((labels[None, :] >> np.arange(qm - 1, -1, -1)[:, None]) & 1).astype(np.uint8)
    return _ro(pts.real.copy()), _ro(pts.imag.copy()), _ro(bits)


def ml_detect_llr(y, h, noise_var, qm: int) -> np.ndarray:
    """Max-log ML bit LLRs of 1 or 2 layers by exhaustive search.

    Implementation choice (no 3GPP clause): the max-log a-posteriori detector of the
    MIMO literature, LLR(b) = min_{s: b=1} ‖y − H s‖²_W − min_{s: b=0} ‖y − H s‖²_W
    with W = diag(1/N0_r) (‖y − H s‖² / N0 for equal noise), over all 2^(Q_m n_layers)
    joint symbol vectors s of the constellation of TS 38.211 §5.1 (equiprobable bits).

    Parameters
    ----------
    y, h, noise_var
        As in :func:`lmmse_detect`; any n_rx ≥ 1 (n_layers > n_rx is allowed here).
    qm : int
        Modulation order Q_m of every layer: 1 (BPSK, not π/2-BPSK), 2 (QPSK) or
        4 (16QAM).

    Returns
    -------
    llr : ndarray of float32, shape (..., n_layers * qm)
        Layer-major: ``llr[..., l * qm + k]`` is the LLR of bit k of the symbol of layer l
        (positive means bit 0), the layout :func:`~nrlink.rx.demapping.demap_llr`
        gives for the per-layer estimates x̂ of shape (..., n_layers).

    Raises
    ------
    ConfigError
        As :func:`lmmse_detect` for ``y``, ``h`` and ``noise_var``; if ``qm`` is not a
        modulation order; if n_layers > 2 or ``qm`` > 4 (an nrlink limit of the
        exhaustive search, at most 256 hypotheses per RE).

    Notes
    -----
    With one layer the result equals max-log :func:`~nrlink.rx.demapping.demap_llr` of
    the :func:`zf_detect` output. The search keeps, for each symbol of each layer, the
    smallest metric over the other layer (float64), so a bit costs no extra search.

    Examples
    --------
    >>> from nrlink.spec.ts38211.modulation import modulate
    >>> h = np.array([[1.0, 0.3], [0.2j, 1.0]])
    >>> b = np.array([0, 1, 1, 0, 1, 1, 0, 0], dtype=np.uint8)
    >>> llr = ml_detect_llr(h @ modulate(b, 4), h, 0.01, 4)
    >>> (llr < 0).astype(np.uint8)
    array([0, 1, 1, 0, 1, 1, 0, 0], dtype=uint8)
    """
    qm = check_qm(qm)
    if qm > _ML_MAX_QM:
        raise ConfigError(f"qm={qm} is not allowed: ml_detect_llr needs qm ≤ {_ML_MAX_QM} "
                          f"(BPSK, QPSK, 16QAM; an nrlink limit of the exhaustive search, "
                          f"not a 3GPP one: use lmmse_detect and demap_llr) ({_CLAUSE})")
    y, h, batch = _as_channel(y, h, "ml_detect_llr")
    n_re, n_rx, n_layers = h.shape
    if n_layers > _ML_MAX_LAYERS:
        raise ConfigError(f"n_layers={n_layers} is not allowed: ml_detect_llr needs n_layers "
                          f"≤ {_ML_MAX_LAYERS} with qm ≤ {_ML_MAX_QM} (an nrlink limit of the "
                          f"exhaustive search, not a 3GPP one: use lmmse_detect and "
                          f"demap_llr) ({_CLAUSE})")
    nv, re_step, ant_step = _noise(noise_var, None, batch, n_rx, n_layers)
    llr = np.empty((n_re, n_layers * qm), dtype=np.float32)
    if n_re:
        pr, pi, bits = _ml_tables(qm)
        _ml_kernel(y, h, nv, re_step, ant_step, pr, pi, bits, llr)
    return llr.reshape(batch + (n_layers * qm,))
