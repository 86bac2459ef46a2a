"""The classroom kernel manager's cull rule (`kamlab.app.kernels`), without a server.

A kernel that has never had a browser connection is spared by the culler for `render_grace` seconds,
counted from its start or from the moment the preheated pool hands it to a visitor: measured in the
classroom hop, a page whose preheated kernel had waited ten minutes in the pool was culled between the
handing over and the browser's connection, and never came up.
"""
from __future__ import annotations

import asyncio
import time

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from kamlab.app.kernels import ClassroomKernelManager

GRACE = 30.0


class PooledManager(ClassroomKernelManager):
    """Stands in for Voila's wrapper: a pool of one pre-rendered page whose kernel is `kid`."""

    kid = "k-pooled"

    async def get_rendered_notebook(self, notebook_name, *args, **kwargs):
        self._pools[notebook_name].pop(0)
        return "render-task", ["cells"], self.kid

    def get_pool_size(self, notebook_name):
        return len(self._pools.get(notebook_name, []))

    def fill_if_needed(self, *args, **kwargs):
        pass


def _culled(manager, kernel_id: str, monkeypatch) -> bool:
    """Whether `kernel_id` reaches jupyter_server's idle cull (which then decides by idleness alone)."""
    asked = []

    async def idle_cull(self, kid):
        asked.append(kid)

    monkeypatch.setattr(AsyncMappingKernelManager, "cull_kernel_if_idle", idle_cull)
    asyncio.run(manager.cull_kernel_if_idle(kernel_id))
    return asked == [kernel_id]


def _pooled(started_ago: float) -> PooledManager:
    manager = PooledManager(render_grace=GRACE)
    manager._grace_from[PooledManager.kid] = time.monotonic() - started_ago

    async def pool_of_one():  # one entry whose kernel started and whose page is rendered
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        entry = asyncio.get_running_loop().create_future()
        entry.set_result({"kernel_id": PooledManager.kid, "task": done})
        manager._pools = {"nb.ipynb": [entry]}

    asyncio.run(pool_of_one())
    return manager


def test_a_kernel_rendering_its_page_is_spared_then_culled_like_any(monkeypatch):
    manager = _pooled(started_ago=GRACE / 2)
    assert not _culled(manager, PooledManager.kid, monkeypatch), "still rendering, never connected"
    manager._grace_from[PooledManager.kid] -= GRACE
    assert _culled(manager, PooledManager.kid, monkeypatch), "past the grace: the usual idle rule"


def test_a_preheated_kernel_handed_to_a_visitor_gets_the_grace_anew(monkeypatch):
    manager = _pooled(started_ago=10 * GRACE)  # it waited long in the pool for its first visitor
    task, cells, kid = asyncio.run(manager.get_rendered_notebook("nb.ipynb"))
    assert kid == PooledManager.kid and cells == ["cells"]
    assert not _culled(manager, kid, monkeypatch), "handed over just now: its browser has not connected yet"


def test_a_kernel_that_had_its_browser_is_culled_by_idleness_alone(monkeypatch):
    manager = _pooled(started_ago=1.0)
    manager._connected_once.add(PooledManager.kid)
    assert _culled(manager, PooledManager.kid, monkeypatch)


def test_a_kernel_still_starting_is_never_culled(monkeypatch):
    assert not _culled(PooledManager(render_grace=GRACE), "k-starting", monkeypatch)
