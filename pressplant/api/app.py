"""The JSON API's one NinjaAPI: routers per area, error handlers, Bearer-token auth by default."""

from __future__ import annotations

from ninja import NinjaAPI

from pressplant.api import accounts, catalogue, errors, shop

api = NinjaAPI(title="Pressplant API", version="1", urls_namespace="api-v1")
api.add_router("", accounts.router)
api.add_router("", catalogue.router)
api.add_router("", shop.router)
errors.register(api)
