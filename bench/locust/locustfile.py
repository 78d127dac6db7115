"""The traffic mix of `bench/load.py`: consumers searching and reading, pipelines publishing products, sending
OpenLineage events and proposing glossary terms. Run by load.py (`locust --headless -f bench/locust/locustfile.py`);
never imported by the portal or its tests (locust monkeypatches the standard library with gevent).

Every write the portal acknowledges (a 2xx) is appended to the file named by LOAD_ACK_FILE, one JSON object a
line, so that load.py can check afterwards that each one is in the database and in the search index.

Environment: LOAD_TOKEN (a token with all scopes), LOAD_DOMAIN (a domain of the token's team), LOAD_SEEDED
(how many products `load-seed-NNNN` exist), LOAD_ACK_FILE.
"""

from __future__ import annotations

import json
import os
import random
import uuid

from locust import HttpUser, between, events, task

TOKEN = os.environ["LOAD_TOKEN"]
DOMAIN = os.environ.get("LOAD_DOMAIN", "load")
SEEDED = int(os.environ.get("LOAD_SEEDED", "20"))
WORDS = ["orders", "customer", "shipment", "invoice", "payment", "article", "store", "campaign", "session", "ticket"]
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.30.0/client/python"

_acks = open(os.environ["LOAD_ACK_FILE"], "a", buffering=1)  # noqa: SIM115 - closed when locust quits


@events.quitting.add_listener
def _close_acks(environment, **kwargs) -> None:
    _acks.close()


def acknowledge(kind: str, **data) -> None:
    _acks.write(json.dumps({"kind": kind, **data}) + "\n")


def product_body(slug: str, marker: str) -> dict:
    word = random.choice(WORDS)
    return {
        # The marker is a word no other document has: load.py searches for it to find this product's document.
        "name": f"{word.title()} {marker}",
        "summary": f"Load test product about {word}s.",
        "status": "published",
        "tags": ["load", word],
        "output_ports": [
            {
                "name": "data",
                "type": "table",
                "fields": [
                    {"name": f"{word}_id", "type": "string", "nullable": False, "primary_key": True},
                    {"name": "amount", "type": "decimal(18,2)"},
                    {"name": "email", "type": "string", "classification": "pii"},
                ],
            }
        ],
    }


class Consumer(HttpUser):
    """Reads: search, the product page (HTML) and the product API."""

    weight = 3
    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKEN}"

    @task(4)
    def search(self) -> None:
        self.client.get(f"/api/v1/search?q={random.choice(WORDS)}", name="/api/v1/search?q=[word]")

    @task(2)
    def product_page(self) -> None:
        self.client.get(f"/products/{DOMAIN}/load-seed-{random.randrange(SEEDED):04d}/", name="/products/[page]")

    @task(2)
    def product_api(self) -> None:
        self.client.get(
            f"/api/v1/products/{DOMAIN}/load-seed-{random.randrange(SEEDED):04d}", name="/api/v1/products/[one]"
        )


class Pipeline(HttpUser):
    """Writes: product upserts (new and re-sent), OpenLineage run events, glossary proposals."""

    weight = 1
    wait_time = between(0.2, 0.8)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKEN}"

    @task(4)
    def publish_product(self) -> None:
        marker = "lp" + uuid.uuid4().hex[:12]
        slug = f"load-{marker}"
        with self.client.put(
            f"/api/v1/products/{DOMAIN}/{slug}",
            json=product_body(slug, marker),
            name="/api/v1/products/[put]",
            catch_response=True,
        ) as response:
            if response.status_code in (200, 201):
                acknowledge("product", slug=slug, marker=marker, ports=1, fields=3)
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(2)
    def lineage_event(self) -> None:
        run_id = str(uuid.uuid4())
        source, target = random.sample(WORDS, 2)
        event = {
            "eventType": "COMPLETE",
            "eventTime": "2025-01-01T10:00:00Z",
            "run": {"runId": run_id},
            "job": {"namespace": "load", "name": f"build_{target}"},
            "inputs": [{"namespace": "warehouse", "name": f"raw.{source}"}],
            "outputs": [{"namespace": "warehouse", "name": f"mart.{target}"}],
            "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        }
        with self.client.post("/api/v1/lineage", json=event, name="/api/v1/lineage", catch_response=True) as response:
            if 200 <= response.status_code < 300:
                acknowledge("lineage", run_id=run_id)
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(1)
    def glossary_proposal(self) -> None:
        marker = "lg" + uuid.uuid4().hex[:12]
        body = {
            "domain": DOMAIN,
            "kind": "create",
            "reason": "Proposed by the load test.",
            "content": {"name": f"Term {marker}", "definition": f"A term proposed under load ({marker})."},
        }
        with self.client.post(
            "/api/v1/glossary/proposals", json=body, name="/api/v1/glossary/proposals", catch_response=True
        ) as response:
            if 200 <= response.status_code < 300:
                acknowledge("proposal", id=response.json().get("id"), marker=marker)
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
