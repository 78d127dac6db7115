"""A descriptor sent with the files its references name: a zip, or the parts of a multipart upload.

The zip is read in memory with limits (MAX_FILES entries, MAX_UNPACKED bytes in all), and names that climb out
of it (`../x`, `/etc/x`) are left out. Its descriptor is the file named by `descriptor` (`?descriptor=` on the
API), else the one document nearest the top of the archive that declares a format; the other files are what
its `$ref`s may name, relative to the descriptor's folder.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from catalog.descriptors.loading import load_document
from catalog.descriptors.refs import normal_path
from core.errors import FieldError, ValidationFailed

MAX_FILES = 500
MAX_UNPACKED = 20 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
_DOCUMENT_ENDINGS = (".json", ".yaml", ".yml")
_MARKERS = ("dataProductDescriptor", "dataContractSpecification", "kind")


@dataclass
class Bundle:
    name: str  # the descriptor's path in the bundle ("" for a plain body)
    raw: bytes
    files: dict[str, bytes] = field(default_factory=dict)


def is_zip(raw: bytes, content_type: str = "") -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in ("application/zip", "application/x-zip-compressed") or raw.startswith(ZIP_MAGIC)


def _refused(message: str, at: str = "") -> ValidationFailed:
    return ValidationFailed([FieldError(at, message)], message="The archive could not be read.")


def read_zip(raw: bytes, *, descriptor: str = "") -> Bundle:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _refused(f"The body is not a readable zip archive ({exc}).") from None
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > MAX_FILES:
        raise _refused(f"The archive holds {len(entries)} files; at most {MAX_FILES} are read.")
    if sum(info.file_size for info in entries) > MAX_UNPACKED:
        raise _refused(f"The archive unpacks to more than {MAX_UNPACKED} bytes.")
    files: dict[str, bytes] = {}
    for info in entries:
        name = normal_path(info.filename)
        if not name or name.startswith("__MACOSX/"):
            continue
        try:
            data = archive.read(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError) as exc:
            raise _refused(f"The archive's file {name!r} cannot be unpacked ({exc}).") from None
        if len(data) != info.file_size:
            raise _refused(f"The archive's file {name!r} is not the size its entry declares.")
        files[name] = data
    name = _descriptor_name(files, descriptor)
    raw_descriptor = files.pop(name)
    # References are relative to the descriptor's folder; files outside it are out of their reach.
    folder = name.rpartition("/")[0]
    if folder:
        files = {k.removeprefix(f"{folder}/"): v for k, v in files.items() if k.startswith(f"{folder}/")}
    return Bundle(name=name, raw=raw_descriptor, files=files)


def _descriptor_name(files: dict[str, bytes], wanted: str) -> str:
    if wanted:
        name = normal_path(wanted)
        if name not in files:
            raise _refused(f"The archive has no file {wanted!r}.", "/descriptor")
        return name
    candidates = [n for n in files if n.lower().endswith(_DOCUMENT_ENDINGS) and _declares_a_format(files[n])]
    if not candidates:
        raise _refused("The archive holds no descriptor (a JSON or YAML document that declares its format).")
    top = min(n.count("/") for n in candidates)
    nearest = sorted(n for n in candidates if n.count("/") == top)
    if len(nearest) > 1:
        raise _refused(
            f"The archive holds several descriptors at its top ({', '.join(nearest)}); name one with ?descriptor=.",
            "/descriptor",
        )
    return nearest[0]


def _declares_a_format(raw: bytes) -> bool:
    try:
        doc = load_document(raw)
    except ValidationFailed:
        return False
    return any(marker in doc for marker in _MARKERS)
