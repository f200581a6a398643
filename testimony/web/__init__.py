"""HTTP entry points of the public site: pages, API, submit, status, and the request plumbing (errors, security headers, rate limits, page cache)."""
