"""Fused float32 layered min-sum kernel of the LDPC decoder (private).

See :mod:`nrlink.rx._ldpc_kernels` for the layout and the composed kernels this one
specialises (same results, checked by the tests).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nrlink.rx._ldpc_kernels import (
    _FM,
    LLR_MAX_F32,
    RULE_MS,
    RULE_NMS,
    RULE_OMS,
    _active_rows,
    _fill_inactive_f32,
    _hard_bits,
    _load_channel_f32,
)
from nrlink.rx._ldpc_llvm import _inline_noalias, _noalias

# ---------------------------------------------- fused float32 layered min-sum
#: Lane block of the fused kernel: the split of a rotation into two contiguous runs is
#: rounded up to a multiple of it; the first run then reads up to _LB - 1 values past
#: the end of the column, from its mirror: L[j*zs + z + t] == L[j*zs + t], t < _PAD.
_LB = 16
_PAD = 16
#: Block rows of more lanes are processed in two chunks (keeps a chunk in L1).
_CHUNK_MAX = 256


@njit(cache=True, fastmath=_FM, inline="always")
def _ms_first(x, ro, lim, big):
    """Pass-1 step of the first edge of a block row: Q = clamp(L - R_old), and the
    running state (min |Q|, second min, sign parity) it starts."""
    q = min(max(x - ro, -lim), lim)
    return q, abs(q), big, np.int32(1) if q < 0 else np.int32(0)


@njit(cache=True, fastmath=_FM, inline="always")
def _ms_acc(x, ro, lim, m1, m2, s):
    """Pass-1 step of a further edge: Q and the updated running state (m2 is the second
    smallest |Q| counted with multiplicity: m2 == m1 when the minimum is repeated)."""
    q = min(max(x - ro, -lim), lim)
    a = abs(q)
    m2 = min(m2, max(m1, a))
    m1 = min(m1, a)
    s = np.int32(s ^ 1) if q < 0 else s
    return q, m1, m2, s


@njit(cache=True, fastmath=_FM, inline="always")
def _ms_out(q, m1, t1, t2, lim):
    """Pass-2 step of one edge: the new message R = (|Q| == m1 ? t2 : t1) * sign(Q) (t1,
    t2: the scaled minimum / second minimum with the sign of the product of all signs,
    so R is the rule applied to the other edges) and the posterior clamp(Q + R)."""
    rn = t2 if abs(q) == m1 else t1
    rn = -rn if q < 0 else rn
    return rn, min(max(q + rn, -lim), lim)


@njit(cache=True, fastmath=_FM)
def _ms_p1_pair(L, R, n1, n2, ns, x0, x1, r0, r1, lo, n, lim, big, first):
    """Pass 1 of two edges over lanes [lo, lo + n): their rotated columns start at L[x0],
    L[x1], their messages at R[r0], R[r1] (replaced by Q); ``first``: they open the
    block row (the running state n1, n2, ns is then started, not updated)."""
    _inline_noalias()
    if first:
        for t in range(n):
            q, m1, m2, s = _ms_first(L[x0 + t], R[r0 + t], lim, big)
            R[r0 + t] = q
            q, m1, m2, s = _ms_acc(L[x1 + t], R[r1 + t], lim, m1, m2, s)
            R[r1 + t] = q
            n1[lo + t] = m1
            n2[lo + t] = m2
            ns[lo + t] = s
    else:
        for t in range(n):
            q, m1, m2, s = _ms_acc(L[x0 + t], R[r0 + t], lim, n1[lo + t], n2[lo + t],
                                   ns[lo + t])
            R[r0 + t] = q
            q, m1, m2, s = _ms_acc(L[x1 + t], R[r1 + t], lim, m1, m2, s)
            R[r1 + t] = q
            n1[lo + t] = m1
            n2[lo + t] = m2
            ns[lo + t] = s


@njit(cache=True, fastmath=_FM)
def _ms_p1_single(L, R, n1, n2, ns, x0, r0, lo, n, lim, big, first):
    """:func:`_ms_p1_pair` of one edge."""
    _inline_noalias()
    if first:
        for t in range(n):
            q, m1, m2, s = _ms_first(L[x0 + t], R[r0 + t], lim, big)
            R[r0 + t] = q
            n1[lo + t] = m1
            n2[lo + t] = m2
            ns[lo + t] = s
    else:
        for t in range(n):
            q, m1, m2, s = _ms_acc(L[x0 + t], R[r0 + t], lim, n1[lo + t], n2[lo + t],
                                   ns[lo + t])
            R[r0 + t] = q
            n1[lo + t] = m1
            n2[lo + t] = m2
            ns[lo + t] = s


@njit(cache=True, fastmath=_FM)
def _ms_p2_pair(L, R, n1, t1, t2, x0, x1, r0, r1, lo, n, lim):
    """Pass 2 of two edges over lanes [lo, lo + n): R[r] <- new message, L[x] <- posterior
    (in place: the rotated positions pass 1 read)."""
    _inline_noalias()
    for t in range(n):
        m1 = n1[lo + t]
        a1 = t1[lo + t]
        a2 = t2[lo + t]
        R[r0 + t], L[x0 + t] = _ms_out(R[r0 + t], m1, a1, a2, lim)
        R[r1 + t], L[x1 + t] = _ms_out(R[r1 + t], m1, a1, a2, lim)


@njit(cache=True, fastmath=_FM)
def _ms_p2_single(L, R, n1, t1, t2, x0, r0, lo, n, lim):
    """:func:`_ms_p2_pair` of one edge."""
    _inline_noalias()
    for t in range(n):
        R[r0 + t], L[x0 + t] = _ms_out(R[r0 + t], n1[lo + t], t1[lo + t], t2[lo + t], lim)


@njit(cache=True, fastmath=_FM)
def _ms_scale(n1, n2, t1, ns, lo, n, rule, alpha, beta):
    """t1 = f(n1), n2 = f(n2), negated where the sign parity ns is odd; f is the rule's
    magnitude map (alpha*m, max(m - beta, 0) or m, as in :func:`_cn_minsum_f32`)."""
    _inline_noalias()
    zero = np.float32(0.0)
    for t in range(n):
        a1 = n1[lo + t]
        a2 = n2[lo + t]
        if rule == RULE_NMS:
            a1 = alpha * a1
            a2 = alpha * a2
        elif rule == RULE_OMS:
            a1 = max(a1 - beta, zero)
            a2 = max(a2 - beta, zero)
        neg = ns[lo + t] != 0
        t1[lo + t] = -a1 if neg else a1
        n2[lo + t] = -a2 if neg else a2


@njit(cache=True)
def _ms_schedule(row_ptr, e_col, e_shift, z, zs):
    """Loop schedule of the fused kernel (a function of the lifted graph only).

    The z lanes of a block row are processed in ``n_ch`` chunks of ``chunk`` lanes; in a
    chunk the edges of the row go in pairs (the last one alone if the degree is odd),
    each cut into segments in which both rotated columns are contiguous. Block row i,
    chunk c owns ``seg[ptr[i*n_ch + c] : ptr[i*n_ch + c + 1]]``, rows
    (first, lo, n, x0, x1, r0, r1): whether the pair opens the row, first lane, number
    of lanes, offsets of the two rotated columns in L (x1 = -1: single edge) and of
    their messages in R. ``mir[e]``: mirror values that the first run of edge e covers.
    """
    n_rows = row_ptr.size - 1
    chunk = z
    if z > _CHUNK_MAX:
        chunk = (((z + 1) // 2 + _LB - 1) // _LB) * _LB
    n_ch = (z + chunk - 1) // chunk
    ms = np.empty(e_col.size, np.int64)
    mir = np.empty(e_col.size, np.int64)
    for e in range(e_col.size):
        ms[e] = min(((z - e_shift[e] + _LB - 1) // _LB) * _LB, z)
        mir[e] = e_shift[e] + ms[e] - z
    seg = np.empty((e_col.size * 2 * n_ch, 7), np.int64)
    ptr = np.zeros(n_rows * n_ch + 1, np.int64)
    n_seg = 0
    for i in range(n_rows):
        for c in range(n_ch):
            c0 = c * chunk
            c1 = min(c0 + chunk, z)
            for e in range(row_ptr[i], row_ptr[i + 1], 2):
                f = min(e + 1, row_ptr[i + 1] - 1)
                lo = c0
                for hi in (min(ms[e], ms[f]), max(ms[e], ms[f]), c1):
                    hi = min(max(hi, lo), c1)
                    if hi > lo:
                        seg[n_seg, 0] = e == row_ptr[i]
                        seg[n_seg, 1] = lo
                        seg[n_seg, 2] = hi - lo
                        for k, h in ((3, e), (4, f)):
                            seg[n_seg, k] = (e_col[h] * zs + lo + e_shift[h]
                                             - (z if lo >= ms[h] else 0))
                        if f == e:
                            seg[n_seg, 4] = -1
                        seg[n_seg, 5] = e * z + lo
                        seg[n_seg, 6] = f * z + lo
                        n_seg += 1
                    lo = hi
            ptr[i * n_ch + c + 1] = n_seg
    return seg[:n_seg].copy(), ptr, chunk, n_ch, mir


@njit(cache=True, fastmath=_FM)
def _layer_ms_f32(L, zs, R, i, e0, deg, z, e_col, rule, alpha, beta, n1, n2, ns, t1, seg,
                  ptr, chunk, n_ch, mir):
    """One block row of the fused layered min-sum decoder (float32).

    L: every column in frame 0 (``L[j*zs + c] = L_j[c]``, then its mirror); R: the
    message of every edge. Per chunk of lanes, pass 1 reads each rotated column and the
    old message, stores Q = clamp(L - R_old) in place of R_old and tracks the minimum,
    second minimum and sign parity of |Q|; pass 2 replaces Q by the new message and
    writes L = clamp(Q + R) back where it was read. Then the mirrors are restored.
    """
    _noalias()
    lim = np.float32(LLR_MAX_F32)
    big = np.float32(4.0 * LLR_MAX_F32)
    for c in range(n_ch):
        c0 = c * chunk
        u0 = np.uint64(c0)  # unsigned offsets: no negative-index wraparound code
        nc = np.uint64(min(c0 + chunk, z) - c0)
        s0 = ptr[i * n_ch + c]
        s1 = ptr[i * n_ch + c + 1]
        for s in range(s0, s1):
            first = seg[s, 0] != 0
            lo = np.uint64(seg[s, 1])
            n = np.uint64(seg[s, 2])
            x0 = np.uint64(seg[s, 3])
            r0 = np.uint64(seg[s, 5])
            if seg[s, 4] >= 0:
                _ms_p1_pair(L, R, n1, n2, ns, x0, np.uint64(seg[s, 4]), r0,
                            np.uint64(seg[s, 6]), lo, n, lim, big, first)
            else:
                _ms_p1_single(L, R, n1, n2, ns, x0, r0, lo, n, lim, big, first)
        if rule == RULE_NMS:  # constant rule inside: the loop is specialised
            _ms_scale(n1, n2, t1, ns, u0, nc, RULE_NMS, alpha, beta)
        elif rule == RULE_OMS:
            _ms_scale(n1, n2, t1, ns, u0, nc, RULE_OMS, alpha, beta)
        else:
            _ms_scale(n1, n2, t1, ns, u0, nc, RULE_MS, alpha, beta)
        for s in range(s0, s1):
            lo = np.uint64(seg[s, 1])
            n = np.uint64(seg[s, 2])
            x0 = np.uint64(seg[s, 3])
            r0 = np.uint64(seg[s, 5])
            if seg[s, 4] >= 0:
                _ms_p2_pair(L, R, n1, t1, n2, x0, np.uint64(seg[s, 4]), r0,
                            np.uint64(seg[s, 6]), lo, n, lim)
            else:
                _ms_p2_single(L, R, n1, t1, n2, x0, r0, lo, n, lim)
    pad = np.uint64(min(_PAD, z))
    for e in range(e0, e0 + deg):
        b = np.uint64(e_col[e] * zs)
        bz = b + np.uint64(z)
        x = np.uint64(mir[e])
        for t in range(x):  # written through the mirror: copy to the head
            L[b + t] = L[bz + t]
        for t in range(x, pad):  # written in the head: copy to the mirror
            L[bz + t] = L[b + t]


@njit(cache=True)
def _iter_ms_f32(L, zs, R, row_ptr, active, z, e_col, rule, alpha, beta, n1, n2, ns, t1, seg,
                 ptr, chunk, n_ch, mir):
    """One iteration (every active block row) of the fused layered min-sum decoder; its
    array arguments must not overlap."""
    _noalias()
    for i in range(row_ptr.size - 1):
        if active[i]:
            e0 = row_ptr[i]
            _layer_ms_f32(L, zs, R, i, e0, row_ptr[i + 1] - e0, z, e_col, rule, alpha, beta,
                          n1, n2, ns, t1, seg, ptr, chunk, n_ch, mir)


@njit(cache=True)
def _failing_row_pad(L, zs, z, row_ptr, e_col, e_shift, active, start, acc):
    """:func:`_failing_row` on the frame-0 mirrored columns of the fused kernel."""
    _noalias()
    n_rows = row_ptr.size - 1
    uz = np.uint64(z)
    for t in range(n_rows):
        i = start + t
        if i >= n_rows:
            i -= n_rows
        if not active[i]:
            continue
        for r in range(uz):
            acc[r] = 0
        for e in range(row_ptr[i], row_ptr[i + 1]):
            d = e_shift[e]
            ms = min(((z - d + _LB - 1) // _LB) * _LB, z)
            x0 = np.uint64(e_col[e] * zs + d)
            for r in range(np.uint64(ms)):
                acc[r] ^= np.int32(L[x0 + r] < 0)
            x1 = np.uint64(e_col[e] * zs + ms + d - z)
            u = np.uint64(ms)
            for r in range(np.uint64(z - ms)):
                acc[u + r] ^= np.int32(L[x1 + r] < 0)
        s = np.int32(0)
        for r in range(uz):
            s |= acc[r]
        if s != 0:
            return i
    return -1


@njit(cache=True)
def _decode_f32_ms_kernel(llr, row_ptr, e_col, e_shift, row_deg1_col, z, n_cols, k_sys,
                          rule, max_iter, alpha, beta, early_stop, bits, iters, ok, llr_out):
    """Layered min-sum family decoder in float32, fused (see the module docstring); the
    arguments and results are those of :func:`_decode_f32_kernel` with the layered
    schedule, and so are the decisions, iteration counts and soft values."""
    n_cb = llr.shape[0]
    n_rows = row_ptr.size - 1
    deg_max = 0
    for i in range(n_rows):
        deg_max = max(deg_max, row_ptr[i + 1] - row_ptr[i])
    nv = n_cols * z
    zs = z + _PAD
    seg, ptr, chunk, n_ch, mir = _ms_schedule(row_ptr, e_col, e_shift, z, zs)
    Lp = np.empty(n_cols * zs, np.float32)
    L = np.empty(nv, np.float32)
    R = np.empty(e_col.size * z, np.float32)
    n1 = np.empty(z, np.float32)
    n2 = np.empty(z, np.float32)
    ns = np.empty(z, np.int32)
    t1 = np.empty(z, np.float32)
    acc = np.empty(z, np.int32)
    active = np.empty(n_rows, np.bool_)
    soft = llr_out.shape[0] > 0
    # soft output of skipped rows: the composed kernel's helper, in frame 0 (off = 0)
    off = np.zeros(n_cols, np.int64)
    Q = np.empty(deg_max * z if soft else 0, np.float32)
    T = np.empty(z, np.float32)
    m1 = np.empty(z, np.float32)
    m2 = np.empty(z, np.float32)
    pos = np.empty(z, np.int32)
    sgn = np.empty(z, np.int32)
    P = np.empty(0, np.float64)
    for cb in range(n_cb):
        row = llr[cb]
        _active_rows(row, z, row_deg1_col, active)
        _load_channel_f32(row, z, L)
        for j in range(n_cols):
            a = Lp[j * zs : (j + 1) * zs]
            c = L[j * z : (j + 1) * z]
            for r in range(z):
                a[r] = c[r]
            for t in range(_PAD):
                a[z + t] = c[t % z]
        for v in range(R.size):
            R[v] = 0.0
        start = 0
        fail = 0
        it = 0
        while it < max_iter:
            it += 1
            _iter_ms_f32(Lp, zs, R, row_ptr, active, z, e_col, rule, alpha, beta, n1, n2, ns,
                         t1, seg, ptr, chunk, n_ch, mir)
            if early_stop:
                fail = _failing_row_pad(Lp, zs, z, row_ptr, e_col, e_shift, active, start, acc)
                if fail < 0:
                    break
                start = fail
        if not early_stop:
            fail = _failing_row_pad(Lp, zs, z, row_ptr, e_col, e_shift, active, 0, acc)
        iters[cb] = it
        ok[cb] = fail < 0
        for j in range(n_cols):
            a = Lp[j * zs : (j + 1) * zs]
            c = L[j * z : (j + 1) * z]
            for r in range(z):
                c[r] = a[r]
        _hard_bits(L, k_sys * z, bits[cb])
        if soft:  # R of the skipped rows is still 0, as _fill_inactive_f32 requires
            _fill_inactive_f32(L, off, R, Q, z, row_ptr, e_col, e_shift, row_deg1_col, active,
                               rule, alpha, beta, m1, m2, pos, sgn, P, P, T)
            llr_out[cb] = L
