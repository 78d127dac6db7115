"""The libyaml fast path of load_document gives what the pure-Python loader gives, or steps aside."""

from pathlib import Path

import pytest

from catalog.descriptors import loading

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT.parent / "shared" / "conformance"
DOCUMENTS = sorted(CONFORMANCE.rglob("*.yaml")) + sorted((ROOT / "docs" / "examples").rglob("*.yaml"))

pytestmark = pytest.mark.skipif(loading._FastCoreLoader is None, reason="PyYAML built without libyaml")


def pure(text: str):
    loader = loading._SafeCoreLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_real_documents_load_the_same(path: Path):
    text = path.read_text()
    assert loading._parse_yaml_fast(text) == pure(text)


@pytest.mark.parametrize(
    "text",
    [
        "created: 2022-11-15T02:59:43+00:00\nday: 2022-08-02\ncountry: NO\nat: 1:30\nn: 012\nh: 0x1F\no: 0o17\n",
        "a: ~\nb: null\nc:\nd: True\ne: yes\nf: 1.0\ng: .5\nh: 1e3\ni: .inf\nj: .nan\nk: '1'\n1: x\ntrue: y\n",
        "list: [1, 2.5, 'three', {nested: [a, b]}]\nblock: |\n  two\n  lines\n",
    ],
)
def test_scalars_resolve_the_same(text: str):
    assert loading._parse_yaml_fast(text) == pure(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1]\nb: *x\n",  # aliases: the pure loader refuses them with its message
        "a: !!python/object:os.system ls\n",
        "a: !!binary aGVsbG8=\n",
        "a: [unclosed\n",
        "a: b: c\n",
        "---\na: 1\n---\nb: 2\n",
        "[" * 70 + "]" * 70,
    ],
)
def test_what_the_pure_loader_must_answer_for_is_left_to_it(text: str):
    assert loading._parse_yaml_fast(text) is loading._NOT_FAST
