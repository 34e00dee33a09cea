"""LLVM function attributes for the LDPC kernels (private).

Two Numba intrinsics that a kernel calls first thing to mark *itself*: its pointer
arguments ``noalias`` (LLVM then vectorises without runtime overlap checks; callers
must pass non-overlapping arrays), 512-bit vectors preferred, and optionally
``alwaysinline``. They rely on Numba's calling convention (the first two LLVM arguments
are Numba's return-value and exception-info pointers), which is why ``pyproject.toml``
bounds the Numba version; the kernels' tests compare them with reference decoders.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core.extending import intrinsic


def _mark_function(builder, inline):
    """LLVM attributes of the function being compiled: 512-bit vectors preferred, every
    pointer argument ``noalias`` (what Numba's internal ``noalias`` flag does), and
    optionally ``alwaysinline`` (LLVM-level inlining: unlike Numba's ``inline="always"``
    it adds no reference counting of the array arguments)."""
    fn = builder.function
    try:  # llvmlite accepts only its known attribute names: add the key=value one raw
        set.add(fn.attributes, '"prefer-vector-width"="512"')
    except Exception:  # pragma: no cover - a different llvmlite: vector width unchanged
        pass
    if inline:
        fn.attributes.add("alwaysinline")
    for a in fn.args[2:]:  # after Numba's return-value and exception-info pointers
        if isinstance(a.type, ir.PointerType):
            a.add_attribute("noalias")


@intrinsic
def _noalias(typingctx):
    """Declare the array arguments of the calling function non-overlapping (LLVM then
    vectorises without runtime overlap checks); see :func:`_mark_function`."""
    def codegen(context, builder, signature, args):
        _mark_function(builder, inline=False)
        return context.get_dummy_value()
    return types.void(), codegen


@intrinsic
def _inline_noalias(typingctx):
    """:func:`_noalias`, and have LLVM inline the calling function into its callers."""
    def codegen(context, builder, signature, args):
        _mark_function(builder, inline=True)
        return context.get_dummy_value()
    return types.void(), codegen
