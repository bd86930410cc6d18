"""On site: no-shows, rebooking offers and walk-in meetings on the day of the event."""
