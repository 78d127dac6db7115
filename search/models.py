"""What the embedded search backends store: one row per indexed thing, its text, and the words seen.

`SearchDocument` is kept narrow on purpose: ranking and facet counts read it for thousands of matches per
query, so only short columns live here (the more rows fit a database page, the fewer pages a query touches).
Text for display and snippets lives in `SearchText`; the full-text indexes themselves (SQLite FTS5 tables,
PostgreSQL tsvector columns with GIN indexes) are created by the search app's first migration for the vendor in use.
"""

from __future__ import annotations

import uuid

from django.db import models


class SearchDocument(models.Model):
    doc_type = models.CharField(max_length=20)
    object_id = models.CharField(max_length=64)
    # Lower-cased, accent-free name between single spaces (" daily orders "): exact and prefix matches and
    # "every query word is in the name" are cheap string tests on this column.
    name_norm = models.CharField(max_length=300)
    # quality signals x lifecycle demotion, with the weights of settings.SEARCH_RANKING (see ranking.py)
    static_rank = models.FloatField(default=1.0)
    # Facet values, one column each; multi-valued ones (domain with its parents, access modes, tags) as
    # '|a|b|'. Filters do not read these (they are words in the full-text index, see embedded.py); facet
    # counts and result cards do.
    status = models.CharField(max_length=20, blank=True)
    domain = models.CharField(max_length=400, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    owner_team = models.CharField(max_length=80, blank=True)
    access_mode = models.CharField(max_length=60, blank=True)
    has_contract = models.CharField(max_length=3, blank=True)
    slo_health = models.CharField(max_length=20, blank=True)
    rating_band = models.CharField(max_length=20, blank=True)
    health_band = models.CharField(max_length=10, blank=True)
    tags = models.CharField(max_length=2000, blank=True)
    # raw signals, for the sorts by rating and consumers
    rating = models.FloatField(default=0.0)
    consumers = models.IntegerField(default=0)
    # Product health 0-100 (governance app); -1 when unknown, so that a descending sort puts unknown last on
    # both engines and a plain index serves it (PostgreSQL would put NULLs first).
    health = models.FloatField(default=-1.0)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "search_document"
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "object_id"], name="search_doc_unique_type_object"),
        ]
        indexes = [
            # Relevance walks matches in this order when a word matches too many documents to sort them all.
            models.Index(fields=["-static_rank", "id"], name="search_doc_rank_idx"),
            # Exact-name and name-prefix matches: a range scan on the normalised name.
            models.Index(fields=["name_norm"], name="search_doc_name_idx"),
            # The sorts other than relevance walk these when there are too many matches to sort.
            models.Index(fields=["-updated_at", "id"], name="search_doc_updated_idx"),
            models.Index(fields=["-rating", "-static_rank", "id"], name="search_doc_rating_idx"),
            models.Index(fields=["-consumers", "-static_rank", "id"], name="search_doc_consumers_idx"),
            models.Index(fields=["-health", "-static_rank", "id"], name="search_doc_health_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type}:{self.object_id}"

    @property
    def key(self) -> str:
        return f"{self.doc_type}:{self.object_id}"


class SearchText(models.Model):
    """The words of a document, by weight class, plus what a result card shows."""

    document = models.OneToOneField(SearchDocument, on_delete=models.CASCADE, primary_key=True, related_name="text")
    name = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    # tags, port and field names, domain and team names, glossary terms: ranked above descriptions
    short_text = models.TextField(blank=True)
    # summary, description, field descriptions, people: searched when the short fields give too few hits
    long_text = models.TextField(blank=True)
    # one opaque word per facet value (see documents.filter_token), so that filters are part of the match
    filter_tokens = models.TextField(blank=True)
    display = models.JSONField(default=dict)

    class Meta:
        db_table = "search_text"

    def __str__(self) -> str:
        return self.name


class TsVectorField(models.Field):
    """PostgreSQL's tsvector (plain text elsewhere; only the PostgreSQL engine writes these columns)."""

    def db_type(self, connection) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


class SearchWords(models.Model):
    """PostgreSQL only (empty on SQLite): the words the name and short-field tiers match, apart from the wide
    search_text rows. A GIN index answers which documents hold a word, and PostgreSQL then reads each matching
    row to count or join it; here ten rows fit a page, against four of search_text, so counting, sampling and
    testing matches touch a fraction of the pages. Written by PostgresBackend.write_fulltext;
    the GIN indexes are made by migration 0005."""

    document = models.OneToOneField(SearchDocument, on_delete=models.CASCADE, primary_key=True, related_name="words")
    name_tsv = TsVectorField(null=True)
    short_tsv = TsVectorField(null=True)
    # Copies of the document's facet columns, so that facet counts over a sample of matches read only the
    # matching rows here, with no join (a thousand primary-key lookups in search_document cost three times more).
    doc_type = models.CharField(max_length=20)
    status = models.CharField(max_length=20, blank=True)
    domain = models.CharField(max_length=400, blank=True)
    kind = models.CharField(max_length=20, blank=True)
    owner_team = models.CharField(max_length=80, blank=True)
    access_mode = models.CharField(max_length=60, blank=True)
    has_contract = models.CharField(max_length=3, blank=True)
    slo_health = models.CharField(max_length=20, blank=True)
    rating_band = models.CharField(max_length=20, blank=True)
    health_band = models.CharField(max_length=10, blank=True)
    tags = models.CharField(max_length=2000, blank=True)

    class Meta:
        db_table = "search_words"

    def __str__(self) -> str:
        return str(self.document_id)


class SearchTerm(models.Model):
    """Every word the index has seen: the vocabulary that "did you mean" corrects a misspelt word against."""

    term = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "search_term"

    def __str__(self) -> str:
        return self.term


class IndexOutbox(models.Model):
    """What the index still has to catch up on: one row per document key, written in the same transaction as
    the change it follows (so it commits, or rolls back, with it). Repeated writes to one key coalesce on the
    unique key; `search.outbox.drain` turns pending rows into index writes in batches and deletes them.

    action: 'index' re-reads the row (and removes the document when the row is gone); 'remove' only deletes.
    A 'domain:…' or 'team:…' key also re-indexes the products that show that name.
    """

    INDEX = "index"
    REMOVE = "remove"
    ACTIONS = [(INDEX, "index"), (REMOVE, "remove")]

    key = models.CharField(max_length=100)  # "product:42": doc_type:object_id
    action = models.CharField(max_length=10, choices=ACTIONS, default=INDEX)
    created_at = models.DateTimeField(auto_now_add=True)  # of the oldest write not yet indexed (kept on coalescing)
    # New on every write to the key: a drain deletes only the rows it read with the token it read, so a write
    # that lands while a drain is under way (and that the drain may not have seen) leaves its row pending.
    token = models.UUIDField(default=uuid.uuid4, unique=True)

    class Meta:
        db_table = "search_index_outbox"
        constraints = [models.UniqueConstraint(fields=["key"], name="search_outbox_unique_key")]
        indexes = [models.Index(fields=["created_at", "id"], name="search_outbox_created_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"
