"""A thin client for the Commvault CommServe REST API, built on httpx.

`records` holds the parsed, version-independent shapes the collector stores; `errors`
the exceptions every call may raise; `client.CommServeClient` the calls themselves.
"""
