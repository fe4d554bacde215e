"""project.urls plus one bench-only view: Django streaming a private file
itself (FileResponse), the "no X-Accel-Redirect" delivery baseline. Only
bench/settings_*.py point here; production urls never have it."""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.urls import path

from project.urls import handler404, handler500  # noqa: F401
from project.urls import urlpatterns as project_urlpatterns


def stream_file(request, name):
    root = Path(settings.SENDFILE_ROOT).resolve()
    target = (root / name).resolve()
    if root not in target.parents or not target.is_file():
        raise Http404(name)
    return FileResponse(open(target, "rb"), as_attachment=True, filename=target.name)


urlpatterns = [path("bench/stream/<path:name>", stream_file), *project_urlpatterns]
