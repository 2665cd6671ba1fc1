"""The first <table> of an HTML page as rows of (text, attributes) cells (stdlib parser)."""

from __future__ import annotations

from html.parser import HTMLParser

Cell = tuple[str, dict[str, str]]


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[Cell]] = []
        self.depth = 0  # nesting of <table>; only the first top-level table is read
        self.done = False
        self.cell: list[str] | None = None
        self.attributes: dict[str, str] = {}
        self.span = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "table":
            self.depth += 1
        elif self.depth == 1 and tag == "tr":
            self.rows.append([])
        elif self.depth == 1 and tag in ("td", "th"):
            self._close_cell()
            if not self.rows:
                self.rows.append([])
            self.cell = []
            self.attributes = {name: value or "" for name, value in attrs}
            span = self.attributes.get("colspan", "1")
            self.span = int(span) if span.isdigit() and 0 < int(span) < 1000 else 1
        elif self.cell is not None and tag == "br":
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.done:
            return
        if tag in ("td", "th", "tr") and self.depth == 1:
            self._close_cell()
        elif tag == "table":
            self._close_cell()
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)

    def _close_cell(self) -> None:
        if self.cell is None:
            return
        text = " ".join("".join(self.cell).split(" ")).strip()
        self.rows[-1].append((text, self.attributes))
        self.rows[-1].extend([("", {})] * (self.span - 1))
        self.cell = None


def read_html_table(text: str) -> list[list[Cell]]:
    """Rows of the first table (merged cells padded with empty ones); [] when there is none."""
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    parser._close_cell()
    return parser.rows
