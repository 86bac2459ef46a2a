"""The page's state: one traitlets model that the header writes and every output on the page reads.

Kept apart from the widgets that show it, as the ipywidgets tutorial's packaged app keeps its model
(``class PassGen(traitlets.HasTraits)``) apart from its GUI. The state is a
`kamlab.widgets.common.Workbench`, so every panel accepts it as is.

    base          the data as loaded (a folder, a generated company, the case company)
    scenario      the trainer's scenario, applied to `base`
    dataset       `base` under `scenario`: what every output shows (read only for outputs)
    cost_of_capital  the scenario's cost of capital, resolved in one place (`kamlab.apa.pnl`)
    data_folder, seed, presenter, error
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import traitlets

from kamlab import scenarios
from kamlab.apa.pnl import resolve_cost_of_capital
from kamlab.data import Dataset
from kamlab.shared_results import share
from kamlab.widgets.common import Workbench

__all__ = ["PageState"]

_ERRORS = (ValueError, KeyError, TypeError, OSError)


class PageState(Workbench):
    """The state of one page (see the module docstring). Change `scenario`, `data_folder` (through
    `load`) or `presenter`; `dataset` and `cost_of_capital` follow.

    Examples
    --------
    >>> from kamlab import synth
    >>> state = PageState(base=synth.generate(n_accounts=8, years=1, seed=1))
    >>> state.scenario = "cost of capital up"
    >>> state.dataset.meta["scenario"], round(state.cost_of_capital, 2)
    ('cost of capital up', 0.15)
    """

    base = traitlets.Instance(Dataset, allow_none=True)
    scenario = traitlets.Unicode("baseline")
    data_folder = traitlets.Unicode("")
    seed = traitlets.Int(None, allow_none=True)
    cost_of_capital = traitlets.Float(0.0)
    error = traitlets.Unicode("")
    busy = traitlets.Bool(False)  # True while the page's outputs follow a change

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._memo: dict[str, object] = {}
        self._memo_of: int | None = None
        if self.base is not None:
            self._apply()

    def _notify_observers(self, event) -> None:
        """Every observer hears every change: one output or panel that fails (an imported data set
        without the activity a panel needs) says so in its own place and does not stop the others."""
        import logging

        notifiers, kind = self._trait_notifiers, event["type"]
        handlers = []
        for name in (event["name"], traitlets.All):
            handlers += notifiers.get(name, {}).get(kind, []) + notifiers.get(name, {}).get(traitlets.All, [])
        for handler in handlers:
            if isinstance(handler, traitlets.EventHandler) and handler.name is not None:
                handler = getattr(self, handler.name)
            elif type(handler).__name__ == "_CallbackWrapper":
                handler = handler.__call__
            try:
                handler(event)
            except _ERRORS as err:
                logging.getLogger(__name__).warning("an output could not follow the page: %s", err)
                self.error = f"part of the page could not follow the change: {err}"

    @traitlets.observe("base", "scenario")
    def _on_inputs(self, _change) -> None:
        self._apply()

    def _apply(self) -> None:
        """`base` under `scenario` -> `dataset` (always a change notice: fresh table objects). The header
        also calls it when presenter mode changes, so that every output redraws at the new size."""
        if self.base is None:
            return
        try:
            ds = scenarios.apply(self.base, self.scenario)
        except _ERRORS as err:
            self.error = str(err)
            return
        # a new object, so every output hears of it (a Dataset equals only itself); the page never edits
        # it, so its outputs and panels share one P&L, one leak list, ... (`kamlab.shared_results`)
        ds = share(ds.replace())
        self.busy = True
        try:
            with self.hold_trait_notifications():
                self.cost_of_capital = resolve_cost_of_capital(ds)
                self.dataset = ds
        finally:
            self.busy = False

    def load(self, folder: str | Path | None = None, *, seed: int | None = None) -> bool:
        """Switch the data: a dataset folder, or (empty) the generated company of `seed` or the case
        company. On failure the data stays as it was, `error` says why and this returns False."""
        folder = str(folder or "").strip()
        try:
            base = scenarios.open_dataset(folder or None, seed=None if folder else seed)
        except _ERRORS as err:
            self.error = str(err)
            return False
        self.error = ""
        with self.hold_trait_notifications():
            self.data_folder, self.seed = folder, (None if folder else seed)
            self.base = base
        return True

    def memo(self, name: str, compute: Callable[[Dataset], object]) -> object:
        """`compute(dataset)`, computed once per dataset: the page's outputs share one account P&L."""
        if self._memo_of != id(self.dataset):
            self._memo, self._memo_of = {}, id(self.dataset)
        if name not in self._memo:
            self._memo[name] = compute(self.dataset)
        return self._memo[name]

    def query(self) -> dict[str, str]:
        """What a link to another page carries: the scenario, presenter mode and the data."""
        q = {}
        if self.scenario != "baseline":
            q["scenario"] = self.scenario
        if self.presenter:
            q["presenter"] = "1"
        if self.data_folder:
            q["data"] = self.data_folder
        elif self.seed is not None:
            q["seed"] = str(self.seed)
        return q
