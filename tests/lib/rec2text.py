#!/usr/bin/env python3
"""rec2text.py FILE — print a doptop recording as its text (record.h):
the zstd chunk container is unwrapped and each stream handed to `zstd -dc`
(Debian package zstd); bare text and gzip pass through as text."""
import gzip
import struct
import subprocess
import sys

MAGIC = b"#doptop-zst 1\n"


def streams(data):
    """The zstd streams of a container: each chunk's payload, split where a
    chunk starts a new stream; a chunk cut off by a kill is dropped."""
    out, cur, i = [], bytearray(), len(MAGIC)
    while i + 4 <= len(data):
        word = struct.unpack("<I", data[i:i + 4])[0]
        n = word & 0x7FFFFFFF
        if i + 4 + n > len(data):
            break
        if word & 0x80000000 and cur:
            out.append(bytes(cur))
            cur = bytearray()
        cur += data[i + 4:i + 4 + n]
        i += 4 + n
    if cur:
        out.append(bytes(cur))
    return out


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if not data.startswith(MAGIC):
        sys.stdout.buffer.write(data)
        return
    for s in streams(data):
        # a stream of a killed run has no end: zstd prints what it has
        r = subprocess.run(["zstd", "-dcq"], input=s, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        sys.stdout.buffer.write(r.stdout)


main()
