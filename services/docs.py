"""The documentation site: Markdown pages in docs/, rendered by the web app at /docs and built as a
static site by `python -m services.docs build OUTPUT_DIR`.

PAGES is the navigation (one entry per file). The node reference page is generated from the node
registry's descriptions, so it lists exactly the node types this installation has. Links between
pages are written as `concepts.md#items`; rendering turns them into `/docs/concepts#items` (web) or
`concepts.html#items` (static). `check_docs()` reports every page missing from the navigation, every
link to a page or heading that does not exist, and every unclosed code fence: the build fails on any.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from engine.node_api import NodeDescription, Parameter
from engine.registry import NodeRegistry

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
NODES_PAGE = "nodes"
_CHOICES_SHOWN = 12  # option values listed per parameter in the node reference

# (page id = file name without .md, title). The first page is /docs itself.
PAGES: tuple[tuple[str, str], ...] = (
    ("index", "Overview"),
    ("quick-start", "Quick start"),
    ("concepts", "Concepts: items, expressions, execution order"),
    (NODES_PAGE, "Node reference"),
    ("credentials", "Credentials"),
    ("templates", "Templates"),
    ("notifications", "Failures and notifications"),
    ("deployment", "Deployment"),
    ("scaling", "Scaling and worker health"),
    ("settings", "Settings"),
    ("backup", "Backup and restore"),
    ("upgrading", "Upgrading"),
    ("security", "Security model"),
    ("from-n8n", "Coming from n8n"),
)
TITLES = dict(PAGES)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)


@dataclass(frozen=True)
class Segment:
    """A piece of a rendered page: HTML, or the source of a mermaid diagram."""

    kind: str  # "html" | "mermaid"
    content: str


def page_markdown(page: str, registry: NodeRegistry | None = None) -> str:
    """The Markdown of a page; raises KeyError for a page not in the navigation."""
    if page not in TITLES:
        raise KeyError(page)
    if page == NODES_PAGE:
        return node_reference(registry or NodeRegistry.from_entry_points())
    return (DOCS_DIR / f"{page}.md").read_text(encoding="utf-8")


def render_page(page: str, link: Callable[[str, str], str], registry: NodeRegistry | None = None) -> list[Segment]:
    """A page as HTML segments and mermaid diagrams. `link(page, anchor)` makes the URL of a docs link."""
    text = page_markdown(page, registry)
    segments: list[Segment] = []
    for kind, content in _split_mermaid(text):
        if kind == "mermaid":
            segments.append(Segment("mermaid", content))
        else:
            segments.append(Segment("html", _markdown().render(_rewrite_links(content, link))))
    return segments


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.add_render_rule("heading_open", _heading_with_id)
    return md


def _heading_with_id(renderer: Any, tokens: list[Any], index: int, options: Any, env: Any) -> str:
    return f'<{tokens[index].tag} id="{slug(tokens[index + 1].content)}">'


def slug(heading: str) -> str:
    """The anchor of a heading, as GitHub makes it: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _split_mermaid(text: str) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    pattern = re.compile(r"^```mermaid\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
    position = 0
    for match in pattern.finditer(text):
        parts.append(("markdown", text[position:match.start()]))
        parts.append(("mermaid", match.group(1).strip()))
        position = match.end()
    parts.append(("markdown", text[position:]))
    return [part for part in parts if part[1].strip()]


def _rewrite_links(text: str, link: Callable[[str, str], str]) -> str:
    def replace(match: re.Match[str]) -> str:
        target = match.group(1)
        page, anchor = _docs_target(target)
        return f"]({link(page, anchor)})" if page is not None else match.group(0)

    return _LINK.sub(replace, text)


def _docs_target(target: str) -> tuple[str | None, str]:
    """(page, anchor) of a link to another docs page or a heading of this one; (None, "") for others."""
    if target.startswith("#"):
        return "", target[1:]
    path, _, anchor = target.partition("#")
    if "://" in path or path.startswith(("/", "mailto:")) or not path.endswith(".md"):
        return None, ""
    return path.removesuffix(".md"), anchor


def web_link(page: str, anchor: str) -> str:
    path = "/docs" if page == "index" else f"/docs/{page}" if page else ""
    return path + (f"#{anchor}" if anchor else "")


# ---- checking and building ---------------------------------------------------------------------

def check_docs(registry: NodeRegistry | None = None) -> list[str]:
    """Every problem of the docs: pages outside the navigation, missing files, dead links and anchors,
    unclosed code fences. Empty when the docs build cleanly."""
    registry = registry or NodeRegistry.from_entry_points()
    problems = [f"docs/{file.name}: not in the navigation (services/docs.py PAGES)"
                for file in sorted(DOCS_DIR.glob("*.md")) if file.stem not in TITLES]
    texts: dict[str, str] = {}
    for page in TITLES:
        try:
            texts[page] = page_markdown(page, registry)
        except FileNotFoundError:
            problems.append(f"docs/{page}.md: listed in the navigation but missing")
    anchors = {page: {slug(heading) for heading in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}
               for page, text in texts.items()}
    for page, text in texts.items():
        if len(_FENCE.findall(text)) % 2:
            problems.append(f"docs/{page}.md: a code fence is not closed")
        for target in _LINK.findall(_without_code(text)):
            linked, anchor = _docs_target(target)
            if linked is None:
                continue
            linked = linked or page
            if linked not in texts:
                problems.append(f"docs/{page}.md: link to {target}: no such page")
            elif anchor and anchor not in anchors[linked]:
                problems.append(f"docs/{page}.md: link to {target}: no heading '{anchor}' in {linked}.md")
    return problems


def _without_code(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def build_site(output: Path, registry: NodeRegistry | None = None) -> list[Path]:
    """Write every page as a static HTML file (mermaid diagrams as <pre class="mermaid">)."""
    registry = registry or NodeRegistry.from_entry_points()
    output.mkdir(parents=True, exist_ok=True)
    nav = "".join(f'<li><a href="{page}.html">{escape(title)}</a></li>' for page, title in PAGES)
    written = []
    for page, title in PAGES:
        body = "".join(segment.content if segment.kind == "html"
                       else f'<pre class="mermaid">{escape(segment.content)}</pre>'
                       for segment in render_page(page, _static_link, registry))
        html = (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)} · Knotwork</title>"
                f"</head><body><nav><ul>{nav}</ul></nav><main>{body}</main></body></html>\n")
        path = output / f"{page}.html"
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return written


def _static_link(page: str, anchor: str) -> str:
    return (f"{page}.html" if page else "") + (f"#{anchor}" if anchor else "")


# ---- the node reference -----------------------------------------------------------------------

def node_reference(registry: NodeRegistry) -> str:
    """The node reference page, from the registry's node descriptions."""
    descriptions = sorted(registry.descriptions(), key=lambda d: (d.display_name.lower(), d.name))
    lines = ["# Node reference", "",
             f"The {len(descriptions)} node types of this installation, generated from their descriptions "
             "(the same data the editor builds its forms from). Each answers to its Knotwork type name and "
             "to the n8n type names listed, so n8n workflow JSON naming them imports as it is. Parameters "
             "marked with versions only exist in those versions of the node.", "",
             "| Node | Type names | Versions |", "|---|---|---|"]
    for d in descriptions:
        names = ", ".join(f"`{name}`" for name in (d.name, *d.aliases))
        lines.append(f"| [{d.display_name}](#{slug(_heading(d))}) | {names} | "
                     f"{', '.join(_version(v) for v in d.versions)} |")
    for d in descriptions:
        lines += ["", f"## {_heading(d)}", "", _cell(d.description) or "(no description)", "",
                  f"- Type: `{d.name}`" + (f" (n8n: {', '.join(f'`{a}`' for a in d.aliases)})" if d.aliases else ""),
                  f"- Versions: {', '.join(_version(v) for v in d.versions)} (new nodes get "
                  f"{_version(d.default_version)})",
                  f"- Group: {d.group}; inputs: {d.inputs}, outputs: {d.outputs}"
                  + (f" ({', '.join(d.output_names)})" if d.output_names else "")]
        if d.trigger:
            lines.append("- Starts workflows (a trigger)")
        if d.hidden:
            lines.append("- Not offered in the editor's palette (kept so older workflows still run)")
        if d.credentials:
            slots = dict.fromkeys(f"`{slot.name}`" + ("" if slot.required else " (optional)") for slot in d.credentials)
            lines.append("- Credentials: " + ", ".join(slots))
        if d.parameters:
            lines += ["", "| Parameter | Name | Type | Default | Description |", "|---|---|---|---|---|"]
            lines += [_parameter_row(parameter) for parameter in d.parameters]
    return "\n".join(lines) + "\n"


def _heading(description: NodeDescription) -> str:
    return f"{description.display_name} ({description.name})"


def _parameter_row(parameter: Parameter) -> str:
    versions = (parameter.show or {}).get("@version") if parameter.show else None
    shown = f" (v{', '.join(_version(v) for v in versions)})" if versions else ""
    default = parameter.default
    default_text = f"`{_cell(default if isinstance(default, str) else json.dumps(default, default=str))}`" \
        if default not in ("", None, {}, []) else ""
    choices = ""
    if parameter.options:
        values = [f"`{_cell(str(option.value))}`" for option in parameter.options[:_CHOICES_SHOWN] if option.value != ""]
        more = ", …" if len(parameter.options) > _CHOICES_SHOWN else ""
        choices = f" One of: {', '.join(values)}{more}." if values else ""
    return (f"| {_cell(parameter.display_name)}{shown} | `{parameter.name}` | {parameter.type} | {default_text} | "
            f"{_cell(parameter.description or '')}{choices} |")


def _version(version: float) -> str:
    return f"{version:g}"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", r"\|")[:300]


def main(argv: list[str]) -> int:
    """`python -m services.docs build OUTPUT_DIR` (or `check`): exits 1 on any problem."""
    if len(argv) < 1 or argv[0] not in ("build", "check") or (argv[0] == "build" and len(argv) != 2):
        print("usage: python -m services.docs check | build OUTPUT_DIR", file=sys.stderr)
        return 2
    problems = check_docs()
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if problems:
        return 1
    if argv[0] == "build":
        written = build_site(Path(argv[1]))
        print(f"wrote {len(written)} pages to {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
