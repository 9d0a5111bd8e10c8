"""A rendered report read back as a reader sees it: the KPI cards and the tables under each heading.

Built on the standard library's `html.parser`: a small element tree, then the report's
well-defined pieces (`div.card` with its `label`, `value` and `detail` children; the table after
an `<h2>`; `span.status` whose second class is the status code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements that never have an end tag in HTML.
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def elements(self) -> list[Element]:
        return [child for child in self.children if isinstance(child, Element)]

    def walk(self) -> list[Element]:
        found = []
        for child in self.elements():
            found.append(child)
            found.extend(child.walk())
        return found

    def find_all(self, tag: str, cls: str | None = None) -> list[Element]:
        return [e for e in self.walk() if e.tag == tag and (cls is None or cls in e.classes)]

    def text(self, skip_status: bool = False) -> str:
        """The text inside, whitespace collapsed; without status badges when asked."""
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif not (skip_status and "status" in child.classes):
                parts.append(child.text(skip_status))
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def status(self) -> str | None:
        """The status code of the one status badge inside (`<span class="status on_track">`)."""
        badges = self.find_all("span", "status")
        if not badges:
            return None
        (badge,) = badges
        return badge.classes[1]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        # The templates close every element they open; a mismatch is a broken page.
        opened = self.stack.pop()
        assert opened.tag == tag, f"</{tag}> closes <{opened.tag}>"

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


@dataclass
class Card:
    label: str
    value: str
    target_line: str     # "target 1,000 EUR · 95%", without the status badge
    status: str | None   # the badge's status code
    comparison_line: str  # "vs previous week +5% · vs last year +12% · trend ► flat"


@dataclass
class Cell:
    text: str
    status: str | None
    links: list[str]


class ReportPage:
    def __init__(self, text: str) -> None:
        builder = _TreeBuilder()
        builder.feed(text)
        builder.close()
        assert builder.stack == [builder.root], "unclosed elements"
        self.root = builder.root

    def cards(self) -> list[Card]:
        cards = []
        for card in self.root.find_all("div", "card"):
            label, value, target_line, comparison_line = card.elements()
            assert (label.classes, value.classes, target_line.classes,
                    comparison_line.classes) == (["label"], ["value"], ["detail"], ["detail"])
            cards.append(Card(label.text(), value.text(), target_line.text(skip_status=True),
                              target_line.status(), comparison_line.text()))
        return cards

    def heading_text(self, heading: str, tag: str = "p") -> str:
        """The text of the first `tag` element after the `<h2>` titled `heading`."""
        return self._after(heading, tag).text()

    def table(self, heading: str) -> list[list[Cell]]:
        """The body rows of the first table after the `<h2>` titled `heading`, as cells."""
        table = self._after(heading, "table")
        rows = []
        for row in table.find_all("tr"):
            cells = row.elements()
            if cells and cells[0].tag == "th":
                continue
            rows.append([Cell(cell.text(skip_status=True), cell.status(),
                              [a.attrs["href"] for a in cell.find_all("a")]) for cell in cells])
        return rows

    def _after(self, heading: str, tag: str) -> Element:
        body = self.root.walk()
        start = next(i for i, e in enumerate(body) if e.tag == "h2" and e.text() == heading)
        return next(e for e in body[start + 1:] if e.tag == tag)
