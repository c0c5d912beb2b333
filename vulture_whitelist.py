"""Names the dead-code check (vulture, in `make lint` and `make test`) cannot see used, each with the reason.

Everything else vulture reports at 60 % confidence or more is dead: remove it rather than adding it here. A name
listed here only for tests or the benchmarks says so; such a name is a deliberate seam, not production code.
Configuration: [tool.vulture] in pyproject.toml (the Bot API method tables `_m_*` are ignored by pattern there,
pydantic validators by decorator).
"""

from types import SimpleNamespace

_ = SimpleNamespace()

# --- frameworks: read by pydantic, openpyxl, python-docx, sqlite3 or http.server, never by our code ---------------
_.model_config  # pydantic
_.row_factory  # sqlite3.Connection
_.do_request  # the fake Bot API's request handler (aiohttp / http.server calls it)
# openpyxl cell, sheet and print settings
_.alignment
_.border
_.data_type
_.quotePrefix
_.number_format
_.freeze_panes
_.outlineLevel
_.paperSize
_.orientation
_.fitToPage
_.fitToWidth
_.fitToHeight
_.print_title_rows
_.print_area
_.horizontalCentered
_.bottom
# python-docx section, paragraph, run and table settings
_.page_height
_.page_width
_.top_margin
_.bottom_margin
_.left_margin
_.right_margin
_.space_before
_.first_line_indent
_.highlight_color
_.autofit

# --- data: fields filled from the database or a report and read by name (model_dump, getattr, tests) --------------
_.religious  # Figures breakdown fields, read through BREAKDOWN_FIELDS by name
_.student
_.private_sector
_.university
_.target_direct  # UnitProgress: whether a target was set directly (asserted by the progress tests)
_.details  # Outcome: why a scheduled run did nothing ("already run"), for logs and tests

# --- registries: found by decorator or by name at run time -------------------------------------------------------
_.apply_confirmed  # @confirmable: the confirmation engine dispatches to it by action

# --- seams for tests, the corpus and the benchmarks (public on purpose) ------------------------------------------
_.ManualClock  # bot/domain/clock.py: the clock tests and benchmarks inject
_.advance
_.understand  # the language layer's one entry point, run by the language corpus and benchmark
_.drain_background  # Core: wait for background work, so tests can assert "nothing else happened" without sleeping
_.connection  # Database: the raw connection, for crash and durability tests
_.commits  # Database: commits so far, for the tests that count them
_.for_entity  # storage.audit: the audit trail of one entity (tests read it)
_.for_year  # storage.targets: one year's targets (tests read them)
_.is_done  # storage.inbox: whether an update was processed (channel tests)
_.append_many  # storage.submissions: bulk events for the province-sized benchmark
_.push  # the fake Zalo server: queue an update (tests and benchmarks)
_.image_update  # fake Zalo updates used by the channel contract tests
_.sticker_update
_.unsupported_update
_.group_update
_.USER_CAP  # the fake Zalo server: the free plan's documented limits, for tests to set
_.MONTHLY_QUOTA
_.DISTRICT_USERS  # runtime.demo: the people of the district demo (tests link them on the channels)
_.kinds_without_apply  # services.confirmations: that every confirmable action has its apply function (tests)
_.actor_user_id  # domain.records.Submission: a stored column kept in the record, written back by as_row()

# --- channel code owned elsewhere (issue 18, "one channel shape"), left for that change ------------------------------
_.wake  # handlers/inbox_pump.py: InboxPump.wake
_.send_chat_action  # handlers/zalo_api.py: the Zalo client's typing indicator
_.misses  # services.answer_cache: how often the cache missed (tests and the benchmark read it)
