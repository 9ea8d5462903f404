from tests.delivery.conftest import album_tree, tracks  # noqa: F401
from tests.orders.conftest import buyer  # noqa: F401
from tests.test_end_to_end import store  # noqa: F401  (a served store with one release, for the browser test)
