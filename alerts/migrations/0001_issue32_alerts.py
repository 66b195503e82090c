from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Alert",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=200, unique=True, verbose_name="Cause")),
                ("subject", models.CharField(max_length=300, verbose_name="What stopped")),
                ("message", models.TextField(verbose_name="Why")),
                ("link", models.CharField(blank=True, max_length=500, verbose_name="Link")),
                ("raised_at", models.DateTimeField(verbose_name="Raised at")),
                (
                    "mailed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="Last e-mail at"),
                ),
                (
                    "resolved_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="Resolved at"),
                ),
            ],
            options={
                "verbose_name": "Alert",
                "verbose_name_plural": "Alerts",
                "indexes": [models.Index(fields=["resolved_at"], name="alerts_open_idx")],
            },
        ),
    ]
