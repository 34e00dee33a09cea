"""Where campaign work units run: in process, a local process pool, or a Dask cluster.

The engine only needs a :class:`concurrent.futures.Executor`. Worker processes keep the
campaign and its links between units (:func:`nrlink.sim.engine.run_unit`), and Numba's
on-disk cache (``@njit(cache=True)``) means each kernel is compiled once per machine, then
loaded by every worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

from nrlink.errors import ConfigError

__all__ = ["default_workers", "make_executor"]


#: Workers run single-threaded (Numba, and the BLAS / OpenMP pools behind NumPy / SciPy):
#: the parallelism is across work units, one per core.
_SINGLE_THREAD = {"NUMBA_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                  "MKL_NUM_THREADS": "1"}


def default_workers() -> int:
    """The cores this process may use (the CPU affinity mask where available)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _worker_init() -> None:
    """Warm a worker: import the simulator once, before the first unit arrives.

    Workers ignore SIGINT: Ctrl-C reaches the whole process group, and the coordinating
    process alone handles it (stops submitting, keeps the stored units, shuts the pool
    down after the running units).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import nrlink.sim.engine  # noqa: F401


@contextlib.contextmanager
def make_executor(workers: int | None = None,
                  dask: str | None = None) -> Iterator[tuple[Executor | None, int]]:
    """Open the executor of a campaign run; yield ``(executor, number of workers)``.

    Parameters
    ----------
    workers : int, optional
        Worker processes (default: every available core). ``1`` without ``dask`` runs in
        this process (executor ``None``).
    dask : str, optional
        ``"local"``: a Dask ``LocalCluster`` of ``workers`` single-threaded processes;
        otherwise the address of a running Dask scheduler (``tcp://host:8786``). Needs the
        ``nrlink[dask]`` extra.

    Each worker runs single-threaded (``NUMBA_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
    ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` set to 1): the parallelism is across units.
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or not 1 <= workers <= 4096):
        raise ConfigError(f"workers={workers!r} is not allowed: it must be an integer in "
                          "1..4096")
    n = workers or default_workers()
    if dask is None:
        if n == 1:
            yield None, 1
            return
        old = {k: os.environ.get(k) for k in _SINGLE_THREAD}
        os.environ.update(_SINGLE_THREAD)  # inherited by the spawned workers
        try:
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=n, mp_context=ctx,
                                     initializer=_worker_init) as ex:
                yield ex, n
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        return
    if not isinstance(dask, str) or not dask:
        raise ConfigError(f"dask={dask!r} is not allowed: give 'local' or a scheduler address")
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        raise ConfigError("dask is not installed: pip install 'nrlink[dask]' "
                          "(dask[distributed]) to use --dask") from e
    if dask == "local":
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          dashboard_address=None,
                          env=dict(_SINGLE_THREAD)) as cluster, Client(cluster) as client:
            yield client.get_executor(pure=False), n
        return
    try:
        client = Client(dask, timeout=30)
    except OSError as e:
        raise ConfigError(f"dask={dask!r}: cannot reach the Dask scheduler ({e})") from e
    with client:
        n = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()) or n
        yield client.get_executor(pure=False), n
