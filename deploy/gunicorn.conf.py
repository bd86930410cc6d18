"""Gunicorn settings for one RDV IA web process: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Socket.IO runs in threading mode: each open websocket holds one of the worker's threads (and
simple-websocket and Engine.IO add three light threads of their own). So a process is ONE
worker with many threads; scale by starting more processes (one per port) behind a proxy with
sticky sessions, all sharing PostgreSQL and Redis (REDIS_URL). See docs/deploy.md.

Command-line flags and GUNICORN_CMD_ARGS override these values, e.g. `-b 127.0.0.1:8002` or
`--threads 2500 --worker-connections 2600` for a process that must hold more connections.
"""

import os

# Where to listen; the systemd unit passes one port per instance (-b 127.0.0.1:800N).
bind = os.environ.get("BIND", "127.0.0.1:8001")
# One worker: Socket.IO sessions live in the process that accepted them (sticky sessions).
workers = 1
worker_class = "gthread"
# Threads are created on demand: the ceiling is the number of simultaneous connections
# (websockets + ordinary requests) this process accepts. 1,000 websockets ~ 4,000 threads.
threads = 1100
worker_connections = 1200
# A websocket request lasts as long as the page is open: the worker's heartbeat runs in its
# main thread, so `timeout` only catches a frozen process, not long connections.
timeout = 60
# On restart, open websockets are closed after this; browsers reconnect and re-sync by
# themselves, so there is no point in waiting long.
graceful_timeout = 10
keepalive = 5
# Several gunicorn processes on one machine would fight over the default control socket
# (gunicorn >= 25); none is needed (systemd restarts processes). Older versions ignore it.
control_socket_disable = True
# Logs go to the journal (stdout/stderr) under systemd.
accesslog = "-"
errorlog = "-"
# The access log would carry every websocket upgrade; keep it short.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
