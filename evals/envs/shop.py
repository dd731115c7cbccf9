"""A shop: products with stock and prices, customers' orders, and their life cycle."""

from __future__ import annotations

import copy
from typing import Any

_STATUSES = ("pending", "shipped", "cancelled", "refunded")


class Shop:
    """Products, stock and orders.

    Initial state: `{"products": {"SKU": {"name", "price", "stock"}}, "orders": {"1001":
    {"customer", "items": {"SKU": qty}, "status"}}}`. New orders are numbered after the highest id.
    """

    def __init__(
        self,
        products: dict[str, dict[str, Any]] | None = None,
        orders: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self._products = copy.deepcopy(products or {})
        self._orders = copy.deepcopy(orders or {})
        for order in self._orders.values():
            if order.get("status", "pending") not in _STATUSES:
                raise ValueError(f"order status must be one of {_STATUSES}")
            order.setdefault("status", "pending")

    def _snapshot(self) -> dict[str, Any]:
        return copy.deepcopy({"products": self._products, "orders": self._orders})

    def _product(self, sku: str) -> dict[str, Any]:
        if sku not in self._products:
            raise ValueError(f"No product with SKU {sku!r}; search_products finds SKUs by name.")
        return self._products[sku]

    def _order(self, order_id: str, status: str | None = None) -> dict[str, Any]:
        if order_id not in self._orders:
            raise ValueError(f"No order {order_id!r}; list_orders shows a customer's orders.")
        order = self._orders[order_id]
        if status is not None and order["status"] != status:
            raise ValueError(f"Order {order_id} is {order['status']}; this needs a {status} order.")
        return order

    def _total(self, order: dict[str, Any]) -> float:
        total: float = sum(float(self._products[s]["price"]) * q for s, q in order["items"].items())
        return round(total, 2)

    def search_products(self, query: str) -> list[dict[str, Any]]:
        """Find products whose name contains the query (case-insensitive).

        Args:
            query: Part of the product name, e.g. 'mug'.
        """
        q = query.strip().lower()
        return [{"sku": s, **p} for s, p in sorted(self._products.items()) if q in p["name"].lower()]

    def get_product(self, sku: str) -> dict[str, Any]:
        """Name, price and stock of one product.

        Args:
            sku: The product's SKU, e.g. 'MUG-01'.
        """
        return {"sku": sku, **self._product(sku)}

    def list_orders(self, customer: str) -> list[dict[str, Any]]:
        """A customer's orders with their status and total.

        Args:
            customer: The customer's name.
        """
        return [
            {"id": k, "status": o["status"], "items": dict(o["items"]), "total": self._total(o)}
            for k, o in sorted(self._orders.items())
            if o["customer"].lower() == customer.strip().lower()
        ]

    def get_order(self, order_id: str) -> dict[str, Any]:
        """One order: customer, items, status and total.

        Args:
            order_id: The order's id, e.g. '1002'.
        """
        order = self._order(order_id)
        return {"id": order_id, **copy.deepcopy(order), "total": self._total(order)}

    def _take(self, sku: str, quantity: int) -> None:
        product = self._product(sku)
        if quantity < 1:
            raise ValueError(f"quantity must be at least 1, not {quantity}.")
        if product["stock"] < quantity:
            raise ValueError(f"Only {product['stock']} of {sku} in stock; {quantity} asked.")
        product["stock"] -= quantity

    def create_order(self, customer: str, items: dict[str, int]) -> str:
        """Place a pending order; the items are taken from stock.

        Args:
            customer: The customer's name.
            items: Quantity per SKU, e.g. {"MUG-01": 2}.
        """
        if not items:
            raise ValueError("An order needs at least one item.")
        for sku, quantity in items.items():
            self._product(sku)
            if quantity < 1 or self._products[sku]["stock"] < quantity:
                raise ValueError(
                    f"Cannot order {quantity} of {sku}: {self._products[sku]['stock']} in stock."
                )
        for sku, quantity in items.items():
            self._take(sku, quantity)
        number = max((int(k) for k in self._orders if k.isdigit()), default=1000) + 1
        self._orders[str(number)] = {"customer": customer, "items": dict(items), "status": "pending"}
        return str(number)

    def add_item(self, order_id: str, sku: str, quantity: int = 1) -> str:
        """Add items to a pending order (taken from stock).

        Args:
            order_id: The order's id.
            sku: The product's SKU.
            quantity: How many to add.
        """
        order = self._order(order_id, "pending")
        self._take(sku, quantity)
        order["items"][sku] = order["items"].get(sku, 0) + quantity
        return f"order {order_id} now has {order['items'][sku]} x {sku}"

    def remove_item(self, order_id: str, sku: str) -> str:
        """Remove a product from a pending order (its quantity goes back to stock).

        Args:
            order_id: The order's id.
            sku: The product's SKU.
        """
        order = self._order(order_id, "pending")
        if sku not in order["items"]:
            raise ValueError(f"Order {order_id} has no {sku}; its items are {sorted(order['items'])}.")
        if len(order["items"]) == 1:
            raise ValueError("That is the order's only item; cancel the order instead.")
        self._product(sku)["stock"] += order["items"].pop(sku)
        return f"removed {sku} from order {order_id}"

    def cancel_order(self, order_id: str) -> str:
        """Cancel a pending order; its items go back to stock.

        Args:
            order_id: The order's id.
        """
        order = self._order(order_id, "pending")
        for sku, quantity in order["items"].items():
            self._product(sku)["stock"] += quantity
        order["status"] = "cancelled"
        return f"cancelled order {order_id}"

    def ship_order(self, order_id: str) -> str:
        """Mark a pending order as shipped.

        Args:
            order_id: The order's id.
        """
        self._order(order_id, "pending")["status"] = "shipped"
        return f"shipped order {order_id}"

    def refund_order(self, order_id: str) -> str:
        """Refund a shipped order (the goods are not restocked).

        Args:
            order_id: The order's id.
        """
        order = self._order(order_id, "shipped")
        order["status"] = "refunded"
        return f"refunded {self._total(order):.2f} for order {order_id}"

    def restock(self, sku: str, quantity: int) -> str:
        """Add units of a product to stock.

        Args:
            sku: The product's SKU.
            quantity: How many units arrived.
        """
        if quantity < 1:
            raise ValueError(f"quantity must be at least 1, not {quantity}.")
        product = self._product(sku)
        product["stock"] += quantity
        return f"{sku} stock is now {product['stock']}"

    def set_price(self, sku: str, price: float) -> str:
        """Change a product's price.

        Args:
            sku: The product's SKU.
            price: The new price, greater than zero.
        """
        if price <= 0:
            raise ValueError(f"price must be greater than zero, not {price}.")
        self._product(sku)["price"] = round(float(price), 2)
        return f"{sku} now costs {self._products[sku]['price']:.2f}"
