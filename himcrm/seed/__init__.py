"""Reference seed data for HİM-CRM: departments, districts, topic codes, routing rules, demo users.

:mod:`himcrm.seed.data` holds the data as plain, frozen Python objects with no Flask or
database imports; loading it into the database is the job of the seed command.
"""
