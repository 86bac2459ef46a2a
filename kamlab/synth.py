"""The seeded case-company generator: a European industrial supplier and its key accounts.

`generate` builds a complete `kamlab.data.Dataset` (all seven tables of `kamlab.schema`) that looks like a
real B2B supplier: revenue concentrated in a fifth of the accounts, a whale-shaped profit curve (large
accounts that lose money through deep discounts, rebates, rush orders, customisation, dedicated teams and
slow payment; mid-size "diamonds in the rough" that are very profitable), all six key-account life-cycle
stages, varied share of wallet, and a few accounts whose cost-to-serve rises while their margin falls.

Everything is vectorised numpy (no Python loop per account or line), so 10,000 accounts and 10 million
order lines generate in seconds. The same seed always gives the same data, to the byte once saved.

Returns are credit lines: a negative quantity at the original invoice price, no rebate, no rush or custom
flag, the return freight paid by the supplier. An order whose net amount is negative is a credit note
(its payment row has a negative amount).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

try:  # pandas' default string dtype lives in pyarrow; building ids there is ten times faster
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover
    pa = pc = None

from kamlab import format as fmt
from kamlab import schema
from kamlab.data import DataError, Dataset

__all__ = ["DEFAULT_SEED", "COMPANY", "PRODUCT_LINES", "DEPARTMENTS", "UTILISATION", "ACTIVITIES",
           "FIXED_OVERHEAD_SHARE", "activity_rates", "capacity_supplied", "generate", "tdabc_table",
           "data_dictionary"]

DEFAULT_SEED = 2026
COMPANY = "Brandt & Kessler Industrial Components GmbH"

# product line -> (gross margin at list: low, high), (list price range in EUR), product names
PRODUCT_LINES: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[str, ...]]] = {
    "Fasteners": ((0.15, 0.20), (15, 90), (
        "Hex bolt M8x40 (box of 200)", "Hex nut M8 (box of 500)", "Socket cap screw M6 (box of 200)",
        "Threaded rod M12, 1 m (pack of 10)", "Washer DIN 125 M10 (box of 1000)",
        "Anchor bolt M16 (box of 50)", "Self-tapping screw 4.2 (box of 1000)",
        "Blind rivet 4.8 (box of 500)")),
    "Bearings": ((0.28, 0.35), (25, 900), (
        "Deep groove ball bearing 6205", "Tapered roller bearing 32210", "Pillow block unit UCP208",
        "Spherical roller bearing 22216", "V-belt SPA 1250", "Roller chain 12B-1 (5 m)",
        "Timing pulley HTD 8M", "Linear guide rail 1 m")),
    "Fluid Power": ((0.35, 0.42), (40, 2500), (
        "Hydraulic hose assembly 1/2in", "Gear pump 16 cc", "Directional valve NG6",
        "Pneumatic cylinder 50x200", "Air filter regulator G1/2", "Quick coupling ISO-A 1/2in",
        "Pressure relief valve 250 bar", "Hydraulic power pack 4 kW")),
    "Sealing": ((0.45, 0.52), (10, 600), (
        "O-ring kit NBR (assorted)", "Radial shaft seal 40x62x8", "Mechanical seal 35 mm",
        "PTFE gasket sheet 1.5 mm", "Hydraulic rod seal kit 50 mm", "Spiral wound gasket DN100",
        "Moulded FKM seal (drawing part)", "EPDM flange gasket set")),
    "Sensors & Controls": ((0.52, 0.60), (60, 1800), (
        "Inductive proximity sensor M18", "Photoelectric sensor 10 m", "Pressure transmitter 0-250 bar",
        "Temperature probe PT100", "Rotary encoder 1024 ppr", "Safety light curtain 600 mm",
        "IO-Link master 8-port", "Condition monitoring kit")),
}

# Time-driven ABC (Kaplan & Anderson, 2004): department -> (cost of one FTE per year in EUR, practical
# capacity of one FTE in minutes per year, about 80% of the paid hours). The cost per minute, and so every
# activity rate, follows from these two; how many FTE a department has (its capacity supplied) is sized
# by `generate` from the work the accounts ask for, at the utilisation of `UTILISATION`.
DEPARTMENTS: dict[str, tuple[float, float]] = {
    "Customer service": (115_200.0, 96_000.0),          # 1,600 h x 60 min -> 1.20 EUR/min
    "Field sales": (210_000.0, 105_000.0),              # 1,750 h x 60 min -> 2.00 EUR/min
    "Technical support": (126_000.0, 90_000.0),         # 1,500 h x 60 min -> 1.40 EUR/min
    "Application engineering": (144_000.0, 90_000.0),   # 1,500 h x 60 min -> 1.60 EUR/min
    "Key-account teams": (100_800.0, 100_800.0),        # 1,680 h x 60 min -> 1.00 EUR/min
}
#: Share of the practical capacity the busiest year of the history uses, per department: the head count
#: is rounded up to half an FTE from there, so used time stays at or below practical capacity every year
#: and the rest is unused capacity (Kaplan & Anderson 2004: used + unused = supplied).
UTILISATION = {"Customer service": 0.85, "Field sales": 0.80, "Technical support": 0.75,
               "Application engineering": 0.80, "Key-account teams": 0.95}

# activity -> (driver unit, cost behaviour, department, minutes per driver unit)
ACTIVITIES: dict[str, tuple[str, str, str, float]] = {
    "order_processing": ("order", "variable", "Customer service", 30),
    "sales_visit": ("visit", "fixed_avoidable", "Field sales", 240),
    "travel": ("trip", "variable", "Field sales", 300),
    "support_ticket": ("ticket", "fixed_stranded", "Technical support", 45),
    "engineering_hours": ("hour", "fixed_stranded", "Application engineering", 60),
    "customization": ("custom order", "variable", "Application engineering", 240),
    "rush_handling": ("rush order", "variable", "Customer service", 120),
    "return_handling": ("return", "variable", "Customer service", 90),
    # the people of a dedicated team stay on the payroll when their account goes: stranded, not avoidable
    "dedicated_team": ("FTE-month", "fixed_stranded", "Key-account teams", 8_400),
}

#: Share of each product line's standard unit cost that is absorbed fixed overhead (plant, machines,
#: indirect labour spread over the units made): it stays when an account's volume goes. The rest of
#: unit_cost is variable (material, direct labour, energy). Written to ``meta["cogs_fixed_share"]``.
FIXED_OVERHEAD_SHARE: dict[str, float] = {
    "Fasteners": 0.10, "Bearings": 0.20, "Fluid Power": 0.25, "Sealing": 0.30, "Sensors & Controls": 0.35,
}

_INDUSTRIES = {
    "Automotive": ("Automotive", "Drivetrain", "Fahrzeugtechnik"),
    "Machinery": ("Maschinenbau", "Machine Works", "Engineering"),
    "Food & Beverage": ("Foods", "Brewing", "Dairy Systems"),
    "Chemicals": ("Chemie", "Process Chemicals", "Polymers"),
    "Energy": ("Energy", "Wind Systems", "Power"),
    "Aerospace": ("Aero Structures", "Aviation", "Aerospace"),
    "Construction": ("Bau", "Construction", "Building Systems"),
    "Electronics": ("Electronics", "Elektrotechnik", "Devices"),
    "Medical Devices": ("Medical", "Medtech", "Surgical Systems"),
    "Agricultural Equipment": ("Agrartechnik", "Farm Machinery", "Agri Systems"),
}
_STEMS = (
    "Adler", "Albrecht", "Alpen", "Arnhem", "Baltic", "Bauer", "Bergmann", "Bodensee", "Brenner", "Castell",
    "Danube", "Delft", "Eckhardt", "Elbe", "Falk", "Fischer", "Gerlach", "Hansa", "Hartmann", "Helvetia",
    "Holm", "Iberia", "Jansen", "Kessel", "Krause", "Lambert", "Lindqvist", "Lombardi", "Lorraine", "Main",
    "Marchetti", "Meridian", "Moreau", "Neckar", "Nordic", "Novak", "Odin", "Oster", "Pavlov", "Rhein",
    "Ricci", "Rosen", "Saxon", "Schmid", "Silesia", "Sorensen", "Steiner", "Tauber", "Thames", "Union",
    "Valdes", "Vanderberg", "Vogel", "Weser", "Westfal", "Wolff", "Zeeland", "Zimmer", "Aurora", "Vesta",
)
# region -> (weight, legal form)
_REGIONS = {
    "DACH": (0.30, "GmbH"), "Benelux": (0.12, "B.V."), "France": (0.12, "SAS"), "Nordics": (0.10, "AB"),
    "UK & Ireland": (0.10, "Ltd"), "Italy": (0.10, "S.p.A."), "Iberia": (0.08, "S.L."),
    "Central Europe": (0.08, "Sp. z o.o."),
}
_SEGMENTS = ("strategic", "large", "mid", "small")
# what the case data holds in the free-text columns (for the data dictionary)
_CASE_VALUES = {
    ("accounts", "industry"): tuple(_INDUSTRIES),
    ("accounts", "region"): tuple(_REGIONS),
    ("accounts", "segment"): _SEGMENTS,
    ("products", "product_line"): tuple(PRODUCT_LINES),
    ("wallets", "product_line"): tuple(PRODUCT_LINES),
    ("activity_rates", "activity"): tuple(ACTIVITIES),
    ("activity_rates", "driver_unit"): tuple(dict.fromkeys(v[0] for v in ACTIVITIES.values())),
}
_TIERS = schema.SERVICE_TIERS
_PER_LINE = 8  # products per product line

# archetypes (hidden; they shape the numbers, they are not in the data)
_NORMAL, _WHALE, _DIAMOND, _DRIFT, _DEMANDING = range(5)


def activity_rates() -> pd.DataFrame:
    """The activity_rates table, derived the time-driven ABC way (Kaplan & Anderson, 2004).

    rate = (cost of capacity / practical capacity) x minutes per driver unit, per department
    (`DEPARTMENTS`) and activity (`ACTIVITIES`), rounded to cents.

    Examples
    --------
    >>> r = activity_rates().set_index("activity")
    >>> float(r.loc["order_processing", "rate"]), r.loc["sales_visit", "driver_unit"]
    (36.0, 'visit')
    """
    rows = []
    for act, (unit, behaviour, dept, minutes) in ACTIVITIES.items():
        cost, capacity = DEPARTMENTS[dept]
        rows.append((act, unit, round(cost / capacity * minutes, 2), behaviour))
    out = pd.DataFrame(rows, columns=list(schema.columns("activity_rates")))
    return out.astype({"activity": "str", "driver_unit": "str", "cost_behaviour": "str"})


def capacity_supplied(activities: pd.DataFrame) -> dict:
    """The capacity each department supplies, sized from the work in `activities` (``meta["tdabc"]``).

    Head count per department = the busiest calendar year's minutes / (`UTILISATION` x the practical
    minutes of one FTE), rounded up to half an FTE; so every year's used time is at most the practical
    capacity (Kaplan & Anderson, 2004). Returns ``{"departments": {name: {"fte", "cost_per_fte",
    "minutes_per_fte"}}, "activities": {name: {"department", "minutes"}}}``, what
    `kamlab.apa.capacity_report` reads.

    Examples
    --------
    >>> acts = pd.DataFrame({"date": pd.to_datetime(["2025-03-31"]), "account_id": ["A1"],
    ...                      "activity": ["dedicated_team"], "driver_qty": [12.0]})
    >>> capacity_supplied(acts)["departments"]["Key-account teams"]["fte"]
    1.5
    """
    minutes = activities["activity"].map({a: v[3] for a, v in ACTIVITIES.items()}).astype("float64")
    dept = activities["activity"].map({a: v[2] for a, v in ACTIVITIES.items()})
    used = (activities["driver_qty"] * minutes).groupby([dept, activities["date"].dt.year]).sum()
    peak = used.groupby(level=0).max() if len(used) else pd.Series(dtype="float64")
    out = {}
    for name, (cost, per_fte) in DEPARTMENTS.items():
        fte = np.ceil(float(peak.get(name, 0.0)) / (UTILISATION[name] * per_fte) * 2) / 2
        out[name] = {"fte": float(max(fte, 0.5)), "cost_per_fte": cost, "minutes_per_fte": per_fte}
    acts = {a: {"department": v[2], "minutes": float(v[3])} for a, v in ACTIVITIES.items()}
    return {"departments": out, "activities": acts}


def tdabc_table() -> str:
    """The derivation of the activity rates as a markdown table (it is in datasets/README.md).

    Time-driven ABC (Kaplan & Anderson, 2004): a department's cost of capacity divided by its practical
    capacity gives a cost per minute (per FTE here: the head count does not change it); times the minutes
    one driver unit takes gives the rate.

    Examples
    --------
    >>> print(tdabc_table().splitlines()[2])
    | order_processing | order | Customer service | 115,200 | 96,000 | 1.20 | 30 | 36.00 | variable |
    """
    head = ("| activity | driver unit | department | cost of one FTE (EUR/year) | practical capacity of one "
            "FTE (min/year) | cost per minute (EUR) | minutes per driver unit | rate (EUR per driver unit) | "
            "cost behaviour |")
    rows = [head, "|" + "---|" * 9]
    for act, (unit, behaviour, dept, minutes) in ACTIVITIES.items():
        cost, capacity = DEPARTMENTS[dept]
        per_min = cost / capacity
        rate = round(per_min * minutes, 2)   # the currency is in the header: cells are bare amounts
        rows.append(f"| {act} | {unit} | {dept} | {fmt.money(cost)} | {fmt.number(capacity)} | "
                    f"{fmt.money(per_min, decimals=2)} | {fmt.number(minutes)} | {fmt.money(rate, decimals=2)} | "
                    f"{behaviour} |")
    return "\n".join(rows) + "\n"


def data_dictionary() -> str:
    """The data dictionary as markdown, one table per table of `kamlab.schema` (in datasets/README.md).

    Examples
    --------
    >>> print(data_dictionary().splitlines()[0])
    ### accounts
    """
    out = []
    for table, cols in schema.TABLES.items():
        out += [f"### {table}", "", "| column | type | unit | meaning | allowed values |",
                "|---|---|---|---|---|"]
        for c in cols:
            out.append(f"| {c.name} | {c.kind} | {c.unit} | {c.meaning} | {_allowed(table, c)} |")
        out.append("")
    return "\n".join(out)


def _allowed(table: str, c: schema.Column) -> str:
    parts = []
    if c.name == "lifecycle_stage":
        parts.append("; ".join(f"{k} = {v}" for k, v in schema.LIFECYCLE_STAGES.items()))
    elif c.allowed is not None:
        parts.append(", ".join(str(v) for v in c.allowed))
    if c.min is not None and c.max is not None:
        parts.append(f"{c.min:g} to {c.max:g}")
    elif c.min is not None:
        parts.append(f">= {c.min:g}")
    if c.kind == "bool":
        parts.append("True, False")
    if c.kind == "date":
        parts.append("YYYY-MM-DD")
    if c.unique:
        parts.append("unique")
    if c.references:
        parts.append(f"must exist in {c.references}")
    parts.append("may be empty" if c.nullable else "required")
    if (table, c.name) in _CASE_VALUES:
        parts.append("in the case: " + ", ".join(_CASE_VALUES[table, c.name]))
    return "; ".join(parts).replace("|", "/")


def generate(n_accounts: int = 60, years: int = 3, seed: int = DEFAULT_SEED, *, start: str = "2023-01-01",
             n_order_lines: int | None = None, n_activities: int | None = None) -> Dataset:
    """Generate the case company: a European industrial supplier and `n_accounts` key accounts.

    Parameters
    ----------
    n_accounts : int
        Number of accounts (ids A001, A002, ... zero-padded to the width of `n_accounts`).
    years : int
        Whole years of history from `start`.
    seed : int
        Seed of `np.random.default_rng`; the same seed gives the same data.
    start : str
        First day of the history (ISO date).
    n_order_lines : int, optional
        Number of order lines; default 180 per account and year (32,400 for the case).
    n_activities : int, optional
        Number of activity rows; default what the accounts' service intensity implies. The activities
        that follow the orders (order processing, rush, customisation, returns) and the dedicated teams
        (FTE-months) are counted per account and month (per quarter or year when the budget is tight);
        visits, trips, tickets and engineering jobs are single events.

    Returns
    -------
    Dataset
        All seven tables of `kamlab.schema`, money rounded to cents, meta with name, currency, seed.

    Examples
    --------
    >>> ds = generate(n_accounts=8, years=1, seed=1)
    >>> len(ds.accounts), ds.accounts.account_id.iloc[0], ds.meta["currency"]
    (8, 'A001', 'EUR')
    """
    if n_accounts < 1 or years < 1:
        raise DataError("generate needs n_accounts >= 1 and years >= 1")
    rng = np.random.default_rng(seed)
    t0 = np.datetime64(pd.Timestamp(start).date(), "D")
    t_end = np.datetime64(pd.Timestamp(start).date() + pd.DateOffset(years=years), "D")
    n_days = int((t_end - t0).astype(int))
    n_lines = int(n_order_lines if n_order_lines is not None else 180 * n_accounts * years)
    if n_lines < 1:
        raise DataError("n_order_lines must be at least 1")

    acc, prof = _accounts(rng, n_accounts, t0, n_days)
    products = _products(rng)
    ids = acc.account_id.array
    lines, orders = _order_lines(rng, prof, products, n_lines, t0, n_days, ids, products.product_id.array)
    activities = _activities(rng, prof, orders, t0, n_days, n_activities, ids)
    payments = _payments(rng, prof, orders, t0, n_days, ids)
    wallets = _wallets(rng, prof, orders, n_days, ids)
    meta = {"name": COMPANY, "currency": "EUR", "seed": seed, "generator": "kamlab.synth",
            "as_of": str(pd.Timestamp(t0) + pd.Timedelta(days=n_days - 1))[:10],
            "cogs_fixed_share": dict(FIXED_OVERHEAD_SHARE), "tdabc": capacity_supplied(activities)}
    return Dataset(accounts=acc, products=products, order_lines=lines, activities=activities,
                   activity_rates=activity_rates(), payments=payments, wallets=wallets, meta=meta)


# --------------------------------------------------------------------------------------------- accounts
def _ids(prefix: str, n: int, width: int):
    """prefix + 1..n zero-padded to `width`, as a pandas string array."""
    if pa is None:  # pragma: no cover - pandas without pyarrow
        return pd.array(np.strings.add(prefix, np.strings.zfill(np.arange(1, n + 1).astype(str), width)),
                        dtype="str")
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), width, padding="0")
    return pd.array(pc.binary_join_element_wise(prefix, digits, ""), dtype="str")


def _take(values, idx) -> pd.Series:
    """values[idx] for a (small) pandas string array and a (large) integer index, as a Series."""
    if pa is None:  # pragma: no cover
        return pd.Series(values).take(idx).reset_index(drop=True)
    return pd.Series(pd.array(pa.array(values).take(pa.array(idx)), dtype="str"), copy=False)


def _dates(t0, days, idx=None) -> pd.Series:
    """t0 + days (optionally days[idx]) as datetime64[ns], the resolution `kamlab.data.load` reads."""
    ns = (np.asarray(days, dtype="int64") + t0.astype("int64")) * 86_400_000_000_000
    return pd.Series((ns if idx is None else ns[idx]).view("datetime64[ns]"), copy=False)


def _pick(rng, pool: np.ndarray, share: float, minimum: int) -> np.ndarray:
    k = min(len(pool), max(minimum, int(round(share * len(pool)))))
    return rng.choice(pool, size=k, replace=False) if k else pool[:0]


def _archetypes(rng, n, rank, frac) -> np.ndarray:
    """Who is a whale, a diamond, drifting or demanding (hidden; by size rank, 0 = largest)."""
    arche = np.full(n, _NORMAL)
    top = rank[frac < 0.25]
    # whales: every other one of the top quarter (a random start), the very largest stays healthy
    pool = top[1:] if len(top) > 2 else top
    whales = pool[int(rng.integers(2)) % len(pool)::2] if len(pool) else pool
    arche[whales] = _WHALE
    mids = rank[(frac >= 0.25) & (frac < 0.65)]
    arche[_pick(rng, mids, 0.35, 1 if n >= 4 else 0)] = _DIAMOND
    rest = rank[(arche == _NORMAL) & (frac >= 0.08) & (frac < 0.65)]   # the strategic accounts do not drift
    arche[_pick(rng, rest, 0.06 * n / max(len(rest), 1), 1 if n >= 6 else 0)] = _DRIFT
    tail = rank[frac >= 0.65]
    arche[_pick(rng, tail, 0.35, 0)] = _DEMANDING
    return arche


def _stages(rng, n, arche, frac) -> np.ndarray:
    """Life-cycle stage 1-6 by archetype; all six present whenever n >= 6."""
    p_stage = np.array([
        [0.12, 0.18, 0.20, 0.18, 0.10, 0.22],   # normal
        [0.00, 0.00, 0.10, 0.35, 0.20, 0.35],   # whale
        [0.10, 0.30, 0.35, 0.20, 0.00, 0.05],   # diamond
        [0.00, 0.00, 0.00, 0.20, 0.60, 0.20],   # drift
        [0.30, 0.30, 0.20, 0.05, 0.10, 0.05],   # demanding
    ])
    cum = np.cumsum(p_stage[arche], axis=1)
    stage = np.minimum(1 + (rng.random(n)[:, None] > cum).sum(axis=1), 6)
    if n >= 6:
        for s in range(1, 7):        # six fixed iterations, not per account
            if not (stage == s).any():
                counts = np.bincount(stage, minlength=7)
                donors = np.flatnonzero((counts[stage] > 1) & (arche != _WHALE) & (frac >= 0.25))
                if len(donors) == 0:
                    donors = np.flatnonzero(counts[stage] > 1)
                stage[rng.choice(donors)] = s
    return stage


def _names(rng, n):
    """Unique B2B names (stem + industry word + the region's legal form), industry and region indices."""
    words = [(i, w) for i, ws in enumerate(_INDUSTRIES.values()) for w in ws]
    n_region = len(_REGIONS)
    n_combo = len(_STEMS) * len(words) * n_region
    reg_w = np.array([v[0] for v in _REGIONS.values()])
    p_combo = np.tile(reg_w, len(_STEMS) * len(words))
    combo = rng.choice(n_combo, size=n, replace=n > n_combo, p=p_combo / p_combo.sum())
    region = combo % n_region
    word = (combo // n_region) % len(words)
    stem = combo // (n_region * len(words))
    legal = np.array([v[1] for v in _REGIONS.values()])
    names = np.strings.add(np.strings.add(np.array(_STEMS)[stem], " "), np.array([w for _, w in words])[word])
    names = np.strings.add(names, np.strings.add(" ", legal[region]))
    if n > n_combo:
        names = np.strings.add(names, np.strings.add(" #", np.arange(1, n + 1).astype(str)))
    return names, np.array([i for i, _ in words])[word], region


def _accounts(rng, n: int, t0, n_days: int):
    """The accounts table and the hidden profile of each account (row-aligned)."""
    # size: deterministic lognormal quantiles (sigma 1.3: the top fifth buys about two thirds) + noise
    from scipy.special import ndtri

    z = ndtri((np.arange(n) + 0.5) / n)[::-1]
    size = np.exp(1.3 * z + rng.normal(0, 0.15, n))
    rank = np.arange(n)                        # 0 = largest (ids are shuffled below)
    frac = (rank + 0.5) / n
    segment = np.searchsorted([0.08, 0.25, 0.60], frac, side="right")
    arche = _archetypes(rng, n, rank, frac)
    stage = _stages(rng, n, arche, frac)

    # relationship stage grows with size; new accounts are exploratory
    rel = np.clip(4 - segment - (rng.random(n) < 0.5) + (stage >= 4) * (rng.random(n) < 0.3), 0, 4)
    rel = np.where(stage == 1, np.minimum(rel, 1), rel)

    # customer since: old for mature stages, inside the history for some new accounts
    years_before = np.where(stage <= 2, rng.uniform(-0.6, 2.5, n), rng.uniform(3, 28, n))
    years_before = np.where(frac < 0.25, np.maximum(years_before, 4), years_before)
    since_days = np.round(-years_before * 365.25).astype("int64")
    offset = np.clip(since_days, 0, int(n_days * 0.6))          # first day with business, in the history
    since_days = np.where(since_days > 0, offset, since_days)

    names, industry, region = _names(rng, n)

    big = frac < 0.25
    terms = np.select([arche == _WHALE, big, segment == 2], [rng.choice([60, 90], n, p=[0.4, 0.6]),
                                                         rng.choice([45, 60], n), rng.choice([30, 45], n)],
                      rng.choice([30, 45], n, p=[0.8, 0.2]))
    churn_base = np.array([0, 0.25, 0.15, 0.10, 0.07, 0.40, 0.08])[stage]
    churn = np.round(np.clip(churn_base * rng.lognormal(0, 0.35, n), 0.01, 0.95), 3)
    tier_score = np.log(size) + rng.normal(0, 0.25, n)
    tier_rank = np.argsort(np.argsort(-tier_score))
    tier = np.searchsorted([0.10, 0.30, 0.60], (tier_rank + 0.5) / n, side="right")

    perm = rng.permutation(n)          # account ids in random order, not by size
    order = np.argsort(perm)
    ids = _ids("A", n, max(3, len(str(n))))

    accounts = pd.DataFrame({
        "account_id": ids,
        "name": pd.array(names[order], dtype="str"),
        "industry": pd.array(np.array(list(_INDUSTRIES))[industry][order], dtype="str"),
        "region": pd.array(np.array(list(_REGIONS))[region][order], dtype="str"),
        "segment": pd.array(np.array(_SEGMENTS)[segment][order], dtype="str"),
        "customer_since": _dates(t0, since_days[order]),
        "lifecycle_stage": stage[order].astype("int64"),
        "relationship_stage": pd.array(np.array(schema.RELATIONSHIP_STAGES)[rel][order], dtype="str"),
        "market_leader": (rng.random(n) < np.where(big, 0.6, 0.15))[order],
        "key_market": (rng.random(n) < 0.6)[order],
        "global_presence": (rng.random(n) < np.where(big, 0.8, 0.2))[order],
        "payment_terms_days": terms[order].astype("int64"),
        "churn_risk": churn[order].astype("float64"),
        "service_tier": pd.array(np.array(_TIERS)[tier][order], dtype="str"),
    })
    prof = _profile(rng, n, size[order], arche[order], segment[order], stage[order], offset[order],
                    terms[order], accounts.global_presence.to_numpy())
    return accounts, prof


def _profile(rng, n, size, arche, segment, stage, offset, terms, global_presence) -> dict:
    """The hidden behaviour of each account (index = position in the accounts table)."""
    w = {a: arche == a for a in range(5)}
    # the middle of the portfolio roughly breaks even: ordinary accounts get a discount their margin
    # barely carries; demanding small accounts ask for a little more on top
    seg_disc = np.array([0.16, 0.135, 0.125, 0.11])[segment]
    disc = np.select([w[_WHALE], w[_DIAMOND], w[_DEMANDING]],
                     [rng.uniform(0.18, 0.26, n), rng.uniform(0.0, 0.04, n), seg_disc + rng.uniform(0.08, 0.12, n)],
                     seg_disc + rng.normal(0, 0.02, n) * np.where(segment == 0, 0.4, 1.0))
    rebate = np.select([w[_WHALE], segment <= 1, w[_DIAMOND]],
                       [rng.uniform(0.04, 0.07, n), rng.uniform(0.01, 0.03, n), 0.0],
                       rng.uniform(0.0, 0.01, n) * (rng.random(n) < 0.4))
    rush = np.select([w[_WHALE], w[_DEMANDING], w[_DIAMOND]],
                     [rng.uniform(0.20, 0.35, n), rng.uniform(0.30, 0.45, n), 0.01],
                     rng.uniform(0.02, 0.06, n))
    custom = np.select([w[_WHALE], w[_DEMANDING], w[_DIAMOND]],
                       [rng.uniform(0.15, 0.25, n), rng.uniform(0.20, 0.30, n), 0.005],
                       rng.uniform(0.005, 0.03, n))
    ret = np.where(w[_WHALE] | w[_DEMANDING], rng.uniform(0.02, 0.04, n), rng.uniform(0.003, 0.012, n))
    # demanding small accounts want many small express drops: freight eats their margin
    freight = np.where(w[_DEMANDING], rng.uniform(0.04, 0.07, n), rng.uniform(0.010, 0.025, n))
    delay = np.where(w[_WHALE], rng.uniform(20, 40, n),
                     np.where(rng.random(n) < 0.15, rng.uniform(5, 15, n), rng.uniform(-3, 3, n)))
    # volume trend (slope of the order density over the history) by life-cycle stage
    trend = np.array([0, 1.2, 0.9, 0.6, 0.4, -0.8, 0.0])[stage] + rng.normal(0, 0.2, n)
    # product-line mix: whales buy commodities, diamonds buy specialties; some lines not at all
    alpha = np.array([[3.0, 2.5, 2.0, 1.2, 1.0], [6.0, 3.0, 2.0, 1.0, 1.0], [0.4, 1.0, 1.5, 3.0, 3.0],
                      [3.0, 2.5, 2.0, 1.2, 1.0], [3.0, 2.5, 1.5, 1.0, 1.0]])[arche]
    # the big accounts' mix varies less (a concentration of 4 x alpha): their margin carries the company's
    mix = rng.gamma(alpha * np.where(segment <= 1, 4.0, 1.0)[:, None])
    dropped = rng.random((n, 5)) < np.where((arche == _WHALE) | (segment <= 1), 0.05, 0.25)[:, None]
    dropped[np.arange(n), mix.argmax(axis=1)] = False
    mix = np.where(dropped, 0.0, mix)
    mix /= mix.sum(axis=1, keepdims=True)
    # service intensity per year: visits, trips, tickets, engineering jobs; dedicated FTE
    rel_size = size / np.median(size)
    arche_mult = np.array([1.0, 2.2, 0.4, 1.3, 1.5])[arche]
    visits = (2 + 6 * rel_size ** 0.6) * np.where(w[_WHALE], 1.5, np.where(w[_DIAMOND], 0.6, 1.0))
    trips = visits * np.where(global_presence, 0.8, 0.4)
    tickets = (10 + 20 * rel_size ** 0.7) * arche_mult
    eng = (2 + 4 * rel_size ** 0.7) * arche_mult
    # dedicated key-account team: whales get about one FTE per 0.8 M EUR of yearly revenue
    fte = np.select([w[_WHALE], (segment == 0) & ~w[_DIAMOND]],
                    [np.clip(np.round(rel_size * 0.5) / 2, 0.5, 4.0), 0.5], 0.0)
    service_trend = np.where(w[_DRIFT], 1.6, 0.0)
    return dict(n=n, size=size, arche=arche, segment=segment, offset=offset, terms=terms, disc=disc,
                rebate=rebate, rush=rush, custom=custom, ret=ret, freight=freight, delay=delay, trend=trend,
                mix=mix, intensity=np.column_stack([visits, trips, tickets, eng]), fte=fte,
                service_trend=service_trend, drift=w[_DRIFT])


# --------------------------------------------------------------------------------------------- products
def _products(rng) -> pd.DataFrame:
    lines, names, price, cost = [], [], [], []
    for line, ((m_lo, m_hi), (p_lo, p_hi), prods) in PRODUCT_LINES.items():   # five product lines
        p = np.exp(rng.uniform(np.log(p_lo), np.log(p_hi), len(prods)))
        p = np.round(np.where(p < 100, np.floor(p) + 0.9, np.round(p, -1) - 0.1), 2)   # price points
        lines += [line] * len(prods)
        names += list(prods)
        price.append(p)
        cost.append(np.round(p * (1 - rng.uniform(m_lo, m_hi, len(prods))), 2))
    n = len(names)
    return pd.DataFrame({
        "product_id": _ids("P", n, 3),
        "name": pd.array(names, dtype="str"),
        "product_line": pd.array(lines, dtype="str"),
        "list_price": np.concatenate(price),
        "unit_cost": np.concatenate(cost),
    })


# ------------------------------------------------------------------------------------------ order lines
def _sample_days(rng, u, slope, offset, n_days, t0):
    """Working days after t0 from uniforms `u`: a linear density with `slope` (-2..2: falling..rising)
    over [offset, n_days), by the inverse of its cumulative distribution. Weekends move to Monday
    (to Friday at the end of the history)."""
    b = np.clip(slope, -1.9, 1.9)
    safe = np.where(np.abs(b) < 1e-6, 1.0, b)
    a = 1 - b / 2
    x = np.where(np.abs(b) < 1e-6, u, (-a + np.sqrt(a * a + 2 * safe * u)) / safe)
    span = n_days - offset
    day = offset + np.minimum(np.floor(x * span), span - 1).astype("int64")
    dow = (day + t0.astype("int64") + 3) % 7            # 1970-01-01 was a Thursday; Monday = 0
    day = day + np.where(dow >= 5, 7 - dow, 0)
    return np.where(day > n_days - 1, day - 3, day)     # past the end: back to Friday


def _orders(rng, prof, n_lines, t0, n_days):
    """Orders: lines per order (1 + Poisson(2), exactly n_lines in all), account, working day (sorted),
    rush flag. An account's share of orders grows with its size; its volume follows its trend."""
    n = prof["n"]
    k = 1 + rng.poisson(2.0, size=int(n_lines / 2.6) + 64)
    while k.sum() < n_lines:
        k = np.concatenate([k, 1 + rng.poisson(2.0, size=len(k))])
    cum = np.cumsum(k)
    n_orders = int(np.searchsorted(cum, n_lines) + 1)
    k = k[:n_orders]
    k[-1] -= int(cum[n_orders - 1] - n_lines)

    active = (n_days - prof["offset"]) / n_days
    p = prof["size"] ** 0.5 * active
    acct_o = np.repeat(np.arange(n, dtype=np.int32), rng.multinomial(n_orders, p / p.sum()))
    day_o = _sample_days(rng, rng.random(n_orders), prof["trend"][acct_o], prof["offset"][acct_o], n_days, t0)
    key = day_o.astype(np.int16 if n_days < 32_000 else np.int32)
    srt = np.argsort(key, kind="stable")            # by date, then account (a radix sort on int16)
    acct_o, day_o = acct_o[srt], day_o[srt]
    t_o = day_o / n_days
    drift_o = prof["drift"][acct_o]
    rush_o = rng.random(n_orders) < prof["rush"][acct_o] * np.where(drift_o, 0.3 + 2.4 * t_o, 1.0)
    return k, acct_o, day_o, rush_o


def _order_lines(rng, prof, products, n_lines, t0, n_days, account_ids, product_ids):
    """The order_lines frame, plus per-order and per-account summaries the other tables need."""
    n = prof["n"]
    k, acct_o, day_o, rush_o = _orders(rng, prof, n_lines, t0, n_days)
    n_orders = len(k)
    t_o = day_o / n_days
    drift_o = prof["drift"][acct_o]
    order = np.repeat(np.arange(n_orders, dtype=np.int32), k)
    acct = acct_o[order]
    # product line from the account's mix (four fixed iterations), product by popularity within the line
    u = rng.random(n_lines)
    cmix = np.cumsum(prof["mix"], axis=1)
    pline = np.zeros(n_lines, dtype=np.int8)
    for j in range(4):
        pline += u > cmix[:, j][acct]
    del u
    pop = 1 / np.arange(1, _PER_LINE + 1) ** 0.8
    within = np.searchsorted(np.cumsum(pop / pop.sum()), rng.random(n_lines) * (1 - 1e-12))
    prod = (pline.astype(np.int32) * _PER_LINE + within).astype(np.int32)
    del within
    list_price = products.list_price.to_numpy()[prod]

    # quantity: line value grows with account size (size^0.5), lognormal spread, whole units;
    # returns are credit lines with a negative quantity
    qmult = prof["size"] ** 0.5 * (2200.0 / np.mean(prof["size"] ** 0.5))
    qty = rng.lognormal(-0.32, 0.8, n_lines)
    qty *= qmult[acct]
    qty /= list_price
    qty = np.maximum(1.0, np.round(qty))
    ret = rng.random(n_lines) < prof["ret"][acct]
    qty = np.where(ret, -np.maximum(1.0, np.round(qty * rng.uniform(0.1, 1.0, n_lines))), qty)

    # on-invoice discount: the account's level, drifting up for the drifting accounts, a little noise
    t = t_o[order]
    drift = drift_o[order]
    disc = rng.normal(0, 0.012, n_lines)
    disc += prof["disc"][acct]
    disc += np.where(drift, 0.10 * (t - 0.5), 0.0)
    invoice_price = np.round(list_price * (1 - np.clip(disc, 0.0, 0.6)), 2)
    del disc
    custom = (rng.random(n_lines) < prof["custom"][acct] * np.where(drift, 0.3 + 2.4 * t, 1.0)) & ~ret
    rush = rush_o[order] & ~ret
    amount = qty * invoice_price
    rebate = prof["rebate"][acct] + np.where(drift, 0.03 * t, 0.0)
    del t, drift
    off_invoice = np.where(ret, 0.0, np.round(amount * rebate, 2))
    del rebate
    freight = np.abs(amount)
    freight *= prof["freight"][acct]
    freight += 12.0
    freight *= np.where(rush, 3.0, 1.0) * rng.lognormal(0, 0.25, n_lines)
    freight = np.round(freight, 2)

    # what the other tables need, before the big arrays go
    n_pl = len(PRODUCT_LINES)
    orders = dict(
        acct=acct_o, day=day_o, n=n_orders,
        amount=np.round(np.bincount(order, weights=amount, minlength=n_orders), 2) + 0.0,
        rush=np.bincount(order, weights=rush, minlength=n_orders) > 0,
        custom=np.bincount(order, weights=custom, minlength=n_orders) > 0,
        ids=_ids("SO-", n_orders, max(5, len(str(n_orders)))),
        ret_acct=acct[ret], ret_day=day_o[order[ret]],
        spend=np.bincount(acct * n_pl + pline, weights=amount, minlength=n * n_pl).reshape(n, n_pl),
    )
    del amount, pline, ret
    frame = pd.DataFrame({
        "line_id": np.arange(1, n_lines + 1, dtype="int64"),
        "order_id": _take(orders["ids"], order),
        "invoice_date": _dates(t0, day_o, order),
        "account_id": _take(account_ids, acct),
        "product_id": _take(product_ids, prod),
        "quantity": qty,
        "list_price": list_price,
        "invoice_price": invoice_price,
        "off_invoice": off_invoice + 0.0,       # no negative zeros in the CSV
        "freight_cost": freight,
        "rush": rush,
        "custom": custom,
    }, copy=False)
    return frame, orders


# ------------------------------------------------------------------------------------------- activities
def _activities(rng, prof, orders, t0, n_days, n_activities, account_ids) -> pd.DataFrame:
    n = prof["n"]
    names = list(ACTIVITIES)
    code = {a: i for i, a in enumerate(names)}
    acct_o, day_o = orders["acct"], orders["day"]
    # dedicated teams: FTE x the months the account is active (month ends on or after its first day)
    month_ends = _period_ends(t0, n_days, "M")
    tm, ta = np.nonzero((month_ends[:, None] >= prof["offset"][None, :]) & (prof["fte"][None, :] > 0))
    team_fte = prof["fte"][ta]
    derived = None
    for freq in ("M", "Q", "Y"):                        # the finest period the row budget allows
        ends = _period_ends(t0, n_days, freq)
        P = len(ends)
        cell_o = acct_o * P + np.searchsorted(ends, day_o)
        counts = [
            ("order_processing", np.bincount(cell_o, minlength=n * P)),
            ("rush_handling", np.bincount(cell_o, weights=orders["rush"], minlength=n * P)),
            ("customization", np.bincount(cell_o, weights=orders["custom"], minlength=n * P)),
            ("return_handling", np.bincount(orders["ret_acct"] * P + np.searchsorted(ends, orders["ret_day"]),
                                            minlength=n * P)),
            ("dedicated_team", np.bincount(ta * P + np.searchsorted(ends, month_ends[tm]), weights=team_fte,
                                           minlength=n * P)),
        ]
        size = sum(int(np.count_nonzero(c)) for _, c in counts)
        if n_activities is None or size <= 0.6 * n_activities or freq == "Y":
            derived = (ends, P, counts)
            break
    ends, P, counts = derived
    parts_day, parts_acct, parts_act, parts_qty = [], [], [], []
    for act, c in counts:                               # five fixed iterations
        idx = np.flatnonzero(c)
        parts_acct.append(idx // P)
        parts_day.append(ends[idx % P])
        parts_act.append(np.full(len(idx), code[act]))
        parts_qty.append(c[idx].astype("float64"))

    # single events: visits, trips, tickets, engineering jobs
    n_fixed = sum(len(a) for a in parts_acct)
    active_years = (n_days - prof["offset"]) / 365.25
    expected = prof["intensity"] * active_years[:, None]
    if n_activities is None:
        n_events = int(round(expected.sum()))
    else:
        n_events = int(n_activities) - n_fixed
        if n_events < 0:
            raise DataError(f"n_activities={n_activities} is too small: the orders alone need {n_fixed} "
                            "activity rows (one per account, activity and year); ask for more")
    if n_events:
        cell = rng.choice(n * 4, size=n_events, p=(expected / expected.sum()).ravel())
        ea, kind = cell // 4, cell % 4
        slope = np.where(kind >= 2, prof["service_trend"][ea], 0.0) + prof["trend"][ea] * 0.5
        eday = _sample_days(rng, rng.random(n_events), slope, prof["offset"][ea], n_days, t0)
        ev_codes = np.array([code["sales_visit"], code["travel"], code["support_ticket"],
                             code["engineering_hours"]])
        hours = np.maximum(0.5, np.round(rng.gamma(2.0, 3.0, n_events) * 2) / 2)
        parts_acct.append(ea)
        parts_day.append(eday)
        parts_act.append(ev_codes[kind])
        parts_qty.append(np.where(kind == 3, hours, 1.0))
    acct = np.concatenate(parts_acct)
    day = np.concatenate(parts_day)
    act = np.concatenate(parts_act)
    qty = np.concatenate(parts_qty)
    srt = np.lexsort((act, acct, day))
    return pd.DataFrame({
        "date": _dates(t0, day[srt]),
        "account_id": _take(account_ids, acct[srt]),
        "activity": _take(pd.array(names, dtype="str"), act[srt]),
        "driver_qty": qty[srt].astype("float64"),
    })


def _period_ends(t0, n_days, freq) -> np.ndarray:
    """Last day (days after t0) of each month, quarter or year in the history."""
    end = pd.Timestamp(t0) + pd.Timedelta(days=n_days - 1)
    alias = {"M": "ME", "Q": "QE", "Y": "YE"}[freq]
    ends = pd.date_range(pd.Timestamp(t0), end, freq=alias)
    days = ((ends - pd.Timestamp(t0)).days).to_numpy().astype("int64")
    if len(days) == 0 or days[-1] < n_days - 1:
        days = np.append(days, n_days - 1)
    return days


# -------------------------------------------------------------------------------------------- payments
def _payments(rng, prof, orders, t0, n_days, account_ids) -> pd.DataFrame:
    n_orders = orders["n"]
    acct, day = orders["acct"], orders["day"]
    due = day + prof["terms"][acct]
    late = np.round(prof["delay"][acct] + rng.normal(0, 4, n_orders)).astype("int64")
    paid = np.maximum(due + late, day + 1)
    as_of = n_days - 1                       # the last day of the history
    paid_dates = _dates(t0, paid).where(paid <= as_of)
    return pd.DataFrame({
        "order_id": orders["ids"],
        "account_id": _take(account_ids, acct),
        "amount": orders["amount"],
        "due_date": _dates(t0, due),
        "paid_date": paid_dates,
    })


# --------------------------------------------------------------------------------------------- wallets
def _wallets(rng, prof, orders, n_days, account_ids) -> pd.DataFrame:
    n, n_pl = prof["n"], len(PRODUCT_LINES)
    active_years = (n_days - prof["offset"]) / 365.25
    ours = np.maximum(orders["spend"], 0) / active_years[:, None]
    arche = prof["arche"]
    loyal = np.zeros(n, dtype=bool)     # about 15% (at least two) buy nearly everything from us
    loyal[rng.permutation(n)[:min(n, max(2, int(round(0.15 * n))))]] = True
    sow = np.select([loyal, arche == _WHALE, arche == _DIAMOND],
                    [rng.uniform(0.80, 0.95, n), rng.uniform(0.45, 0.80, n), rng.uniform(0.10, 0.30, n)],
                    rng.uniform(0.10, 0.40, n))
    sow_line = np.clip(sow[:, None] * rng.lognormal(0, 0.3, (n, n_pl)), 0.03, 0.97)
    est = np.ceil(ours / sow_line / 100) * 100
    total = est.sum(axis=1, keepdims=True)
    room = np.round(total * rng.uniform(0.10, 0.35, (n, n_pl)), -2) * (rng.random((n, n_pl)) >= 0.25) * ~loyal[:, None]
    est = np.where(ours > 0, est, room)
    return pd.DataFrame({
        "account_id": _take(account_ids, np.repeat(np.arange(n), n_pl)),
        "product_line": pd.array(np.tile(np.array(list(PRODUCT_LINES)), n), dtype="str"),
        "estimated_spend": est.ravel().astype("float64") + 0.0,
    })
