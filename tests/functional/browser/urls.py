"""The project's URLs plus MEDIA, for the browser tests only.

pytest-django's ``live_server`` serves STATIC files (through Django's
StaticFilesHandler) but not MEDIA: in development Mezzanine's ``runserver``
serves them, in production nginx does. Product images and thumbnails live in
MEDIA_ROOT, which the test suite changes per test, so it is read per request.
"""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from project.urls import handler404, handler500  # noqa: F401
from project.urls import urlpatterns as project_urlpatterns


def media(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [re_path(r"^media/(?P<path>.*)$", media)] + project_urlpatterns
