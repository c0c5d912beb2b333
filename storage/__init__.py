"""The only place with SQL: schema, migrations and queries (aiosqlite)."""
