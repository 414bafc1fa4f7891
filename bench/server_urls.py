"""URLs of the benchmark's server: a no-op view (the ceiling) beside the demo host's full URLconf."""

from django.db import transaction
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
@transaction.non_atomic_requests
def noop(request):
    """Answer at once: what the server and Django's request handling cost without any work."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/noop", noop),
    path("", include("demo_site.urls")),
]
