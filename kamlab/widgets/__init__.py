"""Widget panels: `*_panel(...)` builders that wire controls to kamlab's domain and plot functions.

A panel returns a widget and never calls `display()`; its one `_update` reads every control, calls the
domain function, then the plot function, inside an `Output`. No domain logic lives here. A unit's
submodule is imported on first use, so a page imports only the panels it shows.
"""
from __future__ import annotations

from kamlab._lazy import lazy_namespace

__getattr__, __dir__, __all__ = lazy_namespace(__name__, {
    "common": ("Workbench", "as_workbench", "refresh", "show_figure", "panel_figure", "error_box", "error_html",
               "Panel"),
    "app": ("workbench", "query_params", "dataset_tour"),
    "apa": ("apa_panel", "ApaPanel"),
    "selection": ("selection_panel", "SelectionPanel"),
    "allocation": ("service_tier_panel", "allocation_panel", "ServiceTierPanel", "AllocationPanel"),
    "negotiation": ("price_defence_panel", "give_get_panel", "terms_panel", "sla_panel", "escalator_panel",
                    "roleplay_panel", "PriceDefencePanel", "GiveGetPanel", "TermsPanel", "SLAPanel",
                    "EscalatorPanel", "RoleplayPanel"),
    "growth": ("share_of_wallet_panel", "ShareOfWalletPanel", "jbp_panel", "JBPPanel"),
    "rationalization": ("rationalization_panel", "RationalizationPanel", "control_panel", "ControlPanel",
                        "account_plan_panel", "AccountPlanPanel"),
    "board": ("group_save_panel", "GroupSavePanel", "board_view", "BoardView"),
    "download": ("DownloadLink", "download_link", "data_uri", "workbook_bytes", "safe_filename", "csv_bytes",
                 "plan_downloads"),
})
