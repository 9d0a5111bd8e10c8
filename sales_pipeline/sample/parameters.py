"""The knobs of the simulated sales organisation: rates, shares, vocabularies and names."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

MIN_REPS = 4
REPORTING_CURRENCY = "EUR"
CURRENCIES = ("EUR", "USD", "GBP", "CHF")
EUR, USD, GBP, CHF = range(4)
FX_FIRST_RATE = (1.0, 0.92, 1.17, 1.05)
FX_DAILY_VOLATILITY = 0.0035
FX_LOOKBACK_DAYS = 14
# CHF rates only start this many days into the sample: the first CHF documents have no rate.
CHF_GAP_DAYS = 9

DEPARTMENTS = ("Inside Sales", "Field Sales")
INSIDE, FIELD, MANAGER = range(3)
TITLES = ("Inside Sales Rep", "Field Sales Rep", "Sales Manager")
INSIDE_SHARE = 0.6
REPS_PER_TEAM = 7
TEAM_AREAS = ("North", "South", "East", "West", "Central", "Metro", "Coastal", "Islands",
              "Capital", "Harbour", "Valley", "Highlands")

DIRECTIONS = ("outbound-dial", "outbound-api", "inbound")
DIAL, API, INBOUND = range(3)
STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
COMPLETED, BUSY, NO_ANSWER, FAILED, CANCELED = range(5)
ANSWERED_BY = ("", "human", "machine_start", "machine_end_beep", "machine_end_silence",
               "machine_end_other", "fax", "unknown")
NOT_DETECTED, HUMAN, MACHINE_START, MACHINE_END_BEEP, _, _, FAX_TONE, UNDETERMINED = range(8)
EVENT_TYPES = ("Visit", "Meeting", "Call", "Other")
VISIT, MEETING, LOGGED_CALL, OTHER = range(4)
DOCUMENT_TYPES = ("ORDER", "RETURN")
ORDER, RETURN = range(2)
DOCUMENT_STATUSES = ("OPEN", "INVOICED", "CANCELLED")
OPEN, INVOICED, CANCELLED = range(3)

# Timestamp renderings: UTC with 'Z', UTC with milliseconds, '+00:00', a real offset, a real
# offset with milliseconds. Every rendering names the same instant.
TS_Z, TS_Z_MILLIS, TS_UTC_OFFSET, TS_OFFSET, TS_OFFSET_MILLIS = range(5)

HOUR = 3600
DAY = 86400
EPOCH = date(1970, 1, 1)
PAD_DAYS = 64  # offsets are tabulated this far around the sample for look-backs and late changes

DEFECT_RATE = 1 / 2000
PHONE_UPGRADE_AT = 0.45  # share of the sample after which call exports have Twilio's full shape
FIRST_PLANT_WEEKDAY = 2  # the first working days stay clean so the sample starts plainly


@dataclass(frozen=True)
class Region:
    city: str
    zone: str
    country_code: str
    area_code: str
    mobile_code: str
    currency_mix: tuple[float, float, float, float]  # share of accounts per CURRENCIES entry


REGIONS = (
    Region("Athens", "Europe/Athens", "30", "210", "694", (1.0, 0.0, 0.0, 0.0)),
    Region("New York", "America/New_York", "1", "212", "646", (0.15, 0.85, 0.0, 0.0)),
    Region("Berlin", "Europe/Berlin", "49", "30", "151", (0.8, 0.0, 0.0, 0.2)),
    Region("London", "Europe/London", "44", "20", "7700", (0.25, 0.0, 0.75, 0.0)),
)
NEW_YORK = 1  # starts the working day a little later
BERLIN = 2  # the ERP server runs on Berlin time and exports by Berlin day


@dataclass(frozen=True)
class Profile:
    """Daily rates of a rep type at intensity 1 (a standard working day)."""

    outbound_calls: float
    inbound_calls: float
    visits: float
    meetings: float
    logged_calls: float
    other_events: float
    orders: float
    returns: float
    connect_rate: float  # share of outbound calls a person answers
    contact_share: float  # share of outbound calls to CRM contacts (the rest: prospects)
    order_value_eur: float  # median order value


PROFILES = (
    Profile(55, 4, 0.03, 0.3, 0.6, 0.3, 1.6, 0.08, 0.30, 0.45, 900),
    Profile(6, 2, 2.6, 0.9, 0.5, 0.4, 2.2, 0.11, 0.34, 0.8, 4200),
    Profile(3, 1.5, 0.3, 0.5, 0.2, 0.8, 0.0, 0.0, 0.34, 0.8, 0),
)

WEEKDAY_FACTOR = np.array([0.9, 1.05, 1.05, 1.0, 0.85, 0.35, 0.35])
SEASON_FACTOR = np.array([0.92, 0.97, 1.04, 1.0, 1.0, 0.96, 0.85, 0.72, 1.02, 1.08, 1.12, 0.9])
LATE_DECEMBER_FACTOR = 0.45
ANNUAL_GROWTH = 0.04
PLANNED_GROWTH = 0.05
WEEKEND_WORK_RATE = 0.02
SICK_DAY_RATE = 0.025

UNANSWERED_OUTCOMES = np.array([0.27, 0.015, 0.015, 0.44, 0.11, 0.04, 0.11])
CONNECTED, VOICEMAIL, FAX, ZERO_LENGTH, RANG_OUT, LINE_BUSY, CALL_FAILED, HUNG_UP = range(8)
OUTCOME_STATUS = np.array([COMPLETED, COMPLETED, COMPLETED, COMPLETED, NO_ANSWER, BUSY, FAILED,
                           CANCELED])
TALK_MEDIAN_SECONDS = 150.0
TALK_SIGMA = 0.75
MEAN_TALK_SECONDS = TALK_MEDIAN_SECONDS * math.exp(TALK_SIGMA**2 / 2)
OWN_CONTACT_SHARE = 0.97
DM_SHARE = 0.25
DM_FOCUS = 0.4  # visits and meetings go to a decision maker this often on purpose
WHO_SHARE = np.array([0.97, 0.88, 0.95, 0.15])  # events with a WhoId, per EVENT_TYPES
ORDER_VALUE_SIGMA = 0.6
RETURN_VALUE_SHARE = 0.35
LATE_CANCEL_RATE = 0.04
INVOICE_RATE = 0.93

CONTACTS_PER_REP = 30
MAX_CONTACTS = 40_000
CONTACTS_PER_ACCOUNT = 3

FIRST_NAMES = ("Maria", "Nikos", "Eleni", "Giorgos", "Anna", "Dimitris", "Sophie", "Lukas",
               "Laura", "Jonas", "Emma", "Felix", "Olivia", "James", "Amelia", "Harry",
               "Isla", "Jack", "Sarah", "Michael", "Emily", "Daniel", "Grace", "David",
               "Katerina", "Yannis", "Lena", "Paul", "Clara", "Max", "Hannah", "Tom",
               "Chloe", "Oliver", "Mia", "Noah", "Ava", "Liam", "Zoe", "Ethan", "Ioanna",
               "Kostas", "Julia", "Leon", "Lily", "George", "Ruby", "Samuel", "Nora", "Adam")
LAST_NAMES = ("Papadopoulos", "Georgiou", "Nikolaou", "Dimitriou", "Ioannou", "Mueller",
              "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
              "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
              "Miller", "Garcia", "Martinez", "Anderson", "Thomas", "Moore", "Clark",
              "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green",
              "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts",
              "Carter", "Phillips", "Evans", "Turner", "Torres", "Parker", "Collins")
DM_TITLES = ("CEO", "Managing Director", "Head of Procurement", "VP, Purchasing", "CFO",
             "Owner", "Director of Operations")
OTHER_TITLES = ("Buyer", "Office Manager", "Purchasing Agent", "IT Administrator",
                'Project Manager, "Key Accounts"', "Assistant to the CEO", "Engineer")
SUBJECTS = (
    ("Site visit", "Quarterly business review", "Demo, follow-up", "Contract renewal, on site",
     'Visit re: "Premium" upgrade'),
    ("Product demo", 'Pricing discussion, "Premium" tier', "Kick-off", "Video call, proposal",
     "Intro meeting"),
    ("Follow-up call", "Logged call", "Call: pricing, delivery dates", "Callback"),
    ("Admin", "Training, internal", "Pipeline review", "Dinner with client, informal"),
)
DESCRIPTIONS = ("", "Discussed pricing, next steps", "Sent proposal", 'Customer asked for "net 60"',
                "No decision yet")
