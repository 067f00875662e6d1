#!/usr/bin/env python3
"""What of edgetail's binary a running process holds in memory, by Swift module.

    Benchmarks/resident-by-module.py PID [BINARY]

Reads /proc/PID/maps and /proc/PID/pagemap (root) for the pages of BINARY (default: the
process's executable) that are resident, and attributes each to the symbol it starts in
(`nm -n` of BINARY, which needs its symbol table: the unstripped release build). Swift
symbols are grouped by module (`$s8EdgeTail…` is EdgeTail, `$ss…` the standard library),
the rest by name (ICU, the Swift runtime, CoreFoundation, libdispatch, other C/C++). Pages
before the first symbol of a section (ELF headers, relocation tables, unwind tables) are
counted under the symbol before them, so read "C/other" with that in mind.
"""
import bisect
import collections
import os
import re
import struct
import subprocess
import sys


def module(name):
    if name.startswith(("$ss", "$sS")):
        return "Swift stdlib"
    match = re.match(r"\$s(\d+)([A-Za-z_][A-Za-z0-9_]*)", name)
    if match:
        return match.group(2)[: int(match.group(1))]
    if name.startswith(("swift", "_swift")) or "swift::" in name:
        return "Swift runtime"
    if "icu" in name or re.match(r"(u_|ucnv|ubrk|ucol|udat|uloc|ures|ustr|utrie|ucase|uprops|ubidi|unorm|uset|ucal|unum)", name):
        return "ICU"
    if name.startswith(("_dispatch", "dispatch")):
        return "libdispatch"
    if name.startswith(("CF", "__CF", "_CF")):
        return "CoreFoundation"
    return "C++ other" if name.startswith("_ZN") else "C/other"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pid = int(sys.argv[1])
    binary = sys.argv[2] if len(sys.argv) > 2 else os.readlink(f"/proc/{pid}/exe")
    listing = subprocess.run(["nm", "-n", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    symbols = []
    for line in listing.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1] in "tTrRdDbB":
            symbols.append((int(parts[0], 16), parts[2]))
    if not symbols:
        sys.exit(f"{binary} has no symbol table (stripped?)")
    symbols.sort()
    addresses = [address for address, _ in symbols]
    mappings = []
    with open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and os.path.realpath(fields[5]) == os.path.realpath(binary):
                low, high = (int(part, 16) for part in fields[0].split("-"))
                mappings.append((low, high, int(fields[2], 16)))
    if not mappings:
        sys.exit(f"process {pid} does not map {binary}")
    base = mappings[0][0] - mappings[0][2]
    pages = collections.Counter()
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for low, high, _ in mappings:
            for page in range(low, high, 4096):
                pagemap.seek(page // 4096 * 8)
                if not struct.unpack("<Q", pagemap.read(8))[0] >> 63:
                    continue
                index = bisect.bisect_right(addresses, page - base) - 1
                pages[module(symbols[index][1]) if index >= 0 else "?"] += 1
    total = sum(pages.values())
    print(f"{binary}: {total * 4 / 1024:.1f} MB resident in process {pid}")
    for name, count in pages.most_common():
        if count * 4 >= 100:
            print(f"{count * 4 / 1024:7.1f} MB  {name}")


if __name__ == "__main__":
    main()
