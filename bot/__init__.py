"""PTĐV Bot: tracking the admission of new Party members (phát triển đảng viên mới) by chat."""

__version__ = "0.1.0"
