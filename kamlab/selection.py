"""Key account selection: criteria, weighted scoring, sensitivity and portfolio matrices.

The course's classroom problem: ask five managers who the key accounts are and you get five lists.
An explicit scoring model (criteria, weights, a normalisation) turns the argument into one about weights,
and the sensitivity tools show a group how fragile its list is.

    feats = account_features(ds)
    scored = score(feats, PROFIT_AND_POTENTIAL)
    compare_rankings(feats, REVENUE_ONLY, PROFIT_AND_POTENTIAL, top_n=15)
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamlab import format as fmt
from kamlab.apa import account_pnl
from kamlab.data import DataError, Dataset
from kamlab.schema import RELATIONSHIP_STAGES
from kamlab.shared_results import shared

__all__ = [
    "CRITERIA", "COST_CRITERIA", "REVENUE_ONLY", "PROFIT_AND_POTENTIAL", "RANDOM_INDEX", "random_index",
    "account_features", "score", "compare_rankings", "RankingComparison", "critical_weight_changes",
    "criteria_table", "five_accounts_example", "rank_stability", "ahp_weights", "AHPResult",
    "portfolio_matrix", "ATTRACTIVENESS", "STRENGTH",
]

#: The selection criteria `account_features` returns: name -> (label, higher_is_better).
CRITERIA: dict[str, tuple[str, bool]] = {
    "revenue": ("Size: yearly invoice revenue", True),
    "avg_order_value": ("Order size: average invoice value of an order", True),
    "product_breadth": ("Product-mix breadth: share of our product lines bought", True),
    "gross_margin_pct": ("Gross margin as a fraction of invoice revenue", True),
    "net_margin": ("Profitability: yearly net margin after cost-to-serve", True),
    "net_margin_pct": ("Net margin as a fraction of invoice revenue", True),
    "cost_to_serve_share": ("Customer maintenance cost: cost-to-serve / invoice revenue", False),
    "potential": ("Potential: yearly wallet headroom x line gross margin", True),
    "share_of_wallet": ("Share of wallet: our revenue / the customer's spend in our lines", True),
    "growth": ("Growth: last 12 months' revenue vs the 12 before (capped at +200%)", True),
    "relationship_stage": ("Relationship stage, 1 exploratory .. 5 integrated", True),
    "lifecycle_stage": ("Key-account life-cycle stage, 1..6", True),
    "market_leader": ("The customer leads its own market (1/0)", True),
    "key_market": ("The customer is in a market we target (1/0)", True),
    "global_presence": ("The customer buys in several countries (1/0)", True),
    "days_beyond_terms": ("Payment behaviour: amount-weighted days paid beyond terms", False),
    "churn_risk": ("Churn risk: probability of losing the account within a year", False),
}
#: Cost-type criteria: lower is better, reversed by `score` unless told otherwise.
COST_CRITERIA = tuple(c for c, (_, hib) in CRITERIA.items() if not hib)

#: The weighting the course moves away from: size only.
REVENUE_ONLY = {"revenue": 1.0}
#: The course's weighting: heavily toward long-term profitability and potential.
PROFIT_AND_POTENTIAL = {
    "net_margin": 0.30, "potential": 0.25, "gross_margin_pct": 0.10, "revenue": 0.10, "growth": 0.05,
    "cost_to_serve_share": 0.05, "relationship_stage": 0.05, "days_beyond_terms": 0.05, "churn_risk": 0.05,
}

#: Saaty's random consistency index by matrix size (Saaty 1980).
#: Saaty's random consistency index RI(n), the mean CI of random reciprocal matrices (Saaty 1980, *The
#: Analytic Hierarchy Process*, McGraw-Hill, p. 21, extended to n = 15 in the same table). Beyond 15,
#: `random_index` uses Alonso & Lamata's fit of the random lambda_max, 2.7699 n - 4.3513 (Alonso & Lamata
#: 2006, Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems 14(4), 445-459).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
                11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}


def random_index(n: int) -> float:
    """Saaty's random index for an n x n matrix: `RANDOM_INDEX` up to 15, then Alonso & Lamata's (2006)
    RI(n) = (1.7699 n - 4.3513) / (n - 1).

    Examples
    --------
    >>> random_index(10), random_index(15), round(random_index(17), 3)
    (1.49, 1.59, 1.609)
    """
    if n < 1:
        raise DataError(f"a pairwise matrix needs n >= 1 criteria, got {n}")
    return RANDOM_INDEX[n] if n in RANDOM_INDEX else (1.7699 * n - 4.3513) / (n - 1)


def criteria_table() -> pd.DataFrame:
    """The selection criteria: what each means, and whether `score` reverses it (cost-type).

    Examples
    --------
    >>> criteria_table().loc["churn_risk", "higher_is_better"]
    np.False_
    """
    t = pd.DataFrame([(c, m, h) for c, (m, h) in CRITERIA.items()],
                     columns=["criterion", "meaning", "higher_is_better"]).set_index("criterion")
    t["in PROFIT_AND_POTENTIAL"] = pd.Series(PROFIT_AND_POTENTIAL).reindex(t.index).fillna(0.0)
    return t


def five_accounts_example() -> tuple[pd.DataFrame, dict]:
    """The course's scoring example: five accounts already scored 0-10 on five criteria, and the weights
    (profitability .35, potential .30, size .15, order size .10, low maintenance cost .10).
    ``score(*five_accounts_example(), normalize=None)`` gives A 7.05, B 6.85, C 6.80, D 6.35, E 5.60.

    Examples
    --------
    >>> f, w = five_accounts_example()
    >>> f.shape, round(sum(w.values()), 9)
    ((5, 5), 1.0)
    """
    cols = ["profitability", "potential", "size", "order_size", "low_maintenance_cost"]
    rows = {"A": (8, 6, 9, 7, 4), "B": (6, 9, 5, 6, 7), "C": (9, 4, 7, 8, 6), "D": (5, 7, 8, 5, 8),
            "E": (4, 5, 6, 9, 9)}
    f = pd.DataFrame.from_dict(rows, orient="index", columns=cols).astype(float)
    f.index.name = "account"
    return f, dict(zip(cols, [0.35, 0.30, 0.15, 0.10, 0.10]))


# --------------------------------------------------------------------------------------------- features

def _pnl(ds: Dataset) -> pd.DataFrame:
    """Per-account invoice revenue, gross margin, cost-to-serve and net margin: `kamlab.apa.account_pnl`."""
    coc = ds.meta.get("cost_of_capital")  # a "cost of capital up" scenario puts it in meta
    pnl = account_pnl(ds) if coc is None else account_pnl(ds, cost_of_capital=coc)
    if "account_id" in pnl.columns:
        pnl = pnl.set_index("account_id")
    return pnl[["invoice_revenue", "gross_margin", "cost_to_serve", "net_margin"]]


def _div(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


def _line_features(ds: Dataset, years: float, accounts: pd.Index) -> pd.DataFrame:
    ol = ds.order_lines.merge(ds.products[["product_id", "product_line", "unit_cost"]], on="product_id")
    rev = ol["quantity"] * ol["invoice_price"]
    gm = rev - ol["off_invoice"] - ol["freight_cost"] - ol["quantity"] * ol["unit_cost"]
    frame = pd.DataFrame({"rev": rev, "gm": gm})
    by_line = frame.groupby(ol["product_line"]).sum()
    line_margin = pd.Series(_div(by_line["gm"], by_line["rev"]), index=by_line.index)
    acc_line = rev.groupby([ol["account_id"], ol["product_line"]]).sum() / years
    w = ds.wallets.groupby(["account_id", "product_line"])["estimated_spend"].sum()
    ours = acc_line.reindex(w.index, fill_value=0.0)
    margin = _own_line_margins(frame, ol, line_margin).reindex(w.index)
    headroom = (w - ours).clip(lower=0) * margin.fillna(0.0).clip(lower=0).to_numpy()
    n_lines = max(ds.products["product_line"].nunique(), 1)
    out = pd.DataFrame(index=accounts)
    out["potential"] = headroom.groupby(level=0).sum().reindex(accounts, fill_value=0.0)
    wallet = w.groupby(level=0).sum().reindex(accounts, fill_value=0.0)
    out["share_of_wallet"] = np.clip(_div(ours.groupby(level=0).sum().reindex(accounts, fill_value=0.0),
                                          wallet), 0, 1)
    out["product_breadth"] = (acc_line[acc_line > 0].groupby(level=0).size()
                              .reindex(accounts, fill_value=0) / n_lines)
    return out


def _own_line_margins(frame: pd.DataFrame, ol: pd.DataFrame, line_margin: pd.Series) -> pd.Series:
    """Gross margin fraction per (account, product line) at the account's own prices: its margin in the
    lines it buys; in the others, the line's company margin moved by the account's own gap to the
    company's margin (a deep-discount account stays one in a new line)."""
    own = frame.groupby([ol["account_id"], ol["product_line"]]).sum()
    acc = frame.groupby(ol["account_id"]).sum()
    company = _div(frame["gm"].sum(), frame["rev"].sum())
    gap = pd.Series(_div(acc["gm"], acc["rev"]) - company, index=acc.index)
    ids = sorted(pd.unique(ol["account_id"]))
    grid = pd.MultiIndex.from_product([ids, list(line_margin.index)], names=["account_id", "product_line"])
    guess = line_margin.reindex(grid.get_level_values(1)).to_numpy() + gap.reindex(grid.get_level_values(0)).to_numpy()
    out = pd.Series(guess, index=grid)
    bought = own.index[own["rev"] > 0]
    out.loc[bought] = _div(own.loc[bought, "gm"], own.loc[bought, "rev"])
    return out


def _as_of(ds: Dataset, fallback: pd.Timestamp) -> pd.Timestamp:
    try:
        from kamlab.apa import as_of_date
    except ImportError:  # pragma: no cover
        return fallback
    return as_of_date(ds)


def _days_beyond_terms(ds: Dataset, as_of: pd.Timestamp, accounts: pd.Index) -> pd.Series:
    p = ds.payments
    from kamlab.apa import settlement_dates  # the one convention for unpaid invoices

    late = (settlement_dates(p, as_of) - p["due_date"]).dt.days.clip(lower=0)
    amount = p["amount"].clip(lower=0)
    num = (late * amount).groupby(p["account_id"]).sum()
    den = amount.groupby(p["account_id"]).sum()
    return pd.Series(_div(num.reindex(accounts, fill_value=0), den.reindex(accounts, fill_value=0)),
                     index=accounts)


def _growth(ds: Dataset, as_of: pd.Timestamp, accounts: pd.Index) -> pd.Series:
    ol = ds.order_lines
    rev = ol["quantity"] * ol["invoice_price"]
    age = (as_of - ol["invoice_date"]).dt.days
    last = rev[age < 365].groupby(ol["account_id"]).sum().reindex(accounts, fill_value=0.0)
    prev = rev[(age >= 365) & (age < 730)].groupby(ol["account_id"]).sum().reindex(accounts, fill_value=0.0)
    g = np.where(prev > 0, _div(last, prev) - 1, np.where(last > 0, 2.0, 0.0))
    if age.max() < 365:  # under a year of history: no growth can be measured
        g = np.zeros(len(accounts))
    return pd.Series(np.clip(g, -1, 2), index=accounts)


@shared
def account_features(ds: Dataset) -> pd.DataFrame:
    """One row per account (index account_id) with a name and every selection criterion in `CRITERIA`.

    Money criteria are yearly averages over the order lines' date span. Cost-type criteria
    (`COST_CRITERIA`: cost_to_serve_share, days_beyond_terms, churn_risk) are lower-is-better; `score`
    reverses them. Margins come from `kamlab.apa.account_pnl`. Potential follows the course's
    "wallet headroom weighted by line margin": sum over product lines of max(wallet - our yearly
    revenue, 0) x the gross margin fraction the account itself earns us in that line (in a line it does
    not buy yet: the line's company margin moved by the account's own gap to the company margin), so a
    loss-maker's headroom is not valued at everybody else's prices.

    Examples
    --------
    >>> from kamlab import synth
    >>> feats = account_features(synth.generate(n_accounts=8, years=2, seed=1))
    >>> len(feats), set(CRITERIA) <= set(feats.columns)
    (8, True)
    """
    acc = ds.accounts.set_index("account_id")
    ids = acc.index
    dates = ds.order_lines["invoice_date"]
    if len(dates) == 0:
        raise DataError("account_features needs order lines: the dataset's order_lines table is empty")
    as_of = dates.max()
    years = max((as_of - dates.min()).days + 1, 1) / 365.25
    pnl = _pnl(ds).reindex(ids, fill_value=0.0)
    orders = ds.order_lines.groupby("account_id")["order_id"].nunique().reindex(ids, fill_value=0)
    f = pd.DataFrame(index=ids)
    f["name"] = acc["name"]
    f["revenue"] = pnl["invoice_revenue"] / years
    f["avg_order_value"] = _div(pnl["invoice_revenue"], orders)
    lines = _line_features(ds, years, ids)
    f["product_breadth"] = lines["product_breadth"].astype(float)
    f["gross_margin_pct"] = _div(pnl["gross_margin"], pnl["invoice_revenue"])
    f["net_margin"] = pnl["net_margin"] / years
    f["net_margin_pct"] = _div(pnl["net_margin"], pnl["invoice_revenue"])
    f["cost_to_serve_share"] = _div(pnl["cost_to_serve"], pnl["invoice_revenue"])
    f["potential"] = lines["potential"]
    f["share_of_wallet"] = lines["share_of_wallet"]
    f["growth"] = _growth(ds, as_of, ids)
    f["relationship_stage"] = acc["relationship_stage"].map(
        {s: i + 1 for i, s in enumerate(RELATIONSHIP_STAGES)}).astype(float)
    f["lifecycle_stage"] = acc["lifecycle_stage"].astype(float)
    for col in ("market_leader", "key_market", "global_presence"):
        f[col] = acc[col].astype(float)
    f["days_beyond_terms"] = _days_beyond_terms(ds, _as_of(ds, as_of), ids)
    f["churn_risk"] = acc["churn_risk"].astype(float)
    f.index.name = "account_id"
    return f


# ------------------------------------------------------------------------------------------------ score

def _check_weights(features: pd.DataFrame, weights) -> pd.Series:
    w = pd.Series(dict(weights), dtype=float)
    if w.empty:
        raise DataError("weights is empty: give at least one criterion a positive weight")
    unknown = [c for c in w.index if c not in features.columns]
    if unknown:
        raise DataError(f"unknown criterion {unknown}: weights must name columns of the features table "
                        f"(e.g. {list(CRITERIA)[:4]})")
    bad = w[(w < 0) | ~np.isfinite(w)]
    if len(bad):
        raise DataError(f"weights must be finite and >= 0; got {bad.to_dict()}: set them to 0 or above")
    if w.sum() <= 0:
        raise DataError("all weights are zero: give at least one criterion a positive weight")
    non_numeric = [c for c in w.index if not pd.api.types.is_numeric_dtype(features[c])]
    if non_numeric:
        raise DataError(f"criterion {non_numeric} is not numeric: weight numeric columns only")
    return w / w.sum()


def _direction(criteria, higher_is_better) -> dict[str, bool]:
    hib = {c: c not in COST_CRITERIA for c in criteria}
    hib.update({c: bool(v) for c, v in (higher_is_better or {}).items() if c in hib})
    return hib


def _points(x: pd.DataFrame, hib: dict[str, bool], normalize: str | None) -> pd.DataFrame:
    """Criterion values as points (0-10 for minmax and rank), cost-type criteria reversed."""
    v = x.to_numpy(dtype=float)
    if np.isnan(v).any():
        raise DataError(f"missing values in criteria {list(x.columns[np.isnan(v).any(axis=0)])}: fill them first")
    lo, hi = v.min(axis=0), v.max(axis=0)
    if normalize == "minmax":
        span = hi - lo
        pts = np.where(span > 0, 10 * (v - lo) / np.where(span > 0, span, 1), 5.0)
    elif normalize == "rank":
        n = len(v)
        ranks = pd.DataFrame(v).rank(method="average").to_numpy()
        pts = 10 * (ranks - 1) / (n - 1) if n > 1 else np.full_like(v, 5.0)
    elif normalize is None:
        pts = v.copy()
    else:
        raise DataError(f"normalize={normalize!r}: use 'minmax', 'rank' or None")
    down = np.array([not hib[c] for c in x.columns])
    if down.any():  # reflect: on 0-10 scales 10 - p; for raw values within the observed range
        pts[:, down] = (10 - pts[:, down]) if normalize else (hi + lo)[down] - v[:, down]
    return pd.DataFrame(pts, index=x.index, columns=x.columns)


def score(features: pd.DataFrame, weights: dict, *, normalize: str | None = "minmax",
          higher_is_better: dict | None = None) -> pd.DataFrame:
    """Weighted score and rank of every account: a transparent scoring model.

    Each weighted criterion is turned into points: ``"minmax"`` maps the observed range to 0-10 (a
    constant column gives everyone 5), ``"rank"`` maps ranks to 0-10 (average ranks for ties), ``None``
    uses the values as given. Cost-type criteria (`COST_CRITERIA`, or those set False in
    `higher_is_better`) are reversed (10 - points; with ``None``, reflected within their observed
    range). Weights are normalised to sum to 1; score = sum of weight x points (weighted-sum model).

    Tie rule: equal scores (to 1e-9) rank by the points on the most heavily weighted criterion (the
    first one named, if several share the top weight), then by account id ascending.

    Returns the input columns plus ``pts_<criterion>`` for each weighted criterion, ``score`` and
    ``rank`` (1 = best), sorted by rank.

    Examples
    --------
    The course's five-account check (criteria already on 0-10):

    >>> f = pd.DataFrame({"profitability": [8, 6, 9, 5, 4], "potential": [6, 9, 4, 7, 5],
    ...                   "size": [9, 5, 7, 8, 6], "order_size": [7, 6, 8, 5, 9],
    ...                   "low_maintenance_cost": [4, 7, 6, 8, 9]}, index=list("ABCDE"))
    >>> w = {"profitability": .35, "potential": .30, "size": .15, "order_size": .10,
    ...      "low_maintenance_cost": .10}
    >>> score(f, w, normalize=None)["score"].round(2).to_dict()
    {'A': 7.05, 'B': 6.85, 'C': 6.8, 'D': 6.35, 'E': 5.6}
    """
    w = _check_weights(features, weights)
    pts = _points(features[list(w.index)], _direction(w.index, higher_is_better), normalize)
    total = pts.to_numpy() @ w.to_numpy()
    top = w.idxmax()
    id_order = np.empty(len(features), dtype=np.int64)
    id_order[np.asarray(features.index.astype(str).argsort())] = np.arange(len(features))
    order = np.lexsort((id_order, -pts[top].to_numpy(), -np.round(total, 9)))
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(1, len(order) + 1)
    out = pd.concat([features, pts.add_prefix("pts_")], axis=1)
    out["score"] = total
    out["rank"] = rank
    return out.iloc[order]


# ------------------------------------------------------------------------------------------- compare

@dataclass(frozen=True)
class RankingComparison:
    """Two key-account lists from two weightings: who enters, who leaves, who stays."""

    list_a: list
    list_b: list
    entering: list
    leaving: list
    staying: list
    table: pd.DataFrame

    def _repr_html_(self) -> str:
        e = lambda xs: html.escape(", ".join(map(str, xs))) or "none"  # noqa: E731
        return (f"<b>Key-account list: {len(self.list_a)} accounts.</b> "
                f"<br>Entering: {e(self.entering)}<br>Leaving: {e(self.leaving)}"
                f"<br>Staying: {len(self.staying)}" + fmt.report_table(self.table, max_rows=30).to_html())


def compare_rankings(features: pd.DataFrame, weights_a: dict, weights_b: dict, *, top_n: int = 15,
                     normalize: str | None = "minmax") -> RankingComparison:
    """Who enters and who leaves the top-`top_n` list when the weighting moves from a to b.

    The course's central move: from revenue-only (`REVENUE_ONLY`) to profit and potential
    (`PROFIT_AND_POTENTIAL`). The table has rank_a, rank_b, move (rank_a - rank_b, positive = up) and
    status (entering, leaving, staying, out) for every account, sorted by rank_b.

    Examples
    --------
    >>> f = pd.DataFrame({"revenue": [9, 8, 2, 1], "net_margin": [-1, 5, 6, 0]}, index=list("WXYZ"))
    >>> c = compare_rankings(f, {"revenue": 1}, {"net_margin": 1}, top_n=2)
    >>> c.entering, c.leaving, c.staying
    (['Y'], ['W'], ['X'])
    """
    if top_n < 1:
        raise DataError(f"top_n={top_n}: it must be at least 1")
    ra = score(features, weights_a, normalize=normalize)["rank"]
    rb = score(features, weights_b, normalize=normalize)["rank"]
    t = pd.DataFrame({"rank_a": ra, "rank_b": rb.reindex(ra.index)})
    if "name" in features.columns:
        t.insert(0, "name", features["name"].reindex(t.index))
    t["move"] = t["rank_a"] - t["rank_b"]
    ina, inb = t["rank_a"] <= top_n, t["rank_b"] <= top_n
    t["status"] = np.select([ina & inb, inb, ina], ["staying", "entering", "leaving"], "out")
    t = t.sort_values(["rank_b"])
    la = list(t.sort_values("rank_a").index[: top_n])
    lb = list(t.index[: top_n])
    return RankingComparison(list_a=la, list_b=lb,
                             entering=[i for i in lb if i not in la],
                             leaving=[i for i in la if i not in lb],
                             staying=[i for i in lb if i in la], table=t)


# --------------------------------------------------------------------------------------- sensitivity

def critical_weight_changes(scored: pd.DataFrame, weights: dict, a, b) -> pd.DataFrame:
    """For each criterion, the smallest change of its weight that makes account b tie with account a.

    Weighted-sum model, one weight changed at a time, the others unchanged (renormalising afterwards
    does not change the order): delta_k = (P_a - P_b) / (p_bk - p_ak), with P the scores and p the
    points from `score` (Triantaphyllou & Sanchez 1997). Any change a little beyond delta makes b
    overtake a. ``relative`` = delta / weight; ``feasible`` is False when no change works (equal
    points) or the new weight would be negative. Weights are taken normalised to sum to 1.

    Examples
    --------
    >>> f = pd.DataFrame({"x": [8.0, 6.0], "y": [4.0, 6.0]}, index=["a", "b"])
    >>> s = score(f, {"x": .6, "y": .4}, normalize=None)
    >>> critical_weight_changes(s, {"x": .6, "y": .4}, "a", "b")["delta"].round(4).to_dict()
    {'x': -0.2, 'y': 0.2}
    """
    w = pd.Series(dict(weights), dtype=float)
    w = w / w.sum()
    for acc in (a, b):
        if acc not in scored.index:
            raise DataError(f"account {acc!r} is not in the scored table: pick one of its index values")
    missing = [c for c in w.index if f"pts_{c}" not in scored.columns]
    if missing:
        raise DataError(f"the scored table has no points for {missing}: score it with these weights first")
    pa = np.array([scored.at[a, f"pts_{c}"] for c in w.index], float)
    pb = np.array([scored.at[b, f"pts_{c}"] for c in w.index], float)
    gap = float(w.to_numpy() @ pa - w.to_numpy() @ pb)
    diff = pb - pa
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.where(diff != 0, gap / diff, np.nan)
        relative = delta / w.to_numpy()
    feasible = ~np.isnan(delta) & (w.to_numpy() + np.nan_to_num(delta, nan=0) >= 0)
    out = pd.DataFrame({"weight": w.to_numpy(), "delta": delta, "new_weight": w.to_numpy() + delta,
                        "relative": relative, "feasible": feasible}, index=w.index)
    out.index.name = "criterion"
    return out


def rank_stability(features: pd.DataFrame, weights: dict, *, top_n: int = 15, n_samples: int = 2000,
                   concentration: float = 50.0, seed: int = 0, normalize: str | None = "minmax",
                   higher_is_better: dict | None = None) -> pd.DataFrame:
    """How sure is each account of its place in the top `top_n` if the weights were a little different?

    Monte Carlo over weights drawn from a Dirichlet centred on the given ones (alpha = concentration x
    weights; higher concentration = smaller perturbations; zero weights stay zero), all samples scored
    in one matrix product. Ties within a sample follow the base ranking. Returns, per account in base
    rank order: base_rank, p_top (share of samples in the top_n), mean_rank, rank_p05 and rank_p95.
    Deterministic for a given seed.

    Examples
    --------
    >>> f = pd.DataFrame({"x": [9.0, 8.0, 1.0], "y": [1.0, 2.0, 9.0]}, index=list("PQR"))
    >>> rank_stability(f, {"x": .55, "y": .45}, top_n=1, n_samples=500)["p_top"].round(2).to_dict()
    {'P': 0.79, 'Q': 0.0, 'R': 0.21}
    """
    if n_samples < 1 or concentration <= 0:
        raise DataError("n_samples must be >= 1 and concentration > 0")
    base = score(features, weights, normalize=normalize, higher_is_better=higher_is_better)
    w = _check_weights(features, weights)
    w = w[w > 0]
    pts = base[[f"pts_{c}" for c in w.index]].to_numpy()  # accounts in base-rank order
    samples = np.random.default_rng(seed).dirichlet(concentration * w.to_numpy(), size=n_samples)
    scores = samples @ pts.T  # n_samples x n_accounts, one product for all samples
    order = np.argsort(-scores, axis=1, kind="stable")  # stable: ties keep the base order
    ranks = np.empty_like(order)
    rows = np.arange(n_samples)[:, None]
    ranks[rows, order] = np.arange(1, scores.shape[1] + 1)
    out = pd.DataFrame({"base_rank": base["rank"].to_numpy(), "p_top": (ranks <= top_n).mean(axis=0),
                        "mean_rank": ranks.mean(axis=0),
                        "rank_p05": np.percentile(ranks, 5, axis=0),
                        "rank_p95": np.percentile(ranks, 95, axis=0)}, index=base.index)
    if "name" in features.columns:
        out.insert(0, "name", features["name"].reindex(out.index))
    return out


# ----------------------------------------------------------------------------------------------- AHP

@dataclass(frozen=True)
class AHPResult:
    """Weights from a pairwise comparison matrix, with Saaty's consistency check."""

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float
    consistent: bool

    def _repr_html_(self) -> str:
        flag = ("consistent enough (CR <= 0.10)" if self.consistent
                else "<b style='color:#c62828'>inconsistent (CR > 0.10): revisit the comparisons</b>")
        weights = fmt.report_table(self.weights.rename_axis("criterion").to_frame("weight")).to_html()
        return weights + (f"<p>lambda_max {fmt.number(self.lambda_max, digits=3)}, CI {fmt.number(self.ci, digits=3)}, "
                          f"CR {fmt.number(self.cr, digits=3)}: {flag}</p>")


def ahp_weights(pairwise, *, labels=None, threshold: float = 0.10) -> AHPResult:
    """Criterion weights from a reciprocal pairwise comparison matrix (Saaty 1980).

    Weights are the principal right eigenvector, normalised to sum to 1. CI = (lambda_max - n)/(n - 1),
    CR = CI / RI(n) with Saaty's random index (`random_index`: Saaty's table to n = 15, then Alonso &
    Lamata 2006); CR above `threshold` (0.10) is flagged
    (``consistent=False``). For n <= 2 the matrix is always consistent (CR = 0). Entry (i, j) says how
    many times criterion i matters more than j on Saaty's 1-9 scale; (j, i) must be its reciprocal.

    Examples
    --------
    >>> r = ahp_weights([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]], labels=["profit", "potential", "size"])
    >>> r.weights.round(3).to_dict(), round(r.lambda_max, 3), round(r.cr, 3), r.consistent
    ({'profit': 0.637, 'potential': 0.258, 'size': 0.105}, 3.039, 0.033, True)
    """
    if isinstance(pairwise, pd.DataFrame):
        labels = list(pairwise.index) if labels is None else labels
        pairwise = pairwise.to_numpy()
    a = np.asarray(pairwise, dtype=float)
    n = a.shape[0] if a.ndim == 2 else 0
    if a.ndim != 2 or a.shape[1] != n or n == 0:
        raise DataError(f"pairwise must be a square n x n matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise DataError("pairwise entries must be positive numbers (Saaty's 1-9 scale and reciprocals)")
    if not np.allclose(a * a.T, 1.0, rtol=1e-3):
        i, j = np.argwhere(~np.isclose(a * a.T, 1.0, rtol=1e-3))[0]
        raise DataError(f"pairwise is not reciprocal: entry ({i},{j}) = {a[i, j]:g} but ({j},{i}) = "
                        f"{a[j, i]:g}; set it to {1 / a[i, j]:g}")
    labels = list(range(n)) if labels is None else list(labels)
    if len(labels) != n:
        raise DataError(f"{len(labels)} labels for a {n} x {n} matrix: give one label per row")
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    lam = float(vals[k].real)
    v = np.abs(vecs[:, k].real)
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ri = random_index(n)
    cr = ci / ri if ri > 0 else 0.0
    return AHPResult(weights=pd.Series(v / v.sum(), index=labels, name="weight"), lambda_max=lam,
                     ci=ci, cr=cr, consistent=bool(cr <= threshold))


# ---------------------------------------------------------------------------------------- portfolios

#: Account attractiveness: how much the account is worth having (McDonald, Millman & Rogers 1997).
ATTRACTIVENESS = {"potential": 0.3, "revenue": 0.2, "growth": 0.2, "gross_margin_pct": 0.2,
                  "market_leader": 0.1}
#: The supplier's relative strength in the account.
STRENGTH = {"share_of_wallet": 0.4, "relationship_stage": 0.3, "product_breadth": 0.2,
            "days_beyond_terms": 0.1}
_POSTURE = {(True, True): ("strategic", "invest"), (True, False): ("star", "build"),
            (False, True): ("status", "maintain"), (False, False): ("streamline", "minimise")}
_DPM = ("withdraw", "manage for cash", "maintain", "invest selectively", "invest for growth")


def _axis(scored: pd.DataFrame, spec) -> pd.Series:
    if isinstance(spec, str):
        if spec not in scored.columns:
            raise DataError(f"column {spec!r} is not in the table: name a column or give weights")
        return scored[spec].astype(float)
    return score(scored, spec, normalize="rank")["score"].reindex(scored.index)


def portfolio_matrix(scored: pd.DataFrame, *, attractiveness=ATTRACTIVENESS, strength=STRENGTH,
                     split: float | str = 5.0) -> pd.DataFrame:
    """Place accounts on account attractiveness vs the supplier's relative strength.

    `attractiveness` and `strength` are each a column name (used as is) or a dict of criterion weights
    (scored 0-10 with `score`, rank-normalised so that one whale does not squash everyone else).
    Quadrants follow McDonald, Millman & Rogers (1997): strategic
    (high/high, invest), star (attractive, weak position: build), status (strong position in a less
    attractive account: maintain), streamline (low/low: minimise). `split` is the boundary on both
    axes (5 on the 0-10 scale, or "median"). The Millman & Wilson directional policy splits each axis
    into thirds of its 0-10 range and reads the band sum (0..4) as withdraw, manage for cash,
    maintain, invest selectively, invest for growth (our operationalisation of their grid).

    Examples
    --------
    >>> f = pd.DataFrame({"a": [9.0, 8.0, 2.0, 1.0], "s": [9.0, 1.0, 8.0, 2.0]}, index=list("PQRS"))
    >>> portfolio_matrix(f, attractiveness="a", strength="s")["posture"].to_dict()
    {'P': 'invest', 'Q': 'build', 'R': 'maintain', 'S': 'minimise'}
    """
    att, stg = _axis(scored, attractiveness), _axis(scored, strength)
    if split == "median":
        sa, ss = att.median(), stg.median()
    else:
        sa = ss = float(split)
    hi_a, hi_s = att >= sa, stg >= ss
    quad = [_POSTURE[(x, y)] for x, y in zip(hi_a, hi_s)]
    band = lambda v: np.clip(np.floor(np.asarray(v) / (10 / 3)), 0, 2).astype(int)  # noqa: E731
    out = pd.DataFrame({"attractiveness": att, "strength": stg,
                        "quadrant": [q for q, _ in quad], "posture": [p for _, p in quad],
                        "directional_policy": [_DPM[i] for i in band(att) + band(stg)]}, index=scored.index)
    if "name" in scored.columns:
        out.insert(0, "name", scored["name"])
    return out
