"""The course's texts: objectives, methods, the two-day agenda, the units, the cases, the role-play briefs
and the ethics unit. Templates only: every figure is a ``{{name}}`` placeholder for a figure of
`kamlab.course.figures.registry`, filled in at render time. A test holds that no digit appears in these
texts outside placeholders, clock times, durations, unit and exercise numbers, laws and citation years.

Texts are light HTML (``<b>``, ``<i>``); lists are Python lists.
"""
from __future__ import annotations

__all__ = ["OBJECTIVES", "METHODS", "AGENDA", "UNITS", "CASES", "ROLEPLAY", "ETHICS", "RUNNING"]

#: The course outline's objectives: id -> text.
OBJECTIVES = {
    "O1": "Select key accounts with a scoring model weighted toward profitability and potential, not revenue.",
    "O2": "Conduct a rigorous Account Profitability Analysis: price waterfall, cost to serve, net margin, "
          "whale curve, profit leaks.",
    "O3": "Allocate scarce service and engineering resources by a risk-adjusted profitability score.",
    "O4": "Negotiate higher prices and better payment terms, and defend price with the economic value to the "
          "customer.",
    "O5": "Grow profitably: share of wallet where the margin is, and joint business plans that pay both sides.",
    "O6": "Track each key account's gross margin contribution.",
    "O7": "Rationalize the portfolio: reprice, re-tier or exit, knowing what stays behind; control with rules.",
    "O8": "Weigh the ethics of rationalization and resource allocation, and communicate an exit or re-tiering.",
}

#: The course outline's methods: name -> where it lives.
METHODS = {
    "Group workshop on the key account selection matrix": "Unit 01 page, weight panel and workshop board",
    "Case study: customer rationalization": "Case A (rationalization.html), exercise ex04, Unit 06 page",
    "Case study: successful pricing defence": "Case B (pricing_defence.html), exercise ex05, Unit 04 page",
    "Individual exercise: a rigorous APA on a sample data set": "Exercise ex02, Unit 02 page",
    "Role-play: higher price and better payment terms with a large customer":
        "Printed briefs (seller, buyer, observer, debrief) and the Unit 04 simulator",
    "Discussions on the ethics of rationalization and resource allocation":
        "Unit 08 page (projected), ethics unit (ethics.html), the ethics handout, Unit 06 discussion",
}

#: The two-day agenda: (day, start, end, session, method, where, objectives).
AGENDA = [
    (1, "09:00", "09:30", "Welcome: the case company and the workbench", "plenary", "Unit 00", ["O1"]),
    (1, "09:30", "11:00", "Who are our key accounts? The selection matrix", "group workshop", "Unit 01", ["O1"]),
    (1, "11:00", "11:15", "Break", "", "", []),
    (1, "11:15", "12:30", "From revenue to account profit: the APA", "presentation with the app", "Unit 02",
     ["O2"]),
    (1, "12:30", "13:30", "Lunch", "", "", []),
    (1, "13:30", "15:00", "A rigorous APA from the raw tables", "individual exercise", "Exercise ex02", ["O2"]),
    (1, "15:00", "15:15", "Break", "", "", []),
    (1, "15:15", "16:15", "Pricing cost to serve honestly; allocating scarce people", "presentation with the app",
     "Unit 03", ["O3"]),
    (1, "16:15", "17:00", "Case A: rationalization", "case study in groups", "Case A, Unit 06", ["O7"]),
    (2, "09:00", "09:15", "Day one in three numbers", "plenary", "Handouts 01-03", ["O1", "O2"]),
    (2, "09:15", "10:30", "Negotiating for margin: breakeven, terms, value", "presentation with the app",
     "Unit 04", ["O4"]),
    (2, "10:30", "10:45", "Break", "", "", []),
    (2, "10:45", "11:45", "Case B: pricing defence", "case study in groups, exercise ex05", "Case B, ex05", ["O4"]),
    (2, "11:45", "12:45", "Role-play: a large customer wants a cut and longer terms", "role-play in threes",
     "Briefs, Unit 04 simulator", ["O4"]),
    (2, "12:45", "13:45", "Lunch", "", "", []),
    (2, "13:45", "14:45", "Growth: share of wallet, JBP, gross margin contribution", "presentation and exercise",
     "Unit 05, exercise ex06", ["O5", "O6"]),
    (2, "14:45", "15:30", "Rationalization and control", "presentation with the app", "Unit 06, exercise ex04",
     ["O7"]),
    (2, "15:30", "15:45", "Break", "", "", []),
    (2, "15:45", "16:30", "The ethics of rationalization and allocation", "structured discussion",
     "Unit 08, ethics unit", ["O8"]),
    (2, "16:30", "17:00", "One account, one page: the plan", "individual, then pairs", "Unit 07", ["O6", "O5"]),
]

#: The units: what the trainer does with each (goal, the app, questions with model answers, mistakes) and
#: what its one-page handout carries (concept, formula, the case figure).
UNITS = [
    {
        "id": "01", "title": "The key account selection matrix", "notebook": "01_selection_matrix_workshop",
        "goal": "Participants agree on criteria and weights for choosing key accounts, and see that a list "
                "chosen by revenue is not the list chosen by profit and potential.",
        "concept": "A scoring model: criteria scored on a common scale, weighted, summed; the portfolio matrix "
                   "of account attractiveness against our strength in the account.",
        "formula": "score = sum over criteria of weight x points (weights sum to one; points by min-max "
                   "or rank)",
        "figure": "Moving from revenue-only weights to profit-and-potential weights changes "
                  "{{selection.n_entering}} of the top {{selection.top_n}} accounts.",
        "show": [
            ("Scenario <i>baseline</i>; the revenue-only vs profit and potential comparison",
             "The accounts entering the list ({{selection.entering}}) and leaving it ({{selection.leaving}})."),
            ("The weight panel: put all weight on revenue, then move some to potential",
             "The list changes at the edges, not at the top; the edge is where the argument is."),
            ("Rank stability", "Accounts on the list by the grace of a decimal."),
            ("The workshop board", "Where the groups' lists agree and where they disagree."),
        ],
        "questions": [
            ("Why not simply take the biggest customers by revenue?",
             "Revenue says nothing about what an account costs to serve or what it earns after discounts; "
             "the APA shows that some of the biggest lose money. Potential and profit predict the value a "
             "key account manager's time can create."),
            ("Two groups disagree about one account. How do you settle it?",
             "Separate a disagreement about weights (values) from one about the data (facts); check the "
             "critical weight change that would swap it, and its rank stability."),
        ],
        "mistakes": [
            "Weights that sum to more than one, or scores on different scales added together.",
            "Treating the score as precise: accounts near the cut-off are a judgement, not a result.",
            "Choosing criteria that cannot be measured today (a salesperson's guess dressed as data).",
        ],
    },
    {
        "id": "02", "title": "Account Profitability Analysis", "notebook": "02_account_profitability_analysis",
        "goal": "Participants build an account P&L from list price to net margin and read the whale curve.",
        "concept": "The price waterfall (Marn & Rosiello, 1992) from list to pocket price; cost to serve by "
                   "time-driven ABC; the whale curve of cumulative profit (Kaplan & Cooper, 1998).",
        "formula": "net margin = list revenue - on-invoice discount - off-invoice rebates - freight - terms "
                   "cost - cost of goods - cost to serve",
        "figure": "The most profitable fifth of the accounts earns {{apa.top_fifth}} of the company's net "
                  "margin; the curve peaks at {{apa.peak}}. {{apa.worst_name}}, the account ranked "
                  "{{apa.worst_revenue_rank}} by revenue, loses {{apa.worst_net_margin}}.",
        "show": [
            ("Scenario <i>baseline</i>; the account P&L",
             "Revenue rank against profit rank: {{apa.worst_name}} ({{apa.worst}}) ranks "
             "{{apa.worst_revenue_rank}} by revenue and last by net margin ({{apa.worst_net_margin}})."),
            ("The waterfall of the largest account",
             "Pocket revenue is {{company.pocket_of_list}} of list revenue across the company: each leak is "
             "small, together they are large."),
            ("The whale curve",
             "Peak {{apa.peak}}; {{apa.n_loss}} accounts lose money, giving back {{apa.loss_pct}} of the total."),
            ("Header: switch the scenario to <i>procurement demands 5% off</i>",
             "Company net margin changes by {{scenario.procurement}}: a small discount on big accounts."),
            ("The APA panel: double the dedicated-team rate",
             "More accounts turn loss-making; cost to serve is a decision, not a law of nature."),
        ],
        "questions": [
            ("Why does the whale curve rise above one hundred percent?",
             "Because some accounts lose money: the profitable ones earn more than the company's total, and the "
             "loss makers give back the difference ({{apa.loss_pct}} of the total here)."),
            ("The worst account's largest leaks are the {{apa.leak1}}, the {{apa.leak2}} and the {{apa.leak3}}. "
             "Which can the account manager change?",
             "Discounts and rebates are negotiated; service such as a dedicated team is given by our own "
             "organisation and can be priced or redesigned; freight and terms are policy. All three are levers "
             "before any exit."),
        ],
        "mistakes": [
            "Stopping at the invoice price: off-invoice rebates, freight and terms are invisible on the invoice.",
            "Spreading cost to serve by revenue instead of by the activities an account uses.",
            "Reading a loss as a reason to exit (unit 06: stranded costs stay).",
        ],
    },
    {
        "id": "03", "title": "Cost to serve and resource allocation",
        "notebook": "03_cost_to_serve_and_resource_allocation",
        "goal": "Participants cost activities from capacity and allocate scarce people by risk-adjusted "
                "profitability.",
        "concept": "Time-driven ABC (Kaplan & Anderson, 2004): cost per minute of practical capacity times the "
                   "minutes an activity takes; unused capacity is a cost of the company, not of a customer.",
        "formula": "rate = cost of capacity / practical capacity x minutes per driver unit",
        "figure": "In the latest year the {{tdabc.busiest}} department uses {{tdabc.busiest_use}} of its "
                  "practical capacity; {{tdabc.idlest}} uses {{tdabc.idlest_use}}.",
        "show": [
            ("Scenario <i>baseline</i>; the TDABC example and the case's rates",
             "The rate is a price of time; where use exceeds capacity ({{tdabc.busiest}}: "
             "{{tdabc.busiest_use}}), the rates understate the true cost."),
            ("Header: scenario <i>rush orders double</i>",
             "Company net margin changes by {{scenario.rush}}: rush handling is a variable cost someone asked for."),
            ("The allocation panels: engineering hours, greedy against optimal",
             "Allocating by score gives the hours to the accounts that repay them."),
        ],
        "questions": [
            ("A department works at well under capacity. Should its idle time be charged to customers?",
             "No: charging idle time inflates every account's cost and hides a capacity decision. Report it "
             "as the cost of unused capacity and decide on the capacity."),
        ],
        "mistakes": [
            "Treating capacity as free because it is already paid for.",
            "Allocating engineers to the loudest account rather than the best risk-adjusted return.",
        ],
    },
    {
        "id": "04", "title": "Negotiating for margin and defending price", "notebook": "04_negotiation_scenarios",
        "goal": "Participants price every concession, defend price with the economic value to the customer, and "
                "trade rather than give.",
        "concept": "Breakeven volume of a price cut (Nagle & Holden, 2002); the cost of payment terms; economic "
                   "value = reference value + positive - negative differentiation value (Nagle & Holden, "
                   "2002; Forbis & Mehta, 1981).",
        "formula": "breakeven volume = cut / (contribution margin - cut); terms cost = revenue x extra days / "
                   "365 x cost of capital",
        "figure": "{{pricing.name}} asks for {{pricing.cut}} off: at its contribution margin of {{pricing.cm}} "
                  "it would have to buy {{pricing.breakeven}} more. Our offer is worth {{pricing.evc}} a "
                  "year to it against the competitor's {{pricing.reference}}.",
        "show": [
            ("Scenario <i>baseline</i>; the price defence panel; pick {{pricing.account}}",
             "Its contribution margin is {{pricing.cm}}: a {{pricing.cut}} cut needs {{pricing.breakeven}} more "
             "volume."),
            ("The economic value section at the end of the page",
             "Reference {{pricing.reference}} plus differentiation {{pricing.differentiation}}: economic value "
             "{{pricing.evc}} against today's {{pricing.revenue}} (gap {{pricing.gap}})."),
            ("The terms panel", "{{pricing.extra_days}} more days cost {{pricing.terms_cost}} a year."),
            ("The simulator", "Gives without gets lose margin; the scorecard shows it."),
        ],
        "questions": [
            ("The buyer says the competitor is cheaper. What is your answer?",
             "Compare value, not price: the competitor's quote is the reference value; our engineering, "
             "support, rush deliveries and quality add {{pricing.differentiation}} of differentiation value "
             "(net of the competitor's longer terms). Show it in the customer's money."),
            ("When is a price cut for volume worth it?",
             "When the customer can really buy the breakeven volume more ({{pricing.breakeven}} here), from its "
             "own demand or its wallet; otherwise trade the cut for a commitment, or give none."),
        ],
        "mistakes": [
            "Computing the breakeven with the gross margin instead of the contribution margin.",
            "Treating longer payment terms as free.",
            "Counting differentiation value the customer does not recognise or cannot measure.",
        ],
    },
    {
        "id": "05", "title": "Growth, joint business plans and gross margin contribution",
        "notebook": "05_growth_share_of_wallet_jbp",
        "goal": "Participants look for growth where the margin is and build a plan that pays both sides.",
        "concept": "Share of wallet and headroom valued at the account's own margins; a joint business plan of "
                   "mutual value (Ryals & McDonald, 2008); gross margin contribution as the key account "
                   "manager's yardstick.",
        "formula": "headroom value = (wallet - our sales) x own margin; NPV = - one-off + yearly net x annuity",
        "figure": "{{growth.name}}: headroom worth {{growth.headroom_value}} of margin, most in "
                  "{{growth.top_line}}; the plan is worth {{growth.supplier_npv}} to us and "
                  "{{growth.customer_npv}} to the customer.",
        "show": [
            ("Scenario <i>baseline</i>; share of wallet; pick {{growth.account}}",
             "In {{growth.top_line}} we hold {{growth.top_line_share}} of the wallet: headroom worth "
             "{{growth.top_line_value}} at its own margin."),
            ("The JBP panel",
             "Vendor-managed inventory is worth {{growth.vmi_supplier_npv}} to us: a concession dressed as "
             "partnership unless reworked."),
            ("Exercise ex06, the KPI set",
             "Pocket margin {{growth.kpi.pocket_margin}} ({{growth.kpi.pocket_margin_pct}} of sales), "
             "{{growth.kpi.share_of_company_margin}} of the company's margin, growth "
             "{{growth.kpi.margin_growth}}."),
        ],
        "questions": [
            ("Why value headroom at the account's own margin rather than the company average?",
             "Because what we would earn there is what we earn with this customer: its discounts and service "
             "travel with the new volume."),
            ("Which KPI should a key account manager's bonus follow?",
             "Gross margin contribution (pocket margin, and after cost to serve), not revenue: revenue bought "
             "with discounts shows up as falling margin."),
        ],
        "mistakes": [
            "Counting the whole wallet as winnable.",
            "A JBP in which only one side gains.",
            "Tracking revenue growth while margin falls.",
        ],
    },
    {
        "id": "06", "title": "Rationalization and control", "notebook": "06_rationalization_and_control",
        "goal": "Participants compare exit with repricing and re-serving, knowing which costs stay behind.",
        "concept": "Stranded fixed costs: a fully allocated loss is not what exiting saves. Rules known in "
                   "advance and a dashboard keep control.",
        "formula": "true exit effect = - (pocket revenue - cost of goods - variable and avoidable cost to serve)",
        "figure": "Exiting {{rat.name}} raises profit by {{rat.exit_change}}, not the {{rat.naive_change}} the "
                  "fully allocated view promises; {{rat.stranded}} of fixed cost stays behind.",
        "show": [
            ("Scenario <i>baseline</i>; exit the worst account",
             "The naive view promises {{rat.naive_change}}; company profit moves by {{rat.exit_change}}."),
            ("The exit traps", "{{rat.n_traps}} accounts lose money on paper yet cost more to lose than to keep."),
            ("The rationalization panel: reprice by {{rat.price_change}} with {{rat.volume_change}} volume",
             "Repricing changes profit by {{rat.reprice_change}}."),
            ("The discussion", "Leads into the ethics unit."),
        ],
        "questions": [
            ("Why does exiting an account raise profit by less than its loss?",
             "Part of its cost is fixed and stays ({{rat.stranded}} here); it lands on the other accounts."),
        ],
        "mistakes": [
            "Reading the fully allocated P&L as the effect of an exit.",
            "Comparing exit with doing nothing instead of with repricing or re-serving.",
        ],
    },
    {
        "id": "07", "title": "The one-page key account plan", "notebook": "07_account_plan",
        "goal": "Participants bring one account's analysis together on one page they can defend.",
        "concept": "P&L, waterfall, matrices, service tier, leaks, headroom and actions for one account.",
        "formula": "the plan's numbers are the units' numbers for one account",
        "figure": "Start with {{apa.worst_name}} (net margin {{apa.worst_net_margin}}) or {{apa.best_name}} "
                  "({{apa.best_net_margin}}).",
        "show": [
            ("Pick {{apa.worst}} in the plan panel", "Every unit's finding for one account on one page."),
        ],
        "questions": [
            ("Which lever would you pull first for this account, and what would you ask in return?",
             "The largest leak the account manager controls, traded for something of value to us."),
        ],
        "mistakes": ["A plan of activities without a margin target."],
    },
]

#: The two case studies: story, data the participants get, questions, trainer debrief.
CASES = {
    "rationalization": {
        "title": "Case A: the account that loses money",
        "story": [
            "It is budget time at {{company.name}}. The CFO has the new account P&L on the screen: "
            "{{rat.name}} ({{rat.account}}) lost {{rat.net_margin}} after cost to serve. \"Drop it,\" she says. "
            "\"That is {{rat.naive_change}} straight to the bottom line.\"",
            "The key account manager has looked after the account for years. Its engineers call ours weekly; "
            "its purchasing head has just asked for a meeting. The sales director wants a recommendation by "
            "Friday: exit, reprice, or serve the account differently.",
        ],
        "table": {"caption": "The accounts with the lowest net margin, their cost to serve by what happens to "
                             "it when the account goes, and the change in company profit if it went",
                  "rows": "rat.t{i}", "columns": [("account", "name"), ("invoice revenue", "invoice_revenue"),
                                                   ("variable cost to serve", "variable"),
                                                   ("fixed, avoidable", "fixed_avoidable"),
                                                   ("fixed, stranded", "fixed_stranded"),
                                                   ("net margin", "net_margin")]},
        "data": ["The account P&L and account economics (cost to serve by behaviour: variable, "
                 "fixed-avoidable, fixed-stranded) on the Unit 06 page, or `kl.rationalization.account_economics`.",
                 "The rationalization panel on the Unit 06 page to simulate exit, repricing, cost cuts and a "
                 "channel move."],
        "questions": [
            "What does the fully allocated view promise if the account goes, and what does company profit "
            "really do?",
            "Which costs stay behind, and who carries them?",
            "Compare exit with a price rise of {{rat.price_change}} that loses {{rat.volume_change}} volume.",
            "What would you recommend, and how would you tell the customer?",
        ],
        "debrief": [
            "The naive view promises {{rat.naive_change}}; the true change in company profit is "
            "{{rat.exit_change}}. The gap, {{rat.stranded}}, is fixed cost that stays and lands on the other "
            "accounts.",
            "Repricing by {{rat.price_change}} with {{rat.volume_change}} volume changes profit by "
            "{{rat.reprice_change}}: {{rat.verdict}}. Compare the other levers too (re-tiering the service, a "
            "cheaper channel) before deciding.",
            "{{rat.n_loss}} accounts lose money on paper; {{rat.n_traps}} of them are exit traps (losing them "
            "would lower profit).",
            "Good answers compare options, name the stranded cost, and plan the conversation (see the ethics "
            "unit on communicating an exit or re-tiering).",
        ],
    },
    "pricing_defence": {
        "title": "Case B: the price cut that was not given",
        "story": [
            "{{pricing.name}} is the account that contributes most to {{company.name}}. In {{pricing.year}} it "
            "bought {{pricing.revenue}}. Its new procurement director writes: a competitor offers the same "
            "basket {{pricing.competitor_discount}} cheaper with {{pricing.competitor_days}} longer terms. "
            "\"Match it: {{pricing.cut}} off everything and {{pricing.extra_days}} more days to pay, or we move.\"",
            "The key account manager knows what the competitor does not offer: our application engineers, "
            "our support desk, rush deliveries when the customer's line is down, and parts that fail less.",
        ],
        "data": ["The account's year: invoice revenue {{pricing.revenue}}, variable cost (rebates, freight, "
                 "cost of goods) {{pricing.variable_cost}}, cost to serve {{pricing.cost_to_serve}}.",
                 "What the customer's own people and money cost: an engineering hour "
                 "{{pricing.engineer_hour_value}}, a support ticket {{pricing.ticket_value}}, a rush order's "
                 "avoided downtime {{pricing.rush_value}}, quality savings {{pricing.quality_saving}} of its "
                 "purchases, its cost of capital {{pricing.customer_coc}}.",
                 "What we did for it in {{pricing.year}}: {{pricing.qty.engineering}} hours of application "
                 "engineering, {{pricing.qty.support}} support tickets, {{pricing.qty.rush}} rush orders "
                 "(the activities table); exercise ex05 walks through the computation."],
        "questions": [
            "What would the cut cost a year, and what volume would pay for it?",
            "What do the extra payment days cost us?",
            "What is our offer worth to the customer against the competitor's?",
            "Write the defence: what to give, what to get, and your walk-away.",
        ],
        "debrief": [
            "Contribution margin {{pricing.cm}}: the {{pricing.cut}} cut costs {{pricing.cut_cost}} a year "
            "and needs {{pricing.breakeven}} more volume to pay for itself.",
            "The {{pricing.extra_days}} extra days cost {{pricing.terms_cost}} a year at our cost of capital of "
            "{{pricing.coc}}.",
            "Economic value: the competitor's price {{pricing.reference}} + engineering "
            "{{pricing.driver.engineering}} + support {{pricing.driver.support}} + rush deliveries "
            "{{pricing.driver.rush}} + quality {{pricing.driver.quality}} - its longer terms "
            "{{pricing.driver.competitor_terms}} = {{pricing.evc}}, against today's {{pricing.revenue}} "
            "(gap {{pricing.gap}}). The economic value is {{pricing.verdict}}.",
            "A successful defence shows the customer the value in its own money, gives at most what the value "
            "gap leaves, and trades any concession (volume, contract length, shorter terms) rather than giving "
            "it. The seller's walk-away is {{roleplay.floor}} of today's prices.",
        ],
    },
}

#: The role-play: briefs per role, the observer's checklist and the debrief sheet.
ROLEPLAY = {
    "seller": {
        "title": "Seller's brief (confidential)",
        "body": [
            "You are the key account manager of {{company.name}} for {{pricing.name}}. Last year it bought "
            "{{pricing.revenue}} from you on {{roleplay.days_today}} payment terms.",
            "Your costs on that business: goods, rebates and freight {{pricing.variable_cost}}; cost to serve "
            "{{pricing.cost_to_serve}}, of which {{pricing.avoidable_cts}} would go if the account went.",
            "Every {{pricing.extra_days}} of extra payment terms costs you {{pricing.terms_cost}} a year.",
            "<b>Your walk-away:</b> below {{roleplay.floor}} of today's prices ({{roleplay.floor_money}} a "
            "year) at the longer terms, keeping the account earns less than losing it. Do not go below it.",
            "Your aim: keep today's prices, trade anything you give for volume, contract length or shorter "
            "terms, and show the customer what your engineering, support, rush deliveries and quality are "
            "worth to it.",
        ],
    },
    "buyer": {
        "title": "Buyer's brief (confidential)",
        "body": [
            "You are the procurement director of {{pricing.name}}. Last year you bought {{pricing.revenue}} "
            "from {{company.name}}.",
            "<b>Your alternative:</b> a competitor offers the same basket {{pricing.competitor_discount}} "
            "cheaper ({{pricing.reference}}) with {{pricing.competitor_days}} longer terms.",
            "Your engineers tell you what the incumbent's service is worth to you: engineering support "
            "{{pricing.driver.engineering}}, support desk {{pricing.driver.support}}, rush deliveries "
            "{{pricing.driver.rush}}, fewer failures {{pricing.driver.quality}} a year.",
            "<b>Your budget:</b> you may pay at most {{roleplay.ceiling}} of today's prices "
            "({{roleplay.ceiling_money}} a year); above it, switching is cheaper for you.",
            "Open with {{pricing.cut}} off and {{pricing.extra_days}} more days to pay. Your bonus follows "
            "price savings; your plant manager wants the engineers kept.",
        ],
    },
    "observer": {
        "title": "Observer's checklist",
        "items": [
            "Who anchored first, and where?",
            "Did the seller ask about the buyer's needs before answering on price?",
            "Was each concession traded for something (volume, years, terms), or given away?",
            "Did the seller put a price on the payment terms?",
            "Did the seller show value in the customer's money (engineering, support, rush, quality)?",
            "Did anyone reveal a walk-away or budget? Was it credible?",
            "How did the relationship feel at the end (trust up, flat, down)?",
            "The final deal: price level, payment terms, what else was exchanged.",
        ],
    },
    "debrief": {
        "title": "Debrief sheet",
        "body": [
            "The zone of possible agreement was real: from the seller's walk-away {{roleplay.floor}} to the "
            "buyer's budget {{roleplay.ceiling}} of today's prices, worth {{roleplay.zopa_money}} a year between "
            "them. The buyer opened at {{roleplay.opening}}.",
            "Where in the zone did each pair land? Which side got the value, and with which arguments?",
            "A deal near the buyer's budget needed the value argument ({{pricing.evc}} against the competitor's "
            "{{pricing.reference}}); a deal near the seller's walk-away gave the value away.",
            "Longer terms: each {{pricing.extra_days}} cost the seller {{pricing.terms_cost}} a year; did it "
            "get anything for them?",
            "Compare with the simulator in Unit 04: the same give-get logic, one buyer profile at a time.",
        ],
    },
}

#: The ethics unit: scenarios with prompts and guidance, and how to communicate an exit or re-tiering.
ETHICS = {
    "title": "The ethics of rationalization and resource allocation",
    "intro": "Profitability analysis tells you what an account earns; it does not tell you what you owe it. "
             "Each scenario is a real account of the case. Groups take one scenario each, ten minutes, then "
             "report: the decision, who is affected, and how they would communicate it. Project unit 08 of "
             "the app: it shows the same accounts and their numbers, live with the data in its header.",
    "scenarios": [
        {"title": "A long-standing small customer",
         "situation": "{{ethics.loyal_name}} has bought from us for {{ethics.loyal_years}} years. It buys "
                      "{{ethics.loyal_revenue}} and loses us {{ethics.loyal_net_margin}} after cost to serve. "
                      "Exiting it would change company profit by {{ethics.loyal_exit_effect}}.",
         "prompts": ["Does loyalty earn a customer anything the numbers do not show?",
                     "Is there a way to serve it that pays (a distributor, a web shop, a lower tier)?"],
         "guidance": "Re-tiering before exit: a cheaper channel keeps the relationship and removes the loss; "
                     "an exit that lowers profit is not even good business."},
        {"title": "A customer in difficulty",
         "situation": "{{ethics.distressed_name}} pays on average {{ethics.distressed_days}} after the due "
                      "date and has {{ethics.distressed_unpaid}} unpaid.",
         "prompts": ["Shorten its terms, insist on prepayment, or help it through?",
                     "What do we owe a customer whose difficulty is temporary, and how would we know?"],
         "guidance": "Separate risk management (credit limits, security) from punishment; a payment plan "
                     "agreed openly protects both sides and the relationship."},
        {"title": "Dependence: a buyer that depends on us, and one that depends on a competitor",
         "situation": "{{ethics.dependent_name}} buys {{ethics.dependent_share}} of its needs in our lines from "
                      "us and earns us {{ethics.dependent_net_margin}}; it has no qualified second source. "
                      "{{ethics.courted_name}} spends {{ethics.courted_wallet}} a year in our lines and gives us "
                      "only {{ethics.courted_share}}: it depends on a competitor and asks us for quotes and "
                      "engineering samples.",
         "prompts": ["Would you raise the first buyer's prices because it cannot leave?",
                     "Should scarce engineering hours go to the second buyer, which may only use our quotes "
                     "to discipline its main supplier?",
                     "What notice would you give the first before a change, and what help to find an "
                     "alternative?"],
         "guidance": "Dependence is power, and power used against a customer is remembered by the whole "
                     "market; a dominant supplier's conduct toward dependent buyers is also a legal matter "
                     "(below). Allocate scarce people by risk-adjusted return and be open about it: tell the "
                     "courted buyer what it takes to earn engineering support (a trial order, a share "
                     "commitment) rather than serving it quietly less."},
        {"title": "Differential pricing and its limits",
         "situation": "{{ethics.rival_a_name}} and {{ethics.rival_b_name}} compete in "
                      "{{ethics.rivals_industry}}. One keeps {{ethics.rival_a_pocket}} of list as pocket "
                      "revenue from us, the other {{ethics.rival_b_pocket}}.",
         "prompts": ["Is the gap explained by cost to serve and volume, or by negotiation alone?",
                     "Could it harm competition between the two customers?"],
         "guidance": "In the US the Robinson-Patman Act (1936) forbids price discrimination between "
                     "competing buyers of like goods where it may harm competition, unless justified by "
                     "cost differences or meeting a competitor's price in good faith. In the EU, Article 102 "
                     "of the Treaty on the Functioning of the European Union forbids a dominant firm to apply "
                     "dissimilar conditions to equivalent transactions that put trading partners at a "
                     "competitive disadvantage. Document the cost-to-serve reasons for a price difference; "
                     "consult counsel before differentiating prices between competing customers."},
    ],
    "communication": [
        "Decide first, then tell the customer early and in person, before rumours do.",
        "Explain the reason in its terms: the service it needs costs more than the business pays.",
        "Offer an alternative: a lower service tier, a distributor or web channel, or a price that pays.",
        "Give notice long enough to find another source, and help with the transition (drawings, stock, "
        "qualification of a successor).",
        "Honour open orders, warranties and spare parts commitments.",
        "Tell your own people (service, engineering, the key account manager) what changes and why.",
        "For a re-tiering: name what stays, what changes and from when; review the decision after a fixed time.",
    ],
}

#: How to run the room: the workshop board, the role-play pairs, the debriefs.
RUNNING = [
    ("The workshop board (Unit 01)",
     "Groups of four to six, one laptop each on the Unit 01 page. Each group agrees weights (twenty "
     "minutes), saves its list to the board under its name, and defends one account it added and one it "
     "dropped. Open the trainer view of the board on the projector: discuss the accounts on every list "
     "and those on only one."),
    ("The role-play (Day 2)",
     "Threes: a seller, a buyer, an observer. Hand out the three briefs (each reads only their own, ten "
     "minutes). Negotiate for twenty minutes. The observer fills in the checklist. Rotate once if time "
     "allows. Collect the final price level and terms of each group on a flip chart before the debrief. "
     "Participants who want to practise first can play the same buyer alone in the Unit 04 simulator: "
     "kl.widgets.roleplay_panel(wb.workbench, profile=kl.course.roleplay_profile(ds)), prices as an index "
     "where today's prices are a hundred."),
    ("The debriefs",
     "Cases: groups present their recommendation in three minutes; the trainer reveals the debrief numbers "
     "and asks which group's reasoning reached them. Role-play: plot each group's price level between the "
     "seller's walk-away and the buyer's budget on the debrief sheet; ask the best and the worst deal "
     "what they traded."),
    ("The exercises",
     "Exercise ex02 is individual (ninety minutes); ex05 and ex06 suit pairs. Generate the participants' "
     "notebooks with kamlab assign, grade with kamlab grade and a hidden seed, and mark the written answers "
     "from written.html against the mark scheme."),
]
