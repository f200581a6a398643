"""Public reading pages (digests arrive with the digests issue; for now, the front door)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("public", __name__)


@bp.get("/")
def home() -> str:
    return render_template("public/home.html")


@bp.get("/about")
def about() -> str:
    return render_template("public/about.html")
