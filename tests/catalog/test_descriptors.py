"""Descriptor parsing: real third-party files in, spec dataclasses or pointed errors out. No database."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog.descriptors import (
    MAX_DEPTH,
    DpdsResult,
    ProductDocument,
    load_document,
    parse_descriptor,
    parse_dpds,
    parse_odcs,
    parse_odps,
)
from catalog.specs import ContractSpec
from core.errors import ValidationFailed

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
ODCS_FULL = CONFORMANCE / "odcs" / "bitol_full-example.odcs.yaml"
ODCS_NO_STATUS = CONFORMANCE / "odcs" / "INVALID_dccli_missing_status.odcs.yaml"
ODPS_CUSTOMER = CONFORMANCE / "odps" / "customer-data-product.odps.yaml"
DPDS_TRIP_STATUS = CONFORMANCE / "dpds" / "tripexecution_trip-status-oport.json"


def load(path: Path) -> dict[str, Any]:
    return load_document(path.read_bytes())


def refusal(call, *args) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call(*args)
    return caught.value


def paths(error: ValidationFailed) -> list[str]:
    return [e.path for e in error.errors]


def message_at(error: ValidationFailed, path: str) -> str:
    return next(e.message for e in error.errors if e.path == path)


def minimal_contract(**extra: Any) -> dict[str, Any]:
    base = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "orders",
        "version": "1.0.0",
        "status": "active",
    }
    return base | extra


def minimal_product(**extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1.0.0",
        "kind": "DataProduct",
        "id": "p-1",
        "status": "active",
        "domain": "Sales",
    } | extra


def dpds_descriptor(*output_ports: Any, input_ports: list[Any] | None = None) -> dict[str, Any]:
    return {
        "dataProductDescriptor": "1.0.0",
        "info": {
            "fullyQualifiedName": "urn:dpds:com.company-xyz:dataproducts:tripExecution:1",
            "name": "tripExecution",
            "displayName": "Trip Execution",
            "version": "1.2.3",
            "domain": "Transport Management",
            "description": "Trips as they are operated.",
            "owner": {"id": "john.doe@company-xyz.com", "name": "John Doe"},
        },
        "interfaceComponents": {"inputPorts": input_ports or [], "outputPorts": list(output_ports)},
    }


# --- loading ---


def test_it_reads_yaml_and_json_alike():
    as_yaml = load_document(b"kind: DataContract\nid: orders\ntags: [a, b]\n")
    as_json = load_document(b' {"kind": "DataContract", "id": "orders", "tags": ["a", "b"]}')
    assert as_yaml == as_json == {"kind": "DataContract", "id": "orders", "tags": ["a", "b"]}


def test_it_keeps_dates_and_yaml11_words_as_text():
    doc = load_document(b"created: 2022-11-15T02:59:43+00:00\nday: 2022-08-02\ncountry: NO\nat: 1:30\nn: 012\n")
    assert doc == {
        "created": "2022-11-15T02:59:43+00:00",
        "day": "2022-08-02",
        "country": "NO",
        "at": "1:30",
        "n": 12,
    }
    assert json.loads(json.dumps(doc)) == doc


def test_it_follows_an_explicit_yaml_content_type():
    # A YAML flow mapping starts with `{` too; the declared type decides.
    assert load_document(b"{kind: DataProduct}", "application/yaml; charset=utf-8") == {"kind": "DataProduct"}


def test_it_reports_malformed_yaml_with_line_and_column():
    error = refusal(load_document, b"kind: DataContract\nschema: [a, b\nid: x\n")
    assert paths(error) == [""]
    assert "Malformed YAML at line 3, column 3" in error.errors[0].message


def test_it_reports_malformed_json_with_line_and_column():
    error = refusal(load_document, b'{\n  "kind": "DataContract",\n}', "application/json")
    assert paths(error) == [""]
    assert "Malformed JSON at line 3, column 1" in error.errors[0].message


def test_it_refuses_a_yaml_alias_bomb():
    levels = ["a: &a ['lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol']"]
    for n in range(1, 10):
        levels.append(f"{chr(97 + n)}: &{chr(97 + n)} [{', '.join(['*' + chr(96 + n)] * 9)}]")
    error = refusal(load_document, "\n".join(levels).encode())
    assert paths(error) == [""]
    assert "aliases (*a) are not accepted" in error.errors[0].message
    assert "line 2" in error.errors[0].message


@pytest.mark.parametrize(
    "tagged", [b"x: !!python/object/apply:os.system ['true']", b"x: !!binary aGk=", b"x: !!set {a}"]
)
def test_it_refuses_yaml_tags_that_build_objects(tagged):
    error = refusal(load_document, tagged)
    assert paths(error) == [""]
    assert "is not accepted: use plain values" in error.errors[0].message


def test_it_accepts_plain_string_tags():
    assert load_document(b"version: !!str 1.0") == {"version": "1.0"}


def nested_json(depth: int) -> bytes:
    return ('{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)).encode()


def nested_yaml(depth: int) -> bytes:
    lines = [f"{'  ' * level}a:" for level in range(depth - 1)]
    return ("\n".join(lines) + " {}\n").encode()


@pytest.mark.parametrize("build", [nested_json, nested_yaml])
def test_it_accepts_nesting_up_to_the_limit(build):
    doc = load_document(build(MAX_DEPTH))
    assert isinstance(doc["a"], dict)


@pytest.mark.parametrize("body", [nested_json(MAX_DEPTH + 1), nested_yaml(MAX_DEPTH + 1), b"[" * 100_000])
def test_it_refuses_nesting_past_the_limit(body):
    error = refusal(load_document, body)
    assert paths(error) == [""]
    assert f"nested deeper than {MAX_DEPTH} levels" in error.errors[0].message


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"- kind: DataContract", "not a list"),
        (b'["x"]', "not a list"),
        (b"just text", "not a string"),
        (b"  \n", "empty"),
        (b"\xff\xfekind: x", "not valid UTF-8"),
        (b'{"n": NaN}', "NaN is not a JSON number"),
    ],
)
def test_it_refuses_what_is_not_a_document(body, words):
    error = refusal(load_document, body)
    assert paths(error) == [""]
    assert words in error.errors[0].message


@pytest.mark.parametrize("body", [b'{"info": {"name": "a\\u0000b"}}', b"info:\n  name: 1e400\n"])
def test_it_points_at_values_the_database_cannot_store(body):
    error = refusal(load_document, body)
    assert paths(error) == ["/info/name"]


@pytest.mark.parametrize("body", [b'{"n": ' + b"1" * 5000 + b"}", b"n: " + b"1" * 5000])
def test_it_refuses_numbers_too_long_to_read(body):
    error = refusal(load_document, body)
    assert paths(error) == [""]
    assert "number too long" in error.errors[0].message


# --- ODCS ---


def test_odcs_reference_contract_parses():
    doc = load(ODCS_FULL)
    contract = parse_odcs(doc)

    assert contract.contract_id == "53581432-6c55-4ba2-a65f-72344a91553a"
    assert (contract.version, contract.status, contract.api_version) == ("1.1.0", "active", "v3.1.0")
    assert contract.name == "my quantum"  # no top-level name, so the data product's
    assert (contract.domain, contract.data_product) == ("seller", "my quantum")
    assert contract.purpose == "Views built on top of the seller tables."
    assert contract.port_type == "table"
    assert contract.location == "postgres://localhost:5432/pypl-edw/pp_access_views"
    assert contract.document is doc

    fields = {(f.object_name, f.name): f for f in contract.fields}
    assert len(fields) == 7
    rcvr_id = fields[("tbl", "rcvr_id")]
    assert (rcvr_id.data_type, rcvr_id.primary_key, rcvr_id.nullable, rcvr_id.classification) == (
        "string",
        True,
        True,
        "restricted",
    )
    assert fields[("receivers", "id")].nullable is False
    assert fields[("tbl", "transaction_reference_date")].data_type == "date"

    assert len(contract.sla) == 8
    latency = contract.sla[0]
    assert (latency.name, latency.value, latency.unit, latency.element) == (
        "latency",
        "4",
        "d",
        "tab1.txn_ref_dt",
    )
    assert contract.sla[1].value == "2022-05-12T09:30:10-08:00"
    frequency = next(s for s in contract.sla if s.name == "frequency")
    assert (frequency.value, frequency.value_ext) == ("1", "1")
    assert [s.driver for s in contract.sla if s.name == "timeOfAvailability"] == ["regulatory", "analytics"]


def test_odcs_quality_rules_come_from_all_three_levels():
    doc = load(ODCS_FULL)
    doc["quality"] = [
        {"name": "late_rows", "type": "sql", "query": "select count(*) from tbl", "mustBeLessThan": 10},
        {"type": "text", "description": "Reviewed by finance every quarter."},
    ]
    rules = {rule.element: rule for rule in parse_odcs(doc).quality}

    assert set(rules) == {"", "tbl", "tbl.rcvr_cntry_code"}
    whole = parse_odcs(doc).quality[0]
    assert (whole.name, whole.rule_type, whole.operator, whole.threshold) == (
        "late_rows",
        "sql",
        "mustBeLessThan",
        10,
    )
    assert whole.definition["query"] == "select count(*) from tbl"
    table = rules["tbl"]
    assert (table.metric, table.operator, table.threshold, table.rule_type) == (
        "rowCount",
        "mustBeGreaterThan",
        1_000_000,
        "library",
    )
    column = rules["tbl.rcvr_cntry_code"]
    assert (column.metric, column.operator, column.threshold, column.dimension) == (
        "nullValues",
        "mustBe",
        0,
        "completeness",
    )
    assert column.schedule == "0 20 * * *"


def test_odcs_reads_v30_rule_spellings():
    doc = minimal_contract(schema=[{"name": "orders", "quality": [{"rule": "rowCount", "mustBeGreaterOrEqualTo": 5}]}])
    (rule,) = parse_odcs(doc).quality
    assert (rule.metric, rule.operator, rule.threshold) == ("rowCount", "mustBeGreaterOrEqualTo", 5)


def test_odcs_without_status_is_refused():
    error = refusal(parse_descriptor, load(ODCS_NO_STATUS))
    assert paths(error) == ["/status"]
    assert message_at(error, "/status") == "is required"


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("active", "active"),
        ("Production", "active"),
        ("released", "active"),
        ("development", "draft"),
        ("retired", "retired"),
        ("proposed", "proposed"),
    ],
)
def test_odcs_status_words_map_to_contract_statuses(written, read):
    assert parse_odcs(minimal_contract(status=written)).status == read


def test_odcs_unknown_status_is_kept_as_written_and_taken_as_draft_with_a_warning():
    # ODCS v3 leaves status a free string: a word the portal does not know is no refusal.
    contract = parse_odcs(minimal_contract(status="someday"))
    assert (contract.status, contract.status_as_written) == ("draft", "someday")
    assert len(contract.warnings) == 1
    assert contract.warnings[0].startswith("/status: 'someday'")
    assert "proposed, draft, active, deprecated, retired" in contract.warnings[0]


def test_odcs_numeric_version_from_yaml_becomes_text():
    doc = load_document(b"apiVersion: v3.0.2\nkind: DataContract\nid: 42\nversion: 1.0\nstatus: draft\n")
    contract = parse_odcs(doc)
    assert (contract.contract_id, contract.version) == ("42", "1.0")


@pytest.mark.parametrize("api_version", ["v2.2.2", "3.0.2", 3])
def test_odcs_needs_a_v3_api_version(api_version):
    error = refusal(parse_odcs, minimal_contract(apiVersion=api_version))
    assert paths(error) == ["/apiVersion"]


def test_odcs_schema_must_be_a_list():
    error = refusal(parse_odcs, minimal_contract(schema="x"))
    assert paths(error) == ["/schema"]
    assert message_at(error, "/schema") == "must be a list, not a string"


def test_odcs_property_without_a_name_is_pointed_at():
    doc = minimal_contract(schema=[{"name": "orders", "properties": [{"name": "id"}, {"logicalType": "string"}]}])
    assert paths(refusal(parse_odcs, doc)) == ["/schema/0/properties/1/name"]


def test_odcs_collects_every_error_at_once():
    doc = {
        "apiVersion": "v2.2.0",
        "kind": "DataContract",
        "version": "1.0.0",
        "status": "someday",
        "schema": [
            {"properties": [{"name": "id"}, {"name": 7}, {"required": "perhaps"}]},
            "orders",
        ],
        "slaProperties": [{"property": "latency"}, {"value": 4}],
    }
    assert sorted(paths(refusal(parse_odcs, doc))) == sorted(
        [
            "/apiVersion",
            "/id",
            "/schema/0/name",
            "/schema/0/properties/2/name",
            "/schema/0/properties/2/required",
            "/schema/1",
            "/slaProperties/0/value",
            "/slaProperties/1/property",
        ]
    )


def test_odcs_flattens_nested_properties_with_dotted_names():
    doc = minimal_contract(
        schema=[
            {
                "name": "orders",
                "physicalType": "topic",
                "properties": [
                    {
                        "name": "address",
                        "logicalType": "object",
                        "properties": [
                            {
                                "name": "city",
                                "logicalType": "string",
                                "quality": [{"metric": "nullValues", "mustBe": 0}],
                            }
                        ],
                    },
                    {
                        "name": "lines",
                        "logicalType": "array",
                        "items": {"logicalType": "object", "properties": [{"name": "sku", "required": True}]},
                    },
                ],
            }
        ]
    )
    contract = parse_odcs(doc)
    assert [f.name for f in contract.fields] == ["address", "address.city", "lines", "lines.sku"]
    assert contract.fields[3].nullable is False
    assert contract.port_type == "topic"
    assert [r.element for r in contract.quality] == ["orders.address.city"]


def test_odcs_points_into_nested_properties():
    doc = minimal_contract(
        schema=[
            {
                "name": "orders",
                "properties": [
                    {"name": "address", "properties": [{"logicalType": "string"}]},
                    {"name": "lines", "items": {"properties": [{"name": "sku"}, {}]}},
                ],
            }
        ]
    )
    assert paths(refusal(parse_odcs, doc)) == [
        "/schema/0/properties/0/properties/0/name",
        "/schema/0/properties/1/items/properties/1/name",
    ]


def test_odcs_refuses_a_property_declared_twice():
    doc = minimal_contract(schema=[{"name": "orders", "properties": [{"name": "id"}, {"name": "id"}]}])
    error = refusal(parse_odcs, doc)
    assert paths(error) == ["/schema/0/properties/1/name"]
    assert "already a property of 'orders'" in error.errors[0].message


def test_odcs_refuses_two_schema_objects_with_one_name():
    doc = minimal_contract(schema=[{"name": "orders"}, {"name": "lines"}, {"name": "orders"}])
    assert paths(refusal(parse_odcs, doc)) == ["/schema/2/name"]


def test_odcs_refuses_values_longer_than_their_column():
    error = refusal(parse_odcs, minimal_contract(version="1." * 30))
    assert paths(error) == ["/version"]
    assert "at most 40 characters" in error.errors[0].message


@pytest.mark.parametrize(
    ("server", "location"),
    [
        (
            {"type": "s3", "location": "s3://bucket/orders/*.parquet", "format": "parquet"},
            "s3://bucket/orders/*.parquet",
        ),
        ({"type": "kafka", "host": "broker:9092", "topic": "orders"}, "kafka://broker:9092/orders"),
        ({"type": "bigquery", "project": "acme", "dataset": "sales"}, "bigquery://acme/sales"),
        ({"type": "local", "path": "./data/orders.csv"}, "./data/orders.csv"),
    ],
)
def test_odcs_location_comes_from_the_first_server(server, location):
    contract = parse_odcs(minimal_contract(servers=[server, {"type": "postgres", "host": "other"}]))
    assert contract.location == location
    assert contract.format == server.get("format", "")


def test_odcs_plain_string_description_is_the_purpose():
    assert parse_odcs(minimal_contract(description="Orders as billed.")).purpose == "Orders as billed."


# --- ODPS ---


def test_odps_example_product_parses():
    doc = load(ODPS_CUSTOMER)
    product = parse_odps(doc)

    assert (product.domain, product.slug, product.source_format) == (
        "seller",
        "customer-data-product",
        "odps",
    )
    assert product.document is doc
    spec = product.spec
    assert (spec.name, spec.status, spec.external_id) == (
        "Customer Data Product",
        "draft",
        "fbe8d147-28db-4f1d-bedf-a3fe9f458427",
    )
    assert spec.summary == "Enterprise view of a customer."
    assert "## Limitations\n\nNo known limitations." in spec.description
    assert "## Usage" in spec.description
    assert spec.tags == ["customer"]
    assert spec.owner_team == "data-team"

    outputs = [(p.name, p.version, p.port_type, p.contract_ref) for p in spec.output_ports]
    assert outputs == [
        ("rawtransactions", "1.0.0", "table", "c2798941-1b7e-4b03-9e0d-955b1a872b32"),
        ("rawtransactions", "2.0.0", "table", "c2798941-1b7e-4b03-9e0d-955b1a872b33"),
        ("consolidatedtransactions", "1.0.0", "table", "a44978be-1fe0-4226-b840-1b715bc25c63"),
        ("fulltransactionswithreturns", "0.3.0", "table", "ef769969-0cbe-4188-876f-bb00abadaee4"),
    ]
    assert spec.output_ports[0].description == "Raw Transactions"
    inputs = [(p.name, p.version, p.contract_ref) for p in spec.input_ports]
    assert inputs[0] == ("payments", "1.0.0", "dbb7b1eb-7628-436e-8914-2a00638ba6db")  # "payments " trimmed
    assert len(inputs) == 4


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("proposed", "draft"),
        ("draft", "draft"),
        ("active", "published"),
        ("deprecated", "deprecated"),
        ("retired", "retired"),
    ],
)
def test_odps_status_maps_to_the_product_lifecycle(written, read):
    assert parse_odps(minimal_product(status=written)).spec.status == read


def test_odps_unknown_status_names_the_allowed_ones():
    error = refusal(parse_odps, minimal_product(status="beta"))
    assert paths(error) == ["/status"]
    assert "proposed, draft, active, deprecated, retired" in message_at(error, "/status")


def test_odps_needs_a_domain():
    doc = minimal_product()
    del doc["domain"]
    assert paths(refusal(parse_odps, doc)) == ["/domain"]


def test_odps_without_name_takes_its_slug_from_the_id():
    product = parse_odps(minimal_product(id="Customer 360"))
    assert (product.spec.name, product.slug, product.domain) == ("Customer 360", "customer-360", "sales")


def test_odps_refuses_two_ports_with_the_same_name_and_version():
    doc = load(ODPS_CUSTOMER)
    doc["outputPorts"][2]["name"] = "rawtransactions "  # same as port 0 once trimmed
    doc["outputPorts"][2]["version"] = "1.0.0"
    error = refusal(parse_odps, doc)
    assert paths(error) == ["/outputPorts/2"]
    assert "rawtransactions 1.0.0" in error.errors[0].message


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("tables", "table"),
        ("View", "view"),
        ("kafka", "topic"),
        ("stream", "topic"),
        ("files", "file"),
        ("REST", "api"),
        ("dashboard", "other"),
    ],
)
def test_odps_port_types_are_read_leniently(written, read):
    product = parse_odps(minimal_product(outputPorts=[{"name": "p", "version": "1", "type": written}]))
    assert product.spec.output_ports[0].port_type == read


def test_odps_plain_string_description():
    product = parse_odps(minimal_product(description="First paragraph.\n\nMore detail."))
    assert product.spec.summary == "First paragraph."
    assert product.spec.description == "First paragraph.\n\nMore detail."


def test_odps_long_purpose_is_cut_for_the_summary_only():
    purpose = "word " * 200
    product = parse_odps(minimal_product(description={"purpose": purpose}))
    assert len(product.spec.summary) <= 500
    assert product.spec.summary.endswith("…")
    assert product.spec.description == purpose.strip()


def test_odps_collects_every_error_at_once():
    doc = {
        "apiVersion": "v2.0.0",
        "kind": "DataProduct",
        "status": "active",
        "tags": "x",
        "inputPorts": [{"version": "1"}],
        "outputPorts": {"name": "p"},
    }
    assert sorted(paths(refusal(parse_odps, doc))) == sorted(
        ["/apiVersion", "/id", "/domain", "/tags", "/inputPorts/0/name", "/outputPorts"]
    )


# --- DPDS ---


def trip_status_port() -> dict[str, Any]:
    return json.loads(DPDS_TRIP_STATUS.read_text())


def test_dpds_descriptor_with_the_trip_status_port_parses():
    port = trip_status_port()
    assert "expectatctions" in port  # the upstream typo is kept and does not stop parsing
    result = parse_dpds(dpds_descriptor(port, input_ports=[{"name": "tmsInput", "version": "1.0.0"}]))

    product = result.product
    assert (product.domain, product.slug, product.source_format) == (
        "transport-management",
        "tripexecution",
        "dpds",
    )
    assert (product.spec.name, product.spec.version) == ("Trip Execution", "1.2.3")
    assert product.spec.external_id == "urn:dpds:com.company-xyz:dataproducts:tripExecution:1"
    assert product.spec.summary == "Trips as they are operated."
    assert [(p.name, p.version) for p in product.spec.input_ports] == [("tmsInput", "1.0.0")]

    (output,) = product.spec.output_ports
    assert (output.name, output.version, output.port_type, output.location) == (
        "tripStatus",
        "1.2.0",
        "table",
        "westeurope.azure::postgres",
    )
    (contract,) = result.contracts
    assert output.contract_ref == contract.contract_id == port["fullyQualifiedName"]
    assert (contract.source_format, contract.status, contract.domain, contract.version) == (
        "dpds",
        "active",
        "transport-management",
        "1.2.0",
    )
    assert contract.document == port
    levels = {(s.driver, s.name): s.value for s in contract.sla}
    assert levels[("slo", "availability")] == "0.99999"
    assert levels[("slo", "freshness")] == "5m"
    assert levels[("sla", "availability")] == "0.999"
    assert levels[("sla", "freshness")] == "10m"
    assert len(contract.sla) == 6


def test_dpds_port_without_fqn_gets_a_contract_id_from_the_product():
    port = trip_status_port()
    del port["fullyQualifiedName"]
    (contract,) = parse_dpds(dpds_descriptor(port)).contracts
    assert contract.contract_id == "urn:dpds:com.company-xyz:dataproducts:tripExecution:1:tripStatus"


def test_dpds_port_without_service_levels_has_no_contract():
    result = parse_dpds(dpds_descriptor({"name": "raw", "version": "1.0.0"}))
    assert result.contracts == []
    assert result.product.spec.output_ports[0].contract_ref == ""


def test_dpds_port_given_only_by_reference_is_refused():
    doc = dpds_descriptor(trip_status_port(), {"description": "events", "$ref": "trip-events-oport.json"})
    error = refusal(parse_dpds, doc)
    assert paths(error) == ["/interfaceComponents/outputPorts/1"]
    assert "multipart upload or a zip" in error.errors[0].message


@pytest.mark.parametrize(
    ("promises", "port_type"),
    [
        ({"api": {"specification": "asyncapi"}}, "topic"),
        ({"api": {"specification": "openapi"}}, "api"),
        ({"servicesType": "streaming-services"}, "topic"),
        ({"servicesType": "rest-services"}, "api"),
        ({}, "other"),
    ],
)
def test_dpds_port_type_follows_the_promised_api(promises, port_type):
    result = parse_dpds(dpds_descriptor({"name": "p", "version": "1.0.0", "promises": promises}))
    assert result.product.spec.output_ports[0].port_type == port_type


def test_dpds_collects_every_error_at_once():
    doc = dpds_descriptor({"$ref": "a.json"}, {"version": "1.0.0"})
    doc["dataProductDescriptor"] = "2.0.0"
    del doc["info"]["domain"]
    assert sorted(paths(refusal(parse_dpds, doc))) == sorted(
        [
            "/dataProductDescriptor",
            "/info/domain",
            "/interfaceComponents/outputPorts/0",
            "/interfaceComponents/outputPorts/1/name",
        ]
    )


# --- choosing the format ---


def test_it_chooses_the_parser_by_content():
    assert isinstance(parse_descriptor(load(ODCS_FULL)), ContractSpec)
    assert isinstance(parse_descriptor(load(ODPS_CUSTOMER)), ProductDocument)
    assert isinstance(parse_descriptor(dpds_descriptor(trip_status_port())), DpdsResult)


@pytest.mark.parametrize("doc", [{"kind": "DataSet", "id": "x"}, {"id": "x"}])
def test_it_names_kind_and_the_accepted_formats_for_anything_else(doc):
    error = refusal(parse_descriptor, doc)
    assert paths(error) == ["/kind"]
    assert "DataContract" in error.errors[0].message and "dataProductDescriptor" in error.errors[0].message


def test_json_and_yaml_of_the_same_contract_parse_the_same():
    doc = load(ODCS_FULL)
    from_json = parse_descriptor(load_document(json.dumps(doc).encode(), "application/json"))
    from_yaml = parse_descriptor(load_document(yaml.safe_dump(copy.deepcopy(doc)).encode()))
    assert isinstance(from_json, ContractSpec) and isinstance(from_yaml, ContractSpec)
    assert from_json.fingerprint() == from_yaml.fingerprint()
