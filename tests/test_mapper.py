"""The coding rules alone, on plain findings: no spaCy, no note text."""

import pytest

from vertcode.coding import code_note
from vertcode.model import Evidence, Extraction, Finding
from vertcode.patterns import load_descriptions

DESCRIPTIONS = load_descriptions()


def finding(
    level,
    technique="vertebroplasty",
    *,
    order=None,
    device=None,
    source="description",
    status="treated",
    laterality=None,
    described=True,
):
    ev = Evidence(0, len(level), level, "LEVEL")
    return Finding(
        level=level,
        status=status,
        technique=technique,
        device=device,
        laterality=laterality,
        evidence=[ev],
        technique_source=source,
        described=described,
        order=order if order is not None else 0,
    )


def run(*findings, **extra):
    extra.setdefault("cement_documented", True)
    ordered = [f if f.order else Finding(**{**f.__dict__, "order": i}) for i, f in enumerate(findings)]
    codes, flags = code_note(Extraction(findings=ordered, **extra), DESCRIPTIONS)
    return {c.code: c.units for c in codes}, {f.kind for f in flags}, codes


# Rule 1: a cavity made with a device is augmentation; cement alone is vertebroplasty.
def test_device_makes_augmentation():
    assert run(finding("T6", "augmentation", device="balloon"))[:2] == ({"22513": 1}, set())


def test_title_kyphoplasty_without_cavity_in_description_is_vertebroplasty():
    codes, flags, lines = run(finding("T8", "augmentation", source="title", described=True))
    assert codes == {"22510": 1}
    assert flags == {"technique-conflict"}
    assert lines[0].review


def test_title_vertebroplasty_with_a_cavity_in_the_description_is_augmentation_and_flagged():
    retitled = Finding(
        **{**finding("T8", "augmentation", device="balloon", source="device").__dict__, "titled": "vertebroplasty"}
    )
    codes, flags, lines = run(retitled)
    assert codes == {"22513": 1}
    assert flags == {"technique-conflict"}
    # Vertebroplasty coded at another level may be what the title's "vertebroplasty" named.
    assert run(retitled, finding("L4"))[1] == {"mixed-techniques"}


def test_augmentation_named_without_device_or_description_is_kept_and_flagged():
    codes, flags, lines = run(finding("L1", "augmentation", source="title", described=False))
    assert codes == {"22514": 1}
    assert flags == {"no-device"}
    assert lines[0].review


# Rules 2 and 4: one primary per family, one add-on unit per extra body.
@pytest.mark.parametrize(
    "levels, expected",
    [
        (["T5"], {"22510": 1}),
        (["L2", "L6"], {"22511": 1, "22512": 1}),
        (["T4", "T6", "T8"], {"22510": 1, "22512": 2}),
        (["C2"], {"22510": 1}),
    ],
)
def test_vertebroplasty_units(levels, expected):
    assert run(*(finding(x) for x in levels))[0] == expected


@pytest.mark.parametrize(
    "levels, expected",
    [
        (["T7"], {"22513": 1}),
        (["L1", "L2"], {"22514": 1, "22515": 1}),
        (["T9", "T10", "T11"], {"22513": 1, "22515": 2}),
    ],
)
def test_augmentation_units(levels, expected):
    assert run(*(finding(x, "augmentation", device="balloon") for x in levels))[0] == expected


def test_addon_is_never_reported_alone():
    for levels in (["T5"], ["L3"]):
        codes = run(*(finding(x) for x in levels))[0]
        assert "22512" not in codes and "22515" not in codes


# Rule 3: levels across regions: the first level treated picks the primary, and a flag.
def test_seed_example_4_cross_region_primary_follows_first_level():
    codes, flags, lines = run(*(finding(x, "augmentation", device="curette") for x in ("T7", "L3", "L4")))
    assert codes == {"22513": 1, "22515": 2}
    assert flags == {"cross-region-primary"}
    assert lines[0].levels == ["T7"] and lines[0].review
    assert lines[1].levels == ["L3", "L4"]


def test_cross_region_lumbar_first():
    codes, flags, _ = run(*(finding(x, "augmentation", device="balloon") for x in ("L2", "L1", "T12")))
    assert codes == {"22514": 1, "22515": 2}
    assert flags == {"cross-region-primary"}


def test_cervicothoracic_is_one_region_for_vertebroplasty():
    assert run(finding("C7"), finding("T1"))[:2] == ({"22510": 1, "22512": 1}, set())


def test_thoracolumbar_vertebroplasty_is_cross_region():
    assert run(finding("T12"), finding("L1"))[:2] == ({"22510": 1, "22512": 1}, {"cross-region-primary"})


# Rule 5: only treated levels count; aborted attempts are flagged.
@pytest.mark.parametrize("status", ["historical", "planned", "negated", "mentioned"])
def test_untreated_statuses_give_no_code(status):
    assert run(finding("T9", status=status), finding("T10"))[0] == {"22510": 1}


def test_aborted_level_is_flagged_not_coded():
    codes, flags, _ = run(finding("T8", status="aborted"), finding("T9"))
    assert codes == {"22510": 1}
    assert flags == {"aborted-level"}


# Rule 7: both families in one session: one primary each, flagged, review on vertebroplasty.
def test_mixed_techniques():
    codes, flags, lines = run(finding("T8", "augmentation", device="balloon"), finding("T7"), finding("T9"))
    assert codes == {"22513": 1, "22510": 1, "22512": 1}
    assert flags == {"mixed-techniques"}
    assert [line.review for line in lines if line.code == "22510"] == [True]


# Rule 8: cervical augmentation is unlisted.
def test_cervical_augmentation_is_22899():
    codes, flags, lines = run(finding("C5", "augmentation", device="balloon"))
    assert codes == {"22899": 1}
    assert flags == {"cervical-augmentation"}
    assert lines[0].review


# Rule 9: sacroplasty.
@pytest.mark.parametrize(
    "sides, code, flags",
    [
        (["bilateral"], "0201T", set()),
        (["left", "right"], "0201T", set()),
        (["right"], "0200T", set()),
        ([None], "0200T", {"sacroplasty-laterality-missing"}),
    ],
)
def test_sacroplasty_by_side(sides, code, flags):
    found = [
        finding(level, "sacroplasty", laterality=side) for level, side in zip(["sacrum", "S1"], sides, strict=False)
    ]
    got_codes, got_flags, _ = run(*found)
    assert got_codes == {code: 1}
    assert got_flags == flags


def test_s1_vertebroplasty_is_22511_flagged():
    codes, flags, _ = run(finding("L5"), finding("S1"))
    assert codes == {"22511": 1, "22512": 1}
    assert flags == {"s1-vertebroplasty"}


# Rule 13: an open operation is not percutaneous.
def test_open_procedure_gives_no_code():
    open_ev = [Evidence(0, 11, "laminectomy", "OPEN")]
    codes, flags, _ = run(finding("L3"), open_procedure=open_ev)
    assert codes == {}
    assert flags == {"open-procedure"}


def test_no_level_flag():
    codes, flags, _ = run(unplaced=[Evidence(0, 11, "kyphoplasty", "TECHNIQUE")])
    assert codes == {} and flags == {"no-level"}


def test_title_only_levels_are_flagged():
    title_only = [finding("T12", "augmentation", status="mentioned", described=False)]
    codes, flags, _ = run(finding("L1", "augmentation", device="balloon"), title_only=title_only)
    assert codes == {"22514": 1}
    assert flags == {"header-body-mismatch"}


def test_included_services_are_named_in_the_rationale_not_coded():
    guidance = Evidence(5, 17, "fluoroscopic", "GUIDANCE")
    venogram = Evidence(20, 28, "venogram", "INCLUDED")
    codes, flags, lines = run(
        finding("L2"),
        included=[("imaging guidance", guidance, ()), ("venography", venogram, ("L2",))],
        biopsies=[(Evidence(30, 36, "biopsy", "BIOPSY"), ("L2",))],
    )
    assert codes == {"22511": 1} and flags == set()
    assert (
        "Included, not reported separately (rule 10): imaging guidance, venography and bone biopsy "
        "of a treated level." in lines[0].rationale
    )
    assert {guidance, venogram} <= set(lines[0].evidence)


def test_every_code_line_carries_evidence_and_a_description():
    _, _, lines = run(*(finding(x, "augmentation", device="curette") for x in ("T7", "L3", "L4")))
    for line in lines:
        assert line.evidence and line.description and line.rationale


# Rule 11: a biopsy of a level not treated is reported separately, flagged.
def test_biopsy_of_another_level_is_20225_xs():
    biopsy = Evidence(40, 46, "biopsy", "BIOPSY")
    codes, flags, lines = run(finding("T12", "augmentation", device="balloon"), biopsies=[(biopsy, ("L3",))])
    assert codes == {"22513": 1, "20225": 1}
    assert flags == {"biopsy-other-level"}
    line = next(x for x in lines if x.code == "20225")
    assert (line.levels, line.modifiers, line.review, line.evidence) == (["L3"], ["XS"], True, [biopsy])


def test_biopsy_of_a_treated_level_is_included():
    codes, flags, _ = run(
        finding("T12", "augmentation", device="balloon"), biopsies=[(Evidence(40, 46, "biopsy", "BIOPSY"), ("T12",))]
    )
    assert codes == {"22513": 1} and flags == set()


def test_a_biopsy_when_no_level_was_treated_is_coded_without_xs_and_flagged():
    # A biopsy done, the augmentation not ("T6 biopsied, then the procedure was stopped"): 20225
    # alone needs no XS, and a coder confirms it.
    codes, flags, lines = run(biopsies=[(Evidence(0, 6, "biopsy", "BIOPSY"), ("L3",))])
    assert (codes, flags) == ({"20225": 1}, {"biopsy-other-level"})
    assert lines[0].modifiers == [] and lines[0].review


# Rule 12: moderate sedation.
def sedated(minutes, observer=True, anesthesia=False):
    from vertcode.model import Sedation

    return Sedation(
        evidence=[Evidence(0, 17, "moderate sedation", "SEDATION")],
        minutes=minutes,
        observer=[Evidence(20, 48, "independent trained observer", "OBSERVER")] if observer else [],
        anesthesia=[Evidence(50, 68, "general anesthesia", "ANESTHESIA_CARE")] if anesthesia else [],
    )


@pytest.mark.parametrize(
    "minutes, expected",
    [
        (9, {}),
        (10, {"99152": 1}),
        (22, {"99152": 1}),
        (23, {"99152": 1, "99153": 1}),
        (37, {"99152": 1, "99153": 1}),
        (38, {"99152": 1, "99153": 2}),
        (52, {"99152": 1, "99153": 2}),
        (53, {"99152": 1, "99153": 3}),
    ],
)
def test_sedation_units_follow_intraservice_time(minutes, expected):
    codes, flags, _ = run(finding("L2"), sedation=sedated(minutes))
    assert {c: u for c, u in codes.items() if c.startswith("99")} == expected
    assert flags == set()


@pytest.mark.parametrize(
    "minutes, observer, missing",
    [
        (None, True, "without the intra-service time:"),
        (30, False, "without an independent trained observer:"),
        (None, False, "without the intra-service time and an independent trained observer:"),
    ],
)
def test_sedation_without_time_or_observer_is_flagged_not_coded(minutes, observer, missing):
    codes, flags, _ = run(finding("L2"), sedation=sedated(minutes, observer))
    assert codes == {"22511": 1}
    assert flags == {"sedation-time-missing"}
    flag = code_note(
        Extraction(findings=[finding("L2")], sedation=sedated(minutes, observer), cement_documented=True), DESCRIPTIONS
    )[1][0]
    assert missing in flag.message


def test_sedation_by_an_anesthesia_provider_is_not_ours():
    assert run(finding("L2"), sedation=sedated(None, observer=False, anesthesia=True))[:2] == ({"22511": 1}, set())


def test_anesthesia_beside_the_proceduralists_timed_sedation_is_a_conflict_not_a_guess():
    codes, flags, lines = run(finding("L2"), sedation=sedated(30, anesthesia=True))
    assert (codes, flags) == ({"22511": 1}, {"sedation-provider-conflict"})
    flag = code_note(
        Extraction(findings=[finding("L2")], sedation=sedated(30, anesthesia=True), cement_documented=True),
        DESCRIPTIONS,
    )[1][0]
    assert "30 minutes" in flag.message
    cited = [e.text for e in flag.evidence]
    assert cited == ["moderate sedation", "independent trained observer", "general anesthesia"]


def test_sedation_without_a_procedure_is_not_coded():
    assert run(sedation=sedated(30))[:2] == ({}, set())


def test_denied_device_turns_a_titled_balloon_kyphoplasty_into_vertebroplasty():
    titled = finding("T12", "augmentation", device="balloon", source="title", described=True)
    denied = [Evidence(90, 97, "balloon", "DEVICE")]
    assert run(titled, device_denied=denied)[:2] == ({"22510": 1}, {"technique-conflict"})
    # Without a denial, a titled "balloon kyphoplasty" with cement through cannulas stands.
    assert run(titled)[:2] == ({"22513": 1}, set())


def test_no_cement_anywhere_is_a_documentation_gap():
    codes, flags, lines = run(finding("T12", "augmentation", device="balloon"), cement_documented=False)
    assert codes == {"22513": 1}
    assert flags == {"cement-not-documented"}
    assert lines[0].review


def test_a_level_with_no_technique_is_flagged_not_guessed():
    codes, flags, _ = run(finding("T12", None), finding("L1", "augmentation", device="balloon"))
    assert codes == {"22514": 1}
    assert flags == {"technique-unclear"}
