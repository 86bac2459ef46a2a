"""Account Profitability Analysis: account P&L, price waterfall, cost-to-serve, whale curve, profit leaks.

The course's central move is from revenue size to account profitability. Every function here is pure
(pandas/numpy/scipy in, DataFrames or small frozen dataclasses out) and works in fractions, not percents,
and in the data's currency.

The P&L of one account, top to bottom (Marn & Rosiello, 1992; Kaplan & Cooper, 1998)::

    list_revenue          quantity x list price
  - on_invoice_discount   list_revenue - invoice_revenue
  = invoice_revenue       quantity x invoice price           (returns are negative quantities)
  - off_invoice           rebates and allowances paid off the invoice
  - freight               freight paid by the supplier
  - terms_cost            cost of carrying the receivables (see `account_pnl`)
  = pocket_revenue
  - cogs                  quantity x products.unit_cost
  = pocket_margin         margin after freight and financing (``gross_margin``: its old name, kept)
  - cost_to_serve         sum over activities of driver_qty x activity_rates.rate
  = net_margin

Ratios (``*_pct``) are fractions of invoice revenue (net sales). The course's gross margin KPI (net sales
less cost of goods, its share of the company's, and per unit of cost-to-serve) is
`gross_margin_contribution`.

Modules, one per concept (everything public is re-exported here, so ``kl.apa.account_pnl`` and
``from kamlab.apa import ...`` work as before)::

    pnl        account_pnl, with_activity_rates, pnl_totals, worked_example; as_of_date and
               settlement_dates, the one convention for unpaid invoices
    waterfall  price_waterfall, waterfall_by_account, pocket_price_band
    tdabc      time-driven activity-based costing, used and unused capacity (Kaplan & Anderson, 2004)
    whale      whale_curve, whale_summary (Kaplan & Cooper, 1998)
    leaks      profit_leaks and its LEAK_RULES (Marn, Roegner & Zawada, 2004)
    matrix     Shapiro's cost-to-serve matrix (Shapiro et al., 1987)
    cashflow   payback, NPV and IRR of a relationship
"""
from __future__ import annotations

from kamlab.apa.cashflow import CashflowMetrics, cashflow_metrics, relationship_cashflow
from kamlab.apa.leaks import LEAK_OVERLAPS, LEAK_RULES, leak_totals, profit_leaks
from kamlab.apa.matrix import QUADRANTS, CostToServeMatrix, cost_to_serve_matrix
from kamlab.apa.pnl import (
                            DEFAULT_COST_OF_CAPITAL,
                            MONEY_COLUMNS,
                            account_pnl,
                            as_of_date,
                            gross_margin_contribution,
                            pnl_totals,
                            settlement_dates,
                            with_activity_rates,
                            worked_example,
)
from kamlab.apa.tdabc import TDABCResult, capacity_report, capacity_report_from, tdabc
from kamlab.apa.waterfall import PocketPriceBand, Waterfall, pocket_price_band, price_waterfall, waterfall_by_account
from kamlab.apa.whale import WhaleSummary, whale_curve, whale_summary

__all__ = [
    "DEFAULT_COST_OF_CAPITAL", "MONEY_COLUMNS", "LEAK_RULES", "worked_example", "account_pnl",
    "with_activity_rates", "pnl_totals", "as_of_date", "settlement_dates", "gross_margin_contribution",
    "Waterfall", "price_waterfall", "waterfall_by_account", "PocketPriceBand", "pocket_price_band",
    "TDABCResult", "tdabc", "capacity_report", "capacity_report_from", "whale_curve", "WhaleSummary",
    "whale_summary", "profit_leaks", "leak_totals", "LEAK_OVERLAPS",
    "CostToServeMatrix", "QUADRANTS", "cost_to_serve_matrix", "CashflowMetrics", "cashflow_metrics",
    "relationship_cashflow",
]
