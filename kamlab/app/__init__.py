"""The served page: its state, header, query string, live outputs, navigation, page kernel
and the classroom's kernel manager (`kernels`).

    wb = kl.app.workbench(data_folder, seed=seed, scenario=scenario, presenter=presenter, page="02_...ipynb")
    wb.show(lambda ds: kl.apa.pnl_totals(kl.apa.account_pnl(ds)))   # a live output

Imports flow app -> widgets -> plots -> domain. Submodules load on first use.
"""
from __future__ import annotations

from kamlab._lazy import lazy_namespace

__getattr__, __dir__, __all__ = lazy_namespace(__name__, {
    "state": ("PageState",),
    "header": ("Header", "workbench", "query_params", "LiveOutput"),
    "render": ("chart_html", "fmt_money", "fmt_percent", "fmt_label", "table",
               "account_names", "named", "statement", "leak_summary", "cashflow_table", "export_plan",
               "percent_grid", "wallet_rule_grid"),
    "controls": ("AccountPicker", "AHPControls", "ahp_controls", "percent_slider", "refreshable"),
    "nav": ("PAGES", "HOME", "link", "neighbours", "course_map_html", "nav_html"),
    "page_kernel": ("PageKernelSpecManager",),
})
