"""EBNF for integers and decimals inside a range, as digit patterns (no listing of values).

Both the native call grammar and the JSON answer grammar write numbers the same way (JSON's
syntax), so both use these bodies. The caps match the unbounded rules: at most 18 digits
before the point and 17 after it.

A bounded number is written in fixed-point notation (no exponent). The patterns are exact
for integers. For decimals they are exact up to `FRACTION_DIGITS` places: a bound with more
places is widened to that many (down for a minimum, up for a maximum), so the grammar may
allow a value just outside a very finely written bound (the registry then rejects it and the
model retries), and never forbids a value inside. Exclusive bounds of decimals are enforced
as inclusive ones, with the same consequence for the bound itself.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from functools import lru_cache

WHOLE_DIGITS = 18
FRACTION_DIGITS = 17
MAX_WHOLE = 10**WHOLE_DIGITS - 1
_ANY_FRACTION = f'"." [0-9]{{1,{FRACTION_DIGITS}}}'


def _class(lo: str, hi: str) -> str:
    return f'"{lo}"' if lo == hi else f"[{lo}-{hi}]"


def _any_digits(lo: int, hi: int) -> str:
    """[0-9] repeated between lo and hi times (empty string when hi is 0)."""
    if hi <= 0:
        return ""
    if lo == hi:
        return "[0-9]" if lo == 1 else f"[0-9]{{{lo}}}"
    return f"[0-9]{{{lo},{hi}}}"


def _seq(*parts: str) -> str:
    return " ".join(p for p in parts if p) or '""'


def _alt(options: list[str]) -> str:
    unique = list(dict.fromkeys(o for o in options if o))
    return unique[0] if len(unique) == 1 else "(" + " | ".join(unique) + ")"


# -- whole numbers ----------------------------------------------------------------------------


def _same_length(lo: str, hi: str) -> list[str]:
    """Patterns for the digit strings of one length between lo and hi (inclusive)."""
    if lo == hi:
        return [f'"{lo}"']
    if len(lo) == 1:
        return [_class(lo, hi)]
    if lo[0] == hi[0]:
        return [_seq(f'"{lo[0]}"', _alt(_same_length(lo[1:], hi[1:])))]
    rest = len(lo) - 1
    out = []
    first_full = int(lo[0]) if set(lo[1:]) == {"0"} else int(lo[0]) + 1
    last_full = int(hi[0]) if set(hi[1:]) == {"9"} else int(hi[0]) - 1
    if first_full > int(lo[0]):
        out.append(_seq(f'"{lo[0]}"', _alt(_same_length(lo[1:], "9" * rest))))
    if first_full <= last_full:
        out.append(_seq(_class(str(first_full), str(last_full)), _any_digits(rest, rest)))
    if last_full < int(hi[0]):
        out.append(_seq(f'"{hi[0]}"', _alt(_same_length("0" * rest, hi[1:]))))
    return out


@lru_cache(maxsize=1024)
def whole_range(lo: int, hi: int) -> str:
    """EBNF for the decimal writing (no sign, no leading zero) of the integers in [lo, hi], 0 <= lo <= hi."""
    hi = min(hi, MAX_WHOLE)
    if lo > hi:
        raise ValueError(f"empty range [{lo}, {hi}]")
    options = []
    if hi == MAX_WHOLE and len(str(lo)) < WHOLE_DIGITS:  # open above: longer numbers are all in
        shortest = len(str(lo))
        return _alt([*_same_length(str(lo), "9" * shortest), f"[1-9] [0-9]{{{shortest},{WHOLE_DIGITS - 1}}}"])
    for digits in range(len(str(lo)), len(str(hi)) + 1):
        a = max(lo, 10 ** (digits - 1) if digits > 1 else 0)
        b = min(hi, 10**digits - 1)
        if a <= b:
            options += _same_length(str(a).zfill(digits), str(b).zfill(digits))
    return _alt(options)


# -- fractions --------------------------------------------------------------------------------
# A fraction is the digit string f after the point, 1 to n digits, read as the value 0.f.
# Bounds are digit strings without trailing zeros ("" is zero).


def _frac_at_least(s: str, n: int) -> list[str]:
    """Fractions of 1..n digits whose value is >= 0.s."""
    if n <= 0:
        return []
    if not s:
        return [_any_digits(1, n)]
    out = []
    for i, d in enumerate(s[:n]):
        if d != "9":
            out.append(
                _seq(f'"{s[:i]}"' if i else "", _class(str(int(d) + 1), "9"), _any_digits(0, n - i - 1))
            )
    if len(s) <= n:
        out.append(_seq(f'"{s}"', _any_digits(0, n - len(s))))
    return out


def _frac_at_most(t: str, n: int) -> list[str]:
    """Fractions of 1..n digits whose value is <= 0.t."""
    if n <= 0:
        return []
    if not t:
        return [f'"0"{{1,{n}}}' if n > 1 else '"0"']
    out = []
    for i, d in enumerate(t[:n]):
        if d != "0":
            out.append(
                _seq(f'"{t[:i]}"' if i else "", _class("0", str(int(d) - 1)), _any_digits(0, n - i - 1))
            )
    out += [f'"{t[:k]}"' for k in range(1, min(len(t), n) + 1)]
    if len(t) < n:
        out.append(_seq(f'"{t}"', f'"0"{{1,{n - len(t)}}}'))
    return out


def _frac_between(s: str, t: str, n: int) -> list[str]:
    """Fractions of 1..n digits with 0.s <= value <= 0.t (s <= t)."""
    width = max(len(s), len(t))
    sp, tp = s.ljust(width, "0"), t.ljust(width, "0")
    if sp == tp:  # one value: its digits, then only zeros
        if not s:
            return _frac_at_most("", n)
        return [f'"{s}"'] + ([f'"{s}" "0"{{1,{n - len(s)}}}'] if len(s) < n else [])
    k = next(i for i in range(width) if sp[i] != tp[i])
    prefix, a, b = sp[:k], int(sp[k]), int(tp[k])
    rest = n - k - 1
    out = []
    if k and not s[k:]:
        out.append(f'"{prefix}"')
    low = s[k + 1 :]
    out += [_seq(f'"{prefix}{a}"', _alt(_frac_at_least(low, rest)))] if rest > 0 else []
    if not low:
        out.append(f'"{prefix}{a}"')
    if a + 1 <= b - 1:
        out.append(
            _seq(f'"{prefix}"' if prefix else "", _class(str(a + 1), str(b - 1)), _any_digits(0, rest))
        )
    high = t[k + 1 :]
    out.append(f'"{prefix}{b}"')
    if rest > 0:
        out.append(_seq(f'"{prefix}{b}"', _alt(_frac_at_most(high, rest))))
    return [o for o in out if o]


# -- decimals ---------------------------------------------------------------------------------


def _split(value: Decimal, rounding: str) -> tuple[int, str]:
    """(whole part, fraction digits without trailing zeros) of a value >= 0, at FRACTION_DIGITS places."""
    q = value.quantize(Decimal(1).scaleb(-FRACTION_DIGITS), rounding=rounding)
    whole = int(q)
    frac = f"{q - whole:.{FRACTION_DIGITS}f}".split(".")[1].rstrip("0")
    return whole, frac


def _magnitude(lo: Decimal, hi: Decimal | None) -> str:
    """Unsigned decimals (optional fraction) in [lo, hi]; hi None means up to the digit cap."""
    wa, sa = _split(lo, ROUND_FLOOR)
    n = FRACTION_DIGITS
    if hi is None or hi > MAX_WHOLE:
        wb, tb = MAX_WHOLE, "9" * n
    else:
        wb, tb = _split(hi, ROUND_CEILING)
    if wa > MAX_WHOLE:
        raise ValueError("minimum above the digit cap")
    options = []
    if wa == wb:
        frac = _alt(_frac_between(sa, tb, n))
        options.append(_seq(f'"{wa}"', f'"." {frac}' if sa else f'("." {frac})?'))
        return _alt(options)
    low = f'"." {_alt(_frac_at_least(sa, n))}'
    options.append(_seq(f'"{wa}"', low if sa else f"({_ANY_FRACTION})?"))
    if wa + 1 <= wb - 1:
        options.append(_seq(whole_range(wa + 1, wb - 1), f"({_ANY_FRACTION})?"))
    options.append(_seq(f'"{wb}"', f'("." {_alt(_frac_at_most(tb, n))})?'))
    return _alt(options)


def _decimal(x: float | int) -> Decimal:
    try:
        return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
    except InvalidOperation as e:  # pragma: no cover - callers pass finite numbers
        raise ValueError(f"not a finite number: {x!r}") from e


@lru_cache(maxsize=1024)
def number_range(lo: float | int | None, hi: float | int | None) -> str:
    """EBNF for fixed-point decimals in [lo, hi] (either side may be open); lo <= hi."""
    dlo = None if lo is None else _decimal(lo)
    dhi = None if hi is None else _decimal(hi)
    options = []
    if dhi is None or dhi >= 0:
        options.append(_magnitude(max(dlo, Decimal(0)) if dlo is not None else Decimal(0), dhi))
    if dlo is None or dlo < 0:
        top = None if dlo is None else -dlo
        bottom = max(-dhi, Decimal(0)) if dhi is not None else Decimal(0)
        options.append(_seq('"-"', _magnitude(bottom, top)))
    return _alt(options)


@lru_cache(maxsize=1024)
def integer_range(lo: int | None, hi: int | None) -> str:
    """EBNF for integers in [lo, hi] (either side may be open); lo <= hi."""
    options = []
    if hi is None or hi >= 0:
        options.append(whole_range(max(lo, 0) if lo is not None else 0, MAX_WHOLE if hi is None else hi))
    if lo is None or lo < 0:
        top = MAX_WHOLE if lo is None else -lo
        bottom = max(-hi, 1) if hi is not None else 1
        if bottom <= min(top, MAX_WHOLE):
            options.append(_seq('"-"', whole_range(bottom, top)))
    return _alt(options)
