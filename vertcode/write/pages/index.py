"""A batch's index page: counts at the top, then every note with its codes, flags and disposition,
linked to its page, with a search box and filters that work in the page itself."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from vertcode.write.pages.common import asset, made, page, page_name


def render_index(results: Iterable[dict], page_dir: Path) -> str:
    """A page listing every note (JSON results as written) with its codes and flags, each linked
    to its review page when there is one; click a column heading to sort by it. The index is also
    what the note pages' previous and next links go through, in the order and filter shown."""
    rows = []
    dispositions: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    units: Counter[str] = Counter()
    flag_kinds: set[str] = set()
    for result in results:
        status = "error" if result["errors"] else result.get("disposition", "review" if result["flags"] else "auto")
        dispositions[status] += 1
        for line in result["codes"]:
            units[line["code"]] += line["units"]
        notes.update({line["code"] for line in result["codes"]})
        kinds = list(dict.fromkeys(f["kind"] for f in result["flags"]))
        flag_kinds.update(kinds)
        rows.append(_row(result, status, kinds, page_dir))
    per_code = ", ".join(
        f"<b>{html.escape(code)}</b> on {notes[code]} notes ({units[code]} units)" for code in sorted(notes)
    )
    total = sum(dispositions.values())
    body = (
        f'<header><h1>vertcode review</h1>{made()}</header>\n<main class="index">\n'
        f'<section class="counts"><p><b>{total}</b> notes: <b>{dispositions["auto"]}</b> auto, '
        f"<b>{dispositions['review']}</b> review, <b>{dispositions['error']}</b> errors.</p>"
        f"<p>Per code: {per_code or 'none'}.</p></section>\n"
        f"{_filters(sorted(notes), sorted(flag_kinds), total)}\n"
        '<p id="notice" role="status" hidden></p>\n'
        '<table class="index"><thead><tr>'
        '<th scope="col" data-column="0">note</th><th scope="col" data-column="1">codes</th>'
        '<th scope="col" data-column="2">flags</th><th scope="col" data-column="3">disposition</th></tr></thead>'
        "<tbody>" + "".join(rows) + "</tbody></table></main>"
    )
    return page("vertcode review", body, asset("index.js"))


def _row(result: dict, status: str, kinds: list[str], page_dir: Path) -> str:
    codes = ", ".join(f"{c['code']} x{c['units']}" for c in result["codes"])
    name = html.escape(result["note"])
    link_name = page_name(result["note"])
    linked = (page_dir / link_name).exists()
    link = f'<a href="{html.escape(link_name)}">{name}</a>' if linked else name
    # Only a row with a page can be walked to from the previous and next links.
    walkable = f' data-page="{html.escape(link_name)}"' if linked else ""
    # A note that bills nothing says so: an empty cell beside "auto" reads as "all fine".
    shown_codes = html.escape(codes) if codes or result["errors"] else '<span class="none">no code</span>'
    shown_status = status + (f": {html.escape('; '.join(result['errors']))}" if result["errors"] else "")
    return (
        f'<tr{walkable} data-disposition="{status}" '
        f'data-codes="{html.escape(" ".join(c["code"] for c in result["codes"]))}" '
        f'data-flags="{html.escape(" ".join(kinds))}">'
        f'<td data-sort="{name}">{link}</td><td data-sort="{html.escape(codes or "~")}">{shown_codes}</td>'
        f'<td data-sort="{html.escape(", ".join(kinds) or "~")}">{html.escape(", ".join(kinds))}</td>'
        f'<td data-sort="{status}">{shown_status}</td></tr>'
    )


def _filters(codes: list[str], kinds: list[str], total: int) -> str:
    def choice(ident: str, label: str, values: list[str], none: str | None) -> str:
        options = "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in values)
        empty = f'<option value="-">{none}</option>' if none else ""
        return f'<label>{label} <select id="{ident}"><option value="">all</option>{options}{empty}</select></label>'

    return (
        '<form class="filters" role="search">'
        '<label>Search <input type="search" id="search" placeholder="note, code, flag or error"></label> '
        + choice("disposition", "Disposition", ["auto", "review", "error"], None)
        + " "
        + choice("code", "Code", codes, "no code")
        + " "
        + choice("flag", "Flag", kinds, "no flag")
        + f' <output id="shown" aria-live="polite">{total} of {total} notes shown</output></form>'
    )
