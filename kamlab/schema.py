"""The data model: every table of a kamlab Dataset, its columns, types and allowed values.

This is the single home of the schema. `kamlab.data` validates against it, `kamlab.synth` generates it,
and `datasets/README.md` documents it (a test holds the two in step).
"""
from __future__ import annotations

from dataclasses import dataclass

LIFECYCLE_STAGES = {
    1: "got what they need",
    2: "supply what they need",
    3: "source and support",
    4: "relationships grow",
    5: "do we still like you",
    6: "relationship maintenance",
}
RELATIONSHIP_STAGES = ("exploratory", "basic", "cooperative", "interdependent", "integrated")
SERVICE_TIERS = ("platinum", "gold", "silver", "bronze")
COST_BEHAVIOURS = ("variable", "fixed_avoidable", "fixed_stranded")


@dataclass(frozen=True)
class Column:
    """One column: name, kind (str, int, float, bool, date), unit, meaning, and constraints."""

    name: str
    kind: str
    unit: str
    meaning: str
    allowed: tuple | None = None
    min: float | None = None
    max: float | None = None
    nullable: bool = False
    unique: bool = False
    references: str | None = None  # "table.column"


def _c(*args, **kwargs) -> Column:
    return Column(*args, **kwargs)


TABLES: dict[str, tuple[Column, ...]] = {
    "accounts": (
        _c("account_id", "str", "-", "account identifier", unique=True),
        _c("name", "str", "-", "account (customer) name"),
        _c("industry", "str", "-", "the customer's industry"),
        _c("region", "str", "-", "sales region"),
        _c("segment", "str", "-", "customer segment (size band)"),
        _c("customer_since", "date", "date", "first order or contract date"),
        _c("lifecycle_stage", "int", "1-6", "key-account life-cycle stage",
           allowed=tuple(LIFECYCLE_STAGES)),
        _c("relationship_stage", "str", "-", "relationship development stage",
           allowed=RELATIONSHIP_STAGES),
        _c("market_leader", "bool", "-", "the customer leads its own market"),
        _c("key_market", "bool", "-", "the customer is in a market the supplier targets"),
        _c("global_presence", "bool", "-", "the customer buys in several countries"),
        _c("payment_terms_days", "int", "days", "contracted payment terms", min=0, max=365),
        _c("churn_risk", "float", "fraction", "probability of losing the account within a year",
           min=0, max=1),
        _c("service_tier", "str", "-", "today's service tier", allowed=SERVICE_TIERS),
    ),
    "products": (
        _c("product_id", "str", "-", "product identifier", unique=True),
        _c("name", "str", "-", "product name"),
        _c("product_line", "str", "-", "product line"),
        _c("list_price", "float", "money/unit", "current list price", min=0),
        _c("unit_cost", "float", "money/unit", "standard cost of goods sold per unit", min=0),
    ),
    "order_lines": (
        _c("line_id", "int", "-", "order-line identifier", unique=True),
        _c("order_id", "str", "-", "order (invoice) identifier"),
        _c("invoice_date", "date", "date", "invoice date"),
        _c("account_id", "str", "-", "buying account", references="accounts.account_id"),
        _c("product_id", "str", "-", "product sold", references="products.product_id"),
        _c("quantity", "float", "units", "units invoiced; negative for a return (credit line)"),
        _c("list_price", "float", "money/unit", "list price at the time of the order", min=0),
        _c("invoice_price", "float", "money/unit", "price on the invoice after on-invoice discounts",
           min=0),
        _c("off_invoice", "float", "money/line", "rebates and allowances paid off the invoice for this line",
           min=0),
        _c("freight_cost", "float", "money/line", "freight paid by the supplier for this line", min=0),
        _c("rush", "bool", "-", "rush (expedited) order"),
        _c("custom", "bool", "-", "customised product or packaging"),
    ),
    "activities": (
        _c("date", "date", "date", "when the activity happened"),
        _c("account_id", "str", "-", "account served", references="accounts.account_id"),
        _c("activity", "str", "-", "cost-to-serve activity", references="activity_rates.activity"),
        _c("driver_qty", "float", "driver units", "quantity of the activity's cost driver", min=0),
    ),
    "activity_rates": (
        _c("activity", "str", "-", "cost-to-serve activity", unique=True),
        _c("driver_unit", "str", "-", "unit of the cost driver (visit, hour, ticket, ...)"),
        _c("rate", "float", "money/driver unit", "cost per driver unit", min=0),
        _c("cost_behaviour", "str", "-", "what happens to the cost when the account goes",
           allowed=COST_BEHAVIOURS),
    ),
    "payments": (
        _c("order_id", "str", "-", "order paid", references="order_lines.order_id"),
        _c("account_id", "str", "-", "paying account", references="accounts.account_id"),
        _c("amount", "float", "money", "amount invoiced for the order"),
        _c("due_date", "date", "date", "due date under the contracted terms"),
        _c("paid_date", "date", "date", "date paid; empty when unpaid", nullable=True),
    ),
    "wallets": (
        _c("account_id", "str", "-", "account", references="accounts.account_id"),
        _c("product_line", "str", "-", "product line"),
        _c("estimated_spend", "float", "money/year",
           "the customer's whole yearly buying in this line, from all suppliers", min=0),
    ),
}

TABLE_NAMES = tuple(TABLES)


def columns(table: str) -> tuple[str, ...]:
    """The column names of `table`, in schema order.

    Examples
    --------
    >>> columns("products")
    ('product_id', 'name', 'product_line', 'list_price', 'unit_cost')
    """
    return tuple(c.name for c in TABLES[table])
