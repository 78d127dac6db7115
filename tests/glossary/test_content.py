"""Term content as a value: normalising, shape checks, the review diff and the rebase merge."""

from __future__ import annotations

from glossary.content import TermContent, initial_of, name_key, validate
from glossary.diff import diff_contents, merge, text_rows


def test_content_is_normalised_but_not_judged():
    content = TermContent.from_dict(
        {
            "name": "  Active   customer ",
            "definition": "Line one\r\nLine two\r\n",
            "synonyms": ["Engaged customer", "engaged  CUSTOMER", ""],
            "examples": ["  a  ", "b"],
        }
    )
    assert content.name == "Active customer"
    assert content.definition == "Line one\nLine two"
    assert content.synonyms == ("Engaged customer",)  # the same synonym twice, case aside, is kept once
    assert content.examples == ("a", "b")
    assert TermContent.from_dict(content.as_dict()) == content


def test_name_keys_fold_case_and_width():
    assert name_key("  Net   REVENUE ") == "net revenue"
    assert name_key("Straße") == name_key("STRASSE")
    assert initial_of("Élan") == "E"
    assert initial_of("3-way match") == "#"


def test_validate_names_each_bad_field_by_pointer():
    content = TermContent.from_dict(
        {
            "name": "",
            "synonyms": ["ok", "a;b"],
            "parent": "Not A Slug",
            "same_as": ["finance"],
            "status": "proposed",
            "replaced_by": "other",
        }
    )
    paths = {e.path for e in validate(content)}
    assert paths == {"/name", "/synonyms/1", "/parent", "/same_as/0", "/status", "/replaced_by"}


def test_a_synonym_cannot_repeat_the_terms_own_name():
    errors = validate(TermContent.from_dict({"name": "Churn", "synonyms": ["CHURN"]}))
    assert [e.path for e in errors] == ["/synonyms/0"]


def test_diff_marks_changed_words_and_list_items():
    before = TermContent.from_dict(
        {"name": "Churn", "definition": "Customers who left.\nCounted monthly.", "synonyms": ["Attrition"]}
    )
    after = before.with_changes(
        definition="Customers who cancelled.\nCounted monthly.", synonyms=("Attrition", "Turnover")
    )
    diff = {d.name: d for d in diff_contents(before, after)}
    assert not diff["name"].changed
    definition = diff["definition"]
    assert definition.changed
    first = definition.rows[0]
    assert first.tag == "replace"
    assert first.left is not None and first.right is not None
    assert [s.text for s in first.left if s.changed] == ["left."]
    assert [s.text for s in first.right if s.changed] == ["cancelled."]
    assert definition.rows[1].tag == "equal"
    assert [(i.text, i.state) for i in diff["synonyms"].right_items] == [("Attrition", "kept"), ("Turnover", "added")]


def test_text_rows_keep_html_as_plain_text():
    rows = text_rows("", "<script>alert(1)</script>")
    assert rows[0].right is not None
    assert rows[0].right[0].text == "<script>alert(1)</script>"  # escaped by the template, never marked safe


def test_merge_replays_the_proposers_changes_on_the_newer_version():
    base = TermContent.from_dict({"name": "Churn", "definition": "Old.", "synonyms": ["Attrition"], "examples": ["x"]})
    mine = base.with_changes(definition="Mine.", synonyms=("Attrition", "Turnover"))
    theirs = base.with_changes(examples=("x", "y"), synonyms=())
    merged, conflicts = merge(base, mine, theirs)
    assert merged.definition == "Mine."
    assert merged.examples == ("x", "y")
    assert merged.synonyms == ("Turnover",)  # their removal and my addition both survive
    assert conflicts == []


def test_merge_reports_a_value_both_sides_changed():
    base = TermContent.from_dict({"name": "Churn", "definition": "Old."})
    merged, conflicts = merge(base, base.with_changes(definition="Mine."), base.with_changes(definition="Theirs."))
    assert merged.definition == "Mine."
    assert conflicts == ["definition"]
