from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from catalog.models import (
    DataProduct,
    Domain,
    OutputPort,
    SchemaField,
    Team,
    TeamMembership,
    TeamRole,
)

M = TypeVar("M")


class ModelFactory(factory.django.DjangoModelFactory[M]):
    """A DjangoModelFactory that type checkers know makes an M.

    factory_boy's metaclass turns `SomeFactory(...)` into `SomeFactory.create(...)`, which returns the model; a
    type checker sees a class being instantiated and types the result as the factory. This `__new__`, declared
    for type checkers only (nothing changes at run time), tells them what the call really returns.
    """

    class Meta:
        abstract = True

    if TYPE_CHECKING:

        def __new__(cls, *args: Any, **kwargs: Any) -> M:  # type: ignore[misc]  # the model, not the factory
            ...


class UserFactory(ModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-word-123")


class TeamFactory(ModelFactory[Team]):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.LazyAttribute(lambda t: t.slug.replace("-", " ").title())


class MembershipFactory(ModelFactory[TeamMembership]):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = TeamRole.MEMBER


class DomainFactory(ModelFactory[Domain]):
    class Meta:
        model = Domain
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"domain-{n}")
    name = factory.LazyAttribute(lambda d: d.slug.replace("-", " ").title())
    owner_team = factory.SubFactory(TeamFactory)


class ProductFactory(ModelFactory[DataProduct]):
    class Meta:
        model = DataProduct

    domain = factory.SubFactory(DomainFactory)
    slug = factory.Sequence(lambda n: f"product-{n}")
    name = factory.LazyAttribute(lambda p: p.slug.replace("-", " ").title())
    summary = "A product for tests."
    owner_team = factory.LazyAttribute(lambda p: p.domain.owner_team)
    status = "published"


class OutputPortFactory(ModelFactory[OutputPort]):
    class Meta:
        model = OutputPort

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"port_{n}")


class SchemaFieldFactory(ModelFactory[SchemaField]):
    class Meta:
        model = SchemaField

    port = factory.SubFactory(OutputPortFactory)
    name = factory.Sequence(lambda n: f"field_{n}")
    data_type = "string"
