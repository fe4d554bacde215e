"""Payments taken at checkout whose order was not completed.

    manage.py reconcile_payments               list them; exit 1 while any wait
    manage.py reconcile_payments --finish      mark paid the orders that exist (grants, receipt)
    manage.py reconcile_payments --settled ID  a payment listed for refund was refunded

Two kinds (shop_ext.checkout.unfinished): an order that carries a gateway's
transaction id but is not paid is finished (marked paid once, as its checkout
would have; running it twice changes nothing); a payment whose order was
rolled back has no order to finish and is listed until staff refund it at the
provider and mark it settled. Run it from cron or monitoring: a non-zero exit
means a person is needed.
"""

from django.core.management.base import BaseCommand, CommandError

from shop_ext.checkout import unfinished


class Command(BaseCommand):
    help = "List, finish or settle payments taken at checkout whose order was not completed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--finish", action="store_true", help="Mark paid the unpaid orders that carry a transaction id."
        )
        parser.add_argument(
            "--settled",
            metavar="TRANSACTION_ID",
            action="append",
            default=[],
            help="This payment (listed for refund) was refunded at the provider.",
        )

    def handle(self, finish, settled, **options):
        for transaction_id in settled:
            if not unfinished.settle(transaction_id):
                raise CommandError(f"No payment {transaction_id!r} waits for a refund.")
            self.stdout.write(f"Payment {transaction_id} settled.")
        for order in unfinished.orders_to_finish():
            if finish:
                changed = unfinished.finish(order)
                self.stdout.write(
                    f"Order #{order.pk} ({order.transaction_id}): "
                    + ("finished, marked paid." if changed else "already paid.")
                )
            else:
                self.stdout.write(
                    f"TO FINISH  order #{order.pk}: paid ({order.transaction_id}, {order.total}), "
                    "not marked paid: run with --finish"
                )
        for payment in unfinished.payments_to_refund():
            self.stdout.write(
                f"TO REFUND  payment {payment.transaction_id} ({payment.total}, {payment.billing_email}, "
                f"{payment.recorded_at:%Y-%m-%d %H:%M}): {payment.error}; refund it at the provider, "
                f"then run with --settled {payment.transaction_id}"
            )
        waiting = unfinished.orders_to_finish().count() + unfinished.payments_to_refund().count()
        if waiting:
            raise CommandError(f"{waiting} payment(s) wait for staff.")
        self.stdout.write(self.style.SUCCESS("No payment waits to be finished or refunded."))
