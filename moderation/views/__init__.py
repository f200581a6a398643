"""The desk's HTTP views: log-in, queue, review, accounts, digests. Domain logic lives beside this package, not in it."""
