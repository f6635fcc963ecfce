"""A minimal asynchronous Bot API client: ``await api.call("sendMessage", chat_id=1, text="hi")``."""
from __future__ import annotations

import asyncio
import json
from typing import Any, Mapping, Optional

import aiohttp

from bot.channels.telegram.config import DEFAULT_API_BASE


class BotApiError(Exception):
    def __init__(self, method: str, status: int, description: str, retry_after: Optional[float] = None) -> None:
        self.method = method
        self.status = status
        self.description = description
        self.retry_after = retry_after
        super().__init__(f"Bot API {method} failed ({status}): {description}")


class BotApi:
    """One aiohttp session per event loop, created lazily. A 429 is retried after Telegram's
    ``retry_after`` (a few times, capped); so is a refused connection (nothing was sent).
    Nothing else is retried, so a message is never sent twice.
    """

    MAX_ATTEMPTS = 3
    MAX_RETRY_AFTER = 30.0

    def __init__(self, token: str, base_url: str = DEFAULT_API_BASE, timeout: float = 30.0) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def redact(self, text: str) -> str:
        return text.replace(self._token, "<token>") if self._token else text

    def _session_for_loop(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession()
            self._loop = loop
        return self._session

    async def call(self, method: str, **params: Any) -> Any:
        """Calls a Bot API method; None values are left out. Returns ``result`` or raises BotApiError."""
        return await self.request(method, params)

    async def request(self, method: str, params: Mapping[str, Any], http_timeout: Optional[float] = None) -> Any:
        params = {k: v for k, v in params.items() if v is not None}
        return await self._post(method, lambda: {"json": params}, http_timeout)

    async def upload(
        self, method: str, params: Mapping[str, Any], field: str, filename: str, content: bytes, content_type: str
    ) -> Any:
        """A method that sends a file (sendDocument): multipart/form-data, as the Bot API wants
        for uploads. Non-string parameters (reply_markup) are sent JSON-encoded."""

        def form() -> dict:
            data = aiohttp.FormData()
            for key, value in params.items():
                if value is not None:
                    data.add_field(key, value if isinstance(value, str) else json.dumps(value))
            data.add_field(field, content, filename=filename, content_type=content_type)
            return {"data": data}

        return await self._post(method, form, None)

    async def _post(self, method: str, body: Any, http_timeout: Optional[float]) -> Any:
        url = f"{self.base_url}/bot{self._token}/{method}"
        client_timeout = aiohttp.ClientTimeout(total=http_timeout or self.timeout)
        for attempt in range(1, self.MAX_ATTEMPTS + 1):
            try:
                async with self._session_for_loop().post(url, timeout=client_timeout, **body()) as resp:
                    status = resp.status
                    try:
                        answer = await resp.json(content_type=None)
                    except (ValueError, aiohttp.ContentTypeError):
                        answer = None
            except aiohttp.ClientConnectorError as error:
                if attempt < self.MAX_ATTEMPTS:
                    await asyncio.sleep(0.5 * attempt)
                    continue
                raise BotApiError(method, 0, self.redact(f"cannot connect: {error}")) from None
            except asyncio.TimeoutError:
                raise BotApiError(method, 0, "timed out") from None
            except aiohttp.ClientError as error:
                raise BotApiError(method, 0, self.redact(f"{type(error).__name__}: {error}")) from None

            if isinstance(answer, dict) and answer.get("ok") is True:
                return answer.get("result")
            description = answer.get("description", "") if isinstance(answer, dict) else f"HTTP {status}"
            parameters = answer.get("parameters") if isinstance(answer, dict) else None
            retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            if status == 429 and attempt < self.MAX_ATTEMPTS:
                await asyncio.sleep(min(float(retry_after or 1), self.MAX_RETRY_AFTER))
                continue
            raise BotApiError(method, status, self.redact(str(description)), retry_after)
        raise BotApiError(method, 0, "gave up")  # pragma: no cover - the loop always returns or raises

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
