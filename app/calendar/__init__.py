"""Calendars (iCalendar feeds), organiser exports and printable sheets."""
