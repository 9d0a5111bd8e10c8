"""One week of sales documents in Odoo's, NetSuite's (Fivetran) and Business Central's layouts.

Reps of crm.py: Maria (005A, E1, Athens North / Greece) and Ben (005B, E2, Unassigned). Every
document is dated in the ISO week of Monday 2026-03-02. Reporting currency EUR; 1 USD = 0.90 EUR
and 1 GBP = 1.20 EUR from 2026-03-01 (FX_RATES). Each ERP names its salespeople its own way;
the identity map of each layout says who is who, and one salesperson of each is in no map.

The layouts follow the vendors' files: realdata/odoo/muktijaya_sale_order_export.csv (technical
field names, continuation rows with a blank id, `M/D/YYYY H:MM` times, state labels such as
"Sale Order"), realdata/fivetran_dbt_netsuite/netsuite2_transaction_data.csv (its columns and
their order, `2017-05-07 0:00:00` dates, `_fivetran_active` history rows; `employee` and
`foreigntotal` of the NetSuite2 transaction table added at the end), and Business Central's API
v2.0 salesOrder / salesCreditMemo resources as Microsoft documents them (no reference file).
"""

from __future__ import annotations

import json

FX_RATES = "date,currency,rate\n2026-03-01,USD,0.90\n2026-03-01,GBP,1.20\n"

# --------------------------------------------------------------------------- Odoo
#
# | line | order  | what                                            | counts               |
# | 2    | S00101 | Maria, 1500.00 EUR, Sales Order, to invoice     | Maria order, 1500.00 |
# | 3    |        | second line of S00101 (continuation row)        | left out by filter   |
# | 4    | S00102 | Ben, 200 USD, Locked, fully invoiced             | Ben order, 180.00    |
# | 5    | S00103 | Maria, Cancelled                                | nothing              |
# | 6    | S00104 | Maria, Quotation                                | nothing (CANCELLED)  |
# | 7    | S00105 | Maria, "1,250.50" (a spreadsheet's thousands)   | Maria order, 1250.50 |
# | 8    | S00106 | "Mitchell Admin": in no identity map            | quarantined          |
# | 9    |        | second line of S00106                           | left out by filter   |
# | 10   | S00107 | Maria, amount "#VALUE!" (a spreadsheet error)   | quarantined          |
# | 11   | S00108 | Ben, 300.00, "Sale Order", Odoo's own time form | Ben order, 300.00    |
#
# Maria: 2 orders, 2750.50; Ben: 2 orders, 480.00. Read 8, filtered 2, accepted 6, quarantined 2.

ODOO_IDENTITY_MAP = (
    "email,employee_number,erp_code\n"
    "maria@example.com,,Maria Papadopoulou\n"
    ",E2,Ben Carter\n"
)

ODOO_HEADER = (
    "id,name,date_order,partner_id,user_id,team_id,currency_id,amount_untaxed,state,"
    "invoice_status,write_date,order_line/product_id,order_line/product_uom_qty,"
    "order_line/price_subtotal"
)
ODOO_ORDERS = "\n".join(
    [
        ODOO_HEADER,
        '__export__.sale_order_101,S00101,3/2/2026 9:15,"Deco Addict, SA",Maria Papadopoulou,'
        "Europe,EUR,1500.00,Sales Order,To Invoice,3/2/2026 9:20,[FURN_0001] Office Desk,1,"
        "1000.00",
        ",,,,,,,,,,,[FURN_0002] Office Chair,2,500.00",
        "__export__.sale_order_102,S00102,3/3/2026 14:00,Azure Interior,Ben Carter,,USD,200.00,"
        "Locked,Fully Invoiced,3/4/2026 8:00,[FURN_0003] Cabinet,1,200.00",
        "__export__.sale_order_103,S00103,3/4/2026 10:00,Gemini Furniture,Maria Papadopoulou,"
        "Europe,EUR,999.00,Cancelled,Nothing to Invoice,3/4/2026 12:00,[FURN_0001] Office Desk,1,"
        "999.00",
        "__export__.sale_order_104,S00104,3/5/2026 11:00,Gemini Furniture,Maria Papadopoulou,"
        "Europe,EUR,750.00,Quotation,Nothing to Invoice,3/5/2026 11:05,[FURN_0002] Office Chair,3,"
        "750.00",
        '__export__.sale_order_105,S00105,3/6/2026 8:00,Lumber Inc,Maria Papadopoulou,Europe,EUR,'
        '"1,250.50",Sales Order,To Invoice,3/6/2026 8:10,[FURN_0004] Drawer,5,"1,250.50"',
        "__export__.sale_order_106,S00106,3/6/2026 9:00,Lumber Inc,Mitchell Admin,Europe,EUR,"
        "400.00,Sales Order,To Invoice,3/6/2026 9:05,[FURN_0004] Drawer,1,250.00",
        ",,,,,,,,,,,[FURN_0005] Lamp,1,150.00",
        "__export__.sale_order_107,S00107,3/7/2026 10:00,Deco Addict,Maria Papadopoulou,Europe,"
        "EUR,#VALUE!,Sales Order,To Invoice,3/7/2026 10:00,[FURN_0001] Office Desk,1,#VALUE!",
        "__export__.sale_order_108,S00108,2026-03-08 16:30:00,Azure Interior,Ben Carter,,EUR,"
        "300.00,Sale Order,Nothing to Invoice,2026-03-08 16:31:07,[FURN_0005] Lamp,2,300.00",
    ]
) + "\n"

# --------------------------------------------------------------------------- NetSuite (Fivetran)
#
# | line | id   | what                                                   | counts              |
# | 2    | 9001 | Maria's invoice, 1000 USD, paid in full                | Maria order, 900.00 |
# | 3    | 9001 | its earlier version (history mode, inactive)           | left out by filter  |
# | 4    | 9002 | Ben's cash sale, 250 EUR, deposited                    | Ben order, 250.00   |
# | 5    | 9003 | Maria's credit memo, -100 USD                          | Maria return, -90.00|
# | 6    | 9004 | Maria's sales order (its invoice is what counts)       | left out by filter  |
# | 7    | 9005 | Ben's voided invoice, total zeroed by NetSuite         | nothing (CANCELLED) |
# | 8    | 9006 | a vendor bill (the reference file's own row kind)      | left out by filter  |
# | 9    | 9007 | an invoice of employee 409409: in no identity map      | quarantined         |
# | 10   | 9008 | Maria's invoice, total "n/a"                           | quarantined         |
# | 11   | 9009 | Ben's invoice pending approval, 400 EUR                | Ben order, 400.00   |
# | 12   | 9010 | Maria's invoice in currency id 5 (not in the map)      | quarantined         |
# | 13   | 9011 | Maria's invoice, deleted in NetSuite                   | nothing (CANCELLED) |
#
# Maria: 1 order, 810.00; Ben: 2 orders, 650.00. Of 12 rows, 3 filtered: read 9, accepted 6,
# quarantined 3.

NETSUITE_IDENTITY_MAP = (
    "email,employee_number,erp_code\n"
    "maria@example.com,,523532\n"
    ",E2,513513\n"
)

NETSUITE_HEADER = (
    "_fivetran_synced,_fivetran_active,_fivetran_deleted,id,transactionnumber,type,memo,trandate,"
    "status,createddate,duedate,closedate,currency,entity,postingperiod,posting,isreversal,"
    "reversal,reversaldate,reversaldefer,employee,foreigntotal"
)


def _netsuite_row(
    synced: str, active: str, deleted: str, tx_id: str, number: str, kind: str, day: int,
    status: str, currency: str, entity: str, employee: str, total: str,
) -> str:
    trandate = f"2026-03-0{day} 0:00:00"
    return (
        f"{synced},{active},{deleted},{tx_id},{number},{kind},,{trandate},{status},"
        f"2026-03-0{day} 9:41:25,,,{currency},{entity},301,T,F,,,F,{employee},{total}"
    )


NETSUITE_TRANSACTIONS = "\n".join(
    [
        NETSUITE_HEADER,
        _netsuite_row("2026-03-03 06:00:00", "TRUE", "FALSE", "9001", "INV1001", "CustInvc", 2,
                      "B", "1", "1409", "523532", "1000.00"),
        _netsuite_row("2026-03-02 06:00:00", "FALSE", "FALSE", "9001", "INV1001", "CustInvc", 2,
                      "A", "1", "1409", "523532", "800.00"),
        _netsuite_row("2026-03-03 06:00:00", "TRUE", "FALSE", "9002", "CS2001", "CashSale", 3,
                      "C", "4", "1408", "513513", "250.00"),
        _netsuite_row("2026-03-05 06:00:00", "TRUE", "FALSE", "9003", "CM3001", "CustCred", 4,
                      "A", "1", "1409", "523532", "-100.00"),
        _netsuite_row("2026-03-03 06:00:00", "TRUE", "FALSE", "9004", "SO4001", "SalesOrd", 2,
                      "G", "1", "1409", "523532", "1000.00"),
        _netsuite_row("2026-03-06 06:00:00", "TRUE", "FALSE", "9005", "INV1002", "CustInvc", 4,
                      "V", "4", "1388", "513513", "0.00"),
        _netsuite_row("2026-03-06 06:00:00", "TRUE", "FALSE", "9006", "", "VendBill", 4,
                      "A", "1", "1570", "", "75.00"),
        _netsuite_row("2026-03-06 06:00:00", "TRUE", "FALSE", "9007", "INV1003", "CustInvc", 5,
                      "A", "4", "1440", "409409", "120.00"),
        _netsuite_row("2026-03-06 06:00:00", "TRUE", "FALSE", "9008", "INV1004", "CustInvc", 5,
                      "A", "2", "1409", "523532", "n/a"),
        _netsuite_row("2026-03-07 06:00:00", "TRUE", "FALSE", "9009", "INV1005", "CustInvc", 6,
                      "E", "4", "1376", "513513", "400.00"),
        _netsuite_row("2026-03-07 06:00:00", "TRUE", "FALSE", "9010", "INV1006", "CustInvc", 6,
                      "B", "5", "1376", "523532", "50.00"),
        _netsuite_row("2026-03-08 06:00:00", "TRUE", "TRUE", "9011", "INV1007", "CustInvc", 7,
                      "B", "4", "1409", "523532", "500.00"),
    ]
) + "\n"

# --------------------------------------------------------------------------- Business Central
#
# salesOrders page (records 1-5) and salesCreditMemos page (records 1-2):
#
# | record | number      | what                                              | counts          |
# | O1     | S-ORD101001 | Maria (PS), 1200.5 local currency, Open           | Maria, 1200.50  |
# | O2     | S-ORD101002 | Ben (JO), 500 USD, Released                       | Ben, 450.00     |
# | O3     | S-ORD101003 | salesperson BC: in no identity map                | quarantined     |
# | O4     | S-ORD101004 | Maria, 300 local currency, Draft                  | Maria, 300.00   |
# | O5     | S-ORD101005 | Ben, an empty order (total 0)                     | quarantined     |
# | C1     | S-CR104001  | Maria's credit memo, 200, Paid                    | Maria, -200.00  |
# | C2     | S-CR104002  | Ben's credit memo, Canceled                       | nothing         |
#
# Maria: 2 orders, 1300.50; Ben: 1 order, 450.00. The local currency (empty currencyCode) is EUR.

BC_IDENTITY_MAP = "email,employee_number,erp_code\nmaria@example.com,,PS\n,E2,JO\n"


def _bc_document(
    kind: str, number: str, day: int, customer: str, salesperson: str, currency: str,
    amount: float, status: str, modified: str,
) -> dict[str, object]:
    date_key = "orderDate" if kind == "order" else "creditMemoDate"
    return {
        "@odata.etag": f'W/"JzQ0O{number}MDsn"',
        "id": f"5d115c9c-44e3-ea11-bb43-000d3a2feca1-{number}",
        "number": number,
        "externalDocumentNumber": "",
        date_key: f"2026-03-0{day}",
        "postingDate": f"2026-03-0{day}",
        "customerId": f"customer-{customer}",
        "customerNumber": customer,
        "customerName": f"Customer {customer}",
        "currencyId": "00000000-0000-0000-0000-000000000000",
        "currencyCode": currency,
        "pricesIncludeTax": False,
        "salesperson": salesperson,
        "discountAmount": 0,
        "discountAppliedBeforeTax": True,
        "totalAmountExcludingTax": amount,
        "totalTaxAmount": round(amount * 0.25, 2),
        "totalAmountIncludingTax": round(amount * 1.25, 2),
        "status": status,
        "lastModifiedDateTime": modified,
    }


def _bc_page(entity_set: str, records: list[dict[str, object]]) -> str:
    return json.dumps(
        {
            "@odata.context": "https://api.businesscentral.dynamics.com/v2.0/production/api/v2.0/"
            f"$metadata#companies(1f0d7c2a-6f1e-ea11-a813-000d3a2feca1)/{entity_set}",
            "value": records,
        },
        indent=2,
    )


BC_SALES_ORDERS = _bc_page(
    "salesOrders",
    [
        _bc_document("order", "S-ORD101001", 2, "10000", "PS", "", 1200.5, "Open",
                     "2026-03-02T10:15:30.12Z"),
        _bc_document("order", "S-ORD101002", 3, "20000", "JO", "USD", 500, "Released",
                     "2026-03-03T08:01:00Z"),
        _bc_document("order", "S-ORD101003", 4, "30000", "BC", "", 75, "Open",
                     "2026-03-04T09:00:00Z"),
        _bc_document("order", "S-ORD101004", 5, "10000", "PS", "", 300, "Draft",
                     "2026-03-05T11:45:00Z"),
        _bc_document("order", "S-ORD101005", 5, "20000", "JO", "", 0, "Draft",
                     "2026-03-05T12:00:00Z"),
    ],
)
BC_SALES_CREDIT_MEMOS = _bc_page(
    "salesCreditMemos",
    [
        _bc_document("credit memo", "S-CR104001", 4, "10000", "PS", "", 200, "Paid",
                     "2026-03-04T15:00:00Z"),
        _bc_document("credit memo", "S-CR104002", 5, "20000", "JO", "", 100, "Canceled",
                     "2026-03-05T16:00:00Z"),
    ],
)
# The company's local currency, for documents with an empty currencyCode.
BC_LOCAL_CURRENCY_OVERRIDE = """\
    fields:
      currency:
        when: [{if: {column: currencyCode, empty: false}, then: currencyCode}]
        else: {constant: EUR}
"""
