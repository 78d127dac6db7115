"""CSV and JSON import and export: round trips change nothing, bad files import nothing and name every bad row."""

from __future__ import annotations

import csv
import io
import json

import pytest

from core.actors import Actor
from core.errors import PermissionDenied, ValidationFailed
from glossary.importexport import COLUMNS, export_csv, export_json
from glossary.models import Glossary, Term, TermKey, TermVersion
from glossary.services.imports import glossary_import
from tests.factories import UserFactory
from tests.glossary.conftest import approve, propose

pytestmark = pytest.mark.django_db


def run(world, raw, fmt="csv", user=None, **kwargs):
    return glossary_import(actor=Actor(user=user or world.steward), domain_slug="sales", raw=raw, fmt=fmt, **kwargs)


@pytest.fixture
def rich(world, make_term):
    """A glossary using every feature: hierarchy, relations, same-as, stewards, deprecation, awkward text."""
    UserFactory(username="nina")
    make_term("Net revenue", domain="finance")
    make_term("Customer", definition='Anyone who bought; see "orders".\n\n- line, with; punctuation\n- ünïcödé ✓')
    make_term(
        "Active customer",
        parent="customer",
        synonyms=["Engaged customer", "Käufer"],
        abbreviations=["AC"],
        examples=["Bought twice; last in May", 'Said "yes"'],
        related=["customer"],
        same_as=["finance/net-revenue"],
        stewards=["nina", "stefan"],
    )
    make_term("Old customer")
    approve(world.steward, propose(world.member, kind="deprecate", term="old-customer", replaced_by="active-customer"))
    propose(world.member, name="Still proposed")
    return Glossary.objects.get(domain__slug="sales")


def snapshot():
    return (
        list(Term.objects.order_by("pk").values_list("slug", "version", "updated_at")),
        TermVersion.objects.count(),
        TermKey.objects.count(),
    )


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_changes_nothing(world, rich, fmt):
    exported = export_csv(rich) if fmt == "csv" else export_json(rich)
    before = snapshot()
    result = run(world, exported, fmt)
    assert (result.created, result.updated, result.unchanged) == ([], [], 3)
    assert snapshot() == before
    again = export_csv(rich) if fmt == "csv" else export_json(rich)
    assert again == exported


def test_an_export_carries_every_field_and_leaves_proposed_terms_out(world, rich):
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(export_csv(rich)))}
    assert list(rows) == ["active-customer", "customer", "old-customer"]
    active = rows["active-customer"]
    assert active["synonyms"] == "Engaged customer;Käufer"
    assert active["examples"] == 'Bought twice; last in May\nSaid "yes"'
    assert (active["parent"], active["related"], active["same_as"]) == ("customer", "customer", "finance/net-revenue")
    assert active["stewards"] == "nina;stefan"
    assert (rows["old-customer"]["status"], rows["old-customer"]["replaced_by"]) == ("deprecated", "active-customer")
    document = json.loads(export_json(rich))
    assert document["format"] == "meshportal-glossary/1"
    assert [t["slug"] for t in document["terms"]] == ["active-customer", "customer", "old-customer"]


def test_an_export_imports_into_an_empty_glossary_of_another_portal(world, rich):
    document = json.loads(export_json(rich))
    Term.objects.filter(glossary=rich).delete()
    result = run(world, json.dumps(document), "json")
    assert sorted(result.created) == ["active-customer", "customer", "old-customer"]
    term = Term.objects.get(glossary=rich, slug="active-customer")
    assert (term.parent and term.parent.slug, term.version, term.status) == ("customer", 1, "approved")
    assert Term.objects.get(glossary=rich, slug="old-customer").replaced_by == term

    def unversioned(doc: dict) -> list[dict]:
        return [{k: v for k, v in t.items() if k != "version"} for t in doc["terms"]]

    assert unversioned(json.loads(export_json(rich))) == unversioned(document)


def test_an_import_adds_and_updates_with_versions_and_keeps_missing_terms(world, rich):
    table = export_csv(rich).replace("Anyone who bought", "Anyone who has bought")
    table += "new-term,New term,approved,Fresh.,Neu,,,customer,,,,,\r\n"
    result = run(world, table, note="Quarterly sync")
    assert (result.created, result.updated, result.unchanged) == (["new-term"], ["customer"], 2)
    customer = Term.objects.get(glossary=rich, slug="customer")
    assert customer.version == 2
    latest = customer.versions.get(number=2)
    assert (latest.change, latest.reason, latest.approved_by_label) == ("imported", "Quarterly sync", "stefan")
    new = Term.objects.get(glossary=rich, slug="new-term")
    assert (new.parent, new.synonyms, new.version) == (customer, ["Neu"], 1)
    assert Term.objects.filter(glossary=rich, slug="still-proposed").exists()


def test_a_dry_run_counts_but_writes_nothing(world, rich):
    before = snapshot()
    result = run(world, "name,definition\r\nBrand new,Hello\r\n", dry_run=True)
    assert (len(result.created), result.dry_run) == (1, True)
    assert snapshot() == before


def test_a_bad_file_names_each_bad_row_and_imports_nothing(world, rich):
    table = (
        "slug,name,status,definition,synonyms,parent\r\n"
        "fine,Fine term,approved,ok,,\r\n"  # row 2
        "dup,active CUSTOMER,approved,,,\r\n"  # row 3: name of another term
        "loop-a,Loop A,approved,,,loop-b\r\n"  # row 4: cycle with row 5
        "loop-b,Loop B,approved,,,loop-a\r\n"  # row 5
        "fine2,,approved,,,\r\n"  # row 6: no name
        "fine3,Fine three,proposed,,,\r\n"  # row 7: proposed is not importable
        "fine4,Fine four,approved,,Fine term,\r\n"  # row 8: synonym = row 2's name
    )
    before = snapshot()
    with pytest.raises(ValidationFailed) as bad:
        run(world, table)
    paths = [e.path for e in bad.value.errors]
    assert paths == [
        "/rows/3/name",
        "/rows/4/parent",
        "/rows/5/parent",
        "/rows/6/name",
        "/rows/7/status",
        "/rows/8/synonyms/0",
    ]
    assert bad.value.errors[0].message.startswith("Row 3: 'active CUSTOMER' is already the name")
    assert bad.value.message == "6 rows have errors; nothing was imported."
    assert snapshot() == before


def test_a_bad_json_file_names_terms_by_index(world, rich):
    document = {"terms": [{"name": "Ok"}, {"name": "Bad", "synonyms": "not a list"}, {"nam": "typo"}]}
    with pytest.raises(ValidationFailed) as bad:
        run(world, json.dumps(document), "json")
    assert [e.path for e in bad.value.errors] == ["/terms/1/synonyms", "/terms/2"]


def test_a_malformed_header_is_refused(world, rich):
    with pytest.raises(ValidationFailed) as bad:
        run(world, "nom,definition\r\nx,y\r\n")
    assert [e.path for e in bad.value.errors] == ["/rows/1", "/rows/1"]


def test_a_row_edited_against_an_older_version_is_refused(world, rich):
    exported = export_csv(rich)
    approve(world.steward, propose(world.member, kind="change", term="customer", definition="Changed meanwhile."))
    with pytest.raises(ValidationFailed) as stale:
        run(world, exported.replace("Anyone who bought", "Someone who bought"))
    assert [e.path for e in stale.value.errors] == ["/rows/3/version"]


def test_an_import_makes_open_proposals_stale(world, rich):
    pending = propose(world.outsider, kind="change", term="customer", definition="Outsider view.")
    run(world, export_csv(rich).replace("Anyone who bought", "Anyone who has bought"))
    pending.refresh_from_db()
    assert pending.is_stale


@pytest.mark.parametrize("who", ["owner", "member", "outsider"])
def test_it_rejects_importers_who_are_not_stewards(world, rich, who):
    with pytest.raises(PermissionDenied):
        run(world, "name\r\nX\r\n", user=getattr(world, who))


def test_the_columns_are_documented_in_the_export_header(world, rich):
    assert export_csv(rich).split("\r\n", 1)[0] == ",".join(COLUMNS)


def test_the_demo_glossary_loads_once(world):
    from demo.glossary import seed_demo_glossaries

    assert seed_demo_glossaries() == 5  # sales and finance exist in this world; customer does not
    assert Term.objects.get(slug="gross-merchandise-value").same_as.get().slug == "net-revenue"
    assert seed_demo_glossaries() == 0
