"""Finding descriptor files in a producer's repository and checking them with the portal's own parsers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.api.product_input import parse_bulk
from catalog.descriptors import load_document, parse_descriptor
from core.errors import FieldError, ValidationFailed

# The file names `publish` and `diff` look for when given a directory (docs/cli.md). A file named on the command
# line is read whatever its name.
PRODUCT_NAMES = ("dataproduct.yaml", "dataproduct.yml", "dataproduct.json", "product.json")
PRODUCT_SUFFIXES = (".odps.yaml", ".odps.yml", ".odps.json", ".dpds.yaml", ".dpds.yml", ".dpds.json")
CONTRACT_NAMES = ("datacontract.yaml", "datacontract.yml", "datacontract.json")
CONTRACT_SUFFIXES = (".odcs.yaml", ".odcs.yml", ".odcs.json")
CONTRACT_DIR_SUFFIXES = (".yaml", ".yml", ".json")  # any such file in a `contracts/` directory
SKIPPED_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__"}

PORTAL = "PortalProduct"  # the portal's own product JSON: {"domain", "slug", "name", ...} or {"products": [...]}


@dataclass
class Document:
    path: Path
    kind: str = ""  # DataProduct | DataContract | PortalProduct, once read
    content: Any = None  # the loaded mapping (a list of portal products for PortalProduct)
    identifier: str = ""
    errors: list[FieldError] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.message


def is_descriptor_name(path: Path) -> bool:
    name = path.name.lower()
    if name in PRODUCT_NAMES or name in CONTRACT_NAMES or name.endswith(PRODUCT_SUFFIXES + CONTRACT_SUFFIXES):
        return True
    return path.parent.name == "contracts" and name.endswith(CONTRACT_DIR_SUFFIXES)


def discover(paths: Iterable[Path]) -> list[Path]:
    """The files to read: named files as they are, directories walked for the documented names, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(_walk(path))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _walk(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if SKIPPED_DIRS & set(path.relative_to(root).parts[:-1]) or not path.is_file():
            continue
        if is_descriptor_name(path):
            yield path


def read(path: Path) -> Document:
    """Load and validate one file as the API would; the problems are kept on the Document, never raised."""
    document = Document(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        document.message = f"cannot be read: {exc.strerror or exc}"
        return document
    content_type = "application/json" if path.suffix.lower() == ".json" else "application/yaml"
    try:
        loaded = load_document(raw, content_type)
        if _is_portal_product(loaded):
            return _read_portal(document, loaded)
        parsed = parse_descriptor(loaded)
    except ValidationFailed as exc:
        return _refused(document, exc)
    document.content = loaded
    document.kind = "DataContract" if loaded.get("kind") == "DataContract" else "DataProduct"
    document.identifier = _identifier(parsed)
    return document


def _read_portal(document: Document, loaded: dict[str, Any]) -> Document:
    document.kind = PORTAL
    single = "products" not in loaded
    document.content = [loaded] if single else loaded["products"]
    try:
        items = parse_bulk({"products": document.content} if single else loaded)
    except ValidationFailed as exc:
        # A file holding one product is checked as item 0 of a bulk body; its pointers are the file's own.
        return _refused(document, exc, strip="/products/0" if single else "")
    document.identifier = ", ".join(f"{domain}/{slug}" for domain, slug, _ in items)
    return document


def _refused(document: Document, exc: ValidationFailed, strip: str = "") -> Document:
    document.errors = [FieldError(e.path.removeprefix(strip), e.message) for e in exc.errors]
    document.errors = document.errors or [FieldError("", exc.message)]
    document.message = exc.message
    return document


def _is_portal_product(doc: dict[str, Any]) -> bool:
    if "kind" in doc or "dataProductDescriptor" in doc or "apiVersion" in doc:
        return False
    return "products" in doc or ("domain" in doc and "slug" in doc)


def _identifier(parsed: Any) -> str:
    if hasattr(parsed, "contract_id"):
        return str(parsed.contract_id)
    product = getattr(parsed, "product", parsed)
    return f"{product.domain}/{product.slug}"
