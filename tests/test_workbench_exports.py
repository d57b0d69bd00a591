"""Issue 17: what the coders decided, out: CSV charge lines, FHIR Claims, HL7 DFT^P03 messages
(each parsed back with the library vertcode reads them with), the statistics, and a gold file
that `vertcode eval` scores, on SQLite and on PostgreSQL."""

import csv
import io
import json
import subprocess

import pytest

from vertcode.nlp.dates import stated_date_of_service
from vertcode.workbench import exports, stats, store
from vertcode.workbench.intake import import_results, read_results
from vertcode.workbench.schema import database_url, open_database

from conftest import VERTCODE
from workbench_helpers import database_urls, fresh_database, make_notes, write_results


@pytest.fixture(params=database_urls())
def decided(request, tmp_path, coder):
    """Six notes imported; four decided: seed-01 accepted, seed-04's add-on edited to 1 unit,
    b13a-34's biopsy rejected, dated.txt accepted; mix-03 (no code) confirmed; one left to do."""
    engine = open_database(database_url(fresh_database(request.param, tmp_path), tmp_path))
    results = write_results(coder, make_notes(tmp_path / "notes"), tmp_path / "results.jsonl")
    import_results(engine, read_results(results), tmp_path, lambda: coder)
    views = {v.path.rsplit("/", 1)[-1]: v for v in store.load_notes(engine)}

    def line(name, i):
        return views[name].lines[i]

    store.decide(engine, line("seed-01.txt", 0).id, 0, "ana", "accept")
    store.decide(engine, line("seed-04.txt", 0).id, 0, "ana", "accept")
    store.decide(engine, line("seed-04.txt", 1).id, 0, "ana", "edit", code="22515", units="1", modifiers=[])
    store.decide(engine, line("b13a-34.txt", 0).id, 0, "ben", "accept")
    store.decide(engine, line("b13a-34.txt", 1).id, 0, "ben", "reject", reason="wrong-level")
    store.decide(engine, line("dated.txt", 0).id, 0, "ana", "accept")
    store.note_event(engine, views["mix-03.txt"].id, views["mix-03.txt"].version_id, "ana", "confirm")
    yield engine
    engine.dispose()


def test_csv_has_one_charge_line_per_billed_line_of_the_done_notes(decided):
    stream = io.StringIO()
    exports.write_csv(exports.done_notes(decided), stream)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert list(rows[0]) == list(exports.CSV_COLUMNS)
    got = [(r["note"].rsplit("/", 1)[-1], r["date_of_service"], r["code"], r["units"], r["modifiers"]) for r in rows]
    got = [g + (r["levels"], r["decision"], r["user"]) for g, r in zip(got, rows, strict=True)]
    assert got == [
        ("b13a-34.txt", "", "22510", "1", "", "T7", "accepted", "ben"),
        ("dated.txt", "2024-03-14", "22510", "1", "", "T7", "accepted", "ana"),
        ("seed-01.txt", "", "22510", "1", "", "T5", "accepted", "ana"),
        ("seed-04.txt", "", "22513", "1", "", "T7", "accepted", "ana"),
        ("seed-04.txt", "", "22515", "1", "", "L3 L4", "edited", "ana"),
    ]


def test_fhir_export_is_a_bundle_of_valid_claims_with_the_final_lines(decided):
    from fhir.resources.R4B.bundle import Bundle

    stream = io.StringIO()
    exports.write_fhir(exports.done_notes(decided), stream)
    bundle = Bundle.model_validate_json(stream.getvalue())
    claims = [entry.resource for entry in bundle.entry]
    items = [[(i.productOrService.coding[0].code, int(i.quantity.value)) for i in claim.item or []] for claim in claims]
    # In file-name order: b13a-34 (its biopsy rejected), dated, mix-03 (nothing billed), seed-01, seed-04.
    assert items == [[("22510", 1)], [("22510", 1)], [], [("22510", 1)], [("22513", 1), ("22515", 1)]]


def test_hl7_export_is_one_dft_p03_a_note_with_an_ft1_per_line(decided):
    import hl7

    stream = io.StringIO()
    exports.write_hl7(exports.done_notes(decided), stream)
    messages = [hl7.parse(m) for m in stream.getvalue().split("\r\n") if m]
    assert len(messages) == 5
    charges = []
    for message in messages:
        assert str(message.segment("MSH")[9]) == "DFT^P03^DFT_P03"
        ft1s = [s for s in message if str(s[0]) == "FT1"]
        charges.append([(str(s[7][0][0]), str(s[10]), str(s[23]).rsplit("/", 1)[-1], str(s[4])) for s in ft1s])
    when = charges[4][0][3]  # no date of service in seed-04: the day of the export
    assert charges[4] == [("22513", "1", "seed-04.txt", when), ("22515", "1", "seed-04.txt", when)]
    assert charges[2] == []  # mix-03: confirmed, nothing to bill
    assert charges[1] == [("22510", "1", "dated.txt", "20240314")]


def test_hl7_escapes_a_name_holding_its_delimiters():
    assert exports._hl7("a|b^c~d\\e&f\rg") == "a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f g"


def test_stats_count_acceptance_edits_rejections_and_changed_auto_notes(decided):
    got = stats.compute(decided).to_dict()
    assert got["notes"] == 6 and got["done"] == 5
    assert got["lines"] == {"decided": 6, "accepted": 4, "edited": 1, "rejected": 1, "acceptance": 0.6667, "added": 0}
    assert got["codes"]["22515"] == {"decided": 1, "accepted": 0, "edited": 1, "rejected": 0, "acceptance": 0.0}
    assert got["codes"]["20225"]["rejected"] == 1
    assert got["flags"]["biopsy-other-level"]["rejected"] == 1
    assert got["flags"]["cross-region-primary"] == {
        "decided": 1,
        "accepted": 1,
        "edited": 0,
        "rejected": 0,
        "acceptance": 1.0,
    }
    assert got["reasons"] == {"wrong level": 1}
    # seed-01, dated and mix-03 are auto and were not changed; seed-04 and b13a-34 (review) were.
    assert got["dispositions"]["auto"] == {"done": 3, "changed": 0, "changed_share": 0.0}
    assert got["dispositions"]["review"] == {"done": 2, "changed": 2, "changed_share": 1.0}
    text = stats.format_stats(stats.compute(decided))
    assert "auto notes done 3, changed by coders 0 (0%)" in text
    assert "reasons for rejecting: wrong level 1" in text


def test_gold_export_round_trips_through_vertcode_eval(decided, tmp_path):
    folder = tmp_path / "gold"
    assert exports.write_gold(exports.done_notes(decided), folder) == 5
    rows = [json.loads(line) for line in (folder / "gold.jsonl").read_text().splitlines()]
    assert [r["codes"] for r in rows] == [{"22510": 1}, {"22510": 1}, {}, {"22510": 1}, {"22513": 1, "22515": 1}]
    done = subprocess.run([*VERTCODE, "eval", str(folder), "--json"], capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    # vertcode still suggests what the coders changed: two notes differ, the rest are exact.
    assert (report["notes"], report["exact"]) == (5, 3)
    differences = sorted((d["note"].split("-")[0], d["expected"], d["got"]) for d in report["differences"])
    assert differences == [
        ("b13a", {"22510": 1}, {"20225": 1, "22510": 1}),
        ("seed", {"22513": 1, "22515": 1}, {"22513": 1, "22515": 2}),
    ]


def test_date_of_service_is_read_from_a_labelled_line():
    assert stated_date_of_service("Date of service: 03/14/2024\n") == "2024-03-14"
    assert stated_date_of_service("Procedure date: 19/03/2024") == "2024-03-19"
    assert stated_date_of_service("DOS: 2024-11-04") == "2024-11-04"
    assert stated_date_of_service("Date: 14 March 2024") == "2024-03-14"
    assert stated_date_of_service("Date: 13/13/2024") is None
    assert stated_date_of_service("born 03/14/1950") is None
