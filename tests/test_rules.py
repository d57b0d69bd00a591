"""The coding rules the rationales cite, shipped with vertcode: `vertcode rules`, and the review
page's links from "rule 10" to the rule's text."""

from typer.testing import CliRunner

from vertcode import rules
from vertcode.cli import app
from vertcode.write.pages import render_note

from conftest import NOTES

runner = CliRunner()


def test_the_shipped_document_says_where_it_comes_from_and_numbers_its_rules():
    text = rules.DOCUMENT.read_text(encoding="utf-8")
    assert "/work/shared/domain/coding-rules.md" in text.split("# Coding rules", 1)[0]
    assert sorted(rules.numbered()) == list(range(1, 15))


def test_vertcode_rules_10_prints_rule_10():
    result = runner.invoke(app, ["rules", "10"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("10. **Included, never reported with these codes (H):** all imaging guidance")
    assert "(22310, 22315, 22325, 22327)" in result.stdout and "11." not in result.stdout


def test_vertcode_rules_lists_the_rules_and_refuses_one_that_is_not_there():
    listed = runner.invoke(app, ["rules"])
    assert listed.exit_code == 0 and "10. Included, never reported with these codes (H):" in listed.stdout
    assert len(listed.stdout.splitlines()) == 15
    missing = runner.invoke(app, ["rules", "99"])
    assert missing.exit_code == 2 and "There is no rule 99" in missing.output


def test_the_review_page_links_a_cited_rule_to_its_text(code):
    text = (NOTES / "seed-04.txt").read_text(encoding="utf-8")
    result = code(text)
    assert any("(rule 10)" in line.rationale for line in result.codes)
    page = render_note(result, text)
    assert '<a class="rule" href="#rule-10" title="10. **Included' in page and ">rule 10</a>" in page
    assert '<li id="rule-10"><b>Rule 10.</b> Included, never reported with these codes (H): all imaging' in page


def test_citations_of_several_rules_are_each_found():
    assert rules.cited("one primary (rules 2, 3 and 4); included (rule 10), again rule 10") == [2, 3, 4, 10]
