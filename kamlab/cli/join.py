"""`kamlab join --host H --port P --token T`: the address participants open, as text and a QR code.

`make app` runs it before starting the server: the terminal shows the address and a QR code, and
``workshop/join.html`` is a page the trainer opens on the laptop and projects (big QR code, the address
in large type). QR codes come from `segno` (pure Python, no image libraries).
"""
from __future__ import annotations

import html
import socket
from pathlib import Path
from urllib.parse import quote

DEFAULT_PAGE = Path(__file__).resolve().parents[2] / "workshop" / "join.html"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def lan_address() -> str:
    """This machine's first IPv4 address on a network interface that is up (not loopback), or 127.0.0.1.
    Read from the interfaces (psutil): nothing is sent on the network."""
    import psutil

    up = {name for name, st in psutil.net_if_stats().items() if st.isup}
    for name, addrs in psutil.net_if_addrs().items():
        for a in addrs:
            if name in up and a.family == socket.AF_INET and not a.address.startswith("127."):
                return a.address
    return "127.0.0.1"


def join_address(host: str, port: int, *, token: str | None = None, page: str = "00_welcome.ipynb") -> str:
    """The address a participant opens: the course home, logged in by the token when there is one.
    A server listening on every interface (0.0.0.0) is reached at this machine's LAN address.

    Examples
    --------
    >>> join_address("192.168.1.20", 8866, token="s3cret")
    'http://192.168.1.20:8866/voila/render/00_welcome.ipynb?token=s3cret'
    """
    shown = lan_address() if host in ("0.0.0.0", "", "::") else host
    query = f"?token={quote(token)}" if token else ""
    return f"http://{shown}:{int(port)}/voila/render/{page}{query}"


def join_page(url: str) -> str:
    """A standalone page for the projector: the QR code as large as the screen allows, and the address.

    Examples
    --------
    >>> "<svg" in join_page("http://10.0.0.2:8866/") and "10.0.0.2:8866" in join_page("http://10.0.0.2:8866/")
    True
    """
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=10, border=2)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Join the class</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; height: 100vh; display: flex; flex-direction: column;
       align-items: center; justify-content: center; gap: 2vh; background: #fff; color: #212121; }}
h1 {{ font-size: 5vh; margin: 0; }}
.qr svg {{ height: 62vh; width: auto; }}
.url {{ font-size: 3.4vh; font-family: ui-monospace, monospace; word-break: break-all; max-width: 90vw;
        text-align: center; }}
</style></head>
<body><h1>Join the class: scan, or type the address</h1>
<div class="qr">{svg}</div>
<div class="url">{html.escape(url)}</div></body></html>
"""


def announce(host: str, port: int, *, token: str | None = None, page: Path | None = DEFAULT_PAGE) -> str:
    """Print the join address and its QR code in the terminal, write the projectable join page; the address."""
    import segno

    url = join_address(host, port, token=token)
    print(f"\nParticipants join at:\n\n    {url}\n")
    segno.make(url, error="m").terminal(compact=True)
    if page:
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(join_page(url), encoding="utf-8")
        print(f"\nProject the join page: {page.resolve().as_uri()}\n")
    if host in LOOPBACK:
        print("(This server listens on this machine only; for a class use make app HOST=0.0.0.0 TOKEN=...)\n")
    return url


def _join(args) -> int:
    announce(args.host, args.port, token=args.token, page=args.page)
    return 0


def register(sub) -> None:
    """Add this area's commands to the `kamlab` parser."""
    p = sub.add_parser("join", help="print the address participants open, with a QR code, and write a join page")
    p.add_argument("--host", default="127.0.0.1", help="the address the server listens on (0.0.0.0: every interface)")
    p.add_argument("--port", type=int, default=8866, help="the server's port (default 8866)")
    p.add_argument("--token", default=None, help="the server's token, put in the address so participants log in")
    p.add_argument("--page", type=Path, default=DEFAULT_PAGE, help="the projectable join page to write "
                   "(default workshop/join.html)")
    p.set_defaults(func=_join)
