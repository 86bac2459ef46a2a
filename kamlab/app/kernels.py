"""The app's kernel manager: a classroom's kernels are freed, capped, and never keep a page waiting.

voila.json selects it (``VoilaConfiguration.multi_kernel_manager_class``); Voila wraps it with its
preheated-kernel pool, so the methods below see that pool (`_pools`: per notebook, a list of tasks that
start a kernel and pre-render the page in it).

What it changes, and why (issue #18, measured on a 2-core laptop with a class of 25):

- **Kernels of pages a participant has left go.** A page's ``beforeunload`` beacon asks Voila to shut its
  kernel down; voila.json lets that beacon through (``disable_check_xsrf``: the beacon sends the ``_xsrf``
  cookie, which a Voila page never sets, so every beacon failed with a 403). Where a beacon is lost (a
  closed laptop, a crashed tab), the culler shuts a kernel down once it has had no browser connection and no
  activity for ``cull_idle_timeout`` seconds; a page left open on a projector keeps its connection and is
  never culled (``cull_connected`` false). Preheated kernels waiting in the pool have no connection by
  design and are never culled (Voila's own rule, kept). A kernel whose page is still being rendered has
  had no browser connection yet either: on a busy laptop a cell can run for longer than the idle timeout
  without a message, and the culler shut such kernels down mid-page ("Kernel died"). A kernel that has
  never had a connection is culled only after `render_grace` seconds, counted from its start or from
  the moment the pool hands it to a visitor (a preheated page that waited ten minutes for its visitor was
  otherwise culled between the handing over and the browser's connection: the page never came up).
- **A cap on live kernels** (`max_kernels`, or ``KAMLAB_MAX_KERNELS``; by default what 60% of the
  machine's memory holds: 32 on an 8 GB laptop, 65 on 16 GB): at the cap a new page gets a
  clear "the server is full, try again in a minute" page (HTTP 503) instead of the laptop swapping, and
  the pool is not refilled.
- **No page waits for a kernel that is still warming.** Voila hands a request the pool's first kernel
  and waits for its pre-render to finish; at server start all pages warm at once on two cores and a page
  waited about 100 s where a cold start takes a few. Here a request gets a preheated kernel only when its
  page is fully pre-rendered; otherwise it starts its own kernel (a cold start), and the warming kernel
  stays in the pool for the next visitor.
"""
from __future__ import annotations

import os
import time

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Float, Integer, default

from kamlab.app import executor

__all__ = ["ClassroomKernelManager", "FULL_MESSAGE", "live_kernels"]

executor.install()  # the server that loads this manager also finishes a cell whose reply went missing

FULL_MESSAGE = "The server is full: try again in a minute"
KERNEL_MB = 150  # a page kernel's resident memory, rounded up (benchmarks/README.md: 100-170 MB)


def live_kernels(manager) -> int:
    """How many kernels `manager` runs (pooled ones included)."""
    return len(manager.list_kernel_ids())


def _ready(task) -> bool:
    """A pool entry whose kernel has started and whose page is fully pre-rendered."""
    if not task.done() or task.cancelled() or task.exception() is not None:
        return False
    render = task.result().get("task")
    return render is not None and render.done() and not render.cancelled()


def _failed(task) -> bool:
    return task.done() and (task.cancelled() or task.exception() is not None)


class ClassroomKernelManager(AsyncMappingKernelManager):
    """AsyncMappingKernelManager with a cap on live kernels and a pool that never makes a page wait."""

    max_kernels = Integer(config=True, help="Most kernels alive at once (pool included); 0 = no cap. "
                                            "Default: $KAMLAB_MAX_KERNELS, else what 60% of this machine's "
                                            "memory holds at KERNEL_MB a kernel (16 to 80).")

    render_grace = Float(600.0, config=True, help="Seconds a kernel that has never had a browser connection "
                                                  "(its page is still rendering) is safe from the culler.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._grace_from: dict[str, float] = {}  # a kernel's start, or its handing over
        self._connected_once: set[str] = set()

    @default("max_kernels")
    def _default_max_kernels(self) -> int:
        value = os.environ.get("KAMLAB_MAX_KERNELS", "").strip()
        if value.isdigit():
            return int(value)
        import psutil

        return int(min(80, max(16, 0.6 * psutil.virtual_memory().total / 2**20 / KERNEL_MB)))

    def _full(self) -> bool:
        return bool(self.max_kernels) and live_kernels(self) >= self.max_kernels

    async def start_kernel(self, *args, **kwargs) -> str:
        """Start a kernel unless the server is at `max_kernels` (then HTTP 503 with `FULL_MESSAGE`)."""
        kernel_id = kwargs.get("kernel_id")
        if (kernel_id is None or kernel_id not in self) and self._full():
            self.log.warning("kernel cap reached (%d live): refusing a new page", live_kernels(self))
            raise HTTPError(503, reason=FULL_MESSAGE)
        kernel_id = await super().start_kernel(*args, **kwargs)
        self._grace_from.setdefault(kernel_id, time.monotonic())
        return kernel_id

    def notify_connect(self, kernel_id):
        self._connected_once.add(kernel_id)
        super().notify_connect(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id):
        """The usual idle cull, except for a kernel still rendering its page (never connected, young)."""
        if kernel_id not in self._grace_from:  # still starting (jupyter_server has no last_activity for it yet)
            return None
        never = kernel_id not in self._connected_once
        if never and time.monotonic() - self._grace_from[kernel_id] < self.render_grace:
            return None
        return await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        self._grace_from.pop(kernel_id, None)
        self._connected_once.discard(kernel_id)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)

    # Voila wraps this class in a subclass (voila_kernel_manager_factory) whose own pool methods would
    # shadow ours; __init_subclass__ puts ours in front of them, each calling Voila's where it needs to.
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("get_pool_size", "get_rendered_notebook", "fill_if_needed"):
            if name in cls.__dict__:
                setattr(cls, f"_voila_{name}", cls.__dict__[name])
                setattr(cls, name, getattr(ClassroomKernelManager, f"_pool_{name}"))

    def _pool_get_pool_size(self, notebook_name: str) -> int:
        """Pool entries whose page is ready; Voila uses the pool only when this is above zero."""
        pool = getattr(self, "_pools", {}).get(notebook_name, [])  # no pool when preheating is off
        pool[:] = [t for t in pool if not _failed(t)]
        return sum(_ready(t) for t in pool)

    async def _pool_get_rendered_notebook(self, notebook_name: str, *args, **kwargs):
        """Voila's, handed the first READY entry of the pool (Voila takes the first, warm or not)."""
        pool = self._pools.get(notebook_name, [])
        pool.sort(key=lambda t: not _ready(t))  # stable: ready ones first, in their order
        render_task, rendered, kernel_id = await self._voila_get_rendered_notebook(notebook_name, *args, **kwargs)
        self._grace_from[kernel_id] = time.monotonic()  # its visitor's browser connects from now on
        return render_task, rendered, kernel_id

    def _pool_fill_if_needed(self, *args, **kwargs) -> None:
        """Refill the pool, unless the server is at its kernel cap."""
        if self._full():
            self.log.info("kernel cap reached: not refilling the preheated pool")
            return
        self._voila_fill_if_needed(*args, **kwargs)
