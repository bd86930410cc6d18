"""Event set-up screens for admins and organisers."""
