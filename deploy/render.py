#!/usr/bin/env python3
"""Fill the {{ placeholders }} of a deploy/ template.

    python3 deploy/render.py deploy/nginx.conf listen="443 ssl" \
        server_name=shop.example.com upstream=127.0.0.1:8001 \
        static_root=/srv/shop/static media_root=/srv/shop/media \
        private_root=/srv/shop/private access_log=/var/log/nginx/shop.access.log \
        page_cache_root=/var/lib/nginx/shop-pages resolver=127.0.0.53 \
        > /etc/nginx/sites-available/shop

Refuses to leave a placeholder unfilled (or, from the command line, to fill one that is not there).
"""

import re
import sys

PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def render(template, values):
    missing = set(PLACEHOLDER.findall(template)) - set(values)
    if missing:
        raise ValueError(f"no value for: {', '.join(sorted(missing))}")
    for name in ("static_root", "media_root", "private_root"):
        if name in values:
            values = {**values, name: str(values[name]).rstrip("/")}
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    values = dict(arg.split("=", 1) for arg in argv[2:])
    with open(argv[1]) as f:
        template = f.read()
    unknown = set(values) - set(PLACEHOLDER.findall(template))
    if unknown:
        sys.exit(f"{argv[1]} has no placeholder {', '.join(sorted(unknown))}")
    sys.stdout.write(render(template, values))


if __name__ == "__main__":
    main(sys.argv)
