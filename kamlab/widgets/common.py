"""What every panel shares: the page's current dataset, and a safe way to redraw an output."""
from __future__ import annotations

import io
from typing import Callable

import ipywidgets as W
import traitlets
from IPython.display import HTML, clear_output, display

from kamlab.data import Dataset

__all__ = ["Workbench", "as_workbench", "refresh", "show_figure", "panel_figure", "error_box", "error_html", "Panel"]


class Workbench(traitlets.HasTraits):
    """The data every panel on a page shows. Panels observe `dataset`; the page header (scenario
    dropdown, data switch) replaces it, and every panel redraws."""

    dataset = traitlets.Instance(Dataset)
    presenter = traitlets.Bool(False)


def as_workbench(source: Dataset | Workbench) -> Workbench:
    """Accept a Dataset (a panel on its own) or a Workbench (a panel on a page with a header)."""
    if isinstance(source, Workbench):
        return source
    if isinstance(source, Dataset):
        return Workbench(dataset=source)
    raise TypeError(f"expected a kamlab Dataset or Workbench, got {type(source).__name__}")


def error_html(message) -> str:
    """The page's one error box, as HTML: a readable message for a person at a projector, not a traceback."""
    import html

    return ('<div class="kamlab-error" style="border-left:4px solid #c62828;background:#fdecea;'
            f'padding:8px 12px;margin:4px 0"><b>That did not work:</b> {html.escape(str(message))}</div>')


def error_box(message: str) -> HTML:
    """The page's one error box (`error_html`), to display."""
    return HTML(error_html(message))


def panel_figure(width: float, height: float, **subplots):
    """`plt.subplots` for a panel's chart: `width` x `height` inches at the normal font size, enlarged
    with the font in presenter mode (`set_style`), so that labels keep their room and the chart grows on
    the projector. The panel then sets fixed margins (`fig.subplots_adjust`): one drawing per redraw,
    where `tight_layout` would measure every label first.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = panel_figure(8, 4)
    >>> fig.get_size_inches().tolist()
    [8.0, 4.0]
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from kamlab.plots.style import font_scale

    scale = font_scale()
    return plt.subplots(figsize=(width * scale, height * scale), **subplots)


def show_figure(fig) -> None:
    """Display a finished figure once, as SVG, and release it (pyplot would otherwise keep every one).

    SVG with the text left as text, not the inline backend's PNG: the browser draws the letters, so a
    panel redraws in about 60% of the time (benchmarks/README.md), and the chart stays sharp on a
    projector at a third of the bytes. The figure is drawn once, as laid out: the panel lays it out
    (`panel_figure`, fixed margins); trimming it here as well would draw it twice.
    """
    import matplotlib  # here, not at the top: a page without charts never loads matplotlib
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    plt.close(fig)
    display({"image/svg+xml": buf.getvalue()}, raw=True)  # raw: IPython's SVG() would parse it again


def refresh(out: W.Output, draw: Callable[[], object]) -> None:
    """Clear `out` and run `draw` inside it; show what it returns, or a readable error."""
    with out:
        clear_output(wait=True)
        try:
            result = draw()
        except (ValueError, KeyError, TypeError) as err:  # DataError is a ValueError
            display(error_box(err))
        else:
            if result is not None:
                display(result)


class Panel(W.VBox):
    """The one panel base, modelled on `ipywidgets.interactive`: controls in, one `update` that reads
    them all, calls the domain function (`compute`), then shows the result (`draw`) inside one `Output`
    (`refresh`: cleared with ``wait=True``, errors in the page's error box). The page's data (a
    `Workbench`: the header's state) re-runs it too, after `on_data` has refreshed anything that depends
    on the data. `set(**values)` moves several controls with one update (`hold_trait_notifications`).

    A subclass sets `controls` (name -> widget) before calling ``super().__init__(source, ...)`` and
    implements `compute(ds, **values)` (domain calls only) and `draw(result)` (plots, summary text).
    """

    def __init__(self, source: Dataset | Workbench | None, controls: dict, *, above=(), summary: bool = True):
        self.wb = None if source is None else as_workbench(getattr(source, "workbench", source))
        self.controls, self.summary, self.out, self.result = dict(controls), W.HTML(), W.Output(), None
        self._holding = False
        super().__init__([*above, *([self.summary] if summary else []), self.out])
        for control in self.controls.values():
            control.observe(self.update, names="value")
        if self.wb is not None:
            self.wb.observe(self._on_dataset, names="dataset")
        self.update()

    # what a subclass provides
    def compute(self, ds: Dataset | None, **values):  # pragma: no cover - abstract
        raise NotImplementedError

    def draw(self, result):
        return None

    def on_data(self, ds: Dataset) -> None:
        """The data changed (a scenario, another folder): refresh what depends on it before `update`."""

    # the wiring
    def values(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    def _on_dataset(self, _change=None) -> None:
        self._holding = True
        try:
            self.on_data(self.wb.dataset)
        finally:
            self._holding = False
        self.update()

    def update(self, _change=None) -> None:
        if self._holding:
            return

        def _run():
            self.result = self.compute(None if self.wb is None else self.wb.dataset, **self.values())
            return self.draw(self.result)

        refresh(self.out, _run)

    def set(self, **values) -> None:
        """Move several controls at once: one update, not one per control."""
        self._holding = True
        try:
            with self.hold_trait_notifications():
                for name, value in values.items():
                    self.controls[name].value = value
        finally:
            self._holding = False
        self.update()
