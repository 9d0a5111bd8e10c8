"""The landing formats and value sets of the data contract, defined once.

Ingestion reads these to find and check files, staging SQL receives the value sets as parameters
and the Great Expectations suites are built from the same constants, so a rule changes in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

from sales_pipeline.partitions import GRAINS

OUTBOUND_DIRECTIONS = ("outbound-dial", "outbound-api")
CALL_DIRECTIONS = (*OUTBOUND_DIRECTIONS, "inbound")
CALL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
ANSWERED_BY = (
    "human",
    "machine_start",
    "machine_end_beep",
    "machine_end_silence",
    "machine_end_other",
    "fax",
    "unknown",
)
DOCUMENT_TYPES = ("ORDER", "RETURN")
DOCUMENT_STATUSES = ("OPEN", "INVOICED", "CANCELLED")
EVENT_TYPES = ("Visit", "Meeting", "Call", "Other")
# A target is set for one period of a grain (partitions.GRAINS).
PERIOD_TYPES = tuple(grain.period_type for grain in GRAINS)

# Plausibility limits (project decisions, docs/contract.md "Implausible values"). A value beyond
# them is no data any real export produces, and one such row wrecks a whole period: a call dated
# 2099 made the backfill plan 3,864 weeks; a duration of 10^12 s made an average call last 13,000
# years. They are set far enough out that no row the contract accepts in earnest is caught.
# How many days after the run's date an activity's day may lie: a call log reports calls that
# happened (a day's margin for zones), while meetings are scheduled and orders post-dated ahead.
MAX_DAYS_AHEAD = {"calls": 1, "events": 366, "sales_documents": 366}
# A call longer than a day is a broken counter.
MAX_CALL_SECONDS = 86_400
# One document above a billion, in any currency, is a typo or a test record.
MAX_NET_AMOUNT = 1_000_000_000
# The quarantine reason of an activity dated before SALES_HISTORY_START.
HISTORY_REASON = "before SALES_HISTORY_START"

# ISO 8601 with a mandatory UTC offset: an offset-less timestamp cannot be placed on a local day.
TIMESTAMP_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)$"
)
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
NON_NEGATIVE_INTEGER_PATTERN = r"^[0-9]+$"
# '.' is the decimal point and nothing else: '1,234.50' is rejected, not guessed at.
DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
BOOLEAN_PATTERN = r"^(?i:true|false)$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"

_FILE_DATE = re.compile(r"_(\d{4}-\d{2}-\d{2})\.csv$")
# Files of a configured source may carry their date anywhere in the name, with or without dashes.
ANY_FILE_DATE = re.compile(r"(\d{4}-\d{2}-\d{2}|\d{8})")


@dataclass(frozen=True)
class Source:
    """One kind of landing file and the raw table it lands in."""

    name: str
    glob: str
    columns: tuple[str, ...]
    daily: bool
    description: str
    name_date: re.Pattern[str] = _FILE_DATE

    @property
    def raw_table(self) -> str:
        return f"raw.{self.name}"

    def file_date(self, relative_path: str) -> date | None:
        """The date a daily file is named after; None when it carries no valid date."""
        match = self.name_date.search(PurePosixPath(relative_path).name)
        if match is None:
            return None
        text = match.group(1)
        if len(text) == 8:
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            "calls",
            "telephony/calls_*.csv",
            ("sid", "parent_call_sid", "direction", "from", "to", "status", "start_time",
             "end_time", "duration", "answered_by"),
            daily=True,
            description="Phone system call log, one file a day, incremental.",
        ),
        Source(
            "sales_documents",
            "erp/sales_documents_*.csv",
            ("document_no", "document_type", "document_date", "customer_no", "sales_rep_no",
             "currency", "net_amount", "status", "changed_at"),
            daily=True,
            description="ERP sales documents created or changed that day, incremental.",
        ),
        Source(
            "fx_rates",
            "erp/fx_rates.csv",
            ("date", "currency", "rate"),
            daily=False,
            description="Units of the reporting currency one unit of `currency` buys on `date`.",
        ),
        Source(
            "users",
            "crm/User.csv",
            ("Id", "Name", "Email", "EmployeeNumber", "Phone", "Title", "IsActive"),
            daily=False,
            description="CRM users (the sales reps), full snapshot.",
        ),
        Source(
            "contacts",
            "crm/Contact.csv",
            ("Id", "AccountId", "Name", "Title", "Phone", "MobilePhone", "Decision_Maker__c"),
            daily=False,
            description="CRM contacts, full snapshot.",
        ),
        Source(
            "team_memberships",
            "crm/Team_Membership__c.csv",
            ("Id", "User__c", "Team__c", "Department__c", "Start_Date__c", "End_Date__c"),
            daily=False,
            description="Rep -> team -> department history, full snapshot.",
        ),
        Source(
            "sales_targets",
            "crm/Sales_Target__c.csv",
            ("Id", "User__c", "Metric__c", "Period_Type__c", "Period_Start__c", "Target__c"),
            daily=False,
            description="Targets per rep, metric and period, full snapshot.",
        ),
        Source(
            "events",
            "crm/Event_*.csv",
            ("Id", "OwnerId", "WhoId", "AccountId", "Type", "Subject", "StartDateTime",
             "EndDateTime", "IsDeleted", "LastModifiedDate"),
            daily=True,
            description="CRM events (visits, meetings...) created or changed that day, incremental.",
        ),
    )
}
