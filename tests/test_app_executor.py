"""kamlab.app.executor: a cell whose outputs are complete is not held up by a missing execute_reply."""
from __future__ import annotations

import asyncio

import pytest

from kamlab.app import executor


class _Client:
    """Stands in for nbclient's NotebookClient: `_async_poll_for_reply` is what the patch wraps."""


def _run(reply_after: float | None, outputs_after: float, cell: dict, grace: float = 0.2):
    async def original(self, msg_id, cell, timeout, task_output, task_alive):
        if reply_after is None:
            await asyncio.Event().wait()  # the lost reply: never comes
        await asyncio.sleep(reply_after)
        await task_output
        return {"parent_header": {"msg_id": msg_id}, "content": {"status": "ok", "execution_count": 7}}

    async def main():
        output_task = asyncio.ensure_future(asyncio.sleep(outputs_after))
        alive_task = asyncio.ensure_future(asyncio.sleep(3600))
        patched = executor._patched(original)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        reply = await patched(_Client(), "m1", cell, 120, output_task, alive_task)
        return reply, loop.time() - t0, alive_task

    executor_grace, executor.REPLY_GRACE_S = executor.REPLY_GRACE_S, grace
    try:
        return asyncio.run(main())
    finally:
        executor.REPLY_GRACE_S = executor_grace


def test_a_reply_in_time_is_returned_as_it_came():
    reply, waited, _ = _run(reply_after=0.05, outputs_after=0.01, cell={"outputs": []})
    assert reply["content"]["execution_count"] == 7
    assert waited < 0.2


def test_a_lost_reply_costs_the_grace_not_two_minutes(caplog):
    reply, waited, alive = _run(reply_after=None, outputs_after=0.01, cell={"outputs": []}, grace=0.2)
    assert reply["content"] == {"status": "ok", "execution_count": None}
    assert 0.2 <= waited < 1.0
    assert alive.cancelled()
    assert "taken as executed" in caplog.text


def test_a_lost_reply_of_a_failed_cell_reports_the_error():
    cell = {"outputs": [{"output_type": "error", "ename": "KeyError", "evalue": "'A017'", "traceback": ["..."]}]}
    reply, _, _ = _run(reply_after=None, outputs_after=0.01, cell=cell)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyError"


def test_the_server_installs_it_once():
    from nbclient.client import NotebookClient

    import kamlab.app.kernels  # noqa: F401 - voila.json's manager installs the patch on import

    first = NotebookClient._async_poll_for_reply
    executor.install()
    assert NotebookClient._async_poll_for_reply is first and first.kamlab_patched


@pytest.mark.parametrize("outputs", [[], [{"output_type": "display_data"}]])
def test_reply_from_outputs_is_ok_without_an_error(outputs):
    assert executor.reply_from_outputs({"outputs": outputs}, "x")["content"]["status"] == "ok"
