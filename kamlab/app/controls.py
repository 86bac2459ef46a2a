"""Controls a page's text asks the room to move (an account to look at), bound to the page state."""
from __future__ import annotations

import ipywidgets as W
import pandas as pd

from kamlab.app.render import account_names
from kamlab.app.state import PageState

__all__ = ["AccountPicker"]

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
