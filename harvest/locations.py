"""Which table a port's `location` names, for a given connection. Pure.

`postgres://host:5432/db.schema.table`, `mysql://host:3306/db.table`: the namespace must be the connection's.
Bare names (`db.schema.table`, `schema.table`, `table`) are read in the connection's database. The last part is
the table, the one before it the schema (PostgreSQL) or database (MySQL, MariaDB); three parts name the database
first, which must be the connection's.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from harvest.inspect import TableRef
from harvest.secrets import SCHEMES, namespace


def _clean(part: str) -> str:
    return part.strip().strip('"`[]')


def table_ref(location: str, url: str) -> tuple[TableRef | None, str]:
    """(table, '') when the location names one of this connection's tables; (None, why not) otherwise."""
    value = location.strip()
    if not value:
        return None, "the port has no location"
    if "://" in value:
        parts = urlsplit(value)
        scheme = SCHEMES.get(parts.scheme.lower(), parts.scheme.lower())
        own = namespace(url).lower()
        if f"{scheme}://{parts.netloc.lower()}" != own:
            return None, f"the location is on {scheme}://{parts.netloc}, not on this connection ({own})"
        value = parts.path.strip("/").replace("/", ".")
    names = [_clean(p) for p in value.split(".") if _clean(p)]
    if not names or len(names) > 3:
        return None, f"'{location}' does not name a table (table, schema.table or database.schema.table)"
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        schema = names[-2] if len(names) >= 2 and names[-2] != "main" else None
        return TableRef(schema, names[-1]), ""
    if len(names) == 3 and backend == "postgresql" and parsed.database and names[0] != parsed.database:
        return None, f"the location names database {names[0]}; the connection reads {parsed.database}"
    schema = names[-2] if len(names) >= 2 else None
    return TableRef(schema, names[-1]), ""
