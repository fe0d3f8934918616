"""Exact decimal arithmetic over cited values; formulas shown as people write them. No model does math."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from assistant.textnorm import UNIT_FACTORS, convert
from assistant.types import Calculation


def quantize(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fmt(value: Decimal, unit: str | None = None, places: int | None = None) -> str:
    """104000 -> '104,000元'; 10.4 万元 -> '10.40万元'; keeps exact decimals unless places is given."""
    if places is not None:
        value = quantize(value, places)
    elif value == value.to_integral_value() and unit not in {"万元", "亿元", "%"}:
        value = value.quantize(Decimal(1))
    elif unit in {"万元", "亿元", "%"} or value != value.to_integral_value():
        value = quantize(value, 2) if value == quantize(value, 2) else quantize(value, 4).normalize()
    text = f"{value:,f}" if abs(value) >= 1000 else f"{value:f}"
    return f"{text}{unit or ''}"


def in_unit(value: Decimal, unit: str | None, target: str | None) -> Decimal:
    if unit and target and unit in UNIT_FACTORS and target in UNIT_FACTORS and unit != target:
        return convert(value, unit, target)
    return value


def share(part: Decimal, whole: Decimal) -> Calculation:
    result = part / whole * 100
    expr = f"{fmt(part)} ÷ {fmt(whole)} × 100% = {fmt(result, '%', 2)}"
    return Calculation(op="share", operands=(part, whole), result=result, unit="%", expression=expr)


def total(values: list[Decimal], unit: str) -> Calculation:
    result = sum(values, Decimal(0))
    expr = " + ".join(fmt(v) for v in values) + f" = {fmt(result, unit)}"
    return Calculation(op="sum", operands=tuple(values), result=result, unit=unit, expression=expr)


def difference(a: Decimal, b: Decimal, unit: str) -> Calculation:
    result = a - b
    return Calculation(
        op="difference",
        operands=(a, b),
        result=result,
        unit=unit,
        expression=f"{fmt(a)} − {fmt(b)} = {fmt(result, unit)}",
    )


def change(new: Decimal, old: Decimal, unit: str) -> tuple[Calculation, Decimal | None]:
    """new − old, and the growth rate in % when old is not zero."""
    result = new - old
    rate = (result / old * 100) if old else None
    expr = f"{fmt(new)} − {fmt(old)} = {fmt(result, unit)}"
    if rate is not None:
        expr += f"；变动率 = {fmt(result)} ÷ {fmt(old)} × 100% = {fmt(rate, '%', 2)}"
    return Calculation(op="change", operands=(new, old), result=result, unit=unit, expression=expr), rate


def derive_prior(current: Decimal, delta: Decimal, direction: str, unit: str) -> Calculation:
    """Last year's figure from this year's and the stated change (比上年减少X -> 上年 = 本年 + X)."""
    result = current + delta if direction in {"减少", "下降", "降低", "减"} else current - delta
    sign = "+" if direction in {"减少", "下降", "降低", "减"} else "−"
    return Calculation(
        op="derive",
        operands=(current, delta),
        result=result,
        unit=unit,
        expression=f"{fmt(current)} {sign} {fmt(delta)} = {fmt(result, unit)}",
    )


def conversion(value: Decimal, unit: str, target: str) -> Calculation:
    result = convert(value, unit, target)
    return Calculation(
        op="convert",
        operands=(value,),
        result=result,
        unit=target,
        expression=f"{fmt(value, unit)} = {fmt(result, target)}",
    )
