"""LDPC rate matching (bit selection, bit interleaving), code block concatenation
and their soft inverse (rate recovery into the HARQ soft buffer).

Implements TS 38.212 §5.4.2 (§5.4.2.1 bit selection, §5.4.2.2 bit interleaving)
and §5.5 (code block concatenation).

The rate-matching output of every code block is a fixed gather from its coded
bits d, so both directions run on index arrays computed once per parameter set
(``functools.lru_cache`` on the scalar parameters): rate matching is a single
gather, rate recovery a gather, a sum over repetitions of the circular buffer
and one in-place addition per run of equally long code blocks.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from numbers import Real

import numpy as np

from nrlink.errors import ConfigError, check_int
from nrlink.spec.ts38211.modulation import MODULATION_ORDERS, check_qm
from nrlink.spec.ts38212.ldpc import lifting_set_index

__all__ = [
    "MODULATION_ORDERS",
    "bit_deinterleave",
    "bit_interleave",
    "k0",
    "n_cb",
    "rate_match",
    "rate_match_lengths",
    "rate_recover",
]

#: Table 5.4.2.1-2: numerator of k0 per base graph and rv (denominator 66 / 50).
_K0_NUM = {1: (0, 17, 33, 56), 2: (0, 13, 25, 43)}
_K0_DEN = {1: 66, 2: 50}
_K_B = {1: 22, 2: 10}

_C541 = "TS 38.212 §5.4.2.1"
_C542 = "TS 38.212 §5.4.2.2"


# --------------------------------------------------------------------------- validation


def _check_bg(bg) -> int:
    return check_int("bg", bg, "1 or 2", _C541, choices=(1, 2))


def _check_z_c(z_c) -> int:
    z_c = check_int("z_c", z_c, "one of the lifting sizes of Table 5.3.2-1", "TS 38.212 §5.3.2",
                    lo=2, hi=384)
    lifting_set_index(z_c)  # raises ConfigError naming z_c
    return z_c


def _check_rv(rv) -> int:
    return check_int("rv", rv, "one of 0, 1, 2, 3", f"{_C541}, Table 5.4.2.1-2",
                     choices=(0, 1, 2, 3))


def _check_code_params(bg, z_c, k, k_prime, rv, n_cb_, qm, e) -> tuple:
    """Validate the parameters shared by rate_match and rate_recover."""
    bg = _check_bg(bg)
    z_c = _check_z_c(z_c)
    k_expected = _K_B[bg] * z_c
    n = (66 if bg == 1 else 50) * z_c
    k = check_int("k", k, f"K = {_K_B[bg]}·Z_c = {k_expected} for bg={bg}, z_c={z_c}",
                  "TS 38.212 §5.2.2", choices=(k_expected,))
    k_prime = check_int("k_prime", k_prime, f"an integer in 1..K = 1..{k}", "TS 38.212 §5.2.2",
                        lo=1, hi=k)
    rv = _check_rv(rv)
    n_cb_ = check_int(
        "n_cb", n_cb_,
        f"an integer with K − 2·Z_c = {k - 2 * z_c} < n_cb ≤ N = {n} (the circular buffer "
        "holds every systematic and filler position of d)", _C541,
        lo=k - 2 * z_c + 1, hi=n,
    )
    qm = check_qm(qm, _C541)
    e_arr = np.asarray(e)
    if e_arr.ndim == 0:
        e_arr = e_arr.reshape(1)
    if (e_arr.ndim != 1 or e_arr.size == 0 or e_arr.dtype.kind not in "iu"
            or (e_arr < 1).any() or (e_arr % qm).any()):
        raise ConfigError(
            f"e={e!r} is not allowed: e must be one positive integer E_r per code block, each a "
            f"multiple of Q_m = {qm} ({_C541}, §5.4.2.2)"
        )
    return bg, z_c, k, k_prime, rv, n_cb_, qm, tuple(int(x) for x in e_arr), n


# ------------------------------------------------------------------------------ scalars


def n_cb(n: int, *, c: int, tbs_lbrm: int | None = None, r_lbrm: float = 2 / 3) -> int:
    """Circular buffer length N_cb of each code block.

    Implements TS 38.212 §5.4.2.1.

    N_cb = N without limited-buffer rate matching (I_LBRM = 0); with it,
    N_cb = min(N, N_ref), N_ref = ⌊TBS_LBRM / (C · R_LBRM)⌋.

    Parameters
    ----------
    n : int
        N ≥ 1, the LDPC encoder output length (66·Z_c or 50·Z_c).
    c : int
        Number of code blocks C ≥ 1 of the transport block.
    tbs_lbrm : int, optional
        TBS_LBRM ≥ 1 (TS 38.212 §5.4.2.1 / TS 38.214 §5.1.3.2); None means I_LBRM = 0.
    r_lbrm : float
        R_LBRM in (0, 1]; 2/3 in §5.4.2.1. Computed exactly as a fraction (2/3 given
        as a float counts as exactly 2/3).

    Returns
    -------
    int

    Raises
    ------
    ConfigError
        If any argument is outside the ranges above.
    """
    n = check_int("n", n, "an integer ≥ 1 (N)", _C541, lo=1)
    c = check_int("c", c, "an integer ≥ 1 (number of code blocks C)", _C541, lo=1)
    if tbs_lbrm is None:
        return n
    tbs_lbrm = check_int("tbs_lbrm", tbs_lbrm, "None (no LBRM) or an integer ≥ 1", _C541, lo=1)
    if isinstance(r_lbrm, bool) or not isinstance(r_lbrm, Real) or not 0 < r_lbrm <= 1:
        raise ConfigError(f"r_lbrm={r_lbrm!r} is not allowed: R_LBRM must be a real number in "
                          f"(0, 1]; §5.4.2.1 uses 2/3 ({_C541})")
    r = Fraction(r_lbrm).limit_denominator(10**6)
    n_ref = int(Fraction(tbs_lbrm) / (c * r))  # floor of a positive fraction
    return min(n, n_ref)


def k0(rv: int, *, bg: int, n_cb: int, z_c: int) -> int:
    """Starting position k0 of redundancy version ``rv`` in the circular buffer.

    Implements TS 38.212 §5.4.2.1 (Table 5.4.2.1-2).

    k0 = 0 for rv 0, else ⌊num · N_cb / (den · Z_c)⌋ · Z_c with num/den = 17/66,
    33/66, 56/66 (BG1) or 13/50, 25/50, 43/50 (BG2) for rv 1, 2, 3.

    Parameters
    ----------
    rv : {0, 1, 2, 3}
    bg : {1, 2}
    n_cb : int
        Circular buffer length N_cb ≥ 1.
    z_c : int
        Lifting size Z_c (Table 5.3.2-1).

    Returns
    -------
    int

    Raises
    ------
    ConfigError
        If any argument is outside the ranges above.
    """
    rv = _check_rv(rv)
    bg = _check_bg(bg)
    n_cb = check_int("n_cb", n_cb, "an integer ≥ 1", _C541, lo=1)
    z_c = _check_z_c(z_c)
    return (_K0_NUM[bg][rv] * n_cb) // (_K0_DEN[bg] * z_c) * z_c


def rate_match_lengths(g: int, *, c: int, qm: int, layers: int) -> np.ndarray:
    """Rate-matching output length E_r of each of the C code blocks.

    Implements TS 38.212 §5.4.2.1.

    With C' = C (all code blocks scheduled, no CBGTI): E_r = N_L·Q_m·⌊G/(N_L·Q_m·C)⌋
    for r ≤ C − mod(G/(N_L·Q_m), C) − 1, else N_L·Q_m·⌈G/(N_L·Q_m·C)⌉.

    Parameters
    ----------
    g : int
        G ≥ 1, the number of coded bits of the transport block, a multiple of N_L·Q_m.
    c : int
        Number of code blocks C ≥ 1.
    qm : {1, 2, 4, 6, 8, 10}
        Modulation order Q_m.
    layers : int
        Number of layers N_L of the codeword, 1..4 (TS 38.211 §7.3.1.3).

    Returns
    -------
    e : ndarray of int64, shape (C,)
        Summing to G.

    Raises
    ------
    ConfigError
        If an argument is outside the ranges above, G is not a multiple of N_L·Q_m,
        or G/(N_L·Q_m) < C (some E_r would be 0).
    """
    c = check_int("c", c, "an integer ≥ 1 (number of code blocks C)", _C541, lo=1)
    qm = check_qm(qm, _C541)
    layers = check_int("layers", layers, "an integer in 1..4 (layers of one codeword)",
                       "TS 38.211 §7.3.1.3", lo=1, hi=4)
    step = layers * qm
    g = check_int("g", g, f"a positive multiple of N_L·Q_m = {step}", _C541, lo=1)
    if g % step:
        raise ConfigError(f"g={g} is not allowed: G must be a multiple of N_L·Q_m = "
                          f"{layers}·{qm} = {step} ({_C541})")
    units = g // step
    if units < c:
        raise ConfigError(
            f"g={g} is not allowed: G/(N_L·Q_m) = {units} < C = {c} gives E_r = 0 for some code "
            f"blocks; G must be at least C·N_L·Q_m = {c * step} ({_C541})"
        )
    e = np.full(c, step * (units // c), dtype=np.int64)
    e[c - units % c:] += step
    return e


# ------------------------------------------------------------------- bit interleaving


def _check_interleave(x, qm, name):
    qm = check_qm(qm, _C542)
    x = np.asarray(x)
    if x.ndim < 1 or x.shape[-1] % qm:
        raise ConfigError(f"{name} has shape {x.shape}: its last dimension E must be a multiple "
                          f"of Q_m = {qm} ({_C542})")
    return x, qm


def bit_interleave(e, qm: int) -> np.ndarray:
    """Bit interleaving f_{i + j·Q_m} = e_{i·E/Q_m + j}.

    Implements TS 38.212 §5.4.2.2.

    Parameters
    ----------
    e : array_like, shape (..., E)
        Bits or soft values of one code block, E a multiple of Q_m.
    qm : {1, 2, 4, 6, 8, 10}

    Returns
    -------
    f : ndarray, shape (..., E), same dtype as ``e``

    Raises
    ------
    ConfigError
        If ``qm`` is not a modulation order or E is not a multiple of it.
    """
    e, qm = _check_interleave(e, qm, "e")
    size = e.shape[-1]
    return e.reshape(*e.shape[:-1], qm, size // qm).swapaxes(-1, -2).reshape(e.shape)


def bit_deinterleave(f, qm: int) -> np.ndarray:
    """Inverse of :func:`bit_interleave`: e_{i·E/Q_m + j} = f_{i + j·Q_m}.

    Implements TS 38.212 §5.4.2.2.

    Parameters
    ----------
    f : array_like, shape (..., E)
        Bits or LLRs, E a multiple of Q_m.
    qm : {1, 2, 4, 6, 8, 10}

    Returns
    -------
    e : ndarray, shape (..., E), same dtype as ``f``

    Raises
    ------
    ConfigError
        If ``qm`` is not a modulation order or E is not a multiple of it.
    """
    f, qm = _check_interleave(f, qm, "f")
    size = f.shape[-1]
    return f.reshape(*f.shape[:-1], size // qm, qm).swapaxes(-1, -2).reshape(f.shape)


# ------------------------------------------------------------------------ index plans


@lru_cache(maxsize=256)
def _cycle(bg, z_c, k, k_prime, rv, n_cb_) -> np.ndarray:
    """Positions of d read by bit selection, in order, for one turn of the buffer.

    Starts at k0, wraps at N_cb and leaves out the <NULL> filler positions
    K'−2Z_c .. K−2Z_c−1 (those below 0 are punctured systematic bits, not in d).
    """
    start = (_K0_NUM[bg][rv] * n_cb_) // (_K0_DEN[bg] * z_c) * z_c
    pos = (start + np.arange(n_cb_, dtype=np.int64)) % n_cb_
    lo, hi = max(k_prime - 2 * z_c, 0), k - 2 * z_c
    cyc = pos[(pos < lo) | (pos >= hi)]
    cyc.setflags(write=False)
    return cyc


def _e_to_f(size: int, qm: int) -> np.ndarray:
    """Index t in f of each e_k (§5.4.2.2): k = i·E/Q_m + j -> t = i + j·Q_m."""
    k = np.arange(size, dtype=np.int64)
    rows = size // qm
    return k // rows + (k % rows) * qm


@lru_cache(maxsize=512)
def _cb_index(bg, z_c, k, k_prime, rv, n_cb_, qm, size) -> np.ndarray:
    """f_t = d[index[t]] for one code block of E = ``size`` bits (§5.4.2.1-2)."""
    cyc = _cycle(bg, z_c, k, k_prime, rv, n_cb_)
    sel = cyc[np.arange(size) % cyc.size]  # e_k = d[sel[k]]
    idx = np.empty(size, dtype=np.int64)
    idx[_e_to_f(size, qm)] = sel
    idx.setflags(write=False)
    return idx


@lru_cache(maxsize=64)
def _match_index(bg, z_c, k, k_prime, e, rv, n_cb_, qm, n) -> np.ndarray:
    """Gather index into d flattened to (C·N) giving the concatenated f (§5.5)."""
    parts = [_cb_index(bg, z_c, k, k_prime, rv, n_cb_, qm, size) + r * n
             for r, size in enumerate(e)]
    idx = np.concatenate(parts).astype(np.intp)
    idx.setflags(write=False)
    return idx


@lru_cache(maxsize=512)
def _cb_recover_plan(bg, z_c, k, k_prime, rv, n_cb_, qm, size):
    """(cov, src): soft value of d[cov[v]] = Σ_ρ f[src[ρ, v]] (index ``size`` reads a 0).

    ``src`` is 1-D when E does not exceed one turn of the buffer (no repetition).
    """
    cyc = _cycle(bg, z_c, k, k_prime, rv, n_cb_)
    n_valid = cyc.size
    n_cov = min(size, n_valid)
    n_rep = -(-size // n_valid)
    t_of_k = _e_to_f(size, qm)
    if n_rep == 1:
        src = t_of_k
    else:
        src = np.full(n_rep * n_valid, size, dtype=np.int64)
        src[:size] = t_of_k
        src = src.reshape(n_rep, n_valid)
    cov = cyc[:n_cov]
    src.setflags(write=False)
    return cov, src


@lru_cache(maxsize=64)
def _recover_runs(e) -> tuple[tuple[int, int, int, int], ...]:
    """Runs (r0, r1, offset, E) of consecutive code blocks with equal E_r."""
    runs, r0, off = [], 0, 0
    for r in range(1, len(e) + 1):
        if r == len(e) or e[r] != e[r0]:
            runs.append((r0, r, off, e[r0]))
            off += (r - r0) * e[r0]
            r0 = r
    return tuple(runs)


# ----------------------------------------------------------------------- public API


def rate_match(d, *, bg: int, z_c: int, k: int, k_prime: int, e, rv: int, n_cb: int,
               qm: int) -> np.ndarray:
    """Rate match the C coded blocks d_r and concatenate them into one codeword.

    Implements TS 38.212 §5.4.2.1 (bit selection), §5.4.2.2 (bit interleaving) and
    §5.5 (code block concatenation).

    For each code block r: e_k = d_{(k0 + j) mod N_cb} for the successive j whose
    position is not a <NULL> filler bit (K'−2Z_c .. K−2Z_c−1), repeating the
    buffer cyclically until E_r bits are taken; then f = interleave(e, Q_m); the
    f_r are concatenated in order r = 0..C−1.

    Parameters
    ----------
    d : array_like of 0/1 (uint8, int8 or bool), shape (..., C, N)
        LDPC encoder outputs (N = 66·Z_c for BG1, 50·Z_c for BG2); values at the
        filler positions are ignored.
    bg : {1, 2}
    z_c : int
        Lifting size Z_c.
    k : int
        K = 22·Z_c (BG1) or 10·Z_c (BG2).
    k_prime : int
        K' (1 ≤ K' ≤ K): bits per code block before filler bits.
    e : int or sequence of int, length C
        E_r per code block (see :func:`rate_match_lengths`), each a positive multiple
        of Q_m.
    rv : {0, 1, 2, 3}
        Redundancy version rv_id.
    n_cb : int
        Circular buffer length N_cb (see :func:`n_cb`), K − 2·Z_c < N_cb ≤ N.
    qm : {1, 2, 4, 6, 8, 10}
        Modulation order Q_m.

    Returns
    -------
    f : ndarray of uint8, shape (..., ΣE_r)

    Raises
    ------
    ConfigError
        If a parameter is outside its range, or ``d`` does not end in (C, N) with
        C = len(e), or is not an integer/bool array.
    """
    bg, z_c, k, k_prime, rv, n_cb_, qm, e_t, n = _check_code_params(
        bg, z_c, k, k_prime, rv, n_cb, qm, e)
    d = np.asarray(d)
    c = len(e_t)
    if d.ndim < 2 or d.shape[-2:] != (c, n):
        raise ConfigError(f"d has shape {d.shape}: it must end in (C, N) = ({c}, {n}) for "
                          f"len(e)={c}, bg={bg}, z_c={z_c} ({_C541})")
    if d.dtype.kind not in "biu":
        raise ConfigError(f"d has dtype {d.dtype}: bits must be an integer or bool array of 0/1 "
                          f"({_C541})")
    idx = _match_index(bg, z_c, k, k_prime, e_t, rv, n_cb_, qm, n)
    flat = d.reshape(*d.shape[:-2], c * n)
    return flat[..., idx].astype(np.uint8, copy=False)


def rate_recover(llr, *, bg: int, z_c: int, k: int, k_prime: int, e, rv: int, n_cb: int,
                 qm: int, n: int, buffer: np.ndarray | None = None) -> np.ndarray:
    """Accumulate received soft values into the per-code-block soft buffer (HARQ buffer).

    Implements the inverse of TS 38.212 §5.5, §5.4.2.2 and §5.4.2.1.

    The concatenated soft values are split per code block, bit de-interleaved and
    each is **added** to the soft buffer at the position of d it was selected from;
    repetitions of the circular buffer add up. Positions ≥ N_cb and filler
    positions are never touched. Called for successive transmissions of the same
    transport block with the same buffer, this is incremental redundancy (different
    rv) or chase combining (same rv).

    Parameters
    ----------
    llr : array_like of float, shape (..., ΣE_r)
        Soft values (LLRs, positive for bit 0), cast to float32.
    bg, z_c, k, k_prime, e, rv, n_cb, qm
        As for :func:`rate_match`.
    n : int
        N = 66·Z_c (BG1) or 50·Z_c (BG2).
    buffer : ndarray of float32, shape (..., C, N), optional
        Soft buffer to accumulate into, in place; its leading shape must equal that
        of ``llr``. If None, a new zero buffer is used.

    Returns
    -------
    buffer : ndarray of float32, shape (..., C, N)
        ``buffer`` itself when given.

    Raises
    ------
    ConfigError
        If a parameter is outside its range, ``n`` ≠ N, ``llr`` does not end in ΣE_r,
        or ``buffer`` has the wrong shape or dtype or is read-only.
    """
    bg, z_c, k, k_prime, rv, n_cb_, qm, e_t, n_expected = _check_code_params(
        bg, z_c, k, k_prime, rv, n_cb, qm, e)
    n = check_int("n", n, f"N = {n_expected} for bg={bg}, z_c={z_c}", "TS 38.212 §5.3.2",
                  choices=(n_expected,))
    c, total = len(e_t), sum(e_t)
    llr = np.asarray(llr)
    if llr.ndim < 1 or llr.shape[-1] != total:
        raise ConfigError(f"llr has shape {llr.shape}: its last dimension must be ΣE_r = {total} "
                          f"(TS 38.212 §5.5)")
    if llr.dtype.kind not in "biuf":
        raise ConfigError(f"llr has dtype {llr.dtype}: soft values must be real ({_C541})")
    llr = llr.astype(np.float32, copy=False)
    batch = llr.shape[:-1]
    if buffer is None:
        buffer = np.zeros((*batch, c, n), dtype=np.float32)
    elif (not isinstance(buffer, np.ndarray) or buffer.dtype != np.float32
          or buffer.shape != (*batch, c, n) or not buffer.flags.writeable):
        desc = (f"shape {buffer.shape}, dtype {buffer.dtype}" if isinstance(buffer, np.ndarray)
                else f"type {type(buffer).__name__}")
        raise ConfigError(f"buffer has {desc}: it must be a writeable float32 ndarray of shape "
                          f"{(*batch, c, n)} (llr batch shape + (C, N)) ({_C541})")
    for r0, r1, off, size in _recover_runs(e_t):
        cov, src = _cb_recover_plan(bg, z_c, k, k_prime, rv, n_cb_, qm, size)
        seg = llr[..., off: off + (r1 - r0) * size].reshape(*batch, r1 - r0, size)
        if src.ndim == 1:
            contrib = seg[..., src]
        else:
            pad = np.zeros((*batch, r1 - r0, 1), dtype=np.float32)
            contrib = np.concatenate([seg, pad], axis=-1)[..., src].sum(axis=-2)
        view = buffer[..., r0:r1, :]
        view[..., cov] += contrib
    return buffer
