"""The performance benchmark (``make bench``): data builder, SQL-count middleware, HTTP client."""
