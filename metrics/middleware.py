"""Request metrics middleware (placeholder until the operations work lands)."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction


class RequestMetricsMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        return self.get_response(request)
