from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For the reverse proxy's health check and the load benchmark's ceiling: no
    database, no template, no session."""
    return HttpResponse("ok", content_type="text/plain")
