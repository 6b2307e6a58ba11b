from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    """Values every page needs: the demo banner and the platform name."""
    return {"KASUMI_DEMO": settings.KASUMI_DEMO}
