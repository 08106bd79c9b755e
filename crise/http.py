"""Responses shared by the views."""

import io

from flask import send_file


def file_response(data: bytes, mimetype: str, name: str, *, attachment: bool = True):
    """A generated file (PDF, CSV, XLSX): never kept by a cache, it holds personal data."""
    response = send_file(io.BytesIO(data), mimetype=mimetype, download_name=name,
                         as_attachment=attachment)
    response.headers["Cache-Control"] = "no-store"
    return response
