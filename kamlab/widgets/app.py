"""The course home's data tour (the workshop board lives in `kamlab.widgets.board`).

The page header moved to `kamlab.app` (its state, header, query string and page kernel); `workbench` and
`query_params` here forward to it so that older pages keep working.
"""
from __future__ import annotations

import html

import ipywidgets as W

from kamlab import scenarios

__all__ = ["workbench", "query_params", "dataset_tour"]


def workbench(*args, **kwargs):
    """The page header: moved to `kamlab.app.workbench` (kept here so older pages keep working)."""
    from kamlab.app.header import workbench as _workbench

    return _workbench(*args, **kwargs)


def query_params(query_string: str | None = None) -> dict[str, str]:
    """The page URL's query parameters: moved to `kamlab.app.query_params`."""
    from kamlab.app.header import query_params as _query_params

    return _query_params(query_string)


def dataset_tour(source) -> W.HTML:
    """The course home's view of the data: tables and row counts, accounts by life-cycle stage, segment
    and service tier (`kamlab.scenarios.overview`); redraws when the header changes the data."""
    from kamlab.widgets.common import as_workbench

    wb = as_workbench(source)
    panel = W.HTML(layout=W.Layout(width="100%"))
    panel.add_class("kamlab-tour")

    def _update(_=None):
        try:
            panel.value = scenarios.overview(wb.dataset)._repr_html_()
        except (ValueError, KeyError, TypeError) as err:
            panel.value = f'<div class="kamlab-error">That did not work: {html.escape(str(err))}</div>'

    wb.observe(_update, names="dataset")
    _update()
    return panel
