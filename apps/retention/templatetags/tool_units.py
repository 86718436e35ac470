"""Template filters that show sizes in binary units (KiB, MiB, GiB, TiB, PiB).

The retention tools compute sizes in powers of 1024, so they label them with the
IEC binary prefixes: 797,638,286,288 bytes read "742.9 GiB", not "742.9 GB".
"""

from django import template

register = template.Library()

BINARY_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB")


def format_binary(size_bytes: float) -> str:
    """Format a byte count with the largest binary unit under 1,024 of it."""
    size = float(size_bytes)
    if abs(size) < 1024:
        return f"{size:,.0f} bytes"
    for unit in BINARY_UNITS[1:-1]:
        size /= 1024
        if abs(size) < 1024:
            return f"{size:,.1f} {unit}"
    return f"{size / 1024:,.1f} {BINARY_UNITS[-1]}"


@register.filter
def binary_size(value: int | float | None) -> str:
    """Format a size in bytes, such as "742.9 GiB"; "unknown" for None."""
    if value is None or value == "":
        return "unknown"
    return format_binary(value)


@register.filter
def binary_size_mib(value: int | float | None) -> str:
    """Format a size the CommServe reports in MB of 1,048,576 bytes, such as "2.0 TiB"."""
    if value is None or value == "":
        return "not reported"
    return format_binary(float(value) * 1024 * 1024)
