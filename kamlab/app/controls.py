"""Controls a page's text asks the room to move (an account to look at), bound to the page state."""
from __future__ import annotations

import ipywidgets as W
import pandas as pd

from kamlab.app.render import account_names
from kamlab.app.state import PageState

__all__ = ["AccountPicker", "AHPControls", "ahp_controls", "refreshable"]

MAX_OPTIONS = 150  # a dropdown of four thousand customers helps nobody: the largest ones by revenue


def _invoice_revenue(ds) -> pd.Series:
    lines = ds.order_lines
    rev = (lines["quantity"] * lines["invoice_price"]).groupby(lines["account_id"]).sum()
    return rev.reindex(ds.accounts["account_id"]).fillna(0.0)


class AccountPicker(W.Dropdown):
    """An account dropdown that follows the page's data: the `MAX_OPTIONS` largest accounts by invoice
    revenue, labelled by name (or id where there is no name). `default(ds)` picks the account shown
    until someone chooses one, and again when the chosen one is gone (default: the largest by revenue)."""

    def __init__(self, state: PageState, *, default=None, description: str = "Account"):
        super().__init__(description=description, layout=W.Layout(width="460px"),
                         style={"description_width": "initial"})
        self.state, self._default, self.syncing, self.chosen = state, default, False, False
        state.observe(self._sync, names="dataset")
        self.observe(self._on_choice, names="value")
        self._sync()

    def _sync(self, _change=None) -> None:
        ds = self.state.dataset
        rev = _invoice_revenue(ds).sort_values(ascending=False, kind="stable")
        names = account_names(ds)
        ids = list(rev.index[:MAX_OPTIONS])
        wanted = self._default(ds) if self._default is not None else (ids[0] if ids else None)
        if wanted is not None and wanted not in ids:
            ids.append(wanted)
        labels = [(f"{names.get(a, a)} ({a})" if str(names.get(a, a)) != str(a) else str(a), a) for a in ids]
        self.syncing = True
        try:
            keep = self.value if self.chosen and self.value in ids else None
            self.options = labels
            self.value = keep if keep is not None else wanted
        finally:
            self.syncing = False

    def _on_choice(self, _change) -> None:
        if not self.syncing:
            self.chosen = True


class AHPControls:
    """The room's pairwise comparisons as sliders: one per pair of criteria, on Saaty's scale (1/9 to 9,
    shown as "x times as important"); `result()` is `kamlab.selection.ahp_weights` of the current
    comparisons. `sliders` are the controls a live output shows."""

    SCALE = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1, 2, 3, 5, 7, 9]

    def __init__(self, labels, matrix):
        from kamlab.app.render import fmt_label

        self.labels = list(labels)
        self.pairs = [(i, j) for i in range(len(labels)) for j in range(i + 1, len(labels))]
        options = [(f"1/{round(1 / v)}" if v < 1 else f"{v:g}", v) for v in self.SCALE]
        self.sliders = []
        for i, j in self.pairs:
            nearest = min(self.SCALE, key=lambda v, m=float(matrix[i][j]): abs(v - m))
            s = W.SelectionSlider(options=options, value=nearest, continuous_update=False,
                                  description=f"{fmt_label(labels[i])} vs {fmt_label(labels[j])}",
                                  style={"description_width": "initial"}, layout=W.Layout(width="440px"))
            self.sliders.append(s)

    def matrix(self) -> list[list[float]]:
        n = len(self.labels)
        m = [[1.0] * n for _ in range(n)]
        for (i, j), s in zip(self.pairs, self.sliders):
            m[i][j], m[j][i] = float(s.value), 1.0 / float(s.value)
        return m

    def result(self):
        from kamlab import selection

        return selection.ahp_weights(self.matrix(), labels=self.labels)


def ahp_controls(labels, matrix) -> AHPControls:
    """Sliders for the pairwise comparisons of `labels`, starting at `matrix` (see `AHPControls`)."""
    return AHPControls(labels, matrix)


def refreshable(compute, *, description: str = "Refresh", icon: str = "refresh", now: bool = True) -> W.VBox:
    """`compute()` shown below a button that runs it again (a result that changes as someone plays, not
    with the data: a role-play's scorecard; or an action: writing the export files). `now=False` waits
    for the first press."""
    from IPython.display import display

    from kamlab.app.render import render

    button = W.Button(description=description, icon=icon, layout=W.Layout(width="auto"))
    out = W.Output()

    def _draw(_=None):
        from IPython.display import clear_output

        with out:
            clear_output(wait=True)
            shown = render(compute())
            if shown is not None:
                display(shown)

    button.on_click(_draw)
    if now:
        _draw()
    box = W.VBox([button, out])
    box.button, box.out, box.run = button, out, _draw
    return box


def percent_slider(value: float, *, description: str, low: float = 0.0, high: float = 1.0,
                   step: float = 0.05) -> W.FloatSlider:
    """A slider over a fraction that reads as a percent (0.5 shows "50%"), its label never clipped: for a
    share the room debates (how much a cheaper channel really saves).

    Examples
    --------
    >>> s = percent_slider(0.5, description="Cost-to-serve saved")
    >>> s.value, s.readout_format
    (0.5, '.0%')
    """
    return W.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                         readout_format=".0%", continuous_update=False, style={"description_width": "initial"},
                         layout=W.Layout(width="420px"))
