from tests.delivery.conftest import album_tree, tracks  # noqa: F401
from tests.orders.conftest import buyer  # noqa: F401
