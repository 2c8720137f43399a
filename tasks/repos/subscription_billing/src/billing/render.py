"""Plain-text invoices and statements, 72 columns wide."""

from __future__ import annotations

from billing.invoice import Invoice, amount_due

WIDTH = 72


def _row(left: str, right: str) -> str:
    room = WIDTH - len(right) - 1
    if len(left) > room:
        left = left[: room - 3] + "..."
    return f"{left:<{room}} {right}"


def render_invoice(invoice: Invoice) -> str:
    out = [
        f"INVOICE {invoice.number}".center(WIDTH).rstrip(),
        f"Customer: {invoice.customer}",
        f"Period:   {invoice.period}",
        f"Due:      {invoice.due_on.isoformat()}",
        "-" * WIDTH,
    ]
    for line in invoice.lines:
        if line.kind != "tax":
            out.append(_row(line.description, str(line.amount)))
    out.append("-" * WIDTH)
    out.append(_row("Subtotal", str(invoice.subtotal)))
    if not invoice.discount.is_zero():
        out.append(_row("Discount", str(-invoice.discount)))
    tax_lines = [line for line in invoice.lines if line.kind == "tax"]
    for line in tax_lines:
        label = f"{line.description} (included)" if invoice.tax_inclusive else line.description
        out.append(_row(label, str(line.amount)))
    out.append(_row("TOTAL", str(invoice.total)))
    return "\n".join(out) + "\n"


def render_statement(invoices: list[Invoice]) -> str:
    if not invoices:
        return "No invoices.\n"
    out = [f"STATEMENT for {invoices[0].customer}".center(WIDTH).rstrip(), ""]
    for invoice in invoices:
        out.append(_row(f"{invoice.number}  {invoice.period}", str(invoice.total)))
    out.append("-" * WIDTH)
    out.append(_row("Amount due", str(amount_due(invoices))))
    return "\n".join(out) + "\n"
