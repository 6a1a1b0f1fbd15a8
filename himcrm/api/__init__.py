"""The JSON REST API: marshmallow schemas, thin endpoints over the services, OpenAPI.

The HTTP side (authentication, rate limits, body parsing, the one error shape)
lives in :mod:`himcrm.web.api`; everything here is callable without a request.
"""
