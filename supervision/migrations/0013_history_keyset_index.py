"""The (history_date, history_id) index of every history table (supervision.audit.indexes):
the audit search's newest-first keyset pages. Tables created later get it after migrate."""
from django.db import migrations


def forwards(apps, schema_editor):
    from supervision.audit.indexes import install_history_indexes

    install_history_indexes(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0012_history_request_context")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
