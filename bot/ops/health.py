"""Readiness of one Rasa replica: ``GET /webhooks/health/ready``.

Rasa answers ``/`` on every server and ``/status`` only with ``--enable-api`` (and then behind the
API token). Neither says whether a model is loaded: Rasa loads it in a ``before_server_start``
listener, and when the model file is missing or broken it logs the error and serves anyway with
an agent that has no model (every message then gets "having trouble"). The load balancer's gate
(bot/ops/gate.py) and ``make deploy-model`` need to know exactly that, and which model it is:

    200 {"ready": true,  "model": "<model file name>", "model_id": "<id>"}
    503 {"ready": false}

It is a Rasa input channel (the supported way to add a route to ``rasa run``) that never takes
messages. ``scripts/scale_out.sh`` adds it to the replicas' credentials; it says nothing about
conversations, so it needs no protection beyond the replicas listening on loopback.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse


class ReadinessInput(InputChannel):
    """``/webhooks/health/ready``: 200 with the model's name once a model is loaded, else 503."""

    @classmethod
    def name(cls) -> Text:
        return "health"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        routes = Blueprint("leg_triage_health", __name__)

        @routes.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"ready": False}, status=503)
            return response.json({"ready": True, "model": agent.model_name, "model_id": agent.model_id})

        return routes
