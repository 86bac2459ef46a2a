"""`kamlab join`: the address participants open and its QR code, in the terminal and as a page."""
from __future__ import annotations

import segno

from kamlab.cli import join, main


def test_address_uses_the_lan_address_and_the_token():
    url = join.join_address("0.0.0.0", 8900, token="a b")
    assert "0.0.0.0" not in url and url.endswith(":8900/voila/render/00_welcome.ipynb?token=a%20b")
    assert join.join_address("127.0.0.1", 8866) == "http://127.0.0.1:8866/voila/render/00_welcome.ipynb"


def test_command_prints_the_address_and_a_qr_code_and_writes_the_page(tmp_path, capsys):
    page = tmp_path / "join.html"
    assert main(["join", "--host", "10.1.2.3", "--port", "8866", "--token", "t0k", "--page", str(page)]) == 0
    out = capsys.readouterr().out
    url = "http://10.1.2.3:8866/voila/render/00_welcome.ipynb?token=t0k"
    assert url in out and "█" in out  # the QR code, drawn with block characters
    text = page.read_text()
    assert "<svg" in text and url.replace("&", "&amp;") in text
    # the code encodes exactly the address (segno's own matrix for the same text)
    assert segno.make(url, error="m").svg_inline(scale=10, border=2) in text
