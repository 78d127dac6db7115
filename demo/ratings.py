"""Demo ratings for the demo mesh (`manage.py seed_demo` calls `seed_demo_ratings()` after the access requests).

Deterministic: each published product gets a few ratings from people outside its owning teams, some of them
with dimension scores and comments, and the owning team answers about half of the critical ones. Rows are
written in bulk (the demo is loaded in bulk and indexed whole afterwards), so nobody is mailed.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from access.selectors import user_has_held_grant
from catalog.models import DataProduct, LifecycleStatus, TeamMembership
from catalog.permissions import domain_team_ids
from ratings.models import DIMENSIONS, Rating, RatingReply

SEED = 7
COMMENTS = {
    1: ["Half the rows were missing on Monday again.", "The schema changed without notice and broke our job."],
    2: ["Often late; the freshness objective is not met.", "Hard to use without a description of the fields."],
    3: ["Does the job, but the documentation is thin.", "Fine once you know which port to read."],
    4: ["Reliable and well described.", "Good data; a changelog would help."],
    5: ["Exactly what we needed, and always on time.", "Excellent: clear contract, quick answers from the team."],
}
REPLIES = [
    "Thanks for telling us; we have a fix scheduled for next week.",
    "We added field descriptions in the last release; does that help?",
]


def seed_demo_ratings(seed: int = SEED) -> int:
    """Answers how many ratings were written."""
    rng = random.Random(seed)
    people = list(get_user_model().objects.filter(is_active=True, is_staff=False, is_superuser=False).order_by("pk"))
    if not people:
        return 0
    members: dict[int, set[int]] = {}
    for team_id, user_id in TeamMembership.objects.values_list("team_id", "user_id"):
        members.setdefault(team_id, set()).add(user_id)
    products = list(
        DataProduct.objects.filter(status=LifecycleStatus.PUBLISHED).select_related("domain").order_by("pk")[:200]
    )
    now = timezone.now()
    ratings, replies_for = [], []
    for product in products:
        producers = set().union(
            *(members.get(t, set()) for t in {product.owner_team_id, *domain_team_ids(product.domain)})
        )
        raters = [p for p in people if p.pk not in producers]
        rng.shuffle(raters)
        base = rng.choice([2, 3, 4, 4, 5])
        for person in raters[: rng.randint(0, 6)]:
            stars = min(5, max(1, base + rng.choice([-1, 0, 0, 1])))
            dims = {
                d: min(5, max(1, stars + rng.choice([-1, 0, 1]))) if rng.random() < 0.6 else None for d in DIMENSIONS
            }
            rating = Rating(
                product=product,
                author=person,
                stars=stars,
                comment=rng.choice(COMMENTS[stars]) if rng.random() < 0.7 else "",
                edited_at=now - timedelta(days=rng.randint(0, 80), hours=rng.randint(0, 23)),
                **dims,
            )
            ratings.append(rating)
    with transaction.atomic():
        for rating in ratings:  # after the demo's access requests, so that grant holders are verified consumers
            rating.verified = user_has_held_grant(user=rating.author, product=rating.product)
        Rating.objects.bulk_create(ratings, batch_size=500)
        saved = Rating.objects.filter(product__in=products).select_related("product").order_by("pk")
        for rating in saved:
            if rating.comment and rating.stars <= 3 and rng.random() < 0.5:
                replies_for.append(rating)
        team_people = {}
        for rating in replies_for:
            team = rating.product.owner_team_id
            if team not in team_people:
                team_people[team] = next(iter(sorted(members.get(team, set()))), None)
        RatingReply.objects.bulk_create(
            RatingReply(
                rating=r,
                author_id=team_people[r.product.owner_team_id],
                team_id=r.product.owner_team_id,
                body=rng.choice(REPLIES),
            )
            for r in replies_for
        )
        # the reply came after the review it answers
        for rating in replies_for:
            RatingReply.objects.filter(rating=rating).update(updated_at=rating.edited_at + timedelta(hours=5))
    return len(ratings)
