"""The one mail module: SMTP when configured, otherwise an outbox folder (and the log).

Messages are rendered from `templates/email/<name>.txt` (and `.html` if present) in the
recipient's language. Call `send_email` after the database commit.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger(__name__)


def _render(template: str, locale: str, context: dict) -> tuple[str, str, str | None]:
    with force_locale(locale):
        subject = render_template(f"email/{template}.subject.txt", **context).strip()
        text = render_template(f"email/{template}.txt", **context)
        html_path = Path(current_app.template_folder) / "email" / f"{template}.html"
        html = render_template(f"email/{template}.html", **context) if html_path.exists() else None
    # A subject is one line: user text must not inject headers.
    return " ".join(subject.split()), text, html


def send_email(
    *,
    to: str,
    template: str,
    locale: str = "fr",
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    **context,
) -> EmailMessage:
    """Render and send one e-mail; returns the message (also written to the outbox).

    `attachments`: (file name, MIME type, content) triples, e.g. an agenda's .ics file.
    """
    subject, text, html = _render(template, locale, context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="rdv-ia")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, mimetype, content in attachments:
        maintype, _, subtype = mimetype.partition("/")
        params = {"method": "PUBLISH"} if mimetype == "text/calendar" else {}
        message.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=filename, params=params
        )
    if current_app.config.get("MAIL_SERVER"):
        _send_smtp(message)
    else:
        _write_outbox(message)
    return message


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def _write_outbox(message: EmailMessage) -> None:
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    path = outbox / f"{name}.eml"
    # Written aside, then renamed: whoever reads the folder never sees half a message.
    partial = outbox / f".{name}.eml.part"
    partial.write_bytes(bytes(message))
    partial.replace(path)
    log.info("E-mail to %s (%s) written to %s", message["To"], message["Subject"], path)
