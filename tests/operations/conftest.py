from tests.catalogue.conftest import media_storage  # noqa: F401  (each test its own empty storage)
from tests.delivery.conftest import album_tree, tracks  # noqa: F401  (the ingested three-track album)
from tests.orders.conftest import buyer  # noqa: F401
