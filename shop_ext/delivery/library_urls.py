"""The buyer's library (shop_ext.delivery.library_views), mounted at
/account/library/ (project/urls.py). The feed's addresses with a token in
them are hidden in the logs (shop_ext/core/logging.py, deploy/nginx.conf)."""

from django.urls import path, register_converter

from shop_ext.core import converters  # noqa: F401  (registers <shop_id:...>)
from shop_ext.delivery import library_views


class FeedTokenConverter:
    """A feed token: 43 characters of URL-safe base64 (shop_ext.delivery.library_feed)."""

    regex = "[A-Za-z0-9_-]{43}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FeedTokenConverter, "feed_token")

app_name = "library"

urlpatterns = [
    path("", library_views.library, name="library"),
    path("feed-token/", library_views.feed_token, name="feed_token"),
    path("ereader/", library_views.save_ereader, name="save_ereader"),
    path("ereader/send/<shop_id:grant_id>/", library_views.send_to_ereader, name="send_to_ereader"),
    # HTTP Basic: the token is the password.
    path("opds/", library_views.feed, name="basic_feed"),
    path(
        "opds/files/<shop_id:order_id>/<shop_id:grant_id>/", library_views.feed_file, name="basic_feed_file"
    ),
    path("opds/<feed_token:token>/", library_views.feed, name="feed"),
    path(
        "opds/<feed_token:token>/files/<shop_id:order_id>/<shop_id:grant_id>/",
        library_views.feed_file,
        name="feed_file",
    ),
]
