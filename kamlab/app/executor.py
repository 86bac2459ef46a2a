"""A page's cell is done when its kernel says so on IOPub, even when the shell reply goes missing.

Voila runs a page with nbclient, which waits for two messages per cell: the kernel's "idle" status on
IOPub (all outputs sent) and the ``execute_reply`` on the shell channel. Measured on 2026-11-28 (issue #18,
about one page load in eight right after the server starts, with ipykernel 7.4 and 6.31 alike): the idle
status arrives, the reply does not, and the page stops mid-way for about two minutes while its kernel
sits idle and answers a fresh client at once. Voila's own log shows the IOPub idle of the stalled cell
and nothing else until the stall ends; the server's sockets hold no unread message.

So, in the app's server (`kamlab.app.kernels` installs this when voila.json loads it): once a cell's
IOPub stream is complete, its reply gets `REPLY_GRACE_S` more seconds; if it has not come by then, the
cell is taken as executed with the status its outputs show (an error output -> "error"), a warning goes to
the server log, and the page goes on. A reply that arrives late is then ignored by nbclient as belonging
to no pending request. Nothing changes for a reply that arrives in time (every healthy cell).
"""
from __future__ import annotations

import asyncio
import logging

__all__ = ["REPLY_GRACE_S", "install", "reply_from_outputs"]

REPLY_GRACE_S = 2.0  # a healthy reply follows the idle status within milliseconds; 2 s covers a busy server
_log = logging.getLogger(__name__)


def reply_from_outputs(cell, msg_id: str) -> dict:
    """The ``execute_reply`` a cell's outputs imply: "error" (with its name, value and traceback) when an
    output is an error, else "ok".

    Examples
    --------
    >>> reply_from_outputs({"outputs": [{"output_type": "stream", "text": "hi"}]}, "m1")["content"]
    {'status': 'ok', 'execution_count': None}
    >>> reply_from_outputs({"outputs": [{"output_type": "error", "ename": "ValueError", "evalue": "x",
    ...                                  "traceback": []}]}, "m1")["content"]["ename"]
    'ValueError'
    """
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    content: dict = {"status": "ok", "execution_count": None}
    if errors:
        err = errors[-1]
        content = {"status": "error", "execution_count": None, "ename": err.get("ename", ""),
                   "evalue": err.get("evalue", ""), "traceback": err.get("traceback", [])}
    return {"msg_type": "execute_reply", "header": {"msg_type": "execute_reply"},
            "parent_header": {"msg_id": msg_id}, "metadata": {}, "content": content}


def _patched(original):
    async def poll_for_reply(self, msg_id, cell, timeout, task_poll_output_msg, task_poll_kernel_alive):
        reply = asyncio.ensure_future(
            original(self, msg_id, cell, timeout, task_poll_output_msg, task_poll_kernel_alive))
        await asyncio.wait({reply, task_poll_output_msg}, return_when=asyncio.FIRST_COMPLETED)
        if reply.done():
            return reply.result()
        try:  # the outputs are complete: the reply is due now
            return await asyncio.wait_for(asyncio.shield(reply), REPLY_GRACE_S)
        except asyncio.TimeoutError:
            reply.cancel()
            task_poll_kernel_alive.cancel()
            _log.warning("no execute_reply %s s after the outputs of cell %s were complete: taken as "
                         "executed (kamlab.app.executor)", REPLY_GRACE_S, msg_id)
            return reply_from_outputs(cell, msg_id)

    poll_for_reply.kamlab_patched = True
    return poll_for_reply


def install() -> None:
    """Patch nbclient's `NotebookClient._async_poll_for_reply` (once) as the module docstring says."""
    from nbclient.client import NotebookClient

    if not getattr(NotebookClient._async_poll_for_reply, "kamlab_patched", False):
        NotebookClient._async_poll_for_reply = _patched(NotebookClient._async_poll_for_reply)
