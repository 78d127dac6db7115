# ApiToken moved here from the catalog, table and all: its table (catalog_apitoken) was created by catalog 0001,
# so this migration only takes the model over in Django's state and renames its content type (admin permissions
# follow it), and catalog 0006 lets go of it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor, old="catalog", new="tokens"):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label=new, model="apitoken").exists():
        content_type.objects.filter(app_label=old, model="apitoken").update(app_label=new)


def restore_content_type(apps, schema_editor):
    rename_content_type(apps, schema_editor, old="tokens", new="catalog")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0005_outputport_max_access_days"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100)),
                        ("key_id", models.CharField(help_text="Public part, shown in lists and logs.", max_length=16, unique=True)),
                        ("secret_hash", models.CharField(max_length=64)),
                        ("scopes", models.JSONField(default=list)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("expires_at", models.DateTimeField(blank=True, null=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("team", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="tokens", to="catalog.team")),
                    ],
                    options={
                        "db_table": "catalog_apitoken",
                        "ordering": ["team", "-created_at"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_type, restore_content_type),
    ]
