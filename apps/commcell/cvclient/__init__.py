"""A thin client for the Commvault CommServe REST API, built on httpx.

`records` contains the parsed, version-independent shapes the collector stores, and
`errors` the exceptions every call may raise. `client.CommServeClient` makes the calls.
"""
