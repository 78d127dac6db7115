from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        # DRF silently falls back to the default for a page_size it cannot read; say so instead, so a client
        # asking for `page_size=true` learns why it got 50 rows (found by schemathesis's negative data).
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and int(raw) >= 1):
            raise ValidationError(
                {self.page_size_query_param: [f"Must be a whole number from 1 to {self.max_page_size}."]}
            )
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        # `page=` (empty) would silently mean page 1; any other non-number is already a 404 ("Invalid page").
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not raw.strip():
            raise ValidationError({self.page_query_param: ["Must be a page number (1, 2, ...) or 'last'."]})
        return super().get_page_number(request, paginator)
