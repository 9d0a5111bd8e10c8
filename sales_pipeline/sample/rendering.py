"""Rendering numbers, dates, instants and phone numbers straight to bytes, vectorised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sales_pipeline.sample.parameters import DAY, HOUR, REGIONS, TS_OFFSET
from sales_pipeline.sample.randomness import Generator, weighted

# ----------------------------------------------------------------------------- rendering
#
# Rendered columns are numpy byte strings (dtype 'S', UTF-8). NUL bytes are padding: the CSV
# writer drops them, so numbers, dates and timestamps can be laid out as fixed-width byte
# matrices with leading NULs, without any per-value Python work.


def offset_label(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


OFFSET_STEP = 900  # UTC offsets are whole quarter hours
OFFSET_RANGE = 14 * HOUR


def timestamp_suffixes() -> np.ndarray:
    """What follows the wall-clock seconds, per TS_* style and offset (in OFFSET_STEPs)."""
    offsets = range(-OFFSET_RANGE, OFFSET_RANGE + 1, OFFSET_STEP)
    labels = [offset_label(o) for o in offsets]
    return np.array([
        ["Z"] * len(labels),
        [".000Z"] * len(labels),
        ["+00:00"] * len(labels),
        labels,
        [".000" + label for label in labels],
    ], dtype="S")


TIMESTAMP_SUFFIXES = timestamp_suffixes()


def byte_table(values: Sequence[str]) -> np.ndarray:
    return np.array([v.encode("utf-8") for v in values], dtype="S")


FOUR_DIGITS = np.array([list(f"{i:04d}".encode("ascii")) for i in range(10_000)], np.uint8)


def digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """ASCII digits of non-negative integers, zero padded to `width`, one row per value."""
    remaining = np.asarray(values, dtype=np.int64)
    groups = []
    for _ in range(-(-width // 4)):  # four digits per table lookup, least significant first
        groups.insert(0, FOUR_DIGITS[remaining % 10_000])
        remaining = remaining // 10_000
    digits = np.concatenate(groups, axis=1) if len(groups) > 1 else groups[0]
    return digits[:, digits.shape[1] - width:]


def as_strings(matrix: np.ndarray) -> np.ndarray:
    matrix = np.ascontiguousarray(matrix)
    return matrix.view(f"S{matrix.shape[1]}").reshape(matrix.shape[0])


def number_width(values: np.ndarray, minimum: int = 1) -> int:
    largest = int(np.max(values)) if np.size(values) else 0
    return max(minimum, len(str(largest)))


def ascii_int(values: np.ndarray) -> np.ndarray:
    """Decimal text of non-negative integers (leading NULs where shorter than the longest)."""
    values = np.asarray(values, dtype=np.int64)
    digits = digit_matrix(values, number_width(values))
    leading = np.cumsum(digits != ord("0"), axis=1) == 0
    leading[:, -1] = False
    digits[leading] = 0
    return as_strings(digits)


def zero_padded(numbers: np.ndarray, width: int) -> np.ndarray:
    return as_strings(digit_matrix(numbers, number_width(numbers, width)))


def padded_ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.strings.add(prefix.encode("ascii"), zero_padded(numbers, width))


def hex_ids(prefix: str, raw: np.ndarray) -> np.ndarray:
    """`prefix` + 32 lower-case hex digits per row of a (n, 16) uint8 array."""
    text = np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype="S32")
    return np.strings.add(prefix.encode("ascii"), text)


def joined(*parts: np.ndarray | bytes, rows: int) -> np.ndarray:
    """Byte strings of the parts side by side (matrices, 'S' arrays or constants)."""
    matrices = []
    for part in parts:
        if isinstance(part, bytes):
            matrices.append(np.broadcast_to(np.frombuffer(part, np.uint8), (rows, len(part))))
        elif part.dtype.kind == "S":
            part = np.ascontiguousarray(part)
            matrices.append(part.view(np.uint8).reshape(rows, part.dtype.itemsize))
        else:
            matrices.append(part)
    return as_strings(np.concatenate(matrices, axis=1))


def iso_date_parts(days: np.ndarray) -> np.ndarray:
    """(n, 10) matrix of 'YYYY-MM-DD' for days since 1970-01-01."""
    days = np.asarray(days, dtype=np.int64)
    if not days.size:
        return np.zeros((0, 10), np.uint8)
    # A file spans a few days only: format each day once and look the rows up.
    first = int(days.min())
    span = np.datetime64(first, "D") + np.arange(int(days.max()) - first + 1)
    table = np.frombuffer("".join(np.datetime_as_string(span, unit="D").tolist()).encode(),
                          np.uint8).reshape(span.size, 10)
    return table[days - first]


def iso_dates(days_since_epoch: np.ndarray) -> np.ndarray:
    return as_strings(iso_date_parts(days_since_epoch))


def render_instants(instants: np.ndarray, offsets: np.ndarray, styles: np.ndarray) -> np.ndarray:
    """ISO 8601 text of epoch seconds, each in its style (see TS_*) and offset."""
    instants = np.asarray(instants, dtype=np.int64)
    shown = np.where(styles >= TS_OFFSET, offsets, 0)
    wall = instants + shown
    seconds = wall % DAY
    n = wall.size
    suffix = TIMESTAMP_SUFFIXES[styles, (shown + OFFSET_RANGE) // OFFSET_STEP]
    return joined(iso_date_parts(wall // DAY), b"T", digit_matrix(seconds // HOUR, 2), b":",
                  digit_matrix(seconds // 60 % 60, 2), b":", digit_matrix(seconds % 60, 2),
                  suffix, rows=n)


def cents_text(cents: np.ndarray) -> np.ndarray:
    cents = np.asarray(cents, dtype=np.int64)
    return joined(ascii_int(cents // 100), b".", digit_matrix(cents % 100, 2), rows=cents.size)


def boolean_text(rng: Generator, values: np.ndarray, empty_false_rate: float = 0.0) -> np.ndarray:
    """'true'/'false' in the varied casing real exports use; some false values left empty."""
    spelling = weighted(rng, (0.7, 0.15, 0.1, 0.05), values.size)
    trues = byte_table(["true", "TRUE", "True", "true"])[spelling]
    falses = byte_table(["false", "FALSE", "False", "false"])[spelling]
    text = np.where(values, trues, falses)
    blank = ~values & (rng.random(values.size) < empty_false_rate)
    return np.where(blank, b"", text)


class SidMinter:
    """Twilio-like call sids: random looking, unique by construction (a scrambled counter)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.issued = 1  # counter 0 would scramble to eight zeros

    def mint(self, rng: Generator, n: int) -> np.ndarray:
        raw = np.empty((n, 16), dtype=np.uint8)
        raw[:, :12] = rng.integers(0, 256, size=(n, 12), dtype=np.uint8)
        counter = np.arange(self.issued, self.issued + n, dtype=np.uint64)
        scrambled = ((counter * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)).astype(">u4")
        raw[:, 12:] = scrambled.view(np.uint8).reshape(n, 4)
        self.issued += n
        return hex_ids(self.prefix, raw)


# ----------------------------------------------------------------------------- phone numbers

PHONE_STYLES = 6  # see PhoneBook.build: E.164 first, then human formats


@dataclass(frozen=True)
class PhoneBook:
    """Every number of the sample in each human formatting style. All styles of a number have
    the same digits once non-digits and a leading '00' are removed (contract section 3)."""

    variants: np.ndarray  # (numbers, PHONE_STYLES)

    @classmethod
    def build(cls, parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
              ) -> PhoneBook:
        cc, area, mid, line = (np.concatenate([p[i] for p in parts]) for i in range(4))
        add = np.strings.add

        def join(*pieces: np.ndarray | str) -> np.ndarray:
            text = pieces[0]
            for piece in pieces[1:]:
                text = add(text, piece)
            return np.asarray(text)

        variants = np.stack([
            join("+", cc, area, mid, line),
            join("+", cc, " ", area, "-", mid, " ", line),
            join("(+", cc, ") ", area, ".", mid, ".", line),
            join("00", cc, " ", area, mid, line),
            join("+", cc, " (", area, ") ", mid, "-", line),
            join("+", cc, " ", area, " ", mid, " ", line),
        ], axis=1)
        # Concatenation sizes the result for the widest inputs; the table is big, so trim it.
        variants = variants.astype(f"S{int(np.strings.str_len(variants).max())}")
        return cls(variants=variants)

    def formatted(self, numbers: np.ndarray, styles: np.ndarray) -> np.ndarray:
        return self.variants[numbers, styles]


def number_parts(region: np.ndarray, area: np.ndarray, first_exchange: int,
                 serial: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Country code, area, exchange and line of numbers numbered by `serial` in a region."""
    cc = np.array([r.country_code for r in REGIONS])[region]
    exchange = (first_exchange + serial // 10000).astype(str)
    line = np.char.zfill((serial % 10000).astype(str), 4)
    return cc, area, exchange, line


def as_bytes(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind == "S":
        return np.ascontiguousarray(values)
    return np.strings.encode(values.astype(str), "utf-8")


def field_text(value: bytes | str) -> str:
    """A rendered value as text: NUL padding removed."""
    text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
    return text.replace("\x00", "")
