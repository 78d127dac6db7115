"""catalog.diff: which changes between two versions break consumers."""

from catalog.diff import breaking, diff_contracts, diff_products
from catalog.specs import ContractSpec, FieldSpec, OutputPortSpec, ProductSpec, SlaSpec


def product(*ports: OutputPortSpec, **kw) -> ProductSpec:
    return ProductSpec(name=kw.pop("name", "Orders"), output_ports=list(ports), **kw)


def port(*fields: FieldSpec, **kw) -> OutputPortSpec:
    return OutputPortSpec(name=kw.pop("name", "orders"), fields=list(fields), **kw)


def contract(*fields: FieldSpec, sla=(), **kw) -> ContractSpec:
    return ContractSpec(contract_id="c", version="1", status="active", fields=list(fields), sla=list(sla), **kw)


def reasons(changes) -> list[tuple[str, str]]:
    return [(c.path, c.reason) for c in breaking(changes)]


def test_nothing_changed_gives_no_change():
    spec = product(port(FieldSpec("id", "int")))
    assert diff_products(spec, product(port(FieldSpec("id", "int")))) == []


def test_a_new_product_has_nothing_to_compare():
    assert diff_products(None, product()) == []


def test_a_removed_port_and_a_changed_port_type_break():
    before = product(port(name="a"), port(name="b"))
    after = product(port(name="a", port_type="topic"))
    assert reasons(diff_products(before, after)) == [
        ("/outputPorts/a/type", "port type changed"),
        ("/outputPorts/b", "output port removed"),
    ]


def test_field_removed_retyped_or_made_required_break_but_additions_do_not():
    before = port(FieldSpec("id", "int"), FieldSpec("name", "string"), FieldSpec("gone", "string"))
    after = port(FieldSpec("id", "string"), FieldSpec("name", "string", nullable=False), FieldSpec("new", "date"))
    changes = diff_products(product(before), product(after))
    assert reasons(changes) == [
        ("/outputPorts/orders/fields/gone", "field removed"),
        ("/outputPorts/orders/fields/id/dataType", "type changed"),
        ("/outputPorts/orders/fields/name/required", "nullable field made required"),
    ]
    assert ("/outputPorts/orders/fields/new", "field added") in [(c.path, c.reason) for c in changes]


def test_renaming_the_product_is_a_change_that_breaks_nobody():
    [change] = diff_products(product(name="Orders"), product(name="All orders"))
    assert (change.path, change.before, change.after, change.breaking) == ("/name", "Orders", "All orders", False)


def test_a_weaker_sla_breaks_a_stronger_one_does_not():
    before = contract(sla=[SlaSpec("latency", "4", unit="h"), SlaSpec("availability", "99.9%")])
    weaker = contract(sla=[SlaSpec("latency", "1", unit="d"), SlaSpec("availability", "99.95%")])
    changes = diff_contracts(before, weaker)
    assert reasons(changes) == [("/slaProperties/latency", "SLA weakened")]
    assert ("/slaProperties/availability", "SLA strengthened") in [(c.path, c.reason) for c in changes]


def test_a_removed_sla_breaks():
    assert reasons(diff_contracts(contract(sla=[SlaSpec("retention", "3", unit="y")]), contract())) == [
        ("/slaProperties/retention", "SLA removed")
    ]


def test_a_contract_field_removed_breaks():
    assert reasons(
        diff_contracts(contract(FieldSpec("id"), FieldSpec("x", object_name="t")), contract(FieldSpec("id")))
    ) == [("/schema/t.x", "field removed")]
