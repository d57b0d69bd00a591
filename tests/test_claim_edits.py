"""The claim tables as the code loads them (issue 16).

Tables are edited in copies under tmp_path: a row's dates moved, a value confirmed, an entry
broken. Each edit is asserted by kind, code, rule id and severity, so a rule that stopped firing,
fired on the wrong line or hardened an unconfirmed value into an edit fails here.
"""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest

from vertcode.claims import tables
from vertcode.claims.tables import ClaimTableError, in_force

CLAIMS = Path(__file__).resolve().parent.parent / "patterns" / "claims"
DOS = datetime.date(2026, 3, 2)
TODAY = datetime.date.today()


def edited(tmp_path: Path, edits=None, prior=None) -> Path:
    """A copy of patterns/claims/ with edits.json and prior_auth.json changed by the functions."""
    folder = tmp_path / "claims"
    shutil.copytree(CLAIMS, folder)
    for name, change in (("edits.json", edits), ("prior_auth.json", prior)):
        if change:
            path = folder / name
            data = json.loads(path.read_text(encoding="utf-8"))
            change(data)
            path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return folder


def row(data: dict, key: str, ident: str) -> dict:
    return next(r for r in data[key] if r.get("id", r.get("addon")) == ident)


def starting(day: str | None, until: str | None = None) -> dict:
    return {"from": day, "to": until}


def load_error(folder: Path) -> str:
    with pytest.raises(ClaimTableError) as caught:
        tables.load(folder)
    return str(caught.value)


# --- loading ---------------------------------------------------------------------------------


def test_the_shipped_tables_load_with_their_scopes_dates_and_confidence():
    t = tables.load()
    assert len(t.bundles) == 9 and len(t.addon_pairs) == 4 and len(t.mue) == 11 and len(t.modifiers) == 6
    by_id = {b.id: b for b in t.bundles}
    imaging = by_id["imaging-guidance"]
    assert (imaging.scope, imaging.bypass_modifiers, imaging.modifier_26_exception) == ("session", (), None)
    assert imaging.column2 == ("77002", "77003", "77012", "77021") and imaging.confirmed
    assert imaging.effective == tables.Effective(datetime.date(2015, 1, 1), None)
    assert by_id["bone-biopsy-same-level"].scope == "level" and by_id["bone-biopsy-sacroplasty"].scope == "sacrum"
    assert by_id["venography"].column2 == () and by_id["venography"].described == ("venography (any code)",)
    assert by_id["deleted-vertebroplasty-guidance"].effective.end == datetime.date(2014, 12, 31)
    assert all(m.value is None and not m.confirmed for m in t.mue)
    assert {m.id: m.effect for m in t.modifiers}["no-bilateral"] == "forbidden"
    (wiser,) = t.programs
    assert wiser.effective == tables.Effective(datetime.date(2026, 1, 15), datetime.date(2031, 12, 31))
    assert wiser.model.start == datetime.date(2026, 1, 1) and not wiser.codes_confirmed
    assert t.coverage_notes[0].id == "coverage-0200T-0201T" and t.coverage_notes[0].codes == ("0200T", "0201T")


def test_tables_are_read_once_per_directory(tmp_path):
    folder = edited(tmp_path)
    assert tables.load() is tables.load() and tables.load(folder) is tables.load(str(folder))
    assert tables.load(folder) is not tables.load()


def test_in_force_keeps_the_rows_whose_range_holds_the_date_both_ends_included():
    deleted = [b for b in tables.load().bundles if b.id == "deleted-vertebroplasty-guidance"]
    assert in_force(deleted, datetime.date(2014, 12, 31)) == deleted
    assert in_force(deleted, datetime.date(2015, 1, 1)) == []
    imaging = [b for b in tables.load().bundles if b.id == "imaging-guidance"]
    assert in_force(imaging, datetime.date(2014, 12, 31)) == [] and in_force(imaging, datetime.date(2015, 1, 1))


def test_in_force_without_a_date_is_today(tmp_path):
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    folder = edited(
        tmp_path, edits=lambda d: row(d, "bundles", "imaging-guidance").update(effective=starting(tomorrow))
    )
    imaging = [b for b in tables.load(folder).bundles if b.id == "imaging-guidance"]
    assert in_force(imaging, None) == [] and in_force(imaging, TODAY + datetime.timedelta(days=1)) == imaging


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["bundles"][0]["effective"].update({"from": "2015-13-01"}),
            "bundles[0] (id 'imaging-guidance'): effective.from is not a date ('2015-13-01'); "
            "write YYYY-MM-DD, or null for open",
        ),
        (
            lambda d: d["bundles"][2]["effective"].update({"from": "2015-01-01", "to": "2014-12-31"}),
            "bundles[2] (id 'deleted-vertebroplasty-guidance'): "
            "effective.from 2015-01-01 is after effective.to 2014-12-31",
        ),
        (
            lambda d: d["bundles"][3].update(scope="same level"),
            "bundles[3] (id 'bone-biopsy-same-level'): scope 'same level' is not one the checks know: "
            "['any', 'sacrum, same session', 'same operative session', 'same session', 'same vertebral level']",
        ),
        (
            lambda d: d["bundles"][0].update(column2=["77002", "7700"]),
            "bundles[0] (id 'imaging-guidance'): column2[1] is not a CPT/HCPCS code ('7700'), nor a description of one",
        ),
        (
            lambda d: d["bundles"][1].update(source=["cpt-descriptor"]),
            "bundles[1] (id 'imaging-guidance-sacroplasty'): "
            "source 'cpt-descriptor' is not in the file's source object",
        ),
        (
            lambda d: d["bundles"][4].update(id="imaging-guidance"),
            "bundles[4] (id 'imaging-guidance'): the id is used twice",
        ),
        (
            lambda d: d["addon_pairs"][1].update(primaries=[]),
            "addon_pairs[1] (22515): primaries must be a non-empty list of codes",
        ),
        (
            lambda d: d["mue"]["rows"][0].update(confirmed=True),
            "mue.rows[0] (22510): a confirmed MUE needs its CMS value and mai",
        ),
        (
            lambda d: d["mue"]["rows"][1].update(value=1),
            "mue.rows[1] (22511): an unconfirmed MUE leaves value and mai null; a reasoned number goes in candidate",
        ),
        (
            lambda d: d["mue"]["rows"][2].update(value=0, mai=2, confirmed=True),
            "mue.rows[2] (22512): value must be a whole number of units, at least 1, or null (0)",
        ),
        (
            lambda d: d["modifiers"].append({**d["modifiers"][2], "id": "no-22"}),
            "modifiers[6] (id 'no-22'): no check is written for this id: give it an \"effect\", one of "
            "['distinct-site', 'documentation', 'forbidden', 'review', 'suggested']",
        ),
        (
            lambda d: d["modifiers"][0].pop("with"),
            "modifiers[0] (id 'bone-biopsy-different-level'): a 'distinct-site' rule needs \"with\": "
            "the codes it applies beside",
        ),
    ],
)
def test_a_broken_edits_table_names_the_file_and_the_entry(tmp_path, change, problem):
    folder = edited(tmp_path, edits=change)
    assert load_error(folder) == f"{folder / 'edits.json'}: {problem}"


def test_a_misspelt_key_is_an_error_not_a_silently_dropped_date(tmp_path):
    folder = edited(tmp_path, edits=lambda d: d["bundles"][0].update(efective=d["bundles"][0].pop("effective")))
    message = load_error(folder)
    assert message.startswith(
        f"{folder / 'edits.json'}: bundles[0] (id 'imaging-guidance'): unknown key(s) ['efective']"
    )


def test_a_new_modifier_rule_loads_when_it_says_its_effect(tmp_path):
    rule = {"id": "no-22", "effect": "forbidden", "modifiers": ["22"], "codes": ["22513"], "rule": "r"}
    folder = edited(
        tmp_path, edits=lambda d: d["modifiers"].append({**rule, "source": "coding-rules", "confirmed": False})
    )
    assert tables.load(folder).modifiers[-1].effect == "forbidden"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["programs"][0]["effective"].update(dates_of_service_from="2026-1-15"),
            "programs[0] (id 'wiser'): effective.dates_of_service_from is not a date ('2026-1-15'); "
            "write YYYY-MM-DD, or null for open",
        ),
        (
            lambda d: d["programs"][0]["states"][3].update(state="Texas"),
            "programs[0] (id 'wiser').states[3]: state must be a two-letter postal code ('Texas')",
        ),
        (
            lambda d: d["programs"][0]["settings"].pop("excluded"),
            "programs[0] (id 'wiser').settings: missing key(s) ['excluded']",
        ),
        (
            lambda d: d["coverage_notes"][0]["commercial"][0].update(source="bcbst"),
            "coverage_notes[0].commercial[0]: source 'bcbst' is not in the file's source object",
        ),
    ],
)
def test_a_broken_prior_auth_table_names_the_file_and_the_entry(tmp_path, change, problem):
    folder = edited(tmp_path, prior=change)
    assert load_error(folder) == f"{folder / 'prior_auth.json'}: {problem}"


def test_unreadable_tables_name_the_file(tmp_path):
    folder = edited(tmp_path)
    (folder / "edits.json").write_text('{"source": {}\n  "bundles": []}', encoding="utf-8")
    assert load_error(folder) == f"{folder / 'edits.json'}:2: invalid JSON (Expecting ',' delimiter)"
    (folder / "edits.json").unlink()
    assert load_error(folder).startswith(f"{folder / 'edits.json'}: cannot read claim table (")
