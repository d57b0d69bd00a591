"""Issue 15, outputs a coder can use: the table, CSV, FHIR, MDACE and JSON carry everything a
result holds, in one shape, versioned and validated."""

import csv
import io
import json
import shutil
from importlib.metadata import version
from importlib.resources import files

import jsonschema
import pytest
from typer.testing import CliRunner

from vertcode import patterns
from vertcode.cli import app
from vertcode.read.text import NoteSource
from vertcode.run.batch import Interrupted, run_batch
from vertcode.write.records import CSV_COLUMNS, to_json_line, write_csv
from vertcode.write.table import write_table

from conftest import NOTES, ROOT

SCHEMA = json.loads((files("vertcode") / "schema" / "result.schema.json").read_text(encoding="utf-8"))
validate = jsonschema.Draft202012Validator(SCHEMA).validate


def invoke(*args, input=None):
    return CliRunner().invoke(app, list(args), input=input)


@pytest.fixture(scope="module")
def corpus_results(coder):
    return [
        result for path in sorted(NOTES.glob("*.txt")) for result in coder.code_sources([NoteSource(path.name, path)])
    ]


def table_lines(coder, name, width):
    stream = io.StringIO()
    write_table(coder.code_sources([NoteSource(name, NOTES / name)]), stream, width=width)
    return stream.getvalue().splitlines()


SEED4_80 = """\
seed-04.txt  review: cross-region-primary
  code   units  mod  levels  disposition
  22513  1           T7      review: cross-region-primary
         level 'T7'@47; device 'cavity is created'@59, 'curette'@126; cement
         'Cement'@135; also 'Bilateral'@0, 'transpedicular'@10, 'needles'@25,
         'injected'@150
  22515  2           L3 L4   ok
         level 'L3'@211, 'L4'@218; device 'cavity is created'@59, 'curette'@126;
         also 'same procedure'@180, 'fluoroscopic'@239, 'CT guidance'@256
  flag  cross-region-primary: Vertebral augmentation levels span lumbar and
        thoracic. Either primary satisfies the one-primary rule; 22513 follows
        the first level treated (T7).
  claim: query
  query  fracture-etiology: The note documents a vertebral fracture at T7, L3,
         L4 without its cause. Please document the etiology of the fracture (for
         example osteoporotic or other metabolic, traumatic with the mechanism,
         or pathological due to a named neoplasm or disease).
  lcd    3 of 13 found; missing: imaging-acute-fracture, level-concordance,
         pain-severity, pain-course-and-structural-findings,
         failed-non-surgical-management, functional-impairment,
         no-absolute-contraindication, relative-contraindications-considered,
         bone-health-plan
  edit   22515 mue-unconfirmed: 22515: 2 units on the date of service were not
         checked: its medically unlikely edit could not be confirmed from the
         CMS file (Practitioner Services MUE table). There is no candidate value
         either. [mue-22515]
"""

SEED4_120 = """\
seed-04.txt  review: cross-region-primary
  code   units  mod  levels  disposition
  22513  1           T7      review: cross-region-primary
         level 'T7'@47; device 'cavity is created'@59, 'curette'@126; cement 'Cement'@135; also 'Bilateral'@0,
         'transpedicular'@10, 'needles'@25, 'injected'@150
  22515  2           L3 L4   ok
         level 'L3'@211, 'L4'@218; device 'cavity is created'@59, 'curette'@126; also 'same procedure'@180,
         'fluoroscopic'@239, 'CT guidance'@256
  flag  cross-region-primary: Vertebral augmentation levels span lumbar and thoracic. Either primary satisfies the
        one-primary rule; 22513 follows the first level treated (T7).
  claim: query
  query  fracture-etiology: The note documents a vertebral fracture at T7, L3, L4 without its cause. Please document the
         etiology of the fracture (for example osteoporotic or other metabolic, traumatic with the mechanism, or
         pathological due to a named neoplasm or disease).
  lcd    3 of 13 found; missing: imaging-acute-fracture, level-concordance, pain-severity,
         pain-course-and-structural-findings, failed-non-surgical-management, functional-impairment,
         no-absolute-contraindication, relative-contraindications-considered, bone-health-plan
  edit   22515 mue-unconfirmed: 22515: 2 units on the date of service were not checked: its medically unlikely edit
         could not be confirmed from the CMS file (Practitioner Services MUE table). There is no candidate value either.
         [mue-22515]
"""

# A biopsy of a level not treated: 20225 with its XS, the reason it needs review, and the
# biopsy spans that decide it.
BIOPSY_80 = """\
b13a-34.txt  review: addendum, biopsy-other-level
  code   units  mod  levels  disposition
  22510  1           T7      ok
         level 'T7'@188; technique 'Percutaneous vertebroplasty'@160; cement
         'PMMA'@405; biopsy 'bone biopsy'@199, 'core biopsy'@364; also
         'left'@309, 'transpedicular'@314, 'needle'@334, 'injected'@410,
         'fluoroscopy'@444
  20225  1      XS   T8      review: biopsy-other-level
         biopsy 'bone biopsy'@199, 'core biopsy'@670
  flag  addendum: An addendum speaks of T8: the codes follow the addendum over
        the body of the note. Check the correction.
  flag  biopsy-other-level: Bone biopsy of T8, which was not augmented this
        session: 20225-XS suggested; confirm the site and that it was a separate
        needle pass.
  claim: query
  dx     C79.51 Secondary malignant neoplasm of bone (T7; supports 22510)
  lcd    4 of 13 found; missing: imaging-acute-fracture, level-concordance,
         pain-severity, pain-course-and-structural-findings,
         failed-non-surgical-management, functional-impairment,
         no-absolute-contraindication, relative-contraindications-considered
"""

BIOPSY_120 = """\
b13a-34.txt  review: addendum, biopsy-other-level
  code   units  mod  levels  disposition
  22510  1           T7      ok
         level 'T7'@188; technique 'Percutaneous vertebroplasty'@160; cement 'PMMA'@405; biopsy 'bone biopsy'@199,
         'core biopsy'@364; also 'left'@309, 'transpedicular'@314, 'needle'@334, 'injected'@410, 'fluoroscopy'@444
  20225  1      XS   T8      review: biopsy-other-level
         biopsy 'bone biopsy'@199, 'core biopsy'@670
  flag  addendum: An addendum speaks of T8: the codes follow the addendum over the body of the note. Check the
        correction.
  flag  biopsy-other-level: Bone biopsy of T8, which was not augmented this session: 20225-XS suggested; confirm the
        site and that it was a separate needle pass.
  claim: query
  dx     C79.51 Secondary malignant neoplasm of bone (T7; supports 22510)
  lcd    4 of 13 found; missing: imaging-acute-fracture, level-concordance, pain-severity,
         pain-course-and-structural-findings, failed-non-surgical-management, functional-impairment,
         no-absolute-contraindication, relative-contraindications-considered
"""


@pytest.mark.parametrize(
    "name, width, expected",
    [
        ("seed-04.txt", 80, SEED4_80),
        ("seed-04.txt", 120, SEED4_120),
        ("b13a-34.txt", 80, BIOPSY_80),
        ("b13a-34.txt", 120, BIOPSY_120),
    ],
)
def test_the_table_shows_modifiers_reasons_and_deciding_evidence_first(coder, name, width, expected):
    lines = table_lines(coder, name, width)
    assert lines == expected.splitlines() + [""]
    assert all(len(line) <= width for line in lines)


@pytest.mark.parametrize("width", [40, 80, 120])
def test_no_wrapped_line_of_the_table_falls_back_to_column_zero(coder, width):
    for name in ("mtsamples-kyphoplasty-and-vertebroplasty.txt", "seed-04.txt", "b13a-34.txt"):
        lines = table_lines(coder, name, width)
        assert [line for line in lines if line and not line.startswith("  ")] == [lines[0]]


def test_every_line_under_review_says_which_of_its_notes_flags_put_it_there(corpus_results):
    under_review = 0
    for result in corpus_results:
        for line in result.codes:
            assert line.review == bool(line.review_reasons)
            assert set(line.review_reasons) <= {f.kind for f in result.flags}, (result.note, line.code)
            under_review += line.review
    assert under_review > 100


# -- the JSON contract: one shape, versioned, described by a schema shipped in the package ---------


def test_every_corpus_notes_result_validates_against_the_shipped_schema(corpus_results):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert len(corpus_results) == len((ROOT / "corpus" / "gold.jsonl").read_text().splitlines())
    for result in corpus_results:
        validate(json.loads(to_json_line(result)))


def test_json_is_a_list_for_one_note_as_for_several_and_every_output_validates(tmp_path):
    one = json.loads(invoke("code", str(NOTES / "seed-04.txt"), "-f", "json").stdout)
    several = json.loads(invoke("code", str(NOTES / "seed-01.txt"), "missing.txt", "-", "-f", "json", input="x").stdout)
    assert [r["note"] for r in one] == [str(NOTES / "seed-04.txt")]
    assert [r["note"] for r in several] == [str(NOTES / "seed-01.txt"), "missing.txt", "-"]
    lines = invoke("code", str(NOTES / "seed-02.txt"), "-f", "jsonl").stdout.splitlines()
    table = tmp_path / "notes.csv"
    table.write_text("id,text\n7,Vertebroplasty T7 with 3 mL PMMA through a needle.\n8,\n")
    assert invoke("batch", str(table), "--out", str(tmp_path / "out.jsonl")).exit_code == 1  # row 8 has no text
    batch = (tmp_path / "out.jsonl").read_text().splitlines()
    for data in one + several + [json.loads(line) for line in lines + batch]:
        validate(data)
        assert data["schema"] == "vertcode/result/3"


def test_each_result_says_which_vertcode_and_patterns_produced_it(tmp_path):
    (data,) = json.loads(invoke("code", str(NOTES / "seed-04.txt"), "-f", "json").stdout)
    assert data["producer"] == {"vertcode": version("vertcode"), "patterns": patterns.fingerprint()}
    copy = shutil.copytree(ROOT / "patterns", tmp_path / "patterns")
    assert patterns.fingerprint(copy) == patterns.fingerprint()  # the bytes, not where they are
    codes = json.loads((copy / "codes.json").read_text())
    codes["22513"]["description"] += " (edited)"
    (copy / "codes.json").write_text(json.dumps(codes))
    (edited,) = json.loads(invoke("code", str(NOTES / "seed-04.txt"), "-f", "json", "--patterns", str(copy)).stdout)
    assert edited["producer"]["patterns"] != data["producer"]["patterns"]


def test_resume_codes_again_the_lines_another_version_wrote(tmp_path, coder):
    sources = [NoteSource(str(NOTES / name), NOTES / name) for name in ("seed-01.txt", "seed-04.txt")]
    out = tmp_path / "out.jsonl"
    run_batch(sources, out, lambda: coder)
    clean = out.read_bytes()
    first, second = (json.loads(line) for line in clean.decode().splitlines())
    first["producer"]["vertcode"] = "0.0.1"
    (tmp_path / "out.jsonl.part").write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    out.unlink()
    summary = run_batch(sources, out, lambda: coder, resume=True)
    assert summary.kept == 1
    assert out.read_bytes() == clean


# -- every format carries what it can hold: CSV, FHIR and MDACE keep the flags and rationale ------


def csv_rows(*args, input=None):
    return list(csv.DictReader(io.StringIO(invoke("code", *args, "-f", "csv", input=input).stdout)))


def test_csv_has_a_row_per_code_line_flag_and_error_told_apart_by_its_first_column():
    rows = csv_rows(str(NOTES / "b13a-34.txt"), "missing.txt", "-", input="Clinic visit, back pain.")
    assert list(rows[0]) == list(CSV_COLUMNS)
    coding_rows = [r for r in rows if r["row"] in ("code", "flag", "error", "note")]  # the claim's: test_claim_outputs
    assert [
        (r["row"], r["code"], r["modifiers"], r["review"], r["review_reasons"], r["flag"]) for r in coding_rows
    ] == [
        ("code", "22510", "", "no", "", ""),
        ("code", "20225", "XS", "yes", "biopsy-other-level", ""),
        ("flag", "", "", "", "", "addendum"),
        ("flag", "", "", "", "", "biopsy-other-level"),
        ("error", "", "", "", "", ""),
        ("note", "", "", "", "", ""),
    ]
    rows = coding_rows
    biopsy = rows[1]
    assert biopsy["rationale"] == (
        "Bone biopsy of T8, a level not treated this session, is reported separately (rule 11), "
        "with modifier XS as a distinct site."
    )
    assert biopsy["evidence"] == "199-210:bone biopsy;670-681:core biopsy"
    assert rows[3]["message"].startswith("Bone biopsy of T8, which was not augmented this session")
    assert rows[3]["evidence"] == "199-210:bone biopsy;670-681:core biopsy"
    assert (rows[4]["note"], rows[4]["message"], rows[4]["disposition"]) == ("missing.txt", "no such file", "review")
    assert {r["flags"] for r in rows[:4]} == {"addendum;biopsy-other-level"}


def test_fhir_claims_carry_the_flags_as_supporting_info_the_lines_under_review_point_to():
    from fhir.resources.R4B.claim import Claim

    claim = Claim.model_validate(json.loads(invoke("code", str(NOTES / "b13a-34.txt"), "-f", "fhir").stdout))
    flags = [(i.sequence, i.code.coding[0].code) for i in claim.supportingInfo if i.code]
    assert [kind for _, kind in flags] == ["addendum", "biopsy-other-level"]
    assert all(i.code.coding[0].system == "urn:vertcode:flag" for i in claim.supportingInfo if i.code)
    biopsy = claim.item[1]
    assert biopsy.modifier[0].coding[0].code == "XS"
    pointed = [claim.supportingInfo[n - 1].valueString for n in biopsy.informationSequence]
    assert pointed[0].startswith("rationale: Bone biopsy of T8, a level not treated this session")
    assert pointed[-1].startswith("flag biopsy-other-level: Bone biopsy of T8, which was not augmented")
    assert flags[1][0] in biopsy.informationSequence and flags[0][0] not in claim.item[0].informationSequence


def test_mdace_keeps_the_rationales_and_the_flags_beside_its_annotations():
    data = json.loads(invoke("code", str(NOTES / "b13a-34.txt"), "-f", "mdace").stdout)
    assert data["rationales"]["20225"].startswith("Bone biopsy of T8, a level not treated")
    assert [f["kind"] for f in data["flags"]] == ["addendum", "biopsy-other-level"]
    assert data["flags"][1]["spans"][0] == {"begin": 199, "end": 210, "covered_text": "bone biopsy", "label": "BIOPSY"}


@pytest.mark.parametrize("fmt", ["csv", "fhir"])
def test_batch_writes_csv_and_fhir_the_same_whatever_the_jobs(tmp_path, fmt):
    notes = tmp_path / "notes"
    notes.mkdir()
    for name in ("seed-01.txt", "seed-04.txt", "b13a-34.txt", "mtsamples-kyphoplasty-consult.txt"):
        shutil.copy(NOTES / name, notes / name)
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}.{fmt}"
        result = invoke("batch", str(notes), "--out", str(out), "--format", fmt, "--jobs", jobs)
        assert result.exit_code == 0, result.output
        assert not out.with_name(out.name + ".part").exists()
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    single = invoke("code", *sorted(str(p) for p in notes.iterdir()), "-f", fmt).stdout
    if fmt == "csv":
        assert outs[0].decode() == single  # a batch's CSV is the CSV of its notes
    else:
        from fhir.resources.R4B.bundle import Bundle

        bundle = Bundle.model_validate(json.loads(outs[0]))
        assert bundle.model_dump() == Bundle.model_validate(json.loads(single)).model_dump()


def test_an_interrupted_csv_batch_resumes_to_a_clean_runs_bytes(tmp_path, coder):
    sources = [NoteSource(str(NOTES / f"seed-0{i}.txt"), NOTES / f"seed-0{i}.txt") for i in (1, 2, 3, 4)]
    clean = tmp_path / "clean.csv"
    run_batch(sources, clean, lambda: coder, writer=write_csv)
    out = tmp_path / "out.csv"
    seen = []

    def stop_after_two(coded):
        seen.append(coded)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        run_batch(sources, out, lambda: coder, writer=write_csv, on_result=stop_after_two)
    assert not out.exists()
    summary = run_batch(sources, out, lambda: coder, writer=write_csv, resume=True)
    assert summary.kept == 2
    assert out.read_bytes() == clean.read_bytes()
