"""Products that exist when the usage app arrives get a milestone: their draft began at creation; those already
past draft are marked published at creation, `estimated` (left out of time to market, counted in products over
time)."""

from django.db import migrations


def backfill(apps, schema_editor):
    product_model = apps.get_model("catalog", "DataProduct")
    milestone_model = apps.get_model("usage", "ProductMilestone")
    rows = [
        milestone_model(
            product_id=pk,
            drafted_at=created_at,
            published_at=None if status == "draft" else created_at,
            estimated=status != "draft",
        )
        for pk, status, created_at in product_model.objects.values_list("pk", "status", "created_at").iterator()
    ]
    milestone_model.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("usage", "0001_initial"), ("catalog", "0008_updated_at_indexes")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
