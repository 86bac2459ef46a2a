"""Exports as downloads: a file made in the kernel arrives in the participant's own browser.

A page never takes a server path and never writes a file: the bytes are made in memory when the person
asks for them and handed to the browser as a ``data:`` link with a ``download`` name (works in Voila and
JupyterLab without a network, a server route or JavaScript). Two steps because making a file can take
seconds (a plan's charts, a workbook): the button makes it, the link that appears saves it.
"""
from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable

import ipywidgets as W

__all__ = ["DownloadLink", "download_link", "data_uri", "workbook_bytes", "safe_filename", "csv_bytes", "plan_downloads"]

MIME = {"html": "text/html", "csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument"
        ".spreadsheetml.sheet", "json": "application/json", "txt": "text/plain"}


def safe_filename(name: str, *, default: str = "export") -> str:
    """A file name a browser saves as is: letters, digits, dot, dash, underscore (no folders).

    Examples
    --------
    >>> safe_filename("../plan A001?.html")
    'plan_A001_.html'
    """
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name).replace("\\", "/").rsplit("/", 1)[-1]).strip("._")
    return base or default


def data_uri(data: bytes | str, mime: str) -> str:
    """`data` as a base64 ``data:`` URI.

    Examples
    --------
    >>> data_uri(b"hi", "text/plain")
    'data:text/plain;base64,aGk='
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def workbook_bytes(write: Callable, *args, suffix: str = ".xlsx", **kwargs) -> bytes:
    """The bytes of a file that `write(*args, path, **kwargs)` writes (e.g. `kamlab.export.write_apa_workbook`
    with its dataset), written to a private temporary folder that is removed at once."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="kamlab_dl_") as tmp:
        path = Path(tmp) / f"export{suffix}"
        written = write(*args, path, **kwargs)
        files = [Path(p) for p in written] if isinstance(written, (list, tuple)) and written else [path]
        return files[0].read_bytes()


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{max(n / 1e3, 0.1):.0f} kB"


class DownloadLink(W.VBox):
    """A button that makes a file in memory and a link that saves it in the browser.

    `make()` returns bytes or text; `filename` (a string or a callable returning one) names the file.
    Attributes: `button`, `link` (HTML: the anchor after `prepare()`), `data` (the last bytes made).
    """

    def __init__(self, make: Callable[[], bytes | str], filename: str | Callable[[], str], *,
                 label: str = "Prepare download", mime: str | None = None):
        self._make, self._filename, self._mime = make, filename, mime
        self.data: bytes | None = None
        self.button = W.Button(description=label, icon="download", button_style="primary",
                               layout=W.Layout(width="auto"))
        self.link = W.HTML()
        self.button.on_click(self.prepare)
        super().__init__([W.HBox([self.button, self.link], layout=W.Layout(grid_gap="12px",
                                                                           align_items="center"))])
        self.add_class("kamlab-download")

    @property
    def filename(self) -> str:
        name = self._filename() if callable(self._filename) else self._filename
        return safe_filename(name)

    def reset(self) -> None:
        """Forget the file made (the content it came from changed)."""
        self.data, self.link.value = None, ""

    def prepare(self, _button=None) -> bytes | None:
        """Make the file and show the link that saves it; returns its bytes (None if it failed)."""
        self.link.value = "<i>Preparing...</i>"
        try:
            made = self._make()
        except (ValueError, KeyError, TypeError, OSError) as err:
            self.data = None
            self.link.value = (f"<span class='kamlab-error' style='color:#c62828'>Could not make the file: "
                               f"{html.escape(str(err))}</span>")
            return None
        self.data = made.encode("utf-8") if isinstance(made, str) else bytes(made)
        name = self.filename
        mime = self._mime or MIME.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
        self.link.value = (f"<a class='kamlab-download-link' download='{html.escape(name, quote=True)}' "
                           f"href='{data_uri(self.data, mime)}' style='font-weight:bold'>Save "
                           f"{html.escape(name)}</a> ({_size(len(self.data))})")
        return self.data


def download_link(make: Callable[[], bytes | str], filename: str | Callable[[], str], *,
                  label: str = "Prepare download", mime: str | None = None) -> DownloadLink:
    """A download for the browser: `make()` is called when the person presses the button.

    Examples
    --------
    >>> d = download_link(lambda: "a,b\\n1,2\\n", "table.csv", label="Prepare the table")
    >>> d.prepare()
    b'a,b\\n1,2\\n'
    >>> "download='table.csv'" in d.link.value
    True
    """
    return DownloadLink(make, filename, label=label, mime=mime)


def csv_bytes(frame) -> bytes:
    """A DataFrame as UTF-8 CSV bytes (with a byte-order mark, so Excel reads accents right)."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def plan_downloads(plan, source=None) -> W.VBox:
    """The account plan's downloads: the standalone page (HTML with its charts) and, given the page's
    dataset (or header), the APA workbook with the plan as an extra sheet (`kamlab.export`). `plan` is a
    plan or a function returning the current one, so a page whose account or data change offers the plan
    on screen at the moment of the click."""
    from kamlab.plots.rationalization import plan_page

    current = plan if callable(plan) else (lambda: plan)
    items = [download_link(lambda: plan_page(current(), charts=True), lambda: f"plan_{current().account_id}.html",
                           label="Prepare the plan (HTML)")]
    if source is not None:
        from kamlab import export
        from kamlab.widgets.common import as_workbench

        wb = as_workbench(getattr(source, "workbench", source))
        items.append(download_link(
            lambda: workbook_bytes(export.write_apa_workbook, wb.dataset,
                                   extra_sheets={"Account plan": current().to_frame()}),
            "apa_with_plan.xlsx", label="Prepare the APA workbook (Excel)"))
    return W.VBox(items)
