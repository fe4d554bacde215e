"""Signed downloads answered before the rest of the middleware (issue 33).

A download through the order history's signed link (shop_ext.delivery.
signed_links) needs no session, user, messages, cart, Mezzanine page or
site: the key says who asks. Running all of that first cost more CPU than
the download's own work (docs/benchmarks.md, run 11). This middleware sits
right after the ones every request needs (security headers, the outage
page, the NUL check) and answers the plain case itself
(views.serve_signed_plainly); anything else, a refusal included, goes on
through the whole stack to download_file as before.
"""

from django.urls import Resolver404, resolve

from shop_ext.delivery import signed_links, views


class SignedDownloadMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if signed_links.KEY in request.GET:
            response = self._plain_download(request)
            if response is not None:
                return response
        return self.get_response(request)

    @staticmethod
    def _plain_download(request):
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.func is not views.download_file:
            return None
        return views.serve_signed_plainly(request, match.kwargs["order_id"], match.kwargs["grant_id"])
