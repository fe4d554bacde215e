"""Category.sale becomes SET_NULL: deleting a sale must not delete the
category pages that filter by it. The change is made at runtime by
shop_ext.patches._deleting_sale_keeps_categories (Python-level
on_delete only: the database schema does not change)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="category",
            name="sale",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to="shop.sale",
                verbose_name="Sale",
            ),
        ),
    ]
