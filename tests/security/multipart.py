"""multipart/form-data bodies built by hand, so tests control every byte of the file name."""

from __future__ import annotations

import uuid


def multipart(fields: dict[str, str], file_name: str, content: bytes,
              content_type: str = "application/pdf") -> tuple[bytes, str]:
    boundary = "rk" + uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{file_name}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                 + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
