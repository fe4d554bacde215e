"""Where to send a visitor back to."""

from mezzanine.utils.urls import next_url


def local_next(request):
    """The ``next`` parameter when it is a path on this site, else None.

    Mezzanine accepts any relative value, and Django's redirect() looks a
    bare word up as a URL name: ``?next=0`` was a 500."""
    target = next_url(request)
    return target if target and target.startswith("/") and not target.startswith("//") else None
