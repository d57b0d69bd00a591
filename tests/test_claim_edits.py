"""The claim tables as the code loads them, and the edits they give over charge lines (issue 16).

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
from vertcode.claims.edits import ChargeLine, check_lines
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


def changed(folder: Path, key: str, ident: str, **fields) -> tables.ClaimTables:
    """The tables with one row of edits.json changed."""
    return tables.load(edited(folder, edits=lambda d: row(d, key, ident).update(fields)))


def load_error(folder: Path) -> str:
    with pytest.raises(ClaimTableError) as caught:
        tables.load(folder)
    return str(caught.value)


def found(lines, *, dos=DOS, table=None) -> list[tuple[str, str, str, str]]:
    """(kind, code, rule, severity) of each edit, in order."""
    return [(e.kind, e.code, e.rule, e.severity) for e in check_lines(lines, dos=dos, tables=table or tables.load())]


def L(code: str, units: int = 1, modifiers: str = "", levels: str = "") -> ChargeLine:
    return ChargeLine(code, units, tuple(modifiers.split()), tuple(levels.split()))


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


# --- bundles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("guidance", ["77002", "77003", "77012", "77021"])
@pytest.mark.parametrize("primary", ["22510", "22514"])
def test_imaging_guidance_with_a_vertebral_augmentation_is_bundled(guidance, primary):
    assert found([L(primary), L(guidance)]) == [("bundled", guidance, "imaging-guidance", "edit")]


def test_imaging_guidance_alone_is_no_edit():
    assert found([L("77012")]) == []


def test_modifier_26_does_not_lift_the_imaging_bundle_while_the_table_gives_no_exception():
    (edit,) = check_lines([L("22513"), L("77002", modifiers="26")], dos=DOS, tables=tables.load())
    assert (edit.kind, edit.code, edit.rule, edit.severity) == ("bundled", "77002", "imaging-guidance", "edit")
    assert edit.source == ["cpt-descriptors", "coding-rules"]
    assert edit.message == (
        "77002 is included in 22513 (same session) and is not reported separately: it is billed in the same "
        "session. Modifier 26 does not lift this edit: the table gives no modifier-26 exception. Basis: CPT "
        "descriptor 'inclusive of all imaging guidance' (22510-22515 created for CPT 2015)."
    )


def test_a_modifier_26_exception_in_the_table_lets_the_professional_component_through(tmp_path):
    t = changed(tmp_path, "bundles", "imaging-guidance", modifier_26_exception=True)
    assert found([L("22513"), L("77002", modifiers="26")], table=t) == []
    assert found([L("22513"), L("77002")], table=t) == [("bundled", "77002", "imaging-guidance", "edit")]


def test_a_bypass_modifier_in_the_table_lifts_the_bundle_and_no_other_does(tmp_path):
    t = changed(tmp_path, "bundles", "imaging-guidance", bypass_modifiers=["59"])
    assert found([L("22513"), L("77002", modifiers="59")], table=t) == []
    assert found([L("22513"), L("77002", modifiers="XS")], table=t) == [
        ("bundled", "77002", "imaging-guidance", "edit")
    ]
    assert found([L("22513"), L("77002", modifiers="59")]) == [("bundled", "77002", "imaging-guidance", "edit")]


@pytest.mark.parametrize("sacroplasty", ["0200T", "0201T"])
def test_imaging_guidance_with_a_sacroplasty_is_bundled_by_its_own_row(sacroplasty):
    assert found([L(sacroplasty), L("77012")]) == [("bundled", "77012", "imaging-guidance-sacroplasty", "edit")]


def test_before_2015_guidance_was_72291_and_separately_reported_codes_were_not_yet_bundled():
    before = datetime.date(2014, 6, 1)
    assert found([L("22513"), L("77002")], dos=before) == []
    assert found([L("22513"), L("72291")], dos=before) == [
        ("bundled", "72291", "deleted-vertebroplasty-guidance", "review")
    ]
    assert found([L("22513"), L("72291")], dos=datetime.date(2015, 1, 1)) == []


def test_a_bundle_not_yet_or_no_longer_in_force_does_not_apply(tmp_path):
    later = changed(tmp_path / "a", "bundles", "imaging-guidance", effective=starting("2026-04-01"))
    ended = changed(tmp_path / "b", "bundles", "imaging-guidance", effective=starting("2015-01-01", "2026-03-01"))
    lines = [L("22513"), L("77002")]
    assert found(lines, table=later) == [] and found(lines, table=ended) == []
    assert found(lines, table=later, dos=datetime.date(2026, 4, 1)) == [
        ("bundled", "77002", "imaging-guidance", "edit")
    ]
    assert found(lines, table=ended, dos=datetime.date(2026, 3, 1)) == [
        ("bundled", "77002", "imaging-guidance", "edit")
    ]


def test_without_a_date_of_service_the_rows_in_force_today_apply(tmp_path):
    tomorrow = TODAY + datetime.timedelta(days=1)
    t = changed(tmp_path, "bundles", "imaging-guidance", effective=starting(tomorrow.isoformat()))
    assert found([L("22513"), L("77002")], dos=None, table=t) == []
    assert found([L("22513"), L("77002")], dos=tomorrow, table=t) == [("bundled", "77002", "imaging-guidance", "edit")]


@pytest.mark.parametrize(
    ("biopsy", "expected"),
    [
        (L("20225", levels="T8"), [("bundled", "20225", "bone-biopsy-same-level", "edit")]),
        # XS says another site; at a treated level it is not one.
        (L("20225", modifiers="XS", levels="T8"), [("bundled", "20225", "bone-biopsy-same-level", "edit")]),
        (L("20220", levels="T9"), [("bundled", "20220", "bone-biopsy-same-level", "edit")]),
        (L("20225", modifiers="XS", levels="L3"), []),
        (L("20225", modifiers="59", levels="L3"), []),
        # A level not treated needs the modifier the rule names: the rule is unconfirmed, a review.
        (L("20225", levels="L3"), [("modifier-missing", "20225", "bone-biopsy-different-level", "review")]),
        # No level to compare: XS or 59 says the site differs; without one it is the treated level.
        (L("20225", modifiers="XS"), []),
        (L("20220", modifiers="59"), []),
        (L("20225"), [("bundled", "20225", "bone-biopsy-same-level", "edit")]),
        (L("20225", modifiers="26"), [("bundled", "20225", "bone-biopsy-same-level", "edit")]),
    ],
)
def test_a_bone_biopsy_is_bundled_at_a_treated_level_and_separate_with_xs_or_59_elsewhere(biopsy, expected):
    assert found([L("22513", levels="T8"), L("22515", levels="T9"), biopsy]) == expected


def test_a_biopsy_with_levels_beside_primaries_without_is_the_same_level_unless_it_says_otherwise():
    assert found([L("22514"), L("20225", levels="L3")]) == [("bundled", "20225", "bone-biopsy-same-level", "edit")]
    assert found([L("22514"), L("20225", modifiers="XS", levels="L3")]) == []


@pytest.mark.parametrize(
    ("biopsy", "expected"),
    [
        (L("20225", levels="S1"), [("bundled", "20225", "bone-biopsy-sacroplasty", "edit")]),
        (L("20225", levels="sacrum"), [("bundled", "20225", "bone-biopsy-sacroplasty", "edit")]),
        (L("20225", modifiers="XS", levels="L4"), []),
        (L("20225", levels="L4"), []),
        (L("20225"), [("bundled", "20225", "bone-biopsy-sacroplasty", "edit")]),
        # The different-level rule names only 22510-22515: beside a sacroplasty, XS without a
        # level shows nothing the table accepts.
        (L("20225", modifiers="XS"), [("bundled", "20225", "bone-biopsy-sacroplasty", "edit")]),
    ],
)
def test_a_bone_biopsy_of_the_sacrum_is_bundled_with_a_sacroplasty(biopsy, expected):
    assert found([L("0201T"), biopsy]) == expected


@pytest.mark.parametrize("treatment", ["22310", "22315", "22325", "22327"])
def test_fracture_treatment_at_a_treated_level_is_bundled_for_review_the_row_being_unconfirmed(treatment):
    assert found([L("22513", levels="T8"), L(treatment, levels="T8")]) == [
        ("bundled", treatment, "fracture-treatment-same-level", "review")
    ]
    assert found([L("22513", levels="T8"), L(treatment, levels="L2")]) == []
    assert found([L("22511"), L(treatment)]) == [("bundled", treatment, "fracture-treatment-same-level", "review")]


def test_a_confirmed_fracture_treatment_row_gives_an_edit(tmp_path):
    t = changed(tmp_path, "bundles", "fracture-treatment-same-level", confirmed=True)
    assert found([L("22513", levels="T8"), L("22315", levels="T8")], table=t) == [
        ("bundled", "22315", "fracture-treatment-same-level", "edit")
    ]


def test_vertebroplasty_at_an_augmented_level_is_bundled_into_the_augmentation():
    assert found([L("22514", levels="L1"), L("22511", levels="L1")]) == [
        ("bundled", "22511", "augmentation-and-vertebroplasty-same-level", "review")
    ]


def test_moderate_sedation_is_separately_reportable_since_2017():
    assert found([L("22513"), L("99152"), L("99153")]) == []


def test_a_multi_level_claim_built_right_has_only_the_unconfirmed_add_on_units_to_review():
    lines = [L("22513", levels="T8"), L("22515", 2, levels="T9 T10"), L("99152"), L("99153")]
    assert found(lines) == [("mue-unconfirmed", "22515", "mue-22515", "review")]


# --- add-ons and primaries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([L("22512")], [("addon-without-primary", "22512", "addon-22512", "review")]),
        ([L("22515")], [("addon-without-primary", "22515", "addon-22515", "review")]),
        ([L("99153")], [("addon-without-primary", "99153", "addon-99153", "review")]),
        ([L("99157")], [("addon-without-primary", "99157", "addon-99157", "review")]),
        ([L("22511"), L("22512")], []),
        ([L("22514"), L("22515")], []),
        ([L("99151"), L("99153")], []),
        ([L("99156"), L("99157")], []),
        # 22513 is not 22512's primary (and a vertebroplasty beside it may be the same level).
        (
            [L("22513"), L("22512")],
            [
                ("bundled", "22512", "augmentation-and-vertebroplasty-same-level", "review"),
                ("addon-without-primary", "22512", "addon-22512", "review"),
            ],
        ),
    ],
)
def test_an_add_on_needs_one_of_its_primaries(lines, expected):
    assert found(lines) == expected


def test_the_add_on_message_says_which_code_is_not_its_primary():
    edits = check_lines([L("22514"), L("22512", levels="L2")], dos=DOS, tables=tables.load())
    assert edits[-1].message == (
        "+22512 is an add-on of 22510 or 22511, and none is on the claim: an add-on code is never reported "
        "alone. 22514 is not its primary. The table row is unconfirmed (from third-party or project sources only): "
        "review."
    )


def test_a_confirmed_add_on_pair_gives_an_edit_and_one_out_of_force_gives_none(tmp_path):
    t = changed(tmp_path, "addon_pairs", "22515", confirmed=True)
    assert found([L("22515")], table=t) == [("addon-without-primary", "22515", "addon-22515", "edit")]
    assert found([L("22515")], table=t, dos=datetime.date(2014, 12, 31)) == []


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [L("22513", levels="T8"), L("22513", levels="T10")],
            [
                ("primary-repeated", "22513", "addon-22515", "review"),
                ("mue-unconfirmed", "22513", "mue-22513", "review"),
            ],
        ),
        (
            [L("22511", 2)],
            [
                ("primary-repeated", "22511", "addon-22512", "review"),
                ("mue-unconfirmed", "22511", "mue-22511", "review"),
            ],
        ),
        (
            [L("99152", 2)],
            [
                ("primary-repeated", "99152", "addon-99153", "review"),
                ("mue-unconfirmed", "99152", "mue-99152", "review"),
            ],
        ),
        ([L("22510", levels="T8"), L("22511", levels="L2")], [("second-primary", "22511", "addon-22512", "review")]),
    ],
)
def test_a_primary_is_reported_once_per_session_and_one_per_family(lines, expected):
    assert found(lines) == expected


# --- units -------------------------------------------------------------------------------------


def test_an_unconfirmed_mue_gives_a_review_with_the_candidate_for_information_never_an_edit():
    edits = check_lines([L("0201T", 2)], dos=DOS, tables=tables.load())
    assert [(e.kind, e.code, e.rule, e.severity) for e in edits] == [
        ("mue-unconfirmed", "0201T", "mue-0201T", "review")
    ]
    assert edits[0].source == ["cms-mue"]
    assert edits[0].message == (
        "0201T: 2 units on the date of service were not checked: its medically unlikely edit could not be "
        "confirmed from the CMS file (Practitioner Services MUE table). For information only, a candidate of 1 "
        "unit(s) (MAI 2), reasoned, not a CMS value: as 0200T."
    )
    assert found([L("0201T")]) == []


def test_an_unconfirmed_mue_without_a_candidate_says_so():
    (edit,) = check_lines([L("22513"), L("22515", 4)], dos=DOS, tables=tables.load())
    assert (edit.kind, edit.severity) == ("mue-unconfirmed", "review")
    assert edit.message.endswith("(Practitioner Services MUE table). There is no candidate value either.")


def _confirmed_mue(mai: int, start: str = "2026-01-01", end: str | None = None):
    def change(data):
        mue = next(r for r in data["mue"]["rows"] if r["code"] == "22515")
        mue.update(value=3, mai=mai, confirmed=True, effective=starting(start, end))

    return change


@pytest.mark.parametrize(
    ("mai", "lines", "expected"),
    [
        (3, [L("22515", 3)], []),
        (3, [L("22515", 4)], [("mue-exceeded", "22515", "mue-22515", "edit")]),
        # MAI 2 and 3 count the date of service, MAI 1 each line.
        (3, [L("22515", 2), L("22515", 2)], [("mue-exceeded", "22515", "mue-22515", "edit")]),
        (2, [L("22515", 2), L("22515", 2)], [("mue-exceeded", "22515", "mue-22515", "edit")]),
        (1, [L("22515", 2), L("22515", 2)], []),
        (1, [L("22515", 4)], [("mue-exceeded", "22515", "mue-22515", "edit")]),
    ],
)
def test_a_confirmed_mue_is_an_edit_above_its_value(tmp_path, mai, lines, expected):
    t = tables.load(edited(tmp_path, edits=_confirmed_mue(mai)))
    assert found([L("22513"), *lines], table=t) == expected


def test_the_mue_edit_names_its_value_and_indicator(tmp_path):
    t = tables.load(edited(tmp_path, edits=_confirmed_mue(3)))
    (edit,) = check_lines([L("22513"), L("22515", 5)], dos=DOS, tables=t)
    assert edit.message == (
        "22515: 5 units on the date of service exceed the medically unlikely edit of 3 "
        "(MAI 3, per date of service, by clinical judgement)."
    )


def test_a_new_quarters_mue_row_beside_the_old_one_picks_the_value_by_date(tmp_path):
    def change(data):
        rows = data["mue"]["rows"]
        old = next(r for r in rows if r["code"] == "22515")
        old.update(value=2, mai=3, confirmed=True, effective=starting("2026-01-01", "2026-03-31"))
        rows.append({**old, "value": 4, "effective": starting("2026-04-01")})

    t = tables.load(edited(tmp_path, edits=change))
    lines = [L("22513"), L("22515", 3)]
    assert found(lines, table=t, dos=datetime.date(2026, 3, 31)) == [("mue-exceeded", "22515", "mue-22515", "edit")]
    assert found(lines, table=t, dos=datetime.date(2026, 4, 1)) == []


def test_two_rows_of_one_code_in_force_on_the_same_day_are_a_table_error(tmp_path):
    def change(data):
        rows = data["mue"]["rows"]
        old = next(r for r in rows if r["code"] == "22515")
        old.update(value=2, mai=3, confirmed=True, effective=starting("2026-01-01"))
        rows.append({**old, "value": 4, "effective": starting("2026-04-01")})

    folder = edited(tmp_path, edits=change)
    assert load_error(folder) == (
        f"{folder / 'edits.json'}: mue.rows[11] (mue-22515): its dates (2026-04-01 to open) overlap those of "
        "mue.rows[5] (2026-01-01 to open); end the older row's range"
    )
    pairs = edited(tmp_path / "b", edits=lambda d: d["addon_pairs"].append(dict(d["addon_pairs"][0])))
    assert load_error(pairs) == (
        f"{pairs / 'edits.json'}: addon_pairs[4] (addon-22512): its dates (2015-01-01 to open) overlap those of "
        "addon_pairs[0] (2015-01-01 to open); end the older row's range"
    )


def test_an_mue_row_applies_only_on_the_dates_it_is_in_force(tmp_path):
    t = tables.load(edited(tmp_path, edits=_confirmed_mue(3, "2026-04-01")))
    assert found([L("22513"), L("22515", 4)], table=t) == []
    assert found([L("22513"), L("22515", 4)], table=t, dos=datetime.date(2026, 4, 1)) == [
        ("mue-exceeded", "22515", "mue-22515", "edit")
    ]
    ended = tables.load(edited(tmp_path / "b", edits=_confirmed_mue(3, "2025-10-01", "2025-12-31")))
    assert found([L("22513"), L("22515", 4)], table=ended) == []


# --- modifiers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([L("22513", modifiers="50")], [("modifier-not-allowed", "22513", "no-bilateral", "edit")]),
        ([L("22510", modifiers="LT")], [("modifier-not-allowed", "22510", "no-bilateral", "edit")]),
        ([L("22514"), L("22515", modifiers="RT")], [("modifier-not-allowed", "22515", "no-bilateral", "edit")]),
        ([L("0201T", modifiers="50")], []),
        (
            [L("22513"), L("22515", modifiers="59")],
            [("modifier-not-allowed", "22515", "no-51-or-59-on-addons", "review")],
        ),
        (
            [L("22511"), L("22512", modifiers="XU")],
            [("modifier-not-allowed", "22512", "no-51-or-59-on-addons", "review")],
        ),
        (
            [L("22511"), L("22512", modifiers="51")],
            [("modifier-not-allowed", "22512", "no-51-or-59-on-addons", "review")],
        ),
        ([L("22511"), L("22512", modifiers="XS")], []),
    ],
)
def test_modifiers_these_codes_never_take(lines, expected):
    assert found(lines) == expected


def test_the_bilateral_edit_quotes_the_rule():
    (edit,) = check_lines([L("22514", modifiers="50")], dos=DOS, tables=tables.load())
    assert edit.message == (
        "22514-50: Never modifier 50: the descriptors cover unilateral or bilateral injection/cannulation; "
        "a bilateral-needle level is one unit."
    )
    assert edit.source == ["cpt-descriptors", "coding-rules"]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [L("22511", levels="L2"), L("22513", levels="T8")],
            [("modifier-suggested", "22511", "mixed-technique-session", "review")],
        ),
        (
            [L("22510", levels="T4"), L("22512", levels="T5"), L("22514", levels="L1")],
            [("modifier-suggested", "22510", "mixed-technique-session", "review")],
        ),
        ([L("22511", modifiers="XS", levels="L2"), L("22513", levels="T8")], []),
        ([L("22511", modifiers="59", levels="L2"), L("22513", levels="T8")], []),
        # No levels: it may be the augmented level (rule 6) or another (rule 7); both are said.
        (
            [L("22511"), L("22514")],
            [
                ("bundled", "22511", "augmentation-and-vertebroplasty-same-level", "review"),
                ("modifier-suggested", "22511", "mixed-technique-session", "review"),
            ],
        ),
        ([L("22511", modifiers="XS"), L("22514")], []),
    ],
)
def test_a_mixed_technique_session_suggests_xs_or_59_on_the_vertebroplasty_for_review(lines, expected):
    assert found(lines) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (L("22514", modifiers="53"), [("modifier-review", "22514", "abandoned-procedure", "review")]),
        (L("22510", modifiers="52"), [("modifier-review", "22510", "abandoned-procedure", "review")]),
        (L("0200T", modifiers="73"), [("modifier-review", "0200T", "abandoned-procedure", "review")]),
        (L("0201T", modifiers="74"), [("modifier-review", "0201T", "abandoned-procedure", "review")]),
        (L("22514"), []),
    ],
)
def test_a_discontinued_or_reduced_procedure_is_always_a_coders_call(line, expected):
    assert found([line]) == expected


def test_a_confirmed_modifier_rule_hardens_and_a_dated_one_applies_only_in_its_range(tmp_path):
    def change(data):
        row(data, "modifiers", "no-51-or-59-on-addons").update(confirmed=True)
        row(data, "modifiers", "no-bilateral").update(effective=starting("2027-01-01"))

    t = tables.load(edited(tmp_path, edits=change))
    assert found([L("22513"), L("22515", modifiers="59")], table=t) == [
        ("modifier-not-allowed", "22515", "no-51-or-59-on-addons", "edit")
    ]
    assert found([L("22513", modifiers="50")], table=t) == []
    assert found([L("22513", modifiers="50")], table=t, dos=datetime.date(2027, 1, 1)) == [
        ("modifier-not-allowed", "22513", "no-bilateral", "edit")
    ]


def test_a_new_modifier_rule_applies_as_its_effect_says(tmp_path):
    rule = {"id": "no-22", "effect": "forbidden", "modifiers": ["22"], "codes": ["22513"], "rule": "No 22."}
    rule |= {"source": "coding-rules", "confirmed": False}
    t = tables.load(edited(tmp_path, edits=lambda d: d["modifiers"].append(rule)))
    assert found([L("22513", modifiers="22")], table=t) == [("modifier-not-allowed", "22513", "no-22", "review")]
