"""ERP sales documents: orders, returns, corrections, status changes and cancellations."""

from __future__ import annotations

import numpy as np

from sales_pipeline.sample.calendar import Calendar
from sales_pipeline.sample.parameters import (
    BERLIN,
    CANCELLED,
    CHF,
    CURRENCIES,
    DOCUMENT_STATUSES,
    DOCUMENT_TYPES,
    FX_FIRST_RATE,
    HOUR,
    INVOICE_RATE,
    INVOICED,
    LATE_CANCEL_RATE,
    OPEN,
    ORDER,
    ORDER_VALUE_SIGMA,
    RETURN,
    RETURN_VALUE_SHARE,
    TS_OFFSET,
    TS_Z,
    TS_Z_MILLIS,
    USD,
)
from sales_pipeline.sample.randomness import Generator, Streams, pick, weighted
from sales_pipeline.sample.rendering import (
    byte_table,
    cents_text,
    joined,
    padded_ids,
    render_instants,
    zero_padded,
)
from sales_pipeline.sample.tables import Table, concat, take
from sales_pipeline.sample.world import World, profile_rate


def document_styles(rng: Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rendering style and whether the offset is the ERP server's (Berlin) or the rep's."""
    choice = weighted(rng, (0.6, 0.25, 0.05, 0.1), n)
    style = np.array([TS_OFFSET, TS_Z, TS_Z_MILLIS, TS_OFFSET])[choice]
    return style, choice == 0


def documents_of_day(world: World, day: int) -> Table:
    rng = world.streams.rng(Streams.DOCUMENTS, day)
    roster, contacts, calendar, activity = world.roster, world.contacts, world.calendar, \
        world.activity
    intensity = activity.intensity[:, day]
    orders = rng.poisson(profile_rate("orders", roster.kind) * intensity * roster.skill
                         * activity.order_push[day])
    returns = rng.poisson(profile_rate("returns", roster.kind) * intensity)
    forced_currency = -1
    if day in (world.plants.chf_gap_day(), world.plants.weekend_fx_day()) and orders.sum() == 0:
        orders[int(np.argmax(roster.has_targets & (roster.leave_day > day)))] = 1
    if day == world.plants.chf_gap_day():
        forced_currency = CHF
    elif day == world.plants.weekend_fx_day():
        forced_currency = USD
    rep = np.r_[np.repeat(np.arange(roster.size), orders), np.repeat(np.arange(roster.size),
                                                                     returns)]
    doc_type = np.r_[np.full(orders.sum(), ORDER), np.full(returns.sum(), RETURN)]
    n = rep.size
    if not n:
        return {}
    account = contacts.account_first[rep] + np.floor(
        rng.random(n) * contacts.account_count[rep]).astype(np.int64)
    currency = contacts.account_currency[account]
    protected = np.zeros(n, bool)
    if forced_currency >= 0:
        currency[0], protected[0] = forced_currency, True
    median = profile_rate("order_value_eur", roster.kind[rep]) * roster.skill[rep] ** 0.3
    median = np.where(doc_type == RETURN, median * RETURN_VALUE_SHARE, median)
    value_eur = rng.lognormal(np.log(np.maximum(median, 1)), ORDER_VALUE_SIGMA)
    rate = world.fx.as_of[currency, day]
    rate = np.where(np.isnan(rate), np.array(FX_FIRST_RATE)[currency], rate)
    cents = np.maximum(np.round(value_eur / rate * 100), 100).astype(np.int64)

    region = roster.region[rep]
    created = calendar.instant(region, day, rng.integers(8 * HOUR, 19 * HOUR + 1800, n))
    backdated = (rng.random(n) < 0.03) & (day > 3) & ~protected
    document_day = np.where(backdated, day - rng.integers(1, 4, n), day)
    status = np.where(doc_type == RETURN, np.where(rng.random(n) < 0.5, OPEN, INVOICED),
                      weighted(rng, (0.88, 0.10, 0.02), n))
    style, server_time = document_styles(rng, n)
    offset = np.where(server_time, calendar.offset(BERLIN, day), calendar.offset(region, day))
    return {
        "doc": np.zeros(n, np.int64),
        "rep": rep.astype(np.int32), "account": account.astype(np.int32),
        "currency": currency.astype(np.int8), "type": doc_type.astype(np.int8), "cents": cents,
        "document_day": document_day.astype(np.int32), "status": status.astype(np.int8),
        "changed": created, "day": np.full(n, day, np.int32), "style": style.astype(np.int8),
        "offset": offset.astype(np.int32), "protected": protected,
        "file": np.full(n, -1, np.int32),
    }


def number_documents(base: Table) -> None:
    orders = base["type"] == ORDER
    base["doc"] = np.where(orders, np.cumsum(orders), np.cumsum(~orders))


def restyled(rng: Generator, table: Table, calendar: Calendar, instants: np.ndarray) -> None:
    """Follow-up rows are written by the ERP at its own (Berlin) time or in UTC."""
    server = rng.random(instants.size) < 0.7
    table["style"] = np.where(server, TS_OFFSET, TS_Z)
    table["offset"] = calendar.offset(BERLIN, calendar.local_day(BERLIN, instants))


def erp_change_instants(calendar: Calendar, rng: Generator, day: np.ndarray) -> np.ndarray:
    return calendar.instant(BERLIN, day, rng.integers(7 * HOUR, 19 * HOUR, day.size))


def same_day_corrections(world: World, rng: Generator, base: Table) -> tuple[np.ndarray, Table]:
    """A correction within the hour, rendered so that its text sorts before the original's."""
    eligible = ~base["protected"] & (base["status"] == OPEN)
    chosen = np.flatnonzero(pick(rng, eligible, 0.015,
                                 base["day"] == world.plants.day("doc_same_day_correction")))
    fixed = take(base, chosen)
    fixed["changed"] = fixed["changed"] + rng.integers(600, 3000, fixed["doc"].size)
    fixed["cents"] = np.round(fixed["cents"] * rng.uniform(0.95, 1.05, fixed["doc"].size)
                              ).astype(np.int64)
    fixed["style"] = np.where(fixed["style"] >= TS_OFFSET, TS_Z, TS_OFFSET)
    fixed["offset"] = world.calendar.offset(BERLIN, fixed["day"]).astype(np.int32)
    fixed["protected"][:] = True
    return chosen, fixed


def status_changes(world: World, rng: Generator, latest: Table) -> Table:
    """Invoicing a few days later, and late cancellations one to six weeks later."""
    days = world.calendar.days
    n = latest["doc"].size
    is_open = latest["status"] == OPEN
    is_order = latest["type"] == ORDER
    roll = rng.random(n)
    late_cancel_pool = is_open & is_order & (latest["day"] == world.plants.day("doc_late_cancel"))
    cancel = is_open & is_order & (roll < LATE_CANCEL_RATE)
    cancel |= pick(rng, late_cancel_pool & (latest["day"] + 8 < days), 0.0, late_cancel_pool)
    invoice = is_open & ~cancel & ((roll < INVOICE_RATE) | ~is_order)
    delay = np.where(cancel, rng.integers(7, 43, n),
                     np.where(is_order, rng.integers(1, 13, n), rng.integers(1, 6, n)))
    delay = np.where(cancel & late_cancel_pool, np.minimum(delay, days - 1 - latest["day"]), delay)
    changed = take(latest, np.flatnonzero(cancel | invoice))
    chosen_delay = delay[cancel | invoice]
    changed["status"] = np.where(cancel[cancel | invoice], CANCELLED, INVOICED)
    adjust = (changed["status"] == INVOICED) & (rng.random(changed["doc"].size) < 0.04)
    changed["cents"] = np.where(adjust, np.round(changed["cents"] * rng.uniform(
        0.9, 1.1, changed["doc"].size)), changed["cents"]).astype(np.int64)
    changed["changed"] = erp_change_instants(world.calendar, rng, changed["day"] + chosen_delay)
    restyled(rng, changed, world.calendar, changed["changed"])
    changed["protected"] = changed["protected"] | (changed["status"] == CANCELLED)
    return changed


def stale_and_tied_documents(world: World, rng: Generator, originals: Table,
                             invoices: Table) -> Table:
    """An older version re-sent after the invoice (must lose), and an equal-instant tie."""
    days = world.calendar.days
    plants = world.plants
    room = invoices["file"] + 4 < days
    invoiced = invoices["status"] == INVOICED
    stale = pick(rng, room & invoiced, 0.002, invoices["day"] == plants.day("doc_stale"))
    order = np.argsort(originals["key"])
    position = np.searchsorted(originals["key"], invoices["key"][stale], sorter=order)
    stale_rows = take(originals, order[position])
    stale_rows["file"] = invoices["file"][stale] + rng.integers(1, 5, stale_rows["doc"].size)

    tie = pick(rng, room & invoiced & ~stale, 0.0005, invoices["day"] == plants.day("doc_tie"))
    tied = take(invoices, np.flatnonzero(tie))
    tied["file"] = tied["file"] + rng.integers(1, 4, tied["doc"].size)
    tied["cents"] = np.round(tied["cents"] * 0.9).astype(np.int64)
    tied["style"] = np.where(tied["style"] >= TS_OFFSET, TS_Z, TS_OFFSET)
    result = concat([stale_rows, tied])
    if result:
        result["protected"][:] = True
    return result


def simulate_documents(world: World) -> Table:
    calendar = world.calendar
    base = concat([t for d in range(calendar.days) if (t := documents_of_day(world, d))])
    if not base:
        return {}
    number_documents(base)
    base["key"] = base["doc"] * 2 + base["type"]
    rng = world.streams.rng(Streams.DOCUMENT_CHANGES)
    corrected, corrections = same_day_corrections(world, rng, base)
    latest = dict(base, cents=base["cents"].copy(), protected=base["protected"].copy())
    latest["cents"][corrected] = corrections["cents"]
    latest["protected"][corrected] = True
    changes = status_changes(world, rng, latest)
    del latest
    for table in (base, corrections, changes):
        table["file"] = calendar.local_day(BERLIN, table["changed"]).astype(np.int32)
    extra = stale_and_tied_documents(world, rng, base, changes)
    documents = concat([base, corrections, changes, extra])
    del base, corrections, changes, extra
    # Files in order; within a file by document, the versions of one document in random order.
    tiebreak = world.streams.rng(Streams.ROW_ORDER, 1).random(documents["doc"].size)
    order = np.lexsort((tiebreak, documents["key"], documents["file"]))
    documents = take(documents, order[documents["file"][order] < calendar.days])
    documents["file"] = np.maximum(documents["file"], 0)
    return documents


DOCUMENT_COLUMNS = ("document_no", "document_type", "document_date", "customer_no",
                    "sales_rep_no", "currency", "net_amount", "status", "changed_at")
DOCUMENT_COLUMNS_EXTENDED = ("document_no", "changed_at", "status", "document_type",
                             "customer_no", "document_date", "sales_rep_no", "net_amount",
                             "gross_amount", "currency", "created_by")


def render_documents(world: World, documents: Table) -> dict[str, np.ndarray]:
    n = documents["doc"].size
    prefix = np.where(documents["type"] == ORDER, b"SO", b"CR")
    vat = np.round(documents["cents"] * 1.19).astype(np.int64)
    return {
        "document_no": joined(prefix, zero_padded(10_000_000 + documents["doc"], 8), rows=n),
        "document_type": byte_table(DOCUMENT_TYPES)[documents["type"]],
        "document_date": world.calendar.iso_dates(documents["document_day"]),
        "customer_no": padded_ids("C", 100_000 + documents["account"], 6),
        "sales_rep_no": world.roster.employee_numbers[documents["rep"]],
        "currency": byte_table(CURRENCIES)[documents["currency"]],
        "net_amount": cents_text(documents["cents"]),
        "status": byte_table(DOCUMENT_STATUSES)[documents["status"]],
        "changed_at": render_instants(documents["changed"], documents["offset"],
                                      documents["style"]),
        "gross_amount": cents_text(vat),
        "created_by": np.full(n, b"ERP_BATCH"),
    }
