"""The report of the deployment checks (``check_delivery``,
``check_payments``): PASS or FAIL per check with a one-line fix for each
failure, and a non-zero exit when any failed."""

from django.core.management.base import BaseCommand, CommandError


class CheckCommand(BaseCommand):
    def handle(self, *args, **options):
        self.failures = 0
        self.run_checks(**options)
        if self.failures:
            raise CommandError(f"{self.failures} check(s) failed.")
        self.stdout.write(self.style.SUCCESS(f"All {self.checks_name} checks passed."))

    def run_checks(self, **options):
        raise NotImplementedError

    def result(self, ok, name, detail="", fix=""):
        if ok:
            self.stdout.write(f"PASS  {name}" + (f" ({detail})" if detail else ""))
        else:
            self.failures += 1
            self.stdout.write(self.style.ERROR(f"FAIL  {name}: {detail}"))
            self.stdout.write(f"      fix: {fix}")
        return ok

    def info(self, text):
        self.stdout.write(f"INFO  {text}")
