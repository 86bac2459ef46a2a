"""Panels for the selection unit: the weight panel of the selection-matrix workshop."""
from __future__ import annotations

import html
import io

import ipywidgets as W
import numpy as np
import pandas as pd
from IPython.display import Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kamlab import format as fmt
from kamlab import selection
from kamlab.data import Dataset
from kamlab.plots.selection import plot_portfolio_matrix
from kamlab.widgets.common import Workbench, as_workbench, refresh

__all__ = ["selection_panel", "SelectionPanel"]

TABLE_ROWS = 100  # the ranking's scroll box shows the top of a long list (an export has thousands)


def _table_html(scored: pd.DataFrame, columns: list[str], top_n: int, currency: str = "",
                rows_shown: int = TABLE_ROWS) -> str:
    """The ranking, key accounts shaded; cells and headers by `kamlab.format` (money compact: a wide table)."""
    show = {c: fmt.formatter(fmt.column_kind(c, scored[c]), currency, compact=True) for c in columns}
    head = "".join(f"<th>{html.escape(fmt.label(c))}</th>" for c in ["rank", "account_id", *columns])
    rows = []
    for acc, r in scored.head(max(rows_shown, top_n)).iterrows():
        style = ' style="background:#e8f5e9"' if r["rank"] <= top_n else ""
        cells = [str(r["rank"]), str(acc)] + [show[c](r[c]) for c in columns]
        rows.append(f"<tr{style}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    if len(scored) > len(rows):
        rows.append(f'<tr><td colspan="{len(columns) + 2}"><i>and {len(scored) - len(rows):,} more accounts '
                    "ranked below</i></td></tr>")
    return (f'<div style="max-height:420px;overflow-y:auto"><table class="kamlab-ranking">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


class SelectionPanel(W.VBox):
    """The weight panel: `controls` (criterion sliders, "normalize", "top_n"), `weights` (normalised),
    `top_list` (the key accounts in rank order), `scored` (the current ranking), `table` and
    `key_accounts` (HTML), `out` (the portfolio matrix)."""

    def __init__(self, source, *, weights: dict | None = None, top_n: int = 15):
        self._features_given = isinstance(source, pd.DataFrame)
        self.wb = None if self._features_given else as_workbench(getattr(source, "workbench", source))
        feats = source if self._features_given else selection.account_features(self.wb.dataset)
        self.features = feats
        start = dict(selection.PROFIT_AND_POTENTIAL if weights is None else weights)
        criteria = [c for c in feats.columns if pd.api.types.is_numeric_dtype(feats[c])]
        self.controls: dict[str, W.Widget] = {}
        for c in criteria:
            label = selection.CRITERIA.get(c, (c, True))[0]
            self.controls[c] = W.FloatSlider(value=float(start.get(c, 0.0)), min=0, max=1, step=0.01,
                                             description=c.replace("_", " "), tooltip=label,
                                             continuous_update=False, readout_format=".2f",
                                             style={"description_width": "150px"},
                                             layout=W.Layout(width="380px"))
        self.controls["normalize"] = W.Dropdown(options=[("min-max (0-10)", "minmax"), ("rank (0-10)", "rank")],
                                                value="minmax", description="normalise",
                                                style={"description_width": "150px"})
        self.controls["top_n"] = W.IntSlider(value=min(top_n, len(feats)), min=1, max=max(len(feats), 1),
                                             description="key accounts (top N)", continuous_update=False,
                                             style={"description_width": "150px"}, layout=W.Layout(width="380px"))
        self.table, self.key_accounts = W.HTML(), W.HTML()
        self.out = W.Output()
        self.scored = pd.DataFrame()
        for w in self.controls.values():
            w.observe(self._update, names="value")
        sliders = W.VBox([W.HTML("<b>Weights</b> (normalised to sum to 1)"),
                          *[self.controls[c] for c in criteria],
                          self.controls["normalize"], self.controls["top_n"]])
        super().__init__([W.HBox([sliders, W.VBox([self.key_accounts, self.table])]), self.out])
        if self.wb is not None:
            self.wb.observe(self._on_data, names="dataset")
            self.wb.observe(self._on_presenter, names="presenter")
        self._draw_matrix()
        self._update()

    @property
    def criteria(self) -> list[str]:
        return [c for c in self.controls if c not in ("normalize", "top_n")]

    @property
    def weights(self) -> dict[str, float]:
        raw = {c: float(self.controls[c].value) for c in self.criteria if self.controls[c].value > 0}
        total = sum(raw.values())
        return {c: v / total for c, v in raw.items()} if total > 0 else {}

    @property
    def top_list(self) -> list:
        if self.scored.empty:
            return []
        return list(self.scored.index[: self.controls["top_n"].value])

    def set_weights(self, weights: dict) -> None:
        """Move every criterion slider at once (criteria not named go to 0), then redraw once."""
        self._quiet = True
        try:
            for c in self.criteria:
                self.controls[c].value = float(weights.get(c, 0.0))
        finally:
            self._quiet = False
        self._update()

    def _on_data(self, change) -> None:
        self.features = selection.account_features(change["new"])
        self.controls["top_n"].max = max(len(self.features), 1)
        self._draw_matrix()
        self._update()

    def _on_presenter(self, change) -> None:
        self._draw_matrix()
        self._update()

    def _draw_matrix(self) -> None:
        """The portfolio matrix depends on the data only: drawn once per dataset and kept as a bitmap;
        each update restores it and draws only the rings and labels of the key accounts on top
        (matplotlib blitting): text is what costs time, so no text is drawn per update."""
        needed = set(selection.ATTRACTIVENESS) | set(selection.STRENGTH)
        if not needed <= set(self.features.columns):  # a hand-made features table: no matrix
            self.matrix = self.fig = None
            return
        self.matrix = selection.portfolio_matrix(self.features)
        presenter = self.wb is not None and self.wb.presenter
        self.fig = Figure(figsize=(7.5, 4.6), dpi=110 if presenter else 72)
        FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
        plot_portfolio_matrix(self.matrix, ax=self.ax)  # every account labelled once, in the background
        self.ax.scatter([], [], s=160, facecolor="none", edgecolor="black", lw=1.5, label="key accounts")
        self.ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
        self.ax.set_title("Key account portfolio: the key accounts ringed")
        self.fig.subplots_adjust(left=0.09, right=0.74, bottom=0.12, top=0.92)
        self._rings = self.ax.scatter([], [], s=160, facecolor="none", edgecolor="black", lw=1.5,
                                      animated=True)
        self.fig.canvas.draw()
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    def image(self) -> Image:
        """The portfolio matrix as it is now, as a PNG image."""
        buf = io.BytesIO()
        from PIL import Image as PILImage

        PILImage.fromarray(np.asarray(self.fig.canvas.buffer_rgba())).save(buf, format="png", compress_level=1)
        return Image(data=buf.getvalue(), format="png")

    def _update(self, change=None) -> None:
        if getattr(self, "_quiet", False):
            return
        refresh(self.out, self._draw)

    def _draw(self):
        weights = self.weights
        if not weights:
            self.scored = pd.DataFrame()
            self.table.value = self.key_accounts.value = ""
            raise ValueError("all weights are zero: move at least one slider above 0")
        n = self.controls["top_n"].value
        self.scored = selection.score(self.features, weights, normalize=self.controls["normalize"].value)
        shown = [c for c in ("name",) if c in self.features.columns]
        shown += sorted(weights, key=weights.get, reverse=True)[:4] + ["score"]
        cur = self.wb.dataset.currency if self.wb is not None else ""
        self.table.value = _table_html(self.scored, shown, n, cur)
        self.key_accounts.value = self._list_html(n)
        if self.matrix is None:
            return None
        top = self.matrix.reindex(self.top_list)
        self._rings.set_offsets(top[["strength", "attractiveness"]].to_numpy())
        self.fig.canvas.restore_region(self._background)
        self.ax.draw_artist(self._rings)
        return self.image()

    def _list_html(self, n: int) -> str:
        names = self.features["name"] if "name" in self.features.columns else None
        items = "".join(f"<li>{html.escape(str(a))}" + (f" {html.escape(str(names[a]))}" if names is not None
                                                        else "") + "</li>" for a in self.top_list)
        return f"<b>Key accounts (top {n})</b><ol style='margin:2px 0'>{items}</ol>"


def selection_panel(source: Dataset | Workbench | pd.DataFrame, *, weights: dict | None = None,
                    top_n: int = 15) -> SelectionPanel:
    """One slider per criterion, the normalisation and top N; shows the ranking table, the key-account
    list and the portfolio matrix (key accounts ringed), and redraws on every change.

    `source` is a Dataset, a Workbench (or the page header from `kamlab.widgets.workbench`), or a
    features table from `kamlab.selection.account_features`. `weights` start the sliders (default
    `kamlab.selection.PROFIT_AND_POTENTIAL`). The panel exposes `controls`, `weights` (normalised) and
    `top_list` (the workshop board reads them).
    """
    return SelectionPanel(source, weights=weights, top_n=top_n)
