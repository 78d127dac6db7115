"""Ready-to-run snippets for consuming an output port, built from its type, location, format and fields.

Pure functions of the port's stored values (no query, no network): the product page's "How to use" shows them
with a copy button. A location is read as `scheme://server/path` (`snowflake://acme/SALES/ORDERS`,
`kafka://broker:9092/topic`, `s3://bucket/prefix/`, `https://...`) or, without a scheme, as the name itself
(`warehouse.sales.orders`). Credentials never appear: the snippets read them from the environment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from catalog.models import OutputPort, PortType, SchemaField

# Columns listed by name up to this many; past it a SELECT of all of them stops being readable.
MAX_COLUMNS = 30
_PLAIN_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Snippet:
    key: str  # "sql", "python", "spark", "curl", "config"
    label: str
    code: str


@dataclass(frozen=True)
class Location:
    scheme: str
    server: str
    path: list[str]
    raw: str

    @property
    def dotted(self) -> str:
        """The object's name as SQL engines write it: the path's parts joined by dots, else the raw value."""
        return ".".join(self.path) if self.scheme else self.raw


def parse_location(value: str) -> Location:
    value = (value or "").strip()
    if "://" not in value:
        return Location(scheme="", server="", path=[p for p in value.split(".") if p], raw=value)
    parts = urlsplit(value)
    return Location(
        scheme=parts.scheme.lower(),
        server=parts.netloc,
        path=[p for p in parts.path.split("/") if p],
        raw=value,
    )


def quote_identifier(name: str) -> str:
    """A column or table part as SQL needs it: plain names bare, anything else in double quotes."""
    if _PLAIN_IDENTIFIER.match(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def _sql_name(location: Location, fallback: str) -> str:
    parts = location.path if location.path else [fallback]
    return ".".join(quote_identifier(p) for p in parts)


def _columns(fields: Sequence[SchemaField]) -> list[str]:
    """Top-level column names in schema order (one object's fields when a port has several objects)."""
    objects = [f.object_name for f in fields]
    first_object = objects[0] if objects else ""
    names = [f.name for f in fields if f.object_name == first_object]
    return list(dict.fromkeys(names))


def _select_list(columns: list[str], indent: str = "  ") -> str:
    if not columns:
        return indent + "*"
    shown = [quote_identifier(c) for c in columns[:MAX_COLUMNS]]
    text = (",\n" + indent).join(shown)
    more = len(columns) - len(shown)
    return indent + text + (f"\n{indent}-- and {more} more columns" if more > 0 else "")


def _python_list(columns: list[str]) -> str:
    return "[" + ", ".join(repr(c) for c in columns[:MAX_COLUMNS]) + "]"


def _table_snippets(port: OutputPort, columns: list[str]) -> list[Snippet]:
    location = parse_location(port.location)
    name = _sql_name(location, port.name)
    sql = f"SELECT\n{_select_list(columns)}\nFROM {name}\nLIMIT 100;"
    server = f" ({location.scheme}://{location.server})" if location.scheme else ""
    python = (
        "import os\n\n"
        "import pandas as pd\n"
        "import sqlalchemy\n\n"
        f"# The connection you were granted for this port{server}, e.g. from your secrets store.\n"
        'engine = sqlalchemy.create_engine(os.environ["WAREHOUSE_URL"])\n'
        f'query = """\n{sql.rstrip(";")}\n"""\n'
        "df = pd.read_sql(query, engine)"
    )
    column_args = ", ".join(repr(c) for c in columns[:MAX_COLUMNS])
    select = f".select({column_args})" if columns else ""
    dotted = location.dotted or port.name
    fmt = (port.format or location.scheme).lower()
    if fmt == "snowflake" or location.scheme == "snowflake":
        spark = (
            "# sf_options: sfURL, sfUser, sfPassword (or a key), sfDatabase, sfWarehouse, from your secrets.\n"
            'df = (spark.read.format("snowflake")\n'
            "      .options(**sf_options)\n"
            f'      .option("dbtable", "{dotted}")\n'
            f"      .load(){select})"
        )
    else:
        spark = f'df = spark.read.table("{dotted}"){select}'
    return [
        Snippet("sql", "SQL", sql),
        Snippet("python", "Python (pandas, SQLAlchemy)", python),
        Snippet("spark", "Spark", spark),
    ]


_FILE_READERS = {"parquet": "parquet", "csv": "csv", "json": "json", "delta": "delta", "avro": "avro"}


def _file_snippets(port: OutputPort, columns: list[str]) -> list[Snippet]:
    path = port.location or "s3://bucket/prefix/"
    fmt = _FILE_READERS.get((port.format or "").lower(), "parquet")
    glob = path if not path.endswith("/") else f"{path}*.{fmt}"
    duck_reader = {"parquet": "read_parquet", "csv": "read_csv_auto", "json": "read_json_auto"}.get(fmt)
    snippets: list[Snippet] = []
    if duck_reader:
        snippets.append(
            Snippet("sql", "SQL (DuckDB)", f"SELECT\n{_select_list(columns)}\nFROM {duck_reader}('{glob}')\nLIMIT 100;")
        )
    pandas_reader = {"parquet": "read_parquet", "csv": "read_csv", "json": "read_json"}.get(fmt, "read_parquet")
    if fmt == "parquet" and columns:
        read = f'pd.read_parquet("{path}", columns={_python_list(columns)})'
    elif fmt == "csv" and columns:
        read = f'pd.read_csv("{glob}", usecols={_python_list(columns)})'
    else:
        read = f'pd.{pandas_reader}("{glob if fmt != "parquet" else path}")'
    snippets.append(Snippet("python", "Python (pandas)", f"import pandas as pd\n\ndf = {read}"))
    column_args = ", ".join(repr(c) for c in columns[:MAX_COLUMNS])
    select = f".select({column_args})" if columns else ""
    options = '.option("header", True)' if fmt == "csv" else ""
    snippets.append(Snippet("spark", "Spark", f'df = spark.read.format("{fmt}"){options}.load("{path}"){select}'))
    return snippets


def _api_snippets(port: OutputPort, columns: list[str]) -> list[Snippet]:
    url = port.location or "https://example.invalid/"
    curl = f'curl -sS "{url}" \\\n  -H "Accept: application/json" \\\n  -H "Authorization: Bearer $API_TOKEN"'
    python = (
        "import os\n\n"
        "import requests\n\n"
        "response = requests.get(\n"
        f'    "{url}",\n'
        '    headers={"Accept": "application/json", "Authorization": f"Bearer {os.environ[\'API_TOKEN\']}"},\n'
        "    timeout=30,\n"
        ")\n"
        "response.raise_for_status()\n"
        "rows = response.json()"
    )
    if columns:
        python += f"\n# each row carries: {', '.join(columns[:MAX_COLUMNS])}"
    return [Snippet("curl", "curl", curl), Snippet("python", "Python (requests)", python)]


def _topic_snippets(port: OutputPort, columns: list[str]) -> list[Snippet]:
    location = parse_location(port.location)
    if location.scheme:
        servers = location.server or "broker:9092"
        topic = "/".join(location.path) or port.name
    else:
        servers, topic = "broker:9092", location.raw or port.name
    group = f"<your-team>.{port.name}"
    fmt = (port.format or "").lower()
    lines = [
        f"bootstrap.servers={servers}",
        f"group.id={group}",
        "auto.offset.reset=earliest",
        "enable.auto.commit=true",
        "security.protocol=SASL_SSL",
        "# sasl.* settings: the credentials you were granted for this port",
    ]
    if fmt == "avro":
        lines += [
            "key.deserializer=org.apache.kafka.common.serialization.StringDeserializer",
            "value.deserializer=io.confluent.kafka.serializers.KafkaAvroDeserializer",
            "schema.registry.url=<your schema registry>",
        ]
    else:
        lines += [
            "key.deserializer=org.apache.kafka.common.serialization.StringDeserializer",
            "value.deserializer=org.apache.kafka.common.serialization.StringDeserializer",
        ]
    config = f"# Consumer configuration for topic {topic}\n" + "\n".join(lines)
    python = (
        "from confluent_kafka import Consumer\n\n"
        "consumer = Consumer({\n"
        f'    "bootstrap.servers": "{servers}",\n'
        f'    "group.id": "{group}",\n'
        '    "auto.offset.reset": "earliest",\n'
        "})\n"
        f'consumer.subscribe(["{topic}"])\n'
        "while True:\n"
        "    message = consumer.poll(1.0)\n"
        "    if message is None or message.error():\n"
        "        continue\n"
        "    value = message.value()"
    )
    if columns:
        python += f"  # fields: {', '.join(columns[:MAX_COLUMNS])}"
    spark = (
        'df = (spark.readStream.format("kafka")\n'
        f'      .option("kafka.bootstrap.servers", "{servers}")\n'
        f'      .option("subscribe", "{topic}")\n'
        '      .option("startingOffsets", "earliest")\n'
        "      .load())"
    )
    return [
        Snippet("config", "Consumer config", config),
        Snippet("python", "Python (confluent-kafka)", python),
        Snippet("spark", "Spark", spark),
    ]


def port_snippets(port: OutputPort, fields: Sequence[SchemaField]) -> list[Snippet]:
    """The snippets for one port, the most direct one first."""
    columns = _columns(fields)
    if port.port_type in (PortType.TABLE, PortType.VIEW):
        return _table_snippets(port, columns)
    if port.port_type == PortType.FILE:
        return _file_snippets(port, columns)
    if port.port_type == PortType.API:
        return _api_snippets(port, columns)
    if port.port_type == PortType.TOPIC:
        return _topic_snippets(port, columns)
    return _table_snippets(port, columns)
