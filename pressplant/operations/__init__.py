"""Running the store: request ids and structured (JSON) logs."""
