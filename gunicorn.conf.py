"""gunicorn settings for production-like serving (`make serve`; docs/DEPLOY.md).

There is no access log unless TESTIMONY_ACCESS_LOG asks for one ("on" for standard output, or a
file): it would record each POST /submit to the second, which the app itself never keeps (it
keeps days). When on, it records when and what, never who: no client address, no user agent, no
referrer, and the request line without its query string (search words, in_reply_to), whatever
the format says (NoQueryLogger below). Every submitter form posts its content in the body, so
no testimony or codename can appear in it. gunicorn itself writes a client address in one
place, a warning in the error log for a request it cannot parse; bound to loopback or a unix
socket behind nginx, that address is nginx's own.

Sizing (measured by `make bench`, bench/capacity.sh): sends are CPU-bound (redaction and two
Argon2id derivations), reading pages mostly waits on the database. So one process per core
keeps every core busy with CPU work, and a few threads per process overlap the database waits.
Every variable below can be overridden from the environment (the systemd unit sets them).
"""

import gc
import multiprocessing
import os

from gunicorn.glogging import Logger


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this service may use (cgroups, taskset)
    except AttributeError:  # pragma: no cover - not Linux
        return multiprocessing.cpu_count()


bind = os.environ.get("TESTIMONY_BIND", "127.0.0.1:8000")
# One worker per core, at least two (a worker busy with a long send must not stall the site)
# and at most eight (each worker can hold threads x 64 MiB of Argon2id memory at once).
workers = int(os.environ.get("TESTIMONY_WORKERS", max(2, min(8, _cores()))))
worker_class = "gthread"
threads = int(os.environ.get("TESTIMONY_THREADS", "4"))
# A send of 20,000 characters takes a few seconds under load; nothing legitimate takes 30.
# (nginx waits longer, 60 s, so a killed worker shows as gunicorn's error, not a proxy timeout.)
timeout = int(os.environ.get("TESTIMONY_TIMEOUT", "30"))
graceful_timeout = 30
# nginx keeps connections to us open between requests (docs/DEPLOY.md, `keepalive` upstream).
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow for ever; with the app preloaded a new
# worker is a fork of the warm master, so this costs little. Jitter stops them restarting together.
max_requests = int(os.environ.get("TESTIMONY_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# The heartbeat file on tmpfs: a worker must not be killed because a disk was slow.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - tmpfs, gunicorn's own files
# Load the app before forking, so the workers share its memory (see on_starting).
preload_app = True
# Off unless asked for: "on" (or "-") is standard output (the journal under systemd), any other
# value but "off" a file. For a short debugging session, not for production (docs/DEPLOY.md).
_access = os.environ.get("TESTIMONY_ACCESS_LOG", "off").strip()
accesslog = None if _access in ("", "off") else "-" if _access == "on" else _access
# info, never debug: debug writes the details of every request to the error log.
loglevel = "info"
errorlog = os.environ.get("TESTIMONY_ERROR_LOG", "-")
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'


class NoQueryLogger(Logger):
    """gunicorn's logger, with the access log's atoms cut down to when and what: `%(r)s` is the
    method, the path as sent (still percent-encoded, so it cannot hold a line break) and the
    protocol, without the query string; every atom that could say who (address, user agent,
    referrer, any header) or quote a query is left out, so even a changed format shows "-"."""

    SAFE = frozenset({"t", "s", "m", "U", "H", "b", "B", "T", "D", "M", "L", "p"})

    def atoms(self, resp, req, environ, request_time):
        atoms = {k: v for k, v in super().atoms(resp, req, environ, request_time).items() if k in self.SAFE}
        path = environ.get("RAW_URI", "").split("?", 1)[0].split("#", 1)[0]
        atoms["r"] = (
            f"{environ.get('REQUEST_METHOD', '-')} {path or '-'} {environ.get('SERVER_PROTOCOL', '-')}"
        )
        return atoms


logger_class = NoQueryLogger
# Trust no forwarding headers from clients; nginx in front (docs/DEPLOY.md) talks over a unix
# socket, whose peers gunicorn trusts for X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("TESTIMONY_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "testimony"
# No control socket (gunicorn 27 opens one in $XDG_RUNTIME_DIR or ~/.gunicorn): systemd manages
# the process, and every instance on a machine would share that default path.
control_socket_disable = True

# Text that reaches every layer of the redactor (model, gazetteers of names and places, keep
# list, patterns), so all of them are loaded before the workers are forked.
WARM_UP = (
    "warm up. My manager Sarah Collins at HMP Leeds said the Justice Secretary would ring "
    "07700 900123 about CRN X123456 on 12 June."
)


def on_starting(server):
    """In the master, after the app is loaded (preload_app) and before any worker is forked:
    run the redactor once so the spaCy model and its tables load here, once, and are shared by
    every worker (copy-on-write) instead of loading in each on its first submission."""
    if os.environ.get("TESTIMONY_WARM_MODEL", "1") != "0":
        import nlp

        nlp.redact(WARM_UP)
    # Move everything loaded so far out of the collector's reach: a collection would touch
    # (and so copy) every shared page in every worker.
    gc.freeze()
