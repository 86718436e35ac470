"""A stand-alone CommServe simulator serving the Commvault REST API shapes on loopback."""
