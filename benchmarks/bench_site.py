"""Settings for the storefront benchmark: the store's own settings, with /hello/ added in front of its URLs.

Used by benchmarks/storefront.py as DJANGO_SETTINGS_MODULE=bench_site with benchmarks/ on PYTHONPATH, so the
baseline view runs in the same server process, under the same middleware, as the store's pages; nothing of
the benchmark enters the product.
"""

from pressplant.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
