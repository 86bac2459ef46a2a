"""Driving panels headlessly: outside a kernel an Output widget captures nothing, so record what each
panel's output would show instead (figure titles, returned HTML, or the error `refresh` would box)."""
from __future__ import annotations


class Capture:
    """Patches `refresh` and `show_figure` in the given widget modules; `shown(panel, kind)` reads back."""

    def __init__(self, monkeypatch, *modules):
        self._by_output: dict[int, list] = {}
        self._figures: list = []
        for module in modules:
            monkeypatch.setattr(module, "refresh", self._refresh)
            monkeypatch.setattr(module, "show_figure", self._show_figure)

    def _refresh(self, out, draw):
        self._figures.clear()
        shown = self._by_output[id(out)] = []
        try:
            result = draw()
        except (ValueError, KeyError, TypeError) as err:
            shown.append(("error", str(err)))
        else:
            if result is not None:
                shown.append(("html", getattr(result, "data", None) or getattr(result, "value", "")))
        shown.extend(("figure", f) for f in self._figures)

    def _show_figure(self, fig):
        import matplotlib.pyplot as plt

        self._figures.append([ax.get_title() for ax in fig.axes])
        plt.close(fig)

    def shown(self, panel, kind, *, out=None):
        return [v for k, v in self._by_output.get(id(out if out is not None else panel.out), []) if k == kind]
