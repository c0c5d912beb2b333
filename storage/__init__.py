"""The only place with SQL: schema, migrations and queries (sqlite3, on the event loop thread)."""
