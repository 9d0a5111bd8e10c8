"""Fixtures in real layouts for the presets that read more than one record per row or file:
ERPNext documents split across a sales team, SAP SD orders with their partner and status tables,
Salesforce's role hierarchy, and target sheets as sales managers keep them.

Three reps in the contract's CRM layout (crm/User.csv), every activity in the ISO week of Monday
2026-03-02:

- 005A Maria Papadopoulou  maria@example.com  EmployeeNumber 1001
- 005B Ben Carter          ben@example.com    EmployeeNumber 1002
- 005C Chloe Martin        chloe@example.com  EmployeeNumber 1003 (no role: Unassigned)

Layouts: ERPNext's JSON documents follow frappe/erpnext's test records (sales_invoice,
sales_order: `name`, `docstatus`, `is_return`, `base_net_total`, `modified`, `sales_team` with
`sales_person` and `allocated_percentage`); SAP's tables follow fivetran/dbt_sap's seeds
(lower-case SAP field names, `_fivetran_deleted`); Salesforce's User and UserRole are Data Loader
exports (API names, every value quoted) and Fivetran's `user` / `user_role` tables.
"""

from __future__ import annotations

import json

USERS = (
    "Id,Name,Email,EmployeeNumber,Phone,Title,IsActive\n"
    "005A,Maria Papadopoulou,maria@example.com,1001,+30 210 555 0101,Account Executive,true\n"
    "005B,Ben Carter,ben@example.com,1002,+1 212 555 0102,Account Executive,true\n"
    "005C,Chloe Martin,chloe@example.com,1003,+44 20 5550 0103,Account Executive,true\n"
)

# ERPNext's Sales Persons are names; the identity map gives each its person.
IDENTITY_MAP = (
    "email,erp_code\n"
    "maria@example.com,Maria Papadopoulou\n"
    "ben@example.com,Ben Carter\n"
)

# ------------------------------------------------------------------ Salesforce role hierarchy

SALESFORCE_USERS = (
    '"Id","Username","Name","UserRoleId","IsActive"\n'
    '"005A","maria@example.com.prod","Maria Papadopoulou","00E2","true"\n'
    '"005B","ben@example.com.prod","Ben Carter","00E3","true"\n'
    '"005C","chloe@example.com.prod","Chloe Martin","","true"\n'  # no role: no team
    '"005Z","ghost@example.com.prod","Ghost User","00E2","false"\n'  # no CRM user of that Id
)
SALESFORCE_ROLES = (
    '"Id","Name","ParentRoleId","DeveloperName"\n'
    '"00E0","Greece","","Greece"\n'
    '"00E2","Athens North","00E0","Athens_North"\n'
    '"00E3","New York","","New_York"\n'  # the top of its hierarchy: its own department
)
FIVETRAN_USERS = (
    "_fivetran_deleted,_fivetran_synced,id,name,email,employee_number,user_role_id,is_active,"
    "_fivetran_active\n"
    "false,2026-03-01 18:48:27,005A,Maria Papadopoulou,maria@example.com,1001,00E2,true,true\n"
    "false,2026-03-01 18:48:27,005B,Ben Carter,ben@example.com,1002,00E3,true,true\n"
    "false,2026-03-01 18:48:27,005C,Chloe Martin,chloe@example.com,1003,,true,true\n"
    "true,2026-03-01 18:48:27,005D,Deleted User,old@example.com,1004,00E2,false,true\n"
)
FIVETRAN_ROLES = (
    "_fivetran_deleted,_fivetran_synced,developer_name,id,name,parent_role_id,_fivetran_active\n"
    "false,2026-03-01 18:48:27,Greece,00E0,Greece,,true\n"
    "false,2026-03-01 18:48:27,Athens_North,00E2,Athens North,00E0,true\n"
    "false,2026-03-01 18:48:27,New_York,00E3,New York,,true\n"
    # A role deleted in Salesforce is no role, even if a user still points at it.
    "true,2026-03-01 18:48:27,Old_Greece,00E9,Old Greece,,true\n"
)

# ------------------------------------------------------------------ ERPNext


def _invoice(
    name: str,
    posting_date: str,
    total: float,
    team: list[tuple[str, float]],
    *,
    docstatus: int = 1,
    is_return: int = 0,
    modified: str = "2026-03-02 18:00:00.000000",
) -> dict[str, object]:
    return {
        "doctype": "Sales Invoice",
        "name": name,
        "naming_series": "ACC-SINV-.YYYY.-",
        "company": "Example Trading",
        "customer": "CUST-00042",
        "customer_name": "Acme Hellas",
        "posting_date": posting_date,
        "currency": "EUR",
        "conversion_rate": 1.0,
        "is_return": is_return,
        "docstatus": docstatus,
        "base_net_total": total,
        "net_total": total,
        "base_grand_total": round(total * 1.24, 2),
        "grand_total": round(total * 1.24, 2),
        "modified": modified,
        "items": [
            {"doctype": "Sales Invoice Item", "item_code": "WIDGET", "qty": 1, "rate": total}
        ],
        "sales_team": [
            {
                "doctype": "Sales Team",
                "parentfield": "sales_team",
                "sales_person": person,
                "allocated_percentage": share,
            }
            for person, share in team
        ],
    }


MARIA, BEN = "Maria Papadopoulou", "Ben Carter"


def _sales_order(
    name: str, transaction_date: str, total: float, team: list[tuple[str, float]], docstatus: int
) -> dict[str, object]:
    document = _invoice(name, transaction_date, total, team, docstatus=docstatus)
    del document["posting_date"], document["is_return"]
    return {**document, "doctype": "Sales Order", "transaction_date": transaction_date,
            "delivery_date": "2026-03-20", "order_type": "Sales"}


ERPNEXT_ORDERS = "erpnext/sales_orders_2026-03-04.json"
ERPNEXT_ORDER_FILES = {
    ERPNEXT_ORDERS: json.dumps(
        [
            # Half and half: the order is Maria's (listed first), the volume 1000 each.
            _sales_order("SAL-ORD-2026-00001", "2026-03-03", 2000.0, [(MARIA, 50), (BEN, 50)], 1),
            # Cancelled, and a draft: neither counts.
            _sales_order("SAL-ORD-2026-00002", "2026-03-04", 800.0, [(BEN, 100)], 2),
            _sales_order("SAL-ORD-2026-00003", "2026-03-04", 500.0, [(BEN, 100)], 0),
        ],
        indent=1,
    )
}
ERPNEXT_DAY_1 = "erpnext/sales_invoices_2026-03-02.json"
ERPNEXT_DAY_2 = "erpnext/sales_invoices_2026-03-04.json"
ERPNEXT_FILES = {
    ERPNEXT_DAY_1: json.dumps(
        [
            # 1: split 60/40, re-allocated 75/25 on day 2.
            _invoice("ACC-SINV-2026-00001", "2026-03-02", 1000.0, [(MARIA, 60), (BEN, 40)]),
            # 2: Ben's alone, cancelled on day 2.
            _invoice("ACC-SINV-2026-00002", "2026-03-03", 500.0, [(BEN, 100)]),
            # 3: a draft is no sale yet (filtered out).
            _invoice("ACC-SINV-2026-00003", "2026-03-03", 999.0, [(MARIA, 100)], docstatus=0),
            # 4: a credit note, written negative, split half and half.
            _invoice(
                "ACC-SINV-2026-00004", "2026-03-04", -200.0, [(MARIA, 50), (BEN, 50)],
                is_return=1,
            ),
            # 5: a sales person nobody is: quarantined whole.
            _invoice("ACC-SINV-2026-00005", "2026-03-04", 400.0, [(MARIA, 70), ("Nikos", 30)]),
            # 6: allocations that do not add up to 100.
            _invoice("ACC-SINV-2026-00006", "2026-03-05", 400.0, [(MARIA, 50), (BEN, 40)]),
            # 7: no sales team at all: no rep.
            _invoice("ACC-SINV-2026-00007", "2026-03-05", 400.0, []),
        ],
        indent=1,
    ),
    ERPNEXT_DAY_2: json.dumps(
        [
            _invoice(
                "ACC-SINV-2026-00001", "2026-03-02", 1000.0, [(MARIA, 75), (BEN, 25)],
                modified="2026-03-04 09:30:00.125000",
            ),
            _invoice(
                "ACC-SINV-2026-00002", "2026-03-03", 500.0, [(BEN, 100)], docstatus=2,
                modified="2026-03-04 09:31:00",
            ),
            # 8: a tie: the order counts for the first listed, Ben.
            _invoice("ACC-SINV-2026-00008", "2026-03-06", 300.0, [(BEN, 50), (MARIA, 50)]),
        ],
        indent=1,
    ),
}

# ------------------------------------------------------------------ SAP SD (Fivetran tables)

SAP_VBAK = (
    "mandt,vbeln,erdat,erzet,ernam,audat,vbtyp,auart,netwr,waerk,vkorg,vtweg,spart,kunnr,"
    "upd_tmstmp,_fivetran_deleted,_fivetran_synced\n"
    # Maria's order.
    "100,0000012345,2026-03-02,09:12:00,MPAPA,2026-03-02,C,OR,1500.00,EUR,1000,10,00,"
    "0000100042,2026-03-02 09:12:00,false,2026-03-02 10:00:00\n"
    # Rejected in full (VBUK-ABSTK C): cancelled.
    "100,0000012346,2026-03-03,10:00:00,BCART,2026-03-03,C,OR,800.00,EUR,1000,10,00,"
    "0000100043,2026-03-03 15:00:00,false,2026-03-03 16:00:00\n"
    # Ben's return.
    "100,0000012347,2026-03-04,11:00:00,BCART,2026-03-04,H,RE,200.00,EUR,1000,10,00,"
    "0000100043,2026-03-04 11:00:00,false,2026-03-04 12:00:00\n"
    # A quotation is no sale (filtered out).
    "100,0000012348,2026-03-04,11:30:00,BCART,2026-03-04,B,QT,5000.00,EUR,1000,10,00,"
    "0000100044,2026-03-04 11:30:00,false,2026-03-04 12:00:00\n"
    # No sales employee among its partners.
    "100,0000012349,2026-03-05,08:00:00,MPAPA,2026-03-05,C,OR,300.00,EUR,1000,10,00,"
    "0000100045,2026-03-05 08:00:00,false,2026-03-05 09:00:00\n"
    # A sales employee with no person behind the number.
    "100,0000012350,2026-03-05,08:30:00,MPAPA,2026-03-05,C,OR,300.00,EUR,1000,10,00,"
    "0000100045,2026-03-05 08:30:00,false,2026-03-05 09:00:00\n"
    # Ben's order, completely processed (VBUK-GBSTK C): invoiced.
    "100,0000012351,2026-03-06,14:00:00,BCART,2026-03-06,C,OR,1000.00,EUR,1000,10,00,"
    "0000100046,2026-03-06 14:00:00,false,2026-03-06 15:00:00\n"
    # Deleted in SAP (Fivetran keeps the row, flagged).
    "100,0000012352,2026-03-06,14:30:00,BCART,2026-03-06,C,OR,700.00,EUR,1000,10,00,"
    "0000100046,2026-03-06 14:30:00,true,2026-03-06 15:00:00\n"
)
SAP_VBPA = (
    "mandt,vbeln,posnr,parvw,kunnr,lifnr,pernr,adrnr,_fivetran_deleted\n"
    "100,0000012345,000000,AG,0000100042,,00000000,9000001,false\n"
    "100,0000012345,000000,VE,,,00001001,,false\n"
    # An item-level sales employee is not the document's.
    "100,0000012345,000010,VE,,,00001002,,false\n"
    "100,0000012346,000000,VE,,,00001002,,false\n"
    "100,0000012347,000000,VE,,,00001002,,false\n"
    "100,0000012349,000000,AG,0000100045,,00000000,9000003,false\n"
    "100,0000012350,000000,VE,,,00009999,,false\n"
    "100,0000012351,000000,VE,,,00001002,,false\n"
    "100,0000012352,000000,VE,,,00001002,,false\n"
)
SAP_VBUK = (
    "mandt,vbeln,lfstk,fkstk,abstk,gbstk,vbtyp,aedat\n"
    "100,0000012345,A,A,A,A,C,2026-03-02\n"
    "100,0000012346,,,C,C,C,2026-03-03\n"
    "100,0000012347,A,A,A,B,H,2026-03-04\n"
    "100,0000012351,C,C,A,C,C,2026-03-06\n"
)

# ------------------------------------------------------------------ target sheets

# Saved from a spreadsheet: a byte order mark, Windows line ends, thousands separators, blanks
# and NULL for "no target".
MONTHLY_TARGETS = (
    "\ufeffRep,Metric,Year,Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec\r\n"
    "maria@example.com,Orders,2026,2,2,3,,,,,,,,,NULL\r\n"
    'BEN@example.com,Sales volume,2026,"1,000","1,000",1200,NULL,,,,,,,,\r\n'
    "nobody@example.com,Visits,2026,5,,,,,,,,,,,\r\n"
    "maria@example.com,Lunches,2026,1,,,,,,,,,,,\r\n"
)
# Rows of the quarterly sheet (written as .xlsx by the test), by employee number.
QUARTERLY_TARGET_ROWS: list[list[object]] = [
    ["Rep", "Metric", "Year", "Q1", "Q2", "Q3", "Q4"],
    [1001, "Orders", 2026, 6, 9, None, "NULL"],
    [1002, "sales_volume", 2026, 2500.5, None, None, None],
    [1009, "Orders", 2026, 4, None, None, None],
]

# ------------------------------------------------------------------ Odoo sales teams

# Settings > Users > Export and Sales > Teams > Export, technical names.
ODOO_USERS = (
    "id,name,login,sale_team_id/id,active\n"
    "__export__.res_users_7,Maria Papadopoulou,maria@example.com,"
    "sales_team.team_sales_department,True\n"
    "__export__.res_users_8,Ben Carter,ben@example.com,__export__.crm_team_2,True\n"
    # In no identity map: the administrator is nobody's rep.
    "base.user_admin,Mitchell Admin,admin,sales_team.team_sales_department,True\n"
    # In no team: left out.
    "__export__.res_users_9,Chloe Martin,chloe@example.com,,True\n"
)
ODOO_TEAMS = (
    "id,name,user_id/id,company_id/id\n"
    "sales_team.team_sales_department,Europe,base.user_admin,base.main_company\n"
    "__export__.crm_team_2,America,__export__.res_users_8,base.main_company\n"
)
YEARLY_TARGETS = (
    "Rep,Metric,Year,Target\n"
    'maria@example.com,Revenue,2026,"120,000"\n'
    "ben@example.com,orders,2026,40\n"
    "ben@example.com,Visits,2026,NULL\n"
)
