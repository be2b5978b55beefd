"""The demo organisation's data: people, places, the catalogue and the words in its history.

Kept apart from ``seed_demo`` so the command reads as the story it tells. The leading underscore
keeps Django from taking this module for a management command.
"""

from assets.choices import CategoryKind, LocationKind

DEPARTMENTS = [
    # name, cost centre, manager, employees
    ("Engineering", "CC-100", ("Maria", "Garcia"), [
        ("Sam", "Taylor"), ("Noah", "Patel"), ("Chloe", "Nguyen"), ("Ethan", "Brooks"),
        ("Isla", "Murray"), ("Leo", "Fischer"), ("Ava", "Okafor"),
    ]),
    ("Sales", "CC-200", ("James", "Wilson"), [
        ("Olivia", "Hughes"), ("Harry", "Clarke"), ("Amelia", "Evans"), ("Jack", "Turner"),
        ("Mia", "Robinson"),
    ]),
    ("Finance", "CC-300", ("Fatima", "Khan"), [
        ("George", "Wright"), ("Emily", "Walker"), ("Lucas", "Moreau"),
    ]),
    ("People", "CC-400", ("Hannah", "Lewis"), [("Oscar", "Green"), ("Grace", "Hall")]),
    ("Operations", "CC-500", ("Daniel", "Scott"), [
        ("Ruby", "Adams"), ("Arthur", "Baker"), ("Zara", "Ali"), ("Freddie", "Price"),
    ]),
    ("IT", "CC-600", ("Rachel", "Morgan"), []),
]  # fmt: skip
IT_STAFF = [("Priya", "Shah"), ("Tom", "Baker")]
AUDITOR = ("Olivia", "Reed")

SITES = [
    # site, address, [(child, kind, [(room, kind)])]
    ("London HQ", "1 Riverside Walk, London SE1 9XX", [
        ("Building A", LocationKind.BUILDING, [
            "A-101 Open plan", "A-102 Open plan", "A-201 Meeting room Thames",
            "A-202 Meeting room Severn", "A-B01 Server room", "A-G05 IT store",
        ]),
        ("Building B", LocationKind.BUILDING, [
            "B-110 Finance office", "B-204 Training room", "B-G02 Reception",
        ]),
    ]),
    ("Manchester Office", "40 Piccadilly Place, Manchester M1 3XX", [
        ("Floor 3", LocationKind.FLOOR, [
            "3.01 Open plan", "3.05 Meeting room Irwell", "3.12 Comms cupboard",
        ]),
    ]),
    ("Reading Warehouse", "Unit 7, Portman Road, Reading RG30 1XX", [
        ("Stock room", LocationKind.ROOM, []),
        ("Returns cage", LocationKind.ROOM, []),
        ("Disposal bay", LocationKind.ROOM, []),
    ]),
]  # fmt: skip

CATEGORIES = [
    # name, kind, holds data, audit interval (days), expected life (months), weight in the demo
    ("Laptops", CategoryKind.HARDWARE, True, 365, 48, 30),
    ("Desktops", CategoryKind.HARDWARE, True, 365, 60, 5),
    ("Mobile phones", CategoryKind.HARDWARE, True, 365, 36, 14),
    ("Tablets", CategoryKind.HARDWARE, True, 365, 48, 4),
    ("Monitors", CategoryKind.HARDWARE, False, 730, 72, 18),
    ("Servers", CategoryKind.HARDWARE, True, 180, 60, 3),
    ("Disk drives", CategoryKind.HARDWARE, True, 180, 60, 4),
    ("Network equipment", CategoryKind.HARDWARE, False, 365, 84, 3),
    ("Docking stations", CategoryKind.ACCESSORY, False, 730, 60, 10),
    ("Headsets", CategoryKind.ACCESSORY, False, 730, 36, 9),
    # Asked for and ordered in the requests stage only (weight 0: no random asset story).
    ("Software licences", CategoryKind.SOFTWARE, False, 365, 12, 0),
]

MODELS = {
    # category: [(manufacturer, model, model number, typical cost)]
    "Laptops": [
        ("Dell", "Latitude 7450", "LAT7450", 1450),
        ("Lenovo", "ThinkPad T14 Gen 5", "21ML", 1320),
        ("Lenovo", "ThinkPad X1 Carbon Gen 12", "21KC", 1890),
        ("Apple", 'MacBook Pro 14" M3', "MRX33B/A", 2099),
        ("HP", "EliteBook 840 G11", "A37Z3ET", 1380),
    ],
    "Desktops": [("Dell", "OptiPlex 7020 Micro", "OPT7020M", 890)],
    "Mobile phones": [
        ("Apple", "iPhone 15", "MTP03B/A", 799),
        ("Samsung", "Galaxy S24", "SM-S921B", 749),
    ],
    "Tablets": [("Apple", 'iPad Air 11" M2', "MUWD3B/A", 599)],
    "Monitors": [
        ("Dell", "UltraSharp U2724D", "U2724D", 329),
        ("Lenovo", "ThinkVision T27h-30", "63A3GAT1UK", 299),
    ],
    "Servers": [
        ("Dell", "PowerEdge R760", "R760", 9800),
        ("HP", "ProLiant DL380 Gen11", "P52534-B21", 10400),
    ],
    "Disk drives": [
        ("Samsung", "990 PRO 2TB", "MZ-V9P2T0BW", 169),
        ("Seagate", "Exos X20 20TB", "ST20000NM007D", 389),
    ],
    "Network equipment": [("Cisco", "Catalyst 9200L-24P", "C9200L-24P-4G-E", 2150)],
    "Docking stations": [("Dell", "WD19TBS Thunderbolt Dock", "WD19TBS", 229)],
    "Headsets": [
        ("Jabra", "Evolve2 65", "26599-989-989", 189),
        ("Poly", "Voyager Focus 2", "77Y86AA", 219),
    ],
    "Software licences": [("JetBrains", "IntelliJ IDEA Ultimate", "IIU-1Y", 169)],
}
WEBSITES = {
    "Dell": "https://www.dell.com",
    "Lenovo": "https://www.lenovo.com",
    "Apple": "https://www.apple.com",
    "HP": "https://www.hp.com",
    "Samsung": "https://www.samsung.com",
    "Seagate": "https://www.seagate.com",
    "Cisco": "https://www.cisco.com",
    "Jabra": "https://www.jabra.com",
    "Poly": "https://www.hp.com/poly",
    "JetBrains": "https://www.jetbrains.com",
}

# Equipment budgets: each department's spending in the year plus this headroom, rounded up to a
# thousand (the previous year's: its spending plus 5%, so most ended it within budget).
BUDGET_HEADROOM = {
    "Engineering": "15000",
    "Sales": "6000",
    "Finance": "3000",
    "People": "0",  # set just above what it has spent instead: near its limit
    "Operations": "5000",
    "IT": "20000",
}
NEAR_LIMIT_DEPARTMENT = "People"
# What the "fulfilled from stock" request asks for: the first of these with a spare in stock.
STOCK_PREFERENCE = ["Laptops", "Monitors", "Docking stations", "Headsets", "Mobile phones"]
VENDORS = [
    ("Northwind IT Supplies", "orders@northwind-it.example", "+44 20 7946 0101"),
    ("Contoso Hardware", "sales@contoso-hw.example", "+44 161 496 0202"),
    ("Fabrikam Direct", "accounts@fabrikam.example", "+44 118 496 0303"),
    ("Tailspin Mobile", "business@tailspin-mobile.example", "+44 20 7946 0404"),
]

# The final state of each demo asset: every state appears in the first few, then by weight.
STATUS_WEIGHTS = [
    ("deployed", 44),
    ("in_stock", 14),
    ("on_order", 5),
    ("in_maintenance", 6),
    ("missing", 4),
    ("retired", 8),
    ("retired_wiped", 5),
    ("disposed", 14),
]

MAINTENANCE_REASONS = {
    "Laptops": [
        "Battery swelling: sent for replacement under warranty",
        "Keyboard keys failing: repair booked with the vendor",
        "Screen cracked after a fall: repair quote requested",
        "Fan noise and overheating: clean and repaste",
        "Reimage after a malware alert",
    ],
    "Mobile phones": ["Cracked screen: sent for repair", "Will not charge: port replacement"],
    "Tablets": ["Cracked screen: sent for repair"],
    "Monitors": ["Dead pixels along the left edge: warranty claim", "No signal on DisplayPort"],
    "Servers": ["Failed PSU: replacement part ordered", "Firmware and BIOS upgrade window"],
    "Disk drives": ["SMART warnings: surface test before reuse"],
}
DEFAULT_MAINTENANCE = ["Intermittent fault reported: bench test", "Routine service"]
RETIRE_REASONS = [
    "End of life: past its refresh cycle",
    "Broken beyond repair: the repair quote exceeds its value",
    "Replaced in the hardware refresh",
    "Not cost-effective to repair",
]
# The category of each reason above (and of a write-off after a search), for the reports.
RETIRE_CATEGORIES = {
    "End of life: past its refresh cycle": "end_of_life",
    "Broken beyond repair: the repair quote exceeds its value": "broken",
    "Replaced in the hardware refresh": "end_of_life",
    "Not cost-effective to repair": "not_cost_effective",
    "Lost: written off after the search": "lost_or_stolen",
}
CHECK_IN_REASONS = [
    "Leaver: returned on the last day",
    "Returned after the hardware refresh",
    "Returned at the end of the project",
    "Loaner returned",
    "Swapped for a newer model",
]
TRANSFER_REASONS = [
    "Moved team: kept their kit",
    "Handed over to a new starter",
    "Reassigned by the manager",
    "Role change: kit moves with the work",
]
DEPLOY_REASONS = ["New starter", "Hardware refresh", "Replacement for a faulty device", ""]

# --- deployments: checklists, acceptance terms, the loaner pool -------------------------------

CHECKLISTS = {
    # category: [(step, required)], in the order IT does them
    "Laptops": [
        ("Enrol in device management (Intune)", True),
        ("Turn on disk encryption and escrow the recovery key", True),
        ("Install the VPN client and sign in once", True),
        ("Copy files over from the old laptop", False),
    ],
    "Mobile phones": [
        ("Enrol in device management (Intune)", True),
        ("Set a six-digit passcode", True),
        ("Install the authenticator app", False),
    ],
}

LAPTOP_TERMS = """\
This laptop belongs to the company and is lent to you for your work.

1. Keep it with you or locked away; never leave it in a car.
2. Do not remove the device management profile, disk encryption or VPN client.
3. Report loss or theft to IT within 24 hours, and damage as soon as you notice it.
4. Personal use is allowed within the acceptable use policy; company data stays on company storage.
5. Give it back, with its charger, when you leave or when IT asks for it."""

PHONE_TERMS_V1 = """\
This phone belongs to the company and is lent to you for your work.

1. Keep the passcode on and the device management profile installed.
2. Report loss or theft to IT within 24 hours so it can be wiped remotely.
3. Give it back, with its charger, when you leave."""

# The phone terms were revised after the demo employee accepted version 1: their acceptance keeps
# version 1, a new acceptance records version 2.
PHONE_TERMS_V2 = PHONE_TERMS_V1.replace(
    "3. Give it back",
    "3. Roaming is for work trips only: ask IT before you travel.\n4. Give it back",
)

LOANER_POOL_SIZE = 3  # in-stock laptops put into the loaner pool, bookable for dates
PROBLEM_REPORT = (
    "The battery runs down in under two hours and the charger in the box is the 45 W one; "
    "it needs the 65 W charger."
)
