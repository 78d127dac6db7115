# ApiToken moved from the catalog to the tokens app with its table, so this foreign key changes in Django's state
# only: the column and its constraint already point at catalog_apitoken.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("glossary", "0001_initial"),
        ("tokens", "0001_initial"),
    ]
    run_before = [("catalog", "0006_tokens_and_notifications_moved")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="proposal",
                    name="proposed_by_token",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tokens.apitoken",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
