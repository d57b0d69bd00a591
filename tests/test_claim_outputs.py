"""The claim in every output: the coverage checklist's elements, the JSON contract, the table,
CSV, FHIR Claim.diagnosis with each item's diagnosisSequence, and the review page."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from vertcode.claims import checklist
from vertcode.claims.claim import ClaimOptions
from vertcode.model import NoteResult
from vertcode.patterns import PatternError
from vertcode.run.coder import Coder
from vertcode.write.fhir import to_fhir_claim
from vertcode.write.pages.note import render_note
from vertcode.write.records import write_csv
from vertcode.write.table import write_table

NOTE = (
    "Date of service: 03/14/2026\n"
    "Preoperative diagnosis: T12 osteoporotic compression fracture.\n"
    "Indication: MRI shows marrow edema at T12. Pain 8/10 despite oxycodone and a TLSO brace for 6 weeks. "
    "Unable to walk more than a few steps. INR 1.0, platelets 250. DEXA ordered; alendronate started.\n"
    "Description: An 11-gauge needle was advanced into the T12 vertebral body through the left pedicle and "
    "4 mL of PMMA cement was injected.\n"
)


@pytest.fixture(scope="module")
def result() -> NoteResult:
    return Coder().code_text(NOTE, "t12.txt")


def status(result: NoteResult) -> dict[str, str]:
    assert result.claim is not None
    return {i.element: i.status for i in result.claim.checklist}


def test_checklist_finds_what_the_note_documents(result):
    found = status(result)
    for element in (
        "imaging-acute-fracture",
        "pain-severity",
        "failed-non-surgical-management",
        "functional-impairment",
        "relative-contraindications-considered",
        "bone-health-plan",
        "levels-T1-L5",
        "more-than-three-levels",
    ):
        assert found[element] == "found", element
    assert found["level-concordance"] == "missing"
    assert found["malignant-indication"] == "not-applicable"
    pain = next(i for i in result.claim.checklist if i.element == "pain-severity")
    assert pain.detail == "pain 8/10 before the procedure (not hospitalized: at least 5)"
    assert NOTE[pain.evidence[0].start : pain.evidence[0].end] == pain.evidence[0].text


def test_missing_elements_carry_the_query_and_their_policies(result):
    concordance = next(i for i in result.claim.checklist if i.element == "level-concordance")
    assert concordance.query and "correspond" in concordance.query
    assert "L33569" in concordance.policies
    assert result.claim.status == "query"


def test_pain_below_the_threshold_is_missing_with_the_figure():
    text = NOTE.replace("Pain 8/10", "Pain 4/10")
    claim = Coder().code_text(text, "low.txt").claim
    pain = next(i for i in claim.checklist if i.element == "pain-severity")
    assert pain.status == "missing" and pain.detail.startswith("pain 4/10")


def test_infection_at_the_level_is_a_contraindication():
    text = NOTE.replace("INR 1.0", "Discitis at T11-T12 on MRI. INR 1.0")
    claim = Coder().code_text(text, "infected.txt").claim
    item = next(i for i in claim.checklist if i.element == "no-absolute-contraindication")
    assert item.status == "contraindicated" and item.evidence[0].text == "Discitis"


def test_a_denied_finding_documents_no_element_that_must_be_stated(tmp_path):
    # lcd.json marks imaging-acute-fracture "stated": "no marrow edema" is not the acute fracture.
    denied = NOTE.replace("MRI shows marrow edema at T12", "MRI shows no marrow edema at T12")
    assert status(Coder().code_text(denied, "denied.txt"))["imaging-acute-fracture"] == "missing"
    # The same note under a copy of the patterns whose element is not "stated" counts the mention.
    patterns = tmp_path / "patterns"
    shutil.copytree(Path(__file__).resolve().parent.parent / "patterns", patterns)
    lcd = patterns / "claims" / "lcd.json"
    data = json.loads(lcd.read_text(encoding="utf-8"))
    next(e for e in data["elements"] if e["id"] == "imaging-acute-fracture")["stated"] = False
    lcd.write_text(json.dumps(data), encoding="utf-8")
    assert status(Coder(patterns_dir=patterns).code_text(denied, "denied.txt"))["imaging-acute-fracture"] == "found"


def test_a_stated_mark_that_is_not_true_or_false_is_refused_naming_the_element(tmp_path):
    patterns = tmp_path / "patterns"
    shutil.copytree(Path(__file__).resolve().parent.parent / "patterns", patterns)
    lcd = patterns / "claims" / "lcd.json"
    data = json.loads(lcd.read_text(encoding="utf-8"))
    data["elements"][0]["stated"] = "yes"
    lcd.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PatternError, match=r"lcd\.json: elements\[0\] \(imaging-acute-fracture\): 'stated' must be"):
        checklist.load(patterns)


def test_more_than_three_levels_is_a_caution_except_in_myeloma():
    levels = ["T10", "T11", "T12", "L1"]
    body = "".join(f"An 11-gauge needle was placed into {lv} and 3 mL of PMMA cement was injected. " for lv in levels)
    for cause, wanted in (("osteoporotic", "caution"), ("multiple myeloma", "not-applicable")):
        text = f"Preoperative diagnosis: {cause} compression fractures T10, T11, T12 and L1.\nDescription: {body}\n"
        claim = Coder().code_text(text, "four.txt").claim
        item = next(i for i in claim.checklist if i.element == "more-than-three-levels")
        assert item.status == wanted, cause


def test_date_of_service_read_from_the_note_and_given_by_the_user(result):
    assert result.claim.dos == "2026-03-14"
    assert Coder(claims=ClaimOptions(dos="2026-05-01")).code_text(NOTE, "t12.txt").claim.dos == "2026-05-01"


def test_json_contract_round_trips(result):
    data = json.loads(json.dumps(result.to_dict()))
    assert data["claim"]["diagnoses"][0]["code"] == "M80.08XA"
    assert data["claim"]["diagnoses"][0]["lines"] == ["22510"]
    assert NoteResult.from_dict(data).to_dict() == result.to_dict()


def test_csv_has_a_row_per_diagnosis_and_open_element(result):
    out = io.StringIO()
    write_csv([result], out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    dx = [r for r in rows if r["row"] == "diagnosis"]
    assert [(r["code"], r["levels"]) for r in dx] == [("M80.08XA", "T12")]
    assert dx[0]["rationale"].startswith("supports 22510")
    open_items = {r["flag"] for r in rows if r["row"] == "checklist"}
    assert "level-concordance" in open_items and "pain-severity" not in open_items


def test_table_shows_the_claim(result):
    out = io.StringIO()
    write_table([result], out, width=200)
    text = out.getvalue()
    assert "claim: query, date of service 2026-03-14" in text
    assert "M80.08XA Age-related osteoporosis" in text
    assert "missing: level-concordance" in text


def test_fhir_claim_diagnosis_and_item_pointers(result):
    from fhir.resources.R4B.claim import Claim

    claim = to_fhir_claim(result, "2026-03-14")
    assert claim["diagnosis"] == [
        {
            "sequence": 1,
            "diagnosisCodeableConcept": {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/sid/icd-10-cm",
                        "code": "M80.08XA",
                        "display": result.claim.diagnoses[0].description,
                    }
                ]
            },
        }
    ]
    assert claim["item"][0]["diagnosisSequence"] == [1]
    Claim.model_validate(claim) if hasattr(Claim, "model_validate") else Claim.parse_obj(claim)


def test_review_page_shows_diagnoses_and_queries(result):
    page = render_note(result, NOTE)
    assert "<h2>Claim</h2>" in page
    assert '<span class="kind">M80.08XA</span>' in page
    assert "level-concordance" in page
    asked = NOTE.replace("T12 osteoporotic compression fracture", "T12 compression fracture").replace(
        "DEXA ordered; alendronate started.", ""
    )
    queried = Coder().code_text(asked, "asked.txt")
    page = render_note(queried, asked)
    assert '<span class="kind">fracture-etiology</span>' in page
    assert "The note documents a vertebral fracture at T12 without its cause" in page


@pytest.mark.parametrize(
    "line, iso",
    [
        ("Date of service: 03/14/2026", "2026-03-14"),
        ("Procedure date: 19/03/2026", "2026-03-19"),
        ("DOS: 2026-11-04", "2026-11-04"),
        ("Date: 14 March 2026", "2026-03-14"),
        ("Date of procedure: March 14, 2026", "2026-03-14"),
        ("Date: 13/13/2026", None),
        ("born 03/14/1950", None),
    ],
)
def test_the_date_of_service_a_note_labels(line, iso):
    from vertcode.nlp.dates import stated_date_of_service

    assert stated_date_of_service(line + "\n") == iso


def test_every_claim_regex_matches_lower_case_where_it_matches_the_note_and_holds_a_requires_word():
    """The claim reader matches each regex lower-cased, without re.I, on the note's folded lower
    case (claim_reader.lowered): on the corpus and its perturbations (look-alike letters, no-break
    spaces, case changes) it finds exactly the spans the regex finds with re.I on the note. A row's
    regex runs only in notes holding one of its `requires` words: every match holds one."""
    import re
    import sys
    from pathlib import Path

    from vertcode.claim_patterns import load_claim_reading
    from vertcode.levels import LOOKALIKES
    from vertcode.nlp.claim_reader import lowered

    sys.path.insert(0, str(Path(__file__).parent))
    from differential_notes import notes

    data = load_claim_reading()
    rows = [row for key in ("causes", "fracture", "checklist", "red_flags") for row in data[key]]
    patterns = [row[k] for row in rows for k in ("regex", "with") if k in row]
    patterns += [data[k] for k in ("pain_score", "hospitalized", "after_procedure")]
    patterns += [data["certainty"][k] for k in data["certainty"] if k != "max_words"]
    pairs = [(re.compile(p, re.I), lowered(p)) for p in patterns]
    requires = [(re.compile(row["regex"], re.I), row["requires"]) for row in rows]
    for name, text in notes():
        lower = text.translate(LOOKALIKES).lower()
        for regex, words in requires:
            for match in regex.finditer(text):
                folded = match.group(0).translate(LOOKALIKES).lower()
                assert any(w in folded for w in words), (name, regex.pattern[:40], match.group(0))
        if re.match(r"\d{5}-", name) and "lookalikes" not in name and "case" not in name:
            continue  # the corpus and the perturbations of letters are where case matters
        for original, fast in pairs:
            spans = [m.span() for m in original.finditer(text)]
            assert [m.span() for m in fast.finditer(lower)] == spans, (name, original.pattern[:40])


def test_a_claim_regex_that_could_not_be_matched_on_lower_case_is_refused(tmp_path):
    import json
    import shutil

    from vertcode.claim_patterns import load_claim_reading
    from vertcode.patterns import PatternError, default_dir

    shutil.copytree(default_dir(), tmp_path / "patterns")
    path = tmp_path / "patterns" / "claims" / "reading.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["causes"][0]["regex"] = r"\bosteopor\x4fsis\b"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PatternError, match=r"causes\[0\]: write the regex in ASCII, without"):
        load_claim_reading(tmp_path / "patterns")
