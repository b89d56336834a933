"""A fake Slack Web API on 127.0.0.1 that records every call, as Bolt's own tests do."""

import asyncio
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tests.fakes.local_server import serve_locally

BOT_USER = "UBOT"
BLOCKS_PER_MESSAGE = 50
SECTION_TEXT_LIMIT = 3000


def blocks_are_valid(blocks: list[dict[str, Any]]) -> bool:
    """Slack's limits on a message's blocks: how many, and how long a section's text."""
    return len(blocks) <= BLOCKS_PER_MESSAGE and all(
        len(block.get("text", {}).get("text", "")) <= SECTION_TEXT_LIMIT for block in blocks
    )


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class FakeSlackApi:
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    # False keeps only each upload's first bytes: a benchmark sends thousands of maps
    keep_uploads: bool = True
    posted: list[dict[str, Any]] = field(default_factory=list)  # messages that were carried out
    # method -> list of (status, headers, body) to answer before answering normally; a str
    # body goes out as text/plain
    failures: dict[str, list[tuple[int, dict[str, str], dict[str, Any] | str]]] = field(
        default_factory=dict
    )
    # method -> seconds every call of it takes before it is carried out and answered
    delays: dict[str, float] = field(default_factory=dict)
    url: str = ""
    # files a user "shared": name -> bytes, and the Authorization headers of downloads
    shared_files: dict[str, bytes] = field(default_factory=dict)
    download_auth: list[str] = field(default_factory=list)
    # Socket Mode: envelopes to push, and the acks the app sent back
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=20 * 1024**2)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/files/{name}", self._serve_file)
        self._runner, self.url = await serve_locally(app)

    async def stop(self) -> None:
        for socket in self._sockets:
            await socket.close()
        if self._runner:
            await self._runner.cleanup()

    def fail_next(
        self,
        method: str,
        status: int,
        headers: dict[str, str] | None = None,
        error: str = "fake_failure",
        text: str | None = None,
    ) -> None:
        """Answer the next call of `method` with `status` and Slack's error body, or with
        `text` as text/plain (what a proxy in front of Slack may answer)."""
        body = text if text is not None else {"ok": False, "error": error}
        self.failures.setdefault(method, []).append((status, headers or {}, body))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    def messages_to(self, channel: str) -> list[dict[str, Any]]:
        return [p for p in self.called("chat.postMessage") if p.get("channel") == channel]

    def ephemerals_to(self, user: str) -> list[dict[str, Any]]:
        return [p for p in self.called("chat.postEphemeral") if p.get("user") == user]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        if method in self.delays:
            await asyncio.sleep(self.delays[method])
        if request.content_type == "application/json":
            params = json.loads(raw or b"{}")
        else:
            params = {**request.query, **dict(parse_qsl(raw.decode()))}
        for key in ("blocks", "attachments", "files", "metadata"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        self.calls.append(Call(method, params))
        pending = self.failures.get(method)
        if pending:
            status, headers, body = pending.pop(0)
            if isinstance(body, str):
                return web.Response(text=body, status=status, headers=headers)
            return web.json_response(body, status=status, headers=headers)
        if method.startswith("chat.") and not blocks_are_valid(params.get("blocks") or []):
            return web.json_response({"ok": False, "error": "invalid_blocks"})
        if method == "chat.postMessage":
            if params.get("channel", "")[:1] in ("U", "W"):
                # A user's id: Slack posts into the app's direct conversation with them.
                params["channel"] = "D" + params["channel"]
            self.posted.append(params)
        return web.json_response(self._answer(method, params))

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        match method:
            case "auth.test":
                return {
                    "ok": True,
                    "user_id": BOT_USER,
                    "bot_id": "BBOT",
                    "team_id": "T1",
                    "user": "challenge",
                    "team": "Acme",
                    "url": "https://acme.slack.com/",
                }
            case "users.info":
                user = params.get("user", "")
                person = self.people.get(user, {})
                return {
                    "ok": True,
                    "user": {
                        "id": user,
                        "name": user.lower(),
                        "tz": person.get("tz", "Europe/London"),
                        # Only asked for with include_locale, as on the real API.
                        **(
                            {"locale": person.get("locale", "en-US")}
                            if str(params.get("include_locale")).lower() in ("true", "1")
                            else {}
                        ),
                        "profile": {
                            "display_name": person.get("name", ""),
                            "real_name": person.get("real_name", f"Real {user}"),
                        },
                    },
                }
            case "conversations.open":
                return {"ok": True, "channel": {"id": "D" + params.get("users", "")}}
            case "files.getUploadURLExternal":
                file_id = f"F{len(self.uploads) + 1}"
                self.uploads[file_id] = b""
                return {
                    "ok": True,
                    "upload_url": f"{self.url}/upload/{file_id}",
                    "file_id": file_id,
                }
            case "conversations.history":
                channel = params.get("channel")
                mine = [p for p in reversed(self.posted) if p.get("channel") == channel]
                limit = int(params.get("limit", 100))
                return {
                    "ok": True,
                    "messages": [
                        {"type": "message", "text": p.get("text"), "metadata": p.get("metadata")}
                        for p in mine[:limit]
                    ],
                }
            case "apps.connections.open":
                return {"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"}
            case "files.completeUploadExternal":
                files = params.get("files") or []
                return {
                    "ok": True,
                    "files": [{"id": f["id"], "title": f.get("title")} for f in files],
                }
            case _:
                return {"ok": True, "ts": f"{time.time():.6f}", "channel": params.get("channel")}

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        async for message in socket:
            if message.type == web.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return socket

    async def _serve_file(self, request: web.Request) -> web.Response:
        self.download_auth.append(request.headers.get("Authorization", ""))
        content = self.shared_files.get(request.match_info["name"])
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    def share_file(self, name: str, content: bytes) -> dict[str, Any]:
        """A file object as it appears in a file_share message event."""
        self.shared_files[name] = content
        return {
            "id": f"F{name}",
            "name": name,
            "mimetype": "image/jpeg",
            "size": len(content),
            "url_private_download": f"{self.url}/files/{name}",
        }

    async def push_envelope(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to the connected app."""
        await self._sockets[-1].send_json(envelope)

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()  # the SDK posts the file's raw bytes
        self.uploads[request.match_info["file_id"]] = data if self.keep_uploads else data[:8]
        return web.Response(text="OK - 1")


def signed_headers(
    secret: str, body: str | bytes, timestamp: int | str | None = None
) -> dict[str, str]:
    """The X-Slack-Signature and X-Slack-Request-Timestamp Slack sends with a request; a
    `timestamp` given as a string is signed as it is, however odd."""
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    if isinstance(body, str):
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    else:
        # The SDK's signer takes only UTF-8; Slack signs the raw bytes, whatever they are.
        base = b"v0:" + stamp.encode() + b":" + body
        signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
