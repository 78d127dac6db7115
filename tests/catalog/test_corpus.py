"""Every real contract and descriptor in tests/corpus/ posted unchanged: each is stored, or refused with
problem+json naming the field, never a server error. The counts per family are printed (`-s`) and bounded
below, so a parser that starts refusing real files fails here."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from catalog.descriptors.loading import load_document
from core.errors import ValidationFailed
from tests.factories import DomainFactory

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
DOCUMENT_ENDINGS = (".yaml", ".yml", ".json")


def _family(path: Path) -> str | None:
    """DCS, ODCS or DPDS by what the file says of itself; None for a file a descriptor refers to."""
    try:
        doc = load_document(path.read_bytes())
    except ValidationFailed:
        doc = {}
    if "dataProductDescriptor" in doc:
        return "DPDS"
    top = path.relative_to(CORPUS).parts
    if top[0] in ("odm-platform", "odm-specification-dpdescriptor"):
        return None
    if top[0] == "datacontract-specification" or top[:2] == ("datacontract-cli", "dcs"):
        return "DCS"
    return "ODCS"


def _corpus() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.suffix in DOCUMENT_ENDINGS:
            family = _family(path)
            if family is not None:
                found.append((family, path))
    return found


def _post(client, family: str, path: Path, query: str = ""):
    url = f"/api/v1/descriptors{query}"
    if family != "DPDS":
        kind = "application/json" if path.suffix == ".json" else "application/yaml"
        return client.post(url, path.read_bytes(), content_type=kind)
    # A descriptor with the files beside it, each under the path its references use.
    folder = path.parent
    parts = {"descriptor": SimpleUploadedFile(path.name, path.read_bytes(), "application/json")}
    for other in sorted(folder.rglob("*")):
        if other.is_file() and other != path and other.suffix in DOCUMENT_ENDINGS:
            name = other.relative_to(folder).as_posix()
            parts[name] = SimpleUploadedFile(other.name, other.read_bytes())
    return client.post(url, parts, format="multipart")


def _outcome(response, path: Path) -> str:
    assert response.status_code < 500, (path, response.status_code, response.content[:300])
    if response.status_code in (200, 201):
        return "stored"
    assert response["Content-Type"].startswith("application/problem+json"), (path, response["Content-Type"])
    body = response.json()
    assert body["errors"], (path, body)
    assert all(error["pointer"] for error in body["errors"]) or body["errors"][0]["pointer"] == "", (path, body)
    return "refused"


def _run(client, query=lambda family, index: "") -> tuple[Counter, dict[str, list[tuple[str, str]]]]:
    counts: Counter = Counter()
    refusals: dict[str, list[tuple[str, str]]] = {}
    for index, (family, path) in enumerate(_corpus()):
        # Each file on its own: many upstream fixtures reuse one contract id for unrelated documents, which stored
        # one after the other would be judged as versions of each other (a field removed without a major bump).
        with transaction.atomic():
            response = _post(client, family, path, query(family, index))
            outcome = _outcome(response, path)
            transaction.set_rollback(True)
        counts[(family, outcome)] += 1
        if outcome == "refused":
            first = response.json()["errors"][0]
            refusals.setdefault(family, []).append((str(path.relative_to(CORPUS)), first["pointer"]))
    return counts, refusals


def _report(title: str, counts: Counter, refusals) -> None:
    print(f"\n{title}")
    for family in ("DCS", "ODCS", "DPDS"):
        print(f"  {family}: stored {counts[(family, 'stored')]}, refused {counts[(family, 'refused')]}")
        for name, pointer in refusals.get(family, []):
            print(f"    refused {name} at {pointer or '(the document)'}")


def test_the_corpus_is_there():
    families = Counter(family for family, _ in _corpus())
    assert families["DCS"] >= 90 and families["ODCS"] >= 100 and families["DPDS"] >= 15, families


@pytest.mark.django_db
def test_every_file_posted_as_it_is_is_stored_or_refused_naming_a_field(team_client):
    counts, refusals = _run(team_client)
    _report("as written (standalone contracts go to the token team's registry)", counts, refusals)
    # The two deliberately invalid DCS fixtures, and the JSON Schema file that is no contract, are refused.
    assert counts[("DCS", "stored")] >= 88
    assert counts[("DCS", "refused")] <= 3
    assert counts[("ODCS", "stored")] >= 50
    assert counts[("DCS", "stored")] + counts[("DCS", "refused")] == len([f for f, _ in _corpus() if f == "DCS"])


@pytest.mark.django_db
def test_every_file_aimed_at_an_existing_domain_is_stored_or_refused_naming_a_field(world, team_client):
    # The registry's DPDS test cases describe one product (dpdCore) with different identities: each goes to a
    # domain of its own, as the cases are separate tests upstream. Contracts all go to `sales`.
    for index, (family, _) in enumerate(_corpus()):
        if family == "DPDS":
            DomainFactory(slug=f"dpds-{index}", owner_team=world.team)

    def query(family: str, index: int) -> str:
        return f"?domain=dpds-{index}" if family == "DPDS" else "?domain=sales"

    counts, refusals = _run(team_client, query)
    _report("with ?domain= a domain the token's team owns", counts, refusals)
    assert counts[("DCS", "stored")] >= 88
    assert counts[("ODCS", "stored")] >= 105
    assert counts[("DPDS", "stored")] >= 15
    # Each file is stored and rolled back (see _run): "stored" is a 2xx answer for that file on its own.
