"""Files the bot sends: PNG charts (matplotlib) and Excel workbooks (openpyxl)."""
