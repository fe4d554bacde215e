"""The test client the suite uses: Django's, except that what a request
leaves for after its transaction commits (queued emails, zips) runs when the
request ends, as in production. Each test runs inside a transaction that
never commits, so on_commit callbacks would otherwise never run."""

from django import test


class Client(test.Client):
    def request(self, **request):
        with test.TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)
