"""catalog.diff: which changes between two versions break consumers."""

import pytest

from catalog.diff import breaking, diff_contracts, diff_products
from catalog.specs import ContractSpec, FieldSpec, OutputPortSpec, ProductSpec, QualityRuleSpec, SlaSpec
from catalog.versioning import judge


def product(*ports: OutputPortSpec, **kw) -> ProductSpec:
    return ProductSpec(name=kw.pop("name", "Orders"), output_ports=list(ports), **kw)


def port(*fields: FieldSpec, **kw) -> OutputPortSpec:
    return OutputPortSpec(name=kw.pop("name", "orders"), fields=list(fields), **kw)


def contract(*fields: FieldSpec, sla=(), quality=(), **kw) -> ContractSpec:
    return ContractSpec(
        contract_id="c", version="1", status="active", fields=list(fields), sla=list(sla), quality=list(quality), **kw
    )


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


# The full rule set (docs/notices.md) -------------------------------------------------------------------------


def test_a_field_renamed_in_place_is_one_breaking_rename():
    before = port(FieldSpec("id", "int"), FieldSpec("email", "string"))
    after = port(FieldSpec("id", "int"), FieldSpec("mail", "string"))
    [change] = diff_products(product(before), product(after))
    assert (change.path, change.before, change.after, change.reason) == (
        "/outputPorts/orders/fields/email",
        "email",
        "mail",
        "field renamed",
    )
    assert change.breaking


def test_a_removal_and_an_unrelated_addition_are_not_a_rename():
    before = port(FieldSpec("id", "int"), FieldSpec("email", "string"))
    after = port(FieldSpec("id", "int"), FieldSpec("born", "date"))
    assert reasons(diff_products(product(before), product(after))) == [
        ("/outputPorts/orders/fields/email", "field removed")
    ]


def test_a_port_renamed_with_the_same_fields_is_a_breaking_rename():
    before = product(port(FieldSpec("id", "int"), name="orders"))
    after = product(port(FieldSpec("id", "int"), name="all_orders"))
    assert reasons(diff_products(before, after)) == [("/outputPorts/orders", "output port renamed")]


@pytest.mark.parametrize(
    ("old", "new"),
    [("int", "bigint"), ("integer", "long"), ("float", "double"), ("varchar(10)", "varchar(20)"),
     ("varchar(10)", "string"), ("date", "timestamp"), ("smallint", "decimal"), ("INT", "int")],
)  # fmt: skip
def test_a_widening_type_change_breaks_nobody(old, new):
    changes = diff_products(product(port(FieldSpec("x", old))), product(port(FieldSpec("x", new))))
    assert breaking(changes) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [("bigint", "int"), ("int", "string"), ("string", "int"), ("varchar(20)", "varchar(10)"),
     ("timestamp", "date"), ("decimal", "int"), ("boolean", "int")],
)  # fmt: skip
def test_a_narrowing_or_unrelated_type_change_breaks(old, new):
    changes = diff_products(product(port(FieldSpec("x", old))), product(port(FieldSpec("x", new))))
    assert reasons(changes) == [("/outputPorts/orders/fields/x/dataType", "type changed")]


def test_a_required_field_made_nullable_breaks_nobody():
    changes = diff_products(product(port(FieldSpec("x", nullable=False))), product(port(FieldSpec("x"))))
    assert breaking(changes) == [] and changes[0].reason == "required field made nullable"


def test_a_changed_description_breaks_nobody():
    before = product(port(FieldSpec("x", description="old")), description="a")
    after = product(port(FieldSpec("x", description="new")), description="b")
    changes = diff_products(before, after)
    assert breaking(changes) == [] and len(changes) == 2


def test_access_tightened_breaks_loosened_does_not():
    tighter = diff_products(product(port(access_mode="open")), product(port(access_mode="on_request")))
    assert reasons(tighter) == [("/outputPorts/orders/accessMode", "access mode tightened")]
    looser = diff_products(product(port(access_mode="on_request")), product(port(access_mode="open")))
    assert breaking(looser) == []
    shorter = diff_products(product(port(max_access_days=365)), product(port(max_access_days=30)))
    assert reasons(shorter) == [("/outputPorts/orders/maxAccessDays", "longest access shortened")]


def rule(**kw) -> QualityRuleSpec:
    return QualityRuleSpec(**{"name": "rows", "metric": "rowCount", "operator": "mustBeGreaterThan", **kw})


def test_a_quality_rule_weakened_or_removed_breaks():
    before = contract(quality=[rule(threshold=1000), rule(name="nulls", operator="mustBeLessThan", threshold=5)])
    after = contract(quality=[rule(threshold=10), rule(name="nulls", operator="mustBeLessThan", threshold=1)])
    changes = diff_contracts(before, after)
    assert reasons(changes) == [("/quality/rows/threshold", "quality rule weakened")]
    assert ("/quality/nulls/threshold", "quality rule strengthened") in [(c.path, c.reason) for c in changes]
    assert reasons(diff_contracts(before, contract(quality=[rule(threshold=1000)]))) == [
        ("/quality/nulls", "quality rule removed")
    ]


def test_a_quality_rule_made_a_warning_breaks_and_a_new_rule_does_not():
    before = contract(quality=[rule(threshold=1, severity="error")])
    assert reasons(diff_contracts(before, contract(quality=[rule(threshold=1, severity="warning")]))) == [
        ("/quality/rows/severity", "quality rule weakened")
    ]
    added = diff_contracts(before, contract(quality=[rule(threshold=1, severity="error"), rule(name="fresh")]))
    assert breaking(added) == [] and added[0].reason == "quality rule added"


def test_a_tighter_sla_breaks_nobody():
    before = contract(sla=[SlaSpec("latency", "4", unit="h")])
    changes = diff_contracts(before, contract(sla=[SlaSpec("latency", "1", unit="h")]))
    assert breaking(changes) == [] and changes[0].reason == "SLA strengthened"


# The verdict (catalog.versioning) ---------------------------------------------------------------------------


def test_breaking_without_a_major_bump_is_refused_with_one_accepted():
    changes = diff_products(product(port(FieldSpec("x"))), product(port()))
    assert judge(changes, before_version="1.4.0", after_version="1.5.0").status == "refused"
    assert judge(changes, before_version="1.4.0", after_version="2.0.0").status == "accepted"
    assert judge(changes, before_version="v1", after_version="v2").status == "accepted"
    assert judge(changes, before_version="1.4.0", after_version="1.5.0", policy="warn").status == "warning"
    assert judge([], before_version="1.4.0", after_version="1.4.0").status == "accepted"
    assert judge(changes, before_version="", after_version="").status == "refused"
