"""Reports: KPIs, exports and the monthly list of work not concluded in time."""
