# ApiToken moved to the tokens app and Notification to the kernel (core), keeping their tables; those apps'
# 0001 migrations take the models over, this one only removes them from the catalog's state. Foreign keys from
# other apps are pointed at the new models before this runs (glossary 0002 declares run_before).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_outputport_max_access_days"),
        ("core", "0001_initial"),
        ("tokens", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiToken"), migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
