"""gunicorn settings for production-like serving (`make serve`).

The access log records when and what, never who: no client address, no user agent, no
referrer. `%(r)s` is the request line; every submitter form posts its content in the body,
so no testimony or codename can appear in it.
"""

import multiprocessing
import os

bind = os.environ.get("TESTIMONY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TESTIMONY_WORKERS", min(4, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("TESTIMONY_THREADS", "2"))
timeout = 60
graceful_timeout = 30
keepalive = 5
# Load the app (and so the spaCy model, once it is used at import) before forking, so workers
# share its memory.
preload_app = True
accesslog = os.environ.get("TESTIMONY_ACCESS_LOG", "-")
errorlog = os.environ.get("TESTIMONY_ERROR_LOG", "-")
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
# Trust no forwarding headers from clients; a local reverse proxy is configured in DEPLOY.md.
forwarded_allow_ips = os.environ.get("TESTIMONY_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "testimony"
