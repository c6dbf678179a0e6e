from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0004_subject_matters_numbers"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='case',
            name='admin_sanction',
        ),
        migrations.RemoveField(
            model_name='case',
            name='appealed_on',
        ),
        migrations.RemoveField(
            model_name='case',
            name='decided_on',
        ),
        migrations.RemoveField(
            model_name='case',
            name='executed_on',
        ),
        migrations.RemoveField(
            model_name='case',
            name='execution_report',
        ),
        migrations.RemoveField(
            model_name='case',
            name='party_sanction',
        ),
        migrations.RemoveField(
            model_name='case',
            name='reexam_outcome',
        ),
        migrations.RemoveField(
            model_name='case',
            name='reexamined_on',
        ),
        migrations.RemoveField(
            model_name='case',
            name='sanctioned_subject',
        ),
        migrations.RemoveField(
            model_name='case',
            name='transferred_on',
        ),
        migrations.RemoveField(
            model_name='historicalcase',
            name='admin_sanction',
        ),
        migrations.RemoveField(
            model_name='historicalcase',
            name='appealed_on',
        ),
        migrations.RemoveField(
            model_name='historicalcase',
            name='decided_on',
        ),
        migrations.RemoveField(
            model_name='historicalcase',
            name='executed_on',
        ),
        migrations.RemoveField(
            model_name='historicalcase',
            name='execution_report',
        ),
        migrations.RemoveField(
            model_name='historicalcase',
            name='party_sanction',
        ),
        migrations.RemoveField(
            model_name='historicalcase',
            name='reexam_outcome',
        ),
        migrations.RemoveField(
            model_name='historicalcase',
            name='reexamined_on',
        ),
        migrations.RemoveField(
            model_name='historicalcase',
            name='sanctioned_subject',
        ),
        migrations.RemoveField(
            model_name='historicalcase',
            name='transferred_on',
        ),
    ]
