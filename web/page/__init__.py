"""The web page at ``/`` (issue 14): a profile form and a history upload, server-rendered.

``make_router(get_service)`` returns a FastAPI ``APIRouter``; the app includes it.
Templates (Jinja2) and static assets (CSS, a little optional JS) are package
data; charts are inline SVG drawn in Python (``charts.py``).
"""

from .router import STATIC_PREFIX, make_router

__all__ = ["make_router", "STATIC_PREFIX"]
