"""Words for the demo: where ports live, how products are built, and the markdown that describes them."""

from __future__ import annotations

import random

from demo.entities import FieldDef
from demo.mesh import COMPANY, EMAIL_DOMAIN

# Domains whose data lives in the Databricks lakehouse; the others use Snowflake.
LAKEHOUSE_DOMAINS = {"finance", "supply-chain", "product-analytics"}
KAFKA_BOOTSTRAP = "kafka.acme.internal:9092"
API_BASE = "https://api.acme.example/data"
BUCKET = "s3://acme-data-products"

PORT_SUFFIX = {"table": "_table", "view": "_view", "topic": "_stream", "file": "_export", "api": "_api"}
FORMATS = {"topic": "avro", "api": "json"}

INGESTION_TOOLS = {
    "sap-erp": "SAP SLT replication into the landing zone, then dbt",
    "salesforce": "Fivetran's Salesforce connector, then dbt",
    "workday": "the Workday RaaS extract, loaded nightly",
    "adyen": "Adyen's notification webhooks, written to Kafka by the payments gateway",
    "snowplow": "the Snowplow enrichment pipeline",
    "segment": "Segment's warehouse destination and its Kafka sink",
    "hubspot": "Airbyte's HubSpot connector",
    "zendesk": "Fivetran's Zendesk connector",
    "onetrust": "OneTrust's consent receipts API, polled every 15 minutes",
}
LIMITATIONS = [
    "Rows deleted in the source are flagged, not removed, for 30 days.",
    "Figures for the current day are provisional until the nightly run has finished.",
    "Amounts are in the transaction currency unless the column name ends in `_eur`.",
    "History before 2021 was migrated from the old data warehouse and is less complete.",
    "Time stamps are UTC; business dates follow the selling entity's time zone.",
    "Test orders and internal accounts are filtered out.",
    "Late-arriving events are merged for up to 72 hours.",
    "Personal fields are emptied when a customer asks to be forgotten; ids stay.",
]
USAGE_HINTS = [
    "Filter on the date column first: the tables are clustered by it.",
    "Join to other products on the id columns only, never on names.",
]
# Hints that only make sense for a product that has a port of that type.
PORT_HINTS = {
    "view": "Prefer the view for reporting; the table carries technical columns.",
    "topic": "Use the topic when you need changes within minutes; the table is loaded in micro-batches.",
    "api": "Applications look single records up through the API; do not scan it, use the table.",
}


def port_name(base: str, port_type: str, first: bool) -> str:
    return base if first else f"{base}{PORT_SUFFIX.get(port_type, '_' + port_type)}"


def location(domain: str, warehouse: str, product_slug: str, name: str, port_type: str) -> str:
    table = name.upper()
    if port_type in {"table", "view"}:
        if domain in LAKEHOUSE_DOMAINS:
            return f"databricks://{COMPANY}-lakehouse/{domain.replace('-', '_')}/gold/{name}"
        return f"snowflake://{COMPANY}/{warehouse}/{table}"
    if port_type == "topic":
        return f"kafka://{KAFKA_BOOTSTRAP}/{domain}.{product_slug}.v1"
    if port_type == "file":
        return f"{BUCKET}/{domain}/{product_slug}/"
    return f"{API_BASE}/{domain}/{product_slug}/v1"


def port_format(domain: str, port_type: str, rng: random.Random) -> str:
    if port_type in FORMATS:
        return FORMATS[port_type]
    if port_type == "file":
        return rng.choice(["parquet", "parquet", "csv"])
    return "delta" if domain in LAKEHOUSE_DOMAINS else "snowflake"


def server(domain: str, warehouse: str, port_type: str, loc: str) -> dict:
    """The ODCS `servers` entry of a port."""
    if port_type in {"table", "view"}:
        if domain in LAKEHOUSE_DOMAINS:
            return {
                "server": "production",
                "type": "databricks",
                "host": f"{COMPANY}.cloud.databricks.com",
                "catalog": f"{COMPANY}_lakehouse",
                "schema": domain.replace("-", "_"),
            }
        return {
            "server": "production",
            "type": "snowflake",
            "account": COMPANY,
            "database": warehouse,
            "schema": "PUBLIC",
        }
    if port_type == "topic":
        return {"server": "production", "type": "kafka", "host": KAFKA_BOOTSTRAP, "format": "avro"}
    if port_type == "file":
        return {"server": "production", "type": "s3", "location": loc, "format": "parquet"}
    return {"server": "production", "type": "api", "location": loc}


def technical_fields(kind: str) -> list[FieldDef]:
    if kind == "source-aligned":
        return [
            FieldDef(
                "_ingested_at", "timestamp", "When the row landed on the data platform, UTC.", False, False, "internal"
            ),
            FieldDef("_source_system", "string", "System the row was extracted from.", False, False, "internal"),
        ]
    return [
        FieldDef(
            "_computed_at",
            "timestamp",
            "When the pipeline run that wrote the row started, UTC.",
            False,
            False,
            "internal",
        ),
        FieldDef("_run_id", "string", "OpenLineage run id of that pipeline run.", False, False, "internal"),
    ]


def description(
    *,
    rng: random.Random,
    summary: str,
    kind: str,
    domain: str,
    team_email: str,
    fields: list[FieldDef],
    inputs: list[str],
    external: list[str],
    table: str,
    port_types: list[str],
) -> str:
    keys = [f.name for f in fields if f.primary_key]
    grain = ", ".join(f"`{k}`" for k in keys) or "event"
    pii = [f.name for f in fields if f.classification in {"pii", "restricted"}]
    lines = [summary, "", "## What it contains", "", f"One row per {grain}."]
    if pii:
        shown = ", ".join(f"`{n}`" for n in pii[:4]) + (" and more" if len(pii) > 4 else "")
        lines.append(
            f"It holds personal or restricted data ({shown}): access is granted on request, for a "
            f"stated purpose, and expires."
        )
    lines += ["", "## How it is built", ""]
    if external:
        for system in external:
            how = INGESTION_TOOLS.get(system, f"a nightly extract from {system}")
            lines.append(f"- From **{system}** through {how}.")
    if inputs:
        lines.append("- Transformed with dbt from these products:")
        lines += [f"  - `{ref}`" for ref in inputs]
    if kind == "source-aligned":
        lines.append("- Names and types are cleaned up; the meaning of the source is kept.")
    else:
        lines.append("- Business rules are documented in the dbt models, linked from the contract.")
    date_col = next((f.name for f in fields if f.data_type in {"date", "timestamp"}), None)
    lines += [
        "",
        "## How to use it",
        "",
        rng.choice(USAGE_HINTS + [PORT_HINTS[t] for t in port_types if t in PORT_HINTS]),
        "",
        "```sql",
    ]
    columns = ", ".join([*keys[:2], *[f.name for f in fields if not f.primary_key][:3]])
    lines.append(f"select {columns}")
    lines.append(f"from {table}")
    if date_col:
        lines.append(f"where {date_col} >= dateadd(day, -7, current_date)")
    lines += ["limit 100;", "```", "", "## Known limitations", ""]
    lines += [f"- {text}" for text in rng.sample(LIMITATIONS, 2)]
    lines += ["", "## Support", "", f"Ask in `#data-{domain}` on Slack or write to <{team_email}>."]
    return "\n".join(lines)


def team_email(team_slug: str) -> str:
    return f"{team_slug}@{EMAIL_DOMAIN}"
