"""SLA maths: business calendars and due-time computation (pure, no Flask or DB)."""
