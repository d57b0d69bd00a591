"""A batch's index page: every note with its codes, flags and disposition, linked to its page."""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

from vertcode.write.pages.common import asset, page, page_name


def render_index(results: Iterable[dict], page_dir: Path) -> str:
    """A page listing every note (JSON results as written) with its codes and flags, each linked
    to its review page when there is one; click a column heading to sort by it."""
    rows = []
    for result in results:
        codes = ", ".join(f"{c['code']} x{c['units']}" for c in result["codes"])
        kinds = ", ".join(f["kind"] for f in result["flags"])
        status = "error" if result["errors"] else result.get("disposition", "review" if result["flags"] else "auto")
        name = html.escape(result["note"])
        link_name = page_name(result["note"])
        link = f'<a href="{html.escape(link_name)}">{name}</a>' if (page_dir / link_name).exists() else name
        rows.append(
            f'<tr><td data-sort="{name}">{link}</td><td data-sort="{html.escape(codes)}">{html.escape(codes)}</td>'
            f'<td data-sort="{html.escape(kinds or "~")}">{html.escape(kinds)}</td>'
            f'<td data-sort="{status}">{status}</td></tr>'
        )
    body = (
        "<header><h1>vertcode review</h1></header>\n<main><table><thead><tr>"
        '<th data-column="0">note</th><th data-column="1">codes</th><th data-column="2">flags</th>'
        '<th data-column="3">status</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table></main>"
    )
    return page("vertcode review", body, asset("index.js"))
