import factory
from django.contrib.auth import get_user_model

from catalog.models import (
    DataProduct,
    Domain,
    OutputPort,
    SchemaField,
    Team,
    TeamMembership,
    TeamRole,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-word-123")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.LazyAttribute(lambda t: t.slug.replace("-", " ").title())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = TeamRole.MEMBER


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"domain-{n}")
    name = factory.LazyAttribute(lambda d: d.slug.replace("-", " ").title())
    owner_team = factory.SubFactory(TeamFactory)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataProduct

    domain = factory.SubFactory(DomainFactory)
    slug = factory.Sequence(lambda n: f"product-{n}")
    name = factory.LazyAttribute(lambda p: p.slug.replace("-", " ").title())
    summary = "A product for tests."
    owner_team = factory.LazyAttribute(lambda p: p.domain.owner_team)
    status = "published"


class OutputPortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutputPort

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"port_{n}")


class SchemaFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchemaField

    port = factory.SubFactory(OutputPortFactory)
    name = factory.Sequence(lambda n: f"field_{n}")
    data_type = "string"
