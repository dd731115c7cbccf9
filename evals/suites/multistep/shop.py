"""Multi-step tasks on the shop: products, stock and orders."""

from __future__ import annotations

from typing import Any

from evals.checks import ForbiddenCalls
from evals.matching import CallPattern
from evals.suites._build import answer_contains, called, calls, gold, state, where
from evals.tasks import EnvSpec, Task, Turn

SHOP: dict[str, Any] = {
    "products": {
        "MUG-01": {"name": "Blue mug", "price": 8.5, "stock": 10},
        "MUG-02": {"name": "Red mug", "price": 8.5, "stock": 0},
        "TEA-01": {"name": "Green tea 100g", "price": 5.0, "stock": 25},
        "TEA-02": {"name": "Black tea 100g", "price": 4.5, "stock": 3},
        "KET-01": {"name": "Electric kettle", "price": 39.9, "stock": 4},
        "SPN-01": {"name": "Tea spoon", "price": 2.0, "stock": 50},
    },
    "orders": {
        "1001": {"customer": "Alice", "items": {"MUG-01": 2}, "status": "pending"},
        "1002": {"customer": "Alice", "items": {"KET-01": 1}, "status": "shipped"},
        "1003": {"customer": "Bob", "items": {"TEA-01": 4, "SPN-01": 4}, "status": "pending"},
        "1004": {"customer": "Chen", "items": {"TEA-02": 2}, "status": "pending"},
    },
}
ENV = EnvSpec(name="shop", state=SHOP)
S = "shop"


def stock(sku: str, n: int) -> Any:
    return state("products", sku, "stock", equals=n)


def order(customer: str, items: dict[str, int], status: str = "pending") -> Any:
    """Some order (besides the initial ones) of `customer` has exactly these items and this status."""

    def found(orders: dict[str, Any]) -> bool:
        return any(
            k not in SHOP["orders"]
            and o["customer"].lower() == customer.lower()
            and o["items"] == items
            and o["status"] == status
            for k, o in orders.items()
        )

    return where(f"new {status} order of {customer} with {items}", found, "orders")


def one_new_order() -> Any:
    return where("exactly one new order", lambda orders: len(orders) == len(SHOP["orders"]) + 1, "orders")


TASKS = [
    Task.single(
        id="shop-order-dana",
        env=ENV,
        prompt="Order 2 packs of green tea and 1 electric kettle for Dana.",
        gold=[
            gold("search_products", query="green tea"),
            gold("search_products", query="kettle"),
            gold("create_order", customer="Dana", items={"TEA-01": 2, "KET-01": 1}),
        ],
        checks=[
            order("Dana", {"TEA-01": 2, "KET-01": 1}),
            one_new_order(),
            stock("TEA-01", 23),
            stock("KET-01", 3),
        ],
        tags=[S, "orders"],
    ),
    Task.single(
        id="shop-cancel-alice",
        env=ENV,
        prompt="Cancel all of Alice's pending orders.",
        gold=[gold("list_orders", customer="Alice"), gold("cancel_order", order_id="1001")],
        checks=[
            state("orders", "1001", "status", equals="cancelled"),
            state("orders", "1002", "status", equals="shipped"),
            stock("MUG-01", 12),
        ],
        tags=[S, "orders"],
    ),
    Task.single(
        id="shop-bob-additions",
        env=ENV,
        prompt="Bob wants 2 more tea spoons and one blue mug added to his pending order.",
        gold=[
            gold("list_orders", customer="Bob"),
            gold("add_item", order_id="1003", sku="SPN-01", quantity=2),
            gold("search_products", query="blue mug"),
            gold("add_item", order_id="1003", sku="MUG-01", quantity=1),
        ],
        checks=[
            state("orders", "1003", "items", equals={"TEA-01": 4, "SPN-01": 6, "MUG-01": 1}),
            stock("MUG-01", 9),
        ],
        tags=[S, "orders"],
    ),
    Task.single(
        id="shop-refund-kettle",
        env=ENV,
        prompt="Refund Alice's order that was already shipped.",
        gold=[gold("list_orders", customer="Alice"), gold("refund_order", order_id="1002")],
        checks=[
            state("orders", "1002", "status", equals="refunded"),
            state("orders", "1001", "status", equals="pending"),
            calls(called("refund_order", order_id="1002")),
        ],
        tags=[S, "orders"],
    ),
    Task.single(
        id="shop-red-mug-restock",
        env=ENV,
        prompt="The red mug is out of stock: restock 20 of them and lower its price to 7.50.",
        gold=[
            gold("search_products", query="red mug"),
            gold("restock", sku="MUG-02", quantity=20),
            gold("set_price", sku="MUG-02", price=7.5),
        ],
        checks=[stock("MUG-02", 20), state("products", "MUG-02", "price", equals=7.5)],
        tags=[S, "inventory"],
    ),
    Task.single(
        id="shop-ship-bob-chen",
        env=ENV,
        prompt="Ship Bob's and Chen's pending orders.",
        gold=[
            gold("list_orders", customer="Bob"),
            gold("list_orders", customer="Chen"),
            gold("ship_order", order_id="1003"),
            gold("ship_order", order_id="1004"),
        ],
        checks=[
            state("orders", "1003", "status", equals="shipped"),
            state("orders", "1004", "status", equals="shipped"),
            state("orders", "1001", "status", equals="pending"),
        ],
        tags=[S, "orders"],
    ),
    Task.single(
        id="shop-chen-black-tea",
        env=ENV,
        prompt=(
            "Chen wants 5 packs of black tea in total in order 1004. Restock 10 packs of black tea first, "
            "then add what is missing to his order."
        ),
        gold=[
            gold("get_order", order_id="1004"),
            gold("restock", sku="TEA-02", quantity=10),
            gold("add_item", order_id="1004", sku="TEA-02", quantity=3),
        ],
        checks=[state("orders", "1004", "items", equals={"TEA-02": 5}), stock("TEA-02", 10)],
        tags=[S, "inventory", "reasoning"],
    ),
    Task.single(
        id="shop-spoon-price",
        env=ENV,
        prompt="Raise the price of tea spoons to 2.50, then tell me the new total of Bob's pending order.",
        gold=[
            gold("search_products", query="spoon"),
            gold("set_price", sku="SPN-01", price=2.5),
            gold("list_orders", customer="Bob"),
        ],
        gold_answer="Bob's pending order 1003 now totals 30.00.",
        checks=[state("products", "SPN-01", "price", equals=2.5), answer_contains("30")],
        tags=[S, "inventory", "reasoning"],
    ),
    Task.single(
        id="shop-split-bob",
        env=ENV,
        prompt=(
            "Take the tea spoons out of Bob's pending order and put them in a new, separate order for Bob."
        ),
        gold=[
            gold("get_order", order_id="1003"),
            gold("remove_item", order_id="1003", sku="SPN-01"),
            gold("create_order", customer="Bob", items={"SPN-01": 4}),
        ],
        checks=[
            state("orders", "1003", "items", equals={"TEA-01": 4}),
            order("Bob", {"SPN-01": 4}),
            stock("SPN-01", 50),
        ],
        tags=[S, "orders"],
    ),
    Task.single(
        id="shop-mug-prices",
        env=ENV,
        prompt="Raise the price of every mug by 1.00.",
        gold=[
            gold("search_products", query="mug"),
            gold("set_price", sku="MUG-01", price=9.5),
            gold("set_price", sku="MUG-02", price=9.5),
        ],
        checks=[
            state("products", "MUG-01", "price", equals=9.5),
            state("products", "MUG-02", "price", equals=9.5),
        ],
        tags=[S, "inventory"],
    ),
    Task.single(
        id="shop-alice-swap",
        env=ENV,
        prompt=(
            "In order 1001, Alice wants to swap her 2 blue mugs for 2 red mugs. Red mugs are out of stock, "
            "so restock 5 red mugs first."
        ),
        gold=[
            gold("restock", sku="MUG-02", quantity=5),
            gold("add_item", order_id="1001", sku="MUG-02", quantity=2),
            gold("remove_item", order_id="1001", sku="MUG-01"),
        ],
        checks=[
            state("orders", "1001", "items", equals={"MUG-02": 2}),
            stock("MUG-01", 12),
            stock("MUG-02", 3),
        ],
        tags=[S, "orders", "inventory"],
    ),
    Task.single(
        id="shop-order-eve",
        env=ENV,
        prompt=(
            "Place an order for Eve: 6 electric kettles and 3 packs of black tea. If a product does not have "
            "enough stock, first restock exactly the number that is missing."
        ),
        gold=[
            gold("get_product", sku="KET-01"),
            gold("get_product", sku="TEA-02"),
            gold("restock", sku="KET-01", quantity=2),
            gold("create_order", customer="Eve", items={"KET-01": 6, "TEA-02": 3}),
        ],
        checks=[order("Eve", {"KET-01": 6, "TEA-02": 3}), stock("KET-01", 0), stock("TEA-02", 0)],
        tags=[S, "orders", "inventory", "reasoning"],
    ),
    Task(
        id="shop-frank-mugs",
        env=ENV,
        turns=[
            Turn(
                user="Create an order for Frank with one blue mug.",
                gold=[
                    gold("search_products", query="blue mug"),
                    gold("create_order", customer="Frank", items={"MUG-01": 1}),
                ],
                checks=[order("Frank", {"MUG-01": 1})],
            ),
            Turn(
                user="Actually, make it three blue mugs, and ship the order.",
                gold=[
                    gold("add_item", order_id="1005", sku="MUG-01", quantity=2),
                    gold("ship_order", order_id="1005"),
                ],
                checks=[order("Frank", {"MUG-01": 3}, status="shipped"), one_new_order()],
            ),
        ],
        tags=[S, "orders", "multi-turn"],
    ),
    Task.single(
        id="shop-lowest-stock",
        env=ENV,
        prompt="Which product has the lowest stock that is not zero? Restock it up to exactly 20 units.",
        gold=[gold("search_products", query=""), gold("restock", sku="TEA-02", quantity=17)],
        checks=[
            stock("TEA-02", 20),
            ForbiddenCalls(
                calls=[
                    CallPattern(
                        name="restock",
                        args={"sku": ["MUG-01", "MUG-02", "TEA-01", "KET-01", "SPN-01"]},
                        allow_extra=True,
                    )
                ]
            ),
        ],
        tags=[S, "inventory", "reasoning"],
    ),
]
