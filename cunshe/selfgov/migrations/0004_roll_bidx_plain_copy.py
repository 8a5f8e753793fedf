from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("selfgov", "0003_roll_optins_deprivations"),
    ]

    operations = [
        migrations.AlterField(
            model_name="voterrollentry",
            name="id_number_bidx",
            field=models.CharField(blank=True, default="", editable=False, max_length=32),
        ),
    ]
